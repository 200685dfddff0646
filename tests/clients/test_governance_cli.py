"""`tender-ledger governance`: members propose and approve with their own keys through the
service; a lone member, a stranger and a tampered prepared transaction change nothing."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account

from api.app import create_app
from ledger.config import Settings
from ledger.runtime import Runtime
from tests.server import serving
from tools.cli import main

QUALIFICATION = "1"


@dataclass
class Env:
    rt: Runtime
    keys: list[Path]  # the members' key files, each on its own body's machine


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    for k in list(os.environ):
        if k.startswith("TL_"):
            monkeypatch.delenv(k)
    app = create_app(Settings(data_dir=tmp_path / "data"))
    with serving(app) as url:
        monkeypatch.setenv("TL_API_URL", url)
        rt = app.state.runtime
        keys = []
        for g in rt.governors:
            path = tmp_path / f"{g.slug}.key"
            path.write_text(g.account.key.hex())
            keys.append(path)
        yield Env(rt, keys)


def _refused(code: int, capsys: pytest.CaptureFixture[str], fragment: str) -> None:
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1 and fragment in err, err


def test_three_members_authorise_an_issuer_from_the_command_line(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    issuer = Account.create().address
    assert main(["governance", "propose", "CredentialRegistry", "authoriseIssuer", issuer, QUALIFICATION,
                 "--key-file", str(env.keys[0]), "--json"]) == 0
    proposed = json.loads(capsys.readouterr().out)
    pid = proposed["proposal"]["proposal_id"]
    assert proposed["proposal"]["state"] == "PENDING" and proposed["executed_tx"] is None
    assert not env.rt.client.call(env.rt.registry._fn("isAuthorised", issuer, 1))
    assert main(["governance", "approve", pid, "--key-file", str(env.keys[1])]) == 0
    out = capsys.readouterr().out
    assert "approvals 2 of 3" in out and "市市场监督管理局" in out
    assert main(["governance", "approve", pid, "--key-file", str(env.keys[2])]) == 0
    assert "executed in 0x" in capsys.readouterr().out
    assert env.rt.client.call(env.rt.registry._fn("isAuthorised", issuer, 1))
    assert main(["governance", "show"]) == 0
    shown = capsys.readouterr().out
    assert "3 of 4 members decide" in shown and "EXECUTED  CredentialRegistry.authoriseIssuer" in shown
    assert "kind=QUALIFICATION (1)" in shown and "市住房和城乡建设局" in shown
    # An executed proposal takes no more approvals, and the refusal says so in words.
    _refused(main(["governance", "approve", pid, "--key-file", str(env.keys[3])]), capsys,
             "is EXECUTED, no longer pending")


def test_a_lone_member_proposing_authorises_nobody(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    lone = Account.from_key(env.keys[0].read_text()).address
    assert main(["governance", "propose", "CredentialRegistry", "authoriseIssuer", lone, QUALIFICATION,
                 "--key-file", str(env.keys[0])]) == 0
    capsys.readouterr()
    assert not env.rt.client.call(env.rt.registry._fn("isAuthorised", lone, 1))
    pid = env.rt.governance.proposals([env.rt.registry], now=env.rt.client.block_timestamp())[-1].proposal_id
    _refused(main(["governance", "approve", "0x" + pid.hex(), "--key-file", str(env.keys[0])]), capsys,
             "AlreadyApproved")


def test_a_stranger_cannot_propose(env: Env, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    stranger = tmp_path / "stranger.key"
    stranger.write_text(Account.create().key.hex())
    _refused(main(["governance", "propose", "TenderBook", "authoriseCentre", Account.create().address,
                   "--key-file", str(stranger)]), capsys, "NotMember")


def test_bad_arguments_are_one_error_line(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    _refused(main(["governance", "propose", "CredentialRegistry", "authoriseIssuer", "not-an-address", "1",
                   "--key-file", str(env.keys[0])]), capsys, "authoriseIssuer")
    _refused(main(["governance", "approve", "0x" + "11" * 32, "--key-file", str(env.keys[1])]), capsys,
             "no proposal")


def test_a_prepared_transaction_the_service_tampered_with_is_not_signed(
        env: Env, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A compromised service prepares a `propose` of another call than the member asked for: the
    member's client refuses to sign it and nothing is proposed."""
    from bidders.http import LedgerAPI
    from ledger.chain.governance import encode_offline

    asked, evil = Account.create().address, Account.create().address
    honest_post = LedgerAPI.post

    def tampering_post(self: LedgerAPI, path: str, payload: object, *, signed: bool = True) -> object:
        answer = honest_post(self, path, payload, signed=signed)
        if path == "/governance/prepare-proposal":
            target = self.chain()["contracts"]["CredentialRegistry"]
            swapped = encode_offline("CredentialRegistry", "authoriseIssuer", [evil, 1])
            answer["tx"]["data"] = "0x" + encode_offline("Governance", "propose", [target, swapped, b"\x01" * 32]).hex()
        return answer

    monkeypatch.setattr(LedgerAPI, "post", tampering_post)
    before = len(env.rt.governance.proposals([env.rt.registry], now=env.rt.client.block_timestamp()))
    _refused(main(["governance", "propose", "CredentialRegistry", "authoriseIssuer", asked, QUALIFICATION,
                   "--key-file", str(env.keys[0])]), capsys, "its data is not the one asked for")
    assert len(env.rt.governance.proposals([env.rt.registry], now=env.rt.client.block_timestamp())) == before


