#!/usr/bin/env node
// Compile a Solidity standard-JSON input (stdin) with the locally installed solc-js and
// print the standard-JSON output (stdout). `--version` prints the compiler's long version.
// Imports are resolved by the caller (every source is passed inline), so nothing is ever
// read from disk or downloaded here.
'use strict';

let solc;
try {
  solc = require('solc');
} catch (err) {
  process.stderr.write(
    'solc-js is not installed: run `npm ci` in the repository root (' + err.message + ')\n'
  );
  process.exit(3);
}

if (process.argv.includes('--version')) {
  process.stdout.write(solc.version() + '\n');
  process.exit(0);
}

const chunks = [];
process.stdin.on('data', (chunk) => chunks.push(chunk));
process.stdin.on('end', () => {
  const input = Buffer.concat(chunks).toString('utf8');
  const findImports = (path) => ({
    error: 'import not found: ' + path + ' (pass every source in the standard-JSON input)',
  });
  process.stdout.write(solc.compile(input, { import: findImports }));
});
