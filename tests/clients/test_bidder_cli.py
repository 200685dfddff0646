"""The bidder's command line against a real API server (uvicorn on a free port): keys bound to
firms by identity credentials, credential listing, bids by ticked ids or interactively,
replacement, local re-verification (and what it says about an altered receipt), withdrawal,
results, and the exit codes for refusals, usage errors and configuration problems."""

from __future__ import annotations

import base64
import io
import json
import os
import random
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from api.app import create_app
from api.serving import free_port, serving
from bidders.cli import main
from ledger.config import Settings
from ledger.crypto.officer_box import OfficerKey, SealedShare, deal, open_share
from ledger.documents import Kind, SealedCredential
from ledger.runtime import Runtime
from ledger.tenders import tender_id
from ledger.uscc import generate_uscc
from tests.scenes import Actor, make_document, tender_params

PASSWORD = "correct horse battery"
FUNDS = 10**21
KINDS = (Kind.IDENTITY, Kind.QUALIFICATION, Kind.PERFORMANCE, Kind.PERSONNEL)


@dataclass
class Firm:
    keystore: Path
    uscc: str
    address: str
    ids: dict[Kind, str] = field(default_factory=dict)
    identity: SealedCredential | None = None

    @property
    def ticks(self) -> list[str]:
        return [cid for kind, cid in self.ids.items() if kind is not Kind.IDENTITY]


@dataclass
class Tender:
    tid: str
    project_code: str
    sealed: dict[str, SealedShare]  # each officer's share, sealed to its key


class World:
    """One server for the module: an authorised issuer, a centre, five opening officers."""

    def __init__(self, url: str, rt: Runtime, home: Path) -> None:
        self.url, self.rt, self.home = url, rt, home
        self.http = httpx.Client(base_url=url, timeout=60)
        self.centre = Actor.of(self.http, rt.centre)  # type: ignore[arg-type]
        issuer = Account.create()
        rt.client.fund(rt.relayer, issuer.address, FUNDS)
        for kind in KINDS:
            rt.govern(rt.registry, "authoriseIssuer", issuer.address, int(kind))
        self.issuer = Actor.of(self.http, issuer)  # type: ignore[arg-type]
        self.officers: list[LocalAccount] = [Account.create() for _ in range(5)]
        for o in self.officers:
            rt.client.fund(rt.relayer, o.address, FUNDS)
        self.rng = random.Random(7)
        self.firms = 0
        self.tender = self.publish("E3203010319005778", days=200)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.rt.client.block_timestamp(), UTC)

    def publish(self, project_code: str, days: int) -> Tender:
        dealt = deal(tender_id=tender_id(project_code), threshold=3,
                     officers=[OfficerKey.of_private(bytes(o.key)) for o in self.officers])
        now = self.now()
        params = tender_params(guarantee="0", project_code=project_code,
                               deadline=(now + timedelta(days=days)).isoformat())
        r = self.centre.post("/tenders", {
            "params": params, "document_b64": base64.b64encode(b"%PDF tender").decode(),
            "opening_public_key": "0x" + dealt.opening_public.hex(),
            "share_hashes": ["0x" + h.hex() for h in dealt.share_hashes],
            "officers": list(dealt.officers), "threshold": 3,
        })
        assert r.status_code == 201, r.text
        return Tender(r.json()["tender_id"], project_code, {x.officer: x for x in dealt.sealed})

    def new_firm(self, capsys: pytest.CaptureFixture[str], *, bound: bool = True) -> Firm:
        """A firm whose key is made by the CLI; its credentials anchored by the issuer."""
        self.firms += 1
        keystore = self.home / f"firm{self.firms}" / "keystore.json"
        keystore.parent.mkdir()
        uscc = generate_uscc(self.rng)
        code, _, err = run(capsys, "--keystore", str(keystore), "key", "create", "--uscc", uscc,
                             "--name", f"珠海市第{self.firms}建设工程有限公司", api=self.url)
        assert code == 0, err
        firm = Firm(keystore, uscc, to_checksum_address(json.loads(keystore.read_text())["address"]))
        if bound:
            self.anchor_credentials(firm)
        return firm

    def anchor_credentials(self, firm: Firm) -> None:
        now, n = self.now(), self.firms
        window = {"valid_from": now - timedelta(days=400), "valid_until": now + timedelta(days=900)}
        issuer = self.issuer.account.address
        docs = {
            Kind.IDENTITY: make_document(Kind.IDENTITY, issuer=issuer, subject=firm.uscc, n=n,
                                         signing_address=firm.address, **window),
            Kind.QUALIFICATION: make_document(Kind.QUALIFICATION, issuer=issuer, subject=firm.uscc, n=n,
                                              APT_NAME="市政公用工程施工总承包一级", grade="一级",
                                              APT_EDATE="2030-12-31", **window),
            Kind.PERFORMANCE: make_document(Kind.PERFORMANCE, issuer=issuer, subject=firm.uscc, n=n,
                                            contract_amount_wan="900",
                                            EDATE=(now - timedelta(days=100)).date().isoformat(), **window),
            Kind.PERSONNEL: make_document(Kind.PERSONNEL, issuer=issuer, subject=firm.uscc, n=n,
                                          registration_type="一级注册建造师", specialty="市政公用工程",
                                          registered_employer_uscc=firm.uscc, expiry_date="2030-01-01", **window),
        }
        for kind, doc in docs.items():
            sealed = SealedCredential.seal(doc)
            r = self.issuer.anchor([sealed])
            assert r.status_code == 201, r.text
            firm.ids[kind] = r.json()["credentials"][0]["credential_id"]
            if kind is Kind.IDENTITY:
                firm.identity = sealed

    def revoke(self, credential_id: str) -> None:
        c = self.http.get(f"/credentials/{credential_id}").json()
        tx = self.issuer.prepare("revoke", c["root"], credential_id, c["proof"], 2)
        r = self.issuer.post(f"/credentials/{credential_id}/revoke", {"signed_tx": tx})
        assert r.status_code == 200, r.text


