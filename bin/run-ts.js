#!/usr/bin/env node
// Runs one TypeScript file (a benchmark or a script) through tsx: `node bin/run-ts.js file.ts [args]`.
require('tsx/cjs/api').register();
const path = require('node:path');
const [file] = process.argv.splice(2, 1);
if (!file) {
  console.error('usage: node bin/run-ts.js <file.ts> [args...]');
  process.exit(2);
}
require(path.resolve(file));
