//! Signed checkpoints (signed tree heads) in the C2SP `tlog-checkpoint`
//! format, carried in a C2SP `signed-note`.
//!
//! A signed note (C2SP signed-note) is a UTF-8 text ending in a newline,
//! a blank line, and one or more signature lines
//! `— <key name> <base64(key id (4 bytes, big-endian) || Ed25519 signature)>`,
//! where the signature covers the text including its final newline. The em
//! dash is U+2014 followed by a space.
//!
//! The checkpoint text (C2SP tlog-checkpoint) is:
//!
//! ```text
//! <origin>                      the log's name, e.g. county.example.gov/2026-general
//! <tree size>                   decimal, no leading zeros
//! <base64 root hash>            MTH of RFC 9162 §2.1.1 over the first <tree size> leaves
//! timestamp <unix seconds>      an extension line: when the log says it made this head
//! ```
//!
//! The timestamp is given by the caller; this crate never reads the clock.
//!
//! ```
//! use canvass_evidence::checkpoint::{Checkpoint, open};
//! use canvass_evidence::keys::PrivateKey;
//! let key = PrivateKey::from_seed("county.example/2026", &[7; 32])?;
//! let cp = Checkpoint { origin: "county.example/2026".into(), size: 3, root: [0; 32], timestamp: 1_790_000_000 };
//! let note = cp.sign(&key)?;
//! assert_eq!(open(&note, &key.public_key())?, cp);
//! # Ok::<(), canvass_evidence::EvidenceError>(())
//! ```

use crate::EvidenceError;
use crate::keys::{PrivateKey, PublicKey};
use crate::merkle::Hash;
use base64ct::{Base64, Encoding};

/// The start of a signature line: U+2014 EM DASH and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// A signed tree head: the log `origin` had `size` leaves with `root` at
/// `timestamp` (seconds since 1970-01-01 UTC).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's name (one line, no control characters).
    pub origin: String,
    /// The tree size.
    pub size: u64,
    /// The root hash of the first `size` leaves.
    pub root: Hash,
    /// Seconds since the Unix epoch, given by the caller.
    pub timestamp: u64,
}

impl Checkpoint {
    /// The checkpoint text (the signed body), ending in a newline.
    pub fn body(&self) -> Result<String, EvidenceError> {
        if self.origin.is_empty() || self.origin.chars().any(char::is_control) {
            return Err(EvidenceError::Malformed {
                what: "checkpoint",
                line: 1,
                reason: "the origin must be one non-empty line without control characters".into(),
            });
        }
        Ok(format!(
            "{}\n{}\n{}\ntimestamp {}\n",
            self.origin,
            self.size,
            Base64::encode_string(&self.root),
            self.timestamp
        ))
    }

    /// Parse a checkpoint text (which must end in a newline).
    pub fn from_body(text: &str) -> Result<Checkpoint, EvidenceError> {
        let bad = |line, reason: &str| EvidenceError::Malformed {
            what: "checkpoint",
            line,
            reason: reason.to_owned(),
        };
        let Some(text) = text.strip_suffix('\n') else {
            return Err(bad(1, "the text does not end in a newline"));
        };
        let lines: Vec<&str> = text.split('\n').collect();
        let [origin, size, root, timestamp] = lines.as_slice() else {
            return Err(bad(
                lines.len().min(5),
                "expected four lines: origin, tree size, root hash, timestamp",
            ));
        };
        if origin.is_empty() {
            return Err(bad(1, "the origin is empty"));
        }
        let size =
            parse_decimal(size).ok_or_else(|| bad(2, "the tree size is not a decimal number"))?;
        let root_bytes =
            Base64::decode_vec(root).map_err(|_| bad(3, "the root hash is not base64"))?;
        let root: Hash = root_bytes
            .try_into()
            .map_err(|_| bad(3, "the root hash is not 32 bytes"))?;
        let timestamp = timestamp
            .strip_prefix("timestamp ")
            .and_then(parse_decimal)
            .ok_or_else(|| bad(4, "expected 'timestamp <unix seconds>'"))?;
        Ok(Checkpoint {
            origin: (*origin).to_owned(),
            size,
            root,
            timestamp,
        })
    }

    /// Sign the checkpoint: the signed note, ready to publish.
    pub fn sign(&self, key: &PrivateKey) -> Result<String, EvidenceError> {
        Ok(sign_note(&self.body()?, key))
    }
}

