//! JSON-Schema checks for tool parameters and structured-output schemas, per dialect: plain JSON
//! Schema (structure only), Gemini's OpenAPI subset, and OpenAI strict mode.
//!
//! The predicates here (`GEMINI_KEYWORDS`, [`TypeInfo`], [`RefResolver`], …) are shared with
//! `schema_repair`, so a repaired schema passes exactly the checks that flagged it.

mod walker;

pub(super) use walker::check_schema;

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::report::Severity;
use super::Context;
use crate::json::Field;
use crate::profile::SchemaDialect;

/// Deeper schemas are reported and not descended into.
pub(crate) const MAX_SCHEMA_DEPTH: usize = 64;

/// The keywords of Gemini's `Schema` proto; any other key answers "Unknown name … Cannot find field".
pub(crate) const GEMINI_KEYWORDS: &[&str] = &[
    "type",
    "format",
    "title",
    "description",
    "nullable",
    "enum",
    "maxItems",
    "minItems",
    "properties",
    "required",
    "minProperties",
    "maxProperties",
    "minLength",
    "maxLength",
    "pattern",
    "example",
    "anyOf",
    "propertyOrdering",
    "default",
    "items",
    "minimum",
    "maximum",
];

/// Keywords OpenAI structured outputs reject in strict mode (besides `allOf`).
pub(crate) const STRICT_UNSUPPORTED: &[&str] = &[
    "not",
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "patternProperties",
    "unevaluatedProperties",
    "propertyNames",
    "minProperties",
    "maxProperties",
    "unevaluatedItems",
    "contains",
    "minContains",
    "maxContains",
    "uniqueItems",
];

/// String formats Gemini accepts ("only 'enum' and 'date-time' are supported for STRING type").
pub(crate) const GEMINI_STRING_FORMATS: &[&str] = &["enum", "date-time"];

const TYPE_NAMES: &[&str] = &[
    "string", "number", "integer", "boolean", "array", "object", "null",
];

/// Which checks apply to one schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SchemaRules {
    pub(crate) dialect: SchemaDialect,
    /// OpenAI strict mode (`strict: true` on a function or a json_schema response format).
    pub(crate) strict: bool,
    /// Severity of structural mistakes (errors for hosted providers).
    pub(crate) structural: Severity,
}

impl SchemaRules {
    pub(super) fn for_tool(context: &Context<'_>, strict: bool) -> SchemaRules {
        SchemaRules {
            dialect: context.profile.schema_dialect(),
            strict,
            structural: context.strictly(),
        }
    }

    /// Response-format schemas: Gemini's compatibility layer accepts full JSON Schema there (its
    /// documented structured-output example sends OpenAI strict schemas), so only structure and
    /// strict mode are checked.
    pub(super) fn for_response_format(context: &Context<'_>, strict: bool) -> SchemaRules {
        SchemaRules {
            dialect: SchemaDialect::JsonSchema,
            strict,
            structural: context.strictly(),
        }
    }

    fn gemini(self) -> bool {
        self.dialect == SchemaDialect::GeminiOpenApi
    }
}

/// The `type` of a schema node, read without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeInfo<'a> {
    Absent,
    One(&'a str),
    /// A type array of valid names; `single` is the one non-null type when there is exactly one.
    Many {
        single: Option<&'a str>,
    },
    Invalid,
}

impl<'a> TypeInfo<'a> {
    pub(crate) fn of(node: &'a Map<String, Value>) -> TypeInfo<'a> {
        match node.field("type") {
            None => TypeInfo::Absent,
            Some(Value::String(name)) if TYPE_NAMES.contains(&name.as_str()) => TypeInfo::One(name),
            Some(Value::Array(names)) if !names.is_empty() => {
                let mut non_null = None;
                let mut count = 0;
                for name in names {
                    match name.as_str() {
                        Some(name) if TYPE_NAMES.contains(&name) => {
                            if name != "null" {
                                count += 1;
                                non_null = Some(name);
                            }
                        }
                        _ => return TypeInfo::Invalid,
                    }
                }
                TypeInfo::Many {
                    single: if count <= 1 {
                        non_null.or(Some("null"))
                    } else {
                        None
                    },
                }
            }
            Some(_) => TypeInfo::Invalid,
        }
    }

    /// The type after Gemini's normalisation (a single type plus `nullable`), if it is one type.
    pub(crate) fn effective(self) -> Option<&'a str> {
        match self {
            TypeInfo::One(name) => Some(name),
            TypeInfo::Many { single } => single,
            TypeInfo::Absent | TypeInfo::Invalid => None,
        }
    }
}

