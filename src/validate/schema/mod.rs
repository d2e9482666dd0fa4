//! JSON-Schema checks for tool parameters and structured-output schemas, per dialect: plain JSON
//! Schema (structure only), Gemini's OpenAPI subset, and OpenAI strict mode.
//!
//! The predicates here (`GEMINI_KEYWORDS`, [`TypeInfo`], [`ref_is_inlinable`], …) are shared with
//! `schema_repair`, so a repaired schema passes exactly the checks that flagged it.

mod walker;

pub(super) use walker::check_schema;

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

/// Whether the local reference `reference` can be inlined: it resolves inside `root`, and
/// expanding it (and the references it contains) terminates. `Err` says why not.
pub(crate) fn ref_is_inlinable(root: &Value, reference: &str) -> Result<(), &'static str> {
    let mut stack = Vec::new();
    let mut budget = 256;
    expand_ref(root, reference, &mut stack, &mut budget)
}

fn expand_ref<'r>(
    root: &'r Value,
    reference: &'r str,
    stack: &mut Vec<&'r str>,
    budget: &mut usize,
) -> Result<(), &'static str> {
    let Some(pointer) = reference.strip_prefix('#') else {
        return Err("is not a local reference (#/…)");
    };
    if stack.contains(&reference) {
        return Err("is recursive");
    }
    if *budget == 0 {
        return Err("expands to too large a schema");
    }
    *budget -= 1;
    let target = root.pointer(pointer).ok_or("points to nothing")?;
    if !target.is_object() {
        return Err("does not point to a schema object");
    }
    stack.push(reference);
    let mut nested = Vec::new();
    collect_refs(target, &mut nested, 0);
    for inner in nested {
        expand_ref(root, inner, stack, budget)?;
    }
    stack.pop();
    Ok(())
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
