"""The centre's and officers' `tender-ledger tender` commands against a running service:
publish writes one share file per officer and never the key; amend, show, release-share and
open go through the API, each signed by the caller's own key."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from eth_account import Account

from api.app import create_app
from ledger.config import Settings
from ledger.crypto.shares import Share, share_hash
from tests.server import serving
from tests.scenes import tender_params
from tools.cli import main


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str, object]]:
    for k in list(os.environ):
        if k.startswith("TL_"):
            monkeypatch.delenv(k)
    monkeypatch.setenv("TL_DATA_DIR", str(tmp_path / "data"))
    app = create_app(Settings(data_dir=tmp_path / "data", chain_clock="development"))  # tests pass deadlines
    with serving(app) as url:
        rt = app.state.runtime
        now = datetime.fromtimestamp(rt.client.block_timestamp(), UTC)
        params = tender_params(deadline=(now + timedelta(days=21)).isoformat())
        (tmp_path / "params.json").write_text(json.dumps(params, ensure_ascii=False))
        (tmp_path / "tender.pdf").write_bytes(b"%PDF tender")
        monkeypatch.setenv("TL_API_URL", url)
        yield tmp_path, url, rt


def _publish(tmp: Path, officers: list[str], capsys) -> dict:  # type: ignore[no-untyped-def,type-arg]
    args = ["tender", "publish", str(tmp / "params.json"), "--document", str(tmp / "tender.pdf"),
            "--threshold", "3", "--shares-dir", str(tmp / "shares"), "--json"]
    for o in officers:
        args += ["--officer", o]
    assert main(args) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_publish_writes_each_officer_its_share_matching_the_on_chain_hashes(env, capsys) -> None:  # type: ignore[no-untyped-def]
    tmp, _, _ = env
    officers = [Account.create().address for _ in range(5)]
    out = _publish(tmp, officers, capsys)
    assert main(["tender", "show", out["tender_id"]]) == 0
    view = json.loads(capsys.readouterr().out)
    files = sorted((tmp / "shares").iterdir())
    assert len(files) == 5 and all(f.stat().st_mode & 0o777 == 0o600 for f in files)
    for officer, expected in zip(view["officers"], view["share_hashes"], strict=True):
        share = json.loads((tmp / "shares" / f"share-{officer}.json").read_text())["share"]
        assert "0x" + share_hash(Share.from_bytes(bytes.fromhex(share[2:]))).hex() == expected


def test_officers_release_their_shares_with_their_own_keys(env, capsys) -> None:  # type: ignore[no-untyped-def]
    tmp, _, rt = env
    officers = [Account.create() for _ in range(5)]
    for o in officers:
        rt.client.fund(rt.operator, o.address, 10**20)
        (tmp / f"{o.address}.key").write_text(o.key.hex())
    out = _publish(tmp, [o.address for o in officers], capsys)
    share = tmp / "shares" / f"share-{officers[0].address}.json"
    early = main(["tender", "release-share", str(share), "--key-file", str(tmp / f"{officers[0].address}.key")])
    assert early == 1 and "TooEarly" in capsys.readouterr().err
    rt.client.increase_time(22 * 86400)
    wrong_key = main(["tender", "release-share", str(share), "--key-file", str(tmp / f"{officers[1].address}.key")])
    assert wrong_key == 1 and "belongs to officer" in capsys.readouterr().err
    for o in officers[:3]:
        path = tmp / "shares" / f"share-{o.address}.json"
        assert main(["tender", "release-share", str(path), "--key-file", str(tmp / f"{o.address}.key")]) == 0
    capsys.readouterr()
    book = rt.client.contract("TenderBook", rt.addresses["TenderBook"])
    assert rt.client.call(book.functions.sharesReleased(bytes.fromhex(out["tender_id"][2:]))) == 3
    # No bids were made: opening records that, and the section fails (流标).
    assert main(["tender", "open", out["tender_id"], "--section", "0"]) == 0
    assert "FAILED with 0 valid bid(s)" in capsys.readouterr().out


def test_a_bad_parameter_file_is_refused_before_anything_is_sent(env, capsys) -> None:  # type: ignore[no-untyped-def]
    tmp, _, rt = env
    params = json.loads((tmp / "params.json").read_text())
    params["sections"][0]["bid_guarantee"] = "999999999"
    (tmp / "params.json").write_text(json.dumps(params, ensure_ascii=False))
    before = rt.client.block_number()
    code = main(["tender", "publish", str(tmp / "params.json"), "--document", str(tmp / "tender.pdf"),
                 "--threshold", "2", "--shares-dir", str(tmp / "shares"), "--officer", Account.create().address,
                 "--officer", Account.create().address])
    err = capsys.readouterr().err
    assert code == 1 and "exceeds 2%" in err and "Traceback" not in err
    assert not (tmp / "shares").exists() and rt.client.block_number() == before


def test_a_service_that_does_not_answer_is_a_configuration_error(env, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.nodes import free_port

    monkeypatch.setenv("TL_API_URL", f"http://127.0.0.1:{free_port()}")
    assert main(["tender", "show", "0x" + "11" * 32]) == 3
    assert "cannot reach the API" in capsys.readouterr().err


def test_a_late_amendment_reports_the_deadline_the_chain_postponed_and_a_cut_deadline_is_refused(  # type: ignore[no-untyped-def]
    env, capsys,
) -> None:
    tmp, _, rt = env
    out = _publish(tmp, [Account.create().address for _ in range(3)], capsys)
    params = json.loads((tmp / "params.json").read_text())
    asked = int(datetime.fromisoformat(params["deadline"]).timestamp())
    amend = ["tender", "amend", out["tender_id"], str(tmp / "params.json"), "--document", str(tmp / "tender.pdf")]
    # Cutting the deadline: the contract refuses, the command says why in one line.
    cut = dict(params, deadline=datetime.fromtimestamp(asked - 86_400, UTC).isoformat())
    (tmp / "cut.json").write_text(json.dumps(cut, ensure_ascii=False))
    code = main(["tender", "amend", out["tender_id"], str(tmp / "cut.json"), "--document", str(tmp / "tender.pdf"),
                 "--reason", "提前截止"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: ") and "cannot bring the deadline" in err and "Traceback" not in err
    # 14 days before the deadline, a change that keeps it: the chain moves it out to 15 days.
    rt.client.increase_time(asked - 14 * 86_400 - rt.client.block_timestamp())
    assert main([*amend, "--reason", "修改资格条件"]) == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "is now version 2" in printed and "postponed it to" in printed and "Art. 23" in printed
    assert main(["tender", "show", out["tender_id"]]) == 0
    assert json.loads(capsys.readouterr().out)["deadline"] > asked
