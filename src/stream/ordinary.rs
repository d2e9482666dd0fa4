//! The common stream chunk, read straight from its JSON text into borrowed parts.
//!
//! Nearly every chunk of a stream has one shape: a few scalar header members (`id`, `created`,
//! `model`, `system_fingerprint`, …) and choices whose delta holds a `role`, some `content`, or a
//! piece of a tool call (`index`, `id`, `type`, `function.name`, `function.arguments`).
//! Parsing each of those into a `serde_json::Value` (a map, a hash and an allocation per member)
//! was more than half of a streaming read's CPU time. [`Ordinary::read`] takes that shape and
//! nothing else; the assembler merges it ([`super::StreamAssembler::push_ordinary`]) exactly as it
//! would merge the parsed `Value`, and any other text (an error payload, usage, logprobs, a
//! number where a string was expected, a member given twice) is refused, so the caller parses it
//! as before. Refusing costs one failed parse of the text, so the shape is kept to what ordinary
//! chunks carry.
//!
//! Not for: deciding what an event is (see [`super::interpret`]); a refused text is not an error.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// An ordinary chunk, borrowed from its text.
#[derive(Debug)]
pub(crate) struct Ordinary<'a> {
    /// Top-level members other than `choices`, `object` and `usage`, in the text's order.
    pub(crate) fields: Vec<(&'a str, Scalar<'a>)>,
    pub(crate) choices: Vec<Choice<'a>>,
}

/// One choice of an ordinary chunk: the parts of its delta the assembler keeps.
#[derive(Debug)]
pub(crate) struct Choice<'a> {
    pub(crate) index: u64,
    pub(crate) role: Option<Cow<'a, str>>,
    pub(crate) content: Option<Cow<'a, str>>,
    pub(crate) tool_calls: Vec<ToolCall<'a>>,
    pub(crate) finish_reason: Option<Cow<'a, str>>,
}

/// A tool call's delta: `index`, `id`, `type` and `function.name` / `function.arguments` (the
/// members a tool call streams; any other that says something takes the full parse).
#[derive(Debug, Default)]
pub(crate) struct ToolCall<'a> {
    pub(crate) index: Option<u64>,
    pub(crate) id: Option<Cow<'a, str>>,
    pub(crate) kind: Option<Cow<'a, str>>,
    pub(crate) name: Option<Cow<'a, str>>,
    pub(crate) arguments: Option<Cow<'a, str>>,
}

/// A header member's value: the scalars chunk headers carry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar<'a> {
    Null,
    Text(Cow<'a, str>),
    Count(u64),
}

impl Ordinary<'_> {
    /// `text` as an ordinary chunk, or `None` when it is anything else.
    pub(crate) fn read(text: &str) -> Option<Ordinary<'_>> {
        serde_json::from_str(text).ok()
    }
}

impl Scalar<'_> {
    /// The value a parse of the text would have given.
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Scalar::Null => Value::Null,
            Scalar::Text(text) => Value::String(text.to_string()),
            Scalar::Count(count) => Value::from(*count),
        }
    }

    /// Whether `value` is the one [`Scalar::to_value`] gives (without building it).
    pub(crate) fn is(&self, value: &Value) -> bool {
        match (self, value) {
            (Scalar::Null, Value::Null) => true,
            (Scalar::Text(text), Value::String(other)) => text == other,
            (Scalar::Count(count), Value::Number(other)) => {
                other.is_u64() && other.as_u64() == Some(*count)
            }
            _ => false,
        }
    }

    /// `null`, `""` or `0`: a header value that says nothing (as the assembler judges a `Value`).
    pub(crate) fn is_placeholder(&self) -> bool {
        match self {
            Scalar::Null => true,
            Scalar::Text(text) => text.is_empty(),
            Scalar::Count(count) => *count == 0,
        }
    }
}

/// The most members of one object this read takes (ordinary chunks have fewer than ten): the
/// check for a repeated member is quadratic, and a hostile stream must not make it expensive.
const MAX_MEMBERS: usize = 32;

/// Refuses the text: the caller parses it in full.
fn refuse<E: de::Error>(why: &str) -> E {
    E::custom(format_args!("not an ordinary chunk: {why}"))
}

/// Fails when `seen` is already set, else sets it: a member given twice is refused (a parse into
/// a `Value` keeps the last one, in the first one's place).
fn once<E: de::Error>(seen: &mut bool) -> Result<(), E> {
    if std::mem::replace(seen, true) {
        return Err(refuse("a member given twice"));
    }
    Ok(())
}

