//! In-place JSON pull parsing for the big vendor exports (CDF JSON's `CVR`
//! array, Dominion's `Sessions`).
//!
//! [`Input`] reads the file into one large reusable buffer; a [`Cursor`]
//! walks the bytes of that buffer where they lie. Strings are handed out as
//! spans of the buffer and only copied (and unescaped) when a backslash
//! occurs or the caller keeps them; fields nobody reads are skipped without
//! building any value. A record that runs past the end of the buffer is
//! parsed again from its start once more bytes are in (the parse functions
//! only build values they return, so a restart has no side effect), which
//! keeps memory flat: the buffer only grows when one record is larger than
//! it.
//!
//! Everything read is checked against RFC 8259: the structure, string
//! escapes and control characters, number syntax, the literals, and UTF-8
//! (checked once per block as it is read), including the fields skipped.

use crate::error::{FormatError, Location};
use std::borrow::Cow;
use std::io::Read;
use std::ops::Range;

/// Brackets nested deeper than this are refused.
const MAX_DEPTH: u32 = 256;

/// The first size of the buffer; it doubles only for a record larger than it.
const BUFFER: usize = 256 << 10;

/// The bytes that end a run of plain string bytes: the quote, the
/// backslash and the control characters (which JSON forbids in strings).
static STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether a byte of the word is less than `n` (n <= 128).
#[inline]
fn has_less(x: u64, n: u8) -> bool {
    x.wrapping_sub(ONES * u64::from(n)) & !x & HIGHS != 0
}

/// Whether a byte of the word is `b`.
#[inline]
fn has_byte(x: u64, b: u8) -> bool {
    has_less(x ^ (ONES * u64::from(b)), 1)
}

/// Whether the word holds a byte that ends a plain run of a string.
#[inline]
fn stop_in(x: u64) -> bool {
    has_byte(x, b'"') || has_byte(x, b'\\') || has_less(x, 0x20)
}

/// Why a parse stopped.
#[derive(Debug)]
pub(crate) enum PullError {
    /// The bytes ended inside a value.
    Eof,
    /// The bytes are not the JSON expected (boxed, so that the results
    /// the hot loop passes around stay small).
    Syntax(Box<SyntaxError>),
    /// A field the record needs is missing.
    Missing(&'static str),
    /// Any other error, already placed.
    Other(Box<FormatError>),
}

/// Where and why the bytes are not the JSON expected.
#[derive(Debug)]
pub(crate) struct SyntaxError {
    /// Offset in the cursor's bytes.
    pos: usize,
    /// The field being read (the innermost key the parser knows).
    field: &'static str,
    message: String,
}

/// A string (or number) token: where its text lies in the bytes, and
/// whether it holds escapes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tok {
    span: Range<usize>,
    escaped: bool,
}

/// A walk over bytes of JSON.
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    /// The next byte to read.
    pub pos: usize,
    /// The field being read, for error messages.
    pub field: &'static str,
}

