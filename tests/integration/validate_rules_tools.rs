//! Each tool-definition and schema rule fires on its target shape and not on its legal neighbour.

use crate::validate_checks::*;
use llmwire::provider::Provider::{Anthropic, Gemini, Generic, OpenAI, Vllm};
use llmwire::validate::Code;
use serde_json::{json, Value};

fn with_tools(model: &str, tools: Value) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": "go"}], "tools": tools})
}

fn function(name: &str, parameters: Value) -> Value {
    json!({"type": "function", "function": {"name": name, "description": "d", "parameters": parameters}})
}

/// A one-tool request whose parameters are `{type: object, properties: {p: <schema>}}`.
fn with_property(model: &str, schema: Value) -> Value {
    with_tools(
        model,
        json!([function(
            "f",
            json!({"type": "object", "properties": {"p": schema}})
        )]),
    )
}

const P: &str = "/tools/0/function/parameters/properties/p";

fn gemini(schema: Value) -> llmwire::validate::Report {
    check(Gemini, &with_property("gemini-2.5-flash", schema))
}

#[test]
fn tools_must_be_a_non_empty_array() {
    assert_error_at(
        &check(OpenAI, &with_tools("gpt-4o", json!({}))),
        Code::InvalidTools,
        "/tools",
    );
    assert_error_at(
        &check(OpenAI, &with_tools("gpt-4o", json!([]))),
        Code::InvalidTools,
        "/tools",
    );
    assert_warning_at(
        &check(Generic, &with_tools("m", json!([]))),
        Code::InvalidTools,
        "/tools",
    );
}

#[test]
fn a_tool_needs_a_function_with_a_name() {
    let report = check(
        OpenAI,
        &with_tools(
            "gpt-4o",
            json!([{"type": "function"}, {"type": "function", "function": {"description": "x"}}, 7]),
        ),
    );
    assert_error_at(&report, Code::InvalidTool, "/tools/0/function");
    assert_error_at(&report, Code::InvalidTool, "/tools/1/function/name");
    assert_error_at(&report, Code::InvalidTool, "/tools/2");
}

#[test]
fn non_function_tools_are_rejected_by_gemini() {
    let tools = json!([{"type": "google_search", "google_search": {}}, function("f", json!({"type": "object", "properties": {"a": {"type": "string"}}}))]);
    assert_error_at(
        &check(Gemini, &with_tools("gemini-2.0-flash", tools)),
        Code::UnsupportedToolType,
        "/tools/0/type",
    );
    let custom = json!([{"type": "custom", "custom": {"name": "grammar"}}]);
    assert_silent(
        &check(OpenAI, &with_tools("gpt-5", custom)),
        Code::UnsupportedToolType,
    );
}

#[test]
fn tool_names_follow_openai_s_rule_on_openai() {
    let report = check(
        OpenAI,
        &with_tools(
            "gpt-4o",
            json!([function("mcp.server.read", json!({"type": "object"}))]),
        ),
    );
    assert_error_at(&report, Code::InvalidToolName, "/tools/0/function/name");
    assert!(
        report.errors[0].message.contains("mcp_server_read"),
        "{}",
        report.errors[0].message
    );
    assert_ok(&check(
        OpenAI,
        &with_tools(
            "gpt-4o",
            json!([function("mcp-server_read", json!({"type": "object"}))]),
        ),
    ));
}

#[test]
fn tool_names_follow_gemini_s_rule_on_gemini() {
    let dotted = json!([function(
        "server.read_file",
        json!({"type": "object", "properties": {"a": {"type": "string"}}})
    )]);
    assert_ok(&check(Gemini, &with_tools("gemini-2.5-flash", dotted)));
    let digit = json!([function(
        "1password",
        json!({"type": "object", "properties": {"a": {"type": "string"}}})
    )]);
    assert_error_at(
        &check(Gemini, &with_tools("gemini-2.5-flash", digit)),
        Code::InvalidToolName,
        "/tools/0/function/name",
    );
    let colon = json!([function(
        "server:read",
        json!({"type": "object", "properties": {"a": {"type": "string"}}})
    )]);
    assert_warning_at(
        &check(Gemini, &with_tools("gemini-2.5-flash", colon)),
        Code::InvalidToolName,
        "/tools/0/function/name",
    );
    let long = json!([function(
        &"a".repeat(65),
        json!({"type": "object", "properties": {"a": {"type": "string"}}})
    )]);
    assert_error_at(
        &check(Gemini, &with_tools("gemini-2.5-flash", long)),
        Code::InvalidToolName,
        "/tools/0/function/name",
    );
}

