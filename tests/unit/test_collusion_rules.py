"""围标串标 signs (ledger.rules.collusion): one positive and one near miss per sign."""

from __future__ import annotations

from decimal import Decimal

from ledger.rules.collusion import (
    BidFacts,
    FlagParams,
    GuaranteeFacts,
    Sign,
    TickedCredential,
    section_flags,
)

A, B, C, D = (f"0x{n * 40}" for n in "ABCD")
FA, FB, FC, FD = "91350100M000100Y43", "91130125MA07WJNA83", "91130125750281817B", "51420000MJH200408C"


def bid(bidder: str, firm: str, **kw: object) -> BidFacts:
    return BidFacts(bidder=bidder, firm=firm, **kw)  # type: ignore[arg-type]


def person(cid: str, cert: str, firm: str, employer: str | None = None) -> TickedCredential:
    return TickedCredential(cid, "personnel", subject=firm, certificate_no=cert, employer=employer or firm)


def record(cid: str, prj: str, firm: str) -> TickedCredential:
    return TickedCredential(cid, "performance", subject=firm, project_no=prj)


def signs(bids: list[BidFacts], params: FlagParams | None = None) -> dict[Sign, list[tuple[str, ...]]]:
    out: dict[Sign, list[tuple[str, ...]]] = {}
    for f in section_flags(bids, params or FlagParams()):
        out.setdefault(f.sign, []).append(f.bidders)
    return out


# ---------------------------------------------------------------- registered persons and records


def test_same_person_by_credential_id_is_flagged() -> None:
    p = person("0x01", "闽135000001", FA)
    flags = signs([bid(A, FA, credentials=(p,)), bid(B, FB, credentials=(p,)), bid(C, FC)])
    assert flags[Sign.SAME_PERSON] == [(A, B)]


def test_same_person_by_certificate_number_across_credentials_is_flagged() -> None:
    flags = signs([bid(A, FA, credentials=(person("0x01", "闽135000001", FA),)),
                   bid(B, FB, credentials=(person("0x02", "闽135000001", FB),))])
    assert flags[Sign.SAME_PERSON] == [(A, B)]
    evidence = next(f for f in section_flags([bid(A, FA, credentials=(person("0x01", "X1", FA),)),
                                              bid(B, FB, credentials=(person("0x02", "X1", FB),))])
                    if f.sign is Sign.SAME_PERSON).evidence
    assert evidence["credential_ids"] == ["0x01", "0x02"] and evidence["REG_CERTNO"] == "X1"


def test_near_miss_different_persons_is_not_flagged() -> None:
    flags = signs([bid(A, FA, credentials=(person("0x01", "闽135000001", FA),)),
                   bid(B, FB, credentials=(person("0x02", "闽135000002", FB),))])
    assert Sign.SAME_PERSON not in flags


def test_same_performance_record_is_flagged() -> None:
    flags = signs([bid(A, FA, credentials=(record("0x11", "3502002019001", FA),)),
                   bid(B, FB, credentials=(record("0x12", "3502002019001", FB),))])
    assert flags[Sign.SAME_PERFORMANCE] == [(A, B)]


def test_near_miss_different_performance_records_is_not_flagged() -> None:
    flags = signs([bid(A, FA, credentials=(record("0x11", "3502002019001", FA),)),
                   bid(B, FB, credentials=(record("0x12", "3502002019002", FB),))])
    assert Sign.SAME_PERFORMANCE not in flags


def test_one_firms_two_bid_keys_are_not_collusion_by_a_shared_credential() -> None:
    p = person("0x01", "X1", FA)
    flags = signs([bid(A, FA, credentials=(p,)), bid(B, FA, credentials=(p,))])
    assert Sign.SAME_PERSON not in flags  # one bid per firm is the eligibility rule's business


def test_personnel_registered_to_another_firm_is_flagged() -> None:
    flags = signs([bid(A, FA, credentials=(person("0x01", "X1", FB),))])
    assert flags[Sign.FOREIGN_PERSONNEL] == [(A,)]
    flags = signs([bid(A, FA, credentials=(person("0x01", "X1", FA, employer=FC),))])
    assert flags[Sign.FOREIGN_PERSONNEL] == [(A,)]


def test_near_miss_own_personnel_is_not_flagged() -> None:
    assert Sign.FOREIGN_PERSONNEL not in signs([bid(A, FA, credentials=(person("0x01", "X1", FA),))])