/// The most schema nodes (the reference itself included) one `$ref` may expand to when inlined.
pub(crate) const MAX_REF_EXPANSIONS: usize = 256;

/// Decides whether a schema's local `$ref`s can be inlined: each resolves inside the root, and
/// expanding it (with the references it contains) terminates within [`MAX_REF_EXPANSIONS`].
///
/// Every referenced node is read once per root, however many references point to it, and the
/// answer is kept (keyed by the node, so two spellings of one pointer share it): checking all the
/// references of a schema costs time linear in the schema's size. The expansion runs on an
/// explicit stack, so a reference chain of any length cannot exhaust the thread's stack.
pub(crate) struct RefResolver<'r> {
    root: &'r Value,
    known: HashMap<*const Value, RefState>,
    /// Referenced nodes read so far: the work done, which tests bound.
    pub(crate) nodes_read: usize,
}

#[derive(Clone, Copy)]
enum RefState {
    /// On the expansion stack: reaching it again means a cycle.
    Expanding,
    /// The number of nodes it expands to, or why it cannot be inlined.
    Done(Result<usize, &'static str>),
}

/// A referenced node being expanded: the references inside it and how far through them.
struct Frame<'r> {
    node: *const Value,
    inner: Vec<&'r str>,
    next: usize,
    expansions: usize,
}

impl<'r> RefResolver<'r> {
    pub(crate) fn new(root: &'r Value) -> RefResolver<'r> {
        RefResolver {
            root,
            known: HashMap::new(),
            nodes_read: 0,
        }
    }

    /// `Ok` when `reference` can be inlined; otherwise why not.
    pub(crate) fn inlinable(&mut self, reference: &str) -> Result<(), &'static str> {
        let target = self.resolve(reference)?;
        let mut stack = Vec::new();
        if let Some(done) = self.enter(target, &mut stack) {
            return done.map(|_| ());
        }
        while let Some(top) = stack.last_mut() {
            if let Some(&inner) = top.inner.get(top.next) {
                top.next += 1;
                let entered = match self.resolve(inner) {
                    Ok(node) => self.enter(node, &mut stack),
                    Err(reason) => Some(Err(reason)),
                };
                match entered {
                    None => {}
                    Some(Ok(expansions)) => self.add(&mut stack, expansions)?,
                    Some(Err(reason)) => return Err(self.fail(&mut stack, reason)),
                }
                continue;
            }
            let done = stack.pop().map_or(0, |frame| {
                self.known
                    .insert(frame.node, RefState::Done(Ok(frame.expansions)));
                frame.expansions
            });
            if stack.is_empty() {
                return Ok(());
            }
            self.add(&mut stack, done)?;
        }
        Ok(())
    }

    /// The node a local reference points to, if it is a schema object.
    fn resolve(&self, reference: &str) -> Result<&'r Value, &'static str> {
        let pointer = reference
            .strip_prefix('#')
            .ok_or("is not a local reference (#/…)")?;
        let target = self.root.pointer(pointer).ok_or("points to nothing")?;
        if target.is_object() {
            Ok(target)
        } else {
            Err("does not point to a schema object")
        }
    }

    /// Starts expanding `node`, or returns what is already known about it.
    fn enter(
        &mut self,
        node: &'r Value,
        stack: &mut Vec<Frame<'r>>,
    ) -> Option<Result<usize, &'static str>> {
        let key: *const Value = node;
        match self.known.get(&key) {
            Some(RefState::Expanding) => return Some(Err("is recursive")),
            Some(RefState::Done(result)) => return Some(*result),
            None => {}
        }
        self.known.insert(key, RefState::Expanding);
        self.nodes_read += 1;
        let mut inner = Vec::new();
        collect_refs(node, &mut inner, 0);
        stack.push(Frame {
            node: key,
            inner,
            next: 0,
            expansions: 1,
        });
        None
    }

    /// Counts `expansions` into the node on top of the stack, failing when it is over the limit.
    fn add(&mut self, stack: &mut Vec<Frame<'r>>, expansions: usize) -> Result<(), &'static str> {
        let Some(top) = stack.last_mut() else {
            return Ok(());
        };
        top.expansions = top.expansions.saturating_add(expansions);
        if top.expansions > MAX_REF_EXPANSIONS {
            return Err(self.fail(stack, "expands to too large a schema"));
        }
        Ok(())
    }

    /// Every node on the stack contains the failing reference, so each fails for the same reason.
    fn fail(&mut self, stack: &mut Vec<Frame<'r>>, reason: &'static str) -> &'static str {
        for frame in stack.drain(..) {
            self.known.insert(frame.node, RefState::Done(Err(reason)));
        }
        reason
    }
}

