"""The committed contract artifacts are exactly what the pinned compiler makes of contracts/."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "ledger" / "artifacts"
PROVENANCE = json.loads((ARTIFACTS / "provenance.json").read_text())
NODE_MISSING = "`node` is not on PATH: the contracts compile with solc-js under Node.js"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_provenance_names_every_contract_source_with_its_current_hash() -> None:
    sources = {
        p.relative_to(ROOT).as_posix(): _sha256(p)
        for p in sorted((ROOT / "contracts").rglob("*.sol"))
    }
    assert PROVENANCE["sources"] == sources, "contracts/ changed: run scripts/compile_contracts.py"


def test_provenance_names_every_artifact_with_its_hash() -> None:
    on_disk = {p.stem for p in ARTIFACTS.glob("*.json")} - {"provenance"}
    assert set(PROVENANCE["artifacts"]) == on_disk
    for name, digest in PROVENANCE["artifacts"].items():
        assert _sha256(ARTIFACTS / f"{name}.json") == digest, f"{name}.json was edited by hand"


def test_artifacts_hold_abi_bytecode_and_method_ids_from_the_pinned_compiler() -> None:
    assert PROVENANCE["compiler"].startswith("solc-js 0.8.37+commit.")
    settings = PROVENANCE["settings"]
    assert settings["evmVersion"] == "cancun"
    assert settings["metadata"] == {"bytecodeHash": "none"}
    assert settings["optimizer"] == {"enabled": True, "runs": 200}
    for name in PROVENANCE["artifacts"]:
        art = json.loads((ARTIFACTS / f"{name}.json").read_text())
        assert set(art) == {
            "contractName",
            "abi",
            "bytecode",
            "deployedBytecode",
            "methodIdentifiers",
        }
        assert art["contractName"] == name
        assert art["bytecode"].startswith("0x") and len(art["bytecode"]) > 2
        assert art["deployedBytecode"].startswith("0x") and len(art["deployedBytecode"]) > 2
        functions = [e for e in art["abi"] if e["type"] == "function"]
        assert len(functions) == len(art["methodIdentifiers"])


@pytest.mark.slow
def test_recompiling_the_sources_reproduces_the_committed_artifacts_byte_for_byte() -> None:
    if shutil.which("node") is None:
        pytest.skip(NODE_MISSING)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "compile_contracts.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_hardhat_compiles_the_same_bytecode_with_the_local_compiler() -> None:
    if shutil.which("node") is None:
        pytest.skip(NODE_MISSING)
    # A proxy that refuses connections: any attempt to download a compiler fails loudly.
    env = dict(os.environ, HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9")
    proc = subprocess.run(
        ["npx", "--no-install", "hardhat", "compile", "--force", "--quiet"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    built = ROOT / "artifacts-hardhat" / "contracts"
    for name in PROVENANCE["artifacts"]:
        ours = json.loads((ARTIFACTS / f"{name}.json").read_text())
        (theirs_path,) = built.glob(f"**/{name}.json")
        theirs = json.loads(theirs_path.read_text())
        assert theirs["deployedBytecode"] == ours["deployedBytecode"], name
        assert theirs["bytecode"] == ours["bytecode"], name
        assert theirs["abi"] == ours["abi"], name
