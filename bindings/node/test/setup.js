'use strict';

// Loaded first by `npm test` (--require). The tests exercise the library that `cargo build` made
// (target/debug) rather than a release build that may be stale; LLMWIRE_LIB still wins when set.
const fs = require('node:fs');
const path = require('node:path');

if (!process.env.LLMWIRE_LIB) {
  const file = { win32: 'llmwire.dll', darwin: 'libllmwire.dylib' }[process.platform] ?? 'libllmwire.so';
  const debugBuild = path.resolve(__dirname, '..', '..', '..', 'target', 'debug', file);
  if (fs.existsSync(debugBuild)) process.env.LLMWIRE_LIB = debugBuild;
}
