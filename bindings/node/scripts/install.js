'use strict';

/**
 * `npm install` (install): makes sure this platform has a native library.
 *
 * 1. LLMWIRE_LIB is set: the user brings a library; nothing to do.
 * 2. The package carries a prebuilt library for this platform that loads: nothing to do.
 * 3. The package carries the crate (`rust/`) and cargo runs: builds the library in release mode
 *    into `prebuilds/<platform>-<arch>/` (a minute or two) and removes the build folder.
 * 4. Inside a checkout of the repository (development): nothing to do; lib/native.js finds the
 *    Cargo build in `target/`.
 * Otherwise it explains what to do and exits successfully, so that `require('llmwire')` can give
 * the same explanation with the list of paths it tried.
 */

const fs = require('node:fs');
const path = require('node:path');
const { PLATFORM, prebuiltLibrary } = require('../lib/prebuilds');
const { PACKAGE_DIR, CARRIED_CRATE, checkoutCrate, hasCargo, cargoBuild, install } = require('./crate');

/** Whether the library at `file` loads here (right architecture, C library and dependencies). */
function loads(file) {
  if (!fs.existsSync(file)) return false;
  try {
    const koffi = require('koffi');
    const library = koffi.load(file);
    const abiVersion = library.func('uint32_t llmwire_abi_version()');
    return typeof abiVersion() === 'number';
  } catch (error) {
    console.error(`llmwire: the prebuilt ${file} does not load here (${error.message})`);
    return false;
  }
}

function main() {
  if (process.env.LLMWIRE_LIB) return;
  const prebuilt = prebuiltLibrary(PACKAGE_DIR);
  if (loads(prebuilt)) return;
  if (!fs.existsSync(path.join(CARRIED_CRATE, 'Cargo.toml'))) {
    if (checkoutCrate()) return; // development checkout: target/ is used
    console.error(`llmwire: no native library for ${PLATFORM} in this package, and no sources to build one. ` +
      'Set LLMWIRE_LIB to a libllmwire built from the llmwire repository.');
    return;
  }
  if (!hasCargo()) {
    console.error(`llmwire: no prebuilt native library for ${PLATFORM}, and cargo is not available to build ` +
      'one. Install Rust (https://rustup.rs) and reinstall, or set LLMWIRE_LIB to a libllmwire you built.');
    return;
  }
  const ownTarget = !process.env.CARGO_TARGET_DIR;
  const targetDir = ownTarget ? path.join(CARRIED_CRATE, 'target') : path.resolve(process.env.CARGO_TARGET_DIR);
  install(cargoBuild(CARRIED_CRATE, targetDir), prebuilt);
  if (ownTarget) fs.rmSync(targetDir, { recursive: true, force: true });
  console.error(`llmwire: built ${path.relative(PACKAGE_DIR, prebuilt)}`);
}

try {
  main();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
