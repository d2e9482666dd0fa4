//! Turning a caller's request into bytes on the wire: default model, local validation (and repair),
//! the URL, authentication and the idempotency key shared by every attempt of the call.

use std::borrow::Cow;

use serde_json::Value;

use super::context_fit::{fit_before_send, ContextTrace, RequestEstimate};
use super::Client;
use crate::config::ValidationMode;
use crate::error::ErrorObject;
use crate::fleet::TargetConfig;
use crate::json::Field;
use crate::provider::Provider;
use crate::taxonomy::ErrorClass;
use crate::validate::{validate_estimated, Finding, Report, ValidateOptions};

/// A request ready to send, identical for every attempt of one call.
pub(super) struct Prepared {
    /// The call's idempotency key, sent unchanged with every attempt so the server can deduplicate.
    pub idempotency_key: String,
    pub body: Vec<u8>,
    pub stream: bool,
    /// Repairs applied and warnings found by local validation, reported with the result.
    pub repairs: Vec<Value>,
    pub warnings: Vec<Value>,
    /// The request's size and the history trims made (see `context_fit`).
    pub context: ContextTrace,
}

/// Prepares the caller's `request` for the client's own endpoint or, with `target`, for one of its
/// targets: the model set to the target's (when it names one), validated and repaired for the
/// target's provider. `estimate` is the call's estimate of the caller's request.
pub(super) fn prepare(
    client: &Client,
    call_id: u64,
    request: &Value,
    force_stream: bool,
    target: Option<&TargetConfig>,
    estimate: &mut RequestEstimate,
) -> Result<Prepared, ErrorObject> {
    let Value::Object(fields) = request else {
        return Err(ErrorObject::local(
            ErrorClass::InvalidArgument,
            "the request must be a JSON object (a chat-completions request body)",
        ));
    };
    // The caller's request is only copied when something must change in it.
    let mut request = Cow::Borrowed(request);
    let provider = target.map_or(client.config.provider, |target| target.provider);
    match target.and_then(|target| target.model.as_ref()) {
        Some(model) if fields.field("model").and_then(Value::as_str) != Some(model) => {
            request.to_mut()["model"] = Value::String(model.clone());
        }
        Some(_) => {}
        None => {
            if let (None, Some(model)) = (fields.field("model"), &client.config.model) {
                request.to_mut()["model"] = Value::String(model.clone());
            }
        }
    }
    if force_stream && fields.field("stream") != Some(&Value::Bool(true)) {
        request.to_mut()["stream"] = Value::Bool(true);
    }
    let stream = request
        .field("stream")
        .and_then(Value::as_bool)
        .unwrap_or(false);

    let (request, mut context) = fit_before_send(client, provider, request, estimate);
    // The call's estimate holds for the request only while nothing was trimmed from it.
    let known_estimate = estimate.made().filter(|_| context.records.is_empty());
    let Checked {
        request,
        repairs,
        warnings,
        estimate: validator_estimate,
    } = validate_locally(client, provider, request, known_estimate)?;
    // The validator's estimate is the call's too when the request reached it unchanged.
    if let Some(made) =
        validator_estimate.filter(|_| repairs.is_empty() && context.records.is_empty())
    {
        estimate.learn(made);
    }
    context.remember(client, &request, estimate, repairs.is_empty());
    let body = serde_json::to_vec(&request).map_err(|e| {
        ErrorObject::local(
            ErrorClass::Internal,
            format!("cannot serialise the request: {e}"),
        )
    })?;
    Ok(Prepared {
        idempotency_key: idempotency_key(&client.idempotency_prefix, call_id),
        body,
        stream,
        repairs,
        warnings,
        context,
    })
}

/// A request that passed local validation (possibly repaired), with what validation reported.
struct Checked<'r> {
    request: Cow<'r, Value>,
    repairs: Vec<Value>,
    warnings: Vec<Value>,
    /// The prompt estimate validation made or was given (none when validation is off).
    estimate: Option<u64>,
}

