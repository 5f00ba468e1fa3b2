//! Sessions, roles, CSRF tokens and the sign-in rate limit.
//!
//! A session is a random 256-bit id in a cookie (`HttpOnly`, `SameSite=Strict`,
//! `Secure` when the server runs behind TLS); the server keeps the session's
//! role and CSRF token in memory. Every form carries the session's CSRF token
//! and every POST checks it (the synchronizer-token pattern, OWASP CSRF
//! Prevention Cheat Sheet); a visitor who opens a sign-in form gets an
//! anonymous session first, so sign-in forms are protected too. Signing in
//! replaces the session id (no session fixation).

use crate::error::{AppError, AppResult};
use axum::http::HeaderMap;
use canvass_store::ElectionId;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session cookie's name.
pub const COOKIE: &str = "canvass_session";

/// How long a session lasts without use.
pub const SESSION_IDLE: Duration = Duration::from_secs(12 * 3600);
/// How long an anonymous session (a visitor's CSRF token, made by the public
/// forms) lasts without use: public pages are visited by many, so their
/// sessions are kept for less time than those of people signed in.
pub const ANONYMOUS_IDLE: Duration = Duration::from_secs(3600);
/// Expired sessions are swept at most this often (a sweep reads every
/// session; doing it at every new session would make a crowd of visitors
/// cost the square of its size).
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Sign-in attempts allowed per client address per window.
pub const SIGNIN_LIMIT: u32 = 10;
/// The sign-in rate-limit window.
pub const SIGNIN_WINDOW: Duration = Duration::from_secs(60);

/// Fill `buf` from the operating system's random source.
pub fn random_bytes(buf: &mut [u8]) {
    OsRng.fill_bytes(buf);
}

/// A random token of `bytes` bytes, hex.
pub fn random_token(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    random_bytes(&mut b);
    hex::encode(b)
}

/// A board code people can type: 16 characters of an alphabet without look-alikes (80 bits).
pub fn board_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut b = [0u8; 16];
    random_bytes(&mut b);
    b.iter()
        .map(|x| {
            let i = usize::from(*x) % ALPHABET.len();
            ALPHABET.get(i).copied().map(char::from).unwrap_or('A')
        })
        .collect()
}

/// SHA-256 of a secret, hex (what the server keeps instead of the secret).
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.trim().as_bytes()))
}

/// Compare two strings in time independent of where they differ.
pub fn constant_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Who a session is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// Not signed in (has a session only to carry a CSRF token).
    Anonymous,
    /// The administrator.
    Admin,
    /// An audit board of one election.
    Board {
        /// The election.
        election: ElectionId,
        /// The board's index in the audit.
        board: usize,
        /// The two members' names.
        members: [String; 2],
    },
    /// An observer checked in at one election.
    Observer {
        /// The election.
        election: ElectionId,
        /// The observer's name and affiliation.
        name: String,
    },
}

/// One session.
#[derive(Clone, Debug)]
pub struct Session {
    /// The cookie value.
    pub id: String,
    /// The role.
    pub role: Role,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
    last_used: Instant,
}

impl Session {
    /// Whether the session has gone unused for longer than its role allows.
    fn expired(&self, now: Instant) -> bool {
        let idle = if self.role == Role::Anonymous {
            ANONYMOUS_IDLE
        } else {
            SESSION_IDLE
        };
        now.duration_since(self.last_used) >= idle
    }

    /// A name for the evidence log.
    pub fn actor(&self) -> String {
        match &self.role {
            Role::Anonymous => "anonymous".into(),
            Role::Admin => "admin".into(),
            Role::Board { board, members, .. } => {
                format!("board {} ({}, {})", board + 1, members[0], members[1])
            }
            Role::Observer { name, .. } => format!("observer {name}"),
        }
    }
}

