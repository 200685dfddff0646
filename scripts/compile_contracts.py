"""Compile contracts/ with the pinned local solc-js into ledger/artifacts/, with provenance.

    .venv/bin/python scripts/compile_contracts.py           # (re)generate the artifacts
    .venv/bin/python scripts/compile_contracts.py --check   # exit 1 and list differences if stale

Nothing is downloaded: the compiler is the `solc` npm package in node_modules, driven through
scripts/solc_compile.js. Compiler warnings are errors. Output is byte-for-byte deterministic.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = ROOT / "contracts"
ARTIFACTS = ROOT / "ledger" / "artifacts"
SOLC_JS = ROOT / "scripts" / "solc_compile.js"
PROVENANCE = "provenance.json"

# The exact settings every build of these contracts uses (Hardhat's config mirrors them).
SETTINGS: dict[str, Any] = {
    "evmVersion": "cancun",
    "metadata": {"bytecodeHash": "none"},
    "optimizer": {"enabled": True, "runs": 200},
    "outputSelection": {
        "*": {
            "": ["ast"],
            "*": [
                "abi",
                "evm.bytecode.object",
                "evm.deployedBytecode.object",
                "evm.methodIdentifiers",
            ],
        }
    },
    "viaIR": True,
}


class CompileError(Exception):
    """The contracts could not be compiled (toolchain missing, compiler error or warning)."""


def dumps(obj: Any) -> bytes:
    """The one JSON formatting used for every generated file."""
    return (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_sources() -> dict[str, bytes]:
    """Every contracts/**/*.sol file, keyed by its path relative to the repository root."""
    files = sorted(CONTRACTS.rglob("*.sol"))
    if not files:
        raise CompileError(f"no Solidity sources under {CONTRACTS}")
    return {p.relative_to(ROOT).as_posix(): p.read_bytes() for p in files}


def _node(*args: str, stdin: bytes | None = None) -> bytes:
    node = shutil.which("node")
    if node is None:
        raise CompileError("`node` is not on PATH: install Node.js 20+ and run `npm ci`")
    proc = subprocess.run(
        [node, str(SOLC_JS), *args], input=stdin, capture_output=True, cwd=ROOT, check=False
    )
    if proc.returncode != 0:
        raise CompileError(proc.stderr.decode(errors="replace").strip() or "solc-js failed")
    return proc.stdout


def compiler_version() -> str:
    return "solc-js " + _node("--version").decode().strip()


def solc(sources: dict[str, bytes]) -> dict[str, Any]:
    """Standard-JSON compile of `sources`; raises on any error or warning."""
    request = {
        "language": "Solidity",
        "settings": SETTINGS,
        "sources": {name: {"content": text.decode()} for name, text in sources.items()},
    }
    output: dict[str, Any] = json.loads(_node(stdin=json.dumps(request).encode()))
    problems = [e for e in output.get("errors", []) if e.get("severity") != "info"]
    if problems:
        text = "\n".join(e.get("formattedMessage", e.get("message", "")).rstrip() for e in problems)
        raise CompileError(f"compilation failed ({len(problems)} errors/warnings):\n{text}")
    return output


def _deployable(output: dict[str, Any]) -> list[tuple[str, str]]:
    """(source, contract) of every non-abstract contract; interfaces and libraries get none."""
    found = []
    for source, unit in output["sources"].items():
        for node in unit["ast"]["nodes"]:
            if (
                node.get("nodeType") == "ContractDefinition"
                and node.get("contractKind") == "contract"
                and not node.get("abstract")
            ):
                found.append((source, node["name"]))
    return sorted(found, key=lambda sc: (sc[1], sc[0]))


def build() -> dict[str, bytes]:
    """Compile in memory; returns file name -> exact bytes for ledger/artifacts/."""
    sources = read_sources()
    version = compiler_version()
    output = solc(sources)
    files: dict[str, bytes] = {}
    for source, name in _deployable(output):
        if f"{name}.json" in files:
            raise CompileError(f"two deployable contracts are named {name}")
        compiled = output["contracts"][source][name]
        files[f"{name}.json"] = dumps(
            {
                "contractName": name,
                "abi": compiled["abi"],
                "bytecode": "0x" + compiled["evm"]["bytecode"]["object"],
                "deployedBytecode": "0x" + compiled["evm"]["deployedBytecode"]["object"],
                "methodIdentifiers": compiled["evm"]["methodIdentifiers"],
            }
        )
    files[PROVENANCE] = dumps(
        {
            "compiler": version,
            "settings": SETTINGS,
            "sources": {path: sha256(text) for path, text in sources.items()},
            "artifacts": {n.removesuffix(".json"): sha256(b) for n, b in sorted(files.items())},
        }
    )
    return files


def _committed_provenance() -> dict[str, Any]:
    path = ARTIFACTS / PROVENANCE
    return json.loads(path.read_text()) if path.exists() else {}


def differences(files: dict[str, bytes]) -> list[str]:
    """Every way the committed artifacts differ from a fresh build."""
    old = _committed_provenance()
    new = json.loads(files[PROVENANCE])
    diffs: list[str] = []
    if not old:
        diffs.append(f"{PROVENANCE} is missing")
    if old and old.get("compiler") != new["compiler"]:
        diffs.append(f"compiler: committed {old.get('compiler')!r}, installed {new['compiler']!r}")
    if old and old.get("settings") != new["settings"]:
        diffs.append("compiler settings changed")
    old_src, new_src = old.get("sources", {}), new["sources"]
    for path in sorted(old_src.keys() | new_src.keys()):
        if path not in new_src:
            diffs.append(f"source removed: {path}")
        elif path not in old_src:
            if old:
                diffs.append(f"source added: {path}")
        elif old_src[path] != new_src[path]:
            diffs.append(f"source changed: {path} (sha256 {old_src[path]} -> {new_src[path]})")
    for name in sorted(set(old.get("artifacts", {})) - set(new["artifacts"])):
        diffs.append(f"artifact no longer produced: {name}.json")
    for fname, data in sorted(files.items()):
        path = ARTIFACTS / fname
        if not path.exists():
            diffs.append(f"artifact missing: {fname}")
        elif path.read_bytes() != data:
            diffs.append(f"artifact stale: {fname}")
    return diffs


def write(files: dict[str, bytes]) -> None:
    """Replace the artifacts: every file is written to a temporary file first, then renamed."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    obsolete = set(_committed_provenance().get("artifacts", {})) - {
        n.removesuffix(".json") for n in files
    }
    staged: list[tuple[str, Path]] = []
    try:
        for fname, data in files.items():
            fd, name = tempfile.mkstemp(dir=ARTIFACTS, prefix=f".{fname}.", suffix=".tmp")
            tmp = Path(name)
            staged.append((fname, tmp))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            tmp.chmod(0o644)  # mkstemp creates 0600; artifacts are ordinary repository files
    except BaseException:
        for _, tmp in staged:
            tmp.unlink(missing_ok=True)
        raise
    # provenance.json last: until it is replaced, a check sees the old, consistent record.
    for fname, tmp in sorted(staged, key=lambda ft: ft[0] == PROVENANCE):
        tmp.replace(ARTIFACTS / fname)
    for name in obsolete:
        (ARTIFACTS / f"{name}.json").unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="recompile in memory and fail on any difference"
    )
    args = parser.parse_args(argv)
    try:
        files = build()
    except CompileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        diffs = differences(files)
        if diffs:
            print("artifacts are out of date (run scripts/compile_contracts.py):", file=sys.stderr)
            for d in diffs:
                print(f"  - {d}", file=sys.stderr)
            return 1
        print(f"artifacts up to date ({len(files) - 1} contracts)")
        return 0
    write(files)
    for fname in sorted(files):
        print(f"wrote {(ARTIFACTS / fname).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
