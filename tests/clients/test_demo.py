"""The synthetic dataset and `tender-ledger demo`: sized like the reference deployment, seeded,
anchored end to end through the service relay, with revocations, suspensions and verification."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import func, select

from api.db.credentials import CredentialRecord
from api.db.events import ChainEvent
from api.db.journal import Store
from ledger.documents import Kind
from ledger.rules.performance import award_id
from ledger.runtime import open_runtime
from ledger.uscc import is_valid_uscc
from ledger.values import to_hex
from tools import synthetic
from tools.cli import main
from tools.demo import DemoOptions, demo_settings, run_demo

SCALE = 0.05


@pytest.fixture(scope="module")
def dataset() -> synthetic.Dataset:
    return synthetic.generate()


def test_the_dataset_has_the_reference_counts_and_a_few_hundred_firms(dataset) -> None:  # type: ignore[no-untyped-def]
    assert dataset.counts() == synthetic.REFERENCE_COUNTS
    assert sum(dataset.counts().values()) == 3_158
    assert len(dataset.firms) == 300 and len(dataset.identities) == 300
    usccs = [f.uscc for f in dataset.firms]
    assert len(set(usccs)) == 300 and all(is_valid_uscc(u) for u in usccs)
    assert len({f.name for f in dataset.firms}) == 300
    assert all(f.name.endswith("公司") for f in dataset.firms)


def test_each_kind_is_issued_by_the_body_that_issues_it_in_practice(dataset) -> None:  # type: ignore[no-untyped-def]
    issuers = {i.slug: i for i in dataset.issuers}
    for item in dataset.credentials + dataset.identities:
        issuer = issuers[item.issuer]
        assert item.kind in issuer.kinds
        assert item.sealed.document.issuer == issuer.address
    by_issuer = {(c.issuer, c.kind) for c in dataset.credentials}
    assert ("housing", Kind.QUALIFICATION) in by_issuer and ("credit", Kind.CREDIT) in by_issuer
    assert {c.issuer for c in dataset.credentials if c.kind is Kind.AWARD} == {
        "award-national",
        "award-provincial",
        "award-municipal",
    }
    assert len({i.address for i in dataset.issuers}) == len(dataset.issuers)


def test_the_documents_carry_plausible_domain_values(dataset) -> None:  # type: ignore[no-untyped-def]
    docs = {k: [c.sealed.document for c in dataset.credentials if c.kind is k] for k in Kind}
    quals = docs[Kind.QUALIFICATION]
    assert all(d.certificate_no[0] in "DA" and len(d.certificate_no) == 10 for d in quals)
    assert {d.grade.value for d in quals} >= {"一级", "二级", "三级"}
    assert all(d.expiry_date > d.issue_date for d in quals)
    perf = docs[Kind.PERFORMANCE]
    assert all(len(d.project_no) == 16 and d.project_no.isdigit() for d in perf)
    assert all(d.contract_amount_wan > 0 and is_valid_uscc(d.client_uscc) for d in perf)
    awards = docs[Kind.AWARD]
    assert any("鲁班奖" in d.award_name for d in awards)
    assert {d.level.value for d in awards} == {"国家级", "省级", "市级"}
    credit = docs[Kind.CREDIT]
    assert {d.record_type.value for d in credit} == {
        "good",
        "bad",
        "redlist",
        "blacklist",
        "joint-punishment",
    }
    assert all("〔" in d.decision_document_no for d in credit)
    # Nothing is dated after the dataset's reference date.
    assert all(c.sealed.document.valid_from.date() <= dataset.as_of for c in dataset.credentials)


def test_the_same_seed_gives_the_same_dataset_and_another_seed_another(dataset) -> None:  # type: ignore[no-untyped-def]
    again = synthetic.generate()
    assert [c.sealed.to_json() for c in again.credentials] == [
        c.sealed.to_json() for c in dataset.credentials
    ]
    other = synthetic.generate(seed=7, scale=SCALE)
    assert other.firms[0].uscc != dataset.firms[0].uscc


def test_a_scaled_dataset_has_scaled_counts_and_at_least_one_of_each() -> None:
    small = synthetic.generate(scale=SCALE)
    assert small.counts() == synthetic.scaled_counts(SCALE)
    tiny = synthetic.generate(scale=0.0001)
    assert set(tiny.counts().values()) == {1} and len(tiny.firms) == 3


def test_batches_group_by_issuer_and_kind_and_respect_the_size(dataset) -> None:  # type: ignore[no-untyped-def]
    batches = list(dataset.batches(500))
    assert sum(len(b) for _, _, b in batches) == 3_158
    assert all(len(b) <= 500 for _, _, b in batches)
    for issuer, kind, batch in batches:
        assert kind in issuer.kinds
        assert {s.document.kind for s in batch} == {kind}
        assert {s.document.issuer for s in batch} == {issuer.address}


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    return run_demo(DemoOptions(data_dir=data_dir, scale=SCALE, sample=12))


def test_the_demo_anchors_every_credential_in_batches_per_issuer_and_kind(small_demo) -> None:  # type: ignore[no-untyped-def]
    summary = small_demo
    expected = {k.name: n for k, n in synthetic.scaled_counts(SCALE).items()}
    assert summary["credentials_by_kind"] == expected
    assert summary["credentials"] == sum(expected.values())
    assert summary["firms"] == summary["identity_credentials"] == 15
    assert summary["issuers"] == 6
    # housing: qualification + performance; credit; three award bodies: one batch each here.
    assert summary["batches"] == 6
    assert summary["anchor_gas"] > 0
    assert summary["gas_per_credential"] == pytest.approx(
        summary["anchor_gas"] / summary["credentials"], abs=0.1
    )
    assert summary["dataset_anchor_s"] > 0


def test_the_demo_records_every_credential_and_event_in_its_own_ledger(small_demo) -> None:  # type: ignore[no-untyped-def]
    summary = small_demo
    with open_runtime(demo_settings(Path(summary["data_dir"]))) as rt:
        store = Store(rt)
        with store.session() as s:
            records = s.exec(select(func.count()).select_from(CredentialRecord)).one()
            names = list(s.exec(select(ChainEvent.name)))
    # and the one new 业绩 the 履约 part anchors, in a batch of its own
    assert records == summary["credentials"] + summary["identity_credentials"] + 1
    assert names.count("Anchored") == summary["batches"] + summary["identity_batches"] + 1
    assert names.count("Revoked") == summary["revoked"] == 1
    assert names.count("Suspended") == summary["suspended"] == 1
    # six issuers; housing holds three kinds, and a fourth (履约评价) for the 履约 part
    assert names.count("IssuerAuthorised") == 9


def test_the_demo_verifies_valid_ones_ok_and_changed_ones_invalid_with_the_reason(
    small_demo,
) -> None:  # type: ignore[no-untyped-def]
    v = small_demo["verification"]
    assert v["mismatches"] == []
    results = v["results"]
    assert results["untouched"]["checked"] == 12
    assert results["untouched"]["as_expected"] == 12
    assert results["revoked"] == {"checked": 1, "VALID": 0, "INVALID": 1, "as_expected": 1}
    assert results["suspended"] == {"checked": 1, "VALID": 0, "INVALID": 1, "as_expected": 1}
    assert results["tampered"]["INVALID"] == 1
    assert "revoked" in v["reasons"]["revoked"]
    assert "suspended" in v["reasons"]["suspended"]
    assert "UNDER_INVESTIGATION" in v["reasons"]["suspended"]
    assert "a field was changed" in v["reasons"]["tampered"]  # integrity against the claimed id


def test_the_demo_leaves_issuer_keys_and_sample_files_for_the_importer(small_demo) -> None:  # type: ignore[no-untyped-def]
    keys = small_demo["issuer_keys"]
    assert set(keys) == {"market-regulator", "housing", "credit"} | {
        "award-national",
        "award-provincial",
        "award-municipal",
    }
    assert Path(keys["housing"]).stat().st_mode & 0o077 == 0
    csv_text = Path(small_demo["samples"]["QUALIFICATION"]).read_text()
    assert csv_text.startswith("subject,validFrom,") and "+08:00" in csv_text
    assert len(json.loads(Path(small_demo["samples"]["AWARD"]).read_text())) == 3


def test_the_demo_command_prints_a_summary_and_progress_and_exits_0(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["demo", "--scale", "0.02", "--data-dir", str(tmp_path / "d"), "--sample", "3"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "QUALIFICATION" in out and "gas each" in out and "as expected" in out
    assert "tender-ledger serve" in out
    assert "评定分离" in out and "winner (中标人)" in out and "picks recomputed: OK" in out
    assert "履约" in out and "new 业绩" in out and "verifies: VALID" in out and "its bid opens valid" in out
    assert "+0800" in out and "元" in out
    assert "anchoring the dataset" in err and "verifying" in err


def test_the_demo_command_prints_one_json_object_with_json(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["demo", "--scale", "0.02", "--data-dir", str(tmp_path / "d"), "--json", "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    summary = json.loads(out)
    assert summary["verification"]["mismatches"] == []
    assert summary["data_dir"] == str(tmp_path / "d")


def test_without_a_data_dir_the_demo_uses_a_new_temporary_directory(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    first = run_demo(DemoOptions(scale=0.01, sample=1))
    second = run_demo(DemoOptions(scale=0.01, sample=1))
    assert first["data_dir"] != second["data_dir"]
    assert Path(first["data_dir"]).is_relative_to(tmp_path)


def test_the_demo_refuses_a_directory_that_is_not_empty_and_leaves_it_alone(
    tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    ledger_dir = tmp_path / "ledger"
    with open_runtime(demo_settings(ledger_dir)):
        pass
    before = sorted((p.name, p.stat().st_mtime_ns) for p in ledger_dir.iterdir())
    code = main(["demo", "--scale", "0.01", "--data-dir", str(ledger_dir)])
    _, err = capsys.readouterr()
    assert code == 3
    assert "not empty" in err and "synthetic" in err
    assert sorted((p.name, p.stat().st_mtime_ns) for p in ledger_dir.iterdir()) == before


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["--scale", "0"], "--scale"),
        (["--scale", "-1"], "--scale"),
        (["--batch-size", "0"], "--batch-size"),
        (["--sample", "-2"], "--sample"),
    ],
)
def test_bad_options_are_usage_errors_and_create_nothing(tmp_path, capsys, args, phrase) -> None:  # type: ignore[no-untyped-def]
    code = main(["demo", "--data-dir", str(tmp_path / "d"), *args])
    _, err = capsys.readouterr()
    assert code == 2 and phrase in err and err.startswith("error:")
    assert not (tmp_path / "d").exists()


@pytest.mark.slow
def test_the_whole_dataset_is_anchored_end_to_end(tmp_path) -> None:
    """All 3,158 credentials hashed, batched, anchored and recorded, and verified as expected.

    How long it takes is a figure of `tender-ledger bench registry` (demo_dataset_anchor_s and
    demo_dataset_anchor_cpu_s), not something a test decides.
    """
    summary = run_demo(DemoOptions(data_dir=tmp_path / "d", scale=1.0, sample=5))
    assert summary["credentials"] == 3_158
    expected = {kind.name: n for kind, n in synthetic.REFERENCE_COUNTS.items()}
    assert summary["credentials_by_kind"] == expected
    assert summary["firms"] == summary["identity_credentials"] == 300
    assert summary["verification"]["mismatches"] == []
    with open_runtime(demo_settings(Path(summary["data_dir"]))) as rt:
        store = Store(rt)
        with store.session() as s:
            records = s.exec(select(func.count()).select_from(CredentialRecord)).one()
            anchored = s.exec(
                select(func.count()).select_from(ChainEvent).where(ChainEvent.name == "Anchored")
            ).one()
    assert records == 3_158 + 300 + 1  # and the new 业绩 of the 履约 part
    assert anchored == summary["batches"] + summary["identity_batches"] + 1


def test_the_demo_ignores_a_configured_node_and_database_and_says_so(
    tmp_path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TL_RPC_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("TL_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/real")
    code = main(["demo", "--scale", "0.01", "--sample", "1", "--data-dir", str(tmp_path / "d")])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert "TL_RPC_URL is ignored" in err and "TL_DATABASE_URL is ignored" in err
    assert (tmp_path / "d" / "chain.sqlite").exists() and (
        tmp_path / "d" / "ledger.sqlite"
    ).exists()


def test_the_demo_takes_one_section_through_selection_to_an_award_with_a_draw_that_recomputes(  # type: ignore[no-untyped-def]
        small_demo, monkeypatch, capsys) -> None:
    sel = small_demo["selection"]
    assert sel["valid_bids"] >= 3 and 1 <= len(sel["shortlist"]) <= 3
    assert sel["winner_firm"] in sel["shortlist"] and sel["winner_firm"] == sel["firm_of_bid_key"][sel["winner"]]
    assert sel["decided_by"] in ("vote", "lottery") and sel["objections_answered"] == 1
    assert [d["purpose"] for d in sel["draws"][:2]] == ["committee", "committee"]
    assert all(d["recomputed_ok"] and len(d["seeds"]) == len(d["parties"]) == 2 for d in sel["draws"])
    # Anyone recomputes the draws from the chain of the demo's data directory alone.
    monkeypatch.setenv("TL_DATA_DIR", small_demo["data_dir"])
    monkeypatch.delenv("TL_RPC_URL", raising=False)
    assert main(["lottery", "verify", sel["draws"][-1]["draw_id"]]) == 0, capsys.readouterr().err
    assert "OK: the picks follow" in capsys.readouterr().out


def test_the_demo_performs_the_awarded_contract_and_the_new_performance_credential_counts_in_a_second_tender(  # type: ignore[no-untyped-def]
        small_demo, monkeypatch, capsys) -> None:
    sel, perf = small_demo["selection"], small_demo["performance"]
    # 履约 of the section 评定分离 awarded, by its winner's firm
    assert perf["tender_id"] == sel["tender_id"] and perf["winner_firm"] == sel["winner_firm"]
    kinds = [(e["kind"], e["by"].split(" ")[0]) for e in perf["entries"]]
    assert kinds == [("MILESTONE", "centre"), ("MILESTONE", "winner"), ("COMPLETION", "centre")]
    assert perf["entries"][0]["acknowledged_at"] and perf["entries"][0]["text"].startswith("开工")
    assert all(e["recorded_at"].endswith("+0800") for e in perf["entries"])
    # the completion evaluation's contract amount is the winning price, in 万元
    assert Decimal(perf["evaluation"]["contract_amount_wan"]) * 10_000 == Decimal(sel["winner_price_yuan"])
    assert perf["evaluation"]["rating"] == "优秀"
    # the new 业绩: a 履约评价 credential of the winner's firm, anchored by its issuer, valid now
    c = perf["credential"]
    assert c["kind"] == "CONTRACT_PERFORMANCE" and c["subject"] == perf["winner_uscc"]
    assert c["issuer"] == "珠海市住房和城乡建设局" and c["verified"] is True and c["failures"] == []
    assert c["award_id"] == to_hex(award_id(bytes.fromhex(sel["tender_id"][2:]), 0))
    # ticked into a second tender that asks for one such 业绩: the bid opens valid because of it,
    # and the firms that tick none do not
    t = perf["second_tender"]
    assert t["project_code"] != sel["project_code"] and t["winner_ticked"] == [c["credential_id"]]
    assert t["winner_bid_valid"] is True and t["valid_bids"] == 1 and t["bids"] == sel["bids"]
    checks = {x["name"].split(" ")[0]: x for x in t["checks"]}
    assert checks["performance"]["status"] == "VALID" and checks["performance"]["reason"].startswith("1 qualifying")
    assert checks["credential"]["status"] == "VALID"
    # the ledger's record of it, as anyone reads it
    with open_runtime(demo_settings(Path(small_demo["data_dir"]))) as rt:
        completion = rt.performance_book.completion(bytes.fromhex(sel["tender_id"][2:]), 0)
    assert completion is not None and to_hex(completion.evaluation_hash) == perf["evaluation"]["evaluation_hash"]
