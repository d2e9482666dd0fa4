'use strict';

/**
 * One naming convention for what the binding hands out: the library speaks JSON with snake_case
 * keys; JavaScript objects from this binding use camelCase. Configuration and options are
 * accepted in either form and given to the library in snake_case.
 *
 * Keys are renamed, never values; the values under "opaque" keys (maps keyed by data, such as
 * class names or header names, and request bodies) are passed through untouched.
 *
 * @module llmwire/lib/case
 */

/**
 * `rename` with its answers remembered: the same few dozen keys come back in every completion's
 * report, and a regular expression per key was a tenth of a call's cost in JavaScript. Keys the
 * library did not name (a provider's, a user's) could be unbounded, so the memory stops growing
 * at a fixed size.
 *
 * @param {(key: string) => string} rename
 * @returns {(key: string) => string}
 */
function remembered(rename) {
  const known = new Map();
  return (key) => {
    let renamed = known.get(key);
    if (renamed === undefined) {
      renamed = rename(key);
      if (known.size < 1024) known.set(key, renamed);
    }
    return renamed;
  };
}

const camelKey = remembered((key) => key.replace(/_([a-z0-9])/g, (_, letter) => letter.toUpperCase()));

const snakeKey = remembered((key) => {
  if (!/[A-Z]/.test(key)) return key;
  // `apiKey` → `api_key`, `baseURL` → `base_url`, `caCertsPEM` → `ca_certs_pem`.
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
});

/**
 * @param {unknown} value
 * @param {(key: string) => string} rename
 * @param {ReadonlySet<string>} opaque
 * @returns {any}
 */
function renameKeys(value, rename, opaque) {
  if (Array.isArray(value)) return value.map((item) => renameKeys(item, rename, opaque));
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const renamed = {};
  for (const key of Object.keys(value)) {
    const inner = value[key];
    const name = rename(key);
    renamed[name] = opaque.has(key) || opaque.has(name) ? inner : renameKeys(inner, rename, opaque);
  }
  return renamed;
}

const NOTHING = new Set();

/**
 * The library's output with camelCase keys.
 *
 * @param {unknown} value
 * @param {ReadonlySet<string>} [opaque] keys (in either form) whose values are kept as they are.
 */
function camelCaseKeys(value, opaque = NOTHING) {
  return renameKeys(value, camelKey, opaque);
}

/**
 * Configuration or options with snake_case keys, for the library; keys already in snake_case
 * are unchanged, so both forms are accepted (and may be mixed).
 *
 * @param {unknown} value
 * @param {ReadonlySet<string>} [opaque] keys (in either form) whose values are kept as they are.
 */
function snakeCaseKeys(value, opaque = NOTHING) {
  return renameKeys(value, snakeKey, opaque);
}

/**
 * A completion with its `llmwire` report (attempts, repairs, warnings) in camelCase; the rest is
 * the provider's object, left as it is.
 *
 * @param {any} completion
 * @returns {any}
 */
function camelCaseReport(completion) {
  if (completion && typeof completion === 'object' && completion.llmwire) {
    completion.llmwire = camelCaseKeys(completion.llmwire);
  }
  return completion;
}

/** Values in the metrics that are maps from class names to counts. */
const METRICS_MAPS = new Set(['failures_by_class', 'retries_by_class']);
/** In the client configuration, header names are data. */
const CONFIG_MAPS = new Set(['headers']);
/** In a validation report, the (repaired) request is a request body, in the API's own names. */
const REPORT_BODIES = new Set(['request']);

module.exports = { camelCaseKeys, camelCaseReport, snakeCaseKeys, METRICS_MAPS, CONFIG_MAPS, REPORT_BODIES };
