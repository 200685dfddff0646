"""Seeds sealed to a draw key on alt_bn128: they open with the key (and only to the party and draw
they were sealed for), a pinned vector for the contract, the draw key dealt k-of-n like an opening
key, and a recorded draw whose events were tampered with does not verify."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
from eth_account import Account

from ledger.crypto.draw_seal import (
    FIELD,
    ORDER,
    BadDrawKey,
    BadDrawPoint,
    SealedSeed,
    check_key,
    mul,
    new_draw_key,
    on_curve,
    open_seed,
    point_of,
    public_key,
    public_key_bytes,
    seal_seed,
    seed_mask,
)
from ledger.crypto.officer_box import OfficerKey, deal, open_share
from ledger.crypto.shares import KeyMismatch, combine
from ledger.model.lottery import DrawStatus, OnChainDraw, RecordedDraw
from ledger.rules.lottery import combined_seed, draw, draw_id
from ledger.service.lottery import verify_recorded_draw

DRAW = bytes.fromhex("1a7f1ede33dd6c2269ec8091c90ba7a32ee3097df60d74e386610edb5dd95692")
PARTY = "0x00000000000000000000000000000000000000A1"
OTHER = "0x00000000000000000000000000000000000000b2"


def test_a_sealed_seed_opens_with_the_key_for_its_party_and_draw_only() -> None:
    sk, pk = new_draw_key()
    seed = os.urandom(32)
    sealed = seal_seed(seed, public=point_of(pk), draw_id=DRAW, party=PARTY)
    key = int.from_bytes(sk, "big")
    assert open_seed(sealed, private_key=key, draw_id=DRAW, party=PARTY) == seed
    assert open_seed(sealed, private_key=key, draw_id=DRAW, party=OTHER) != seed
    assert open_seed(sealed, private_key=key, draw_id=bytes(32), party=PARTY) != seed
    other, _ = new_draw_key()
    assert open_seed(sealed, private_key=int.from_bytes(other, "big"), draw_id=DRAW, party=PARTY) != seed


def test_vector_seal_with_fixed_keys() -> None:
    # sk = 7, ρ = 11: R = 11·G, S = 77·G. The mask is pinned for ports; that the contract computes the
    # same mask is shown on the EVM by tests/contracts/test_contract_lottery.py.
    sealed = seal_seed(bytes([0x11]) * 32, public=public_key(7), draw_id=DRAW, party=PARTY, rho=11)
    assert (sealed.rx, sealed.ry) == public_key(11)
    assert seed_mask(public_key(77), DRAW, PARTY) == bytes(a ^ 0x11 for a in sealed.ciphertext)
    assert seed_mask(public_key(77), DRAW, PARTY).hex() == (
        "20a907e65baa06e2be434e800c328363af497e3be8743d9fc27923117b9b151d")
    assert mul(public_key(7), ORDER - 1) == (public_key(7)[0], FIELD - public_key(7)[1])


def test_points_off_the_curve_and_keys_out_of_range_are_refused() -> None:
    assert not on_curve((0, 0)) and not on_curve((1, 3)) and not on_curve((1, 2 + FIELD))
    assert on_curve((1, 2))
    with pytest.raises(BadDrawPoint):
        point_of(bytes(64))
    with pytest.raises(BadDrawPoint):
        SealedSeed(1, 3, bytes(32))
    for bad in (0, ORDER, -1):
        with pytest.raises(BadDrawKey):
            public_key(bad)
    with pytest.raises(BadDrawKey, match="sk·G ≠ pk"):
        check_key(5, public_key(6))
    with pytest.raises(BadDrawKey):
        public_key_bytes(b"short")


def test_the_draw_key_is_dealt_k_of_n_and_rebuilt_only_by_its_shares() -> None:
    officers = [Account.create() for _ in range(3)]
    dealing = deal(tender_id=DRAW, officers=[OfficerKey.of_private(o.key) for o in officers], threshold=2,
                   new_key=new_draw_key)
    assert len(dealing.opening_public) == 64 and point_of(dealing.opening_public)
    shares = [open_share(s, bytes(o.key)) for s, o in zip(dealing.sealed, officers, strict=True)]
    keys = {combine(pair, k=2, expected_public=dealing.opening_public, share_hashes=dealing.share_hashes,
                    public_key=public_key_bytes) for pair in (shares[:2], shares[1:], shares[::2])}
    assert len(keys) == 1 and public_key_bytes(keys.pop()) == dealing.opening_public
    # Another draw's shares do not rebuild this draw's key.
    foreign = deal(tender_id=DRAW, officers=[OfficerKey.of_private(o.key) for o in officers], threshold=2,
                   new_key=new_draw_key)
    theirs = [open_share(s, bytes(o.key)) for s, o in zip(foreign.sealed, officers, strict=True)]
    with pytest.raises(KeyMismatch):
        combine(theirs[:2], k=2, expected_public=dealing.opening_public, public_key=public_key_bytes)


# ---------------------------------------------------------------- a recorded draw, tampered with


class Reads:
    def __init__(self, recorded: RecordedDraw, state: OnChainDraw) -> None:
        self.r, self.s = recorded, state

    def recorded(self, did: bytes) -> RecordedDraw | None:
        return self.r if did == self.r.draw_id else None

    def draw(self, did: bytes) -> OnChainDraw:
        return self.s


def _finished() -> tuple[RecordedDraw, OnChainDraw]:
    tender = bytes(range(32))
    did = draw_id(tender, 0, "committee", 1)
    officers = [Account.create() for _ in range(3)]
    dealing = deal(tender_id=did, officers=[OfficerKey.of_private(o.key) for o in officers], threshold=2,
                   new_key=new_draw_key)
    seeds = (os.urandom(32), os.urandom(32))
    sealed = {p: seal_seed(s, public=point_of(dealing.opening_public), draw_id=did, party=p)
              for p, s in zip((PARTY, OTHER), seeds, strict=True)}
    shares = {o.address: open_share(s, bytes(o.key)) for o, s in zip(officers[:2], dealing.sealed, strict=False)}
    candidates = tuple(i.to_bytes(32, "big") for i in range(9))
    picks = tuple(draw(combined_seed(seeds), candidates, 3))
    state = OnChainDraw(did, DrawStatus.FINISHED, tender, 0, 1, 3, 2, 2, 2, 0, dealing.opening_public,
                        (PARTY, OTHER), (True, True), candidates, dealing.officers, dealing.share_hashes, picks)
    return RecordedDraw(did, "committee", state, sealed, shares, seeds, picks), state


def test_a_recorded_draw_verifies_and_every_tampering_is_named() -> None:
    recorded, state = _finished()
    did = recorded.draw_id
    assert verify_recorded_draw(Reads(recorded, state), did) == []
    edited_picks = replace(recorded, picks=recorded.picks[::-1] if recorded.picks else None)
    assert verify_recorded_draw(Reads(edited_picks, state), did) == [
        "the picks DrawFinished recorded do not follow from the seeds and the candidates"]
    swapped = replace(recorded, seeds=(recorded.seeds or ())[::-1])
    assert "the seeds DrawFinished recorded" in verify_recorded_draw(Reads(swapped, state), did)[0]
    reordered = replace(state, candidates=state.candidates[::-1])
    assert "differs from what DrawOpened recorded" in verify_recorded_draw(Reads(recorded, reordered), did)[0]
    held = replace(state, picks=state.picks[::-1])
    assert verify_recorded_draw(Reads(recorded, held), did) == [
        "the picks the contract holds do not follow from the seeds and the candidates"]
    one_share = replace(recorded, shares=dict(list(recorded.shares.items())[:1]))
    assert "do not rebuild the draw key" in verify_recorded_draw(Reads(one_share, state), did)[0]
    relabelled = replace(recorded, purpose="selection")
    assert "draw id is not keccak256" in verify_recorded_draw(Reads(relabelled, state), did)[0]
