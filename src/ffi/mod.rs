//! The C ABI: conversions and the panic boundary, nothing else.
//!
//! Every exported function runs its body inside `guard` (or `guard_value`), so no panic ever
//! unwinds into C. Fallible functions return [`Status`] and write an owned `llmwire_error` to their
//! optional last parameter on failure; their out-parameters are written only on success. Logic lives
//! in the core; this module only checks pointers, converts strings and moves ownership.
//!
//! All `unsafe` code of the crate lives here.
//!
//! The exported functions are `unsafe extern "C"`: their safety contract (which pointers may be
//! NULL, who owns what, for how long) is the doc comment that cbindgen copies into the header, so
//! it is written for C readers rather than as a Rust `# Safety` section.
#![allow(clippy::missing_safety_doc)]

pub mod async_call;
pub mod classify;
pub mod client;
pub mod error;
pub mod status;
pub mod trim;
pub mod validate;
pub mod version;

use std::ffi::{c_char, CStr, CString};
use std::panic::{self, AssertUnwindSafe};

use crate::error::ErrorObject;
use crate::taxonomy::ErrorClass;
use error::LlmwireError;
use status::Status;

/// Runs a fallible export's body behind the panic boundary.
///
/// On failure (an error or a caught panic) writes a new error object to `*err` when `err` is not
/// NULL, and returns the matching status; on success leaves `*err` untouched.
pub(crate) fn guard<F>(err: *mut *mut LlmwireError, body: F) -> Status
where
    F: FnOnce() -> Result<(), ErrorObject>,
{
    let error = match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return Status::Ok,
        Ok(Err(error)) => error,
        Err(payload) => panic_error(&*payload),
    };
    let status = Status::from(error.class());
    if !err.is_null() {
        let boxed = Box::into_raw(Box::new(LlmwireError::new(error)));
        // SAFETY: the caller passes either NULL (checked above) or a pointer to writable storage for
        // one `llmwire_error *`, as the header documents for every `err` parameter.
        unsafe { *err = boxed };
    }
    status
}

/// Runs an infallible export's body behind the panic boundary, returning `fallback` on a panic.
pub(crate) fn guard_value<T, F: FnOnce() -> T>(fallback: T, body: F) -> T {
    panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// The error object reporting a caught panic.
pub(crate) fn panic_error(payload: &(dyn std::any::Any + Send)) -> ErrorObject {
    ErrorObject::local(
        ErrorClass::Panic,
        format!(
            "llmwire panicked (please report this bug): {}",
            panic_message(payload)
        ),
    )
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "a non-text panic payload"
    }
}

/// Borrows a C string argument as UTF-8, naming the parameter when it is NULL or not UTF-8.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays valid and unchanged for `'a`.
pub(crate) unsafe fn arg_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, ErrorObject> {
    if ptr.is_null() {
        return Err(invalid_argument(format!("{name} is NULL")));
    }
    // SAFETY: non-NULL and NUL-terminated per this function's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    std::str::from_utf8(bytes).map_err(|e| {
        invalid_argument(format!(
            "{name} is not valid UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })
}

/// Borrows an optional C string argument: NULL gives `None`; otherwise as [`arg_str`].
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays valid and unchanged for `'a`.
pub(crate) unsafe fn optional_arg_str<'a>(
    ptr: *const c_char,
    name: &str,
) -> Result<Option<&'a str>, ErrorObject> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL here; the rest of the contract is this function's.
    unsafe { arg_str(ptr, name) }.map(Some)
}

/// Takes back and drops an object handed to C with `Box::into_raw`. NULL is ignored.
///
/// # Safety
/// `object` is NULL or a pointer from `Box::into_raw::<T>` not freed before.
pub(crate) unsafe fn free_boxed<T>(object: *mut T) {
    if object.is_null() {
        return;
    }
    guard_value((), || {
        // SAFETY: per this function's contract.
        drop(unsafe { Box::from_raw(object) });
    });
}

/// Fails with `invalid_argument` when a required out-parameter is NULL.
pub(crate) fn require_out<T>(ptr: *mut T, name: &str) -> Result<(), ErrorObject> {
    if ptr.is_null() {
        Err(invalid_argument(format!("{name} is NULL")))
    } else {
        Ok(())
    }
}

/// Hands `text` to C as a new string the caller frees with `llmwire_string_free`.
///
/// # Safety
/// `out` is non-NULL and points to writable storage for one `char *`.
pub(crate) unsafe fn write_string(out: *mut *mut c_char, text: String) {
    let raw = to_cstring(text).into_raw();
    // SAFETY: per this function's contract.
    unsafe { *out = raw };
}

/// Converts text to a C string; an interior NUL (possible in a server's message) becomes U+FFFD.
pub(crate) fn to_cstring(text: String) -> CString {
    CString::new(text).unwrap_or_else(|e| {
        let cleaned = String::from_utf8_lossy(&e.into_vec()).replace('\0', "\u{FFFD}");
        // Every NUL was just replaced, so this cannot fail; fall back to empty rather than panic.
        CString::new(cleaned).unwrap_or_default()
    })
}

fn invalid_argument(message: String) -> ErrorObject {
    ErrorObject::local(ErrorClass::InvalidArgument, message)
}

/// Frees a string returned by llmwire. NULL is ignored.
///
/// Ownership: takes back a `char *` that an llmwire function handed out (JSON results, rendered
/// errors); after the call the pointer is dangling. Never pass strings from elsewhere, and never
/// pass the borrowed `const char *` returned by accessors such as `llmwire_error_message`.
/// Thread-safety: safe from any thread.
#[no_mangle]
pub unsafe extern "C" fn llmwire_string_free(string: *mut c_char) {
    if string.is_null() {
        return;
    }
    guard_value((), || {
        // SAFETY: the caller returns a pointer created by `CString::into_raw` in `write_string`.
        drop(unsafe { CString::from_raw(string) });
    });
}
