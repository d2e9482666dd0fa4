'use strict';

/**
 * Where the package keeps its own copy of the native library: `prebuilds/<platform>-<arch>/`, the
 * per-platform layout of prebuildify and node-gyp-build (e.g. `prebuilds/linux-x64/libllmwire.so`).
 * `npm pack` fills it for the packing machine (scripts/prebuild.js); an install on a platform with
 * no fitting copy builds one there from the crate sources the package carries (scripts/install.js).
 *
 * @module llmwire/lib/prebuilds
 */

const path = require('node:path');

/** The file name of the shared library on this platform. */
const LIBRARY_FILE = {
  win32: 'llmwire.dll',
  darwin: 'libllmwire.dylib',
}[process.platform] ?? 'libllmwire.so';

/** This machine's folder name under `prebuilds/`, e.g. `linux-x64`. */
const PLATFORM = `${process.platform}-${process.arch}`;

/**
 * The library this platform would use inside the package at `packageDir`.
 *
 * @param {string} packageDir
 * @returns {string}
 */
function prebuiltLibrary(packageDir) {
  return path.join(packageDir, 'prebuilds', PLATFORM, LIBRARY_FILE);
}

module.exports = { LIBRARY_FILE, PLATFORM, prebuiltLibrary };