#[test]
fn local_servers_only_warn_about_tool_names() {
    let report = check(
        Vllm,
        &with_tools("m", json!([function("a b", json!({"type": "object"}))])),
    );
    assert!(report.ok);
    assert_warning_at(&report, Code::InvalidToolName, "/tools/0/function/name");
}

#[test]
fn duplicate_tool_names_are_errors_on_gemini() {
    let object = json!({"type": "object", "properties": {"a": {"type": "string"}}});
    let tools = json!([function("f", object.clone()), function("f", object)]);
    assert_error_at(
        &check(Gemini, &with_tools("gemini-2.5-flash", tools.clone())),
        Code::DuplicateToolName,
        "/tools/1/function/name",
    );
    assert_warning_at(
        &check(OpenAI, &with_tools("gpt-4o", tools)),
        Code::DuplicateToolName,
        "/tools/1/function/name",
    );
}

#[test]
fn unknown_keys_in_a_function_declaration_are_rejected_by_gemini() {
    let tools = json!([{"type": "function", "function": {"name": "f", "tools": [], "parameters": {"type": "object", "properties": {"a": {"type": "string"}}}}}]);
    assert_error_at(
        &check(Gemini, &with_tools("gemini-2.5-flash", tools.clone())),
        Code::UnknownFunctionKey,
        "/tools/0/function/tools",
    );
    assert_silent(
        &check(OpenAI, &with_tools("gpt-4o", tools)),
        Code::UnknownFunctionKey,
    );
}

#[test]
fn parameters_must_be_an_object_schema() {
    let report = check(
        OpenAI,
        &with_tools(
            "gpt-4o",
            json!([
                function("f", json!("string")),
                function("g", json!({"type": "string"}))
            ]),
        ),
    );
    assert_error_at(
        &report,
        Code::InvalidToolParameters,
        "/tools/0/function/parameters",
    );
    assert_error_at(
        &report,
        Code::InvalidToolParameters,
        "/tools/1/function/parameters/type",
    );
    let untyped = json!([function(
        "f",
        json!({"properties": {"a": {"type": "string"}}})
    )]);
    assert_error_at(
        &check(OpenAI, &with_tools("gpt-4o", untyped)),
        Code::ToolParametersMissingType,
        "/tools/0/function/parameters",
    );
    assert_ok(&check(
        OpenAI,
        &with_tools("gpt-4o", json!([function("f", json!({}))])),
    ));
}

#[test]
fn anthropic_rejects_combinators_at_the_schema_root() {
    let tools = json!([function(
        "f",
        json!({"type": "object", "anyOf": [{"properties": {"a": {"type": "string"}}}]})
    )]);
    assert_error_at(
        &check(Anthropic, &with_tools("claude-sonnet-4-5", tools)),
        Code::SchemaCombinatorUnsupported,
        "/tools/0/function/parameters/anyOf",
    );
}

