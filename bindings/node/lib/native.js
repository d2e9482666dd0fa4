'use strict';

/**
 * The foreign layer: finds libllmwire, checks its ABI version and declares every C function the
 * binding uses, in the order of `include/llmwire.h`. Nothing here knows about retries or classes;
 * it only moves strings and pointers across the boundary.
 *
 * @module llmwire/lib/native
 */

const fs = require('node:fs');
const path = require('node:path');
const koffi = require('koffi');
const { prebuiltLibrary } = require('./prebuilds');

/** The C ABI version this binding speaks (`LLMWIRE_ABI_VERSION` in the header). */
const EXPECTED_ABI_VERSION = 1;

/** The file name of the shared library on this platform. */
const LIBRARY_FILE = {
  win32: 'llmwire.dll',
  darwin: 'libllmwire.dylib',
}[process.platform] ?? 'libllmwire.so';

/** The package's own folder (bindings/node in the repository). */
const PACKAGE_DIR = path.resolve(__dirname, '..');

/**
 * Finds the folder of the llmwire Cargo workspace at or above `start`, or null.
 *
 * @param {string} start
 * @returns {string | null}
 */
function findCrateRoot(start) {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'Cargo.toml');
    try {
      if (/^\s*name\s*=\s*"llmwire"\s*$/m.test(fs.readFileSync(manifest, 'utf8'))) return dir;
    } catch {
      // No manifest here (or unreadable): keep walking up.
    }
    if (path.dirname(dir) === dir) return null;
  }
}

/**
 * The places the library is looked for, in order: `LLMWIRE_LIB`, the package's own copy for this
 * platform (`prebuilds/<platform>-<arch>/`, see lib/prebuilds.js), a copy next to the package, then
 * the Cargo build outputs of the repository the package sits in (release before debug).
 *
 * @returns {{path: string, origin: string}[]}
 */
function candidatePaths() {
  const candidates = [];
  if (process.env.LLMWIRE_LIB) {
    candidates.push({ path: path.resolve(process.env.LLMWIRE_LIB), origin: 'LLMWIRE_LIB' });
    return candidates; // An explicit choice is never second-guessed.
  }
  candidates.push({ path: prebuiltLibrary(PACKAGE_DIR), origin: 'built for this platform with the package' });
  candidates.push({ path: path.join(PACKAGE_DIR, LIBRARY_FILE), origin: 'next to the package' });
  const root = findCrateRoot(PACKAGE_DIR);
  if (root) {
    const targets = [];
    if (process.env.CARGO_TARGET_DIR) targets.push(path.resolve(root, process.env.CARGO_TARGET_DIR));
    targets.push(path.join(root, 'target'));
    for (const target of targets) {
      for (const profile of ['release', 'debug']) {
        candidates.push({ path: path.join(target, profile, LIBRARY_FILE), origin: `cargo ${profile} build` });
      }
    }
  }
  return candidates;
}

/**
 * Resolves the library path, or throws an error listing every path tried and how to fix it.
 *
 * @returns {string}
 */
function locateLibrary() {
  const candidates = candidatePaths();
  const found = candidates.find((c) => fs.existsSync(c.path));
  if (found) return found.path;
  const tried = candidates.map((c) => `  - ${c.path} (${c.origin})`).join('\n');
  const fix = process.env.LLMWIRE_LIB
    ? `LLMWIRE_LIB names a file that does not exist; point it at ${LIBRARY_FILE}.`
    : `Build it with \`cargo build --release\` in the llmwire repository, copy ${LIBRARY_FILE} ` +
      `next to this package, or set LLMWIRE_LIB=/path/to/${LIBRARY_FILE}.`;
  throw new Error(`llmwire: cannot find the native library ${LIBRARY_FILE}. Tried:\n${tried}\n${fix}`);
}

/**
 * Koffi runs native code on stacks it allocates itself, 128 KiB for async calls by default. Rust
 * code is written and tested for the 2 MiB stack of a Rust thread (the validator and the JSON
 * parser recurse into nested requests), so give async calls that much before the first load. The
 * memory is reserved, not committed: the cost is address space. Also allow more queued calls.
 */
function configureKoffi() {
  const wanted = { async_stack_size: 2 * 1024 * 1024, max_async_calls: 1024 };
  const current = koffi.config();
  const change = Object.fromEntries(Object.entries(wanted).filter(([key, value]) => current[key] < value));
  if (Object.keys(change).length === 0) return;
  try {
    koffi.config({ ...current, ...change });
  } catch (error) {
    // Another module loaded a library through this koffi instance first; keep its settings.
    process.emitWarning(`llmwire: cannot raise koffi's async stack size (${error.message}); ` +
      'deeply nested requests may crash. Require llmwire before other koffi users.', 'LlmwireWarning');
  }
}

