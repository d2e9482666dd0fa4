//! `llmwire_validate`: the validator over the C ABI.

use std::ffi::c_char;

use super::error::LlmwireError;
use super::status::Status;
use super::{json_export, request_and_options};
use crate::error::ErrorObject;
use crate::validate::validate_json;

/// Validates a chat-completions request against a provider profile, locally: nothing is sent.
///
/// `request_json` is the request body (`{"model", "messages", "tools", …}`). `options_json` may be
/// NULL (defaults) or `{"provider": "openai"|"gemini"|"azure"|"anthropic"|"openrouter"|"groq"|
/// "deepseek"|"mistral"|"xai"|"ollama"|"vllm"|"generic" (default "generic"), "repair": false,
/// "model": "<validate as this model>", "window_tokens": N, "max_output_tokens": N}`.
///
/// On success `*report_json` receives the report: `{"ok", "errors": [{"code", "path", "message"}],
/// "warnings": […], "estimated_prompt_tokens", "provider", "model"}`, plus, when `"repair": true`,
/// `"repairs": [{"code", "path", "message"}]` and `"request"` (the repaired request). `path` is a JSON
/// Pointer into the request. A request the provider would reject is still a successful validation:
/// the status is `LLMWIRE_STATUS_OK` and the report says `"ok": false`.
///
/// Ownership: `request_json` and `options_json` are borrowed for the call; `*report_json` is a new
/// string the caller frees with `llmwire_string_free`; `*err` (if `err` is not NULL) receives a new
/// error the caller frees with `llmwire_error_free`. Out-parameters are written only on success.
/// Errors: `LLMWIRE_STATUS_INVALID_ARGUMENT` when `request_json` or `report_json` is NULL, a string is
/// not UTF-8, `request_json` or `options_json` is not valid JSON (the message gives the line and
/// column), an option key is unknown (the message names it), or the provider is unknown.
/// Thread-safety: safe from any number of threads at once; the function keeps no state.
#[no_mangle]
pub unsafe extern "C" fn llmwire_validate(
    request_json: *const c_char,
    options_json: *const c_char,
    report_json: *mut *mut c_char,
    err: *mut *mut LlmwireError,
) -> Status {
    // SAFETY (all blocks): the header requires NUL-terminated strings valid for the call (options
    // may be NULL), and writable storage behind `report_json` when it is not NULL.
    let read = || unsafe { request_and_options(request_json, options_json) };
    unsafe {
        json_export(
            err,
            read,
            report_json,
            "report_json",
            |(request, options)| {
                validate_json(request, options)
                    .map(|report| report.to_json())
                    .map_err(ErrorObject::from)
            },
        )
    }
}
