//! `llmwire_error`: the owned error object handed to C, and its accessors.

use std::ffi::{c_char, CString};

use super::status::Status;
use super::{free_boxed, guard_value, json_export, to_cstring};
use crate::error::ErrorObject;
use crate::taxonomy::ErrorClass;

/// An error object owned by the caller. Opaque in C.
pub struct LlmwireError {
    object: ErrorObject,
    // Kept as C strings so accessors can lend them until the error is freed.
    message: CString,
    summary: CString,
}

impl LlmwireError {
    pub(crate) fn new(object: ErrorObject) -> LlmwireError {
        LlmwireError {
            message: to_cstring(object.classification.message.clone()),
            summary: to_cstring(object.summary.clone()),
            object,
        }
    }
}

/// Borrows the error behind a pointer, or `None` for NULL.
///
/// # Safety
/// `error` is NULL or a live pointer returned by llmwire.
unsafe fn borrow<'a>(error: *const LlmwireError) -> Option<&'a LlmwireError> {
    // SAFETY: per this function's contract.
    unsafe { error.as_ref() }
}

/// The C name of a status value, e.g. "LLMWIRE_STATUS_RATE_LIMITED", as a static string (never free
/// it). Values llmwire never returns give "LLMWIRE_STATUS_UNKNOWN". Thread-safety: safe from any
/// thread. Never fails.
#[no_mangle]
pub extern "C" fn llmwire_status_str(status: i32) -> *const c_char {
    guard_value(c"LLMWIRE_STATUS_UNKNOWN".as_ptr(), || {
        if status == Status::Ok as i32 {
            return c"LLMWIRE_STATUS_OK".as_ptr();
        }
        ErrorClass::from_code(status).map_or(c"LLMWIRE_STATUS_UNKNOWN".as_ptr(), |class| {
            class.status_name_c().as_ptr()
        })
    })
}

/// Frees an error object. NULL is ignored.
///
/// Ownership: takes back an error written to an `err` out-parameter; afterwards the pointer, and
/// every string borrowed from it, is dangling. Thread-safety: an error object may be moved between
/// threads; free it once.
#[no_mangle]
pub unsafe extern "C" fn llmwire_error_free(error: *mut LlmwireError) {
    // SAFETY: NULL or a pointer llmwire handed out, freed once, per the header.
    unsafe { free_boxed(error) }
}

/// The status that the failed call returned. NULL gives `LLMWIRE_STATUS_INVALID_ARGUMENT`.
/// Thread-safety: error objects are immutable; accessors may run concurrently.
#[no_mangle]
pub unsafe extern "C" fn llmwire_error_status(error: *const LlmwireError) -> Status {
    guard_value(Status::Internal, || {
        // SAFETY: NULL or a live error, per the header.
        unsafe { borrow(error) }.map_or(Status::InvalidArgument, |e| Status::from(e.object.class()))
    })
}

/// The error's class name, e.g. "rate_limited" (see the status list), as a static string (never
/// free it). NULL gives "invalid_argument". Thread-safety: as for `llmwire_error_status`.
#[no_mangle]
pub unsafe extern "C" fn llmwire_error_class(error: *const LlmwireError) -> *const c_char {
    guard_value(c"internal".as_ptr(), || {
        // SAFETY: NULL or a live error, per the header.
        let class =
            unsafe { borrow(error) }.map_or(ErrorClass::InvalidArgument, |e| e.object.class());
        class.name_c().as_ptr()
    })
}

/// The HTTP status of the response that decided the error, or 0 when there was none (a local
/// error, a transport fault) or `error` is NULL. Thread-safety: as for `llmwire_error_status`.
#[no_mangle]
pub unsafe extern "C" fn llmwire_error_http_status(error: *const LlmwireError) -> i32 {
    guard_value(0, || {
        // SAFETY: NULL or a live error, per the header.
        unsafe { borrow(error) }
            .and_then(|e| e.object.classification.http_status)
            .map_or(0, i32::from)
    })
}

/// The delay in milliseconds the server asked for before a retry, or -1 when it gave none (or
/// `error` is NULL). Thread-safety: as for `llmwire_error_status`.
#[no_mangle]
pub unsafe extern "C" fn llmwire_error_retry_after_ms(error: *const LlmwireError) -> i64 {
    guard_value(-1, || {
        // SAFETY: NULL or a live error, per the header.
        unsafe { borrow(error) }
            .and_then(|e| e.object.classification.retry_after_ms)
            .map_or(-1, |ms| i64::try_from(ms).unwrap_or(i64::MAX))
    })
}

/// The provider's own message (or, for local errors, llmwire's), borrowed: valid until the error
/// is freed; do not free it. NULL gives "". Thread-safety: as for `llmwire_error_status`.
#[no_mangle]
pub unsafe extern "C" fn llmwire_error_message(error: *const LlmwireError) -> *const c_char {
    guard_value(c"".as_ptr(), || {
        // SAFETY: NULL or a live error, per the header.
        unsafe { borrow(error) }.map_or(c"".as_ptr(), |e| e.message.as_ptr())
    })
}

/// One line a person can act on, e.g. "not retried: invalid_request — 400 INVALID_ARGUMENT: …",
/// borrowed: valid until the error is freed; do not free it. NULL gives "". Thread-safety: as for
/// `llmwire_error_status`.
#[no_mangle]
pub unsafe extern "C" fn llmwire_error_summary(error: *const LlmwireError) -> *const c_char {
    guard_value(c"".as_ptr(), || {
        // SAFETY: NULL or a live error, per the header.
        unsafe { borrow(error) }.map_or(c"".as_ptr(), |e| e.summary.as_ptr())
    })
}

/// Renders the whole error object as JSON: class, status, stop_reason, summary, the classification
/// fields and every attempt.
///
/// Ownership: `error` is borrowed; on success `*out_json` receives a new string the caller frees
/// with `llmwire_string_free`. Errors: `LLMWIRE_STATUS_INVALID_ARGUMENT` when `error` or `out_json`
/// is NULL (then `*out_json` is untouched and, if `err` is not NULL, `*err` receives a new error).
/// Thread-safety: as for `llmwire_error_status`.
#[no_mangle]
pub unsafe extern "C" fn llmwire_error_to_json(
    error: *const LlmwireError,
    out_json: *mut *mut c_char,
    err: *mut *mut LlmwireError,
) -> Status {
    let render = |()| {
        // SAFETY: NULL or a live error, per the header.
        let error = unsafe { borrow(error) }
            .ok_or_else(|| ErrorObject::local(ErrorClass::InvalidArgument, "error is NULL"))?;
        Ok(error.object.to_json())
    };
    // SAFETY: `out_json` is NULL or writable storage, per the header.
    unsafe { json_export(err, || Ok(()), out_json, "out_json", render) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn every_status_string_is_static_and_named() {
        for class in ErrorClass::ALL {
            // SAFETY: llmwire_status_str returns static NUL-terminated strings.
            let name = unsafe { CStr::from_ptr(llmwire_status_str(class.code())) };
            assert_eq!(name.to_str().unwrap(), class.status_name());
        }
    }
}
