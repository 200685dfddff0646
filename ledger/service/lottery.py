"""Recomputing a recorded draw from the chain alone: what `tender-ledger lottery verify` runs.

Nothing here trusts the contract's arithmetic or the service: the sealed seeds come from the
SeedCommitted events, the key from the shares the officers released (checked against the share
hashes fixed at opening, and against the draw's public key), the candidates and parties from
DrawOpened; the seeds are opened and the draw rerun with `ledger.rules.lottery`, and the result is
compared with what the contract recorded (DrawFinished and `picksOf`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from eth_account.signers.local import LocalAccount

from ledger.chain.relay import RelayedTx
from ledger.crypto.draw_seal import DrawSealError, open_seed, public_key_bytes
from ledger.crypto.shares import ShareError, combine
from ledger.errors import Conflict, NotFound, Unauthorised, ValidationFailed
from ledger.model.lottery import DrawSetup, DrawStatus, OnChainDraw, RecordedDraw
from ledger.model.receipt import Mined
from ledger.rules.lottery import combined_seed, draw, draw_id

NO_SEED = bytes(32)
"""What a party that did not commit contributes: bytes32(0), as the contract records it."""


class DrawReads(Protocol):
    """What recomputing a draw reads from the chain (LotteryBookGateway provides it)."""

    def recorded(self, draw_id: bytes) -> RecordedDraw | None: ...

    def draw(self, draw_id: bytes) -> OnChainDraw: ...


@dataclass(frozen=True)
class DrawAudit:
    """A draw recomputed from the chain: what was recorded, what the recomputation gives, and
    every disagreement (`problems`; empty when the draw verifies)."""

    draw_id: bytes
    recorded: RecordedDraw | None
    state: OnChainDraw | None
    seeds: tuple[bytes, ...] | None  # recomputed, in the parties' order
    picks: tuple[bytes, ...] | None  # recomputed, in draw order
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def audit_draw(reads: DrawReads, did: bytes, final: dict[tuple[Any, ...], Any] | None = None) -> DrawAudit:
    """Recompute draw `did` from the chain and compare it with what the contract recorded. A
    finished draw can no longer change: with `final` (a caller's memo of such facts) its audit
    is made once and kept there."""
    if final is not None:
        known = final.get(("draw", did))
        if known is not None:
            return known  # type: ignore[no-any-return]
        audit = audit_draw(reads, did)
        # kept once the contract and the events both say finished: the events and the state are two
        # reads, and one made while the finish is mined may see the state finished and no
        # DrawFinished yet; that audit is not final, the next read sees the draw as it is
        if (audit.state is not None and audit.state.status is DrawStatus.FINISHED
                and audit.recorded is not None and audit.recorded.picks is not None):
            final[("draw", did)] = audit
        return audit
    recorded = reads.recorded(did)
    if recorded is None:
        return DrawAudit(did, None, None, None, None, (f"no draw 0x{did.hex()} was opened on chain",))
    state = reads.draw(did)
    opened = recorded.opened
    problems: list[str] = []
    try:
        expected_id = draw_id(opened.tender_id, opened.section, recorded.purpose, opened.round)
    except ValidationFailed as exc:
        expected_id = None
        problems.append(f"the draw's recorded tender, section, purpose or round are malformed: {exc}")
    if expected_id is not None and expected_id != did:
        problems.append("the draw id is not keccak256(abi.encode(tenderId, section, purpose, round)) "
                        "of what DrawOpened recorded")
    if (state.parties, state.candidates, state.k, state.public_key) != (
            opened.parties, opened.candidates, opened.k, opened.public_key):
        problems.append("the contract's draw differs from what DrawOpened recorded")
    committed = tuple(p in recorded.sealed for p in opened.parties)
    if state.committed != committed:
        problems.append("the contract's list of who committed differs from the SeedCommitted events")
    if state.status is not DrawStatus.FINISHED or recorded.picks is None:
        problems.append("the draw is not finished: no picks are recorded yet")
        return DrawAudit(did, recorded, state, None, None, tuple(problems))

    index = {officer: n for n, officer in enumerate(opened.officers, start=1)}
    shares = []
    for officer, share in recorded.shares.items():
        if index.get(officer) != share.index:
            problems.append(f"officer {officer} released share {share.index}, not its own")
        shares.append(share)
    try:
        key = combine(shares, k=opened.threshold, expected_public=opened.public_key,
                      share_hashes=opened.share_hashes, public_key=public_key_bytes)
    except ShareError as exc:
        problems.append(f"the released shares do not rebuild the draw key: {exc}")
        return DrawAudit(did, recorded, state, None, None, tuple(problems))

    sk = int.from_bytes(key, "big")
    seeds = []
    for party in opened.parties:
        sealed = recorded.sealed.get(party)
        try:
            seeds.append(NO_SEED if sealed is None else open_seed(sealed, private_key=sk, draw_id=did, party=party))
        except DrawSealError as exc:
            problems.append(f"party {party}'s sealed seed does not open: {exc}")
            seeds.append(NO_SEED)
    picks = tuple(draw(combined_seed(seeds), opened.candidates, opened.k))
    if tuple(seeds) != recorded.seeds:
        problems.append("the seeds DrawFinished recorded are not the sealed seeds opened with the released key")
    if picks != recorded.picks:
        problems.append("the picks DrawFinished recorded do not follow from the seeds and the candidates")
    if picks != state.picks:
        problems.append("the picks the contract holds do not follow from the seeds and the candidates")
    return DrawAudit(did, recorded, state, tuple(seeds), picks, tuple(problems))


def verify_recorded_draw(reads: DrawReads, did: bytes) -> list[str]:
    """What is wrong with recorded draw `did` (nothing: an empty list), recomputed from the chain."""
    return list(audit_draw(reads, did).problems)


# ---------------------------------------------------------------------- running draws


class LotteryChain(Protocol):
    """What running a draw needs of LotteryBook (`LotteryBookGateway` has it all)."""

    def draw(self, draw_id: bytes) -> OnChainDraw: ...

    def recorded(self, draw_id: bytes) -> RecordedDraw | None: ...

    def check_open(self, centre: str, setup: DrawSetup) -> None: ...

    def open_draw(self, centre: LocalAccount, setup: DrawSetup) -> Mined: ...

    def decode_signed(self, signed_tx: str) -> RelayedTx: ...

    def relay(self, relayed: RelayedTx, *, sponsor: LocalAccount | None = None) -> Mined: ...

    def finish_draw(self, sender: LocalAccount, draw_id: bytes, private_key: bytes) -> Mined: ...

    def now(self) -> int: ...


class CentreCheck(Protocol):
    def is_centre(self, account: str) -> bool: ...


def draw_key(state: OnChainDraw, recorded: RecordedDraw) -> bytes:
    """The draw's private key from the officers' released shares (checked against the share
    hashes and the draw's public key); NotEnoughShares / KeyMismatch say why not."""
    return combine(list(recorded.shares.values()), k=state.threshold, expected_public=state.public_key,
                   share_hashes=list(state.share_hashes), public_key=public_key_bytes)


class DrawService:
    """Draws through the service: the centre opens one (the draw key was made and split to the
    officers on the centre's own machine: only its public key and the share hashes arrive here);
    parties commit their sealed seeds and officers release their shares with their own
    transactions, relayed (the relayer tops up their gas); once k shares are out, anyone asks
    the service to finish the draw, which the relayer sends with the key rebuilt from the chain."""

    def __init__(self, book: LotteryChain, tenders: CentreCheck, *, centre: LocalAccount,
                 relayer: LocalAccount, final: dict[tuple[Any, ...], Any] | None = None) -> None:
        self.book, self.tenders, self.centre, self.relayer = book, tenders, centre, relayer
        self.final: dict[tuple[Any, ...], Any] = final if final is not None else {}  # finished draws' audits

    def open(self, *, signer: str, setup: DrawSetup) -> DrawAudit:
        if not self.tenders.is_centre(signer):
            raise Unauthorised("NotCentre", {"caller": signer}, f"{signer} is not an authorised trading centre")
        did = draw_id(setup.tender_id, setup.section, setup.purpose, setup.round)
        self.book.check_open(self.centre.address, setup)  # the contract's own refusals, before anything is sent
        self.book.open_draw(self.centre, setup)
        return self.show(did)

    def _relay(self, signer: str, signed_tx: str, function: str, did: bytes) -> DrawAudit:
        relayed = self.book.decode_signed(signed_tx)
        relayed.require(signer, (function,))
        if bytes(relayed.args["drawId"]) != did:
            raise ValidationFailed(f"signed_tx is for draw 0x{bytes(relayed.args['drawId']).hex()}, not 0x{did.hex()}")
        self.book.relay(relayed, sponsor=self.relayer)
        return self.show(did)

    def commit(self, *, signer: str, draw_id: bytes, signed_tx: str) -> DrawAudit:
        """A party's own commitSeed (its seed sealed to the draw key), relayed."""
        return self._relay(signer, signed_tx, "commitSeed", draw_id)

    def release(self, *, signer: str, draw_id: bytes, signed_tx: str) -> DrawAudit:
        """An officer's own releaseDrawShare, relayed."""
        return self._relay(signer, signed_tx, "releaseDrawShare", draw_id)

    def finish(self, *, draw_id: bytes) -> DrawAudit:
        """Rebuild the key from the shares on chain and finish the draw (anyone may ask)."""
        recorded = self.book.recorded(draw_id)
        if recorded is None:
            raise NotFound("UnknownDraw", {"drawId": draw_id}, f"no draw 0x{draw_id.hex()} was opened")
        state = self.book.draw(draw_id)
        if state.status is DrawStatus.FINISHED:
            raise Conflict("DrawAlreadyFinished", {"drawId": draw_id}, f"draw 0x{draw_id.hex()} is finished")
        try:
            key = draw_key(state, recorded)
        except ShareError as exc:
            raise Conflict("SharesMissing", {"drawId": draw_id},
                           f"the draw key cannot be rebuilt yet: {exc} ({len(recorded.shares)} of {state.threshold} "
                           "shares released)") from None
        self.book.finish_draw(self.relayer, draw_id, key)
        return self.show(draw_id)

    def show(self, draw_id: bytes) -> DrawAudit:
        """The draw as recorded, recomputed from the chain (problems empty when it verifies)."""
        audit = audit_draw(self.book, draw_id, self.final)
        if audit.recorded is None:
            raise NotFound("UnknownDraw", {"drawId": draw_id}, f"no draw 0x{draw_id.hex()} was opened")
        return audit