/// The text of a member that may appear once (`null` is `None`): a repeat is refused.
fn text_once<'de, A: MapAccess<'de>>(
    map: &mut A,
    seen: &mut bool,
) -> Result<Option<Cow<'de, str>>, A::Error> {
    once(seen)?;
    Ok(map.next_value::<Option<Text>>()?.map(|t| t.0))
}

/// Reads the value of `key`, which must be `null`; a key already in `seen` is refused.
fn null_member<'de, A: MapAccess<'de>>(
    map: &mut A,
    key: &'de str,
    seen: &mut Vec<&'de str>,
) -> Result<(), A::Error> {
    if seen.contains(&key) {
        return Err(refuse("a member given twice"));
    }
    if seen.len() == MAX_MEMBERS {
        return Err(refuse("too many members"));
    }
    seen.push(key);
    map.next_value::<Null>().map(drop)
}

impl<'de> Deserialize<'de> for Ordinary<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Top;
        impl<'de> Visitor<'de> for Top {
            type Value = Ordinary<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a chat.completion.chunk object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut chunk = Ordinary {
                    fields: Vec::new(),
                    choices: Vec::new(),
                };
                let (mut choices, mut object, mut usage) = (false, false, false);
                while let Some(key) = map.next_key::<&'de str>()? {
                    match key {
                        "choices" => {
                            once(&mut choices)?;
                            chunk.choices = map.next_value::<List<Choice>>()?.0;
                        }
                        "object" => {
                            once(&mut object)?;
                            map.next_value::<Scalar>()?;
                        }
                        "usage" => {
                            once(&mut usage)?;
                            map.next_value::<Null>()?;
                        }
                        // What makes a payload an error is the full parse's to judge.
                        "error" | "type" => return Err(refuse("an error member")),
                        _ => {
                            if chunk.fields.iter().any(|(seen, _)| *seen == key) {
                                return Err(refuse("a member given twice"));
                            }
                            if chunk.fields.len() == MAX_MEMBERS {
                                return Err(refuse("too many members"));
                            }
                            chunk.fields.push((key, map.next_value()?));
                        }
                    }
                }
                Ok(chunk)
            }
        }
        deserializer.deserialize_map(Top)
    }
}

/// An array of `T` (a newtype, to read each element with its borrowing visitor).
struct List<T>(Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Elements<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Elements<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut elements = Vec::with_capacity(seq.size_hint().unwrap_or(1));
                while let Some(element) = seq.next_element()? {
                    elements.push(element);
                }
                Ok(List(elements))
            }
        }
        deserializer.deserialize_seq(Elements(std::marker::PhantomData))
    }
}

impl<'de> Deserialize<'de> for Choice<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct One;
        impl<'de> Visitor<'de> for One {
            type Value = Choice<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a choice object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut choice = Choice {
                    index: 0,
                    role: None,
                    content: None,
                    tool_calls: Vec::new(),
                    finish_reason: None,
                };
                let (mut index, mut delta, mut finish_reason) = (false, false, false);
                let mut nulls: Vec<&'de str> = Vec::new();
                while let Some(key) = map.next_key::<&'de str>()? {
                    match key {
                        "index" => {
                            once(&mut index)?;
                            choice.index = map.next_value()?;
                        }
                        "delta" => {
                            once(&mut delta)?;
                            let delta: Delta = map.next_value()?;
                            (choice.role, choice.content) = (delta.role, delta.content);
                            choice.tool_calls = delta.tool_calls;
                        }
                        "finish_reason" => {
                            choice.finish_reason = text_once(&mut map, &mut finish_reason)?
                        }
                        // `message` (a full message in a chunk) and anything else that says
                        // something take the full parse; `logprobs: null` and other null members
                        // change nothing.
                        "message" => return Err(refuse("a message in a chunk")),
                        _ => null_member(&mut map, key, &mut nulls)?,
                    }
                }
                Ok(choice)
            }
        }
        deserializer.deserialize_map(One)
    }
}

/// A delta that holds at most a `role`, some `content` and tool calls (other members must be
/// null).
struct Delta<'a> {
    role: Option<Cow<'a, str>>,
    content: Option<Cow<'a, str>>,
    tool_calls: Vec<ToolCall<'a>>,
}