def test_an_expert_is_registered_by_name_from_the_command_line(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    """`--name` puts the expert on a pool card whose hash is the proposal's salt; once executed the
    expert pool lists the expert by that name."""
    from bidders.http import LedgerAPI

    expert = Account.create().address
    assert main(["governance", "propose", "SelectionBook", "registerExpert", expert, "房屋建筑", "--name", "张三",
                 "--organisation", "市建筑设计研究院", "--key-file", str(env.keys[0])]) == 0
    out = capsys.readouterr().out
    assert "registers 张三 (市建筑设计研究院), pool card 0x" in out
    pid = out.split()[0]
    for key in env.keys[1:3]:
        assert main(["governance", "approve", pid, "--key-file", str(key)]) == 0
    assert "executed in 0x" in capsys.readouterr().out
    entries = LedgerAPI(os.environ["TL_API_URL"]).get("/selection/experts")["entries"]
    assert {"address": expert, "speciality": "房屋建筑", "name": "张三", "organisation": "市建筑设计研究院"} in entries
    _refused(main(["governance", "propose", "SelectionBook", "registerExpert", expert, "房屋建筑",
                   "--organisation", "某单位", "--key-file", str(env.keys[0])]), capsys, "--organisation goes with --name")


def test_a_pool_card_the_service_swapped_is_not_signed(
        env: Env, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A compromised service makes the pool card name someone else (the salt its hash, all else as
    asked): the member's client refuses to sign and nothing is proposed."""
    from bidders.http import LedgerAPI
    from ledger.chain.governance import decode_offline, encode_offline
    from ledger.documents.pool_card import PoolCard

    honest_post = LedgerAPI.post

    def tampering_post(self: LedgerAPI, path: str, payload: object, *, signed: bool = True) -> object:
        answer = honest_post(self, path, payload, signed=signed)
        if path == "/governance/prepare-proposal":
            card = PoolCard.parse(answer["card"]["content"].encode())
            forged = PoolCard(card.role, card.address, "冒名者", card.organisation, card.nonce)
            answer["card"]["content"] = forged.content().decode()
            # the propose re-made with the forged card's hash as its salt
            _, args = decode_offline("Governance", bytes.fromhex(answer["tx"]["data"][2:]))
            answer["tx"]["data"] = "0x" + encode_offline("Governance", "propose",
                                                         [args["target"], args["data"], forged.card_hash]).hex()
        return answer

    monkeypatch.setattr(LedgerAPI, "post", tampering_post)
    before = len(env.rt.governance.proposals([env.rt.selection_book], now=env.rt.client.block_timestamp()))
    _refused(main(["governance", "propose", "SelectionBook", "registerExpert", Account.create().address, "房屋建筑",
                   "--name", "张三", "--key-file", str(env.keys[0])]), capsys, "names someone else")
    assert len(env.rt.governance.proposals([env.rt.selection_book], now=env.rt.client.block_timestamp())) == before