/// A decimal number without sign or leading zeros (so each number has one spelling).
fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// Verify a signed checkpoint with `key` and return it (C2SP signed-note,
/// then C2SP tlog-checkpoint). The text is parsed only after the signature
/// verifies.
pub fn open(note: &str, key: &PublicKey) -> Result<Checkpoint, EvidenceError> {
    Checkpoint::from_body(open_note(note, key)?)
}

/// Sign `text` (which must end in a newline) as a C2SP signed note with one
/// signature line.
pub fn sign_note(text: &str, key: &PrivateKey) -> String {
    let mut blob = Vec::with_capacity(68);
    blob.extend_from_slice(&key.key_id().to_be_bytes());
    blob.extend_from_slice(&key.sign(text.as_bytes()));
    format!(
        "{text}\n{SIG_PREFIX}{} {}\n",
        key.name(),
        Base64::encode_string(&blob)
    )
}

/// Verify a C2SP signed note with `key` and return its text (ending in a
/// newline). Fails when the note is malformed, when no signature line is by
/// `key` (same name and key id), or when that signature does not verify.
pub fn open_note<'a>(note: &'a str, key: &PublicKey) -> Result<&'a str, EvidenceError> {
    let bad = |line, reason: &str| EvidenceError::Malformed {
        what: "signed note",
        line,
        reason: reason.to_owned(),
    };
    // C2SP signed-note: no ASCII control characters other than newline.
    if let Some(pos) = note.find(|c: char| c.is_ascii_control() && c != '\n') {
        let line = note.get(..pos).map_or(1, |s| s.matches('\n').count() + 1);
        return Err(bad(line, "control character"));
    }
    // The text ends at the last blank line; signature lines follow it.
    let Some(split) = note.rfind("\n\n") else {
        return Err(bad(1, "no blank line between the text and the signatures"));
    };
    let (text, sigs) = note.split_at(split + 1);
    let sigs = sigs.strip_prefix('\n').unwrap_or(sigs);
    let first_sig_line = text.matches('\n').count() + 2;
    let Some(sigs) = sigs.strip_suffix('\n') else {
        return Err(bad(first_sig_line, "the note does not end in a newline"));
    };
    let want_id = key.key_id();
    let mut found = None;
    for (i, line) in sigs.split('\n').enumerate() {
        let line_no = first_sig_line + i;
        let rest = line.strip_prefix(SIG_PREFIX).ok_or_else(|| {
            bad(
                line_no,
                "a signature line must start with an em dash and a space",
            )
        })?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or_else(|| bad(line_no, "expected '— <key name> <signature>'"))?;
        let blob =
            Base64::decode_vec(b64).map_err(|_| bad(line_no, "the signature is not base64"))?;
        let (id, sig) = blob
            .split_first_chunk::<4>()
            .ok_or_else(|| bad(line_no, "the signature is shorter than a key id"))?;
        if name == key.name() && u32::from_be_bytes(*id) == want_id && found.is_none() {
            let sig: [u8; 64] = sig
                .try_into()
                .map_err(|_| bad(line_no, "an Ed25519 signature is 64 bytes"))?;
            found = Some(sig);
        }
    }
    let Some(sig) = found else {
        return Err(EvidenceError::NoSignature {
            name: key.name().to_owned(),
            key_id: format!("{want_id:08x}"),
        });
    };
    if !key.verify(text.as_bytes(), &sig) {
        return Err(EvidenceError::BadSignature {
            name: key.name().to_owned(),
        });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    fn peter() -> PrivateKey {
        PrivateKey::from_text(PETER_SKEY).unwrap_or_else(|_| unreachable!())
    }

    fn test_key() -> PrivateKey {
        PrivateKey::from_seed("county.example/2026-general", &[42; 32])
            .unwrap_or_else(|_| unreachable!())
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: "county.example/2026-general".into(),
            size: 1_234_567,
            root: [0xab; 32],
            timestamp: 1_793_000_000,
        }
    }

    #[test]
    fn go_sumdb_note_signature_is_reproduced() {
        // golang.org/x/mod/sumdb/note ExampleSign: Ed25519 is deterministic,
        // so our note must equal Go's byte for byte.
        let note = sign_note(PETER_TEXT, &peter());
        assert_eq!(note, format!("{PETER_TEXT}\n{PETER_SIG}"));
        assert_eq!(open_note(&note, &peter().public_key()), Ok(PETER_TEXT));
    }

    #[test]
    fn c2sp_signed_note_example_verifies() {
        // The example of the C2SP signed-note specification.
        let vkey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
        let note = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
        let key = PublicKey::from_text(vkey).unwrap_or_else(|_| unreachable!());
        assert_eq!(open_note(note, &key), Ok("This is an example message.\n"));
    }

    #[test]
    fn checkpoint_round_trips() {
        let note = checkpoint().sign(&test_key());
        let Ok(note) = note else { unreachable!() };
        assert!(note.starts_with(
            "county.example/2026-general\n1234567\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\ntimestamp 1793000000\n\n\u{2014} county.example/2026-general "
        ));
        assert_eq!(open(&note, &test_key().public_key()), Ok(checkpoint()));
    }

    #[test]
    fn tampering_with_any_line_fails() {
        let Ok(note) = checkpoint().sign(&test_key()) else {
            unreachable!()
        };
        let key = test_key().public_key();
        let lines: Vec<&str> = note.split_inclusive('\n').collect();
        for (i, line) in lines.iter().enumerate() {
            // Change one character of the line (keeping it one line).
            let changed: String = if line.trim_end().is_empty() {
                "x\n".to_owned()
            } else {
                let mut chars: Vec<char> = line.chars().collect();
                let at = chars.len().saturating_sub(4);
                if let Some(c) = chars.get_mut(at) {
                    *c = if *c == 'A' { 'B' } else { 'A' };
                }
                chars.into_iter().collect()
            };
            let mut tampered = lines.clone();
            if let Some(l) = tampered.get_mut(i) {
                *l = &changed;
            }
            let tampered: String = tampered.concat();
            let result = open(&tampered, &key);
            assert!(
                result.is_err(),
                "line {} changed but verified: {tampered}",
                i + 1
            );
            // Removing the line fails too.
            let mut removed = lines.clone();
            removed.remove(i);
            assert!(
                open(&removed.concat(), &key).is_err(),
                "line {} removed",
                i + 1
            );
        }
    }

    #[test]
    fn errors_say_what_failed() {
        let Ok(note) = checkpoint().sign(&test_key()) else {
            unreachable!()
        };
        let key = test_key().public_key();
        let other = PrivateKey::from_seed("county.example/2026-general", &[1; 32])
            .unwrap_or_else(|_| unreachable!());
        assert!(matches!(
            open(&note, &other.public_key()),
            Err(EvidenceError::NoSignature { .. })
        ));
        let changed_size = note.replacen("1234567", "1234568", 1);
        assert_eq!(
            open(&changed_size, &key),
            Err(EvidenceError::BadSignature {
                name: "county.example/2026-general".into()
            })
        );
        let no_blank = note.replacen("\n\n", "\n", 1);
        assert!(matches!(
            open(&no_blank, &key),
            Err(EvidenceError::Malformed { .. })
        ));
        let dash = note.replacen('\u{2014}', "-", 1);
        assert!(matches!(
            open(&dash, &key),
            Err(EvidenceError::Malformed {
                what: "signed note",
                line: 6,
                ..
            })
        ));
    }

    #[test]
    fn checkpoint_bodies_are_strict() {
        let check_bad = |text: &str, line: usize| {
            let got = Checkpoint::from_body(text);
            assert!(
                matches!(&got, Err(EvidenceError::Malformed { line: l, .. }) if *l == line),
                "{text:?}: {got:?}"
            );
        };
        let root = Base64::encode_string(&[0u8; 32]);
        check_bad(&format!("o\n012\n{root}\ntimestamp 1\n"), 2);
        check_bad(&format!("o\n12\n{root}x\ntimestamp 1\n"), 3);
        check_bad("o\n12\nAAAA\ntimestamp 1\n", 3);
        check_bad(&format!("o\n12\n{root}\ntime 1\n"), 4);
        check_bad(&format!("o\n12\n{root}\ntimestamp 1"), 1);
        check_bad(&format!("\n12\n{root}\ntimestamp 1\n"), 1);
        assert!(Checkpoint::from_body(&format!("o\n0\n{root}\ntimestamp 0\n")).is_ok());
    }
}