impl<'a> Cursor<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Cursor {
            buf,
            pos: 0,
            field: "",
        }
    }

    /// An error at the current position.
    pub fn error(&self, message: impl Into<String>) -> PullError {
        PullError::Syntax(Box::new(SyntaxError {
            pos: self.pos,
            field: self.field,
            message: message.into(),
        }))
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(&b) = self.buf.get(self.pos) {
            if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// The next byte that is not whitespace, not consumed.
    #[inline]
    pub fn peek(&mut self) -> Result<u8, PullError> {
        self.ws();
        self.buf.get(self.pos).copied().ok_or(PullError::Eof)
    }

    fn found(&self, b: u8) -> String {
        if b.is_ascii_graphic() {
            format!("'{}'", char::from(b))
        } else {
            format!("byte 0x{b:02x}")
        }
    }

    /// Consume `want` (after whitespace).
    #[inline]
    pub fn expect(&mut self, want: u8) -> Result<(), PullError> {
        let b = self.peek()?;
        if b == want {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(format!(
                "expected '{}', found {}",
                char::from(want),
                self.found(b)
            )))
        }
    }

    /// Enter an object (`{`). `first` is reset for [`Cursor::key`].
    #[inline]
    pub fn object(&mut self, first: &mut bool) -> Result<(), PullError> {
        self.expect(b'{')?;
        *first = true;
        Ok(())
    }

    /// The next key of the current object, or `None` after its `}`.
    #[inline]
    pub fn key(&mut self, first: &mut bool) -> Result<Option<Cow<'a, [u8]>>, PullError> {
        if let Some(key) = self.plain_key(*first) {
            *first = false;
            return Ok(Some(Cow::Borrowed(key)));
        }
        let b = self.peek()?;
        if b == b'}' {
            self.pos += 1;
            return Ok(None);
        }
        if !*first {
            if b != b',' {
                return Err(self.error(format!("expected ',' or '}}', found {}", self.found(b))));
            }
            self.pos += 1;
            if self.peek()? != b'"' {
                return Err(self.error("expected a key"));
            }
        } else if b != b'"' {
            return Err(self.error(format!("expected a key or '}}', found {}", self.found(b))));
        }
        let tok = self.string()?;
        let key = self.raw(&tok)?;
        self.expect(b':')?;
        // Only now: a parse cut by the end of the bytes runs again.
        *first = false;
        Ok(Some(key))
    }

    /// The common case of [`Cursor::key`], consumed: (`,` unless `first`)
    /// `"key":` with no whitespace, and a key of plain bytes (no escape, no
    /// control character). `None`, with nothing consumed, for anything
    /// else, which the general path then reads (or reports).
    #[inline]
    fn plain_key(&mut self, first: bool) -> Option<&'a [u8]> {
        let buf = self.buf;
        let mut i = self.pos;
        if !first {
            if buf.get(i) != Some(&b',') {
                return None;
            }
            i += 1;
        }
        if buf.get(i) != Some(&b'"') {
            return None;
        }
        let start = i + 1;
        let mut end = start;
        while let Some(&c) = buf.get(end) {
            if STOP[usize::from(c)] {
                break;
            }
            end += 1;
        }
        if buf.get(end) != Some(&b'"') || buf.get(end + 1) != Some(&b':') {
            return None;
        }
        self.pos = end + 2;
        buf.get(start..end)
    }

    /// Enter an array (`[`). `first` is reset for [`Cursor::element`].
    #[inline]
    pub fn array(&mut self, first: &mut bool) -> Result<(), PullError> {
        self.expect(b'[')?;
        *first = true;
        Ok(())
    }

    /// Move to the next element of the current array; false after its `]`.
    #[inline]
    pub fn element(&mut self, first: &mut bool) -> Result<bool, PullError> {
        let b = self.peek()?;
        if b == b']' {
            self.pos += 1;
            return Ok(false);
        }
        if *first {
            *first = false;
        } else if b == b',' {
            self.pos += 1;
        } else {
            return Err(self.error(format!("expected ',' or ']', found {}", self.found(b))));
        }
        Ok(true)
    }

    /// A `null`, consumed; false (nothing consumed) for any other value.
    #[inline]
    pub fn null(&mut self) -> Result<bool, PullError> {
        if self.peek()? != b'n' {
            return Ok(false);
        }
        self.literal(b"null")?;
        Ok(true)
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), PullError> {
        let end = self.pos + word.len();
        match self.buf.get(self.pos..end) {
            Some(w) if w == word => {
                self.pos = end;
                Ok(())
            }
            Some(_) => Err(self.error("expected a JSON value")),
            None => {
                let rest = self.buf.get(self.pos..).unwrap_or_default();
                if word.starts_with(rest) {
                    Err(PullError::Eof)
                } else {
                    Err(self.error("expected a JSON value"))
                }
            }
        }
    }

    /// A string value: its span between the quotes, checked.
    #[inline]
    pub fn string(&mut self) -> Result<Tok, PullError> {
        let b = self.peek()?;
        if b != b'"' {
            return Err(self.error(format!("expected a string, found {}", self.found(b))));
        }
        let start = self.pos + 1;
        let mut i = start;
        let mut escaped = false;
        loop {
            // Eight bytes at a time while they hold no quote, backslash or
            // control character (the word tricks of Anderson's "Bit
            // Twiddling Hacks", "Determine if a word has a byte less than
            // n"), then byte by byte to the stop.
            while let Some(chunk) = self.buf.get(i..i + 8) {
                let mut word = [0u8; 8];
                word.copy_from_slice(chunk);
                if stop_in(u64::from_le_bytes(word)) {
                    break;
                }
                i += 8;
            }
            while let Some(&c) = self.buf.get(i) {
                if STOP[usize::from(c)] {
                    break;
                }
                i += 1;
            }
            match self.buf.get(i) {
                None => return Err(PullError::Eof),
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(Tok {
                        span: start..i,
                        escaped,
                    });
                }
                Some(b'\\') => {}
                Some(_) => {
                    self.pos = i;
                    return Err(self.error("control character inside a string"));
                }
            }
            escaped = true;
            // A backslash: check the escape.
            match self.buf.get(i + 1) {
                None => return Err(PullError::Eof),
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                Some(b'u') => {
                    match self.buf.get(i + 2..i + 6) {
                        None => return Err(PullError::Eof),
                        Some(h) if h.iter().all(u8::is_ascii_hexdigit) => {}
                        Some(_) => {
                            self.pos = i;
                            return Err(self.error("bad \\u escape in a string"));
                        }
                    }
                    i += 6;
                }
                Some(_) => {
                    self.pos = i;
                    return Err(self.error("bad escape in a string"));
                }
            }
        }
    }

    /// The bytes of a token, unescaped: borrowed unless it holds escapes.
    /// (The input is checked as UTF-8 as it is read, and a string's span
    /// starts and ends at quotes, so its bytes are whole characters.)
    #[inline]
    pub fn raw(&self, tok: &Tok) -> Result<Cow<'a, [u8]>, PullError> {
        let raw = self.buf.get(tok.span.clone()).unwrap_or_default();
        if !tok.escaped {
            return Ok(Cow::Borrowed(raw));
        }
        match self.text(tok)? {
            Cow::Owned(s) => Ok(Cow::Owned(s.into_bytes())),
            Cow::Borrowed(s) => Ok(Cow::Borrowed(s.as_bytes())),
        }
    }

    /// The text of a token from this cursor's bytes.
    pub fn text(&self, tok: &Tok) -> Result<Cow<'a, str>, PullError> {
        text(self.buf, tok).map_err(|m| {
            PullError::Syntax(Box::new(SyntaxError {
                pos: tok.span.start,
                field: self.field,
                message: m,
            }))
        })
    }

    /// A number: its span, checked against the JSON grammar.
    pub fn number(&mut self) -> Result<Tok, PullError> {
        self.ws();
        let start = self.pos;
        let mut i = start;
        let at = |i: usize| self.buf.get(i).copied();
        if at(i) == Some(b'-') {
            i += 1;
        }
        match at(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while matches!(at(i), Some(b'0'..=b'9')) {
                    i += 1;
                }
            }
            None => return Err(PullError::Eof),
            Some(_) => return Err(self.error("expected a number")),
        }
        if at(i) == Some(b'.') {
            i += 1;
            if !matches!(at(i), Some(b'0'..=b'9')) {
                return Err(self.end_or(i, "expected a digit after '.'"));
            }
            while matches!(at(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        if matches!(at(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(at(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !matches!(at(i), Some(b'0'..=b'9')) {
                return Err(self.end_or(i, "expected a digit in the exponent"));
            }
            while matches!(at(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        // A number runs to the end of the bytes: more may follow.
        if i >= self.buf.len() {
            return Err(PullError::Eof);
        }
        self.pos = i;
        Ok(Tok {
            span: start..i,
            escaped: false,
        })
    }

    fn end_or(&mut self, i: usize, message: &str) -> PullError {
        if i >= self.buf.len() {
            PullError::Eof
        } else {
            self.pos = i;
            self.error(message)
        }
    }

    /// Skip one value of any kind, checking it.
    pub fn skip(&mut self) -> Result<(), PullError> {
        self.skip_at(0)
    }

    fn skip_at(&mut self, depth: u32) -> Result<(), PullError> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => {
                if depth >= MAX_DEPTH {
                    return Err(self.error(format!("values nested more than {MAX_DEPTH} deep")));
                }
                let mut first = true;
                self.object(&mut first)?;
                while self.key(&mut first)?.is_some() {
                    self.skip_at(depth + 1)?;
                }
                Ok(())
            }
            b'[' => {
                if depth >= MAX_DEPTH {
                    return Err(self.error(format!("values nested more than {MAX_DEPTH} deep")));
                }
                let mut first = true;
                self.array(&mut first)?;
                while self.element(&mut first)? {
                    self.skip_at(depth + 1)?;
                }
                Ok(())
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number().map(drop),
        }
    }

    /// A string or a whole number as text (`Text` in the vendor formats);
    /// `None` for `null`.
    pub fn text_value(&mut self) -> Result<Option<Tok>, PullError> {
        match self.peek()? {
            b'"' => self.string().map(Some),
            b'n' => {
                self.literal(b"null")?;
                Ok(None)
            }
            _ => {
                let tok = self.number()?;
                let raw = self.buf.get(tok.span.clone()).unwrap_or_default();
                if raw.iter().any(|b| matches!(b, b'.' | b'e' | b'E')) {
                    self.pos = tok.span.start;
                    return Err(self.error("expected a string or a whole number"));
                }
                Ok(Some(tok))
            }
        }
    }

    /// A text value, copied out.
    pub fn owned_text(&mut self) -> Result<Option<String>, PullError> {
        match self.text_value()? {
            Some(tok) => Ok(Some(self.text(&tok)?.into_owned())),
            None => Ok(None),
        }
    }

    /// A whole number that is not negative, written as a number or as a
    /// string of digits; `None` for `null`.
    pub fn count(&mut self) -> Result<Option<u64>, PullError> {
        // The common case first: a few digits and a delimiter.
        let b = self.peek()?;
        if b.is_ascii_digit() && b != b'0' {
            let mut n = u64::from(b - b'0');
            let mut i = self.pos + 1;
            while let Some(&d) = self.buf.get(i) {
                if !d.is_ascii_digit() || i - self.pos >= 18 {
                    break;
                }
                n = n * 10 + u64::from(d - b'0');
                i += 1;
            }
            if matches!(
                self.buf.get(i),
                Some(b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
            ) {
                self.pos = i;
                return Ok(Some(n));
            }
        }
        let (tok, quoted) = match self.peek()? {
            b'"' => (self.string()?, true),
            b'n' => {
                self.literal(b"null")?;
                return Ok(None);
            }
            _ => (self.number()?, false),
        };
        if !quoted && let Some(n) = digits_u64(self.buf.get(tok.span.clone()).unwrap_or_default()) {
            return Ok(Some(n));
        }
        let text = self.text(&tok)?;
        let digits = if quoted { text.trim() } else { &text };
        match digits.parse::<u64>() {
            Ok(n) => Ok(Some(n)),
            Err(_) => {
                self.pos = tok.span.start;
                Err(self.error(format!(
                    "expected a whole number that is not negative, found {digits:?}"
                )))
            }
        }
    }

    /// `true` or `false`, possibly quoted; `None` for `null`.
    pub fn flag(&mut self) -> Result<Option<bool>, PullError> {
        match self.peek()? {
            b't' => self.literal(b"true").map(|()| Some(true)),
            b'f' => self.literal(b"false").map(|()| Some(false)),
            b'n' => self.literal(b"null").map(|()| None),
            b'"' => {
                let tok = self.string()?;
                match &*self.raw(&tok)? {
                    b"true" => Ok(Some(true)),
                    b"false" => Ok(Some(false)),
                    _ => {
                        let found = self.text(&tok)?;
                        self.pos = tok.span.start;
                        Err(self.error(format!("expected true or false, found {found:?}")))
                    }
                }
            }
            _ => Err(self.error("expected true or false")),
        }
    }

    /// The bytes from the current position to the end.
    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }
}

/// A run of ASCII digits as a number; `None` for anything else or an
/// overflow.
#[inline]
fn digits_u64(raw: &[u8]) -> Option<u64> {
    if raw.is_empty() || raw.len() > 19 {
        return None;
    }
    let mut n = 0u64;
    for &b in raw {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    Some(n)
}

/// The text of a token: borrowed unless it holds escapes.
pub(crate) fn text<'a>(buf: &'a [u8], tok: &Tok) -> Result<Cow<'a, str>, String> {
    let raw = buf.get(tok.span.clone()).unwrap_or_default();
    let s = std::str::from_utf8(raw).map_err(|e| format!("invalid UTF-8: {e}"))?;
    if !tok.escaped {
        return Ok(Cow::Borrowed(s));
    }
    unescape(s).map(Cow::Owned)
}

/// Undo JSON string escapes (RFC 8259 section 7), joining UTF-16
/// surrogate pairs.
fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    let hex4 = |chars: &mut std::str::Chars<'_>| -> Result<u32, String> {
        let h: String = chars.by_ref().take(4).collect();
        u32::from_str_radix(&h, 16).map_err(|_| format!("bad \\u escape {h:?}"))
    };
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = chars.next().ok_or("a string ends with a backslash")?;
        let ch = match e {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let hi = hex4(&mut chars)?;
                let code = if (0xD800..0xDC00).contains(&hi) {
                    if chars.next() != Some('\\') || chars.next() != Some('u') {
                        return Err("a lone UTF-16 surrogate in a \\u escape".into());
                    }
                    let lo = hex4(&mut chars)?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return Err("a lone UTF-16 surrogate in a \\u escape".into());
                    }
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                } else {
                    hi
                };
                char::from_u32(code).ok_or("a lone UTF-16 surrogate in a \\u escape")?
            }
            other => return Err(format!("bad escape \\{other}")),
        };
        out.push(ch);
    }
    Ok(out)
}