/// The sessions and sign-in attempts, in memory.
#[derive(Default)]
pub struct Sessions {
    sessions: Mutex<HashMap<String, Session>>,
    swept: Mutex<Option<Instant>>,
    attempts: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Sessions {
    /// Start a session with `role`; returns it.
    pub fn create(&self, role: Role) -> Session {
        let s = Session {
            id: random_token(32),
            role,
            csrf: random_token(32),
            last_used: Instant::now(),
        };
        if let Ok(mut map) = self.sessions.lock() {
            let now = Instant::now();
            if let Ok(mut swept) = self.swept.lock()
                && swept.is_none_or(|t| now.duration_since(t) >= SWEEP_EVERY)
            {
                map.retain(|_, v| !v.expired(now));
                *swept = Some(now);
            }
            map.insert(s.id.clone(), s.clone());
        }
        s
    }

    /// The session named by the request's cookie, if any and not expired.
    pub fn get(&self, headers: &HeaderMap) -> Option<Session> {
        let id = cookie_value(headers, COOKIE)?;
        let mut map = self.sessions.lock().ok()?;
        let s = map.get_mut(&id)?;
        if s.expired(Instant::now()) {
            map.remove(&id);
            return None;
        }
        s.last_used = Instant::now();
        Some(s.clone())
    }

    /// End a session.
    pub fn remove(&self, id: &str) {
        if let Ok(mut map) = self.sessions.lock() {
            map.remove(id);
        }
    }

    /// Count a sign-in attempt from `client`; refuse beyond `limit` per window.
    pub fn attempt(&self, client: &str, limit: u32) -> AppResult<()> {
        let mut map = self
            .attempts
            .lock()
            .map_err(|_| AppError::internal("rate-limit lock poisoned"))?;
        let now = Instant::now();
        if map.len() > 100_000 {
            map.retain(|_, (t, _)| now.duration_since(*t) < SIGNIN_WINDOW);
        }
        let e = map.entry(client.to_owned()).or_insert((now, 0));
        if now.duration_since(e.0) >= SIGNIN_WINDOW {
            *e = (now, 0);
        }
        e.1 = e.1.saturating_add(1);
        if e.1 > limit {
            return Err(AppError::TooManyRequests);
        }
        Ok(())
    }
}

/// The value of cookie `name` in the request.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    for h in headers.get_all(axum::http::header::COOKIE) {
        let Ok(text) = h.to_str() else { continue };
        for part in text.split(';') {
            if let Some((k, v)) = part.trim().split_once('=')
                && k == name
            {
                return Some(v.to_owned());
            }
        }
    }
    None
}

/// The `Set-Cookie` value for a session.
pub fn session_cookie(id: &str, secure: bool) -> String {
    format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that ends the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Check a form's CSRF token against the session's.
pub fn check_csrf(session: Option<&Session>, token: Option<&str>) -> AppResult<()> {
    match (session, token) {
        (Some(s), Some(t)) if constant_eq(&s.csrf, t) => Ok(()),
        _ => Err(AppError::Csrf),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_tokens() {
        let a = board_code();
        assert_eq!(a.len(), 16);
        assert_ne!(a, board_code());
        assert!(constant_eq("abc", "abc"));
        assert!(!constant_eq("abc", "abd"));
        assert!(!constant_eq("abc", "ab"));
        assert_eq!(secret_hash(" x "), secret_hash("x"));
    }

    #[test]
    fn rate_limit_refuses_after_the_limit() {
        let s = Sessions::default();
        for _ in 0..SIGNIN_LIMIT {
            assert!(s.attempt("1.2.3.4", SIGNIN_LIMIT).is_ok());
        }
        assert!(matches!(
            s.attempt("1.2.3.4", SIGNIN_LIMIT),
            Err(AppError::TooManyRequests)
        ));
        assert!(s.attempt("5.6.7.8", SIGNIN_LIMIT).is_ok());
    }

    #[test]
    fn cookies_parse() {
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::header::COOKIE,
            "a=1; canvass_session=xyz; b=2".parse().unwrap(),
        );
        assert_eq!(cookie_value(&h, COOKIE).as_deref(), Some("xyz"));
        assert!(session_cookie("x", true).contains("Secure"));
        assert!(session_cookie("x", false).contains("HttpOnly; SameSite=Strict"));
    }

    #[test]
    fn anonymous_sessions_expire_sooner_than_signed_in_ones() {
        let sessions = Sessions::default();
        let anon = sessions.create(Role::Anonymous);
        let admin = sessions.create(Role::Admin);
        let t = anon.last_used;
        assert!(!anon.expired(t + ANONYMOUS_IDLE - Duration::from_secs(1)));
        assert!(anon.expired(t + ANONYMOUS_IDLE));
        let t = admin.last_used;
        assert!(!admin.expired(t + ANONYMOUS_IDLE));
        assert!(!admin.expired(t + SESSION_IDLE - Duration::from_secs(1)));
        assert!(admin.expired(t + SESSION_IDLE));
    }
}
