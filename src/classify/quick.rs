//! A quick "yes, usable" for the common 2xx body, read straight from the text without building a
//! `Value`.
//!
//! Most successful answers are an OpenAI-style object whose first choice has a message with text
//! or tool calls. Proving that takes one borrowed pass over the bytes; building a `Value` and then
//! judging it costs several times more. The proof is deliberately narrow: anything unusual (an
//! `error` key anywhere it matters, a duplicate key, a `delta`, content parts, a `null` message,
//! more than 64 choices, an escaped key, a byte-order mark) answers "not proven" and the caller
//! falls back to [`super::usable_completion`], which gives the precise verdict. So `true` here
//! always agrees with that function (`tests/integration/classify_quick.rs` checks it on
//! generated bodies).
//!
//! A body that passes is also known to be one complete JSON object, so the text can be handed on
//! as it is.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The most choices looked at; the judge reads no more than this either.
const MAX_CHOICES: usize = 64;

/// `true` when `body` is certainly a usable chat completion; `false` means "not proven here".
///
/// ```
/// use llmwire::classify::plainly_usable;
///
/// assert!(plainly_usable(r#"{"choices":[{"message":{"content":"hi"}}]}"#));
/// assert!(!plainly_usable(r#"{"choices":[{"message":{"content":" "}}]}"#));
/// ```
pub fn plainly_usable(body: &str) -> bool {
    // A struct visitor would also accept a JSON array; only objects are proven here.
    body.trim_start().starts_with('{')
        && serde_json::from_str::<Completion>(body).is_ok_and(|c| c.0)
}

/// Why the proof gave up (never shown: the caller falls back to the full reading).
fn unproven<E: de::Error>() -> E {
    E::custom("not a plain completion")
}

/// A top-level object: `true` when one of its choices has content.
struct Completion(bool);

impl<'de> de::Deserialize<'de> for Completion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(CompletionVisitor)
    }
}

struct CompletionVisitor;

impl<'de> Visitor<'de> for CompletionVisitor {
    type Value = Completion;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a chat completion object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Completion, A::Error> {
        let mut choices = None;
        while let Some(key) = map.next_key::<&str>()? {
            match key {
                "choices" if choices.is_none() => choices = Some(map.next_value::<Choices>()?.0),
                // An error beside the choices, a duplicate key, or a report of our own: read it
                // the slow way.
                "choices" | "error" | "llmwire" => return Err(unproven()),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Completion(choices.unwrap_or(false)))
    }
}

/// The `choices` array: `true` when any choice has content.
struct Choices(bool);

impl<'de> de::Deserialize<'de> for Choices {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(ChoicesVisitor)
    }
}

struct ChoicesVisitor;

impl<'de> Visitor<'de> for ChoicesVisitor {
    type Value = Choices;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of choices")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Choices, A::Error> {
        let mut any = false;
        let mut count = 0;
        while let Some(choice) = seq.next_element::<Choice>()? {
            count += 1;
            if count > MAX_CHOICES {
                return Err(unproven());
            }
            any |= choice.0;
        }
        Ok(Choices(any))
    }
}

/// One choice: `true` when its message has content.
struct Choice(bool);

impl<'de> de::Deserialize<'de> for Choice {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ChoiceVisitor)
    }
}

struct ChoiceVisitor;

impl<'de> Visitor<'de> for ChoiceVisitor {
    type Value = Choice;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a choice object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Choice, A::Error> {
        let mut message = None;
        while let Some(key) = map.next_key::<&str>()? {
            match key {
                "message" if message.is_none() => message = Some(map.next_value::<Message>()?.0),
                // OpenRouter reports failures inside the choice; a delta is a stream chunk.
                "message" | "error" | "delta" => return Err(unproven()),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Choice(message.unwrap_or(false)))
    }
}

/// A message object: `true` when it has non-blank text or at least one tool call.
struct Message(bool);

impl<'de> de::Deserialize<'de> for Message {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(MessageVisitor)
    }
}

