"""The centre's `tender-ledger tender` commands: publish writes one share file per officer and
never the key; a bad parameter file is refused before anything is sent."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from eth_account import Account

from api.cli import main
from ledger.shares import Share, share_hash
from tests.tender_fixtures import tender_params


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for k in list(os.environ):
        if k.startswith("TL_"):
            monkeypatch.delenv(k)
    monkeypatch.setenv("TL_DATA_DIR", str(tmp_path / "data"))
    now = datetime.now(UTC)
    params = tender_params(issued_at=now.isoformat(), deadline=(now + timedelta(days=21)).isoformat())
    (tmp_path / "params.json").write_text(json.dumps(params, ensure_ascii=False))
    (tmp_path / "tender.pdf").write_bytes(b"%PDF tender")
    return tmp_path


def test_publish_writes_each_officer_its_share_matching_the_published_hashes(env: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    officers = [Account.create().address for _ in range(5)]
    args = ["tender", "publish", str(env / "params.json"), "--document", str(env / "tender.pdf"),
            "--threshold", "3", "--shares-dir", str(env / "shares"), "--json"]
    for o in officers:
        args += ["--officer", o]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert main(["tender", "show", out["tender_id"]]) == 0
    view = json.loads(capsys.readouterr().out)
    files = sorted((env / "shares").iterdir())
    assert len(files) == 5 and all(f.stat().st_mode & 0o777 == 0o600 for f in files)
    for officer, expected in zip(view["officers"], view["share_hashes"], strict=True):
        share = json.loads((env / "shares" / f"share-{officer}.json").read_text())["share"]
        assert "0x" + share_hash(Share.from_bytes(bytes.fromhex(share[2:]))).hex() == expected


def test_a_bad_parameter_file_is_refused_with_the_field_named(env: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    params = json.loads((env / "params.json").read_text())
    params["sections"][0]["bid_guarantee"] = "999999999"
    (env / "params.json").write_text(json.dumps(params, ensure_ascii=False))
    code = main(["tender", "publish", str(env / "params.json"), "--document", str(env / "tender.pdf"),
                 "--threshold", "2", "--shares-dir", str(env / "shares"), "--officer", Account.create().address,
                 "--officer", Account.create().address])
    err = capsys.readouterr().err
    assert code == 1 and "exceeds 2%" in err and "Traceback" not in err
    assert not (env / "shares").exists()
