"""`tender-ledger revoke`: an issuer revokes many credentials of one of its batches from a file of
ids, in one transaction signed with its own key; bad input is exit 2 and one `error:` line, a
refused revocation exit 1, and neither sends anything."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from api.db.journal import Store
from ledger.documents import Kind
from ledger.runtime import open_runtime
from tests.clients.test_importer import Ledger, _anchor, ledger  # noqa: F401  (the fixture)
from tools.cli import main
from tools.demo import credential_service


def _batch(ledger: Ledger, tmp_path: Path, capsys: Any, n: int = 6) -> list[str]:  # noqa: F811
    path = tmp_path / "quals.json"
    path.write_text(json.dumps(ledger.documents(Kind.QUALIFICATION, n), ensure_ascii=False))
    assert _anchor(ledger, path) == 0, capsys.readouterr().err
    capsys.readouterr()
    holder = json.loads((tmp_path / "quals.sealed.json").read_text())
    return [c["credential_id"] for c in holder["credentials"]]


def _revoke(ledger: Ledger, *args: str) -> int:  # noqa: F811
    return main(["revoke", *args, "--issuer-key", str(ledger.key_file)])


def _statuses(ledger: Ledger, ids: list[str]) -> dict[str, str]:  # noqa: F811
    with open_runtime(ledger.settings) as rt:
        service = credential_service(Store(rt))
        now = rt.registry.now()
        out = {}
        for cid in ids:
            c = service.get(bytes.fromhex(cid[2:]))
            out[cid] = rt.registry.status_at(c.root, c.credential_id, list(c.proof), now).status.name
        return out


def test_ids_from_a_file_are_revoked_in_one_transaction(ledger, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    ids = _batch(ledger, tmp_path, capsys)
    listed = tmp_path / "ids.txt"
    listed.write_text(f"# revoked for fraud\n{ids[4]}\n\n{ids[1]}  # the second\n{ids[3]}\n")
    before = ledger.state()
    assert _revoke(ledger, "--file", str(listed), "--reason", "fraud", "--json") == 0, capsys.readouterr().err
    result = json.loads(capsys.readouterr().out)
    assert sorted(result["credential_ids"]) == sorted([ids[1], ids[3], ids[4]]) and result["reason"] == 2
    assert ledger.state()[0] == before[0] + 1  # one transaction
    assert _statuses(ledger, ids) == {cid: "REVOKED" if cid in (ids[1], ids[3], ids[4]) else "VALID" for cid in ids}
    # again: refused by the registry's state, exit 1 and one error line, nothing sent
    before = ledger.state()
    assert _revoke(ledger, ids[1], "--reason", "2") == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "revoked already" in err and err.count("\n") == 1
    assert ledger.state() == before


def test_bad_input_is_exit_2_and_sends_nothing(ledger, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    ids = _batch(ledger, tmp_path, capsys, n=2)
    bad = tmp_path / "bad.txt"
    bad.write_text(f"{ids[0]}\n0x1234\n")
    before = ledger.state()
    for argv in (["--file", str(bad), "--reason", "fraud"], [ids[0], "--reason", "whim"],
                 ["--reason", "fraud"], ["--file", str(tmp_path / "missing.txt"), "--reason", "fraud"]):
        assert _revoke(ledger, *argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "bad.txt:2" in (_revoke(ledger, "--file", str(bad), "--reason", "fraud") and capsys.readouterr().err)
    assert ledger.state() == before
