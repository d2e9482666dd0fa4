//! Repair mode: each repair on an example, then properties over generated requests (a seeded
//! PRNG builds random requests and schemas full of shapes providers reject).

use std::collections::HashSet;

use crate::validate_checks::*;
use llmwire::provider::Provider::{self, Gemini, Mistral, OpenAI};
use llmwire::validate::{validate, Code, Report, ValidateOptions};
use serde_json::{json, Map, Value};

fn repaired_request(report: &Report) -> &Value {
    report
        .request
        .as_ref()
        .expect("repair mode returns the request")
}

fn repair_codes(report: &Report) -> Vec<Code> {
    report
        .repairs
        .as_ref()
        .expect("repair mode lists repairs")
        .iter()
        .map(|finding| finding.code)
        .collect()
}

fn gemini_tool(parameters: Value) -> Value {
    json!({"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "go"}],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": parameters}}]})
}

fn repaired_parameters(parameters: Value) -> (Report, Value) {
    let report = repair(Gemini, &gemini_tool(parameters));
    let parameters = repaired_request(&report)["tools"][0]["function"]["parameters"].clone();
    (report, parameters)
}

#[test]
fn repair_drops_parameters_gemini_rejects_and_moves_reasoning_to_reasoning_effort() {
    let request = json!({"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hi"}],
        "store": false, "parallel_tool_calls": true, "google": {}, "reasoning": {"effort": "high"}});
    let report = repair(Gemini, &request);
    assert_ok(&report);
    let fixed = repaired_request(&report);
    for key in ["store", "parallel_tool_calls", "google", "reasoning"] {
        assert!(fixed.get(key).is_none(), "{key} kept");
    }
    assert_eq!(fixed["reasoning_effort"], "high");
    assert_eq!(repair_codes(&report), vec![Code::UnsupportedParam; 4]);
}

#[test]
fn repair_maps_minimal_reasoning_effort_to_low_on_gemini_2() {
    let request = json!({"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hi"}], "reasoning_effort": "minimal"});
    let report = repair(Gemini, &request);
    assert_ok(&report);
    assert_eq!(repaired_request(&report)["reasoning_effort"], "low");
    assert_eq!(repair_codes(&report), vec![Code::UnsupportedParamValue]);
}

#[test]
fn repair_renames_max_tokens_both_ways() {
    let request =
        json!({"model": "o3", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 500});
    let report = repair(OpenAI, &request);
    assert_ok(&report);
    assert_eq!(repaired_request(&report)["max_completion_tokens"], 500);
    assert!(repaired_request(&report).get("max_tokens").is_none());
    let request = json!({"model": "mistral-small-latest", "messages": [{"role": "user", "content": "hi"}], "max_completion_tokens": 500});
    let report = repair(Mistral, &request);
    assert_ok(&report);
    assert_eq!(repaired_request(&report)["max_tokens"], 500);
}

#[test]
fn repair_keeps_one_of_two_equal_output_budgets_and_leaves_conflicting_ones() {
    let same = json!({"model": "o3", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 500, "max_completion_tokens": 500});
    let report = repair(OpenAI, &same);
    assert_ok(&report);
    assert_eq!(repaired_request(&report).get("max_tokens"), None);
    let different = json!({"model": "o3", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 500, "max_completion_tokens": 600});
    let report = repair(OpenAI, &different);
    assert!(report.has_error(Code::ConflictingMaxTokens));
    assert_eq!(report.repairs.as_deref(), Some(&[][..]));
}

#[test]
fn repair_drops_sampling_parameters_reasoning_models_reject() {
    let request = json!({"model": "o4-mini", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.1, "top_p": 1});
    let report = repair(OpenAI, &request);
    assert_ok(&report);
    assert!(repaired_request(&report).get("temperature").is_none());
    assert_eq!(repaired_request(&report)["top_p"], 1);
}

#[test]
fn repair_strips_the_models_prefix_on_gemini() {
    let request =
        json!({"model": "models/gemini-2.5-pro", "messages": [{"role": "user", "content": "hi"}]});
    let report = repair(Gemini, &request);
    assert_eq!(repaired_request(&report)["model"], "gemini-2.5-pro");
    assert_eq!(report.model.as_deref(), Some("gemini-2.5-pro"));
    assert!(report.warnings.is_empty());
}