configureKoffi();
const libraryPath = locateLibrary();
const lib = koffi.load(libraryPath);

/**
 * Declares a named koffi type once per koffi instance: a second copy of this module (a test
 * runner that resets its module registry, say) reuses the types the first one declared.
 *
 * @param {string} name
 * @param {() => unknown} declare
 */
function namedType(name, declare) {
  try {
    return koffi.type(name);
  } catch {
    return declare();
  }
}

// Types of the header. Statuses are plain int32 values; handles are opaque pointers (BigInt in JS).
namedType('llmwire_status', () => koffi.alias('llmwire_status', 'int32_t'));
namedType('llmwire_cancel', () => koffi.opaque('llmwire_cancel'));
namedType('llmwire_client', () => koffi.opaque('llmwire_client'));
namedType('llmwire_error', () => koffi.opaque('llmwire_error'));
const ChunkCallback = namedType('llmwire_chunk_callback',
  () => koffi.proto('int32_t llmwire_chunk_callback(const char *chunk_json, void *user_data)'));
const EventCallback = namedType('llmwire_event_callback',
  () => koffi.proto('void llmwire_event_callback(const char *event_json, void *user_data)'));
namedType('llmwire_call', () => koffi.opaque('llmwire_call'));
namedType('llmwire_queue', () => koffi.opaque('llmwire_queue'));
// The started-call callbacks. `user_data` is declared as an integer (the binding passes a call
// id, not a pointer; same size and passing convention as `void *`), and the owned response as
// `void *` so that the binding can free it after decoding.
const DoneCallback = namedType('llmwire_done_callback',
  () => koffi.proto('void llmwire_done_callback(llmwire_call *call, llmwire_status status, void *response_json, llmwire_error *error, uintptr_t user_data)'));
const ChunksCallback = namedType('llmwire_chunks_callback',
  () => koffi.proto('int32_t llmwire_chunks_callback(llmwire_call *call, const char *chunks_json, size_t count, uintptr_t user_data)'));

/**
 * A `char *` the library hands over: converted to a JS string, then freed with
 * `llmwire_string_free` at once. Every owned-string out-parameter below uses this type, so
 * ownership is visible in the signature and no string can leak.
 */
namedType('llmwire_owned_string',
  () => koffi.disposable('llmwire_owned_string', 'char *', (pointer) => functions.llmwire_string_free(pointer)));

/**
 * Every foreign signature, in header order. `optional: true` marks functions a library may not
 * have yet; they are bound when present and are `null` otherwise.
 */
