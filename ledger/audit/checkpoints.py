"""The store's log against its on-chain checkpoints (family `checkpoints`), as a CT auditor does.

Given every CheckpointBook checkpoint and the store's log (its placed records, by position):

* the root of the log's first `size` records must be each checkpoint's root;
* each checkpoint must be consistent with the one before (an RFC 9162 consistency proof built from
  the store's log, verified against the two on-chain roots alone);
* with the store's live rows, each logged row's newest record must be the row as it is now (an
  edited, deleted or unlogged row is named), and no position may be missing.

When the history was rewritten, the finding names the first record that differs: from the
auditor's own copy of the leaves it last verified (a *witness*, as a CT monitor keeps) when given,
exactly — rewritten, deleted or inserted —, otherwise the first record the live rows show changed
in the range between the last checkpoint that holds and the first that does not (a root commits to
its whole range, never to one record in it). `prove` gives a record's inclusion proof against the
latest checkpoint that covers it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from ledger.audit.model import Evidence, Result, Status
from ledger.audit.words import note, said
from ledger.crypto.transparency import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    roots_at,
    verify_consistency,
    verify_inclusion,
)
from ledger.model.checkpoint import Checkpoint, LogRecord

FAMILY = "checkpoints"
DELETED = ".deleted"


@dataclass
class LogAudit:
    results: list[Result] = field(default_factory=list)
    size: int = 0  # records placed in the store's log
    first_rewritten: int | None = None  # position of the first record found rewritten, deleted or inserted
    witness: list[bytes] | None = None  # the leaves up to the latest checkpoint, when every check held

    @property
    def failures(self) -> list[Result]:
        return [r for r in self.results if r.status is Status.FAIL]


def _evidence(cp: Checkpoint) -> tuple[Evidence, ...]:
    return (Evidence(tx=cp.tx, block=cp.block, time=cp.recorded_at,
                     note=note("checkpoint", index=cp.index, size=cp.size, root=f"0x{cp.root.hex()}")),)


def _result(status: Status, code: str, evidence: tuple[Evidence, ...] = (), **args: object) -> Result:
    """A result of this family, its name and message said by `code` (ledger.audit.words) with `args`."""
    return said(code, **args).result(status, *evidence)


def _name(record: LogRecord) -> str:
    return f"record {record.position} ({record.kind} {record.key})"


def audit_log(checkpoints: Sequence[Checkpoint], records: Sequence[LogRecord], *,
              live: Mapping[tuple[str, str], bytes] | None = None, pending: Sequence[LogRecord] = (),
              witness: Sequence[bytes] | None = None) -> LogAudit:
    """Check the store's log (`records`, by position) against `checkpoints`; see the module."""
    out = LogAudit(size=len(records))
    add = out.results.append
    suspects: list[int] = []  # positions some check shows changed
    for i, record in enumerate(records):
        if record.position != i:
            add(_result(Status.FAIL, "checkpoints.positions", position=i, next=record.position))
            suspects.append(i)
            break
    leaves = [leaf_hash(r.data) for r in records]
    heads = roots_at(leaves, [c.size for c in checkpoints])
    first_bad: Checkpoint | None = None
    last_good = 0
    for cp in checkpoints:
        held = heads.get(cp.size)
        if held is None:
            add(_result(Status.FAIL, "checkpoints.short", _evidence(cp), records=len(records), size=cp.size,
                        index=cp.index))
        elif held != cp.root:
            add(_result(Status.FAIL, "checkpoints.root_differs", _evidence(cp), size=cp.size, held=f"0x{held.hex()}",
                        root=f"0x{cp.root.hex()}", index=cp.index, last=cp.size - 1))
        else:
            add(_result(Status.PASS, "checkpoints.holds", _evidence(cp), size=cp.size, index=cp.index))
            if first_bad is None:
                last_good = cp.size
            continue
        first_bad = first_bad or cp
    for before, cp in pairwise(checkpoints):
        if cp.size > len(leaves):
            continue  # already a finding: the log is shorter than the checkpoint
        proof = consistency_proof(before.size, leaves[:cp.size])
        ok = verify_consistency(before.size, cp.size, before.root, cp.root, proof)
        add(_result(Status.PASS if ok else Status.FAIL, "checkpoints.consistent" if ok else "checkpoints.inconsistent",
                    _evidence(cp), before=before.index, before_size=before.size, index=cp.index, size=cp.size))
    if live is not None:
        suspects += _live_findings(records, pending, live, add)
    if first_bad is not None and witness is not None:
        out.first_rewritten = _against_witness(checkpoints, leaves, records, witness, add)
    elif first_bad is not None:
        within = sorted(p for p in suspects if last_good <= p < first_bad.size)
        if within:
            out.first_rewritten = within[0]
            add(_result(Status.FAIL, "checkpoints.first_rewritten", record=_describe(records, within[0]),
                        last_good=last_good, first_bad=first_bad.size))
        else:
            add(_result(Status.FAIL, "checkpoints.rewritten_among", last_good=last_good, last=first_bad.size - 1))
    elif suspects:
        out.first_rewritten = min(suspects)
    if pending:
        add(_result(Status.INFO, "checkpoints.pending", n=len(pending)))
    if checkpoints and records and not out.failures:
        out.witness = leaves[:checkpoints[-1].size]
    if not checkpoints:
        add(_result(Status.INFO, "checkpoints.none"))
    else:
        covered = len(records) - checkpoints[-1].size
        if covered > 0:
            add(_result(Status.INFO, "checkpoints.uncovered", n=covered))
    return out


