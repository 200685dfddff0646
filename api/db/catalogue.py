"""The store's index of tenders (`ledger.service.catalogue.TenderIndex`): every tender row, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hexbytes import HexBytes
from sqlmodel import col, select

from api.db.tenders import TenderRecord
from ledger.service.catalogue import TenderListing
from ledger.tenders import TenderParams


class SqlTenderIndex:
    """The `TenderIndex` port over the store's tender rows."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def listings(self) -> Sequence[TenderListing]:
        with self.store.session() as s:
            rows = s.exec(select(TenderRecord).where(TenderRecord.chain_key == self.store.chain_key).order_by(
                col(TenderRecord.published_at).desc(), col(TenderRecord.project_code))).all()
        out = []
        for row in rows:
            params = TenderParams.model_validate_json(row.params)
            out.append(TenderListing(tender_id=bytes(HexBytes(row.tender_id)), project_code=row.project_code,
                                     title=params.title, tenderer=params.tenderer, published_at=row.published_at))
        return out
