// Hardhat 2 configuration: compiles contracts/ with the solc-js in node_modules, with exactly the
// settings of scripts/compile_contracts.py (tests/test_artifacts.py proves the bytecode matches).
// Hardhat would otherwise download the compiler; the subtask override below prevents that.
const { subtask } = require('hardhat/config');
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require('hardhat/builtin-tasks/task-names');
const solc = require('solc');

const SOLC_VERSION = '0.8.37';

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async ({ solcVersion }, hre, runSuper) => {
  if (solcVersion !== SOLC_VERSION) {
    return runSuper();
  }
  return {
    compilerPath: require.resolve('solc/soljson.js'),
    isSolcJs: true,
    version: solcVersion,
    longVersion: solc.version(),
  };
});

if (!solc.version().startsWith(SOLC_VERSION + '+')) {
  throw new Error(`node_modules/solc is ${solc.version()}, expected ${SOLC_VERSION}: run npm ci`);
}

/** @type {import('hardhat/config').HardhatUserConfig} */
module.exports = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 200 },
      viaIR: true,
      metadata: { bytecodeHash: 'none' },
    },
  },
  paths: {
    sources: './contracts',
    artifacts: './artifacts-hardhat',
    cache: './cache-hardhat',
  },
};