/// Validates (and in repair mode repairs) the request; `known_estimate`: its prompt estimate, when
/// the call already made it.
fn validate_locally<'r>(
    client: &Client,
    provider: Provider,
    request: Cow<'r, Value>,
    known_estimate: Option<u64>,
) -> Result<Checked<'r>, ErrorObject> {
    let mode = client.config.validation;
    if mode == ValidationMode::Off {
        return Ok(Checked {
            request,
            repairs: Vec::new(),
            warnings: Vec::new(),
            estimate: None,
        });
    }
    let options = ValidateOptions {
        provider,
        repair: mode == ValidationMode::Repair,
        ..ValidateOptions::default()
    };
    let (report, request) = if options.repair {
        let mut report = validate_estimated(request, &options, known_estimate);
        let repaired = report.request.take().map(Cow::Owned);
        (report, repaired)
    } else {
        let report = validate_estimated(Cow::Borrowed(&request), &options, known_estimate);
        (report, Some(request))
    };
    let findings = |list: &[Finding]| {
        list.iter()
            .filter_map(|f| serde_json::to_value(f).ok())
            .collect::<Vec<_>>()
    };
    match request {
        Some(request) if report.ok || mode == ValidationMode::Warn => {
            let repairs = findings(report.repairs.as_deref().unwrap_or_default());
            let mut warnings = findings(&report.warnings);
            warnings.extend(findings(&report.errors));
            Ok(Checked {
                request,
                repairs,
                warnings,
                estimate: Some(report.estimated_prompt_tokens),
            })
        }
        _ => Err(validation_failed(&report)),
    }
}

/// The error for a request local validation stopped: the first finding, and the whole report.
fn validation_failed(report: &Report) -> ErrorObject {
    let message = match report.errors.first() {
        Some(first) => {
            let path = if first.path.is_empty() {
                "the request"
            } else {
                first.path.as_str()
            };
            let more = match report.errors.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            format!("{} at {path}: {}{more}", first.code.as_str(), first.message)
        }
        None => "the request failed local validation".to_owned(),
    };
    let mut error = ErrorObject::local(ErrorClass::ValidationFailed, message);
    error.summary = format!("not sent: {}", error.summary);
    error.validation = serde_json::to_value(report).ok();
    error
}

/// `{base}/chat/completions`, keeping a query string (Azure's `?api-version=`) at the end.
pub(super) fn chat_url(base_url: &str) -> String {
    match base_url.split_once('?') {
        Some((path, query)) => format!("{}/chat/completions?{query}", path.trim_end_matches('/')),
        None => format!("{base_url}/chat/completions"),
    }
}

/// A prefix no other client shares: process, creation time, and a count of clients created.
pub(super) fn idempotency_prefix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static CLIENTS: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let client = CLIENTS.fetch_add(1, Ordering::Relaxed);
    format!("llmwire-{:x}-{nanos:x}-{client:x}-", std::process::id())
}

fn idempotency_key(prefix: &str, call_id: u64) -> String {
    use std::fmt::Write;
    let mut key = String::with_capacity(prefix.len() + 16);
    key.push_str(prefix);
    let _ = write!(key, "{call_id:x}");
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_url_keeps_azure_query_at_the_end() {
        assert_eq!(chat_url("http://h/v1"), "http://h/v1/chat/completions");
        assert_eq!(
            chat_url("https://r.openai.azure.com/openai/deployments/d?api-version=2024-10-21"),
            "https://r.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21"
        );
    }

    #[test]
    fn idempotency_keys_differ_between_calls_and_clients() {
        let (one, two) = (idempotency_prefix(), idempotency_prefix());
        assert_ne!(one, two);
        assert_ne!(idempotency_key(&one, 1), idempotency_key(&one, 2));
        assert_ne!(idempotency_key(&one, 1), idempotency_key(&two, 1));
    }
}
