//! Safe schema rewrites: strip or convert what a dialect rejects, recursively, reporting each one.
//!
//! Every rewrite keeps the schema's meaning or loosens it (a dropped `pattern` accepts more values
//! than before); none makes valid arguments invalid. Mirrors the checks in `schema`.

use serde_json::{Map, Value};

use super::report::{push_token, Code, Finding};
use super::schema::{
    gemini_format_allowed, RefResolver, SchemaRules, TypeInfo, GEMINI_KEYWORDS, MAX_SCHEMA_DEPTH,
    STRICT_UNSUPPORTED,
};
use crate::json::Field;
use crate::profile::SchemaDialect;

/// Repairs the schema at `path` in place, appending one entry per rewrite to `repairs`.
pub(super) fn repair_schema(
    schema: &mut Value,
    path: &str,
    rules: SchemaRules,
    repairs: &mut Vec<Finding>,
) {
    // References resolve against the schema as it was, before definitions are stripped.
    let original = (rules.dialect == SchemaDialect::GeminiOpenApi && contains_ref(schema, 0))
        .then(|| schema.clone());
    let mut repairer = Repairer {
        rules,
        original: original.as_ref(),
        refs: original.as_ref().map(RefResolver::new),
        repairs,
        path: path.to_owned(),
    };
    repairer.node(schema, 0);
}

fn contains_ref(value: &Value, depth: usize) -> bool {
    depth <= MAX_SCHEMA_DEPTH
        && match value {
            Value::Object(map) => {
                map.contains_key("$ref") || map.values().any(|item| contains_ref(item, depth + 1))
            }
            Value::Array(items) => items.iter().any(|item| contains_ref(item, depth + 1)),
            _ => false,
        }
}

struct Repairer<'r> {
    rules: SchemaRules,
    original: Option<&'r Value>,
    /// Answers for the original's `$ref`s, each worked out once.
    refs: Option<RefResolver<'r>>,
    repairs: &'r mut Vec<Finding>,
    path: String,
}

/// Keywords that constrain one type family; a multi-type node hands them to the matching branch.
fn family_of(keyword: &str) -> Option<&'static [&'static str]> {
    Some(match keyword {
        "properties"
        | "required"
        | "minProperties"
        | "maxProperties"
        | "propertyOrdering"
        | "additionalProperties" => &["object"],
        "items" | "minItems" | "maxItems" => &["array"],
        "minLength" | "maxLength" | "pattern" | "enum" => &["string"],
        "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" => {
            &["number", "integer"]
        }
        _ => return None,
    })
}