impl<'de> Deserialize<'de> for Delta<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Parts;
        impl<'de> Visitor<'de> for Parts {
            type Value = Delta<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a delta object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut delta = Delta {
                    role: None,
                    content: None,
                    tool_calls: Vec::new(),
                };
                let (mut role, mut content, mut tool_calls) = (false, false, false);
                let mut nulls: Vec<&'de str> = Vec::new();
                while let Some(key) = map.next_key::<&'de str>()? {
                    match key {
                        "role" => delta.role = text_once(&mut map, &mut role)?,
                        "content" => delta.content = text_once(&mut map, &mut content)?,
                        "tool_calls" => {
                            once(&mut tool_calls)?;
                            let calls = map.next_value::<Option<List<ToolCall>>>()?;
                            delta.tool_calls = calls.map_or_else(Vec::new, |calls| calls.0);
                        }
                        _ => null_member(&mut map, key, &mut nulls)?,
                    }
                }
                Ok(delta)
            }
        }
        deserializer.deserialize_map(Parts)
    }
}

impl<'de> Deserialize<'de> for ToolCall<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Call;
        impl<'de> Visitor<'de> for Call {
            type Value = ToolCall<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a tool call object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut call = ToolCall::default();
                let (mut index, mut id, mut kind, mut function) = (false, false, false, false);
                let mut nulls: Vec<&'de str> = Vec::new();
                while let Some(key) = map.next_key::<&'de str>()? {
                    match key {
                        "index" => {
                            once(&mut index)?;
                            call.index = map.next_value()?;
                        }
                        "id" => call.id = text_once(&mut map, &mut id)?,
                        "type" => call.kind = text_once(&mut map, &mut kind)?,
                        "function" => {
                            once(&mut function)?;
                            if let Some(Function { name, arguments }) = map.next_value()? {
                                (call.name, call.arguments) = (name, arguments);
                            }
                        }
                        // A name or arguments beside `function` would make the order of the
                        // members matter: the full parse keeps it.
                        "name" | "arguments" => return Err(refuse("a tool call's own name")),
                        _ => null_member(&mut map, key, &mut nulls)?,
                    }
                }
                Ok(call)
            }
        }
        deserializer.deserialize_map(Call)
    }
}

/// A tool call's `function`: its `name` and a piece of its `arguments` (text, not an object).
struct Function<'a> {
    name: Option<Cow<'a, str>>,
    arguments: Option<Cow<'a, str>>,
}

impl<'de> Deserialize<'de> for Function<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Parts;
        impl<'de> Visitor<'de> for Parts {
            type Value = Function<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a function object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut function = Function {
                    name: None,
                    arguments: None,
                };
                let (mut name, mut arguments) = (false, false);
                let mut nulls: Vec<&'de str> = Vec::new();
                while let Some(key) = map.next_key::<&'de str>()? {
                    match key {
                        "name" => function.name = text_once(&mut map, &mut name)?,
                        "arguments" => function.arguments = text_once(&mut map, &mut arguments)?,
                        _ => null_member(&mut map, key, &mut nulls)?,
                    }
                }
                Ok(function)
            }
        }
        deserializer.deserialize_map(Parts)
    }
}

/// A JSON string, borrowed from the text unless it had escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Scalar::deserialize(deserializer)? {
            Scalar::Text(text) => Ok(Text(text)),
            _ => Err(refuse("not a string")),
        }
    }
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Any;
        impl<'de> Visitor<'de> for Any {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("null, a string or a non-negative integer")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Null)
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar::Text(Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Scalar::Text(Cow::Owned(text.to_owned())))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
                Ok(Scalar::Text(Cow::Owned(text)))
            }
            fn visit_u64<E: de::Error>(self, count: u64) -> Result<Self::Value, E> {
                Ok(Scalar::Count(count))
            }
        }
        deserializer.deserialize_any(Any)
    }
}

/// A member that must be `null`.
struct Null;

