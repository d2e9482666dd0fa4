//! Reading fields of JSON objects on hot paths.
//!
//! Requests and their messages are small objects: a handful of keys each. serde_json's map (an
//! `IndexMap`, to keep key order) hashes every key it is asked for with SipHash, which costs more
//! than comparing a few short strings. [`Field::field`] scans small objects and hashes only big
//! ones; the answer is the same either way, since keys in a map are unique.

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
}