fn collect_refs<'v>(value: &'v Value, out: &mut Vec<&'v str>, depth: usize) {
    if depth > MAX_SCHEMA_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item) {
                    ("$ref", Value::String(reference)) => out.push(reference),
                    // Definitions are reached through references, not by containment.
                    ("$defs" | "definitions", _) => {}
                    _ => collect_refs(item, out, depth + 1),
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|item| collect_refs(item, out, depth + 1)),
        _ => {}
    }
}

/// Whether Gemini accepts `format` on a node of type `effective`: numeric formats on numbers,
/// `enum`/`date-time` elsewhere.
pub(crate) fn gemini_format_allowed(format: &str, effective: Option<&str>) -> bool {
    matches!(effective, Some("number" | "integer")) || GEMINI_STRING_FORMATS.contains(&format)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `links` definitions chained `d0 → d1 → … → d{links-1}`, and `refs` properties that each
    /// point to `d0`.
    fn chained(links: usize, refs: usize) -> Value {
        let defs: Map<String, Value> = (0..links)
            .map(|i| {
                let next = if i + 1 < links {
                    json!({"type": "object", "properties": {"next": {"$ref": format!("#/$defs/d{}", i + 1)}}})
                } else {
                    json!({"type": "string"})
                };
                (format!("d{i}"), next)
            })
            .collect();
        let properties: Map<String, Value> = (0..refs)
            .map(|i| (format!("p{i}"), json!({"$ref": "#/$defs/d0"})))
            .collect();
        json!({"type": "object", "properties": properties, "$defs": defs})
    }

    #[test]
    fn each_referenced_node_is_read_once_however_many_references_point_to_it() {
        // The work is counted, not timed: a return to expanding every reference from scratch
        // (or to scanning the expansion stack at every step) shows up as a count, on any machine.
        for refs in [1, 10, 1_000] {
            let schema = chained(200, refs);
            let mut resolver = RefResolver::new(&schema);
            for i in 0..refs {
                let reference = schema["properties"][format!("p{i}")]["$ref"]
                    .as_str()
                    .unwrap();
                assert_eq!(resolver.inlinable(reference), Ok(()));
            }
            assert_eq!(resolver.nodes_read, 200, "{refs} references");
        }
    }

    #[test]
    fn cycles_long_chains_and_bad_pointers_are_named() {
        let schema = chained(MAX_REF_EXPANSIONS + 1, 1);
        let mut resolver = RefResolver::new(&schema);
        assert_eq!(
            resolver.inlinable("#/$defs/d0"),
            Err("expands to too large a schema")
        );
        // A later definition of the same chain is short enough, and says so.
        assert_eq!(resolver.inlinable("#/$defs/d200"), Ok(()));
        let cyclic = json!({"$defs": {"a": {"properties": {"b": {"$ref": "#/$defs/b"}}},
                                      "b": {"items": {"$ref": "#/$defs/a"}}}});
        let mut resolver = RefResolver::new(&cyclic);
        assert_eq!(resolver.inlinable("#/$defs/a"), Err("is recursive"));
        assert_eq!(resolver.inlinable("#/$defs/b"), Err("is recursive"));
        assert_eq!(resolver.inlinable("#/$defs/zz"), Err("points to nothing"));
        assert_eq!(
            resolver.inlinable("https://x/s.json"),
            Err("is not a local reference (#/…)")
        );
        // A chain far longer than any stack: no overflow, just "too large".
        let long = chained(20_000, 1);
        assert_eq!(
            RefResolver::new(&long).inlinable("#/$defs/d0"),
            Err("expands to too large a schema")
        );
    }
}
