//! Every parser of untrusted text in the evidence crate returns an error,
//! never panics, on random input, and on random single-character edits of
//! valid input.

use canvass_evidence::checkpoint::{Checkpoint, open, open_note};
use canvass_evidence::keys::{PrivateKey, PublicKey};
use proptest::prelude::*;

fn key() -> PrivateKey {
    PrivateKey::from_seed("log.example/x", &[9; 32]).unwrap_or_else(|_| unreachable!())
}

fn note() -> String {
    let cp = Checkpoint {
        origin: "log.example/x".into(),
        size: 77,
        root: [5; 32],
        timestamp: 1,
    };
    cp.sign(&key()).unwrap_or_default()
}

proptest! {
    #[test]
    fn random_text_never_panics(text in "(?s).{0,300}") {
        let public = key().public_key();
        let _ = open(&text, &public);
        let _ = open_note(&text, &public);
        let _ = Checkpoint::from_body(&text);
        let _ = PublicKey::from_text(&text);
        let _ = PrivateKey::from_text(&text);
    }

    #[test]
    fn edited_notes_never_verify_as_something_else(at in 0usize..400, c in any::<char>()) {
        let original = note();
        let mut chars: Vec<char> = original.chars().collect();
        let at = at % chars.len();
        prop_assume!(chars[at] != c);
        chars[at] = c;
        let edited: String = chars.into_iter().collect();
        // An edit either breaks the note or (never) leaves the same checkpoint.
        let got = open(&edited, &key().public_key());
        prop_assert!(got.is_err(), "edit at {} to {:?} verified: {:?}", at, c, got);
    }

    #[test]
    fn edited_public_keys_never_parse_as_the_same_key(at in 0usize..80, c in any::<char>()) {
        let original = key().public_key().to_text();
        let mut chars: Vec<char> = original.trim_end().chars().collect();
        let at = at % chars.len();
        prop_assume!(chars[at] != c);
        chars[at] = c;
        let edited: String = chars.into_iter().collect();
        if let Ok(k) = PublicKey::from_text(&edited) {
            prop_assert_ne!(k, key().public_key());
        }
    }
}
