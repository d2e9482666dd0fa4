//! `llmwire_trim`: history trimming over the C ABI.

use std::ffi::c_char;

use super::error::LlmwireError;
use super::status::Status;
use super::{json_export, request_and_options};
use crate::context::trim_json;
use crate::error::ErrorObject;

/// Trims a chat-completions request's history to fit a token budget, locally: nothing is sent.
///
/// Keeps every system/developer message and the newest user turn (the last user message and
/// everything after it); shortens tool outputs over 3,000 characters to their first and last
/// 1,000 characters around a marker `[… N characters trimmed by llmwire …]` (oldest first, only
/// as far as needed; strategy "shorten_tool_outputs_then_drop"), then drops whole turns, oldest
/// first, so an assistant message with `tool_calls` always goes with its `tool` results and the
/// conversation still opens with a user message.
///
/// `request_json` is the request body (`{"model", "messages", "tools", …}`). `options_json` may be
/// NULL (defaults) or `{"budget_tokens": N}` (the most the trimmed request may estimate to), or
/// `{"window_tokens": N, "reserve_output_tokens": N}` (budget = window − reserve; the window
/// defaults to the provider profile's figure for the request's model when the model is known, the
/// reserve to the request's `max_completion_tokens`/`max_tokens`, else 4096, at most a quarter of
/// the window), plus `"provider": "openai"|"gemini"|…|"generic"` (default "generic") and
/// `"strategy": "shorten_tool_outputs_then_drop"` (default) or `"drop_oldest"`.
///
/// On success `*result_json` receives `{"request": <the trimmed request>, "report": {"trimmed",
/// "strategy", "budget_tokens", "window_tokens", "reserve_output_tokens",
/// "estimated_tokens_before", "estimated_tokens_after", "dropped_turns", "dropped_messages":
/// {"user", "assistant", "tool", "other"}, "dropped_indices": [...], "shortened_tool_outputs":
/// [{"index", "characters_removed"}]}}`. A request that already fits comes back unchanged with
/// `"trimmed": false`. Indices refer to the request as given.
///
/// Ownership: `request_json` and `options_json` are borrowed for the call; `*result_json` is a new
/// string the caller frees with `llmwire_string_free`; `*err` (if `err` is not NULL) receives a new
/// error the caller frees with `llmwire_error_free`. Out-parameters are written only on success.
/// Errors: `LLMWIRE_STATUS_CONTEXT_LENGTH_EXCEEDED` when even the kept part (system/developer
/// messages and the newest user turn) is over the budget — the message gives both figures, and
/// nothing is returned; `LLMWIRE_STATUS_INVALID_ARGUMENT` when `request_json` or `result_json` is
/// NULL, a string is not UTF-8, `request_json` or `options_json` is not valid JSON (the message
/// gives the line and column), the request has no `messages` array, an option key is unknown (the
/// message names it), `budget_tokens` comes with `window_tokens` or `reserve_output_tokens`, or no
/// budget can be found (no budget or window given and the model is not in the provider's table).
/// Thread-safety: safe from any number of threads at once; the function keeps no state.
#[no_mangle]
pub unsafe extern "C" fn llmwire_trim(
    request_json: *const c_char,
    options_json: *const c_char,
    result_json: *mut *mut c_char,
    err: *mut *mut LlmwireError,
) -> Status {
    // SAFETY (all blocks): the header requires NUL-terminated strings valid for the call (options
    // may be NULL), and writable storage behind `result_json` when it is not NULL.
    let read = || unsafe { request_and_options(request_json, options_json) };
    unsafe {
        json_export(
            err,
            read,
            result_json,
            "result_json",
            |(request, options)| {
                trim_json(request, options)
                    .map(|trimmed| trimmed.to_json())
                    .map_err(ErrorObject::from)
            },
        )
    }
}
