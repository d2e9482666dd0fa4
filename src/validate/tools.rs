//! Tool definitions: `tools` (types, names, declaration keys, parameter schemas) and `tool_choice`.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::report::{show, Code, Findings, Severity};
use super::schema::{check_schema, SchemaRules};
use super::Context;
use crate::json::Field;
use crate::profile::SchemaDialect;
use crate::provider::Provider;

/// What the message pass and the parameter checks need to know about the tools.
pub(super) struct ToolsSummary<'a> {
    /// `tools` is a non-empty array.
    pub(super) present: bool,
    pub(super) names: HashSet<&'a str>,
}

/// Keys Gemini knows in a function declaration; anything else answers `Unknown name`.
pub(crate) const GEMINI_FUNCTION_KEYS: &[&str] = &["name", "description", "parameters", "strict"];

pub(super) fn check_tools<'a>(
    request: &'a Map<String, Value>,
    context: &Context<'a>,
    findings: &mut Findings,
) -> ToolsSummary<'a> {
    let mut summary = ToolsSummary {
        present: false,
        names: HashSet::new(),
    };
    match request.field("tools") {
        None | Some(Value::Null) => {}
        Some(Value::Array(tools)) if tools.is_empty() => findings.add(
            Severity::error_if(context.profile.openai_request_rules),
            Code::InvalidTools,
            "/tools".into(),
            "\"tools\" is an empty array; drop the key when there are no tools".into(),
        ),
        Some(Value::Array(tools)) => {
            summary.present = true;
            for (index, tool) in tools.iter().enumerate() {
                check_tool(index, tool, context, &mut summary, findings);
            }
        }
        Some(other) => findings.error(
            Code::InvalidTools,
            "/tools".into(),
            format!("\"tools\" must be an array of {{\"type\": \"function\", \"function\": {{…}}}}, not {}", show(other)),
        ),
    }
    check_tool_choice(request, context, &summary, findings);
    summary
}

fn check_tool<'a>(
    index: usize,
    tool: &'a Value,
    context: &Context<'a>,
    summary: &mut ToolsSummary<'a>,
    findings: &mut Findings,
) {
    let path = format!("/tools/{index}");
    let profile = context.profile;
    let Some(tool) = tool.as_object() else {
        findings.error(
            Code::InvalidTool,
            path,
            "a tool must be an object {\"type\": \"function\", \"function\": {…}}".into(),
        );
        return;
    };
    match tool.field("type").and_then(Value::as_str) {
        Some("function") => {}
        Some(other) => {
            let known_elsewhere = other == "custom" && profile.openai_request_rules;
            if !known_elsewhere {
                let rejected = profile.gemini_turn_rules || profile.openai_request_rules;
                findings.add(
                    Severity::error_if(rejected),
                    Code::UnsupportedToolType,
                    format!("{path}/type"),
                    format!(
                        "tool type \"{other}\" is not supported by {}{}; send only {{\"type\": \"function\"}} tools",
                        context.provider(),
                        if profile.gemini_turn_rules { " (and built-in search tools cannot be mixed with functions)" } else { "" }
                    ),
                );
            }
            return;
        }
        None => {
            findings.add(
                context.strictly(),
                Code::InvalidTool,
                format!("{path}/type"),
                "a tool needs \"type\": \"function\"".into(),
            );
        }
    }
    let Some(function) = tool.field("function").and_then(Value::as_object) else {
        findings.error(
            Code::InvalidTool,
            format!("{path}/function"),
            "a function tool needs a \"function\" object with a \"name\"".into(),
        );
        return;
    };
    let function_path = format!("{path}/function");
    match function.field("name") {
        Some(Value::String(name)) => {
            check_tool_name(&function_path, name, context, summary, findings)
        }
        _ => findings.error(
            Code::InvalidTool,
            format!("{function_path}/name"),
            "a function needs a string \"name\"".into(),
        ),
    }
    if let Some(description) = function.field("description") {
        if !description.is_string() {
            findings.error(
                Code::InvalidTool,
                format!("{function_path}/description"),
                "\"description\" must be a string".into(),
            );
        }
    }
    if profile.schema_dialect == SchemaDialect::GeminiOpenApi {
        for key in function
            .keys()
            .filter(|key| !GEMINI_FUNCTION_KEYS.contains(&key.as_str()))
        {
            findings.error(
                Code::UnknownFunctionKey,
                super::report::join(&function_path, key),
                format!("Gemini rejects \"{key}\" in a function declaration (Unknown name \"{key}\"); send only name, description and parameters"),
            );
        }
    }
    let strict = function.field("strict").and_then(Value::as_bool) == Some(true);
    if function.contains_key("strict") && context.provider() == Provider::Anthropic {
        findings.warn(
            Code::ParamIgnored,
            format!("{function_path}/strict"),
            "Anthropic ignores \"strict\": tool-call arguments are not guaranteed to follow the schema".into(),
        );
    }
    if let Some(parameters) = function.field("parameters").filter(|p| !p.is_null()) {
        let rules = SchemaRules::for_tool(context, strict && profile.openai_request_rules);
        check_parameters(
            &format!("{function_path}/parameters"),
            parameters,
            context,
            rules,
            findings,
        );
    }
}