/// Why reading stopped.
#[derive(Debug)]
pub(crate) enum InputError {
    /// The file ends inside a value.
    Truncated,
    /// Not the JSON expected: the file offset, the field and why.
    Syntax {
        offset: u64,
        field: &'static str,
        message: String,
    },
    /// A field the record needs is missing.
    Missing(&'static str),
    /// Any other error, already placed.
    Other(Box<FormatError>),
    /// Reading failed.
    Io(std::io::Error),
}

/// A parse error of bytes that start at file offset `offset` (a value cut
/// by the end of the bytes is a truncated file).
pub(crate) fn located(e: PullError, offset: u64) -> InputError {
    match e {
        PullError::Eof => InputError::Truncated,
        PullError::Syntax(e) => InputError::Syntax {
            offset: offset + e.pos as u64,
            field: e.field,
            message: e.message,
        },
        PullError::Missing(field) => InputError::Missing(field),
        PullError::Other(e) => InputError::Other(e),
    }
}

/// An input error at a place: the field the parser was reading, when it
/// knows one, narrows `at`.
pub(crate) fn input_error(at: Location, e: InputError) -> FormatError {
    match e {
        InputError::Truncated => FormatError::Truncated {
            at,
            message: "the JSON ends inside a value".into(),
        },
        InputError::Syntax {
            offset,
            field,
            message,
        } => {
            let at = if field.is_empty() {
                at
            } else {
                at.field(field)
            };
            FormatError::invalid(at, format!("{message} (at byte {offset})"))
        }
        InputError::Missing(field) => FormatError::MissingField {
            at: at.field(field),
        },
        InputError::Other(e) => *e,
        InputError::Io(source) => FormatError::Io { at, source },
    }
}

/// Whether the bytes hold an odd number of quotes, and whether they hold a
/// backslash (written so that the compiler can do many bytes at a time).
#[inline]
fn quotes_and_backslash(bytes: &[u8]) -> (bool, bool) {
    let mut quotes = 0u8;
    let mut backslash = 0u8;
    for &b in bytes {
        quotes ^= u8::from(b == b'"');
        backslash |= u8::from(b == b'\\');
    }
    (quotes & 1 == 1, backslash != 0)
}

/// Where [`Input::cut_elements`] stands between calls.
#[derive(Debug, Default)]
pub(crate) struct ElementScan {
    /// An element was cut before: the next starts after a `,`.
    pub need_comma: bool,
    /// Cutting stopped: the rest of the array is for [`Input::step`].
    pub done: bool,
}

/// A file read block by block into one reusable buffer.
pub(crate) struct Input<R: Read> {
    r: R,
    buf: Vec<u8>,
    /// The first byte not consumed.
    start: usize,
    /// The end of the bytes checked as UTF-8 (the cursor's end).
    checked: usize,
    /// The end of the bytes read.
    end: usize,
    eof: bool,
    /// The file offset of `buf[0]`.
    base: u64,
}

impl<R: Read> Input<R> {
    pub fn new(r: R) -> Self {
        Input {
            r,
            buf: Vec::new(),
            start: 0,
            checked: 0,
            end: 0,
            eof: false,
            base: 0,
        }
    }

