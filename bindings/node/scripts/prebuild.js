'use strict';

/**
 * `npm pack` / `npm publish` (prepack): builds the library in release mode from the checkout this
 * package sits in and puts it in `prebuilds/<platform>-<arch>/`, and copies the crate sources into
 * `rust/` so an install elsewhere can build from source when no prebuilt library fits.
 * `--clean` (postpack) removes both again, so the checkout's own tests keep using `target/`.
 *
 * LLMWIRE_PREBUILT_LIB=/path/to/libllmwire.so packs that file instead of running cargo (the
 * repository's package tests use it to reuse the release build they already have).
 */

const fs = require('node:fs');
const path = require('node:path');
const { PLATFORM, prebuiltLibrary } = require('../lib/prebuilds');
const { PACKAGE_DIR, CARRIED_CRATE, CRATE_ENTRIES, checkoutCrate, cargoBuild, install } = require('./crate');

const PREBUILDS = path.join(PACKAGE_DIR, 'prebuilds');

function clean() {
  fs.rmSync(PREBUILDS, { recursive: true, force: true });
  fs.rmSync(CARRIED_CRATE, { recursive: true, force: true });
}

function prebuild() {
  const crate = checkoutCrate();
  if (!crate) throw new Error('llmwire: packing needs the llmwire repository around bindings/node');
  clean();
  const library = process.env.LLMWIRE_PREBUILT_LIB ||
    cargoBuild(crate, path.resolve(crate, process.env.CARGO_TARGET_DIR || 'target'));
  if (!fs.existsSync(library)) throw new Error(`llmwire: no library at ${library}`);
  install(library, prebuiltLibrary(PACKAGE_DIR));
  for (const entry of CRATE_ENTRIES) {
    const source = path.join(crate, entry);
    if (fs.existsSync(source)) fs.cpSync(source, path.join(CARRIED_CRATE, entry), { recursive: true });
  }
  console.error(`llmwire: packed ${path.relative(PACKAGE_DIR, prebuiltLibrary(PACKAGE_DIR))} (${PLATFORM}) and the crate in rust/`);
}

try {
  if (process.argv.includes('--clean')) clean();
  else prebuild();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