const SIGNATURES = [
  ['void llmwire_string_free(char *string)'],
  ['llmwire_status llmwire_classify(const char *input_json, _Out_ llmwire_owned_string *out_json, _Out_ llmwire_error **err)'],
  ['llmwire_status llmwire_client_new(const char *config_json, _Out_ llmwire_client **out_client, _Out_ llmwire_error **err)'],
  ['void llmwire_client_free(llmwire_client *client)'],
  ['llmwire_status llmwire_chat(const llmwire_client *client, const char *request_json, const llmwire_cancel *cancel, _Out_ llmwire_owned_string *out_response_json, _Out_ llmwire_error **err)'],
  ['llmwire_status llmwire_chat_stream(const llmwire_client *client, const char *request_json, const llmwire_cancel *cancel, llmwire_chunk_callback *on_chunk, void *user_data, _Out_ llmwire_owned_string *out_response_json, _Out_ llmwire_error **err)'],
  ['llmwire_cancel *llmwire_cancel_new()'],
  ['void llmwire_cancel_trigger(const llmwire_cancel *cancel)'],
  ['void llmwire_cancel_free(llmwire_cancel *cancel)'],
  ['llmwire_status llmwire_chat_start(const llmwire_client *client, const char *request_json, llmwire_done_callback *on_done, uintptr_t user_data, _Out_ llmwire_call **out_call, _Out_ llmwire_error **err)'],
  ['llmwire_status llmwire_chat_stream_start(const llmwire_client *client, const char *request_json, size_t max_buffered_chunks, llmwire_chunks_callback *on_chunks, llmwire_done_callback *on_done, uintptr_t user_data, _Out_ llmwire_call **out_call, _Out_ llmwire_error **err)'],
  ['void llmwire_call_cancel(const llmwire_call *call)'],
  ['void llmwire_call_resume(const llmwire_call *call)'],
  ['void llmwire_call_free(llmwire_call *call)'],
  ['void llmwire_call_pause(const llmwire_call *call)'],
  ['llmwire_status llmwire_queue_new(_Out_ llmwire_queue **out_queue, _Out_ llmwire_error **err)'],
  ['void llmwire_queue_free(llmwire_queue *queue)'],
  ['int32_t llmwire_queue_fd(const llmwire_queue *queue)'],
  ['llmwire_status llmwire_queue_take(const llmwire_queue *queue, _Out_ llmwire_owned_string *out_json, _Out_ llmwire_error **err)'],
  ['llmwire_status llmwire_chat_submit(const llmwire_client *client, const char *request_json, const llmwire_queue *queue, uint64_t tag, _Out_ llmwire_call **out_call, _Out_ llmwire_error **err)'],
  ['llmwire_status llmwire_chat_stream_submit(const llmwire_client *client, const char *request_json, size_t max_buffered_chunks, const llmwire_queue *queue, uint64_t tag, _Out_ llmwire_call **out_call, _Out_ llmwire_error **err)'],
  ['llmwire_status llmwire_pool_set_max_threads(size_t max_threads, _Out_ llmwire_error **err)'],
  ['size_t llmwire_pool_max_threads()'],
  ['llmwire_status llmwire_client_metrics(const llmwire_client *client, const char *format, _Out_ llmwire_owned_string *out, _Out_ llmwire_error **err)'],
  ['llmwire_status llmwire_client_set_event_callback(const llmwire_client *client, llmwire_event_callback *callback, void *user_data, _Out_ llmwire_error **err)'],
  ['const char *llmwire_status_str(int32_t status)'],
  ['void llmwire_error_free(llmwire_error *error)'],
  ['llmwire_status llmwire_error_status(const llmwire_error *error)'],
  ['const char *llmwire_error_class(const llmwire_error *error)'],
  ['int32_t llmwire_error_http_status(const llmwire_error *error)'],
  ['int64_t llmwire_error_retry_after_ms(const llmwire_error *error)'],
  ['const char *llmwire_error_message(const llmwire_error *error)'],
  ['const char *llmwire_error_summary(const llmwire_error *error)'],
  ['llmwire_status llmwire_error_to_json(const llmwire_error *error, _Out_ llmwire_owned_string *out_json, _Out_ llmwire_error **err)'],
  ['llmwire_status llmwire_validate(const char *request_json, const char *options_json, _Out_ llmwire_owned_string *report_json, _Out_ llmwire_error **err)'],
  ['const char *llmwire_version()'],
  ['uint32_t llmwire_abi_version()'],
  ['llmwire_status llmwire_debug_panic(_Out_ llmwire_error **err)'],
  // Not in the header yet: bound when a library has it.
  ['llmwire_status llmwire_trim(const char *request_json, const char *options_json, _Out_ llmwire_owned_string *out_request_json, _Out_ llmwire_error **err)', { optional: true }],
];

/** @type {Record<string, (Function & {async: Function}) | null>} */
const functions = {};
const missing = [];
for (const [signature, { optional = false } = {}] of SIGNATURES) {
  const name = /(llmwire_\w+)\(/.exec(signature)[1];
  try {
    functions[name] = lib.func(signature);
  } catch {
    functions[name] = null;
    if (!optional) missing.push(name);
  }
}

// The ABI check comes first: a library of another ABI may well lack some functions, and its
// version is the more useful thing to report.
const abiVersion = functions.llmwire_abi_version?.();
if (abiVersion === undefined) {
  throw new Error(`llmwire: ${libraryPath} is not libllmwire (it has no llmwire_abi_version). ` +
    'Point LLMWIRE_LIB at the library built from the llmwire repository.');
}
if (abiVersion !== EXPECTED_ABI_VERSION) {
  throw new Error(`llmwire: ${libraryPath} speaks C ABI version ${abiVersion}, but this binding ` +
    `needs version ${EXPECTED_ABI_VERSION}. Install the binding that matches the library, or ` +
    'rebuild the library from the same llmwire checkout as the binding.');
}
if (missing.length > 0) {
  throw new Error(`llmwire: ${libraryPath} lacks ${missing.join(', ')}; it is an incomplete or ` +
    'stale build. Rebuild it, or point LLMWIRE_LIB at a matching library.');
}

module.exports = {
  koffi,
  libraryPath,
  functions,
  ChunkCallback,
  EventCallback,
  DoneCallback,
  ChunksCallback,
  EXPECTED_ABI_VERSION,
  candidatePaths,
};
