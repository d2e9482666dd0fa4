//! Google's error details: `google.rpc.Status` `details[]` in JSON (RetryInfo, QuotaFailure,
//! ErrorInfo, BadRequest, …) and the protobuf text rendering that gRPC clients print
//! (`400 API key expired. [reason: "API_KEY_INVALID" domain: "googleapis.com" …]`).
//!
//! Only reads facts into a [`ProviderError`]; what they mean is decided by the rules.

use serde_json::Value;

use super::provider_error::{ProviderError, QuotaViolation};
use super::text;

/// The canonical `google.rpc.Code` names.
const STATUS_NAMES: [&str; 16] = [
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// The canonical status name equal to `s`, if it is one.
pub(crate) fn status_name(s: &str) -> Option<&'static str> {
    STATUS_NAMES.iter().copied().find(|name| *name == s.trim())
}

/// The first canonical status name that appears as a whole word in `s` (e.g. the prefix of
/// `"INVALID_ARGUMENT: GenerateContentRequest…"` or `"got status: UNAVAILABLE."`).
pub(crate) fn status_name_in(s: &str) -> Option<&'static str> {
    let s = text::prefix(s, text::WORDING_SCAN_LIMIT);
    // Every name is a run of at least seven capitals or underscores: skip texts without one.
    let mut run = 0;
    let has_run = s.bytes().any(|b| {
        run = if b.is_ascii_uppercase() || b == b'_' {
            run + 1
        } else {
            0
        };
        run >= 7
    });
    if !has_run {
        return None;
    }
    let mut best: Option<(usize, &'static str)> = None;
    for name in STATUS_NAMES {
        let mut from = 0;
        while let Some(at) = s[from..].find(name) {
            let start = from + at;
            let end = start + name.len();
            let bytes = s.as_bytes();
            let word_char = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
            let before_ok = start == 0 || !word_char(bytes[start - 1]);
            let after_ok = end >= bytes.len() || !word_char(bytes[end]);
            if before_ok && after_ok {
                if best.is_none_or(|(pos, _)| start < pos) {
                    best = Some((start, name));
                }
                break;
            }
            from = end;
        }
    }
    best.map(|(_, name)| name)
}