impl<'de> Deserialize<'de> for Null {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Scalar::deserialize(deserializer)? {
            Scalar::Null => Ok(Null),
            _ => Err(refuse("a member that says something")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::StreamAssembler;

    /// A small deterministic generator (xorshift), so a failure names its seed.
    struct Dice(u64);

    impl Dice {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }

        fn pick<'a>(&mut self, options: &[&'a str]) -> &'a str {
            options[self.below(options.len())]
        }
    }

    /// Members written as JSON text, in a random order, sometimes one twice.
    fn object(dice: &mut Dice, mut members: Vec<String>) -> String {
        for i in (1..members.len()).rev() {
            members.swap(i, dice.below(i + 1));
        }
        if !members.is_empty() && dice.below(30) == 0 {
            let again = members[dice.below(members.len())].clone();
            members.push(again);
        }
        format!("{{{}}}", members.join(","))
    }

    /// Some members of `options`, each written as `"key":value` with a value from its list.
    fn members(dice: &mut Dice, options: &[(&str, &[&str])], keep: usize) -> Vec<String> {
        let mut written = Vec::new();
        for (key, values) in options {
            if dice.below(keep) != 0 {
                written.push(format!("\"{key}\":{}", dice.pick(values)));
            }
        }
        written
    }

    const TEXTS: &[&str] = &[
        r#""a""#,
        r#""""#,
        r#"" b""#,
        r#""x\ny""#,
        r#""caf\u00e9""#,
        r#""\"q\"""#,
        "null",
    ];

    const TOOL_CALLS: &[&str] = &[
        "null",
        r#"[{"index":0,"id":"t1","type":"function","function":{"name":"f","arguments":""}}]"#,
        r#"[{"index":0,"function":{"arguments":"{\"ci"}}]"#,
        r#"[{"index":0,"function":{"arguments":"ty\":1}"},"id":null,"type":null}]"#,
        r#"[{"index":1,"id":"t2","type":"function","function":{"name":"g","arguments":"{}"}}]"#,
        r#"[{"id":"t3","function":{"name":"h","arguments":"["}},{"function":{"arguments":"]"}}]"#,
        r#"[{"index":null,"id":"","function":{"arguments":"x"}}]"#,
        r#"[{"index":"0","function":{"arguments":"y"}}]"#,
        r#"[{"index":0,"function":{"arguments":{"a":1}}}]"#,
        r#"[{"index":0,"arguments":"z","function":{"arguments":"w"}}]"#,
        r#"[{"index":0,"extra_content":{"google":{"thought_signature":"s"}}}]"#,
        r#"[{"index":0,"extra_content":null,"function":{"name":"","arguments":"v","extra":null}}]"#,
        r#"[{"index":0,"function":null},"not an object"]"#,
        "[]",
    ];

    fn choice(dice: &mut Dice) -> String {
        let delta_options: &[(&str, &[&str])] = &[
            ("role", &[r#""assistant""#, r#""""#, "null", "5"]),
            ("content", TEXTS),
            ("refusal", &["null", "null", r#""no""#]),
            ("reasoning_content", &["null", r#""think""#]),
            ("tool_calls", TOOL_CALLS),
        ];
        let delta = members(dice, delta_options, 3);
        let delta = object(dice, delta);
        let mut options: Vec<(&str, &[&str])> = vec![
            ("index", &["0", "0", "1", "null", r#""0""#, "-1"]),
            (
                "finish_reason",
                &[
                    "null",
                    "null",
                    r#""""#,
                    r#""stop""#,
                    r#""length""#,
                    "0",
                    "3",
                ],
            ),
            ("logprobs", &["null", "null", r#"{"content":[]}"#]),
            ("native_finish_reason", &["null", r#""stop""#]),
        ];
        if dice.below(40) == 0 {
            options.push(("message", &[r#"{"content":"whole"}"#]));
        }
        let mut choice = members(dice, &options, 4);
        if dice.below(10) != 0 {
            choice.push(format!("\"delta\":{delta}"));
        }
        object(dice, choice)
    }

    fn chunk(dice: &mut Dice) -> String {
        let mut options: Vec<(&str, &[&str])> = vec![
            (
                "id",
                &[
                    r#""c1""#,
                    r#""c2""#,
                    r#""""#,
                    r#""c\u0031""#,
                    "null",
                    "0",
                    "7",
                ],
            ),
            ("object", &[r#""chat.completion.chunk""#, "null", "7"]),
            (
                "created",
                &[
                    "1700000000",
                    "1700000001",
                    "0",
                    "null",
                    "-1",
                    "1.5",
                    r#""t""#,
                ],
            ),
            ("model", &[r#""m""#, r#""""#, "null", r#""m2""#]),
            (
                "system_fingerprint",
                &[r#""fp1""#, r#""fp2""#, "null", "true"],
            ),
            ("obfuscation", &[r#""k3""#, r#""zz""#, r#""""#]),
            ("usage", &["null", "null", r#"{"prompt_tokens":1}"#]),
        ];
        if dice.below(30) == 0 {
            options.push(("error", &[r#"{"message":"x"}"#, r#""x""#]));
        }
        if dice.below(30) == 0 {
            options.push(("type", &[r#""error""#, r#""chunk""#]));
        }
        let mut top = members(dice, &options, 3);
        if dice.below(12) != 0 {
            let choices: Vec<String> = (0..dice.below(3)).map(|_| choice(dice)).collect();
            top.push(format!("\"choices\":[{}]", choices.join(",")));
        }
        object(dice, top)
    }

    /// The chunk most of a stream is made of: the usual header and one choice's content.
    fn plain_chunk(dice: &mut Dice) -> String {
        let delta = match dice.below(3) {
            0 => format!(r#"{{"tool_calls":{}}}"#, dice.pick(&TOOL_CALLS[1..6])),
            _ => format!(r#"{{"content":{}}}"#, dice.pick(TEXTS)),
        };
        let choice = format!(
            r#"{{"index":{},"delta":{delta},"logprobs":null,"finish_reason":{}}}"#,
            dice.pick(&["0", "0", "1"]),
            dice.pick(&["null", "null", r#""stop""#, r#""tool_calls""#]),
        );
        let top = vec![
            r#""id":"c1""#.to_string(),
            r#""object":"chat.completion.chunk""#.to_string(),
            r#""created":1700000000"#.to_string(),
            format!(r#""model":{}"#, dice.pick(&[r#""m""#, r#""m2""#])),
            format!(r#""obfuscation":{}"#, dice.pick(&[r#""k3""#, r#""zz""#])),
            format!(r#""choices":[{choice}]"#),
        ];
        object(dice, top)
    }

    #[test]
    fn an_ordinary_chunk_merges_exactly_as_its_parsed_value() {
        let (mut fast, mut chunks) = (0, 0);
        for seed in 1..=3000_u64 {
            let mut dice = Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let (mut parsed, mut read) = (StreamAssembler::new(), StreamAssembler::new());
            for _ in 0..=dice.below(6) {
                let text = match dice.below(2) {
                    0 => chunk(&mut dice),
                    _ => plain_chunk(&mut dice),
                };
                let value: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("seed {seed}: bad test JSON {text}: {e}"));
                parsed.push(&value);
                chunks += 1;
                match Ordinary::read(&text) {
                    Some(chunk) if read.push_ordinary(&chunk) => fast += 1,
                    _ => read.push(&value),
                }
                let (want, got) = (parsed.snapshot(), read.snapshot());
                // Compared as text: the members' order is part of the result.
                assert_eq!(
                    serde_json::to_string(&got).unwrap(),
                    serde_json::to_string(&want).unwrap(),
                    "seed {seed}, after {text}"
                );
                assert_eq!(read.chunks(), parsed.chunks(), "seed {seed}");
                for done in [false, true] {
                    assert_eq!(read.finish(done), parsed.finish(done), "seed {seed}");
                }
            }
        }
        // Both paths were exercised, or the comparison proves little.
        assert!(
            fast * 5 > chunks && fast * 10 < chunks * 9,
            "{fast} of {chunks} read"
        );
    }

    #[test]
    fn what_is_not_ordinary_is_refused() {
        let members: Vec<String> = (0..=MAX_MEMBERS).map(|n| format!("\"k{n}\":1")).collect();
        let many_members = format!("{{{}}}", members.join(","));
        for text in [
            r#"{"error":{"message":"overloaded"}}"#,
            r#"{"type":"error","error":{"type":"overloaded_error"}}"#,
            r#"{"id":"c1","id":"c2","choices":[]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"arguments":"{"}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"function":{"arguments":{}}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"a"},"logprobs":{"content":[]}}]}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":3}}"#,
            r#"{"created":1.5,"choices":[]}"#,
            r#"[{"choices":[]}]"#,
            r#"{"choices":[{"index":0,"delta":{"content":"a"}}]"#,
            &many_members,
        ] {
            assert!(Ordinary::read(text).is_none(), "{text}");
        }
        let chunk = Ordinary::read(
            r#"{"id":"c1","created":7,"choices":[{"index":1,"delta":{"content":"caf\u00e9"},"finish_reason":null}]}"#,
        )
        .unwrap();
        assert_eq!(
            chunk.fields,
            [
                ("id", Scalar::Text("c1".into())),
                ("created", Scalar::Count(7))
            ]
        );
        assert_eq!(chunk.choices[0].index, 1);
        assert_eq!(chunk.choices[0].content.as_deref(), Some("café"));
    }
}
