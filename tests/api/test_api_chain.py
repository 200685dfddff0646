"""The HTTP service starts on the embedded default, reconciles its store and reports the chain."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from ledger.config import Settings


def test_the_service_reports_its_chain_and_journal_after_start_up(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(data_dir=tmp_path / "d"))) as http:
        assert http.get("/health").json()["ok"] is True
        chain = http.get("/chain").json()
        assert chain["backend"] == "embedded" and chain["chain_id"] == 1337
        events = http.get("/events").json()
        assert [(e["contract"], e["event"]) for e in events] == [
            *[("Governance", "MemberAdded")] * 4,
            ("Governance", "ThresholdChanged"),
            ("CredentialRegistry", "AdminTransferred"),
            ("TenderBook", "AdminTransferred"),
            # The centre is appointed by the governance: one member proposes, two more approve.
            ("Governance", "Proposed"),
            *[("Governance", "Approved")] * 3,
            ("TenderBook", "CentreAuthorised"),
            ("Governance", "Executed"),
            # LotteryBook has no admin: it logs nothing at deployment; GuaranteeBook reads SelectionBook's
            # award, so it is deployed after it; PerformanceBook (no admin either) reads GuaranteeBook's
            # award and signing, so it comes last and logs nothing
            ("SelectionBook", "AdminTransferred"),
            ("GuaranteeBook", "AdminTransferred"),
        ]
        assert http.get("/openapi.json").status_code == 200


def test_a_data_directory_in_use_stops_the_service_with_a_clear_error(tmp_path: Path) -> None:
    import pytest

    from ledger.errors import DataDirInUse
    from ledger.runtime import open_runtime

    with open_runtime(Settings(data_dir=tmp_path / "d")):
        with pytest.raises(DataDirInUse):
            with TestClient(create_app(Settings(data_dir=tmp_path / "d"))):
                pass
