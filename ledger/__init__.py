"""Tender credential ledger: chain access, credential documents and their verification."""

import os as _os

# eth-hash picks its Keccak backend lazily from this variable; pysha3 is ~5x faster than the
# pure-Python fallback and is a declared dependency.
_os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")

__version__ = "0.1.0"
