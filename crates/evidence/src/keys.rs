//! Ed25519 signing keys and their text files, in the key encoding of the
//! C2SP signed-note specification (and of Go's `golang.org/x/mod/sumdb/note`,
//! so that other tools can read our keys and verify our checkpoints).
//!
//! Files (each one line of ASCII ending in a newline):
//!
//! ```text
//! PREFIX.key   PRIVATE+KEY+<name>+<key id, 8 lowercase hex digits>+<base64(0x01 || 32-byte Ed25519 seed)>
//! PREFIX.pub   <name>+<key id, 8 lowercase hex digits>+<base64(0x01 || 32-byte Ed25519 public key)>
//! ```
//!
//! The key id is the first four bytes of
//! `SHA-256(<name> || 0x0A || 0x01 || <public key>)`, read as a big-endian
//! number (C2SP signed-note, "Signatures"); `0x01` is the signature type of
//! Ed25519. The name is the key's (and log's) name, for example
//! `county.example.gov/2026-general`: non-empty, no white space, no `+`.

use crate::EvidenceError;
use base64ct::{Base64, Encoding};
use ed25519_dalek::{SigningKey, VerifyingKey};
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};

/// The signature type byte of Ed25519 in signed notes.
pub const ED25519_TYPE: u8 = 0x01;

const PRIVATE_PREFIX: &str = "PRIVATE+KEY+";

/// A named Ed25519 signing key. Its `Debug` output hides the secret.
#[derive(Clone)]
pub struct PrivateKey {
    name: String,
    key: SigningKey,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({}+{:08x})", self.name, self.key_id())
    }
}

/// A named Ed25519 verifying key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    name: String,
    key: VerifyingKey,
}

/// Check a key name as C2SP signed-note requires: non-empty, no Unicode
/// white space, no `+`.
pub fn check_name(name: &str) -> Result<(), EvidenceError> {
    let bad = |reason| {
        Err(EvidenceError::BadKeyName {
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.chars().any(char::is_whitespace) {
        return bad("it contains white space");
    }
    if name.contains('+') {
        return bad("it contains '+'");
    }
    if name.chars().any(char::is_control) {
        return bad("it contains a control character");
    }
    Ok(())
}

/// The key id of a named Ed25519 public key:
/// `SHA-256(name || 0x0A || 0x01 || key)[0..4]` as a big-endian number.
pub fn key_id(name: &str, key: &VerifyingKey) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ED25519_TYPE]);
    h.update(key.as_bytes());
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

impl PrivateKey {
    /// A new key named `name`, drawn from `rng` (the caller passes the
    /// operating system's random number generator; tests pass a seeded one).
    pub fn generate(name: &str, rng: &mut impl CryptoRngCore) -> Result<PrivateKey, EvidenceError> {
        check_name(name)?;
        Ok(PrivateKey {
            name: name.to_owned(),
            key: SigningKey::generate(rng),
        })
    }

    /// A key from its 32-byte Ed25519 seed.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<PrivateKey, EvidenceError> {
        check_name(name)?;
        Ok(PrivateKey {
            name: name.to_owned(),
            key: SigningKey::from_bytes(seed),
        })
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id (see the module docs).
    pub fn key_id(&self) -> u32 {
        key_id(&self.name, &self.key.verifying_key())
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            name: self.name.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// Sign a message with Ed25519 (RFC 8032).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer;
        self.key.sign(message).to_bytes()
    }

    /// The text of the private key file, with a final newline.
    pub fn to_text(&self) -> String {
        let mut bytes = Vec::with_capacity(33);
        bytes.push(ED25519_TYPE);
        bytes.extend_from_slice(self.key.as_bytes());
        format!(
            "{PRIVATE_PREFIX}{}+{:08x}+{}\n",
            self.name,
            self.key_id(),
            Base64::encode_string(&bytes)
        )
    }

    /// Read a private key file's text.
    pub fn from_text(text: &str) -> Result<PrivateKey, EvidenceError> {
        let what = "private key";
        let line = single_line(text, what)?;
        let rest = line
            .strip_prefix(PRIVATE_PREFIX)
            .ok_or_else(|| malformed(what, "it does not start with PRIVATE+KEY+"))?;
        let (name, id, seed) = split_key(rest, what)?;
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| malformed(what, "the seed is not 32 bytes"))?;
        let key = PrivateKey::from_seed(name, &seed)?;
        if key.key_id() != id {
            return Err(malformed(
                what,
                "the key id does not match the name and key",
            ));
        }
        Ok(key)
    }
}

impl PublicKey {
    /// A public key from its name and 32-byte Ed25519 encoding.
    pub fn from_bytes(name: &str, bytes: &[u8; 32]) -> Result<PublicKey, EvidenceError> {
        check_name(name)?;
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| EvidenceError::Malformed {
            what: "public key",
            line: 1,
            reason: "not a valid Ed25519 public key".into(),
        })?;
        Ok(PublicKey {
            name: name.to_owned(),
            key,
        })
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id (see the module docs).
    pub fn key_id(&self) -> u32 {
        key_id(&self.name, &self.key)
    }

