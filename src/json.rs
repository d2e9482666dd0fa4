//! JSON helpers shared by the pure modules.
//!
//! - [`Field::field`]: reading fields of small objects on hot paths. Requests and their messages
//!   have a handful of keys each; serde_json's map (an `IndexMap`, to keep key order) hashes every
//!   key it is asked for with SipHash, which costs more than comparing a few short strings. Small
//!   objects are scanned, big ones hashed; the answer is the same either way, since keys in a map
//!   are unique.
//! - [`parse`]: parsing text a caller wrote, saying plainly what serde_json words confusingly (a
//!   lone UTF-16 surrogate escape comes out as "unexpected end of hex escape").

use serde_json::{Map, Value};

/// Objects up to this many keys are scanned rather than hashed.
const SCAN_UP_TO: usize = 12;

/// `field(key)`: the value under `key` in a JSON object (`None` for a missing key or a non-object).
pub(crate) trait Field {
    fn field(&self, key: &str) -> Option<&Value>;
}

impl Field for Map<String, Value> {
    fn field(&self, key: &str) -> Option<&Value> {
        if self.len() <= SCAN_UP_TO {
            self.iter()
                .find_map(|(name, value)| (name == key).then_some(value))
        } else {
            self.get(key)
        }
    }
}

impl Field for Value {
    fn field(&self, key: &str) -> Option<&Value> {
        self.as_object()?.field(key)
    }
}

/// Parses JSON text; the error names the line and column, and explains a lone surrogate escape.
pub(crate) fn parse(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|error| match lone_surrogate(text, &error) {
        Some((escape, at)) => format!(
            "a lone UTF-16 surrogate {escape} at line {} column {}: an escape in \\ud800-\\udbff \
             must be followed by one in \\udc00-\\udfff (together they make one character); \
             alone it is not text. Escape the whole character, or drop it",
            error.line(),
            at + 1
        ),
        None => error.to_string(),
    })
}

/// The surrogate escape (`\ud83d`, say) that ends just before where parsing stopped, if any, and
/// where it starts in its line (a byte offset).
fn lone_surrogate<'t>(text: &'t str, error: &serde_json::Error) -> Option<(&'t str, usize)> {
    let line = text.split('\n').nth(error.line().checked_sub(1)?)?;
    let upto = line.get(..error.column().min(line.len()))?;
    // The escape is within the last dozen bytes read: `\uD800` and at most `\u` of the next.
    let from = upto.len().saturating_sub(12);
    let at = upto.get(from..)?.rfind("\\u")? + from;
    let escape = line.get(at..at + 6)?;
    let unit = u16::from_str_radix(&escape[2..], 16).ok()?;
    let candidate = if (0xD800..=0xDFFF).contains(&unit) {
        Some((escape, at))
    } else {
        // `\ud800\u0041`: the last escape read is the unpaired one's partner; look one back.
        let before = upto.get(from..at)?.rfind("\\u")? + from;
        let escape = line.get(before..before + 6)?;
        let unit = u16::from_str_radix(&escape[2..], 16).ok()?;
        (0xD800..=0xDFFF)
            .contains(&unit)
            .then_some((escape, before))
    };
    candidate.filter(|_| error.is_syntax())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn small_and_large_objects_answer_alike() {
        let mut large = Map::new();
        for i in 0..40 {
            large.insert(format!("k{i}"), json!(i));
        }
        let large = Value::Object(large);
        let small = json!({"model": "m", "messages": [], "k39": 39});
        for object in [&small, &large] {
            assert_eq!(object.field("k39"), Some(&json!(39)));
            assert_eq!(object.field("k3"), object.get("k3"));
            assert_eq!(object.field("absent"), None);
        }
        assert_eq!(json!([1, 2]).field("0"), None);
        assert_eq!(json!("text").field("model"), None);
    }

    #[test]
    fn lone_surrogates_are_explained_with_their_place() {
        for (text, place) in [
            (r#"{"a":"x\ud800y"}"#, r"\ud800 at line 1 column 8:"),
            (r#"{"a":"x\ud800"}"#, r"\ud800 at line 1 column 8:"),
            (r#"{"a":"x\udc00y"}"#, r"\udc00 at line 1 column 8:"),
            (r#"{"a":"x\uD83D\u0041"}"#, r"\uD83D at line 1 column 8:"),
            ("{\n \"a\": \"\\ud800\"}", r"\ud800 at line 2 column 8:"),
        ] {
            let message = parse(text).unwrap_err();
            assert!(
                message.starts_with(&format!("a lone UTF-16 surrogate {place}")),
                "{text}: {message}"
            );
        }
        assert_eq!(
            parse(r#"{"a": "\ud83d\ude00"}"#).unwrap(),
            json!({"a": "😀"})
        );
        let other = parse(r#"{"a": tru}"#).unwrap_err();
        assert!(other.contains("line 1 column"), "{other}");
        assert!(!other.contains("surrogate"), "{other}");
    }
}
