//! `llmwire_classify`: the classifier over the C ABI.

use std::ffi::c_char;
use std::time::SystemTime;

use super::error::LlmwireError;
use super::status::Status;
use super::{arg_str, json_export};
use crate::classify::{classify, ClassifyInput};
use crate::error::ErrorObject;

/// Classifies a provider's failure.
///
/// `input_json` is the classification input (docs/design.md §3): `{"provider": "auto"|"openai"|…,
/// "status": 429, "headers": {"retry-after": "2"}, "body": "<raw text>"}` or
/// `{"transport": "connection_refused"|"connection_reset"|"timeout"|"dns"|"tls"|"truncated"}`.
/// On success `*out_json` receives the classification JSON (class, retryable, retry_after_ms,
/// hint_source, http_status, provider, provider_status, provider_code, error_type, param, message,
/// request_id, quota_id).
///
/// Ownership: `input_json` is borrowed for the call; `*out_json` is a new string the caller frees
/// with `llmwire_string_free`; `*err` (if `err` is not NULL) receives a new error the caller frees
/// with `llmwire_error_free`. Out-parameters are written only on success.
/// Errors: `LLMWIRE_STATUS_INVALID_ARGUMENT` when an argument is NULL, `input_json` is not UTF-8 or
/// not valid input JSON (the message gives the line and column).
/// Thread-safety: safe from any number of threads at once.
#[no_mangle]
pub unsafe extern "C" fn llmwire_classify(
    input_json: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut LlmwireError,
) -> Status {
    // SAFETY (both blocks): the header requires a NUL-terminated string valid for the call, and
    // writable storage behind `out_json` when it is not NULL.
    let read = || unsafe { arg_str(input_json, "input_json") };
    unsafe {
        json_export(err, read, out_json, "out_json", |input| {
            let input = ClassifyInput::from_json(input).map_err(ErrorObject::from)?;
            let classification = classify(&input, SystemTime::now());
            serde_json::to_string(&classification)
                .map_err(|e| ErrorObject::local(crate::ErrorClass::Internal, e.to_string()))
        })
    }
}
