//! Reading untrusted request bodies: URL-encoded forms (with repeated
//! fields, for checkboxes) and multipart uploads streamed to disk.

use crate::error::{AppError, AppResult};
use axum::body::Body;
use axum::extract::Request;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// The largest URL-encoded form accepted (bytes).
pub const FORM_LIMIT: usize = 256 * 1024;

/// A parsed form: its fields in order (a name may repeat).
#[derive(Clone, Debug, Default)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    /// Parse `application/x-www-form-urlencoded` bytes (never fails: bad
    /// escapes decode to U+FFFD).
    pub fn parse(bytes: &[u8]) -> Form {
        Form(
            form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, trimmed, or an error naming the field.
    pub fn required(&self, name: &str, label: &str) -> AppResult<String> {
        match self.get(name).map(str::trim) {
            Some(v) if !v.is_empty() => Ok(v.to_owned()),
            _ => Err(AppError::BadRequest(format!("{label} is required."))),
        }
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// True when a checkbox `name` was sent.
    pub fn checked(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// Split a request and read its URL-encoded form body (at most [`FORM_LIMIT`] bytes).
pub async fn read_form(req: Request) -> AppResult<(Parts, Form)> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| AppError::BadRequest("The form is too large.".into()))?;
    Ok((parts, Form::parse(&bytes)))
}

/// An uploaded file, written to disk.
#[derive(Debug)]
pub struct Upload {
    /// The file name the browser gave (only the last path component).
    pub name: String,
    /// Where it was written (a temporary name in the upload folder).
    pub path: PathBuf,
    /// SHA-256, hex.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// Read a multipart form: text fields into a [`Form`] and the one file field
/// `file` streamed to `dir` (hashing as it goes), at most `limit` bytes.
pub async fn read_multipart(
    parts: &Parts,
    body: Body,
    dir: &Path,
    limit: u64,
) -> AppResult<(Form, Option<Upload>)> {
    let boundary = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| multer::parse_boundary(ct).ok())
        .ok_or_else(|| AppError::BadRequest("Expected a file upload form.".into()))?;
    let stream = body.into_data_stream();
    let mut mp = multer::Multipart::new(stream, boundary);
    let mut form = Form::default();
    let mut upload = None;
    let bad = |_| AppError::BadRequest("The upload was cut off or malformed.".into());
    while let Some(mut field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" && upload.is_none() {
            let file_name = field
                .file_name()
                .map(|n| {
                    n.rsplit(['/', '\\'])
                        .next()
                        .unwrap_or("upload")
                        .chars()
                        .filter(|c| !c.is_control())
                        .take(200)
                        .collect::<String>()
                })
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "upload".to_owned());
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(AppError::internal)?;
            let safe: String = file_name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let path = dir.join(format!("upload-{}-{safe}", crate::auth::random_token(8)));
            let mut f = tokio::fs::File::create(&path)
                .await
                .map_err(AppError::internal)?;
            let mut hasher = Sha256::new();
            let mut total = 0u64;
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                total += chunk.len() as u64;
                if total > limit {
                    drop(f);
                    let _ = tokio::fs::remove_file(&path).await;
                    return Err(AppError::BadRequest(format!(
                        "The file is larger than the limit of {limit} bytes."
                    )));
                }
                hasher.update(&chunk);
                f.write_all(&chunk).await.map_err(AppError::internal)?;
            }
            f.flush().await.map_err(AppError::internal)?;
            upload = Some(Upload {
                name: file_name,
                path,
                sha256: hex::encode(hasher.finalize()),
                bytes: total,
            });
        } else {
            let mut text = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                text.extend_from_slice(&chunk);
                if text.len() > FORM_LIMIT {
                    return Err(AppError::BadRequest("A form field is too large.".into()));
                }
            }
            form.0
                .push((name, String::from_utf8_lossy(&text).into_owned()));
        }
    }
    Ok((form, upload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_keep_repeats_and_survive_garbage() {
        let f = Form::parse(b"a=1&b=x%20y&a=2&c");
        assert_eq!(f.all("a"), ["1", "2"]);
        assert_eq!(f.get("b"), Some("x y"));
        assert!(f.checked("c"));
        let g = Form::parse(&[0xff, b'=', b'%', b'z', b'&', b'=']);
        assert!(g.get("x").is_none());
        assert!(g.required("x", "X").is_err());
    }
}