    /// The 32-byte Ed25519 public key.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.key.as_bytes()
    }

    /// Verify an Ed25519 signature (strictly: RFC 8032 with the checks of
    /// `verify_strict`, which refuses small-order keys and non-canonical
    /// encodings).
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let sig = ed25519_dalek::Signature::from_bytes(signature);
        self.key.verify_strict(message, &sig).is_ok()
    }

    /// The text of the public key file, with a final newline.
    pub fn to_text(&self) -> String {
        let mut bytes = Vec::with_capacity(33);
        bytes.push(ED25519_TYPE);
        bytes.extend_from_slice(self.key.as_bytes());
        format!(
            "{}+{:08x}+{}\n",
            self.name,
            self.key_id(),
            Base64::encode_string(&bytes)
        )
    }

    /// Read a public key file's text.
    pub fn from_text(text: &str) -> Result<PublicKey, EvidenceError> {
        let what = "public key";
        let line = single_line(text, what)?;
        let (name, id, bytes) = split_key(line, what)?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| malformed(what, "the key is not 32 bytes"))?;
        let key = PublicKey::from_bytes(name, &bytes)?;
        if key.key_id() != id {
            return Err(malformed(
                what,
                "the key id does not match the name and key",
            ));
        }
        Ok(key)
    }
}

fn malformed(what: &'static str, reason: &str) -> EvidenceError {
    EvidenceError::Malformed {
        what,
        line: 1,
        reason: reason.to_owned(),
    }
}

/// The one line of a key file; a final newline is optional.
fn single_line<'a>(text: &'a str, what: &'static str) -> Result<&'a str, EvidenceError> {
    let line = text.strip_suffix('\n').unwrap_or(text);
    if line.contains('\n') || line.contains('\r') {
        return Err(malformed(what, "a key file holds exactly one line"));
    }
    Ok(line)
}

/// Split `<name>+<hex id>+<base64(type || key)>` (the base64 may itself
/// contain `+`, so split from the left, twice).
fn split_key<'a>(
    text: &'a str,
    what: &'static str,
) -> Result<(&'a str, u32, Vec<u8>), EvidenceError> {
    let mut parts = text.splitn(3, '+');
    let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(malformed(what, "expected <name>+<key id>+<key>"));
    };
    // Lowercase only, as keys are written (`%08x`): one text per key, so an
    // edited key file never reads back as the same key.
    if id.len() != 8 || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(malformed(what, "the key id is not 8 lowercase hex digits"));
    }
    let id = u32::from_str_radix(id, 16).map_err(|_| malformed(what, "bad key id"))?;
    let bytes = Base64::decode_vec(b64).map_err(|_| malformed(what, "the key is not base64"))?;
    match bytes.split_first() {
        Some((&ED25519_TYPE, key)) => Ok((name, id, key.to_vec())),
        Some(_) => Err(malformed(what, "the key type is not Ed25519 (0x01)")),
        None => Err(malformed(what, "the key is empty")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Go's golang.org/x/mod/sumdb/note test key pair (note_test.go, example_test.go).
    pub(crate) const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    pub(crate) const PETER_VKEY: &str =
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

    #[test]
    fn go_sumdb_note_keys_round_trip() {
        let Ok(skey) = PrivateKey::from_text(PETER_SKEY) else {
            unreachable!("the Go private key parses");
        };
        assert_eq!(skey.key_id(), 0xc74f20a3);
        assert_eq!(skey.to_text(), format!("{PETER_SKEY}\n"));
        assert_eq!(skey.public_key().to_text(), format!("{PETER_VKEY}\n"));
        assert_eq!(PublicKey::from_text(PETER_VKEY), Ok(skey.public_key()));
    }

    #[test]
    fn c2sp_example_verifier_key_parses() {
        // C2SP signed-note's example verifier key.
        let vkey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
        let key = PublicKey::from_text(vkey);
        assert!(matches!(&key, Ok(k) if k.key_id() == 0x530d903a), "{key:?}");
    }

    #[test]
    fn mangled_keys_are_refused() {
        for bad in [
            "",
            "PeterNeumann",
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TX",
            "PeterNeumann+c74f20a3+AhpcQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\nx",
        ] {
            assert!(PublicKey::from_text(bad).is_err(), "{bad:?}");
        }
        assert!(PrivateKey::from_text(PETER_VKEY).is_err());
        assert!(PrivateKey::from_text(&PETER_SKEY.replace("c74f", "c75f")).is_err());
    }

    #[test]
    fn names_with_space_or_plus_are_refused() {
        assert!(check_name("county.example/2026").is_ok());
        for bad in ["", "a b", "a+b", "a\tb", "a\u{2003}b"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn generated_keys_sign_and_verify() {
        let mut rng = rand_core::OsRng;
        let Ok(key) = PrivateKey::generate("test", &mut rng) else {
            unreachable!("valid name");
        };
        let sig = key.sign(b"hello");
        assert!(key.public_key().verify(b"hello", &sig));
        assert!(!key.public_key().verify(b"hellp", &sig));
        assert_eq!(
            PrivateKey::from_text(&key.to_text()).map(|k| k.to_text()),
            Ok(key.to_text())
        );
    }
}