fn check_tool_name<'a>(
    path: &str,
    name: &'a str,
    context: &Context<'_>,
    summary: &mut ToolsSummary<'a>,
    findings: &mut Findings,
) {
    let profile = context.profile;
    if let Err(reason) = profile.tool_name_rule().check(name) {
        findings.add(
            context.strictly(),
            Code::InvalidToolName,
            format!("{path}/name"),
            format!(
                "tool name \"{name}\" {reason}; rename it (and keep a map to translate the model's calls back), \
                 e.g. \"{}\"",
                suggest_name(name)
            ),
        );
    } else if profile.schema_dialect == SchemaDialect::GeminiOpenApi && name.contains(':') {
        findings.warn(
            Code::InvalidToolName,
            format!("{path}/name"),
            format!(
                "tool name \"{name}\" contains ':' which older Gemini models reject; prefer _ or ."
            ),
        );
    }
    if !summary.names.insert(name) {
        let rejected = profile.gemini_turn_rules || context.provider() == Provider::Anthropic;
        findings.add(
            Severity::error_if(rejected),
            Code::DuplicateToolName,
            format!("{path}/name"),
            format!("two tools are named \"{name}\"; give each tool its own name"),
        );
    }
}

/// A name that passes every provider's rule: invalid characters become `_`, a leading digit gets
/// a `_` prefix, and the result is cut to 64 characters.
fn suggest_name(name: &str) -> String {
    let mut suggestion: String = name
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ch == '_' || ch == '-' {
                ch
            } else {
                '_'
            }
        })
        .collect();
    if suggestion.is_empty()
        || !suggestion.starts_with(|ch: char| ch.is_ascii_alphabetic() || ch == '_')
    {
        suggestion.insert(0, '_');
    }
    suggestion.truncate(64);
    suggestion
}

fn check_parameters(
    path: &str,
    parameters: &Value,
    context: &Context<'_>,
    rules: SchemaRules,
    findings: &mut Findings,
) {
    let Some(schema) = parameters.as_object() else {
        findings.error(
            Code::InvalidToolParameters,
            path.to_owned(),
            format!("\"parameters\" must be a JSON-Schema object such as {{\"type\": \"object\", \"properties\": {{…}}}}, not {}", show(parameters)),
        );
        return;
    };
    match schema.field("type") {
        Some(Value::String(kind)) if kind == "object" => {}
        Some(other) => findings.error(
            Code::InvalidToolParameters,
            format!("{path}/type"),
            format!("the root of \"parameters\" must have \"type\": \"object\", not {}; wrap the value in an object property", show(other)),
        ),
        None if schema.contains_key("properties") => {
            let profile = context.profile;
            findings.add(
                Severity::error_if(profile.openai_request_rules || profile.gemini_turn_rules),
                Code::ToolParametersMissingType,
                path.to_owned(),
                "\"parameters\" has properties but no \"type\": \"object\"; add it".into(),
            );
        }
        None => {}
    }
    if context.provider() == Provider::Anthropic {
        for combinator in ["anyOf", "oneOf", "allOf"] {
            if schema.contains_key(combinator) {
                findings.error(
                    Code::SchemaCombinatorUnsupported,
                    format!("{path}/{combinator}"),
                    format!("Anthropic does not accept {combinator} at the top level of a tool's input schema; use an object with properties"),
                );
            }
        }
    }
    check_schema(path, parameters, rules, findings);
}

fn check_tool_choice(
    request: &Map<String, Value>,
    context: &Context<'_>,
    summary: &ToolsSummary<'_>,
    findings: &mut Findings,
) {
    let Some(choice) = request
        .field("tool_choice")
        .filter(|choice| !choice.is_null())
    else {
        return;
    };
    let openai_rules = context.profile.openai_request_rules;
    let named = match choice {
        Value::String(mode) if matches!(mode.as_str(), "none" | "auto" | "required") => None,
        Value::Object(object) => {
            let name = object
                .field("function")
                .and_then(|f| f.field("name"))
                .and_then(Value::as_str);
            if object.field("type").and_then(Value::as_str) != Some("function") || name.is_none() {
                findings.error(
                    Code::InvalidToolChoice,
                    "/tool_choice".into(),
                    "a named tool_choice must be {\"type\": \"function\", \"function\": {\"name\": …}}".into(),
                );
                return;
            }
            name
        }
        other => {
            findings.error(
                Code::InvalidToolChoice,
                "/tool_choice".into(),
                format!(
                    "tool_choice {} must be \"none\", \"auto\", \"required\" or a named function",
                    show(other)
                ),
            );
            return;
        }
    };
    if !summary.present {
        if choice.as_str() != Some("none") {
            findings.add(
                Severity::error_if(openai_rules),
                Code::ToolChoiceWithoutTools,
                "/tool_choice".into(),
                "\"tool_choice\" is set but there are no \"tools\"; drop tool_choice or add the tools".into(),
            );
        }
        return;
    }
    if let Some(name) = named {
        if !summary.names.contains(name) {
            findings.add(
                Severity::error_if(openai_rules || context.profile.gemini_turn_rules),
                Code::ToolChoiceUnknownFunction,
                "/tool_choice/function/name".into(),
                format!("tool_choice names \"{name}\", which is not in \"tools\""),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggested_names_pass_every_rule() {
        for name in ["server/tool", "1st tool", "a.b:c", &"x".repeat(80)] {
            let suggestion = suggest_name(name);
            assert!(
                crate::profile::ToolNameRule::OpenAi
                    .check(&suggestion)
                    .is_ok(),
                "{suggestion}"
            );
            assert!(
                crate::profile::ToolNameRule::Gemini
                    .check(&suggestion)
                    .is_ok(),
                "{suggestion}"
            );
        }
    }
}
