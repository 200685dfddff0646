"""README.md and docs/*.md run: every shell and Python block, in order, in a fresh directory with a
fresh data directory, as a reader following the document would (tests/docs/blocks.py says how; a
block that cannot run here is marked `<!-- not run: REASON -->`). A block that fails names its
document and line and shows what it printed, so the docs cannot drift from the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.blocks import DOCS, ROOT, RUN_LANGS, Block, Reader, blocks, stray_markers

RUNNABLE = [doc for doc in DOCS if any(b.runs for b in blocks(doc))]


def test_every_shell_and_python_block_runs_or_says_why_not() -> None:
    unexplained = [b.where for doc in DOCS for b in blocks(doc)
                   if b.lang in RUN_LANGS and b.not_run is not None and len(b.not_run.strip()) < 10]
    assert not unexplained, f"`<!-- not run: … -->` without its reason: {unexplained}"
    unmarked_lang = [b.where for doc in DOCS for b in blocks(doc)
                     if b.lang == "" and b.text.lstrip().startswith((".venv/bin/", "tender-", "curl ", "export "))]
    assert not unmarked_lang, f"a command block without its language (```sh), so it would not run: {unmarked_lang}"


def test_markers_stand_right_before_a_fence() -> None:
    stray = [line for doc in DOCS for line in stray_markers(doc)]
    assert not stray, f"markers that mark no block: {stray}"


def test_the_parser_sees_markers_indented_fences_and_languages(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text("a\n\n<!-- not run: needs a Besu network -->\n```sh\nbesu\n```\n\n1. step\n\n   ```sh\n"
                   "   echo hi\n   ```\n\n<!-- serve -->\n```bash\ntender-ledger serve\n```\n```json\n{}\n```\n")
    found = blocks(doc)
    assert [(b.lang, b.text, b.not_run, b.serve, b.runs) for b in found] == [
        ("sh", "besu\n", "needs a Besu network", False, False),
        ("sh", "echo hi\n", None, False, True),
        ("bash", "tender-ledger serve\n", None, True, True),
        ("json", "{}\n", None, False, False),
    ]


def test_a_failing_block_fails_the_run_and_exports_carry_over(tmp_path: Path) -> None:
    reader = Reader(tmp_path / "reader")
    block = Block(ROOT / "README.md", 1, "sh", "export A=1\n", None, False, False)
    assert reader.run(block).returncode == 0
    assert reader.run(Block(ROOT / "README.md", 2, "sh", 'test "$A" = 1\n', None, False, False)).returncode == 0
    assert reader.run(Block(ROOT / "README.md", 3, "sh", "false\necho after\n", None, False, False)).returncode != 0
    ran = reader.run(Block(ROOT / "README.md", 4, "sh", "tender-ledger --help | head -1\n", None, False, False))
    assert ran.returncode == 0, ran.stderr


@pytest.mark.slow
@pytest.mark.timeout(3600)  # the README runs the full-size demo and many commands on a shared machine
@pytest.mark.parametrize("doc", RUNNABLE, ids=[str(d.relative_to(ROOT)) for d in RUNNABLE])
def test_the_doc_runs_in_order_on_a_fresh_data_directory(doc: Path, tmp_path: Path) -> None:
    reader = Reader(tmp_path / "reader")
    try:
        for block in blocks(doc):
            if block.stop and not block.runs:
                reader.stop()
            if not block.runs:
                continue
            ran = reader.run(block)
            assert ran.returncode == 0, (
                f"{block.where} failed (exit {ran.returncode}):\n{block.text}\n--- stdout\n{ran.stdout[-3000:]}"
                f"\n--- stderr\n{ran.stderr[-3000:]}")
    finally:
        reader.stop()