#[test]
fn repair_turns_developer_into_system_where_undocumented() {
    let request = json!({"model": "deepseek-chat", "messages": [{"role": "developer", "content": "brief"}, {"role": "user", "content": "hi"}]});
    let report = repair(Provider::DeepSeek, &request);
    assert_eq!(repaired_request(&report)["messages"][0]["role"], "system");
    let report = repair(
        OpenAI,
        &json!({"model": "gpt-4o", "messages": request["messages"]}),
    );
    assert_eq!(
        repaired_request(&report)["messages"][0]["role"],
        "developer"
    );
}

#[test]
fn repair_drops_unknown_function_declaration_keys_on_gemini() {
    let request = json!({"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "go"}],
        "tools": [{"type": "function", "function": {"name": "f", "tools": [{"name": "inner"}], "x-extra": 1}}]});
    let report = repair(Gemini, &request);
    assert_ok(&report);
    assert_eq!(
        repaired_request(&report)["tools"][0]["function"],
        json!({"name": "f"})
    );
}

#[test]
fn repair_strips_rejected_schema_keywords_recursively() {
    let (report, parameters) = repaired_parameters(
        json!({"$schema": "x", "type": "object", "additionalProperties": false,
        "properties": {"a": {"type": "array", "items": {"type": "object", "additionalProperties": {"type": "string"}, "propertyNames": {}, "properties": {"b": {"type": "string", "pattern": "^b"}}}}}}),
    );
    assert_ok(&report);
    assert_eq!(
        parameters,
        json!({"type": "object", "properties": {"a": {"type": "array", "items": {"type": "object", "properties": {"b": {"type": "string", "pattern": "^b"}}}}}})
    );
    assert_eq!(repair_codes(&report).len(), 4);
}

#[test]
fn repair_collapses_nullable_type_arrays_and_splits_unions() {
    let (report, parameters) = repaired_parameters(json!({"type": "object", "properties": {
        "a": {"type": ["string", "null"], "maxLength": 5},
        "b": {"type": ["string", "integer"], "maxLength": 3, "minimum": 1, "description": "id"},
        "c": {"type": ["object", "null"], "properties": {"x": {"type": "string"}}, "required": ["x"]}}}));
    assert_ok(&report);
    assert_eq!(
        parameters["properties"]["a"],
        json!({"type": "string", "nullable": true, "maxLength": 5})
    );
    assert_eq!(
        parameters["properties"]["b"],
        json!({"description": "id", "anyOf": [{"type": "string", "maxLength": 3}, {"type": "integer", "minimum": 1}]})
    );
    assert_eq!(
        parameters["properties"]["c"],
        json!({"type": "object", "nullable": true, "properties": {"x": {"type": "string"}}, "required": ["x"]})
    );
}

#[test]
fn repair_converts_const_exclusive_bounds_and_one_of() {
    let (report, parameters) = repaired_parameters(json!({"type": "object", "properties": {
        "mode": {"oneOf": [{"type": "string", "const": "fast"}, {"type": "integer", "const": 3}]},
        "n": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10, "maximum": 9}}}));
    assert_ok(&report);
    assert_eq!(
        parameters["properties"]["mode"],
        json!({"anyOf": [{"type": "string", "enum": ["fast"]}, {"type": "integer"}]})
    );
    assert_eq!(
        parameters["properties"]["n"],
        json!({"type": "integer", "minimum": 0, "maximum": 9})
    );
}

#[test]
fn repair_inlines_local_refs_and_reports_recursive_ones() {
    let (report, parameters) = repaired_parameters(
        json!({"type": "object", "$defs": {"Pt": {"type": "object", "properties": {"x": {"type": "number"}}}},
        "properties": {"a": {"$ref": "#/$defs/Pt", "description": "start"}}}),
    );
    assert_ok(&report);
    assert_eq!(
        parameters,
        json!({"type": "object", "properties": {"a": {"type": "object", "description": "start", "properties": {"x": {"type": "number"}}}}})
    );
    let (report, _) = repaired_parameters(
        json!({"type": "object", "$defs": {"N": {"type": "object", "properties": {"next": {"$ref": "#/$defs/N"}}}},
        "properties": {"head": {"$ref": "#/$defs/N"}}}),
    );
    assert!(
        report.has_error(Code::SchemaRefUnresolvable),
        "{:#?}",
        report.errors
    );
}