struct MessageVisitor;

impl<'de> Visitor<'de> for MessageVisitor {
    type Value = Message;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a message object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Message, A::Error> {
        let (mut content, mut tool_calls) = (None, None);
        while let Some(key) = map.next_key::<&str>()? {
            match key {
                "content" if content.is_none() => content = Some(map.next_value::<Text>()?.0),
                "tool_calls" if tool_calls.is_none() => {
                    tool_calls = Some(map.next_value::<NonEmptyList>()?.0)
                }
                "content" | "tool_calls" => return Err(unproven()),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Message(
            content.unwrap_or(false) || tool_calls.unwrap_or(false),
        ))
    }
}

/// A string (`true` when not blank) or `null`; content parts are left to the full reading.
struct Text(bool);

impl<'de> de::Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextVisitor)
    }
}

struct TextVisitor;

impl Visitor<'_> for TextVisitor {
    type Value = Text;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or null")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Text, E> {
        Ok(Text(!text.trim().is_empty()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
        Ok(Text(false))
    }
}

/// An array (`true` when it has an element) or `null`.
struct NonEmptyList(bool);

impl<'de> de::Deserialize<'de> for NonEmptyList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NonEmptyListVisitor)
    }
}

struct NonEmptyListVisitor;

impl<'de> Visitor<'de> for NonEmptyListVisitor {
    type Value = NonEmptyList;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array or null")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NonEmptyList, A::Error> {
        let mut any = false;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            any = true;
        }
        Ok(NonEmptyList(any))
    }

    fn visit_unit<E: de::Error>(self) -> Result<NonEmptyList, E> {
        Ok(NonEmptyList(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_answers_are_proven() {
        let mock = r#"{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Line one\nline \"two\""},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":8,"completion_tokens":5,"total_tokens":13}}"#;
        assert!(plainly_usable(mock));
        let tools = r#"{"choices":[{"message":{"content":null,"tool_calls":[{"id":"1","type":"function","function":{"name":"f","arguments":"{}"}}]}}]}"#;
        assert!(plainly_usable(tools));
        assert!(plainly_usable(
            " \n{\"choices\":[{\"message\":{\"content\":\"x\"}}]}\n"
        ));
    }

    #[test]
    fn anything_unusual_is_left_to_the_full_reading() {
        for body in [
            r#"{"choices":[]}"#,
            r#"{"choices":[{"message":{"content":"  "}}]}"#,
            r#"{"choices":[{"message":{"content":null,"tool_calls":[]}}]}"#,
            r#"{"choices":[{"message":null}]}"#,
            r#"{"choices":[{"message":{"content":"x"},"error":{"message":"boom"}}]}"#,
            r#"{"choices":[{"message":{"content":"x"}}],"error":{"message":"boom"}}"#,
            r#"{"choices":[{"message":{"content":"x"}}],"choices":[]}"#,
            r#"{"choices":[{"message":{"content":"x","content":""}}]}"#,
            r#"{"choices":[{"message":{"content":[{"type":"text","text":"x"}]}}]}"#,
            r#"{"choices":[{"delta":{"content":"x"}}]}"#,
            r#"{"choices":[[{"message":{"content":"x"}}]]}"#,
            r#"[{"choices":[{"message":{"content":"x"}}]}]"#,
            r#"{"choices":[{"message":{"content":"x"}}],"llmwire":{}}"#,
            r#"{"choices":[{"message":{"content":"x"}}]} trailing"#,
            r#"{"choices":[{"message":{"content":"x"}}]"#,
            "\u{feff}{\"choices\":[{\"message\":{\"content\":\"x\"}}]}",
            r#"{"ch\u006fices":[{"message":{"content":"x"}}]}"#,
            "",
        ] {
            assert!(!plainly_usable(body), "{body}");
        }
    }
}