#[test]
fn anthropic_ignores_strict_with_a_warning() {
    let tools = json!([{"type": "function", "function": {"name": "f", "strict": true, "parameters": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": false}}}]);
    let report = check(Anthropic, &with_tools("claude-sonnet-4-5", tools));
    assert!(report.ok);
    assert_warning_at(&report, Code::ParamIgnored, "/tools/0/function/strict");
}

#[test]
fn tool_choice_rules() {
    let tools = json!([function("f", json!({"type": "object"}))]);
    let mut request = with_tools("gpt-4o", tools.clone());
    request["tool_choice"] = json!("sometimes");
    assert_error_at(
        &check(OpenAI, &request),
        Code::InvalidToolChoice,
        "/tool_choice",
    );
    request["tool_choice"] = json!({"type": "function", "function": {"name": "g"}});
    assert_error_at(
        &check(OpenAI, &request),
        Code::ToolChoiceUnknownFunction,
        "/tool_choice/function/name",
    );
    request["tool_choice"] = json!({"type": "function", "function": {"name": "f"}});
    assert_ok(&check(OpenAI, &request));
    let bare = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}], "tool_choice": "required"});
    assert_error_at(
        &check(OpenAI, &bare),
        Code::ToolChoiceWithoutTools,
        "/tool_choice",
    );
    let none = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}], "tool_choice": "none"});
    assert_ok(&check(OpenAI, &none));
}

#[test]
fn gemini_rejects_keywords_outside_its_schema_subset() {
    for keyword in [
        "additionalProperties",
        "$schema",
        "$id",
        "propertyNames",
        "patternProperties",
        "const",
        "exclusiveMinimum",
        "oneOf",
        "examples",
        "$comment",
        "not",
    ] {
        let mut schema = json!({"type": "string"});
        schema[keyword] = json!(1);
        let report = gemini(schema);
        assert_error_at(
            &report,
            Code::SchemaKeywordUnsupported,
            &format!("{P}/{keyword}"),
        );
    }
    let allowed = json!({"type": "string", "title": "t", "description": "d", "nullable": true, "enum": ["a"], "pattern": "^a$",
        "minLength": 1, "maxLength": 2, "default": "a", "example": "a"});
    assert_ok(&gemini(allowed));
}

#[test]
fn pointer_tokens_in_schema_paths_are_escaped() {
    let tools = json!([function(
        "f",
        json!({"type": "object", "properties": {"a/b~c": {"type": "string", "const": "x"}}})
    )]);
    let report = check(Gemini, &with_tools("gemini-2.5-flash", tools));
    assert_error_at(
        &report,
        Code::SchemaKeywordUnsupported,
        "/tools/0/function/parameters/properties/a~1b~0c/const",
    );
}

#[test]
fn openai_accepts_the_keywords_gemini_rejects() {
    let schema = json!({"type": "object", "additionalProperties": false, "properties": {"x": {"const": "a"}}, "$schema": "http://json-schema.org/draft-07/schema#"});
    assert_ok(&check(OpenAI, &with_property("gpt-4o", schema)));
}

#[test]
fn gemini_type_arrays_are_errors() {
    assert_error_at(
        &gemini(json!({"type": ["string", "null"]})),
        Code::SchemaTypeArray,
        &format!("{P}/type"),
    );
    assert_error_at(
        &gemini(json!({"type": ["string", "integer"]})),
        Code::SchemaTypeArray,
        &format!("{P}/type"),
    );
    assert_ok(&check(
        OpenAI,
        &with_property("gpt-4o", json!({"type": ["string", "null"]})),
    ));
}

#[test]
fn unknown_type_names_are_errors() {
    assert_error_at(
        &check(OpenAI, &with_property("gpt-4o", json!({"type": "str"}))),
        Code::SchemaInvalidType,
        &format!("{P}/type"),
    );
    assert_error_at(
        &gemini(json!({"type": ["string", 3]})),
        Code::SchemaInvalidType,
        &format!("{P}/type"),
    );
}

#[test]
fn gemini_refs_are_inlinable_or_unresolvable() {
    let tools = json!([function(
        "f",
        json!({"type": "object", "$defs": {"Pt": {"type": "object", "properties": {"x": {"type": "number"}}}},
        "properties": {"a": {"$ref": "#/$defs/Pt"}, "b": {"$ref": "#/$defs/Missing"}, "c": {"$ref": "https://x/schema"}}})
    )]);
    let report = check(Gemini, &with_tools("gemini-2.5-flash", tools));
    let base = "/tools/0/function/parameters";
    assert_error_at(
        &report,
        Code::SchemaRefUnsupported,
        &format!("{base}/properties/a/$ref"),
    );
    assert_error_at(
        &report,
        Code::SchemaRefUnresolvable,
        &format!("{base}/properties/b/$ref"),
    );
    assert_error_at(
        &report,
        Code::SchemaRefUnresolvable,
        &format!("{base}/properties/c/$ref"),
    );
    assert_error_at(
        &report,
        Code::SchemaKeywordUnsupported,
        &format!("{base}/$defs"),
    );
}

