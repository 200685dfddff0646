"""The shell and Python blocks of README.md and docs/*.md, and a runner that runs one document's
blocks in order, as a reader would, in a fresh directory.

A block runs unless an HTML comment right before its fence says otherwise:

- `<!-- not run: REASON -->` the block cannot run here (a Besu network, a TLS proxy, a second
  machine); the same reason is stated in the text for the reader.
- `<!-- serve -->` the block starts a server (`tender-ledger serve` or `node`): those lines run in
  the background, the block goes on once the server answers, and the server is stopped after the
  document's last block (or before a block marked `<!-- stop -->`).
- `<!-- stop -->` stop the servers started so far before this block (the README says: stop the
  service, then move the clock).

The reader's directory has `.venv/bin/{tender-ledger,tender-bidder,python}` (and `python3` first
on PATH) running this checkout's code, and `scripts/`, `contracts/`, `node_modules/` … linked from
it; `127.0.0.1:8000` in a block is served on a free port instead (other tests share the machine).
Shell blocks run in bash with `set -eu` (a pipe is judged by its last command, as in a reader's
shell: `curl … | head` is fine); what one block exports the next one sees.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUN_LANGS = {"sh", "bash", "shell", "console", "python", "py"}
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)(?P<lang>[\w+-]*)\s*$")
MARKER = re.compile(r"^\s*<!--\s*(?P<kind>not run|serve|stop)\s*(?::\s*(?P<reason>.*?))?\s*-->\s*$")
SERVER = re.compile(r"tender-ledger\s+(serve|node)\b")
LINKED = ("scripts", "contracts", "ledger", "api", "bidders", "tools", "node_modules", "package.json",
          "package-lock.json", "hardhat.config.js", "foundry.toml", "pyproject.toml", "invariants", "deploy")


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int  # of the opening fence, 1-based
    lang: str
    text: str
    not_run: str | None  # the reason, when marked
    serve: bool
    stop: bool

    @property
    def runs(self) -> bool:
        return self.lang in RUN_LANGS and self.not_run is None

    @property
    def where(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def blocks(doc: Path) -> list[Block]:
    """Every fenced block of a Markdown file, with the markers right before it."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence = len(m["indent"]), m["fence"]
        markers = []
        j = i - 1
        while j >= 0 and (mk := MARKER.match(lines[j])):
            markers.append(mk)
            j -= 1
        body = []
        k = i + 1
        while k < len(lines) and lines[k].strip() != fence:
            body.append(lines[k][indent:] if lines[k][:indent].strip() == "" else lines[k])
            k += 1
        not_run = next(((mk["reason"] or "") for mk in markers if mk["kind"] == "not run"), None)
        found.append(Block(doc, i + 1, m["lang"].lower(), "\n".join(body) + "\n", not_run,
                           any(mk["kind"] == "serve" for mk in markers),
                           any(mk["kind"] == "stop" for mk in markers)))
        i = k + 1
    return found


def stray_markers(doc: Path) -> list[str]:
    """Markers not followed by a fence (after any other markers): they would mark nothing."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    bad = []
    for n, line in enumerate(lines):
        if MARKER.match(line):
            k = n + 1
            while k < len(lines) and MARKER.match(lines[k]):
                k += 1
            if k >= len(lines) or not FENCE.match(lines[k]):
                bad.append(f"{doc.relative_to(ROOT)}:{n + 1}: {line.strip()}")
    return bad


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Reader:
    """A reader's shell session in a fresh directory: runs blocks, keeps what they export."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.bin = home / ".venv" / "bin"
        self.bin.mkdir(parents=True)
        for name in LINKED:
            if (ROOT / name).exists():
                (home / name).symlink_to(ROOT / name)
        python = sys.executable
        shims = {"tender-ledger": "tools.cli", "tender-bidder": "bidders.cli"}
        for name, module in shims.items():
            self._shim(name, f'exec {shlex.quote(python)} -m {module} "$@"')
        for name in ("python", "python3"):
            self._shim(name, f'exec {shlex.quote(python)} "$@"')
        self.state = home / ".docs-env.sh"
        self.state.write_text("")
        self.pids = home / ".docs-servers"
        self.pids.write_text("")
        self.env = {
            "PATH": f"{self.bin}:{ROOT / 'node_modules' / '.bin'}:{os.environ['PATH']}",
            "PYTHONPATH": str(ROOT),
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "ETH_HASH_BACKEND": os.environ.get("ETH_HASH_BACKEND", "pysha3"),
            "TL_PORT": str(self.port),
            "TL_DOCS_PORT": str(self.port),
            "TL_DOCS_PIDS": str(self.pids),
        }

    def _shim(self, name: str, line: str) -> None:
        path = self.bin / name
        path.write_text(f"#!/bin/sh\nexport PYTHONPATH={shlex.quote(str(ROOT))}\n{line}\n")
        path.chmod(0o755)

    def _local(self, text: str) -> str:
        return text.replace("127.0.0.1:8000", f"127.0.0.1:{self.port}")

    def _serving(self, text: str) -> str:
        """Each line that starts a server: in the background, logged, then wait until it answers."""
        out = []
        for line in text.splitlines():
            if SERVER.search(line) and not line.lstrip().startswith("#"):
                command = re.sub(r"\s*&?\s*(#.*)?$", "", line)
                out.append(f"{command} >>.docs-server.log 2>&1 &")
                out.append('echo $! >>"$TL_DOCS_PIDS"; tl_docs_wait_up')
            else:
                out.append(line)
        return "\n".join(out) + "\n"

    def run(self, block: Block, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
        if block.stop:
            self.stop()
        text = self._local(block.text)
        if block.lang in ("python", "py"):
            script = self.home / f".block-{block.line}.py"
            script.write_text(text)
            text = f".venv/bin/python {shlex.quote(script.name)}\n"
        elif block.serve:
            text = self._serving(text)
        wrapper = f"""set -eu
tl_docs_wait_up() {{
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$TL_DOCS_PORT/healthz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "the server did not answer on port $TL_DOCS_PORT" >&2; cat .docs-server.log >&2; return 1
}}
. {shlex.quote(str(self.state))}
{text}
export -p > {shlex.quote(str(self.state))}
"""
        return subprocess.run(["bash", "-c", wrapper], cwd=self.home, env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=False)

    def stop(self) -> None:
        for pid in [int(p) for p in self.pids.read_text().split()]:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            else:
                os.kill(pid, signal.SIGKILL)
        self.pids.write_text("")
