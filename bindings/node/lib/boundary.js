'use strict';

/**
 * Crossing the boundary: JS values to JSON text, status codes to thrown errors, and synchronous
 * calls (the started calls of `client.js` report through callbacks instead). Every
 * `llmwire_error` handed out by the library is rendered and freed here, and nowhere else.
 *
 * @module llmwire/lib/boundary
 */

const { functions: native } = require('./native');
const { errorFromObject, localError } = require('./errors');

const STATUS_OK = 0;

/**
 * Serialises a JS value for the library, or throws `InvalidArgument` saying why it cannot be.
 *
 * @param {unknown} value
 * @param {string} what The name of the argument, for the message.
 * @returns {string}
 */
function toJson(value, what) {
  let text;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw localError('invalid_argument', `${what} cannot be converted to JSON: ${cause.message}`, { cause });
  }
  if (typeof text !== 'string') {
    throw localError('invalid_argument', `${what} must be a JSON value, not ${typeof value}`);
  }
  return text;
}

/**
 * Turns an `llmwire_error *` into a JS error and frees it.
 *
 * @param {number} status The status the failed call returned.
 * @param {bigint | null} pointer The error object the call wrote, if any.
 * @returns {import('./errors').LlmwireError}
 */
function takeError(status, pointer) {
  if (!pointer) {
    // Every failing call writes an error when asked; this only guards against a broken library.
    const name = native.llmwire_status_str(status);
    return localError(name.replace(/^LLMWIRE_STATUS_/, '').toLowerCase(), `the call failed with ${name}`);
  }
  try {
    const rendered = [null];
    const renderStatus = native.llmwire_error_to_json(pointer, rendered, null);
    if (renderStatus !== STATUS_OK) {
      return localError('internal', `cannot render an error of status ${native.llmwire_status_str(status)}`);
    }
    return errorFromObject(JSON.parse(rendered[0]));
  } finally {
    native.llmwire_error_free(pointer);
  }
}

/**
 * Calls a fallible function on this thread. `fn` takes `inputs`, then its out-parameter, then
 * `err`; the value written to the out-parameter is returned.
 *
 * @param {Function} fn
 * @param {...unknown} inputs
 * @returns {any}
 */
function callSync(fn, ...inputs) {
  const out = [null];
  const err = [null];
  const status = fn(...inputs, out, err);
  if (status !== STATUS_OK) {
    const error = takeError(status, err[0]);
    Error.captureStackTrace(error, callSync); // Start the trace at the caller, not in here.
    throw error;
  }
  return out[0];
}

module.exports = { toJson, takeError, callSync };
