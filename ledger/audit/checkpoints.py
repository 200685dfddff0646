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
                     note=f"checkpoint {cp.index}: size {cp.size}, root 0x{cp.root.hex()}"),)


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
            add(Result(FAMILY, "log positions", Status.FAIL,
                       f"the store's log has no record at position {i} (the next is at {record.position}): "
                       "a record was deleted from it"))
            suspects.append(i)
            break
    leaves = [leaf_hash(r.data) for r in records]
    heads = roots_at(leaves, [c.size for c in checkpoints])
    first_bad: Checkpoint | None = None
    last_good = 0
    for cp in checkpoints:
        held = heads.get(cp.size)
        if held is None:
            add(Result(FAMILY, f"checkpoint {cp.index}", Status.FAIL,
                       f"the store's log holds {len(records)} records, fewer than the {cp.size} checkpoint "
                       f"{cp.index} fixed: records were deleted or the log truncated", evidence=_evidence(cp)))
        elif held != cp.root:
            add(Result(FAMILY, f"checkpoint {cp.index}", Status.FAIL,
                       f"the root of the store's first {cp.size} records is 0x{held.hex()}, not the 0x"
                       f"{cp.root.hex()} checkpoint {cp.index} fixed: a record up to position {cp.size - 1} "
                       "was rewritten, deleted or inserted", evidence=_evidence(cp)))
        else:
            add(Result(FAMILY, f"checkpoint {cp.index}", Status.PASS,
                       f"the store's first {cp.size} records have the root checkpoint {cp.index} fixed",
                       evidence=_evidence(cp)))
            if first_bad is None:
                last_good = cp.size
            continue
        first_bad = first_bad or cp
    for before, cp in pairwise(checkpoints):
        if cp.size > len(leaves):
            continue  # already a finding: the log is shorter than the checkpoint
        proof = consistency_proof(before.size, leaves[:cp.size])
        ok = verify_consistency(before.size, cp.size, before.root, cp.root, proof)
        add(Result(FAMILY, f"consistency {before.index}→{cp.index}", Status.PASS if ok else Status.FAIL,
                   f"checkpoint {before.index} (size {before.size}) is a prefix of checkpoint {cp.index} (size "
                   f"{cp.size}) by the store's consistency proof" if ok else
                   f"the store's log gives no proof that checkpoint {before.index} (size {before.size}) is a "
                   f"prefix of checkpoint {cp.index} (size {cp.size}): its history between them was rewritten",
                   evidence=_evidence(cp)))
    if live is not None:
        suspects += _live_findings(records, pending, live, add)
    if first_bad is not None and witness is not None:
        out.first_rewritten = _against_witness(checkpoints, leaves, records, witness, add)
    elif first_bad is not None:
        within = sorted(p for p in suspects if last_good <= p < first_bad.size)
        if within:
            out.first_rewritten = within[0]
            add(Result(FAMILY, "first rewritten record", Status.FAIL,
                       f"the first record found changed is {_describe(records, within[0])}, between checkpointed "
                       f"sizes {last_good} and {first_bad.size}"))
        else:
            add(Result(FAMILY, "first rewritten record", Status.FAIL,
                       f"the rewritten, deleted or inserted record lies among positions {last_good}…"
                       f"{first_bad.size - 1} (the last checkpoint that holds is of size {last_good}); the "
                       "auditor's witness of an earlier audit (`--witness`) names it"))
    elif suspects:
        out.first_rewritten = min(suspects)
    if pending:
        add(Result(FAMILY, "records not yet placed", Status.INFO,
                   f"{len(pending)} records are written but not yet placed in the log (the next checkpoint "
                   "places them)"))
    if checkpoints and records and not out.failures:
        out.witness = leaves[:checkpoints[-1].size]
    if not checkpoints:
        add(Result(FAMILY, "checkpoints", Status.INFO, "no checkpoint of the store's log is on chain yet"))
    else:
        covered = len(records) - checkpoints[-1].size
        if covered > 0:
            add(Result(FAMILY, "records after the latest checkpoint", Status.INFO,
                       f"{covered} records follow the latest checkpoint: nothing on chain fixes them yet"))
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
            report(Result(FAMILY, "unlogged row", Status.FAIL,
                          f"the store's {kind} {key} has no record in the log: it was inserted around the ledger"))
        elif record.kind.endswith(DELETED):
            report(Result(FAMILY, "row logged as deleted", Status.FAIL,
                          f"the store's {kind} {key} is there though {_name(record)} logs its deletion"))
        elif record.data != data:
            report(Result(FAMILY, "edited row", Status.FAIL,
                          f"the store's {kind} {key} is not what its newest {_name(record)} holds: the row "
                          "or its record was edited"))
            suspects.append(record.position)
    for (kind, key), last in sorted(newest.items()):
        if not last.kind.endswith(DELETED) and (kind, key) not in live:
            report(Result(FAMILY, "deleted row", Status.FAIL,
                          f"the store's {kind} {key}, logged as {_name(last)}, is gone and no deletion is "
                          "logged"))
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
        report(Result(FAMILY, "witness", Status.FAIL,
                      f"the witness of {size} records is not a checkpoint on chain: it cannot name the "
                      "first rewritten record"))
        return None
    p = next((i for i in range(size) if i >= len(leaves) or leaves[i] != witness[i]), None)
    if p is None:
        report(Result(FAMILY, "first rewritten record", Status.FAIL,
                      f"the store's log holds the {size} records of the witness; the change lies after them"))
        return None
    rest, was = list(leaves[p:]), list(witness[p:])
    if p >= len(leaves):
        what = (f"the store's log ends at position {p}: the witness's records {p}…{size - 1} were deleted "
                "(the log truncated)")
    elif rest[1:len(was) + 1] == was:
        what = f"{_name(records[p])} was inserted before the checkpointed record at that position"
    elif rest[:len(was) - 1] == was[1:]:
        what = f"the checkpointed record at position {p} was deleted ({_name(records[p])} moved up to it)"
    else:
        what = f"{_name(records[p])} is not the checkpointed record at that position: it was rewritten"
    report(Result(FAMILY, "first rewritten record", Status.FAIL, f"by the witness: {what}"))
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
