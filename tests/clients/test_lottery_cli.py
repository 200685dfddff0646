"""`tender-ledger lottery verify`: a finished draw on a ledger's chain is recomputed from the chain
alone and reads OK; a claimed outcome that is not the draw's, an unfinished or unknown draw read
FAIL (exit 1); a malformed draw id is one `error:` line."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from eth_account import Account
from eth_utils import keccak, to_checksum_address

from ledger.config import Settings
from ledger.crypto.draw_seal import new_draw_key, point_of, public_key_bytes, seal_seed
from ledger.crypto.officer_box import OfficerKey, deal, open_share
from ledger.crypto.shares import combine
from ledger.model.lottery import DrawSetup
from ledger.model.tender import TenderTerms
from ledger.rules.lottery import combined_seed, draw, draw_id
from ledger.runtime import open_runtime
from tools.cli import main

CANDIDATES = tuple(i.to_bytes(32, "big") for i in range(1, 16))


@dataclass
class Ledger:
    finished: bytes
    unfinished: bytes
    picks: tuple[bytes, ...]
    parties: tuple[str, ...]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    data = tmp_path_factory.mktemp("lottery") / "data"
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("TL_")}
    os.environ["TL_CHAIN_CLOCK"] = "development"
    try:
        with open_runtime(Settings(data_dir=data)) as rt:
            tid = keccak(text="E3203010319005778")
            now = rt.client.block_timestamp()
            terms = TenderTerms(keccak(text="doc"), keccak(text="params"), 1, now + 21 * 86_400, 3_600, 1,
                                keccak(text="opening key"), 2, (keccak(text="a"), keccak(text="b")),
                                (Account.create().address, Account.create().address), 1)
            rt.tender_book.publish_tender(rt.centre, tid, terms)
            people = [Account.create() for _ in range(6)]
            for p in people:
                rt.client.fund(rt.relayer, p.address, 10**20)
            parties, officers = people[:3], people[3:]
            ids = []
            seeds: list[bytes] = []
            for round_ in (1, 2):
                did = draw_id(tid, 0, "selection", round_)
                dealing = deal(tender_id=did, officers=[OfficerKey.of_private(o.key) for o in officers],
                               threshold=2, new_key=new_draw_key)
                setup = DrawSetup(tid, 0, "selection", round_, tuple(p.address for p in parties), CANDIDATES, 2,
                                  dealing.opening_public, rt.client.block_timestamp() + 3_600, dealing.officers,
                                  dealing.share_hashes, 2)
                rt.lottery_book.open_draw(rt.centre, setup)
                ids.append(did)
                if round_ == 2:
                    break  # left open: nothing committed, nothing drawn
                seeds = [os.urandom(32), os.urandom(32), bytes(32)]
                for party, seed in zip(parties[:2], seeds, strict=False):
                    sealed = seal_seed(seed, public=point_of(dealing.opening_public), draw_id=did, party=party.address)
                    rt.lottery_book.commit_seed(party, did, sealed)
                rt.client.increase_time(3_601)
                shares = [open_share(s, bytes(o.key)) for s, o in zip(dealing.sealed[:2], officers, strict=False)]
                for officer, share in zip(officers, shares, strict=False):
                    rt.lottery_book.release_share(officer, did, share)
                sk = combine(shares, k=2, expected_public=dealing.opening_public, public_key=public_key_bytes)
                rt.lottery_book.finish_draw(rt.relayer, did, sk)
        os.environ["TL_DATA_DIR"] = str(data)
        yield Ledger(ids[0], ids[1], tuple(draw(combined_seed(seeds), CANDIDATES, 2)),
                     tuple(p.address for p in parties))
    finally:
        for k in [k for k in os.environ if k.startswith("TL_")]:
            del os.environ[k]
        os.environ.update(saved)


def test_a_finished_draw_verifies_and_the_output_says_who_did_what(
        ledger: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lottery", "verify", "0x" + ledger.finished.hex()]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1].startswith("OK: ")
    assert f"1. {ledger.parties[0]}  committed" in out and f"3. {ledger.parties[2]}  did not commit" in out
    assert "2 of 3 released" in out and "selection draw, round 1" in out
    # Candidates and picks are the addresses their words stand for, not raw bytes32.
    assert all(to_checksum_address(p[12:]) in out for p in ledger.picks) and "0x" + ledger.picks[0].hex() not in out
    assert main(["lottery", "verify", "0x" + ledger.finished.hex(), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["recomputed_picks"] == ["0x" + p.hex() for p in ledger.picks]
    assert [p["committed"] for p in report["parties"]] == [True, True, False]
    assert report["parties"][2]["seed"] == "0x" + "00" * 32


def test_a_claimed_outcome_that_is_not_the_draws_fails(ledger: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    right = ["--expect-pick=0x" + p.hex() for p in ledger.picks]
    assert main(["lottery", "verify", "0x" + ledger.finished.hex(), *right]) == 0
    capsys.readouterr()
    tampered = next(c for c in CANDIDATES if c not in ledger.picks)
    assert main(["lottery", "verify", "0x" + ledger.finished.hex(), right[0], "--expect-pick=0x" + tampered.hex()]) == 1
    out = capsys.readouterr().out
    assert "FAIL: the picks expected (--expect-pick) are not the picks the draw gives" in out
    assert not any(line.startswith("OK") for line in out.splitlines())


def test_an_unfinished_or_unknown_draw_fails(ledger: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lottery", "verify", "0x" + ledger.unfinished.hex()]) == 1
    assert "FAIL: the draw is not finished" in capsys.readouterr().out
    unknown = keccak(text="no draw")
    assert main(["lottery", "verify", "0x" + unknown.hex()]) == 1
    assert f"FAIL: no draw 0x{unknown.hex()} was opened on chain" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["12", "0xzz", "0x" + "ab" * 31])
def test_a_malformed_draw_id_is_one_error_line(ledger: Ledger, bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lottery", "verify", bad]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("error: DRAW_ID") and captured.err.count("\n") == 1 and captured.out == ""