    /// The file offset of the next byte not consumed.
    pub fn offset(&self) -> u64 {
        self.base + self.start as u64
    }

    /// Read more bytes; false when the file has no more.
    fn fill(&mut self) -> Result<bool, InputError> {
        if self.eof {
            return Ok(false);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.base += self.start as u64;
            self.end -= self.start;
            self.checked -= self.start;
            self.start = 0;
        }
        if self.buf.len() == self.end {
            let grow = self.buf.len().max(BUFFER);
            self.buf.resize(self.buf.len() + grow, 0);
        }
        let n = loop {
            let room = self.buf.get_mut(self.end..).unwrap_or_default();
            match self.r.read(room) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(InputError::Io(e)),
            }
        };
        self.end += n;
        if n == 0 {
            self.eof = true;
        }
        // Check the new bytes as UTF-8, leaving a character cut by the end
        // of the block for the next read.
        let fresh = self.buf.get(self.checked..self.end).unwrap_or_default();
        match std::str::from_utf8(fresh) {
            Ok(_) => self.checked = self.end,
            Err(e) if e.error_len().is_none() && !self.eof => self.checked += e.valid_up_to(),
            Err(e) => {
                return Err(InputError::Syntax {
                    offset: self.base + (self.checked + e.valid_up_to()) as u64,
                    field: "",
                    message: "invalid UTF-8".into(),
                });
            }
        }
        Ok(n > 0)
    }

