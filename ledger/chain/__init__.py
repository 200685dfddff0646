"""Everything that speaks to a chain: the client, the embedded py-evm chain, the contract gateways."""

import sys

# py-evm's precompiles import py_ecc, which raises Python's recursion limit to 100,000 on import.
# At that limit a deeply nested JSON body overflows the C stack inside json.loads and the process
# dies (SIGSEGV) instead of raising RecursionError: load py-evm here, first, and put it back.
_RECURSION_LIMIT = min(sys.getrecursionlimit(), 1000)
import eth.vm.forks  # noqa: E402,F401
import py_ecc  # noqa: E402,F401

sys.setrecursionlimit(_RECURSION_LIMIT)