def run(capsys: pytest.CaptureFixture[str], *argv: str, api: str, stdin: str = "") -> tuple[int, str, str]:
    """`tender-bidder --api API ARGV…` in this process, with `stdin`; (exit code, stdout, stderr)."""
    capsys.readouterr()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = main(["--api", api, *argv])
    finally:
        sys.stdin = saved
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    return code, out, err


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = tmp_path_factory.mktemp("server")
    app = create_app(Settings(data_dir=data / "data"))
    with serving(app) as url:
        yield World(url, app.state.runtime, tmp_path_factory.mktemp("firms"))


@pytest.fixture(autouse=True)
def _keystore_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TL_KEYSTORE_PASSWORD", PASSWORD)
    monkeypatch.setenv("TL_KEYSTORE_SCRYPT_N", "16")  # a light keystore: tests, not security
    monkeypatch.delenv("TL_API_URL", raising=False)
    monkeypatch.delenv("TL_KEYSTORE", raising=False)


@pytest.fixture
def bidder_files(tmp_path: Path) -> list[str]:
    (tmp_path / "商务标.pdf").write_bytes(b"%PDF-1.7 commercial " + os.urandom(64))
    (tmp_path / "技术标.pdf").write_bytes(b"%PDF-1.7 technical " + os.urandom(64))
    return [str(tmp_path / "商务标.pdf"), str(tmp_path / "技术标.pdf")]


