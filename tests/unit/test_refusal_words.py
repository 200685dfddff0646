"""A refusal in words where people read it (ledger/refusals.py): the command lines say a refusal
the service or the chain gave as its raw error (`AwardPaused(tenderId=0x…, section=0, open=2)`) in
its English wording, with the error's name beside it; a sentence the service wrote stays as it is."""

from __future__ import annotations

import pytest

from bidders.http import APIError
from ledger.errors import Conflict, NotFound
from ledger.refusals import is_raw, readable, worded
from tools.tender_cli import RemoteRefused, _call


def when(t: int) -> str:
    return f"<{t}>"


def test_a_wording_fills_its_arguments_as_people_read_them() -> None:
    assert worded("UnknownSection", {"section": 3}, "en", when) == "The tender has no section 4."  # counted from 1
    assert worded("LateBid", {"deadline": 1_800_000_000}, "zh", when) == "投标已逾期：投标截止时间为 <1800000000>。"
    assert worded("LateBid", {}, "en", when) == "The bid is late: the bid deadline was …."
    assert worded("NoSuchRefusal", {}, "en", when) is None
    assert worded(None, None, "en", when) is None


def test_the_raw_form_of_a_refusal_is_told_from_a_sentence_the_service_wrote() -> None:
    raw = Conflict("AwardPaused", {"tenderId": b"\x11" * 32, "section": 0, "open": 2})
    assert is_raw(str(raw), "AwardPaused")
    assert readable("AwardPaused", raw.plain_args(), str(raw), when) == \
        "2 objection(s) or complaint(s) are still open: the award waits. (AwardPaused)"
    written = NotFound("UnknownSection", {"section": 3}, "the tender has sections 1 … 2, not 4")
    assert not is_raw(str(written), "UnknownSection")
    assert readable("UnknownSection", written.plain_args(), str(written), when) == str(written)
    unknown = Conflict("NoSuchRefusal", {"x": 1})
    assert readable("NoSuchRefusal", {"x": 1}, str(unknown), when) == "NoSuchRefusal(x=1)"


def test_a_cli_says_a_refusal_from_the_service_in_words() -> None:
    body = {"error": "Conflict", "message": "AwardPaused(tenderId=0x11, section=0, open=2)",
            "contract_error": "AwardPaused", "args": {"tenderId": "0x11", "section": 0, "open": 2}}

    def refused() -> None:
        raise APIError(409, body["message"], body)

    with pytest.raises(RemoteRefused) as said:
        _call(refused)
    assert str(said.value) == "2 objection(s) or complaint(s) are still open: the award waits. (AwardPaused) (HTTP 409)"
    plain = APIError(422, "positions must be strictly ascending", {"error": "ValidationFailed",
                                                                   "message": "positions must be strictly ascending"})
    assert plain.said(when) == str(plain) == "positions must be strictly ascending (HTTP 422)"
