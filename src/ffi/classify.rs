//! `llmwire_classify`: the classifier over the C ABI.

use std::ffi::c_char;
use std::time::SystemTime;

use super::error::LlmwireError;
use super::status::Status;
use super::{arg_str, guard, require_out, write_string};
use crate::classify::{classify, ClassifyInput};
use crate::error::ErrorObject;

/// Classifies a provider's failure.
///
/// `input_json` is the classification input (DESIGN §3): `{"provider": "auto"|"openai"|…,
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
    guard(err, || {
        // SAFETY: the header requires a NUL-terminated string valid for the call.
        let input = unsafe { arg_str(input_json, "input_json") }?;
        require_out(out_json, "out_json")?;
        let input = ClassifyInput::from_json(input).map_err(ErrorObject::from)?;
        let classification = classify(&input, SystemTime::now());
        let json = serde_json::to_string(&classification)
            .map_err(|e| ErrorObject::local(crate::ErrorClass::Internal, e.to_string()))?;
        // SAFETY: checked non-NULL above.
        unsafe { write_string(out_json, json) };
        Ok(())
    })
}
