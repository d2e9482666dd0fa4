//! A tolerant reader for almost-JSON: the text error bodies take after they pass through people,
//! terminals and SDKs.
//!
//! It accepts a superset of JSON and Python literals (single-quoted strings, `None`/`True`/`False`,
//! unquoted keys as printed by JavaScript's `inspect`), raw newlines inside strings (terminal
//! wraps), unescaped quotes inside string values (a quote only ends a value string when a `,`,
//! `}`, `]` or the end follows), placeholders such as `[...]`, and truncation (open strings and
//! containers are closed at the end of the text). Everything it cannot read is skipped.
//!
//! It is only used when strict `serde_json` parsing fails, so valid JSON never goes through these
//! heuristics. Not for anything but reading error bodies: it never fails, and what it returns is a
//! best guess. It runs in time linear in the input and never recurses deeper than [`MAX_DEPTH`].

use serde_json::{Map, Number, Value};

/// Containers nested deeper than this are skipped, which bounds recursion on hostile input.
pub(crate) const MAX_DEPTH: usize = 48;

/// Reads the first value in `text`, tolerating the damage described in the module docs.
///
/// Returns `None` when no value starts in the text.
pub(crate) fn parse(text: &str) -> Option<Value> {
    let mut parser = Parser {
        bytes: text.as_bytes(),
        text,
        pos: 0,
        depth: 0,
    };
    parser.skip_whitespace();
    parser.value(Context::Value)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Key,
    Value,
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b) = self.peek() {
            if b.is_ascii_whitespace() {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// The next non-whitespace byte at or after `from`, without moving.
    fn next_significant(&self, from: usize) -> Option<u8> {
        self.bytes[from.min(self.bytes.len())..]
            .iter()
            .copied()
            .find(|b| !b.is_ascii_whitespace())
    }

    fn value(&mut self, context: Context) -> Option<Value> {
        self.skip_whitespace();
        match self.peek()? {
            b'{' => self.object(),
            b'[' => self.array(),
            quote @ (b'"' | b'\'') => Some(Value::String(self.string(quote, context))),
            b'-' | b'0'..=b'9' => Some(self.number()),
            b if b.is_ascii_alphabetic() || b == b'_' => Some(self.word()),
            _ => {
                // Garbage (for example the `...` of an elided excerpt): skip one character.
                self.skip_char();
                None
            }
        }
    }

    fn skip_char(&mut self) {
        self.pos += 1;
        while self.pos < self.bytes.len() && !self.text.is_char_boundary(self.pos) {
            self.pos += 1;
        }
    }

    fn object(&mut self) -> Option<Value> {
        if self.depth >= MAX_DEPTH {
            self.pos += 1;
            return None;
        }
        self.depth += 1;
        self.pos += 1; // '{'
        let mut map = Map::new();
        loop {
            self.skip_separators();
            let start = self.pos;
            match self.peek() {
                None => break,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                Some(b']') => {
                    // A mismatched closer: treat it as the end of this object.
                    self.pos += 1;
                    break;
                }
                Some(quote @ (b'"' | b'\'')) => {
                    let key = self.string(quote, Context::Key);
                    self.member(&mut map, key);
                }
                Some(b) if b.is_ascii_alphanumeric() || b == b'_' || b == b'@' || b == b'$' => {
                    let key = self.bare_key();
                    self.member(&mut map, key);
                }
                Some(_) => self.skip_char(),
            }
            if self.pos == start {
                self.skip_char();
            }
        }
        self.depth -= 1;
        Some(Value::Object(map))
    }

    /// Reads `: value` after a key; a key without a colon is dropped.
    fn member(&mut self, map: &mut Map<String, Value>, key: String) {
        self.skip_whitespace();
        if matches!(self.peek(), Some(b':') | Some(b'=')) {
            self.pos += 1;
            let value = self.value(Context::Value).unwrap_or(Value::Null);
            map.insert(key, value);
        }
    }

    fn skip_separators(&mut self) {
        while let Some(b) = self.peek() {
            if b.is_ascii_whitespace() || b == b',' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn array(&mut self) -> Option<Value> {
        if self.depth >= MAX_DEPTH {
            self.pos += 1;
            return None;
        }
        self.depth += 1;
        self.pos += 1; // '['
        let mut items = Vec::new();
        loop {
            self.skip_separators();
            let start = self.pos;
            match self.peek() {
                None => break,
                Some(b']') | Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                Some(_) => {
                    if let Some(item) = self.value(Context::Value) {
                        items.push(item);
                    }
                }
            }
            if self.pos == start {
                self.skip_char();
            }
        }
        self.depth -= 1;
        Some(Value::Array(items))
    }

    /// Whether a quote at `self.pos` really ends the string in this context.
    fn closes_string(&self, context: Context) -> bool {
        match self.next_significant(self.pos + 1) {
            None => true,
            Some(b',' | b'}' | b']' | b')') => context == Context::Value || context == Context::Key,
            Some(b':' | b'=') => context == Context::Key,
            Some(_) => false,
        }
    }

    fn string(&mut self, quote: u8, context: Context) -> String {
        self.pos += 1; // opening quote
        let mut out = String::new();
        let mut run_start = self.pos;
        while let Some(b) = self.peek() {
            if b == quote {
                if self.closes_string(context) {
                    out.push_str(&self.text[run_start..self.pos]);
                    self.pos += 1;
                    return out;
                }
                self.pos += 1;
            } else if b == b'\\' {
                out.push_str(&self.text[run_start..self.pos]);
                self.escape(&mut out);
                run_start = self.pos;
            } else {
                self.pos += 1;
            }
        }
        // Truncated: the text ended inside the string.
        out.push_str(&self.text[run_start.min(self.bytes.len())..]);
        out
    }

    /// Decodes one escape sequence starting at the backslash at `self.pos`.
    fn escape(&mut self, out: &mut String) {
        self.pos += 1; // backslash
        let Some(b) = self.peek() else {
            return;
        };
        self.pos += 1;
        match b {
            b'n' => out.push('\n'),
            b't' => out.push('\t'),
            b'r' => out.push('\r'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'0' => out.push('\0'),
            b'u' => {
                let first = self.hex(4);
                match first {
                    Some(high @ 0xD800..=0xDBFF) => {
                        let low = if self.bytes[self.pos..].starts_with(b"\\u") {
                            self.pos += 2;
                            self.hex(4)
                        } else {
                            None
                        };
                        let combined = match low {
                            Some(low @ 0xDC00..=0xDFFF) => {
                                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                            }
                            _ => 0xFFFD,
                        };
                        out.push(char::from_u32(combined).unwrap_or('\u{FFFD}'));
                    }
                    Some(code) => out.push(char::from_u32(code).unwrap_or('\u{FFFD}')),
                    None => out.push('\u{FFFD}'),
                }
            }
            b'x' => match self.hex(2) {
                Some(code) => out.push(char::from_u32(code).unwrap_or('\u{FFFD}')),
                None => out.push('\u{FFFD}'),
            },
            _ => {
                // `\"`, `\'`, `\\`, `\/` and anything unknown: keep the character itself.
                let start = self.pos - 1;
                let mut end = self.pos;
                while end < self.bytes.len() && !self.text.is_char_boundary(end) {
                    end += 1;
                }
                out.push_str(&self.text[start..end]);
                self.pos = end;
            }
        }
    }

    fn hex(&mut self, digits: usize) -> Option<u32> {
        let slice = self.bytes.get(self.pos..self.pos + digits)?;
        let mut value = 0u32;
        for &b in slice {
            value = value * 16 + (b as char).to_digit(16)?;
        }
        self.pos += digits;
        Some(value)
    }

    fn number(&mut self) -> Value {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E') {
                self.pos += 1;
            } else {
                break;
            }
        }
        let token = &self.text[start..self.pos];
        if let Ok(n) = token.parse::<i64>() {
            return Value::Number(n.into());
        }
        if let Ok(n) = token.parse::<u64>() {
            return Value::Number(n.into());
        }
        match token.parse::<f64>().ok().and_then(Number::from_f64) {
            Some(n) => Value::Number(n),
            None => Value::String(token.to_string()),
        }
    }

    fn word_end(&self) -> usize {
        let mut end = self.pos;
        while let Some(&b) = self.bytes.get(end) {
            if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'@' | b'$') {
                end += 1;
            } else {
                break;
            }
        }
        end
    }

    /// A bare word in value position: a literal, or an unquoted string.
    fn word(&mut self) -> Value {
        let end = self.word_end();
        let token = &self.text[self.pos..end];
        self.pos = end;
        match token {
            "true" | "True" => Value::Bool(true),
            "false" | "False" => Value::Bool(false),
            "null" | "None" | "nil" | "undefined" | "NaN" | "Infinity" => Value::Null,
            _ => Value::String(token.to_string()),
        }
    }

    fn bare_key(&mut self) -> String {
        let end = self.word_end();
        let key = self.text[self.pos..end].to_string();
        self.pos = end;
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_python_repr_with_none_and_nested_quotes() {
        let v = parse(r#"{'error': {'message': "can't do 'that'", 'param': None, 'ok': True}}"#);
        assert_eq!(
            v,
            Some(json!({"error": {"message": "can't do 'that'", "param": null, "ok": true}}))
        );
    }

    #[test]
    fn closes_truncated_strings_and_containers() {
        let v = parse(r#"{"error":{"message":"An assistant message","type":"invalid_r"#);
        assert_eq!(
            v,
            Some(json!({"error": {"message": "An assistant message", "type": "invalid_r"}}))
        );
    }

    #[test]
    fn keeps_raw_newlines_and_skips_placeholders() {
        let v = parse("{\"a\": \"line\nwrap\", \"v\": [...], \"d\": \"34.4s\"}").unwrap();
        assert_eq!(v["a"], "line\nwrap");
        assert_eq!(v["d"], "34.4s");
    }

    #[test]
    fn treats_unescaped_inner_quotes_as_text() {
        let v = parse(r#"{"message": "API error: "quoted" word", "code": "500"}"#).unwrap();
        assert_eq!(v["message"], r#"API error: "quoted" word"#);
        assert_eq!(v["code"], "500");
    }

    #[test]
    fn reads_unquoted_keys_and_decodes_escapes() {
        let v =
            parse(r#"{ error: { code: 429, message: 'caf\u00e9 \ud83d\ude00 \x41' } }"#).unwrap();
        assert_eq!(v["error"]["code"], 429);
        assert_eq!(v["error"]["message"], "café 😀 A");
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let text = "[".repeat(100_000);
        assert!(parse(&text).is_some());
        let text = "{\"a\":".repeat(50_000);
        assert!(parse(&text).is_some());
    }

    #[test]
    fn never_panics_on_odd_bytes() {
        for text in [
            "",
            "\\",
            "\"\\u12",
            "'\\",
            "{'a':'\\ud800'}",
            "é{é:é}",
            "[-]",
            "{:::}",
        ] {
            let _ = parse(text);
        }
    }
}