#[test]
fn recursive_refs_are_unresolvable_for_gemini() {
    let tools = json!([function(
        "f",
        json!({"type": "object", "$defs": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}}}},
        "properties": {"head": {"$ref": "#/$defs/Node"}}})
    )]);
    let report = check(Gemini, &with_tools("gemini-2.5-flash", tools));
    assert_error_at(
        &report,
        Code::SchemaRefUnresolvable,
        "/tools/0/function/parameters/properties/head/$ref",
    );
}

#[test]
fn gemini_rejects_all_of() {
    assert_error_at(
        &gemini(json!({"allOf": [{"type": "string"}]})),
        Code::SchemaCombinatorUnsupported,
        &format!("{P}/allOf"),
    );
}

#[test]
fn properties_as_an_empty_array_is_an_error() {
    let report = check(
        OpenAI,
        &with_tools(
            "gpt-4o",
            json!([function("f", json!({"type": "object", "properties": []}))]),
        ),
    );
    assert_error_at(
        &report,
        Code::SchemaPropertiesIsArray,
        "/tools/0/function/parameters/properties",
    );
    let report = check(
        OpenAI,
        &with_tools(
            "gpt-4o",
            json!([function("f", json!({"type": "object", "properties": "x"}))]),
        ),
    );
    assert_error_at(
        &report,
        Code::SchemaInvalidProperties,
        "/tools/0/function/parameters/properties",
    );
}

#[test]
fn gemini_allows_properties_only_on_objects() {
    let report = gemini(
        json!({"type": "string", "properties": {"a": {"type": "string"}}, "required": ["a"]}),
    );
    assert_error_at(
        &report,
        Code::SchemaPropertiesOnNonObject,
        &format!("{P}/properties"),
    );
    assert_error_at(
        &report,
        Code::SchemaPropertiesOnNonObject,
        &format!("{P}/required"),
    );
    assert_error_at(
        &gemini(json!({"properties": {"a": {"type": "string"}}})),
        Code::SchemaMissingObjectType,
        P,
    );
    assert_ok(&gemini(
        json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}),
    ));
}

#[test]
fn gemini_rejects_empty_properties() {
    assert_error_at(
        &gemini(json!({"type": "object", "properties": {}})),
        Code::SchemaEmptyProperties,
        &format!("{P}/properties"),
    );
    assert_ok(&gemini(json!({"type": "object"})));
    assert_ok(&check(
        OpenAI,
        &with_property("gpt-4o", json!({"type": "object", "properties": {}})),
    ));
}

#[test]
fn required_must_list_existing_property_names() {
    let schema =
        json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a", "b"]});
    assert_error_at(
        &gemini(schema.clone()),
        Code::SchemaRequiredUnknownProperty,
        &format!("{P}/required/1"),
    );
    assert_warning_at(
        &check(OpenAI, &with_property("gpt-4o", schema)),
        Code::SchemaRequiredUnknownProperty,
        &format!("{P}/required/1"),
    );
    let report = check(
        OpenAI,
        &with_property("gpt-4o", json!({"type": "object", "required": "a"})),
    );
    assert_error_at(
        &report,
        Code::SchemaInvalidRequired,
        &format!("{P}/required"),
    );
}

#[test]
fn gemini_enums_are_non_empty_and_strings_only() {
    assert_error_at(
        &gemini(json!({"type": "integer", "enum": [1, 2]})),
        Code::SchemaEnumNotStrings,
        &format!("{P}/enum"),
    );
    assert_error_at(
        &gemini(json!({"type": "string", "enum": []})),
        Code::SchemaEnumEmpty,
        &format!("{P}/enum"),
    );
    assert_ok(&gemini(json!({"type": "string", "enum": ["a", "b"]})));
    assert_ok(&check(
        OpenAI,
        &with_property("gpt-4o", json!({"type": "integer", "enum": [1, 2]})),
    ));
}