def _describe(records: Sequence[LogRecord], position: int) -> str:
    return _name(records[position]) if position < len(records) else f"position {position}"


def _live_findings(records: Sequence[LogRecord], pending: Sequence[LogRecord],
                   live: Mapping[tuple[str, str], bytes], add: Callable[[Result], None]) -> list[int]:
    """Each logged row's newest record against the row now; the positions found changed."""
    report = add
    newest: dict[tuple[str, str], LogRecord] = {}
    for logged in [*records, *pending]:
        newest[(logged.kind.removesuffix(DELETED), logged.key)] = logged
    suspects: list[int] = []
    for (kind, key), data in sorted(live.items()):
        record = newest.get((kind, key))
        if record is None:
            report(_result(Status.FAIL, "checkpoints.unlogged_row", table=kind, ident=key))
        elif record.kind.endswith(DELETED):
            report(_result(Status.FAIL, "checkpoints.row_logged_deleted", table=kind, ident=key, record=_name(record)))
        elif record.data != data:
            report(_result(Status.FAIL, "checkpoints.edited_row", table=kind, ident=key, record=_name(record)))
            suspects.append(record.position)
    for (kind, key), last in sorted(newest.items()):
        if not last.kind.endswith(DELETED) and (kind, key) not in live:
            report(_result(Status.FAIL, "checkpoints.deleted_row", table=kind, ident=key, record=_name(last)))
            suspects.append(last.position)
    return [p for p in suspects if p >= 0]


def _against_witness(checkpoints: Sequence[Checkpoint], leaves: Sequence[bytes], records: Sequence[LogRecord],
                     witness: Sequence[bytes], add: Callable[[Result], None]) -> int | None:
    """The first position where the store's log departs from the auditor's witness (trusted only
    when its root is a checkpoint's), and what happened there."""
    report = add
    size = len(witness)
    anchored = next((c for c in checkpoints if c.size == size), None)
    if anchored is None or roots_at(witness, [size]).get(size) != anchored.root:
        report(_result(Status.FAIL, "checkpoints.witness_unanchored", size=size))
        return None
    p = next((i for i in range(size) if i >= len(leaves) or leaves[i] != witness[i]), None)
    if p is None:
        report(_result(Status.FAIL, "checkpoints.witness_holds", size=size))
        return None
    rest, was = list(leaves[p:]), list(witness[p:])
    if p >= len(leaves):
        report(_result(Status.FAIL, "checkpoints.witness_truncated", position=p, last=size - 1))
    elif rest[1:len(was) + 1] == was:
        report(_result(Status.FAIL, "checkpoints.witness_inserted", record=_name(records[p])))
    elif rest[:len(was) - 1] == was[1:]:
        report(_result(Status.FAIL, "checkpoints.witness_deleted", position=p, record=_name(records[p])))
    else:
        report(_result(Status.FAIL, "checkpoints.witness_rewritten", record=_name(records[p])))
    return p


@dataclass(frozen=True)
class InclusionProof:
    """A record's inclusion in a checkpoint: its leaf, the checkpoint, the audit path, and whether
    the path leads to the checkpoint's on-chain root."""

    record: LogRecord
    leaf: bytes
    checkpoint: Checkpoint
    path: tuple[bytes, ...]
    verified: bool


class NotCheckpointed(LookupError):
    """The record is not in the log, or no checkpoint covers it yet."""


def find_record(records: Sequence[LogRecord], which: str) -> LogRecord:
    """A record by position (a number) or by key (its newest record, `kind/key` or just `key`)."""
    if which.isdigit():
        position = int(which)
        if position >= len(records):
            raise NotCheckpointed(f"the store's log has no record at position {position} (it holds {len(records)})")
        return records[position]
    for record in reversed(records):
        if which in (record.key, f"{record.kind}/{record.key}"):
            return record
    raise NotCheckpointed(f"no record of the store's log has the key {which!r}")


def prove(checkpoints: Sequence[Checkpoint], records: Sequence[LogRecord], which: str) -> InclusionProof:
    """The inclusion proof of record `which` in the latest checkpoint (the one every earlier is
    consistent with), built from the store's log and verified against the on-chain root."""
    record = find_record(records, which)
    if not checkpoints or checkpoints[-1].size <= record.position:
        raise NotCheckpointed(f"{_name(record)} is in no checkpoint yet (`tender-ledger checkpoint` records one)")
    cp = checkpoints[-1]
    if cp.size > len(records):
        raise NotCheckpointed(f"the store's log holds {len(records)} records, fewer than checkpoint {cp.index}'s "
                              f"{cp.size}: run `tender-ledger audit log`")
    leaves = [leaf_hash(r.data) for r in records[:cp.size]]
    path = tuple(inclusion_proof(record.position, leaves))
    leaf = leaves[record.position]
    return InclusionProof(record, leaf, cp, path, verify_inclusion(record.position, cp.size, leaf, path, cp.root))