def cli(world: World, capsys: pytest.CaptureFixture[str], firm: Firm, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    return run(capsys, "--keystore", str(firm.keystore), *argv, api=world.url, stdin=stdin)


def bid_args(world: World, files: list[str], *more: str, price: str = "11500000.00") -> list[str]:
    args = ["bid", world.tender.tid, "--section", "0", "--price", price]
    for f in files:
        args += ["--file", f]
    return args + list(more)


# ---------------------------------------------------------------------- keys and credentials


def test_a_new_key_is_unbound_until_the_firms_identity_credential_names_it(world: World, capsys: Any) -> None:
    firm = world.new_firm(capsys, bound=False)
    assert stat.S_IMODE(firm.keystore.stat().st_mode) == 0o600
    code, out, _ = cli(world, capsys, firm, "key", "show")
    assert code == 0
    assert firm.address in out and firm.uscc in out
    assert "NOT bound" in out and "signing_address" in out  # and says what to do

    world.anchor_credentials(firm)
    identity = firm.keystore.parent / "identity.json"
    assert firm.identity is not None
    identity.write_text(json.dumps(firm.identity.to_dict(), ensure_ascii=False))
    code, out, _ = cli(world, capsys, firm, "key", "show", "--identity", str(identity))
    assert code == 0 and "identity  bound" in out and firm.ids[Kind.IDENTITY] in out

    other = world.new_firm(capsys)  # its identity credential names another key
    assert other.identity is not None
    identity.write_text(json.dumps(other.identity.to_dict(), ensure_ascii=False))
    code, out, _ = cli(world, capsys, firm, "key", "show", "--identity", str(identity))
    assert code == 0 and "NOT bound" in out and other.uscc in out


def test_an_existing_key_is_imported_from_stdin_and_never_overwritten(world: World, capsys: Any, tmp_path: Path) -> None:
    account = Account.create()
    path = tmp_path / "imported.json"
    code, out, err = run(capsys, "--keystore", str(path), "key", "import", "--uscc", generate_uscc(world.rng),
                         "--name", "珠海市某某公司", api=world.url, stdin=account.key.hex() + "\n")
    assert code == 0, err
    assert account.address in out
    code, _, err = run(capsys, "--keystore", str(path), "key", "import", "--uscc", generate_uscc(world.rng),
                       "--name", "另一公司", api=world.url, stdin=account.key.hex() + "\n")
    assert code == 1 and "never overwritten" in err
    code, _, err = run(capsys, "--keystore", str(tmp_path / "bad.json"), "key", "import", "--uscc",
                       generate_uscc(world.rng), "--name", "x", api=world.url, stdin="not a key\n")
    assert code == 2 and "64 hex digits" in err and "not a key" not in err


def test_the_firms_credentials_are_listed_with_kind_issuer_and_status(world: World, capsys: Any) -> None:
    firm = world.new_firm(capsys)
    code, out, _ = cli(world, capsys, firm, "credentials")
    assert code == 0
    for kind, cid in firm.ids.items():
        line = next(row for row in out.splitlines() if cid in row)
        assert kind.name in line and "VALID" in line
    code, out, _ = cli(world, capsys, firm, "credentials", "--json")
    listed = json.loads(out)
    assert {c["credential_id"] for c in listed} == set(firm.ids.values())
    assert {c["issuer"] for c in listed} == {world.issuer.account.address}
    before = (world.now() - timedelta(days=1)).isoformat()
    code, out, _ = cli(world, capsys, firm, "credentials", "--json", "--at", before)
    assert code == 0 and {c["status"] for c in json.loads(out)} == {"NOT_ANCHORED"}
    code, _, err = cli(world, capsys, firm, "credentials", "--at", "2026-05-01T09:00:00")
    assert code == 2 and "UTC offset" in err


# ---------------------------------------------------------------------- bids


def test_a_bid_by_ticked_ids_is_sealed_submitted_and_reverifies(world: World, capsys: Any, bidder_files: list[str]) -> None:
    firm = world.new_firm(capsys)
    ticks = [firm.ticks[0], firm.ticks[1][:12], firm.ticks[2][2:14]]  # full id, and unique prefixes
    code, out, err = cli(world, capsys, firm, *bid_args(world, bidder_files, "--tick", *ticks))
    assert code == 0, err
    assert "Bid submitted" in out and "3 ticked" in out
    receipt_path = firm.keystore.parent / "keystore-bids" / f"{world.tender.tid}-0.json"
    assert stat.S_IMODE(receipt_path.stat().st_mode) == 0o600
    receipt = json.loads(receipt_path.read_text())
    assert sorted(receipt["credential_ids"]) == sorted(firm.ticks)
    assert receipt["price"] == "11500000.00" and receipt["status"] == "submitted"
    assert set(receipt["files"]) == {"商务标.pdf", "技术标.pdf"} and receipt["tx_hash"].startswith("0x")
    assert "guarantee" not in err  # the section asks for none

    code, out, err = cli(world, capsys, firm, "show", world.tender.project_code, "--section", "E3203010319005778001001")
    assert code == 0, err
    assert out.count("  OK  ") == 2 and "version 1" in out and receipt["commitment"] in out


def test_an_interactive_bid_replaces_the_first_and_says_so(world: World, capsys: Any, bidder_files: list[str]) -> None:
    firm = world.new_firm(capsys)
    code, _, err = cli(world, capsys, firm, *bid_args(world, bidder_files, "--tick", firm.ticks[0]))
    assert code == 0, err
    code, out, err = cli(world, capsys, firm, *bid_args(world, bidder_files[:1], "--interactive", price="11400000"),
                         stdin="1,2-3\n")
    assert code == 0, err
    listed = [row.split()[1] for row in out.splitlines() if row[:2].strip().isdigit()]
    assert set(listed) == set(firm.ids.values())  # every valid credential, identity too, is offered
    assert "replaces it" in out and "Replaced your bid" in out
    receipt = json.loads((firm.keystore.parent / "keystore-bids" / f"{world.tender.tid}-0.json").read_text())
    assert receipt["credential_ids"] == listed[:3] and receipt["price"] == "11400000.00"
    code, out, err = cli(world, capsys, firm, "show", world.tender.tid, "--section", "0")
    assert code == 0, err
    assert "version 2" in out and "OK: the bid on the ledger is the one you sealed" in out

    code, _, err = cli(world, capsys, firm, *bid_args(world, bidder_files, "--interactive"), stdin="7-9\n")
    assert code == 2 and "outside 1..4" in err


def test_show_reports_exactly_what_differs_from_an_altered_receipt(world: World, capsys: Any, bidder_files: list[str]) -> None:
    firm = world.new_firm(capsys)
    code, _, err = cli(world, capsys, firm, *bid_args(world, bidder_files, "--tick", *firm.ticks))
    assert code == 0, err
    path = firm.keystore.parent / "keystore-bids" / f"{world.tender.tid}-0.json"
    original = json.loads(path.read_text())

    path.write_text(json.dumps(original | {"credential_ids": original["credential_ids"][:2]}))
    code, out, err = cli(world, capsys, firm, "show", world.tender.tid, "--section", "0")
    assert code == 1 and "does not match your receipt" in err
    assert "DIFF  the on-chain commitment is " + original["commitment"] in out
    assert "the receipt was altered" in out
    assert "the stored envelope" in out and "OK    the stored envelope" in out  # the envelope itself is fine

    path.write_text(json.dumps(original | {"envelope_hash": "0x" + "ab" * 32}))
    code, out, _ = cli(world, capsys, firm, "show", world.tender.tid, "--section", "0")
    assert code == 1 and f"your receipt says 0x{'ab' * 32}" in out

    path.unlink()
    code, _, err = cli(world, capsys, firm, "show", world.tender.tid, "--section", "0")
    assert code == 1 and "no receipt" in err and "salt" in err


def test_ticking_a_revoked_or_another_firms_credential_is_refused(world: World, capsys: Any, bidder_files: list[str]) -> None:
    firm, other = world.new_firm(capsys), world.new_firm(capsys)
    code, _, err = cli(world, capsys, firm, *bid_args(world, bidder_files, "--tick", firm.ticks[0], other.ticks[0]))
    assert code == 1 and "not credentials of this firm" in err and other.ticks[0] in err
    revoked = firm.ids[Kind.QUALIFICATION]
    world.revoke(revoked)
    code, _, err = cli(world, capsys, firm, *bid_args(world, bidder_files, "--tick", *firm.ticks))
    assert code == 1 and f"{revoked} (QUALIFICATION 资质) is REVOKED" in err
    code, out, _ = cli(world, capsys, firm, *bid_args(world, bidder_files, "--interactive"), stdin="all\n")
    assert code == 0 and revoked not in out.split("Tick which")[0]


def test_a_key_bound_to_no_firm_gets_the_servers_refusal(world: World, capsys: Any, bidder_files: list[str]) -> None:
    # A key labelled with a real firm's USCC, while the firm's identity credential names another key.
    stranger = world.new_firm(capsys)
    path = world.home / "impostor.json"
    code, _, _ = run(capsys, "--keystore", str(path), "key", "import", "--uscc", stranger.uscc, "--name", "冒名公司",
                     api=world.url, stdin=Account.create().key.hex())
    assert code == 0
    code, _, err = run(capsys, "--keystore", str(path), *bid_args(world, bidder_files, "--tick", stranger.ticks[0]),
                       api=world.url)
    assert code == 1 and "identity credential" in err and "would be judged as no firm's" in err
    assert not list((world.home / "impostor-bids").glob("*.json"))


def test_bad_input_is_a_usage_error(world: World, capsys: Any, bidder_files: list[str], tmp_path: Path) -> None:
    firm = world.new_firm(capsys)
    big = tmp_path / "big.zip"
    with big.open("wb") as f:
        f.truncate(21 * 1024 * 1024)  # sparse: the limit is checked before anything is read
    cases = [
        (bid_args(world, [str(big)], "--tick", firm.ticks[0]), "over the limit of 20,971,520 bytes"),
        (bid_args(world, [str(tmp_path / "missing.pdf")], "--tick", firm.ticks[0]), "no such file"),
        (bid_args(world, bidder_files, "--tick", firm.ticks[0], price="12.345"), "price"),
        (bid_args(world, bidder_files, "--tick", "0x12"), "at least its first 8 hex digits"),
        (["bid", world.tender.tid, "--section", "5", "--price", "1", "--tick", firm.ticks[0]], "sections 0..0"),
        (bid_args(world, bidder_files), "one of the arguments --tick --interactive is required"),
    ]
    for argv, message in cases:
        code, _, err = cli(world, capsys, firm, *argv)
        assert code == 2 and message in err, (argv, err)


def test_a_withdrawn_bid_is_gone_and_show_says_so(world: World, capsys: Any, bidder_files: list[str]) -> None:
    firm = world.new_firm(capsys)  # its key holds no funds: the withdrawal is signed and relayed
    assert world.rt.client.balance(firm.address) == 0
    code, _, err = cli(world, capsys, firm, *bid_args(world, bidder_files, "--tick", *firm.ticks))
    assert code == 0, err
    code, out, err = cli(world, capsys, firm, "withdraw", world.tender.tid, "--section", "0")
    assert code == 0, err
    assert "Withdrawn" in out
    code, _, err = cli(world, capsys, firm, "show", world.tender.tid, "--section", "0")
    assert code == 1 and "no live bid" in err and "withdrawal" in err
    code, _, err = cli(world, capsys, firm, "withdraw", world.tender.tid, "--section", "0")
    assert code == 1 and "error:" in err


# ---------------------------------------------------------------------- configuration


def test_a_wrong_password_or_missing_keystore_is_a_configuration_error(world: World, capsys: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    firm = world.new_firm(capsys, bound=False)
    monkeypatch.setenv("TL_KEYSTORE_PASSWORD", "not the password")
    code, out, err = cli(world, capsys, firm, "key", "show")
    assert code == 3 and "wrong password" in err and out == ""
    code, _, err = run(capsys, "--keystore", str(tmp_path / "none.json"), "key", "show", api=world.url)
    assert code == 3 and "key create" in err
    monkeypatch.delenv("TL_KEYSTORE_PASSWORD")
    code, _, err = cli(world, capsys, firm, "key", "show")  # stdin is not a terminal: no prompt
    assert code == 3 and "TL_KEYSTORE_PASSWORD" in err


def test_an_unreachable_api_is_a_configuration_error_without_a_traceback(world: World, capsys: Any, tmp_path: Path) -> None:
    firm = world.new_firm(capsys, bound=False)
    down = f"http://127.0.0.1:{free_port()}"
    code, _, err = run(capsys, "--keystore", str(firm.keystore), "credentials", api=down)
    assert code == 3 and "connection refused" in err
    env = dict(os.environ, TL_API_URL=down, TL_KEYSTORE=str(firm.keystore))
    proc = subprocess.run([sys.executable, "-m", "bidders.cli", "show", world.tender.tid, "--section", "0"],
                          capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path, check=False)
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.startswith("error: cannot reach the API at " + down) and "Traceback" not in proc.stderr


# ---------------------------------------------------------------------- a postponed deadline (moves the clock)


def test_a_bidder_bids_after_the_original_deadline_of_a_tender_the_chain_postponed(
    world: World, capsys: Any, bidder_files: list[str]
) -> None:
    tender = world.publish("E3203010319008888", days=21)
    view = world.http.get(f"/tenders/{tender.tid}").json()
    world.rt.client.increase_time(view["deadline"] - 14 * 86400 - world.rt.client.block_timestamp())
    r = world.centre.post(f"/tenders/{tender.tid}/amendments", {
        "params": view["params"], "document_b64": base64.b64encode(b"%PDF amended").decode(), "reason": "修改"})
    assert r.status_code == 200 and r.json()["deadline"] > view["deadline"], r.text
    world.rt.client.increase_time(view["deadline"] - world.rt.client.block_timestamp() + 60)
    firm = world.new_firm(capsys)
    code, out, err = cli(world, capsys, firm, "bid", tender.tid, "--section", "0", "--price", "11000000",
                         "--file", bidder_files[0], "--tick", *firm.ticks)
    assert code == 0, err


# ---------------------------------------------------------------------- results (moves the chain's clock: last)


def test_results_show_the_bidders_own_entry_before_publication_and_every_entry_after(
    world: World, capsys: Any, bidder_files: list[str]
) -> None:
    tender = world.publish("E3203010319009999", days=21)
    firms = [world.new_firm(capsys) for _ in range(3)]
    for firm in firms:
        args = ["bid", tender.tid, "--section", "0", "--price", "11000000", "--file", bidder_files[0],
                "--tick", *firm.ticks]
        code, _, err = cli(world, capsys, firm, *args)
        assert code == 0, err
    mine = firms[0]
    code, out, _ = cli(world, capsys, mine, "results", tender.tid, "--section", "0")
    assert code == 0 and "PENDING" in out and "no opened bids" in out

    world.rt.client.increase_time(22 * 86400)
    for officer in world.officers[:3]:
        actor = Actor.of(world.http, officer)  # type: ignore[arg-type]
        share = open_share(tender.sealed[officer.address], bytes(officer.key))
        tx = actor.prepare_on("TenderBook", "releaseShare", tender.tid, "0x" + share.to_bytes().hex())
        assert actor.post(f"/tenders/{tender.tid}/shares", {"signed_tx": tx}).status_code == 200
    opened = world.centre.post(f"/tenders/{tender.tid}/sections/0/open", {})
    assert opened.status_code == 200, opened.text

    code, out, _ = cli(world, capsys, mine, "results", tender.tid, "--section", "0")
    assert code == 0 and "only your own entry" in out
    rows = [row for row in out.splitlines() if "DECRYPTED" in row]
    assert len(rows) == 1 and f"{mine.uscc} (you)" in rows[0] and "11000000" in rows[0]

    r = world.centre.post(f"/tenders/{tender.tid}/sections/0/evaluation", {"report_b64": base64.b64encode(b"report").decode()})
    assert r.status_code == 200, r.text
    code, out, _ = cli(world, capsys, mine, "results", tender.tid, "--section", "0", "--json")
    published = json.loads(out)
    assert published["public"] is True
    # Each firm bid with its own per-tender key; the opening names the firm behind each.
    assert {b["eligibility"]["firm"] for b in published["bids"]} == {f.uscc for f in firms}
    assert not {b["bidder"] for b in published["bids"]} & {f.address for f in firms}
    assert all(b["eligible"] for b in published["bids"]), published["bids"]

    late = ["bid", tender.tid, "--section", "0", "--price", "1", "--tick", mine.ticks[0]]
    code, _, err = cli(world, capsys, mine, *late)
    assert code == 1 and "error:" in err
