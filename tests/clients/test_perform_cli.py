"""`tender-ledger perform`: bad local input is refused with exit 2 and one `error:` line, before
anything reaches the service (the commands' flow against a live service is the loop test's,
tests/service/test_performance_loop.py, through the same routes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.cli import main

TID = "0x" + "11" * 32


@pytest.mark.parametrize("argv", [
    ["perform", "milestone", TID],  # no text
    ["perform", "complaint", TID, "--text", "  "],  # an empty text
    ["perform", "milestone", TID, "--text", "a", "--text-file", "b.txt"],  # both
    ["perform", "milestone", "0x1234", "--text", "开工", "--winner", "--key-file", "{key}"],  # a short tender id
])
def test_bad_input_exits_2_with_one_error_line(argv: list[str], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "firm.key"
    key.write_text("0x" + "42" * 32 + "\n")
    code = main([a.replace("{key}", str(key)) for a in argv] + ["--api", "http://127.0.0.1:9"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("error: "), err


def test_an_evaluation_that_is_not_json_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "evaluation.json"
    bad.write_text("{rating: 优秀")
    code = main(["perform", "complete", TID, "--evaluation", str(bad), "--api", "http://127.0.0.1:9"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "is not JSON" in err[0], err
