#!/usr/bin/env node
// A native-looking `solc` command over the pinned solc-js (node_modules/solc), for the tools that
// run a compiler binary themselves: forge (foundry.toml `solc = "scripts/solc_native.js"`) and
// slither (`--solc scripts/solc_native.js --solc-standard-json`, through scripts/slither.sh).
// No native solc exists for this machine and nothing may be downloaded, so both compile with the
// same compiler as scripts/compile_contracts.py.
//
//   solc_native.js --version         prints what native solc prints ("Version: 0.8.37+commit…")
//   solc_native.js --standard-json   standard-JSON input on stdin, output on stdout
//
// Other options native solc takes with --standard-json (--allow-paths, --base-path,
// --include-path) only widen where imports may be read from: imports are read from those
// directories and the working directory, and from nowhere else.
'use strict';

const fs = require('fs');
const path = require('path');

let solc;
try {
  solc = require(path.join(__dirname, '..', 'node_modules', 'solc'));
} catch (err) {
  process.stderr.write('solc-js is not installed: run `npm ci` in the repository root (' + err.message + ')\n');
  process.exit(3);
}

const args = process.argv.slice(2);

if (args.includes('--version') || args.includes('-v')) {
  // The long version of solc-js names its build ("…Emscripten.clang"); the version is the same.
  process.stdout.write('solc, the solidity compiler commandline interface\nVersion: ' + solc.version() + '\n');
  process.exit(0);
}

if (!args.includes('--standard-json')) {
  process.stderr.write('solc_native.js only takes --version and --standard-json (got: ' + args.join(' ') + ')\n');
  process.exit(2);
}

// Directories imports may be read from: the working directory and every --base-path,
// --include-path and --allow-paths directory.
const roots = [process.cwd()];
for (let i = 0; i < args.length; ++i) {
  const flag = args[i];
  if (flag === '--base-path' || flag === '--include-path' || flag === '--allow-paths') {
    for (const p of (args[i + 1] || '').split(',')) if (p) roots.push(path.resolve(p));
    ++i;
  }
}

function findImports(importPath) {
  for (const root of roots) {
    const candidate = path.resolve(root, importPath);
    if (!roots.some((r) => candidate === r || candidate.startsWith(r + path.sep))) continue;
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) {
      return { contents: fs.readFileSync(candidate, 'utf8') };
    }
  }
  return { error: 'import not found: ' + importPath };
}

const chunks = [];
process.stdin.on('data', (chunk) => chunks.push(chunk));
process.stdin.on('end', () => {
  const input = Buffer.concat(chunks).toString('utf8');
  process.stdout.write(solc.compile(input, { import: findImports }));
});