# ---------------------------------------------------------------- guarantees


def g(gid: str, **kw: str) -> GuaranteeFacts:
    return GuaranteeFacts(guarantee_id=gid, **kw)


def test_guarantees_with_one_contact_or_account_are_flagged() -> None:
    flags = signs([bid(A, FA, guarantees=(g("0xa1", contact="13800000000", account="6222-1"),)),
                   bid(B, FB, guarantees=(g("0xb1", contact="13800000000", account="6222-1"),))])
    assert flags[Sign.SAME_GUARANTEE_CONTACT] == [(A, B)]
    assert flags[Sign.SAME_GUARANTEE_ACCOUNT] == [(A, B)]


def test_near_miss_different_contacts_and_accounts_are_not_flagged() -> None:
    flags = signs([bid(A, FA, guarantees=(g("0xa1", contact="13800000000", account="6222-1"),)),
                   bid(B, FB, guarantees=(g("0xb1", contact="13800000001", account="6222-2"),))])
    assert Sign.SAME_GUARANTEE_CONTACT not in flags and Sign.SAME_GUARANTEE_ACCOUNT not in flags


def test_guarantees_applied_for_under_one_firm_or_from_one_key_are_flagged() -> None:
    flags = signs([bid(A, FA, guarantees=(g("0xa1", applicant_uscc=FA),)),
                   bid(B, FB, guarantees=(g("0xb1", applicant_uscc=FA),))])
    assert flags[Sign.SAME_GUARANTEE_APPLICANT] == [(A, B)]
    flags = signs([bid(A, FA, guarantees=(g("0xa1", applicant_uscc=FA, sender=D),)),
                   bid(B, FB, guarantees=(g("0xb1", applicant_uscc=FB, sender=D),))])
    assert flags[Sign.SAME_GUARANTEE_APPLICANT] == [(A, B)]


def test_near_miss_each_bidder_applies_itself_is_not_flagged() -> None:
    flags = signs([bid(A, FA, guarantees=(g("0xa1", applicant_uscc=FA, sender=A),)),
                   bid(B, FB, guarantees=(g("0xb1", applicant_uscc=FB, sender=B),))])
    assert Sign.SAME_GUARANTEE_APPLICANT not in flags


# ---------------------------------------------------------------- envelopes, files, origin


def test_identical_envelopes_and_bid_files_are_flagged() -> None:
    flags = signs([bid(A, FA, envelope_hash="0xe1", file_hashes={"tech.pdf": "ab" * 32}),
                   bid(B, FB, envelope_hash="0xe1", file_hashes={"技术标.pdf": "ab" * 32})])
    assert flags[Sign.SAME_ENVELOPE] == [(A, B)]
    assert flags[Sign.SAME_BID_FILE] == [(A, B)]


def test_near_miss_distinct_envelopes_and_files_are_not_flagged() -> None:
    flags = signs([bid(A, FA, envelope_hash="0xe1", file_hashes={"tech.pdf": "ab" * 32}),
                   bid(B, FB, envelope_hash="0xe2", file_hashes={"tech.pdf": "ac" * 32})])
    assert Sign.SAME_ENVELOPE not in flags and Sign.SAME_BID_FILE not in flags


def test_envelopes_sealed_with_one_ephemeral_key_are_flagged() -> None:
    flags = signs([bid(A, FA, sealing_key="0x" + "11" * 32), bid(B, FB, sealing_key="0x" + "11" * 32)])
    assert flags[Sign.SAME_SEALING_KEY] == [(A, B)]
    assert Sign.SAME_SEALING_KEY not in signs([bid(A, FA, sealing_key="0x" + "11" * 32),
                                               bid(B, FB, sealing_key="0x" + "12" * 32)])


def test_bids_relayed_by_one_private_key_are_flagged() -> None:
    flags = signs([bid(A, FA, sender=D, submitted_tx="0xt1"), bid(B, FB, sender=D, submitted_tx="0xt2")])
    assert flags[Sign.SAME_RELAYER] == [(A, B)]


def test_bid_sent_by_another_bidders_key_is_flagged() -> None:
    flags = signs([bid(A, FA, sender=A), bid(B, FB, sender=A)])
    assert flags[Sign.SAME_RELAYER] == [(A, B)]


