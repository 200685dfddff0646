"""评定分离 from the command line, against a running service: one tender section (4 firms bid with
their bid keys, opened; `tests.selection_scene`) taken by its parties' `tender-ledger` commands —
each with its own key file — from the committee draws to the award, and every draw recomputed
from the chain alone once the service stops. In file order, one stage further per test; the
attacks are tried at the stage where they would hurt: a key that holds no seat signing a sheet, a
sheet edited after its commitment, a salt that does not open the commitment, a second vote in a
round, a malformed sheet file, an unknown tender. Each refusal is one `error:` line and exit code 1
(refused by the service or the chain) or 2 (bad input on the caller's machine), nothing half written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.config import Settings
from ledger.crypto.seat_keys import EVALUATION, derive_seat_key
from ledger.model.selection import CommitteeKind
from tests.scenes import Scene
from tests.selection_scene import DAY, HOUR, PARAMS, Section
from tests.server import serving
from tools.cli import main

SEL = CommitteeKind.SELECTION


@dataclass
class Walk:
    section: Section
    home: Path  # each party's files (key files, seat files, sheets, ballots) under its own name
    url: str
    stack: ExitStack
    keys: dict[str, Path] = field(default_factory=dict)  # address → key file
    draws: list[str] = field(default_factory=list)
    officers: list[Path] = field(default_factory=list)  # public key files, sent to the centre
    officer_accounts: list[LocalAccount] = field(default_factory=list)
    parties: list[LocalAccount] = field(default_factory=list)
    picks: dict[str, list[str]] = field(default_factory=dict)

    @property
    def tid(self) -> str:
        return self.section.tender.tid

    def key(self, account: LocalAccount) -> str:
        if account.address not in self.keys:
            path = self.home / f"{account.address}.key"
            path.write_text(account.key.hex())
            self.keys[account.address] = path
        return str(self.keys[account.address])

    def later(self, seconds: int) -> None:
        self.section.rt.client.increase_time(seconds)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def ok(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    return out


def refused(capsys: pytest.CaptureFixture[str], expected_code: int, *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code == expected_code and err.startswith("error: ") and err.count("\n") == 1, (code, out, err)
    assert "Traceback" not in err
    return err


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    tmp = tmp_path_factory.mktemp("selection-cli")
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("TL_")}
    os.environ["TL_CHAIN_CLOCK"] = "development"
    stack = ExitStack()
    try:
        app = create_app(Settings(data_dir=tmp / "data", chain_clock="development"))
        url = stack.enter_context(serving(app))
        os.environ["TL_API_URL"] = url
        os.environ["TL_DATA_DIR"] = str(tmp / "data")
        scene = Scene(TestClient(app), app.state.runtime, seed=61)
        section = Section.make(scene)
        home = tmp / "home"
        home.mkdir()
        w = Walk(section, home, url, stack)
        w.parties = [Account.create(), Account.create()]
        w.officer_accounts = [Account.create() for _ in range(3)]
        for o in w.officer_accounts:
            public = home / f"officer-{o.address}.json"
            assert main(["tender", "officer-key", "--key-file", w.key(o), "--out", str(public)]) == 0
            w.officers.append(public)
        yield w
    finally:
        stack.close()
        for k in [k for k in os.environ if k.startswith("TL_")]:
            del os.environ[k]
        os.environ.update(saved)


def draw(w: Walk, capsys: pytest.CaptureFixture[str], how: list[str], name: str) -> list[str]:
    """Open a draw (the centre), both parties commit seeds, two of three officers release their
    shares after the commit deadline, anyone finishes it; the picks as addresses."""
    shares = w.home / f"shares-{name}"
    args = ["lottery", "open", w.tid, *how, "--threshold", "2", "--shares-dir", str(shares), "--json"]
    for p in w.parties:
        args += ["--party", p.address]
    for public in w.officers:
        args += ["--officer", str(public)]
    opened = json.loads(ok(capsys, *args))
    did = opened["draw_id"]
    w.draws.append(did)
    for p in w.parties:
        assert "committed its seed" in ok(capsys, "lottery", "seed", did, "--key-file", w.key(p))
    w.later(HOUR + 1)
    for o in w.officer_accounts[:2]:
        assert "released by" in ok(capsys, "lottery", "release-share", str(shares / f"draw-share-{o.address}.json"),
                                   "--key-file", w.key(o))
    finished = json.loads(ok(capsys, "lottery", "finish", did, "--json"))
    assert finished["verified"] is True
    from eth_utils import to_checksum_address

    return [to_checksum_address("0x" + p[-40:]) for p in finished["picks"]]


def seat_files(w: Walk, capsys: pytest.CaptureFixture[str], committee: str, people: list[LocalAccount]) -> list[str]:
    files = []
    for person in people:
        out = w.home / f"seat-{committee}-{person.address}.json"
        ok(capsys, "evaluate", "seat-key", w.tid, "--committee", committee, "--key-file", w.key(person),
           "--out", str(out))
        files += ["--seat", str(out)]
    return files


def sheet_file(w: Walk, expert: LocalAccount) -> Path:
    seat = derive_seat_key(expert, w.section.tid, 0, EVALUATION).address
    path = w.home / f"sheet-{expert.address}.json"
    path.write_text(w.section.sheet(seat).model_dump_json())
    return path


# ---------------------------------------------------------------------- evaluation


def test_the_evaluation_committee_is_drawn_from_the_expert_pool_and_seated_by_seat_keys(
        walk: Walk, capsys: pytest.CaptureFixture[str]) -> None:
    w = walk
    picks = draw(w, capsys, ["--committee", "evaluation"], "evaluation")
    assert len(picks) == 9  # 7 seats and 2 reserves
    shown = ok(capsys, "lottery", "show", w.draws[0])
    assert "committee draw, round 1" in shown and "(expert, 房屋建筑)" in shown and "recomputes from the chain: OK" in shown
    experts = {e.address.lower(): e for e in w.section.experts}
    w.picks["evaluation"] = picks
    seated = [experts[p.lower()] for p in picks[:7]]
    out = ok(capsys, "select", "seat", w.tid, "--committee", "evaluation", *seat_files(w, capsys, "evaluation", seated))
    assert "the evaluation committee is seated: 7 seats" in out and "+0800" in out


def test_a_malformed_sheet_file_is_refused_on_the_experts_machine(walk: Walk, capsys: pytest.CaptureFixture[str]) -> None:
    w = walk
    expert = next(e for e in w.section.experts if e.address.lower() == w.picks["evaluation"][0].lower())
    bad = w.home / "bad.json"
    for text, fragment in (("{not json", "not JSON"),
                           ('{"scores": {"0x12": {"T1": 3}}}', "keyed by bidder address"),
                           (json.dumps({"scores": {b: {"T1": 41, "T2": 10} for b in w.section.bidders}}),
                            "outside 0..40"),
                           (json.dumps({"scores": {b: {"T1": 30, "T2": 10, "price": 40} for b in w.section.bidders}}),
                            "computed from the prices")):
        bad.write_text(text)
        err = refused(capsys, 2, "evaluate", "commit", w.tid, "--sheet", str(bad), "--key-file", w.key(expert))
        assert fragment in err, err
        assert not Path(str(bad) + ".commitment.json").exists()
    refused(capsys, 2, "evaluate", "commit", w.tid, "--sheet", str(w.home / "missing.json"), "--key-file", w.key(expert))


def test_a_key_that_holds_no_seat_cannot_commit_a_sheet(walk: Walk, capsys: pytest.CaptureFixture[str]) -> None:
    w = walk
    # An expert of the pool not seated, and a stranger: neither's seat key is a seat.
    unseated = next(e for e in w.section.experts if e.address.lower() not in {p.lower() for p in w.picks["evaluation"][:7]})
    for key in (unseated, Account.create()):
        sheet = sheet_file(w, key)
        err = refused(capsys, 1, "evaluate", "commit", w.tid, "--sheet", str(sheet), "--key-file", w.key(key))
        assert "NotSeat" in err or "not a seat" in err, err
        assert not Path(str(sheet) + ".commitment.json").exists()  # refused: no salt kept for nothing


def test_each_seat_commits_then_reveals_its_own_sheet_and_an_edited_or_mis_salted_reveal_is_refused(
        walk: Walk, capsys: pytest.CaptureFixture[str]) -> None:
    w = walk
    experts = {e.address.lower(): e for e in w.section.experts}
    seated = [experts[p.lower()] for p in w.picks["evaluation"][:7]]
    sheets = {}
    for expert in seated:
        sheets[expert.address] = sheet_file(w, expert)
        out = ok(capsys, "evaluate", "commit", w.tid, "--sheet", str(sheets[expert.address]), "--key-file", w.key(expert))
        assert "sheet committed by seat" in out
    first = seated[0]
    path = sheets[first.address]
    original = path.read_text()
    # The sheet edited after its commitment: refused before anything is sent.
    edited = json.loads(original)
    bid = next(iter(edited["scores"]))
    edited["scores"][bid]["T1"] = "1"
    path.write_text(json.dumps(edited))
    err = refused(capsys, 1, "evaluate", "reveal", w.tid, "--sheet", str(path), "--key-file", w.key(first))
    assert "is not the sheet committed" in err
    path.write_text(original)
    # A salt that does not open the commitment: the chain refuses the reveal.
    commitment = Path(str(path) + ".commitment.json")
    kept = commitment.read_text()
    forged = json.loads(kept) | {"salt": "0x" + "11" * 32}
    commitment.write_text(json.dumps(forged))
    err = refused(capsys, 1, "evaluate", "reveal", w.tid, "--sheet", str(path), "--key-file", w.key(first))
    assert "SheetMismatch" in err or "does not match" in err, err
    commitment.write_text(kept)
    # Another seat's commitment file under this seat's key: refused on the expert's machine.
    err = refused(capsys, 2, "evaluate", "reveal", w.tid, "--sheet", str(path), "--key-file", w.key(seated[1]))
    assert "not of this key's seat" in err
    for expert in seated:
        assert "sheet revealed by seat" in ok(capsys, "evaluate", "reveal", w.tid, "--sheet",
                                              str(sheets[expert.address]), "--key-file", w.key(expert))


def test_a_seat_files_the_shortlist_and_the_report_says_who_is_shortlisted_and_why(
        walk: Walk, capsys: pytest.CaptureFixture[str]) -> None:
    w = walk
    expert = next(e for e in w.section.experts if e.address.lower() == w.picks["evaluation"][0].lower())
    out = ok(capsys, "evaluate", "shortlist", w.tid, "--key-file", w.key(expert))
    assert "shortlist filed by seat" in out and "3 unranked candidates" in out
    centre = str(Path(os.environ["TL_DATA_DIR"]) / "keys" / "centre.key")
    report = ok(capsys, "evaluate", "report", w.tid, "--key-file", centre)
    assert "filed on chain" in report and report.count("→ SHORTLISTED") == 3 and report.count("→ not shortlisted") == 1
    firms = [f.uscc for f in w.section.bidders.values()]
    assert all(f"firm {uscc}" in report for uscc in firms)  # bidders by firm, not by bid key alone
    assert "元" in report and "among the 3 highest scores" in report and "below the shortlist's lowest score" in report
    as_json = json.loads(ok(capsys, "evaluate", "report", w.tid, "--json"))
    assert len(as_json["shortlist"]) == 3 and as_json["filed"] is True


# ---------------------------------------------------------------------- selection


def test_the_selection_committee_votes_once_each_and_a_draw_decides(walk: Walk, capsys: pytest.CaptureFixture[str]) -> None:
    w = walk
    picks = draw(w, capsys, ["--committee", "selection"], "selection")
    members = {m.address.lower(): m for m in w.section.members}
    seated = [members[p.lower()] for p in picks[:5]]
    ok(capsys, "select", "seat", w.tid, "--committee", "selection", *seat_files(w, capsys, "selection", seated))
    out = ok(capsys, "select", "round", w.tid)
    assert "vote round 1 opened" in out
    state = json.loads(ok(capsys, "select", "show", w.tid, "--json"))
    a, b, c = state["rounds"][0]["candidates"]
    for member, choice in zip(seated, [a, a, a, b, b], strict=True):
        out = ok(capsys, "select", "vote", "commit", w.tid, "--candidate", choice, "--key-file", w.key(member),
                 "--ballot", str(w.home / f"ballot-{member.address}.json"))
        assert "候选人 candidates" in out and "vote committed by seat" in out
    # Voting twice in the round: the chain refuses the second commitment, nothing is kept for it.
    again = w.home / "second-ballot.json"
    err = refused(capsys, 1, "select", "vote", "commit", w.tid, "--candidate", c, "--key-file", w.key(seated[0]),
                  "--ballot", str(again))
    assert "SeatAlreadyCommitted" in err or "already" in err, err
    assert not again.exists()
    # A vote for someone not on the shortlist is refused on the member's machine.
    stranger = Account.create().address
    refused(capsys, 2, "select", "vote", "commit", w.tid, "--candidate", stranger, "--key-file", w.key(seated[1]),
            "--ballot", str(w.home / "stranger-ballot.json"))
    for member in seated:
        out = ok(capsys, "select", "vote", "reveal", w.tid, "--key-file", w.key(member),
                 "--ballot", str(w.home / f"ballot-{member.address}.json"))
        assert "vote revealed by seat" in out
    shown = ok(capsys, "select", "show", w.tid)
    assert "下一步 next step" in shown and "selection draw" in shown
    draw(w, capsys, ["--step"], "tie-break")
    out = ok(capsys, "select", "decide", w.tid)
    assert "decision recorded" in out and "公示 until" in out


def test_an_objection_during_publicity_is_answered_then_the_award(walk: Walk, capsys: pytest.CaptureFixture[str]) -> None:
    w = walk
    objector = Account.create()
    out = ok(capsys, "objection", "file", w.tid, "--reason", "第二候选人的项目经理证书已过期，请核查。",
             "--key-file", w.key(objector))
    assert "objection 1 filed by" in out
    refused(capsys, 1, "award", w.tid)  # an objection is open
    out = ok(capsys, "objection", "answer", w.tid, "1", "--answer", "经核查，证书在截标时有效，异议不成立。")
    assert "objection 1 answered" in out
    refused(capsys, 1, "award", w.tid)  # 公示 has not ended
    w.later(3 * DAY + 1)
    out = ok(capsys, "award", w.tid)
    state = json.loads(ok(capsys, "select", "show", w.tid, "--json"))
    winner = state["winner"]
    firm = w.section.bidders[winner].uscc
    assert f"awarded to firm {firm}" in out
    shown = ok(capsys, "select", "show", w.tid)
    assert f"中标人 winner:              firm {firm}" in shown and "异议 objection 1" in shown and "answered" in shown


def test_an_unknown_or_malformed_tender_is_one_error_line(walk: Walk, capsys: pytest.CaptureFixture[str]) -> None:
    unknown = "0x" + "11" * 32
    refused(capsys, 1, "select", "show", unknown)
    refused(capsys, 1, "evaluate", "report", unknown)
    refused(capsys, 1, "award", unknown)
    refused(capsys, 2, "evaluate", "seat-key", "0x12", "--key-file", walk.key(Account.create()))
    refused(capsys, 2, "lottery", "show", "0x12")
    refused(capsys, 1, "lottery", "show", unknown)


def test_a_seat_file_written_is_one_line_on_stdout_and_an_unwritable_one_one_error_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    member = Account.create()
    key = tmp_path / "member.key"
    key.write_text(member.key.hex())
    tid = "0x" + "ab" * 32
    code, out, err = run(capsys, "evaluate", "seat-key", tid, "--key-file", str(key), "--out", str(tmp_path / "seat.json"))
    assert code == 0 and err == "" and out.count("\n") == 1 and out.startswith(f"wrote {tmp_path / 'seat.json'}: ")
    assert json.loads((tmp_path / "seat.json").read_text())["member"] == member.address
    err = refused(capsys, 2, "evaluate", "seat-key", tid, "--key-file", str(key), "--out", str(tmp_path / "no" / "seat.json"))
    assert "cannot write the seat file" in err


def test_every_draw_recomputes_from_the_chain_alone_with_its_candidates_named(
        walk: Walk, capsys: pytest.CaptureFixture[str]) -> None:
    w = walk
    w.stack.close()  # the service stops: the data directory is read by the chain alone
    assert len(w.draws) == 3
    for did in w.draws:
        out = ok(capsys, "lottery", "verify", did)
        assert out.splitlines()[-1].startswith("OK: ")
    committee = ok(capsys, "lottery", "verify", w.draws[0])
    assert "(expert, 房屋建筑)" in committee and w.picks["evaluation"][0].lower() in committee.lower()
    members = ok(capsys, "lottery", "verify", w.draws[1])
    assert "(member of the tenderer's pool)" in members
    tie = ok(capsys, "lottery", "verify", w.draws[2])
    assert "(a bid key of the section)" in tie


# ---------------------------------------------------------------------- 集体议事


DELIBERATION = {**PARAMS, "selection": {"method": "集体议事", "committee_size": 5}}


@dataclass
class Council:
    """A 集体议事 section whose selection committee is seated (set up through the service); each
    member acts from here on with its own key file through `tender-ledger select …`."""

    section: Section
    home: Path
    stack: ExitStack
    keys: dict[str, Path] = field(default_factory=dict)

    @property
    def tid(self) -> str:
        return self.section.tender.tid

    def seats(self) -> list[str]:
        return sorted(self.section.seats[SEL], key=lambda a: int(a, 16))

    def member(self, seat: str) -> LocalAccount:
        return self.section.holders[SEL][seat]

    def key(self, account: LocalAccount) -> str:
        if account.address not in self.keys:
            path = self.home / f"{account.address}.key"
            path.write_text(account.key.hex())
            self.keys[account.address] = path
        return str(self.keys[account.address])

    def ballot(self, seat: str) -> Path:
        return self.home / f"view-{seat}.json"


@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Council]:
    tmp = tmp_path_factory.mktemp("selection-cli-council")
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("TL_")}
    os.environ["TL_CHAIN_CLOCK"] = "development"
    stack = ExitStack()
    try:
        app = create_app(Settings(data_dir=tmp / "data", chain_clock="development"))
        url = stack.enter_context(serving(app))
        os.environ["TL_API_URL"] = url
        os.environ["TL_DATA_DIR"] = str(tmp / "data")
        scene = Scene(TestClient(app), app.state.runtime, seed=67)
        section = Section.make(scene, params=DELIBERATION)
        section.evaluate()
        section.seat(SEL, section.committee_draw(SEL)[:5])
        home = tmp / "home"
        home.mkdir()
        yield Council(section, home, stack)
    finally:
        stack.close()
        for k in [k for k in os.environ if k.startswith("TL_")]:
            del os.environ[k]
        os.environ.update(saved)


def test_deliberation_the_centre_names_a_seat_as_chair_then_opens_the_views(
        council: Council, capsys: pytest.CaptureFixture[str]) -> None:
    c = council
    # A pool member's own address is no seat: the chain refuses it as chair.
    err = refused(capsys, 1, "select", "chair", c.tid, "--seat", c.member(c.seats()[0]).address)
    assert "NotSeat" in err or "not a seat" in err, err
    # Only the centre names the chair: a member's key is refused by the service.
    err = refused(capsys, 1, "select", "chair", c.tid, "--seat", c.seats()[1], "--key-file", c.key(c.member(c.seats()[1])))
    assert "centre" in err.lower() or "NotCentre" in err, err
    out = ok(capsys, "select", "chair", c.tid, "--seat", c.seats()[1])
    assert f"selection seat {c.seats()[1]} chairs 集体议事" in out
    assert "vote round 1 opened" in ok(capsys, "select", "round", c.tid)


def test_deliberation_a_key_that_holds_no_seat_cannot_commit_a_view(
        council: Council, capsys: pytest.CaptureFixture[str]) -> None:
    c = council
    state = json.loads(ok(capsys, "select", "show", c.tid, "--json"))
    candidate = state["rounds"][0]["candidates"][0]
    unseated = next(m for m in c.section.members if m.address not in {c.member(s).address for s in c.seats()})
    for key in (unseated, Account.create()):
        ballot = c.home / f"stray-{key.address}.json"
        err = refused(capsys, 1, "select", "view", "commit", c.tid, "--candidate", candidate, "--reason", "报价最低",
                      "--key-file", c.key(key), "--ballot", str(ballot))
        assert "NotSeat" in err or "not a seat" in err, err
        assert not ballot.exists()  # refused: no view kept for nothing


def test_deliberation_each_member_commits_then_reveals_its_written_view_and_a_rewritten_view_is_refused(
        council: Council, capsys: pytest.CaptureFixture[str]) -> None:
    from ledger.crypto.canonical import canonical_json, keccak

    c = council
    state = json.loads(ok(capsys, "select", "show", c.tid, "--json"))
    a, b = state["rounds"][0]["candidates"][:2]
    for n, seat in enumerate(c.seats()):
        candidate = "none" if n == 4 else (a, b)[n % 2]
        out = ok(capsys, "select", "view", "commit", c.tid, "--candidate", candidate,
                 "--reason", f"第{n + 1}位成员：施工组织设计与报价综合考虑", "--key-file", c.key(c.member(seat)),
                 "--ballot", str(c.ballot(seat)))
        assert f"意见 view committed by seat {seat}" in out
        assert c.ballot(seat).stat().st_mode & 0o077 == 0
    first = c.seats()[0]
    path = c.ballot(first)
    kept = path.read_text()
    # The written view edited after its commitment: its hash is no longer the salt (the member's machine).
    edited = json.loads(kept)
    edited["view"]["reason"] = "改写后的理由"
    path.write_text(json.dumps(edited, ensure_ascii=False))
    err = refused(capsys, 2, "select", "view", "reveal", c.tid, "--key-file", c.key(c.member(first)),
                  "--ballot", str(path))
    assert "does not hash to its salt" in err
    # ... and rewritten with the salt made to match: the commitment does not open, the chain refuses it.
    edited["salt"] = "0x" + keccak(canonical_json(edited["view"])).hex()
    path.write_text(json.dumps(edited, ensure_ascii=False))
    err = refused(capsys, 1, "select", "view", "reveal", c.tid, "--key-file", c.key(c.member(first)),
                  "--ballot", str(path))
    assert "VoteMismatch" in err or "does not match" in err or "commitment" in err, err
    # Another member's view under this member's key: refused on the member's machine.
    path.write_text(kept)
    err = refused(capsys, 2, "select", "view", "reveal", c.tid, "--key-file", c.key(c.member(c.seats()[1])),
                  "--ballot", str(path))
    assert "not this key's" in err
    for seat in c.seats():
        out = ok(capsys, "select", "view", "reveal", c.tid, "--key-file", c.key(c.member(seat)),
                 "--ballot", str(c.ballot(seat)))
        assert f"意见 view revealed by seat {seat}" in out


def test_deliberation_only_the_chair_decides_with_its_reasons(council: Council, capsys: pytest.CaptureFixture[str]) -> None:
    c = council
    state = json.loads(ok(capsys, "select", "show", c.tid, "--json"))
    winner = state["rounds"][0]["candidates"][1]
    other = c.member(c.seats()[2])
    err = refused(capsys, 2, "select", "decide", c.tid, "--basis", "chair", "--key-file", c.key(other),
                  "--winner", winner, "--reason", "综合各成员意见")
    assert "is not the chair" in err
    # The chair without its reasons: refused before anything is signed.
    chair = c.member(c.seats()[1])
    refused(capsys, 2, "select", "decide", c.tid, "--basis", "chair", "--key-file", c.key(chair), "--winner", winner)
    out = ok(capsys, "select", "decide", c.tid, "--basis", "chair", "--key-file", c.key(chair), "--winner", winner,
             "--reason", "综合各成员意见，该单位施工组织设计最优、报价合理")
    assert "组长决定 the chair's decision" in out and "after 5 view(s)" in out and "公示 until" in out
    shown = json.loads(ok(capsys, "select", "show", c.tid, "--json"))
    assert shown["decision"]["winner"].lower() == winner.lower()