    /// Run `parse` on the bytes not yet consumed, reading more and running
    /// it again from the same place while it needs more bytes. On success
    /// the bytes it read are consumed.
    pub fn step<T>(
        &mut self,
        mut parse: impl FnMut(&mut Cursor<'_>) -> Result<T, PullError>,
    ) -> Result<T, InputError> {
        loop {
            let bytes = self.buf.get(self.start..self.checked).unwrap_or_default();
            let mut cur = Cursor::new(bytes);
            match parse(&mut cur) {
                Ok(v) => {
                    self.start += cur.pos;
                    return Ok(v);
                }
                Err(PullError::Eof) => {
                    if !self.fill()? {
                        return Err(InputError::Truncated);
                    }
                }
                Err(e) => return Err(located(e, self.offset())),
            }
        }
    }

    /// Run `parse` on one whole value cut out of the input: the value is
    /// skipped (checked) first, then `parse` reads it from a cursor over
    /// exactly its bytes.
    pub fn value<T>(
        &mut self,
        parse: impl FnOnce(&mut Cursor<'_>) -> Result<T, PullError>,
    ) -> Result<T, InputError> {
        let span = self.step(|cur| {
            cur.ws();
            let start = cur.pos;
            cur.skip()?;
            Ok(start..cur.pos)
        })?;
        let len = span.len();
        // The value was just consumed: it ends at `start`.
        let from = self.start - len;
        let bytes = self.buf.get(from..self.start).unwrap_or_default();
        let mut cur = Cursor::new(bytes);
        parse(&mut cur).map_err(|e| located(e, self.base + from as u64))
    }

    /// Cut whole elements of the array being read out of the input, for
    /// parsing elsewhere (`json_par`): scan on from the first byte not
    /// consumed through the elements (objects) of the array, and once the
    /// bytes read hold at least `min` bytes of whole elements, hand them
    /// over: the read buffer itself goes into `out` (whose old buffer, with
    /// the bytes after the cut, becomes the read buffer), and the range of
    /// `out` that holds the elements is returned with their number.
    ///
    /// The scan is cheap, not a check: it finds the braces, and tells those
    /// inside strings by the number of quotes before them (stepping through
    /// the escapes of a stretch that has a backslash). Where the bytes after
    /// an element are not `,` and the next object (the end of the array,
    /// anything unexpected, the end of the file), `scan.done` is set: the
    /// caller parses the rest with [`Input::step`], which reports what is
    /// wrong exactly as it would have without the cut. The count is 0 when
    /// no whole element is left to cut.
    pub fn cut_elements(
        &mut self,
        scan: &mut ElementScan,
        min: usize,
        out: &mut Vec<u8>,
    ) -> Result<(Range<usize>, u64), InputError> {
        // Offsets from `self.start`.
        let mut pos = 0usize;
        let mut cut = 0usize;
        let mut cut_count = 0u64;
        let mut depth = 0u32;
        let mut in_string = false;
        let mut count = 0u64;
        // Between elements: after one, a `,` comes first.
        let mut need_comma = scan.need_comma;
        'scan: loop {
            let bytes = self.buf.get(self.start..self.checked).unwrap_or_default();
            while let Some(rest) = bytes.get(pos..).filter(|r| !r.is_empty()) {
                if depth == 0 {
                    match rest.first() {
                        Some(b' ' | b'\n' | b'\r' | b'\t') => pos += 1,
                        Some(b',') if need_comma => {
                            need_comma = false;
                            pos += 1;
                        }
                        Some(b'{') if !need_comma => {
                            depth = 1;
                            pos += 1;
                        }
                        _ => {
                            scan.done = true;
                            break 'scan;
                        }
                    }
                    continue;
                }
                let Some(j) = memchr::memchr2(b'{', b'}', rest) else {
                    break;
                };
                let span = rest.get(..j).unwrap_or_default();
                let (quotes, backslash) = quotes_and_backslash(span);
                let structural = if backslash {
                    // Step through the escapes; an escaped brace is text.
                    let mut escaped = false;
                    for &b in span {
                        if escaped {
                            escaped = false;
                        } else if in_string {
                            match b {
                                b'\\' => escaped = true,
                                b'"' => in_string = false,
                                _ => {}
                            }
                        } else if b == b'"' {
                            in_string = true;
                        }
                    }
                    !in_string && !escaped
                } else {
                    in_string ^= quotes;
                    !in_string
                };
                if structural {
                    if rest.get(j) == Some(&b'{') {
                        depth += 1;
                    } else {
                        depth -= 1;
                        if depth == 0 {
                            count += 1;
                            cut = pos + j + 1;
                            cut_count = count;
                            need_comma = true;
                        }
                    }
                }
                pos += j + 1;
            }
            // Every byte read is scanned: cut at the last whole element.
            if cut >= min && cut_count > 0 {
                break;
            }
            if !self.fill()? {
                scan.done = true;
                break;
            }
        }
        if cut_count == 0 {
            return Ok((0..0, 0));
        }
        // Hand the buffer over; the bytes after the cut go on in `out`'s.
        let from = self.start + cut;
        let tail = self.buf.get(from..self.end).unwrap_or_default();
        if out.len() < self.buf.len() {
            out.resize(self.buf.len(), 0);
        }
        if let Some(head) = out.get_mut(..tail.len()) {
            head.copy_from_slice(tail);
        }
        std::mem::swap(&mut self.buf, out);
        let elements = self.start..from;
        self.base += from as u64;
        self.end -= from;
        self.checked -= from;
        self.start = 0;
        scan.need_comma = true;
        Ok((elements, cut_count))
    }

    /// After the top-level value: only whitespace may follow.
    pub fn end(&mut self) -> Result<(), InputError> {
        loop {
            let rest = self.buf.get(self.start..self.checked).unwrap_or_default();
            let n = rest
                .iter()
                .position(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t'));
            match n {
                Some(n) => {
                    return Err(InputError::Syntax {
                        offset: self.offset() + n as u64,
                        field: "",
                        message: "trailing characters after the JSON value".into(),
                    });
                }
                None => {
                    self.start = self.checked;
                    if !self.fill()? {
                        return Ok(());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn skip_all(json: &str) -> Result<(), PullError> {
        let mut cur = Cursor::new(json.as_bytes());
        cur.skip()?;
        // A number at the very end is only known complete with a delimiter.
        Ok(())
    }

    #[test]
    fn skips_valid_json() {
        for ok in [
            r#"{"a": [1, -2.5e+3, true, false, null, "x\"y\\z\u00e9"], "b": {}} "#,
            "[] ",
            r#""\ud83d\ude00" "#,
        ] {
            assert!(skip_all(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_bad_json() {
        for bad in [
            "{\"a\" 1} ",
            "[1,] ",
            "[01] ",
            "\"a\u{1}\" ",
            r#""\x" "#,
            "[tru] ",
            "{\"a\":1,} ",
            "[1 2] ",
            "-a ",
        ] {
            assert!(matches!(skip_all(bad), Err(PullError::Syntax(_))), "{bad}");
        }
    }

    #[test]
    fn long_strings_stop_at_every_position() {
        // The scan reads eight bytes at a time: put the quote, the escape
        // and the control character at every offset of a word.
        for n in 0..20 {
            let run = "x".repeat(n);
            let json = format!("\"{run}\" ");
            let mut cur = Cursor::new(json.as_bytes());
            let tok = cur.string().unwrap();
            assert_eq!(cur.text(&tok).unwrap(), run);
            let json = format!("\"{run}\\\"{run}\" ");
            let mut cur = Cursor::new(json.as_bytes());
            let tok = cur.string().unwrap();
            assert_eq!(cur.text(&tok).unwrap(), format!("{run}\"{run}"));
            let json = format!("\"{run}\u{1f}{run}\" ");
            assert!(matches!(skip_all(&json), Err(PullError::Syntax(_))), "{n}");
            let json = format!("\"{run}é\u{7f}{run}\" ");
            assert!(skip_all(&json).is_ok(), "{n}");
        }
    }

    #[test]
    fn cut_values_are_eof() {
        for cut in ["{\"a\": [1, 2", "\"abc", "tr", "12", "{\"a\"", "\"\\u00"] {
            assert!(matches!(skip_all(cut), Err(PullError::Eof)), "{cut}");
        }
    }

    #[test]
    fn text_unescapes_only_when_needed() {
        let json = br#""plain" "a\u00e9\n\ud83d\ude00""#;
        let mut cur = Cursor::new(json);
        let a = cur.string().unwrap();
        let b = cur.string().unwrap();
        assert!(matches!(cur.text(&a).unwrap(), Cow::Borrowed("plain")));
        assert_eq!(cur.text(&b).unwrap(), "a\u{e9}\n\u{1f600}");
    }

    #[test]
    fn lenient_scalars() {
        let mut cur = Cursor::new(br#"7 "8" null "true" false 1.5 -3 "#);
        assert_eq!(cur.count().unwrap(), Some(7));
        assert_eq!(cur.count().unwrap(), Some(8));
        assert_eq!(cur.count().unwrap(), None);
        assert_eq!(cur.flag().unwrap(), Some(true));
        assert_eq!(cur.flag().unwrap(), Some(false));
        assert!(cur.count().is_err());
        let mut cur = Cursor::new(b"-3 ");
        assert!(cur.count().is_err());
        let mut cur = Cursor::new(b"-3 ");
        let t = cur.text_value().unwrap().unwrap();
        assert_eq!(cur.text(&t).unwrap(), "-3");
    }

    #[test]
    fn input_restarts_records_across_small_reads() {
        // A reader that hands out 3 bytes at a time.
        struct Slow<'a>(&'a [u8]);
        impl Read for Slow<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(3).min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let json = "{\"CVR\": [{\"id\": \"é1\"}, {\"id\": \"2\"}]}\n";
        let mut input = Input::new(Slow(json.as_bytes()));
        let mut first = true;
        input.step(|c| c.object(&mut first)).unwrap();
        let mut keys = Vec::new();
        while let Some(k) = input
            .step(|c| {
                let mut f = first;
                let k = c.key(&mut f)?.map(Cow::into_owned);
                first = f;
                Ok(k)
            })
            .unwrap()
        {
            keys.push(k);
            let mut f = true;
            input.step(|c| c.array(&mut f)).unwrap();
            let mut ids = Vec::new();
            while input.step(|c| c.element(&mut f)).unwrap() {
                let id = input
                    .step(|c| {
                        let mut g = true;
                        c.object(&mut g)?;
                        let mut id = None;
                        while c.key(&mut g)?.is_some() {
                            id = c.owned_text()?;
                        }
                        Ok(id)
                    })
                    .unwrap();
                ids.push(id.unwrap());
            }
            assert_eq!(ids, ["é1", "2"]);
        }
        assert_eq!(keys, [b"CVR".to_vec()]);
        input.end().unwrap();
    }
}