def test_near_miss_public_relayer_or_own_key_is_not_flagged() -> None:
    params = FlagParams(public_relayers=frozenset({D.lower()}))
    assert Sign.SAME_RELAYER not in signs([bid(A, FA, sender=D), bid(B, FB, sender=D)], params)
    assert Sign.SAME_RELAYER not in signs([bid(A, FA, sender=A), bid(B, FB, sender=B)])


# ---------------------------------------------------------------- prices


def priced(*prices: str) -> list[BidFacts]:
    return [bid(x, f, price=Decimal(p)) for x, f, p in zip((A, B, C, D), (FA, FB, FC, FD), prices, strict=False)]


def test_prices_in_arithmetic_progression_are_flagged() -> None:
    flags = section_flags(priced("1000000.00", "1020000.00", "1040000.00", "1234567.89"))
    pattern = [f for f in flags if f.sign is Sign.PRICE_PATTERN]
    assert [f.bidders for f in pattern] == [(A, B, C)]
    assert pattern[0].evidence["pattern"] == "arithmetic progression"
    assert Decimal(pattern[0].evidence["step"]) == 20000


def test_arithmetic_progression_within_tolerance_is_flagged() -> None:
    # steps 20,000 and 20,019: 0.05 % from their mean, inside the 0.1 % tolerance
    assert signs(priced("1000000.00", "1020000.00", "1040019.00"))[Sign.PRICE_PATTERN] == [(A, B, C)]


def test_near_miss_steps_outside_tolerance_are_not_flagged() -> None:
    # steps 20,000 and 20,100: 0.25 % from their mean
    assert Sign.PRICE_PATTERN not in signs(priced("1000000.00", "1020000.00", "1040100.00"))


def test_prices_in_equal_ratios_are_flagged() -> None:
    flags = section_flags(priced("1000000.00", "1050000.00", "1102500.00"))
    pattern = [f for f in flags if f.sign is Sign.PRICE_PATTERN]
    assert [f.bidders for f in pattern] == [(A, B, C)] and pattern[0].evidence["pattern"] == "equal ratios"
    assert Decimal(pattern[0].evidence["ratio"]) == Decimal("1.05")


def test_near_miss_ratios_outside_tolerance_are_not_flagged() -> None:
    assert Sign.PRICE_PATTERN not in signs(priced("1000000.00", "1050000.00", "1105000.00"))


def test_equal_prices_are_flagged_and_distinct_ones_are_not() -> None:
    assert signs(priced("980000.00", "980000.00"))[Sign.EQUAL_PRICE] == [(A, B)]
    assert Sign.EQUAL_PRICE not in signs(priced("980000.00", "980000.01"))


def test_two_prices_make_no_pattern() -> None:
    assert Sign.PRICE_PATTERN not in signs(priced("1000000.00", "1020000.00"))


# ---------------------------------------------------------------- submission times


def timed(*times: int) -> list[BidFacts]:
    return [bid(x, f, submitted_at=t, submitted_block=n) for n, (x, f, t) in
            enumerate(zip((A, B, C, D), (FA, FB, FC, FD), times, strict=False))]


def test_submissions_within_the_window_are_flagged() -> None:
    flags = section_flags(timed(1_000, 1_030, 1_060, 50_000))
    clustered = [f for f in flags if f.sign is Sign.CLUSTERED_SUBMISSION]
    assert [f.bidders for f in clustered] == [(A, B, C)]
    assert clustered[0].evidence["window"] == 60


def test_near_miss_submissions_just_outside_the_window_are_not_flagged() -> None:
    assert Sign.CLUSTERED_SUBMISSION not in signs(timed(1_000, 1_030, 1_061))
    assert Sign.CLUSTERED_SUBMISSION not in signs(timed(1_000, 1_001))  # two are no cluster by default


def test_the_window_and_size_are_parameters() -> None:
    params = FlagParams(cluster_window=5, cluster_min=2)
    assert signs(timed(1_000, 1_005, 9_000), params)[Sign.CLUSTERED_SUBMISSION] == [(A, B)]


def test_flags_serialise_with_their_evidence() -> None:
    p = person("0x01", "X1", FA)
    out = section_flags([bid(A, FA, credentials=(p,)), bid(B, FB, credentials=(p,))])[0].as_json()
    assert out["sign"] == "same-person" and out["bidders"] == [A, B] and out["evidence"]["credential_ids"] == ["0x01"]
    assert out["description"]
