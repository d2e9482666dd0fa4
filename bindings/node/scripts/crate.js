'use strict';

/**
 * The llmwire crate as the pack and install scripts see it: where it is, what of it the package
 * carries (in `rust/`, so an install can build the library where no prebuilt one fits), and how to
 * build its library with cargo.
 */

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { LIBRARY_FILE } = require('../lib/prebuilds');

const PACKAGE_DIR = path.resolve(__dirname, '..');
/** The copy of the crate inside a packed package. */
const CARRIED_CRATE = path.join(PACKAGE_DIR, 'rust');

/** What building the library needs: manifest, lock file, build script, sources (and the benchmark
 * files the manifest names, which cargo reads even when it does not build them). */
const CRATE_ENTRIES = ['Cargo.toml', 'Cargo.lock', 'build.rs', 'cbindgen.toml', 'README.md', 'LICENSE-MIT',
  'LICENSE-APACHE', 'src', 'benches', 'include'];

/**
 * The checkout this package sits in (bindings/node two levels below the crate), or null.
 *
 * @returns {string | null}
 */
function checkoutCrate() {
  const root = path.resolve(PACKAGE_DIR, '..', '..');
  try {
    return /^\s*name\s*=\s*"llmwire"\s*$/m.test(fs.readFileSync(path.join(root, 'Cargo.toml'), 'utf8')) ? root : null;
  } catch {
    return null;
  }
}

/** Whether `cargo` runs. */
function hasCargo() {
  const probe = spawnSync('cargo', ['--version'], { stdio: 'ignore' });
  return probe.status === 0;
}

/**
 * Builds the library in release mode and returns the built file's path.
 *
 * @param {string} crateDir
 * @param {string} targetDir
 * @returns {string}
 */
function cargoBuild(crateDir, targetDir) {
  // The shipped library: without the simulated provider (the Makefile's LIB_CARGO_FLAGS).
  const args = ['build', '--release', '--lib', '--no-default-features', '--features', 'shipped',
    '--manifest-path', path.join(crateDir, 'Cargo.toml')];
  console.error(`llmwire: cargo ${args.join(' ')} (target ${targetDir})`);
  const run = spawnSync('cargo', args, { stdio: 'inherit', env: { ...process.env, CARGO_TARGET_DIR: targetDir } });
  if (run.status !== 0) throw new Error(`llmwire: cargo build failed (exit status ${run.status ?? run.signal})`);
  return path.join(targetDir, 'release', LIBRARY_FILE);
}

/**
 * Copies `file` to `destination`, creating its folder; replaces rather than overwrites, so a process
 * that has the old file loaded keeps a valid mapping.
 */
function install(file, destination) {
  fs.mkdirSync(path.dirname(destination), { recursive: true });
  const temporary = `${destination}.tmp-${process.pid}`;
  fs.copyFileSync(file, temporary);
  fs.renameSync(temporary, destination);
}

module.exports = { PACKAGE_DIR, CARRIED_CRATE, CRATE_ENTRIES, checkoutCrate, hasCargo, cargoBuild, install };
