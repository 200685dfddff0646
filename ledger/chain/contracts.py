"""Compiled contracts shipped inside the package (ledger/artifacts/*.json); no compiler needed."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_artifact(name: str) -> dict[str, Any]:
    """ABI, bytecode and method ids of one compiled contract."""
    path = resources.files("ledger") / "artifacts" / f"{name}.json"
    try:
        return json.loads(path.read_text())  # type: ignore[no-any-return]
    except FileNotFoundError:
        raise LookupError(f"no compiled artifact for contract {name!r}") from None


@cache
def provenance() -> dict[str, Any]:
    """Compiler version, settings and source hashes the artifacts were built from."""
    path = resources.files("ledger") / "artifacts" / "provenance.json"
    return json.loads(path.read_text())  # type: ignore[no-any-return]
