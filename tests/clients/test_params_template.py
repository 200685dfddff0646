"""`tender-ledger tender template`: the params.json it writes publishes as it is, and docs/params.md
is the reference it prints, so neither can fall behind the parameters' own definitions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.tenders import TenderParams
from tools.cli import main
from tools.params_doc import markdown, reference

ROOT = Path(__file__).resolve().parents[2]


def test_the_template_is_a_tender_that_publishes_with_its_deadline_21_days_out(tmp_path: Path) -> None:
    out = tmp_path / "params.json"
    assert main(["tender", "template", "--out", str(out)]) == 0
    params = TenderParams.model_validate(json.loads(out.read_text()))
    assert params.evaluation_method.value == "综合评分" and params.selection.method.value == "票决抽签"
    assert params.sections[0].bid_guarantee == params.sections[0].estimated_price / 60  # 200,000 of 12 M (≤ 2 %)


def test_an_existing_file_is_never_overwritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "params.json"
    out.write_text("{}")
    assert main(["tender", "template", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "exists" in err[0]
    assert out.read_text() == "{}"


def test_docs_params_md_is_the_reference_the_command_prints() -> None:
    assert (ROOT / "docs" / "params.md").read_text() == markdown(), (
        "docs/params.md is behind the parameters: run `tender-ledger tender template --explain > docs/params.md`")


def test_the_reference_names_every_field_with_a_meaning() -> None:
    rows = reference()
    paths = {r.path for r in rows}
    assert {"deadline", "sections[].bid_guarantee", "selection.method", "evaluation.criteria[].kind"} <= paths
    assert [r.path for r in rows if not r.description] == []
