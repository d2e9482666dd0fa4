//! The schema walk: one recursive pass over a schema, reporting what the dialect rejects.

use serde_json::{Map, Value};

use super::{
    gemini_format_allowed, RefResolver, SchemaRules, TypeInfo, GEMINI_KEYWORDS, MAX_SCHEMA_DEPTH,
    STRICT_UNSUPPORTED, TYPE_NAMES,
};
use crate::json::Field;
use crate::validate::report::{join, push_token, show, Code, Findings, Severity};

/// Checks the schema at `path` (a tool's `parameters` or a response format's `schema`).
pub(in crate::validate) fn check_schema(
    path: &str,
    schema: &Value,
    rules: SchemaRules,
    findings: &mut Findings,
) {
    let mut walker = Walker {
        rules,
        refs: RefResolver::new(schema),
        findings,
        path: path.to_owned(),
    };
    walker.node(schema, 0);
}

struct Walker<'a, 'f> {
    rules: SchemaRules,
    /// Answers for the root's `$ref`s, each worked out once.
    refs: RefResolver<'a>,
    findings: &'f mut Findings,
    /// JSON Pointer of the node being checked; extended and truncated as the walk descends.
    path: String,
}

impl<'a> Walker<'a, '_> {
    fn at(&self, token: &str) -> String {
        join(&self.path, token)
    }

    fn descend(&mut self, tokens: &[&str], node: &'a Value, depth: usize) {
        let length = self.path.len();
        for token in tokens {
            push_token(&mut self.path, token);
        }
        self.node(node, depth + 1);
        self.path.truncate(length);
    }

    fn node(&mut self, node: &'a Value, depth: usize) {
        let Some(map) = node.as_object() else {
            if node.is_boolean() && !self.rules.gemini() {
                return;
            }
            self.findings.add(
                self.rules.structural,
                Code::SchemaNotObject,
                self.path.clone(),
                format!(
                    "a schema must be an object such as {{\"type\": \"string\"}}, not {}",
                    show(node)
                ),
            );
            return;
        };
        if depth > MAX_SCHEMA_DEPTH {
            self.findings.error(
                Code::SchemaTooDeep,
                self.path.clone(),
                format!("the schema nests deeper than {MAX_SCHEMA_DEPTH} levels; flatten it"),
            );
            return;
        }
        let types = TypeInfo::of(map);
        self.check_type(map, types);
        self.check_keywords(map);
        self.check_properties(map, types, depth);
        self.check_items(map, types, depth);
        for combinator in ["anyOf", "oneOf", "allOf"] {
            if let Some(branches) = map.get(combinator) {
                self.check_branches(combinator, branches, depth);
            }
        }
        if self.rules.gemini() {
            self.check_gemini_values(map, types);
        } else if let Some(extra @ Value::Object(_)) = map.field("additionalProperties") {
            self.descend(&["additionalProperties"], extra, depth);
        }
        for definitions in ["$defs", "definitions"] {
            if let Some(Value::Object(entries)) = map.get(definitions) {
                for (name, entry) in entries {
                    self.descend(&[definitions, name], entry, depth);
                }
            }
        }
        if self.rules.strict {
            self.check_strict_object(map, types);
        }
    }

    fn check_type(&mut self, map: &Map<String, Value>, types: TypeInfo<'_>) {
        match types {
            TypeInfo::Invalid => {
                let value = map.field("type").map(show).unwrap_or_default();
                self.findings.add(
                    self.rules.structural,
                    Code::SchemaInvalidType,
                    self.at("type"),
                    format!(
                        "\"type\" {value} is not a JSON-Schema type; use one of {}",
                        TYPE_NAMES.join(", ")
                    ),
                );
            }
            TypeInfo::Many { .. } if self.rules.gemini() => {
                let value = map.field("type").map(show).unwrap_or_default();
                self.findings.error(
                    Code::SchemaTypeArray,
                    self.at("type"),
                    format!(
                        "Gemini takes one type per schema, not {value} (\"Proto field is not repeating, cannot start list\"); \
                         use a single type with \"nullable\": true, or anyOf"
                    ),
                );
            }
            _ => {}
        }
    }

    fn check_keywords(&mut self, map: &Map<String, Value>) {
        let gemini = self.rules.gemini();
        for key in map.keys() {
            let key = key.as_str();
            let unsupported = if gemini {
                !GEMINI_KEYWORDS.contains(&key)
            } else {
                self.rules.strict && (STRICT_UNSUPPORTED.contains(&key) || key == "allOf")
            };
            if !unsupported {
                continue;
            }
            match key {
                "$ref" if gemini => self.check_ref(map),
                "allOf" => self.findings.error(
                    Code::SchemaCombinatorUnsupported,
                    self.at(key),
                    format!(
                        "{} does not support allOf; merge the subschemas into one",
                        self.dialect_name()
                    ),
                ),
                _ => {
                    let fix = keyword_fix(key, gemini);
                    self.findings.error(
                        Code::SchemaKeywordUnsupported,
                        self.at(key),
                        format!(
                            "{} rejects the keyword \"{key}\" (Unknown name \"{key}\"); {fix}",
                            self.dialect_name()
                        ),
                    );
                }
            }
        }
    }

    fn dialect_name(&self) -> &'static str {
        if self.rules.gemini() {
            "Gemini"
        } else {
            "OpenAI strict mode"
        }
    }

    fn check_ref(&mut self, map: &Map<String, Value>) {
        let reference = map.field("$ref").and_then(Value::as_str).unwrap_or("");
        match self.refs.inlinable(reference) {
            Ok(()) => self.findings.error(
                Code::SchemaRefUnsupported,
                self.at("$ref"),
                format!("Gemini does not resolve \"$ref\": \"{reference}\"; inline the referenced schema"),
            ),
            Err(reason) => self.findings.error(
                Code::SchemaRefUnresolvable,
                self.at("$ref"),
                format!("\"$ref\": \"{reference}\" {reason}, and Gemini does not resolve references; rewrite the schema without it"),
            ),
        }
    }

    fn check_properties(&mut self, map: &'a Map<String, Value>, types: TypeInfo<'_>, depth: usize) {
        let gemini = self.rules.gemini();
        let effective = types.effective();
        let non_object = gemini && effective.is_some_and(|name| name != "object");
        let property_names: Option<&Map<String, Value>> = match map.field("properties") {
            None => None,
            Some(Value::Object(properties)) => {
                if non_object {
                    self.non_object("properties", effective);
                } else if gemini
                    && properties.is_empty()
                    && !matches!(types, TypeInfo::Many { single: None })
                {
                    self.findings.error(
                        Code::SchemaEmptyProperties,
                        self.at("properties"),
                        "Gemini rejects empty \"properties\" (\"should be non-empty for OBJECT type\"); drop the key".into(),
                    );
                } else if gemini && types == TypeInfo::Absent {
                    self.findings.error(
                        Code::SchemaMissingObjectType,
                        self.path.clone(),
                        "Gemini only allows \"properties\" on a schema with \"type\": \"object\"; add it".into(),
                    );
                }
                for (name, property) in properties {
                    self.descend(&["properties", name], property, depth);
                }
                Some(properties)
            }
            Some(Value::Array(items)) if items.is_empty() => {
                self.findings.add(
                    self.rules.structural.max_with(gemini),
                    Code::SchemaPropertiesIsArray,
                    self.at("properties"),
                    "\"properties\" is [] (an empty array, as PHP encodes empty maps); it must be an object {}".into(),
                );
                None
            }
            Some(other) => {
                self.findings.add(
                    self.rules.structural,
                    Code::SchemaInvalidProperties,
                    self.at("properties"),
                    format!(
                        "\"properties\" must be an object mapping names to schemas, not {}",
                        show(other)
                    ),
                );
                None
            }
        };
        match map.field("required") {
            None => {}
            Some(Value::Array(names)) if names.iter().all(Value::is_string) => {
                if non_object {
                    self.non_object("required", effective);
                    return;
                }
                for (index, name) in names.iter().enumerate() {
                    let name = name.as_str().unwrap_or_default();
                    if property_names.is_some_and(|properties| properties.contains_key(name)) {
                        continue;
                    }
                    self.findings.add(
                        Severity::error_if(gemini || self.rules.strict),
                        Code::SchemaRequiredUnknownProperty,
                        format!("{}/{index}", self.at("required")),
                        format!("\"required\" names \"{name}\", which is not in \"properties\"; drop it from required"),
                    );
                }
            }
            Some(other) => self.findings.add(
                self.rules.structural,
                Code::SchemaInvalidRequired,
                self.at("required"),
                format!(
                    "\"required\" must be an array of property names, not {}",
                    show(other)
                ),
            ),
        }
    }

    fn non_object(&mut self, keyword: &str, effective: Option<&str>) {
        self.findings.error(
            Code::SchemaPropertiesOnNonObject,
            self.at(keyword),
            format!(
                "Gemini allows \"{keyword}\" only on objects (\"only allowed for OBJECT type\") but this schema is {}; drop it",
                effective.unwrap_or("untyped")
            ),
        );
    }

    fn check_items(&mut self, map: &'a Map<String, Value>, types: TypeInfo<'_>, depth: usize) {
        let tuple_rejected = self.rules.gemini() || self.rules.strict;
        match map.field("items") {
            None => {
                if self.rules.gemini() && types.effective() == Some("array") {
                    self.findings.error(
                        Code::SchemaArrayMissingItems,
                        self.path.clone(),
                        "Gemini requires \"items\" on an array schema; add \"items\": {\"type\": …}".into(),
                    );
                }
            }
            Some(items @ Value::Object(_)) => self.descend(&["items"], items, depth),
            Some(Value::Array(tuple)) if !tuple_rejected => {
                for (index, item) in tuple.iter().enumerate() {
                    self.descend(&["items", &index.to_string()], item, depth);
                }
            }
            Some(Value::Bool(_)) if !tuple_rejected => {}
            Some(other) => self.findings.add(
                if tuple_rejected {
                    Severity::Error
                } else {
                    self.rules.structural
                },
                Code::SchemaInvalidItems,
                self.at("items"),
                format!("\"items\" must be one schema object, not {}", show(other)),
            ),
        }
    }

    fn check_branches(&mut self, combinator: &str, branches: &'a Value, depth: usize) {
        match branches {
            Value::Array(list) if !list.is_empty() => {
                for (index, branch) in list.iter().enumerate() {
                    self.descend(&[combinator, &index.to_string()], branch, depth);
                }
            }
            other => self.findings.add(
                self.rules.structural,
                Code::SchemaNotObject,
                self.at(combinator),
                format!(
                    "\"{combinator}\" must be a non-empty array of schemas, not {}",
                    show(other)
                ),
            ),
        }
    }

    fn check_gemini_values(&mut self, map: &Map<String, Value>, types: TypeInfo<'_>) {
        let effective = types.effective();
        let enum_values = map.field("enum");
        match enum_values {
            Some(Value::Array(values)) if values.is_empty() => self.findings.error(
                Code::SchemaEnumEmpty,
                self.at("enum"),
                "\"enum\" is empty (Gemini: \"should be non-empty for STRING type with enum format\"); drop it".into(),
            ),
            Some(Value::Array(values)) => {
                let strings = values.iter().all(Value::is_string);
                // A multi-type node is split into anyOf branches first (schema_type_array); the string
                // branch then takes the enum.
                let typed_ok = matches!(types, TypeInfo::Many { single: None }) || matches!(effective, None | Some("string"));
                if !strings || !typed_ok {
                    self.findings.error(
                        Code::SchemaEnumNotStrings,
                        self.at("enum"),
                        "Gemini supports \"enum\" only for strings; use a string type with string values, or describe \
                         the allowed values in \"description\""
                            .into(),
                    );
                }
            }
            Some(other) => self.findings.error(
                Code::SchemaEnumNotStrings,
                self.at("enum"),
                format!("\"enum\" must be an array of strings, not {}", show(other)),
            ),
            None => {}
        }
        let Some(format) = map.field("format") else {
            return;
        };
        let has_values = matches!(enum_values, Some(Value::Array(values)) if !values.is_empty());
        match format.as_str() {
            Some("enum") if !has_values => self.findings.error(
                Code::SchemaFormatEnumWithoutValues,
                self.at("format"),
                "\"format\": \"enum\" needs a non-empty \"enum\" (Gemini 3 rejects it); drop the format".into(),
            ),
            Some(name) if gemini_format_allowed(name, effective) => {}
            _ => self.findings.error(
                Code::SchemaFormatUnsupported,
                self.at("format"),
                format!(
                    "Gemini supports only 'enum' and 'date-time' formats for strings, not {}; drop \"format\" (mention it in the description)",
                    show(format)
                ),
            ),
        }
    }

    fn check_strict_object(&mut self, map: &Map<String, Value>, types: TypeInfo<'_>) {
        let is_object = types.effective() == Some("object")
            || matches!(map.field("type"), Some(Value::Array(names)) if names.iter().any(|n| n == "object"))
            || map.contains_key("properties");
        if !is_object {
            return;
        }
        if map.field("additionalProperties") != Some(&Value::Bool(false)) {
            self.findings.error(
                Code::StrictSchemaAdditionalProperties,
                self.path.clone(),
                "strict mode requires \"additionalProperties\": false on every object; add it (or turn strict off)".into(),
            );
        }
        let Some(Value::Object(properties)) = map.field("properties") else {
            return;
        };
        let required: Vec<&str> = match map.field("required") {
            Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let missing: Vec<&str> = properties
            .keys()
            .map(String::as_str)
            .filter(|name| !required.contains(name))
            .collect();
        if !missing.is_empty() {
            self.findings.error(
                Code::StrictSchemaRequired,
                self.path.clone(),
                format!(
                    "strict mode requires every property in \"required\"; add {} (make optional ones nullable with \"type\": [\"…\", \"null\"])",
                    missing.iter().map(|name| format!("\"{name}\"")).collect::<Vec<_>>().join(", ")
                ),
            );
        }
    }
}

impl Severity {
    /// `Error` when `force` is set, else `self`.
    fn max_with(self, force: bool) -> Severity {
        if force {
            Severity::Error
        } else {
            self
        }
    }
}

/// What to do about an unsupported keyword, for the message.
fn keyword_fix(key: &str, gemini: bool) -> &'static str {
    match key {
        "const" if gemini => "use \"enum\": [value] for a string, or drop it",
        "exclusiveMinimum" | "exclusiveMaximum" if gemini => "use minimum/maximum instead",
        "oneOf" if gemini => "use anyOf",
        "$defs" | "definitions" => "inline the definitions where they are referenced",
        _ => "drop it (describe the constraint in \"description\" if it matters)",
    }
}