#[test]
fn gemini_string_formats_are_enum_and_date_time_only() {
    assert_error_at(
        &gemini(json!({"type": "string", "format": "uri"})),
        Code::SchemaFormatUnsupported,
        &format!("{P}/format"),
    );
    assert_error_at(
        &gemini(json!({"type": "string", "format": "enum"})),
        Code::SchemaFormatEnumWithoutValues,
        &format!("{P}/format"),
    );
    assert_ok(&gemini(json!({"type": "string", "format": "date-time"})));
    assert_ok(&gemini(
        json!({"type": "string", "format": "enum", "enum": ["a"]}),
    ));
    assert_ok(&gemini(json!({"type": "integer", "format": "int64"})));
}

#[test]
fn items_must_be_one_schema_for_gemini_and_present_on_arrays() {
    assert_error_at(
        &gemini(json!({"type": "array", "items": [{"type": "string"}]})),
        Code::SchemaInvalidItems,
        &format!("{P}/items"),
    );
    assert_error_at(
        &gemini(json!({"type": "array"})),
        Code::SchemaArrayMissingItems,
        P,
    );
    assert_ok(&check(
        OpenAI,
        &with_property("gpt-4o", json!({"type": "array"})),
    ));
}

#[test]
fn subschemas_must_be_objects() {
    assert_error_at(
        &check(OpenAI, &with_property("gpt-4o", json!("string"))),
        Code::SchemaNotObject,
        P,
    );
    assert_ok(&check(OpenAI, &with_property("gpt-4o", json!(true))));
    assert_error_at(&gemini(json!(true)), Code::SchemaNotObject, P);
    assert_error_at(
        &check(OpenAI, &with_property("gpt-4o", json!({"anyOf": []}))),
        Code::SchemaNotObject,
        &format!("{P}/anyOf"),
    );
}

#[test]
fn absurdly_deep_schemas_are_reported_without_overflowing_the_stack() {
    let mut schema = json!({"type": "string"});
    for _ in 0..100 {
        schema = json!({"type": "object", "properties": {"n": schema}});
    }
    let report = check(OpenAI, &with_property("gpt-4o", schema));
    assert!(report.has_error(Code::SchemaTooDeep));
}

fn strict_tool(parameters: Value) -> Value {
    with_tools(
        "gpt-4o",
        json!([{"type": "function", "function": {"name": "f", "strict": true, "parameters": parameters}}]),
    )
}

#[test]
fn openai_strict_mode_requires_closed_objects_with_every_property_required() {
    let open = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "required": ["a"]});
    let report = check(OpenAI, &strict_tool(open.clone()));
    assert_error_at(
        &report,
        Code::StrictSchemaAdditionalProperties,
        "/tools/0/function/parameters",
    );
    assert_error_at(
        &report,
        Code::StrictSchemaRequired,
        "/tools/0/function/parameters",
    );
    // Without strict the same schema is fine.
    assert_ok(&check(
        OpenAI,
        &with_tools("gpt-4o", json!([function("f", open)])),
    ));
    let closed = json!({"type": "object", "properties": {"a": {"type": ["string", "null"]}}, "required": ["a"], "additionalProperties": false});
    assert_ok(&check(OpenAI, &strict_tool(closed)));
}

#[test]
fn openai_strict_mode_rejects_some_keywords() {
    let schema = json!({"type": "object", "properties": {"a": {"type": "array", "items": {"type": "string"}, "uniqueItems": true}},
        "required": ["a"], "additionalProperties": false});
    let report = check(OpenAI, &strict_tool(schema));
    assert_error_at(
        &report,
        Code::SchemaKeywordUnsupported,
        "/tools/0/function/parameters/properties/a/uniqueItems",
    );
}
