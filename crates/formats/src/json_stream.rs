//! A streaming walk over a large JSON object whose one array (CDF's `CVR`,
//! Dominion's `Sessions`) holds millions of records.
//!
//! The scanner walks the top-level object key by key and cuts each value
//! (or each element of the big array) out of the byte stream by counting
//! brackets outside strings; serde_json then parses the cut bytes from a
//! slice, which is several times faster than parsing from an `io::Read`.
//! Only one element is held at a time. Every value that is parsed is
//! validated by serde_json; a value that is skipped is only checked for
//! balance.

use std::io::BufRead;

/// Why the scan stopped.
#[derive(Debug)]
pub(crate) enum ScanError {
    /// The input ended inside a value.
    Eof,
    /// The bytes are not the JSON shape expected.
    Syntax(String),
    /// Reading failed.
    Io(std::io::Error),
}

impl From<std::io::Error> for ScanError {
    fn from(e: std::io::Error) -> Self {
        ScanError::Io(e)
    }
}

/// Brackets nested deeper than this are refused.
const MAX_DEPTH: u32 = 256;

pub(crate) struct Scanner<R: BufRead> {
    r: R,
    /// Bytes consumed so far.
    pub offset: u64,
    first: bool,
}

impl<R: BufRead> Scanner<R> {
    pub fn new(r: R) -> Self {
        Scanner {
            r,
            offset: 0,
            first: true,
        }
    }

    fn peek(&mut self) -> Result<Option<u8>, ScanError> {
        Ok(self.r.fill_buf()?.first().copied())
    }

    fn bump(&mut self) {
        self.r.consume(1);
        self.offset += 1;
    }

    pub fn skip_ws(&mut self) -> Result<(), ScanError> {
        loop {
            let buf = self.r.fill_buf()?;
            if buf.is_empty() {
                return Ok(());
            }
            let n = buf
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .unwrap_or(buf.len());
            let all = n == buf.len();
            self.r.consume(n);
            self.offset += n as u64;
            if !all {
                return Ok(());
            }
        }
    }

    fn expect(&mut self, want: u8, what: &str) -> Result<(), ScanError> {
        self.skip_ws()?;
        match self.peek()? {
            Some(b) if b == want => {
                self.bump();
                Ok(())
            }
            Some(b) => Err(ScanError::Syntax(format!(
                "expected {what} at byte {}, found {:?}",
                self.offset,
                char::from(b)
            ))),
            None => Err(ScanError::Eof),
        }
    }

    /// Enter an object (`{`).
    pub fn begin_object(&mut self) -> Result<(), ScanError> {
        self.expect(b'{', "'{'")?;
        self.first = true;
        Ok(())
    }

    /// The next key of the current object, or `None` at its `}`.
    pub fn next_key(&mut self, scratch: &mut Vec<u8>) -> Result<Option<String>, ScanError> {
        self.skip_ws()?;
        match self.peek()? {
            Some(b'}') => {
                self.bump();
                return Ok(None);
            }
            Some(b',') if !self.first => self.bump(),
            Some(_) if self.first => {}
            Some(b) => {
                return Err(ScanError::Syntax(format!(
                    "expected ',' or '}}' at byte {}, found {:?}",
                    self.offset,
                    char::from(b)
                )));
            }
            None => return Err(ScanError::Eof),
        }
        self.first = false;
        self.skip_ws()?;
        if self.peek()? != Some(b'"') {
            return Err(ScanError::Syntax(format!(
                "expected a key at byte {}",
                self.offset
            )));
        }
        scratch.clear();
        self.value(Some(scratch))?;
        let key: String = serde_json::from_slice(scratch)
            .map_err(|e| ScanError::Syntax(format!("bad key at byte {}: {e}", self.offset)))?;
        self.expect(b':', "':'")?;
        Ok(Some(key))
    }

    /// Enter an array (`[`).
    pub fn begin_array(&mut self) -> Result<(), ScanError> {
        self.expect(b'[', "'['")?;
        self.first = true;
        Ok(())
    }

    /// Move to the next element of the current array; false at its `]`.
    pub fn next_element(&mut self) -> Result<bool, ScanError> {
        self.skip_ws()?;
        match self.peek()? {
            Some(b']') => {
                self.bump();
                self.first = false;
                Ok(false)
            }
            Some(b',') if !self.first => {
                self.bump();
                Ok(true)
            }
            Some(_) if self.first => {
                self.first = false;
                Ok(true)
            }
            Some(b) => Err(ScanError::Syntax(format!(
                "expected ',' or ']' at byte {}, found {:?}",
                self.offset,
                char::from(b)
            ))),
            None => Err(ScanError::Eof),
        }
    }

    /// Cut out one value, appending its bytes to `out` (or dropping them).
    pub fn value(&mut self, mut out: Option<&mut Vec<u8>>) -> Result<(), ScanError> {
        self.skip_ws()?;
        let Some(first) = self.peek()? else {
            return Err(ScanError::Eof);
        };
        if !matches!(first, b'{' | b'[' | b'"') {
            // A number, true, false or null: up to the next delimiter.
            loop {
                let buf = self.r.fill_buf()?;
                if buf.is_empty() {
                    return Err(ScanError::Eof);
                }
                let n = buf
                    .iter()
                    .position(|b| matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace());
                let take = n.unwrap_or(buf.len());
                if let Some(o) = out.as_deref_mut() {
                    o.extend_from_slice(buf.get(..take).unwrap_or_default());
                }
                self.r.consume(take);
                self.offset += take as u64;
                if n.is_some() {
                    return Ok(());
                }
            }
        }
        let mut depth = 0u32;
        let mut in_str = false;
        let mut esc = false;
        loop {
            let buf = self.r.fill_buf()?;
            if buf.is_empty() {
                return Err(ScanError::Eof);
            }
            let mut done = None;
            for (i, &b) in buf.iter().enumerate() {
                if in_str {
                    if esc {
                        esc = false;
                    } else if b == b'\\' {
                        esc = true;
                    } else if b == b'"' {
                        in_str = false;
                        if depth == 0 {
                            done = Some(i + 1);
                            break;
                        }
                    }
                    continue;
                }
                match b {
                    b'"' => in_str = true,
                    b'{' | b'[' => {
                        depth += 1;
                        if depth > MAX_DEPTH {
                            return Err(ScanError::Syntax(format!(
                                "values nested more than {MAX_DEPTH} deep"
                            )));
                        }
                    }
                    b'}' | b']' => {
                        depth = depth
                            .checked_sub(1)
                            .ok_or_else(|| ScanError::Syntax("unbalanced brackets".into()))?;
                        if depth == 0 {
                            done = Some(i + 1);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let take = done.unwrap_or(buf.len());
            if let Some(o) = out.as_deref_mut() {
                o.extend_from_slice(buf.get(..take).unwrap_or_default());
            }
            self.r.consume(take);
            self.offset += take as u64;
            if done.is_some() {
                return Ok(());
            }
        }
    }

    /// After the top-level value: only whitespace may follow.
    pub fn end(&mut self) -> Result<(), ScanError> {
        self.skip_ws()?;
        match self.peek()? {
            None => Ok(()),
            Some(_) => Err(ScanError::Syntax(format!(
                "trailing characters at byte {}",
                self.offset
            ))),
        }
    }
}