#[test]
fn repair_fixes_properties_required_enum_and_format_on_gemini() {
    let (report, parameters) = repaired_parameters(json!({"properties": {
        "s": {"type": "string", "properties": {"x": {"type": "string"}}, "required": ["x"], "format": "uri"},
        "e": {"type": "object", "properties": {}, "required": ["ghost"]},
        "f": {"type": "string", "format": "enum", "enum": []},
        "g": {"type": "object", "properties": []}}, "required": ["s", "nope"]}));
    assert_ok(&report);
    assert_eq!(
        parameters,
        json!({"type": "object", "required": ["s"], "properties": {
        "s": {"type": "string"}, "e": {"type": "object"}, "f": {"type": "string"}, "g": {"type": "object"}}})
    );
}

#[test]
fn repair_turns_php_empty_properties_into_an_object_for_openai() {
    let request = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "go"}],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": []}}}]});
    let report = repair(OpenAI, &request);
    assert_ok(&report);
    assert_eq!(
        repaired_request(&report)["tools"][0]["function"]["parameters"]["properties"],
        json!({})
    );
}

#[test]
fn repair_leaves_what_needs_judgement_and_says_so() {
    let request = json!({"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "q"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "user", "content": "next"}]});
    let report = repair(Gemini, &request);
    assert!(!report.ok);
    assert!(report.has_error(Code::ToolCallUnanswered));
    assert_eq!(repaired_request(&report), &request);
}

// ---------------------------------------------------------------------------------------------
// Generated inputs.

/// xorshift64*: small, deterministic, good enough to explore shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "array", "object", "null",
];
const NAMES: &[&str] = &["a", "b", "city", "x/y", "t~1", "deep"];

fn random_type(rng: &mut Rng) -> Value {
    match rng.below(10) {
        0 => json!([rng.pick(TYPES), "null"]),
        1 => json!([rng.pick(TYPES), rng.pick(TYPES)]),
        2 => json!([rng.pick(TYPES), rng.pick(TYPES), "null"]),
        3 => json!("strng"),
        _ => json!(rng.pick(TYPES)),
    }
}

fn random_schema(rng: &mut Rng, depth: usize) -> Value {
    if depth > 4 || rng.chance(8) {
        return match rng.below(4) {
            0 => json!(true),
            1 => {
                json!({"$ref": rng.pick(&["#/$defs/A", "#/$defs/Loop", "#/definitions/B", "#/$defs/Missing", "other.json#"])})
            }
            _ => json!({"type": rng.pick(&["string", "integer"])}),
        };
    }
    let mut node = Map::new();
    if rng.chance(85) {
        node.insert("type".into(), random_type(rng));
    }
    if rng.chance(50) {
        let mut properties = Map::new();
        for _ in 0..rng.below(4) {
            properties.insert((*rng.pick(NAMES)).into(), random_schema(rng, depth + 1));
        }
        let value = if rng.chance(10) {
            json!([])
        } else {
            Value::Object(properties)
        };
        node.insert("properties".into(), value);
        if rng.chance(60) {
            let required: Vec<Value> = (0..rng.below(3)).map(|_| json!(rng.pick(NAMES))).collect();
            node.insert("required".into(), Value::Array(required));
        }
    }
    if rng.chance(30) {
        node.insert(
            "items".into(),
            if rng.chance(15) {
                json!([random_schema(rng, depth + 1)])
            } else {
                random_schema(rng, depth + 1)
            },
        );
    }
    if rng.chance(15) {
        let branches: Vec<Value> = (0..1 + rng.below(3))
            .map(|_| random_schema(rng, depth + 1))
            .collect();
        node.insert(
            (*rng.pick(&["anyOf", "oneOf", "allOf"])).into(),
            Value::Array(branches),
        );
    }
    let extras: &[(&str, Value)] = &[
        ("additionalProperties", json!(false)),
        ("additionalProperties", json!({"type": "string"})),
        ("$schema", json!("http://json-schema.org/draft-07/schema#")),
        ("$id", json!("x")),
        ("propertyNames", json!({"pattern": "^a"})),
        ("patternProperties", json!({"^x": {"type": "string"}})),
        ("const", json!("fixed")),
        ("const", json!(7)),
        ("exclusiveMinimum", json!(0)),
        ("exclusiveMaximum", json!(true)),
        ("minimum", json!(1)),
        ("format", json!("uri")),
        ("format", json!("date-time")),
        ("format", json!("enum")),
        ("format", json!("int64")),
        ("enum", json!([])),
        ("enum", json!(["a", "b"])),
        ("enum", json!([1, 2])),
        ("uniqueItems", json!(true)),
        ("examples", json!(["e"])),
        ("nullable", json!(true)),
        ("description", json!("d")),
        ("minItems", json!(1)),
        ("pattern", json!("^a")),
    ];
    for _ in 0..rng.below(4) {
        let (key, value) = rng.pick(extras);
        node.insert((*key).into(), value.clone());
    }
    Value::Object(node)
}

fn random_parameters(rng: &mut Rng) -> Value {
    let mut root = random_schema(rng, 0);
    if let Some(map) = root.as_object_mut() {
        if rng.chance(70) {
            map.insert("type".into(), json!("object"));
        } else if rng.chance(50) {
            map.remove("type");
        }
        if rng.chance(40) {
            map.insert(
                "$defs".into(),
                json!({"A": {"type": "object", "properties": {"v": {"type": ["number", "null"]}}},
                       "Loop": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Loop"}}}}),
            );
        }
        if rng.chance(20) {
            map.insert(
                "definitions".into(),
                json!({"B": {"type": "string", "format": "email"}}),
            );
        }
    }
    root
}

const PROVIDERS: &[Provider] = &Provider::ALL;

fn random_model(rng: &mut Rng, provider: Provider) -> Value {
    let models: &[&str] = match provider {
        Provider::OpenAI | Provider::Azure => &["gpt-4o", "o3-mini", "gpt-5", "gpt-4.1-mini"],
        Provider::Gemini => &[
            "gemini-2.5-flash",
            "models/gemini-2.0-flash",
            "gemini-3-pro-preview",
            "models/gemini-3-flash-preview",
        ],
        Provider::Anthropic => &["claude-sonnet-4-5", "claude-3-5-haiku-20241022"],
        Provider::Mistral => &["mistral-large-latest"],
        Provider::Xai => &["grok-4", "grok-3"],
        Provider::DeepSeek => &["deepseek-reasoner", "deepseek-chat"],
        _ => &["some-model"],
    };
    json!(rng.pick(models))
}

fn random_request(rng: &mut Rng, provider: Provider) -> Value {
    let mut request = Map::new();
    request.insert("model".into(), random_model(rng, provider));
    let mut messages = vec![];
    if rng.chance(40) {
        messages.push(json!({"role": rng.pick(&["system", "developer"]), "content": "Be brief."}));
    }
    messages.push(json!({"role": "user", "content": "Do the thing."}));
    if rng.chance(30) {
        messages.push(json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f0", "arguments": "{}"}, "extra_content": {"google": {"thought_signature": "s"}}}]}));
        messages.push(json!({"role": "tool", "tool_call_id": "c1", "content": "ok"}));
    }
    request.insert("messages".into(), Value::Array(messages));
    let params: &[(&str, Value)] = &[
        ("store", json!(false)),
        ("parallel_tool_calls", json!(true)),
        ("reasoning", json!({"effort": "low"})),
        ("reasoning", json!({"max_tokens": 100})),
        ("google", json!({"thinking_config": {}})),
        ("temperature", json!(0.3)),
        ("temperature", json!(1)),
        ("top_p", json!(0.5)),
        ("presence_penalty", json!(0.4)),
        ("frequency_penalty", json!(0)),
        ("logprobs", json!(true)),
        ("top_logprobs", json!(2)),
        ("logit_bias", json!({})),
        ("reasoning_effort", json!("minimal")),
        ("reasoning_effort", json!("none")),
        ("max_tokens", json!(1000)),
        ("max_completion_tokens", json!(1000)),
        ("max_completion_tokens", json!(900)),
        ("stop", json!(["x"])),
        ("seed", json!(3)),
    ];
    for _ in 0..rng.below(6) {
        let (key, value) = rng.pick(params);
        request.insert((*key).into(), value.clone());
    }
    if rng.chance(80) {
        let tools: Vec<Value> = (0..1 + rng.below(4))
            .map(|index| {
                let mut function = json!({"name": format!("f{index}"), "description": "d"});
                if rng.chance(85) {
                    function["parameters"] = random_parameters(rng);
                }
                if rng.chance(30) {
                    function["strict"] = json!(true);
                }
                if rng.chance(10) {
                    function["tools"] = json!([]);
                }
                json!({"type": "function", "function": function})
            })
            .collect();
        request.insert("tools".into(), Value::Array(tools));
    }
    if rng.chance(25) {
        request.insert(
            "response_format".into(),
            json!({"type": "json_schema", "json_schema": {"name": "out", "strict": rng.chance(50), "schema": random_parameters(rng)}}),
        );
    }
    Value::Object(request)
}

fn finding_codes(report: &Report) -> HashSet<Code> {
    report
        .errors
        .iter()
        .chain(&report.warnings)
        .map(|finding| finding.code)
        .collect()
}

#[test]
fn after_repair_only_non_repairable_errors_remain_on_generated_requests() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut repaired_any = 0;
    for case in 0..3000 {
        let provider = *rng.pick(PROVIDERS);
        let request = random_request(&mut rng, provider);
        let options = ValidateOptions {
            repair: true,
            ..ValidateOptions::for_provider(provider)
        };
        let report = validate(&request, &options);
        let always_repaired = [Code::ModelNamePrefix, Code::RoleMaybeUnsupported];
        let leftovers: Vec<_> = report
            .errors
            .iter()
            .filter(|f| f.code.is_repairable())
            .chain(
                report
                    .warnings
                    .iter()
                    .filter(|f| always_repaired.contains(&f.code)),
            )
            .collect();
        assert!(leftovers.is_empty(), "case {case} on {provider}: repairable findings remain {leftovers:#?}\nrequest: {request}\nrepaired: {}", report.request.as_ref().unwrap());
        assert_eq!(report.ok, report.errors.is_empty());

        // Every repair answers a finding the plain validation reported, or tidies a subschema that
        // a restructuring repair created (type-array branches, inlined references, oneOf → anyOf).
        let before = finding_codes(&check(provider, &request));
        let restructured = [
            Code::SchemaTypeArray,
            Code::SchemaRefUnsupported,
            Code::SchemaKeywordUnsupported,
        ]
        .iter()
        .any(|code| before.contains(code));
        for fix in report.repairs.as_ref().unwrap() {
            let justified = before.contains(&fix.code)
                || (restructured
                    && (fix.path.contains("/parameters") || fix.path.contains("/schema")));
            assert!(
                justified,
                "case {case} on {provider}: unjustified repair {fix:?}\nrequest: {request}"
            );
            assert!(fix.path.starts_with('/'), "{fix:?}");
        }
        repaired_any += usize::from(!report.repairs.as_ref().unwrap().is_empty());

        // Repair is idempotent: the repaired request needs no further repair.
        let again = validate(report.request.as_ref().unwrap(), &options);
        assert_eq!(
            again.repairs.as_deref(),
            Some(&[][..]),
            "case {case} on {provider}: second repair {:#?}",
            again.repairs
        );
        assert_eq!(again.errors, report.errors, "case {case}");
    }
    assert!(
        repaired_any > 1000,
        "the generator rarely produced repairable shapes ({repaired_any})"
    );
}

#[test]
fn validation_never_panics_on_generated_garbage() {
    let mut rng = Rng(42);
    let atoms = [
        json!(null),
        json!(1),
        json!("s"),
        json!([]),
        json!({}),
        json!(true),
        json!(-1.5),
    ];
    fn garbage(rng: &mut Rng, atoms: &[Value], depth: usize) -> Value {
        if depth > 5 || rng.chance(30) {
            return rng.pick(atoms).clone();
        }
        if rng.chance(50) {
            Value::Array(
                (0..rng.below(4))
                    .map(|_| garbage(rng, atoms, depth + 1))
                    .collect(),
            )
        } else {
            let keys = [
                "model",
                "messages",
                "role",
                "content",
                "tools",
                "function",
                "parameters",
                "type",
                "properties",
                "tool_calls",
                "id",
                "arguments",
                "image_url",
                "url",
                "text",
                "items",
                "$ref",
                "max_tokens",
                "stop",
                "response_format",
                "json_schema",
                "schema",
            ];
            Value::Object(
                (0..rng.below(5))
                    .map(|_| {
                        (
                            (*rng.pick(&keys)).to_owned(),
                            garbage(rng, atoms, depth + 1),
                        )
                    })
                    .collect(),
            )
        }
    }
    for _ in 0..3000 {
        let provider = *rng.pick(PROVIDERS);
        let request = garbage(&mut rng, &atoms, 0);
        let report = validate(
            &request,
            &ValidateOptions {
                repair: rng.chance(50),
                ..ValidateOptions::for_provider(provider)
            },
        );
        let _ = report.to_json();
    }
}
