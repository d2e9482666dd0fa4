//! Repair mode: the provably safe rewrites, applied before validation, each reported.
//!
//! A rewrite is made only when the provider is known to reject (or, for the `developer` role and
//! the `models/` prefix, to misread) the original and the rewrite keeps the request's meaning:
//! parameters the provider rejects are dropped (a `reasoning` object becomes `reasoning_effort`),
//! the output budget moves to the field the model takes, schema keywords the dialect rejects are
//! stripped or converted (see `schema_repair`), undeclared function-declaration keys are dropped,
//! `developer` becomes `system` where it is not documented, and Gemini's `models/` prefix goes.
//! Everything else is left for the report: conversation order, content, names and limits need the
//! caller's judgement.

use serde_json::{Map, Value};

use super::params::{judge_param, unsupported_reasoning_effort, wrong_max_tokens_field};
use super::report::{join, Code, Finding, Severity};
use super::schema::SchemaRules;
use super::schema_repair::repair_schema;
use super::tools::GEMINI_FUNCTION_KEYS;
use super::ValidateOptions;
use crate::json::Field;
use crate::profile::{Profile, RoleSupport, SchemaDialect};
use crate::provider::Provider;

pub(super) fn repair_request(
    request: &mut Value,
    profile: &Profile,
    options: &ValidateOptions,
) -> Vec<Finding> {
    let mut repairs = Vec::new();
    let Some(object) = request.as_object_mut() else {
        return repairs;
    };
    repair_model(object, profile, &mut repairs);
    let model = options
        .model
        .clone()
        .or_else(|| {
            object
                .field("model")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_default();
    repair_params(object, profile, &model, &mut repairs);
    repair_max_tokens(object, profile, &model, &mut repairs);
    repair_roles(object, profile, &mut repairs);
    repair_tools(object, profile, &mut repairs);
    repair_response_format(object, profile, &mut repairs);
    repairs
}

fn repaired(code: Code, path: String, message: String) -> Finding {
    Finding {
        code,
        path,
        message,
    }
}

fn repair_model(object: &mut Map<String, Value>, profile: &Profile, repairs: &mut Vec<Finding>) {
    if profile.provider() != Provider::Gemini {
        return;
    }
    if let Some(Value::String(model)) = object.get_mut("model") {
        if let Some(bare) = model.strip_prefix("models/").map(str::to_owned) {
            repairs.push(repaired(
                Code::ModelNamePrefix,
                "/model".into(),
                format!("renamed \"{model}\" to \"{bare}\""),
            ));
            *model = bare;
        }
    }
}

fn repair_params(
    object: &mut Map<String, Value>,
    profile: &Profile,
    model: &str,
    repairs: &mut Vec<Finding>,
) {
    let rejected: Vec<String> = object
        .iter()
        .filter(|(key, value)| {
            matches!(
                judge_param(profile, model, key, value, object),
                Some((Severity::Error, Code::UnsupportedParam, _))
            )
        })
        .map(|(key, _)| key.clone())
        .collect();
    for key in rejected {
        let Some(value) = object.remove(&key) else {
            continue;
        };
        let effort = value
            .field("effort")
            .and_then(Value::as_str)
            .map(str::to_owned);
        match effort {
            Some(effort) if key == "reasoning" && !object.contains_key("reasoning_effort") => {
                object.insert("reasoning_effort".into(), Value::String(effort.clone()));
                repairs.push(repaired(
                    Code::UnsupportedParam,
                    "/reasoning".into(),
                    format!("replaced \"reasoning\": {{\"effort\": \"{effort}\"}} with \"reasoning_effort\": \"{effort}\""),
                ));
            }
            _ => repairs.push(repaired(
                Code::UnsupportedParam,
                join("", &key),
                format!(
                    "removed \"{key}\" ({} rejects it for this model)",
                    profile.provider()
                ),
            )),
        }
    }
    if let Some(effort) = object.get_mut("reasoning_effort") {
        if let Some(nearest) = unsupported_reasoning_effort(profile, model, effort) {
            *effort = Value::String(nearest.to_owned());
            repairs.push(repaired(
                Code::UnsupportedParamValue,
                "/reasoning_effort".into(),
                format!("replaced reasoning_effort \"minimal\" with \"{nearest}\", the lowest level this model has"),
            ));
        }
    }
}

fn repair_max_tokens(
    object: &mut Map<String, Value>,
    profile: &Profile,
    model: &str,
    repairs: &mut Vec<Finding>,
) {
    let wrong = wrong_max_tokens_field(profile, model);
    let legacy = object.field("max_tokens").and_then(Value::as_i64);
    let current = object
        .field("max_completion_tokens")
        .and_then(Value::as_i64);
    match (legacy, current) {
        (Some(a), Some(b)) if a == b && a >= 1 => {
            let drop = wrong.map_or("max_tokens", |(field, _)| field);
            object.remove(drop);
            repairs.push(repaired(
                Code::DuplicateMaxTokens,
                join("", drop),
                format!("removed \"{drop}\", which repeated the other output-budget field"),
            ));
        }
        (Some(_), Some(_)) => {}
        _ => {
            let Some((from, to)) = wrong else { return };
            let set = |key: &str| object.get(key).is_some_and(|value| !value.is_null());
            if !set(from) || object.contains_key(to) {
                return;
            }
            if let Some(value) = object.remove(from) {
                object.insert(to.to_owned(), value);
                repairs.push(repaired(
                    Code::WrongMaxTokensField,
                    join("", from),
                    format!("renamed \"{from}\" to \"{to}\" (the field {model} takes)"),
                ));
            }
        }
    }
}

fn repair_roles(object: &mut Map<String, Value>, profile: &Profile, repairs: &mut Vec<Finding>) {
    if profile.developer_role != RoleSupport::Unknown {
        return;
    }
    let Some(Value::Array(messages)) = object.get_mut("messages") else {
        return;
    };
    for (index, message) in messages.iter_mut().enumerate() {
        if let Some(role) = message
            .get_mut("role")
            .filter(|role| role.as_str() == Some("developer"))
        {
            *role = Value::String("system".into());
            repairs.push(repaired(
                Code::RoleMaybeUnsupported,
                format!("/messages/{index}/role"),
                format!(
                    "changed role \"developer\" to \"system\" ({} does not document \"developer\")",
                    profile.provider()
                ),
            ));
        }
    }
}

fn repair_tools(object: &mut Map<String, Value>, profile: &Profile, repairs: &mut Vec<Finding>) {
    let Some(Value::Array(tools)) = object.get_mut("tools") else {
        return;
    };
    let gemini = profile.schema_dialect() == SchemaDialect::GeminiOpenApi;
    for (index, tool) in tools.iter_mut().enumerate() {
        if tool
            .field("type")
            .and_then(Value::as_str)
            .is_some_and(|kind| kind != "function")
        {
            continue;
        }
        let Some(function) = tool.get_mut("function").and_then(Value::as_object_mut) else {
            continue;
        };
        let path = format!("/tools/{index}/function");
        if gemini {
            let unknown: Vec<String> = function
                .keys()
                .filter(|key| !GEMINI_FUNCTION_KEYS.contains(&key.as_str()))
                .cloned()
                .collect();
            for key in unknown {
                function.remove(&key);
                repairs.push(repaired(
                    Code::UnknownFunctionKey,
                    join(&path, &key),
                    format!("removed \"{key}\" from the function declaration (Gemini rejects it)"),
                ));
            }
        }
        let strict = function.field("strict").and_then(Value::as_bool) == Some(true)
            && profile.openai_request_rules;
        let Some(parameters) = function.get_mut("parameters") else {
            continue;
        };
        let Some(schema) = parameters.as_object_mut() else {
            continue;
        };
        if !schema.contains_key("type") && schema.contains_key("properties") {
            schema.insert("type".into(), Value::String("object".into()));
            repairs.push(repaired(
                Code::ToolParametersMissingType,
                format!("{path}/parameters"),
                "added \"type\": \"object\" to the parameters".into(),
            ));
        }
        let rules = SchemaRules {
            dialect: profile.schema_dialect(),
            strict,
            structural: Severity::error_if(profile.validates_strictly),
        };
        repair_schema(parameters, &format!("{path}/parameters"), rules, repairs);
    }
}

fn repair_response_format(
    object: &mut Map<String, Value>,
    profile: &Profile,
    repairs: &mut Vec<Finding>,
) {
    let Some(spec) = object
        .get_mut("response_format")
        .and_then(|format| format.get_mut("json_schema"))
    else {
        return;
    };
    let strict =
        spec.field("strict").and_then(Value::as_bool) == Some(true) && profile.openai_request_rules;
    let Some(schema) = spec.get_mut("schema").filter(|schema| schema.is_object()) else {
        return;
    };
    let rules = SchemaRules {
        dialect: SchemaDialect::JsonSchema,
        strict,
        structural: Severity::error_if(profile.validates_strictly),
    };
    repair_schema(
        schema,
        "/response_format/json_schema/schema",
        rules,
        repairs,
    );
}