impl Repairer<'_> {
    fn record(&mut self, code: Code, keyword: Option<&str>, message: String) {
        let mut path = self.path.clone();
        if let Some(keyword) = keyword {
            push_token(&mut path, keyword);
        }
        self.repairs.push(Finding {
            code,
            path,
            message,
        });
    }

    fn descend(&mut self, tokens: &[&str], node: &mut Value, depth: usize) {
        let length = self.path.len();
        for token in tokens {
            push_token(&mut self.path, token);
        }
        self.node(node, depth + 1);
        self.path.truncate(length);
    }

    fn node(&mut self, node: &mut Value, depth: usize) {
        if depth > MAX_SCHEMA_DEPTH {
            return;
        }
        let Value::Object(map) = node else { return };
        if self.rules.dialect == SchemaDialect::GeminiOpenApi {
            self.gemini_node(map);
        } else {
            self.json_schema_node(map);
        }
        self.children(map, depth);
    }

    fn children(&mut self, map: &mut Map<String, Value>, depth: usize) {
        // Like the checks, do not descend into tuple-form items where the dialect rejects them.
        let tuples_allowed =
            self.rules.dialect != SchemaDialect::GeminiOpenApi && !self.rules.strict;
        for (keyword, value) in map.iter_mut() {
            if keyword == "items" && value.is_array() && !tuples_allowed {
                continue;
            }
            match (keyword.as_str(), value) {
                ("properties" | "$defs" | "definitions", Value::Object(entries)) => {
                    for (name, entry) in entries.iter_mut() {
                        self.descend(&[keyword, name], entry, depth);
                    }
                }
                ("items" | "additionalProperties", entry @ Value::Object(_)) => {
                    self.descend(&[keyword], entry, depth)
                }
                ("items" | "anyOf" | "oneOf" | "allOf", Value::Array(branches)) => {
                    for (index, branch) in branches.iter_mut().enumerate() {
                        self.descend(&[keyword, &index.to_string()], branch, depth);
                    }
                }
                _ => {}
            }
        }
    }

    fn json_schema_node(&mut self, map: &mut Map<String, Value>) {
        if matches!(map.field("properties"), Some(Value::Array(items)) if items.is_empty()) {
            map.insert("properties".into(), Value::Object(Map::new()));
            self.record(
                Code::SchemaPropertiesIsArray,
                Some("properties"),
                "replaced \"properties\": [] with {}".into(),
            );
        }
        if !self.rules.strict {
            return;
        }
        for keyword in STRICT_UNSUPPORTED {
            if map.remove(*keyword).is_some() {
                self.record(
                    Code::SchemaKeywordUnsupported,
                    Some(keyword),
                    format!("removed \"{keyword}\" (not supported in strict mode)"),
                );
            }
        }
        self.drop_unknown_required(map);
    }

    fn gemini_node(&mut self, map: &mut Map<String, Value>) {
        self.inline_refs(map);
        self.collapse_type_array(map);
        self.convert_keywords(map);
        for keyword in map.keys().cloned().collect::<Vec<_>>() {
            if GEMINI_KEYWORDS.contains(&keyword.as_str())
                || keyword == "allOf"
                || keyword == "$ref"
            {
                continue;
            }
            map.remove(&keyword);
            self.record(
                Code::SchemaKeywordUnsupported,
                Some(&keyword),
                format!("removed \"{keyword}\" (Gemini rejects it)"),
            );
        }
        let effective = TypeInfo::of(map).effective().map(str::to_owned);
        self.fix_enum_and_format(map, effective.as_deref());
        self.fix_properties(map, effective.as_deref());
        self.drop_unknown_required(map);
    }

    fn inline_refs(&mut self, map: &mut Map<String, Value>) {
        let Some(original) = self.original else {
            return;
        };
        for _ in 0..32 {
            let Some(Value::String(reference)) = map.field("$ref") else {
                return;
            };
            let reference = reference.clone();
            let Some(refs) = self.refs.as_mut() else {
                return;
            };
            let target = match refs.inlinable(&reference) {
                Ok(()) => original
                    .pointer(&reference[1..])
                    .and_then(Value::as_object)
                    .cloned(),
                Err(_) => None,
            };
            let Some(target) = target else { return };
            map.remove("$ref");
            for (key, value) in target {
                map.entry(key).or_insert(value);
            }
            self.record(
                Code::SchemaRefUnsupported,
                Some("$ref"),
                format!("inlined \"$ref\": \"{reference}\" (Gemini does not resolve references)"),
            );
        }
    }

    fn collapse_type_array(&mut self, map: &mut Map<String, Value>) {
        let TypeInfo::Many { single } = TypeInfo::of(map) else {
            return;
        };
        let single = single.map(str::to_owned);
        let Some(Value::Array(names)) = map.remove("type") else {
            return;
        };
        let nullable = names.iter().any(|name| name == "null");
        let shown = Value::Array(names.clone()).to_string();
        if nullable {
            map.insert("nullable".into(), Value::Bool(true));
        }
        if let Some(single) = single {
            map.insert("type".into(), Value::String(single.to_owned()));
            let note = if nullable {
                " and \"nullable\": true"
            } else {
                ""
            };
            self.record(
                Code::SchemaTypeArray,
                Some("type"),
                format!("replaced \"type\": {shown} with \"{single}\"{note}"),
            );
            return;
        }
        let types: Vec<&str> = names
            .iter()
            .filter_map(Value::as_str)
            .filter(|name| *name != "null")
            .collect();
        if map.contains_key("anyOf") {
            self.record(
                Code::SchemaTypeArray,
                Some("type"),
                format!("removed \"type\": {shown} (the existing anyOf constrains the value)"),
            );
            return;
        }
        let mut branches: Vec<Map<String, Value>> = types
            .iter()
            .map(|name| Map::from_iter([("type".to_owned(), Value::String((*name).to_owned()))]))
            .collect();
        for keyword in map.keys().cloned().collect::<Vec<_>>() {
            let Some(family) = family_of(&keyword) else {
                continue;
            };
            let Some(value) = map.remove(&keyword) else {
                continue;
            };
            for (branch, name) in branches.iter_mut().zip(&types) {
                if family.contains(name) {
                    branch.insert(keyword.clone(), value.clone());
                }
            }
        }
        if let Some(format) = map.remove("format") {
            let target = if types.contains(&"string") {
                "string"
            } else {
                "number"
            };
            for (branch, name) in branches.iter_mut().zip(&types) {
                if *name == target || (target == "number" && *name == "integer") {
                    branch.insert("format".into(), format.clone());
                }
            }
        }
        map.insert(
            "anyOf".into(),
            Value::Array(branches.into_iter().map(Value::Object).collect()),
        );
        self.record(
            Code::SchemaTypeArray,
            Some("type"),
            format!("replaced \"type\": {shown} with anyOf one branch per type"),
        );
    }

    fn convert_keywords(&mut self, map: &mut Map<String, Value>) {
        if let Some(branches) = map.remove("oneOf") {
            if map.contains_key("anyOf") {
                self.record(
                    Code::SchemaKeywordUnsupported,
                    Some("oneOf"),
                    "removed \"oneOf\" (Gemini rejects it; anyOf is already present)".into(),
                );
            } else {
                map.insert("anyOf".into(), branches);
                self.record(
                    Code::SchemaKeywordUnsupported,
                    Some("oneOf"),
                    "renamed \"oneOf\" to \"anyOf\" (Gemini supports only anyOf)".into(),
                );
            }
        }
        if let Some(constant) = map.remove("const") {
            let stringy = matches!(TypeInfo::of(map).effective(), None | Some("string"));
            if constant.is_string() && stringy && !map.contains_key("enum") {
                map.insert("enum".into(), Value::Array(vec![constant]));
                self.record(
                    Code::SchemaKeywordUnsupported,
                    Some("const"),
                    "replaced \"const\" with a one-value \"enum\"".into(),
                );
            } else {
                self.record(
                    Code::SchemaKeywordUnsupported,
                    Some("const"),
                    "removed \"const\" (Gemini rejects it)".into(),
                );
            }
        }
        for (exclusive, inclusive) in [
            ("exclusiveMinimum", "minimum"),
            ("exclusiveMaximum", "maximum"),
        ] {
            let Some(bound) = map.remove(exclusive) else {
                continue;
            };
            if bound.is_number() && !map.contains_key(inclusive) {
                map.insert(inclusive.into(), bound);
                self.record(Code::SchemaKeywordUnsupported, Some(exclusive), format!("replaced \"{exclusive}\" with \"{inclusive}\" (the bound itself is now allowed)"));
            } else {
                self.record(
                    Code::SchemaKeywordUnsupported,
                    Some(exclusive),
                    format!("removed \"{exclusive}\" (Gemini rejects it)"),
                );
            }
        }
    }

    fn fix_enum_and_format(&mut self, map: &mut Map<String, Value>, effective: Option<&str>) {
        if matches!(map.field("enum"), Some(Value::Array(values)) if values.is_empty()) {
            map.remove("enum");
            self.record(
                Code::SchemaEnumEmpty,
                Some("enum"),
                "removed the empty \"enum\"".into(),
            );
        }
        let has_values =
            matches!(map.field("enum"), Some(Value::Array(values)) if !values.is_empty());
        let Some(format) = map.field("format") else {
            return;
        };
        let (code, reason) = match format.as_str() {
            Some("enum") if !has_values => (
                Code::SchemaFormatEnumWithoutValues,
                "\"format\": \"enum\" without values",
            ),
            Some(name) if gemini_format_allowed(name, effective) => return,
            _ => (
                Code::SchemaFormatUnsupported,
                "Gemini supports only enum and date-time string formats",
            ),
        };
        let shown = format.to_string();
        map.remove("format");
        self.record(
            code,
            Some("format"),
            format!("removed \"format\": {shown} ({reason})"),
        );
    }

    fn fix_properties(&mut self, map: &mut Map<String, Value>, effective: Option<&str>) {
        if matches!(map.field("properties"), Some(Value::Array(items)) if items.is_empty()) {
            map.remove("properties");
            self.record(
                Code::SchemaPropertiesIsArray,
                Some("properties"),
                "removed \"properties\": [] (an empty list, not a map)".into(),
            );
        }
        if let Some(kind) = effective.filter(|kind| *kind != "object") {
            for keyword in ["properties", "required"] {
                if map.remove(keyword).is_some() {
                    self.record(
                        Code::SchemaPropertiesOnNonObject,
                        Some(keyword),
                        format!("removed \"{keyword}\" from a {kind} schema"),
                    );
                }
            }
            return;
        }
        match map.field("properties") {
            Some(Value::Object(properties)) if properties.is_empty() => {
                map.remove("properties");
                self.record(
                    Code::SchemaEmptyProperties,
                    Some("properties"),
                    "removed the empty \"properties\"".into(),
                );
            }
            Some(Value::Object(_)) if effective.is_none() && !map.contains_key("type") => {
                map.insert("type".into(), Value::String("object".into()));
                self.record(
                    Code::SchemaMissingObjectType,
                    None,
                    "added \"type\": \"object\" to a schema with properties".into(),
                );
            }
            _ => {}
        }
    }

    /// Drops `required` entries that name no property (Gemini and strict mode reject them).
    fn drop_unknown_required(&mut self, map: &mut Map<String, Value>) {
        let gemini = self.rules.dialect == SchemaDialect::GeminiOpenApi;
        let Some(Value::Array(names)) = map.field("required") else {
            return;
        };
        if !names.iter().all(Value::is_string) {
            return;
        }
        let known = |name: &Value| matches!(map.field("properties"), Some(Value::Object(properties)) if properties.contains_key(name.as_str().unwrap_or_default()));
        let unknown: Vec<(usize, String)> = names
            .iter()
            .enumerate()
            .filter(|(_, name)| !known(name))
            .map(|(index, name)| (index, name.as_str().unwrap_or_default().to_owned()))
            .collect();
        if unknown.is_empty() {
            return;
        }
        let kept: Vec<Value> = names.iter().filter(|name| known(name)).cloned().collect();
        for (index, name) in &unknown {
            let mut path = self.path.clone();
            push_token(&mut path, "required");
            push_token(&mut path, &index.to_string());
            self.repairs.push(Finding {
                code: Code::SchemaRequiredUnknownProperty,
                path,
                message: format!("removed \"{name}\" from \"required\": no such property"),
            });
        }
        if kept.is_empty() && gemini {
            map.remove("required");
        } else {
            map.insert("required".into(), Value::Array(kept));
        }
    }
}
