"""Store vs chain: every row of the centre's operational database that differs from a rebuild.

The rebuild is the service's own (`api.db.journal.Store.rebuild` machinery): a fresh temporary
SQLite database gets the centre's filed documents copied in, then every event of the chain is
journalled and projected into it. Each projected table is then compared with the centre's, row by
row on its primary key: a row only the centre has is *extra*, one only the rebuild has is
*missing*, one whose columns differ is *edited* (naming the columns). The filed documents the
bundle also holds are compared too: a store copy that is not the bundle's (which the audit proved
against the chain) is a *swapped* document. The centre's database is only read.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from types import SimpleNamespace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, select
from sqlmodel import Session, SQLModel

from api.db.documents import Document
from api.db.journal import NOT_PROJECTED, Store, make_engine
from ledger.audit.bundle import Bundle
from ledger.audit.chain import ChainView
from ledger.audit.model import Evidence, Result, Status
from ledger.audit.words import said
from tools.audit_export import chain_key, readonly_engine

#: Tables not compared: the uploaded documents (compared with the bundle instead), the replay memory
#: of signed requests, and each contract's sync cursor (how far the store had caught up).
SKIPPED = frozenset(NOT_PROJECTED | {"synccursor"})


class _ChainOnly:
    """What `Store` needs of a runtime, for a chain opened read-only: client, addresses, gateways."""

    def __init__(self, chain: ChainView) -> None:
        self.client, self.addresses, self._chain = chain.client, dict(chain.addresses), chain
        # the rebuild projects every block up to the head the audit replayed (no confirmation depth)
        self.settings = SimpleNamespace(confirmations=0)

    def gateway(self, name: str) -> Any:
        return self._chain.gateway(name)


@dataclass
class StoreDiff:
    tables: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> rows in store / rebuild
    results: list[Result] = field(default_factory=list)


def _norm(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _rows(engine: Any, table: Table, key: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    pk = [c.name for c in table.primary_key.columns]
    query = select(table)
    if "chain_key" in table.c:
        query = query.where(table.c.chain_key == key)
    with engine.connect() as conn:
        return {tuple(r[c] for c in pk): {k: _norm(v) for k, v in r.items()} for r in conn.execute(query).mappings()}


def diff_store(chain: ChainView, database_url: str, bundle: Bundle | None = None) -> StoreDiff:
    key = chain_key(chain)
    theirs = readonly_engine(database_url)
    out = StoreDiff()
    with tempfile.TemporaryDirectory(prefix="tl-audit-") as tmp:
        fresh = make_engine(f"sqlite:///{Path(tmp) / 'rebuild.sqlite'}")
        with Session(theirs) as s, Session(fresh) as f:
            for (d,) in s.execute(select(Document).where(Document.chain_key == key)):  # type: ignore[arg-type]
                f.merge(Document(chain_key=d.chain_key, kind=d.kind, key=d.key, content=d.content,
                                 media_type=d.media_type, received_at=d.received_at))
            f.commit()
        store = Store(_ChainOnly(chain), fresh)  # type: ignore[arg-type]
        store.reconcile()
        reflected = MetaData()
        reflected.reflect(theirs)
        for table in SQLModel.metadata.sorted_tables:
            if table.name in SKIPPED:
                continue
            mine = _rows(fresh, table, key)
            if table.name not in reflected.tables:
                out.tables[table.name] = {"store": 0, "rebuild": len(mine)}
                if mine:
                    out.results.append(_result("store.no_table", table=table.name, rows=len(mine)))
                continue
            stored = _rows(theirs, reflected.tables[table.name], key)
            out.tables[table.name] = {"store": len(stored), "rebuild": len(mine)}
            out.results.extend(_compare(table.name, stored, mine))
        fresh.dispose()
        if bundle is not None:
            out.results.extend(_documents(theirs, key, bundle))
    theirs.dispose()
    if not any(r.status is Status.FAIL for r in out.results):
        out.results.append(_result("store.matches", status=Status.PASS, tables=len(out.tables)))
    return out


def _result(code: str, *, status: Status = Status.FAIL, evidence: tuple[Evidence, ...] = (),
            **args: str | int | list[str]) -> Result:
    """A result of the store family, its name and message said by `code` (ledger.audit.words)."""
    return said(code, **args).result(status, *evidence)


def _pk_text(pk: tuple[Any, ...]) -> str:
    return ", ".join(str(p) for p in pk[1:] if p is not None) if len(pk) > 1 else str(pk[0])


def _compare(name: str, stored: dict[tuple[Any, ...], dict[str, Any]],
             rebuilt: dict[tuple[Any, ...], dict[str, Any]]) -> list[Result]:
    out = []
    for pk in sorted(set(stored) | set(rebuilt), key=repr):
        a, b = stored.get(pk), rebuilt.get(pk)
        row = _pk_text(pk)
        ev = _evidence(a or b or {})
        if a is None:
            out.append(_result("store.missing_row", evidence=ev, table=name, row=row))
        elif b is None:
            out.append(_result("store.extra_row", evidence=ev, table=name, row=row))
        else:
            changed = sorted(c for c in set(a) | set(b) if a.get(c) != b.get(c))
            if changed:
                detail = [f"{c}: store {_short(a.get(c))}, chain {_short(b.get(c))}" for c in changed]
                out.append(_result("store.edited_row", evidence=ev, table=name, row=row, detail=detail))
    return out


def _evidence(row: dict[str, Any]) -> tuple[Evidence, ...]:
    tx = row.get("tx_hash")
    block = row.get("block_number")
    return (Evidence(tx=tx, block=block),) if tx or block else ()


def _short(value: Any) -> str:
    text = value.hex() if isinstance(value, bytes) else repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _documents(engine: Any, key: str, bundle: Bundle) -> list[Result]:
    out = []
    with Session(engine) as s:
        for doc in bundle.documents:
            row = s.get(Document, (key, doc.kind, doc.key))
            if row is not None and doc.content is not None and bytes(row.content) != doc.content:
                out.append(_result("store.swapped_document", evidence=(Evidence(document=doc.keccak),),
                                   document_kind=doc.kind, ident=doc.key))
    return out