/// Reads a Google `details` array into `error`.
pub(crate) fn read_details(details: &Value, error: &mut ProviderError) {
    let Some(items) = details.as_array() else {
        return;
    };
    for item in items.iter().take(64) {
        let Some(kind) = item.get("@type").and_then(Value::as_str) else {
            continue;
        };
        if kind.contains("googleapis.com") {
            error.clues.google = true;
        }
        let kind = kind.rsplit(['.', '/']).next().unwrap_or(kind);
        match kind {
            "RetryInfo" => {
                error.retry_delay = item.get("retryDelay").and_then(duration_text);
            }
            "QuotaFailure" => {
                if let Some(violations) = item.get("violations").and_then(Value::as_array) {
                    for v in violations.iter().take(64) {
                        error.quota.push(QuotaViolation {
                            quota_id: string_field(v, "quotaId"),
                            metric: string_field(v, "quotaMetric"),
                            value: string_field(v, "quotaValue"),
                        });
                    }
                }
            }
            "ErrorInfo" => {
                if let Some(reason) = string_field(item, "reason") {
                    error.reasons.push(reason);
                }
                if let Some(meta) = item.get("metadata") {
                    // Quota details sometimes travel in ErrorInfo metadata instead.
                    let quota_id = string_field(meta, "quota_limit");
                    let value = string_field(meta, "quota_limit_value");
                    if quota_id.is_some() || value.is_some() {
                        error.quota.push(QuotaViolation {
                            quota_id,
                            metric: string_field(meta, "quota_metric"),
                            value,
                        });
                    }
                }
            }
            "BadRequest" => {
                if let Some(violations) = item.get("fieldViolations").and_then(Value::as_array) {
                    for v in violations.iter().take(64) {
                        let description = string_field(v, "description").unwrap_or_default();
                        let field = string_field(v, "field");
                        if field.is_some() || !description.is_empty() {
                            error.field_violations.push((field, description));
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// A `retryDelay` as a duration string: `"37s"` as is, `{"seconds": 37, "nanos": 5e8}` as `"37.5s"`.
fn duration_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(format!("{n}s")),
        Value::Object(map) => {
            let seconds = map.get("seconds").and_then(number_of).unwrap_or(0.0);
            let nanos = map.get("nanos").and_then(number_of).unwrap_or(0.0);
            Some(format!("{}s", seconds + nanos / 1e9))
        }
        _ => None,
    }
}

fn number_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A field as text: strings as they are, numbers rendered.
pub(crate) fn string_field(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads the protobuf text rendering printed by Google's gRPC clients, e.g.
/// `403 Generative Language API has not been used … [links { … }, reason: "SERVICE_DISABLED" …]`.
///
/// Returns `None` when the text has no `reason: "…"` or `domain: "…googleapis.com"` marker.
pub(crate) fn read_grpc_text(body: &str) -> Option<ProviderError> {
    let body = text::prefix(body, text::WORDING_SCAN_LIMIT);
    let reason = quoted_after(body, "reason: \"");
    let domain = quoted_after(body, "domain: \"");
    if reason.is_none() && !domain.is_some_and(|d| d.contains("googleapis")) {
        return None;
    }
    let mut error = ProviderError::default();
    error.clues.google = true;
    let (status, rest) = match text::leading_status(body) {
        Some((status, rest)) => (Some(status), rest),
        None => (None, body.trim_start()),
    };
    error.status_number = status;
    let head = match rest.find(" [") {
        Some(at) => &rest[..at],
        None => rest.lines().next().unwrap_or(rest),
    };
    error.message = text::clean_message(head)
        .or_else(|| quoted_after(body, "message: \"").and_then(text::clean_message));
    if let Some(reason) = reason {
        error.reasons.push(reason.to_string());
    }
    if let Some(name) = error.message.as_deref().and_then(status_name_in) {
        error.google_status = Some(name.to_string());
    }
    Some(error)
}

/// The text between `marker` and the next `"`.
fn quoted_after<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    let start = text.find(marker)? + marker.len();
    let end = start + text[start..].find('"')?;
    Some(&text[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_every_detail_kind() {
        let details = json!([
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "34.4s"},
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
                {"quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier", "quotaValue": "0"}]},
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"},
            {"@type": "type.googleapis.com/google.rpc.BadRequest",
             "fieldViolations": [{"field": "tools[0]", "description": "bad"}]},
        ]);
        let mut error = ProviderError::default();
        read_details(&details, &mut error);
        assert_eq!(error.retry_delay.as_deref(), Some("34.4s"));
        assert!(error.quota[0].is_long_period() && error.quota[0].is_zero_limit());
        assert_eq!(error.reasons, vec!["API_KEY_INVALID".to_string()]);
        assert_eq!(error.field_violations.len(), 1);
        assert!(error.clues.google);
    }

    #[test]
    fn retry_delay_object_form() {
        let mut error = ProviderError::default();
        let details = json!([{"@type": "google.rpc.RetryInfo",
                              "retryDelay": {"seconds": 2, "nanos": 500000000}}]);
        read_details(&details, &mut error);
        assert_eq!(error.retry_delay.as_deref(), Some("2.5s"));
    }

    #[test]
    fn grpc_text_rendering() {
        let body = "400 API key expired. Please renew the API key. [reason: \"API_KEY_INVALID\"\ndomain: \"googleapis.com\"\n]";
        let error = read_grpc_text(body).unwrap();
        assert_eq!(error.status_number, Some(400));
        assert_eq!(
            error.message.as_deref(),
            Some("API key expired. Please renew the API key.")
        );
        assert!(error.has_reason(&["api_key_invalid"]));
        assert!(read_grpc_text("plain words").is_none());
    }

    #[test]
    fn status_names_as_words() {
        assert_eq!(
            status_name_in("INVALID_ARGUMENT: x"),
            Some("INVALID_ARGUMENT")
        );
        assert_eq!(
            status_name_in("got status: UNAVAILABLE."),
            Some("UNAVAILABLE")
        );
        assert_eq!(status_name_in("NOT_FOUNDX"), None);
    }
}
