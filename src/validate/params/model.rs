//! The model name: presence, Gemini's `models/` prefix, retired and foreign names, and names the
//! limits table does not know.

use serde_json::{Map, Value};

use crate::json::Field;
use crate::profile::models::{self, strip_models_prefix};
use crate::provider::Provider;
use crate::validate::report::{show, Code, Findings};
use crate::validate::Context;

pub(in crate::validate) fn check_model(
    request: &Map<String, Value>,
    context: &Context<'_>,
    findings: &mut Findings,
) {
    let profile = context.profile;
    let provider = context.provider();
    let name = match request.field("model") {
        None => {
            if profile.requires_model {
                findings.error(
                    Code::MissingModel,
                    String::new(),
                    format!("the request has no \"model\"; name one of {provider}'s models (or set the client's default \"model\")"),
                );
            }
            return;
        }
        Some(Value::String(name)) if !name.trim().is_empty() => name.as_str(),
        Some(other) => {
            findings.error(
                Code::InvalidModel,
                "/model".into(),
                format!("\"model\" must be a non-empty string, not {}", show(other)),
            );
            return;
        }
    };
    let bare = strip_models_prefix(name).to_ascii_lowercase();
    if provider == Provider::Gemini {
        if name.starts_with("models/") {
            findings.warn(
                Code::ModelNamePrefix,
                "/model".into(),
                format!(
                    "drop the \"models/\" prefix: send \"{}\"",
                    strip_models_prefix(name)
                ),
            );
        }
        if models::is_retired_gemini(name) {
            findings.warn(Code::RetiredModel, "/model".into(), format!("\"{name}\" has been shut down by Google (\"Request contains an invalid argument\"); use gemini-2.5-flash or newer"));
        }
    }
    let foreign = match provider {
        Provider::Gemini => !["gemini", "gemma", "learnlm"]
            .iter()
            .any(|prefix| bare.starts_with(prefix)),
        Provider::Anthropic => !bare.starts_with("claude"),
        Provider::OpenAI => bare.starts_with("claude") || bare.starts_with("gemini"),
        _ => false,
    };
    if foreign {
        findings.warn(
            Code::ModelProviderMismatch,
            "/model".into(),
            format!("\"{name}\" is not a {provider} model name; check the provider or the model"),
        );
    }
    if provider == Provider::OpenRouter && !name.contains('/') {
        findings.warn(
            Code::UnknownModel,
            "/model".into(),
            format!("OpenRouter model ids are \"vendor/model\" (e.g. \"openai/{name}\")"),
        );
    }
    let has_table = matches!(
        provider,
        Provider::OpenAI
            | Provider::Gemini
            | Provider::Anthropic
            | Provider::DeepSeek
            | Provider::Mistral
            | Provider::Xai
            | Provider::Groq
    );
    if has_table && !context.model_known && !foreign {
        findings.warn(
            Code::UnknownModel,
            "/model".into(),
            format!(
                "\"{}\" is not in llmwire's model table: limits are checked against a default {}-token window; pass \
                 window_tokens and max_output_tokens to check the real ones",
                context.model, context.limits.context_window
            ),
        );
    }
}
