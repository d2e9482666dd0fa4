// Types for the ES module entry point (index.mjs): the same declarations as index.d.ts.
import * as llmwire from './index.js';

export * from './index.js';
export default llmwire;
