"""Credential documents: validation, salted field hashing, credential ids and disclosure."""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import rfc8785
from pydantic import ValidationError

from ledger.crypto.canonical import NotCanonical, canonical_json, jcs_key_order, keccak
from ledger.documents import (
    CREDENTIAL_TAG,
    MODEL_OF_KIND,
    AwardCredential,
    Disclosure,
    DisclosureError,
    DocumentError,
    Grade,
    Kind,
    PersonnelCredential,
    QualificationCredential,
    SealedCredential,
    UnknownKind,
    credential_id,
    credential_id_of,
    field_hash,
    field_salt,
    parse_document,
    to_verifiable_credential,
)

ISSUER = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"
FIRM = "91350100M000100Y43"
OTHER_FIRM = "91130125MA07WJNA83"
MASTER_SALT = bytes([0x11]) * 32

ENVELOPE = {
    "issuer": ISSUER,
    "subject": FIRM,
    "validFrom": "2024-01-01T00:00:00Z",
    "validUntil": "2029-01-01T00:00:00Z",
    "issued_at": "2024-01-02T08:30:00Z",
}

DOCUMENTS: dict[Kind, dict[str, Any]] = {
    Kind.IDENTITY: {
        "kind": 0,
        **ENVELOPE,
        "firm_name": "珠海市某某建设工程有限公司",
        "legal_representative": "张三",
        "registered_address": "广东省珠海市香洲区某某路1号",
        "registration_type": "有限责任公司",
        "signing_address": "0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2",
    },
    Kind.QUALIFICATION: {
        "kind": 1,
        **ENVELOPE,
        "APT_CERTNO": "D261047095",
        "APT_NAME": "市政公用工程施工总承包二级",
        "APT_TYPE_NAME": "建筑业企业资质",
        "APT_CODE": "D261",
        "grade": "二级",
        "issue_date": "2024-01-01",
        "APT_EDATE": "2028-12-31",
        "APT_GRANT_UNIT": "广东省住房和城乡建设厅",
        "status": "有效",
    },
    Kind.PERSONNEL: {
        "kind": 2,
        **ENVELOPE,
        "person_name": "李四",
        "id_number": "44040019800101123X",
        "registration_type": "一级注册建造师",
        "REG_CERTNO": "粤1442012201234567",
        "seal_no": "粤144201234567",
        "specialty": "市政公用工程",
        "expiry_date": "2027-06-30",
        "registered_employer_uscc": FIRM,
    },
    Kind.PERFORMANCE: {
        "kind": 3,
        **ENVELOPE,
        "PRJNUM": "4404022101010101",
        "project_name": "珠海市某道路改造工程",
        "TENDERNUM": "4404022101010101-BJ-001",
        "client_name": "珠海市某某建设单位",
        "client_uscc": OTHER_FIRM,
        "contract_no": "HT-2021-001",
        "contract_amount_wan": "1234.56",
        "EDATE": "2022-12-20",
        "REG_CERTNO": "粤1442012201234567",
        "investment_wan": "1500",
    },
    Kind.AWARD: {
        "kind": 4,
        **ENVELOPE,
        "award_name": "鲁班奖",
        "level": "国家级",
        "issuing_body": "中国建筑业协会",
        "certificate_no": "LB-2023-0042",
        "PRJNUM": "4404022101010101",
        "award_date": "2023-11-15",
    },
    Kind.CREDIT: {
        "kind": 5,
        **ENVELOPE,
        "record_no": "XY-2024-0007",
        "record_type": "bad",
        "decision": "因串通投标记不良行为一次",
        "deciding_body": "珠海市住房和城乡建设局",
        "decision_document_no": "珠建罚〔2024〕7号",
        "listed_date": "2024-01-01",
        "removal_date": "2025-01-01",
    },
    Kind.CONTRACT_PERFORMANCE: {
        "kind": 6,
        **ENVELOPE,
        "PRJNUM": "4404022101010101",
        "project_name": "珠海市某道路改造工程",
        "section_code": "E3203010319005778001001",
        "TENDERNUM": "4404022101010101-BJ-001",
        "award_id": "0x" + "ab" * 32,
        "client_name": "珠海市某某建设单位",
        "client_uscc": OTHER_FIRM,
        "contract_no": "HT-2021-001",
        "contract_amount_wan": "1234.56",
        "rating": "优秀",
        "score": "95.5",
        "EDATE": "2022-12-20",
    },
}


def sealed(
    kind: Kind = Kind.QUALIFICATION, salt: bytes = MASTER_SALT, **changes: Any
) -> SealedCredential:
    return SealedCredential.seal(parse_document({**DOCUMENTS[kind], **changes}), salt)


def flip(word: bytes) -> bytes:
    return bytes([word[0] ^ 1]) + word[1:]


# ---------------------------------------------------------------------------------------------
# Fixed vectors. The contract side (CredentialHash.sol) must produce the same bytes.

VECTOR_TAG = "5d92d8e2dd413274540008724d08bc06491d497c6417f754d4fdad63a4111fe6"
VECTOR_FIELDS = [
    # (name, canonical JSON of the value as hex, field salt from MASTER_SALT, field hash)
    (
        "APT_CERTNO",
        "2244323631303437303935 22".replace(" ", ""),
        "78c2c93ac03432cb4c69e4335b684cd39052f696d7305d9ca434004bd2895b99",
        "a79f3d5ac1caefbf03dfdf867e3ad52893f1547005a3247012f6a524b3e75cc9",
    ),
    (
        "APT_NAME",
        "22e5b882e694bfe585ace794a8e5b7a5e7a88be696bde5b7a5e680bbe689bfe58c85e4ba8ce7baa722",
        "b7383aa686034b3ac40b91e692cec00fb60745f45b6e1cd4307dffa1b05180ab",
        "dec5f584702d10ad2bfdd68fbb0322af3af47b6f3993ce9b924a623dd0b5f15f",
    ),
    (
        "kind",
        "31",
        None,
        "4f4bcda2f7efb2bad08b0a71fa76352b4a0b8862df105e3e06f9af44065d396e",
    ),
]
# credential_id([hash(APT_CERTNO), hash(APT_NAME)]) of the two fields above.
VECTOR_TWO_FIELD_ID = "d8a99608d96814e2da321cbdfa3cf8f65d9a265cee97d8063dcae6790e74749f"
# The whole DOCUMENTS[Kind.QUALIFICATION] sealed under MASTER_SALT.
VECTOR_QUALIFICATION_ID = "540f75f724f72df86f4f002938a920126ba504120b49fdc64aeb3e444530f837"


def test_the_credential_tag_vector() -> None:
    assert CREDENTIAL_TAG == keccak(b"TenderLedger.Credential.v1")
    assert CREDENTIAL_TAG.hex() == VECTOR_TAG


@pytest.mark.parametrize(("name", "value_hex", "salt_hex", "hash_hex"), VECTOR_FIELDS)
def test_field_hash_vectors(name: str, value_hex: str, salt_hex: str | None, hash_hex: str) -> None:
    document = DOCUMENTS[Kind.QUALIFICATION]
    assert canonical_json(document[name]).hex() == value_hex
    salt = field_salt(MASTER_SALT, name)
    if salt_hex is not None:
        assert salt.hex() == salt_hex
    assert salt == keccak(MASTER_SALT + keccak(name.encode()))
    assert field_hash(salt, name, document[name]).hex() == hash_hex
    assert sealed().field_hashes()[name].hex() == hash_hex


def test_credential_id_vectors() -> None:
    two = [bytes.fromhex(VECTOR_FIELDS[0][3]), bytes.fromhex(VECTOR_FIELDS[1][3])]
    assert credential_id(two).hex() == VECTOR_TWO_FIELD_ID
    assert credential_id(two) == keccak(CREDENTIAL_TAG + two[0] + two[1])
    assert sealed().credential_id().hex() == VECTOR_QUALIFICATION_ID


# ---------------------------------------------------------------------------------------------
# Canonical JSON and Keccak.


def test_keccak_is_ethereum_keccak_not_nist_sha3() -> None:
    empty = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert keccak(b"").hex() == empty
    assert hashlib.sha3_256(b"").hexdigest() != empty


def test_canonical_json_sorts_keys_drops_whitespace_and_keeps_chinese_as_utf8() -> None:
    assert canonical_json({"b": [1, 2.0], "a": "珠海"}) == '{"a":"珠海","b":[1,2]}'.encode()


def test_field_names_sort_by_utf16_code_units_as_rfc8785_does() -> None:
    # U+1F600 is a surrogate pair (D83D DE00) in UTF-16, so it sorts before U+E000.
    names = ["\ue000", "\U0001f600", "b", "B", "_"]
    assert sorted(names, key=jcs_key_order) == ["B", "_", "b", "\U0001f600", "\ue000"]
    assert list(json.loads(canonical_json(dict.fromkeys(names, 0)))) == sorted(
        names, key=jcs_key_order
    )


def _reference_or_refusal(encode: Any, value: Any) -> bytes | str:
    try:
        return bytes(encode(value))
    except (NotCanonical, rfc8785.CanonicalizationError):
        return "not canonical"
    except UnicodeEncodeError:
        return "lone surrogate"


@pytest.mark.parametrize("value", [
    "\x00\x1f\x7f\b\t\n\f\r\"\\/\u2028\u2029\ufeff珠海\U0001f600",  # escapes: short forms, lower-case \u00xx
    {"\U0001f600": 1, "\ue000": 2, "a": [3]},  # a key beyond U+FFFF: UTF-16 order, not code point order
    {"\ud800": 1},  # a lone surrogate key
    ["\udfff"],  # a lone surrogate value
    [2**53 - 1, -(2**53 - 1)],  # the largest exact integers
    [2**53], [-(2**53)],  # beyond: refused
    [1.0, 1.5, 1e21, 1e-7, -0.0],  # floats: ECMAScript's form, by the reference encoder
    [float("nan")], [float("inf")],
    {1: "a"}, {None: 1},  # keys that are not strings: refused, never coerced
    [True, False, None, (1, "x")],
    Kind.AWARD, [Grade.A], {"k": Kind.IDENTITY},  # enums (int and str subclasses)
    b"bytes", {"a": {1, 2}},
])
def test_canonical_json_fast_path_writes_and_refuses_what_rfc8785_does(value: Any) -> None:
    assert _reference_or_refusal(canonical_json, value) == _reference_or_refusal(rfc8785.dumps, value)


def test_canonical_json_agrees_with_rfc8785_on_random_values() -> None:
    rng = random.Random(8785)
    alphabet = [chr(i) for i in range(0x80)] + ["\u2028", "珠", "\ufeff", "\ue000", "\uffff", "\U00010000",
                                                  "\U0001f600", "\ud800", "\udfff", "é"]

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(6)))

    def value(depth: int = 0) -> Any:
        r = rng.random()
        if depth > 3 or r < 0.3:
            return text()
        if r < 0.4:
            return rng.choice([None, True, False, 0, -1, 2**53 - 1, 2**53, -(2**53), 1.5, 2.0, 1e21])
        if r < 0.7:
            return {text(): value(depth + 1) for _ in range(rng.randrange(5))}
        return [value(depth + 1) for _ in range(rng.randrange(5))]

    for _ in range(5_000):
        v = value()
        assert _reference_or_refusal(canonical_json, v) == _reference_or_refusal(rfc8785.dumps, v), v


# ---------------------------------------------------------------------------------------------
# Documents.


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_validates_and_round_trips_through_json(kind: Kind) -> None:
    document = parse_document(DOCUMENTS[kind])
    assert isinstance(document, MODEL_OF_KIND[kind])
    assert document.kind is kind
    assert document.to_json_dict() == DOCUMENTS[kind]
    assert parse_document(json.loads(json.dumps(document.to_json_dict()))) == document


def test_models_take_python_names_and_normalise_usccs_addresses_and_times() -> None:
    beijing = timezone(timedelta(hours=8))
    document = QualificationCredential(
        issuer=ISSUER.lower(),
        subject=" 91350100m000100y43 ",
        valid_from=datetime(2024, 1, 1, 8, tzinfo=UTC).astimezone(beijing),
        valid_until=datetime(2029, 1, 1, 8, tzinfo=beijing),
        issued_at=datetime(2024, 1, 2, 16, 30, tzinfo=beijing),
        certificate_no="D261047095",
        qualification_name="市政公用工程施工总承包二级",
        category="建筑业企业资质",
        qualification_code="D261",
        grade=Grade.SECOND,
        issue_date=date(2024, 1, 1),
        expiry_date=date(2028, 12, 31),
        issuing_authority="广东省住房和城乡建设厅",
    )
    assert document.certificate_no == "D261047095"
    data = document.to_json_dict()
    assert data["APT_CERTNO"] == "D261047095"
    assert data["subject"] == FIRM
    assert data["issuer"] == ISSUER
    assert data["validUntil"] == "2029-01-01T00:00:00Z"
    assert data["issued_at"] == "2024-01-02T08:30:00Z"
    assert data["validFrom"] == "2024-01-01T08:00:00Z"


def test_documents_are_immutable() -> None:
    document = parse_document(DOCUMENTS[Kind.AWARD])
    with pytest.raises(ValidationError):
        setattr(document, "award_name", "詹天佑奖")  # noqa: B010


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        (Kind.QUALIFICATION, "subject"),
        (Kind.PERSONNEL, "registered_employer_uscc"),
        (Kind.PERFORMANCE, "client_uscc"),
        (Kind.CONTRACT_PERFORMANCE, "client_uscc"),
    ],
)
def test_an_invalid_uscc_is_an_error_naming_the_field_and_the_fault(kind: Kind, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_document({**DOCUMENTS[kind], field: "911301257502818178"})
    (error,) = caught.value.errors()
    assert error["loc"] == (field,)
    assert f"{field} is not a valid USCC" in error["msg"]
    assert "expected B got 8" in error["msg"]


def test_a_usccs_with_a_forbidden_letter_is_reported_with_its_position() -> None:
    with pytest.raises(ValidationError, match="illegal character 'S' at position 9"):
        parse_document({**DOCUMENTS[Kind.IDENTITY], "subject": "91350100S000100Y43"})


def test_valid_until_must_be_after_valid_from() -> None:
    for until in ["2023-12-31T00:00:00Z", "2024-01-01T00:00:00Z", "2024-01-01T07:59:59+08:00"]:
        with pytest.raises(ValidationError, match=r"validUntil \(.*\) must be after validFrom"):
            parse_document({**DOCUMENTS[Kind.QUALIFICATION], "validUntil": until})


def test_valid_until_is_optional() -> None:
    data = {k: v for k, v in DOCUMENTS[Kind.IDENTITY].items() if k != "validUntil"}
    document = parse_document(data)
    assert document.valid_until is None
    assert "validUntil" not in document.to_json_dict()


def test_times_without_an_offset_are_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        parse_document({**DOCUMENTS[Kind.AWARD], "validFrom": "2024-01-01T00:00:00"})


@pytest.mark.parametrize("kind", [9, -1, "1", True, None])
def test_an_unknown_kind_is_reported_with_the_known_ones(kind: object) -> None:
    with pytest.raises(
        UnknownKind, match=r"unknown credential kind .*expected one of 0 \(IDENTITY\)"
    ):
        parse_document({**DOCUMENTS[Kind.AWARD], "kind": kind})


def test_a_missing_kind_is_an_unknown_kind() -> None:
    data = {k: v for k, v in DOCUMENTS[Kind.AWARD].items() if k != "kind"}
    with pytest.raises(UnknownKind, match="unknown credential kind None"):
        parse_document(data)


def test_unknown_fields_and_wrong_kind_specific_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        parse_document({**DOCUMENTS[Kind.AWARD], "bonus": 1})
    with pytest.raises(ValidationError, match="APT_NAME"):
        parse_document({**DOCUMENTS[Kind.AWARD], "kind": 1})


def test_a_mistyped_checksum_address_is_refused() -> None:
    bad = ISSUER[:-1] + ("4" if ISSUER[-1] != "4" else "5")
    mixed = bad[:2] + bad[2:].swapcase()
    with pytest.raises(ValidationError, match="wrong EIP-55 checksum"):
        parse_document({**DOCUMENTS[Kind.AWARD], "issuer": mixed})
    for wrong in ["5B38Da6a701c568545dCfcB03FcB875f56beddC4", "0x5B38Da6a", 42]:
        with pytest.raises(ValidationError, match="issuer"):
            parse_document({**DOCUMENTS[Kind.AWARD], "issuer": wrong})


def test_a_mistyped_checksum_address_is_refused_every_time_after_a_good_one_was_read() -> None:
    # The address check is remembered per text: a good address read first does not let a typo through.
    parse_document(DOCUMENTS[Kind.AWARD])
    bad = ISSUER[:-1] + ("4" if ISSUER[-1] != "4" else "5")
    for _ in range(2):
        with pytest.raises(ValidationError, match="wrong EIP-55 checksum"):
            parse_document({**DOCUMENTS[Kind.AWARD], "issuer": bad[:2] + bad[2:].swapcase()})


def test_editing_the_fields_a_sealed_copy_hands_out_changes_neither_the_copy_nor_its_id() -> None:
    sealed = SealedCredential.seal(parse_document(DOCUMENTS[Kind.AWARD]), MASTER_SALT)
    before = sealed.credential_id()
    fields = sealed.fields()
    fields["subject"] = OTHER_FIRM
    assert sealed.fields()["subject"] == FIRM
    assert credential_id(sealed.field_hashes().values()) == before == sealed.credential_id()


def test_credit_dates_must_be_in_order() -> None:
    with pytest.raises(ValidationError, match=r"removal_date \(2023-01-01\) is before listed_date"):
        parse_document({**DOCUMENTS[Kind.CREDIT], "removal_date": "2023-01-01"})


def test_qualification_expiry_cannot_precede_issue() -> None:
    with pytest.raises(ValidationError, match=r"APT_EDATE \(2023-12-31\) is before issue_date"):
        parse_document({**DOCUMENTS[Kind.QUALIFICATION], "APT_EDATE": "2023-12-31"})


def test_unknown_grade_and_credit_type_are_refused() -> None:
    with pytest.raises(ValidationError, match="grade"):
        parse_document({**DOCUMENTS[Kind.QUALIFICATION], "grade": "五级"})
    with pytest.raises(ValidationError, match="record_type"):
        parse_document({**DOCUMENTS[Kind.CREDIT], "record_type": "grey"})


def test_amounts_are_exact_decimal_strings() -> None:
    document = parse_document({**DOCUMENTS[Kind.PERFORMANCE], "contract_amount_wan": "1234.50"})
    assert document.to_json_dict()["contract_amount_wan"] == "1234.50"
    with pytest.raises(ValidationError, match="contract_amount_wan"):
        parse_document({**DOCUMENTS[Kind.PERFORMANCE], "contract_amount_wan": "-1"})


# ---------------------------------------------------------------------------------------------
# Credential ids.


@pytest.mark.parametrize("kind", list(Kind))
def test_the_id_does_not_depend_on_key_order(kind: Kind) -> None:
    items = list(DOCUMENTS[kind].items())
    random.Random(int(kind)).shuffle(items)
    assert (
        sealed(kind).credential_id()
        == SealedCredential.seal(parse_document(dict(items)), MASTER_SALT).credential_id()
    )
    assert (
        sealed(kind).credential_id()
        == SealedCredential.seal(parse_document(dict(reversed(items))), MASTER_SALT).credential_id()
    )


@pytest.mark.parametrize("kind", list(Kind))
def test_the_id_survives_a_json_round_trip(kind: Kind) -> None:
    original = SealedCredential.seal(parse_document(DOCUMENTS[kind]))
    restored = SealedCredential.from_json(original.to_json())
    assert restored == original
    assert restored.credential_id() == original.credential_id()


def test_the_id_is_the_tagged_hash_of_field_hashes_in_name_order() -> None:
    credential = sealed()
    hashes = credential.field_hashes()
    assert list(hashes) == sorted(DOCUMENTS[Kind.QUALIFICATION], key=jcs_key_order)
    assert credential.credential_id() == keccak(CREDENTIAL_TAG + b"".join(hashes.values()))
    assert credential.credential_id() == credential_id_of(dict(reversed(hashes.items())))


@pytest.mark.parametrize("kind", list(Kind))
def test_changing_any_field_changes_the_id(kind: Kind) -> None:
    reference = sealed(kind).credential_id()
    changed = {
        "kind": None,
        "issuer": "0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2",
        "subject": OTHER_FIRM,
        "validFrom": "2024-01-01T00:00:01Z",
        "validUntil": "2029-01-01T00:00:01Z",
        "issued_at": "2024-01-02T08:30:01Z",
    }
    for name, value in DOCUMENTS[kind].items():
        if name == "kind":
            continue
        new_value: Any = changed.get(name)
        if new_value is None or new_value == value:
            new_value = _variant(value)
        assert sealed(kind, **{name: new_value}).credential_id() != reference, name


def _variant(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("0x") and len(value) == 66:
        return "0x" + "cd" * 32
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return ISSUER if value != ISSUER else "0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2"
    if isinstance(value, str) and value[:4].isdigit() and value[4:5] == "-":
        return str(int(value[:4]) + 1) + value[4:]  # a date, one year on
    if isinstance(value, str) and value.replace(".", "").isdigit():
        return value + "1" if "." in value else value + ".5"
    if value == "二级":
        return "一级"
    if value in ("bad", "优秀", "国家级"):
        return {"bad": "good", "优秀": "良好", "国家级": "省级"}[value]
    if value == FIRM:
        return OTHER_FIRM
    if value == OTHER_FIRM:
        return FIRM
    return value + "甲"


def test_dropping_an_optional_field_changes_the_id() -> None:
    data = {k: v for k, v in DOCUMENTS[Kind.CREDIT].items() if k != "removal_date"}
    assert SealedCredential.seal(parse_document(data), MASTER_SALT).credential_id() != (
        sealed(Kind.CREDIT).credential_id()
    )


def test_a_different_master_salt_gives_a_different_id_and_different_field_hashes() -> None:
    one, other = sealed(), sealed(salt=bytes([0x12]) * 32)
    assert one.credential_id() != other.credential_id()
    assert not set(one.field_hashes().values()) & set(other.field_hashes().values())


def test_fresh_seals_use_fresh_random_salts() -> None:
    document = parse_document(DOCUMENTS[Kind.QUALIFICATION])
    assert (
        SealedCredential.seal(document).master_salt != SealedCredential.seal(document).master_salt
    )


def test_a_master_salt_must_be_32_bytes() -> None:
    with pytest.raises(DocumentError, match="master salt must be 32 bytes, got 31 bytes"):
        sealed(salt=b"\x00" * 31)


def test_chinese_text_hashes_as_its_utf8_canonical_json() -> None:
    credential = sealed()
    name = "APT_NAME"
    value = "市政公用工程施工总承包二级"
    expected = keccak(
        credential.field_salt(name) + keccak(name.encode()) + keccak(f'"{value}"'.encode())
    )
    assert credential.field_hashes()[name] == expected
    assert value in credential.to_json()  # stored readable, not \u-escaped


# ---------------------------------------------------------------------------------------------
# Disclosure.


def test_every_subset_of_an_awards_fields_can_be_disclosed_and_reproduces_the_id() -> None:
    credential = sealed(Kind.AWARD)
    expected = credential.credential_id()
    names = list(credential.fields())
    for size in range(len(names) + 1):
        for subset in itertools.combinations(names, size):
            disclosure = credential.disclose(set(subset))
            assert set(disclosure.revealed) == set(subset)
            assert set(disclosure.hidden) == set(names) - set(subset)
            assert disclosure.credential_id() == expected


@pytest.mark.parametrize("kind", list(Kind))
def test_random_disclosures_of_every_kind_reproduce_the_id(kind: Kind) -> None:
    credential = sealed(kind)
    names = list(credential.fields())
    rng = random.Random(int(kind))
    for _ in range(50):
        subset = {n for n in names if rng.random() < 0.5}
        disclosure = Disclosure.from_json(credential.disclose(subset).to_json())
        assert disclosure.verify(credential.credential_id())


def test_a_disclosure_reveals_only_the_chosen_values_and_per_field_salts() -> None:
    credential = sealed()
    disclosure = credential.disclose({"grade", "APT_CERTNO", "qualification_name"})
    assert disclosure.values == {
        "APT_CERTNO": "D261047095",
        "APT_NAME": "市政公用工程施工总承包二级",
        "grade": "二级",
    }
    text = disclosure.to_json()
    assert MASTER_SALT.hex() not in text
    assert "广东省住房和城乡建设厅" not in text
    assert disclosure.revealed["grade"].salt == field_salt(MASTER_SALT, "grade")


def test_tampering_with_any_revealed_value_or_salt_is_detected() -> None:
    credential = sealed(Kind.PERFORMANCE)
    expected = credential.credential_id()
    disclosure = credential.disclose(set(credential.fields()))
    for name, field in disclosure.revealed.items():
        value = field.value
        tampered_value = value + 1 if isinstance(value, int) else _variant(value)
        for replacement in (
            type(field)(value=tampered_value, salt=field.salt),
            type(field)(value=value, salt=flip(field.salt)),
        ):
            forged = Disclosure(revealed={**disclosure.revealed, name: replacement}, hidden={})
            assert not forged.verify(expected), name


def test_tampering_with_any_hidden_hash_is_detected() -> None:
    credential = sealed(Kind.PERSONNEL)
    expected = credential.credential_id()
    disclosure = credential.disclose({"REG_CERTNO"})
    for name, h in disclosure.hidden.items():
        forged = Disclosure(
            revealed=disclosure.revealed, hidden={**disclosure.hidden, name: flip(h)}
        )
        assert not forged.verify(expected), name


def test_renaming_a_revealed_field_or_dropping_adding_or_reordering_hashes_is_detected() -> None:
    credential = sealed(Kind.PERSONNEL)
    expected = credential.credential_id()
    disclosure = credential.disclose({"REG_CERTNO"})
    revealed, hidden = dict(disclosure.revealed), dict(disclosure.hidden)
    renamed = {("REG_CERTNO_2" if k == "REG_CERTNO" else k): v for k, v in revealed.items()}
    wrong_salt = {
        "REG_CERTNO": type(revealed["REG_CERTNO"])(
            value=revealed["REG_CERTNO"].value, salt=field_salt(MASTER_SALT, "person_name")
        )
    }
    dropped = {k: v for k, v in hidden.items() if k != "seal_no"}
    added = {**hidden, "extra": b"\x00" * 32}
    # Moving a hash to a name that sorts elsewhere changes its position in the id.
    moved = {("zz" if k == "expiry_date" else k): v for k, v in hidden.items()}
    for forged in (
        Disclosure(revealed=renamed, hidden=hidden),
        Disclosure(revealed=wrong_salt, hidden=hidden),
        Disclosure(revealed=revealed, hidden=dropped),
        Disclosure(revealed=revealed, hidden=added),
        Disclosure(revealed=revealed, hidden=moved),
    ):
        assert not forged.verify(expected)


def test_names_of_hidden_fields_are_labels_that_the_id_does_not_bind() -> None:
    # Only a hidden field's hash and its position count: relabelling it without moving it
    # verifies, and reveals nothing. Whoever relies on a field must ask for it revealed.
    credential = sealed(Kind.PERSONNEL)
    disclosure = credential.disclose({"REG_CERTNO"})
    relabelled = {("person" if k == "person_name" else k): v for k, v in disclosure.hidden.items()}
    assert Disclosure(revealed=disclosure.revealed, hidden=relabelled).verify(
        credential.credential_id()
    )


def test_the_public_disclosure_of_a_person_hides_the_id_number_behind_its_salted_hash() -> None:
    credential = sealed(Kind.PERSONNEL)
    public = credential.disclose_public()
    assert "id_number" not in public.revealed
    assert public.hidden == {"id_number": credential.field_hashes()["id_number"]}
    assert DOCUMENTS[Kind.PERSONNEL]["id_number"] not in public.to_json()
    assert public.verify(credential.credential_id())
    assert PersonnelCredential.SENSITIVE_FIELDS == {"id_number"}


def test_disclosing_an_unknown_or_unset_field_is_an_error() -> None:
    credential = sealed(Kind.PERFORMANCE)
    with pytest.raises(DisclosureError, match="PerformanceCredential has no field 'APT_CERTNO'"):
        credential.disclose({"APT_CERTNO"})
    with pytest.raises(DisclosureError, match="'building_area_m2' is not set"):
        credential.disclose({"building_area_m2"})


def test_malformed_disclosures_are_refused() -> None:
    good = sealed().disclose({"grade"}).to_dict()
    with pytest.raises(DisclosureError, match="malformed disclosure"):
        Disclosure.from_dict({"revealed": good["revealed"]})
    with pytest.raises(DisclosureError, match="malformed disclosure"):
        Disclosure.from_dict({**good, "hidden": {"kind": "not hex"}})
    with pytest.raises(DisclosureError, match="hash of 'kind' must be 32 bytes"):
        Disclosure.from_dict({**good, "hidden": {**good["hidden"], "kind": "0x00"}})
    with pytest.raises(DisclosureError, match="both revealed and hidden"):
        Disclosure.from_dict({**good, "hidden": {**good["hidden"], "grade": "0x" + "00" * 32}})


def test_sealed_credentials_reject_malformed_json() -> None:
    with pytest.raises(DocumentError, match="needs 'document' and 'masterSalt'"):
        SealedCredential.from_dict({"document": DOCUMENTS[Kind.AWARD]})
    with pytest.raises(DocumentError, match="masterSalt is not 0x-prefixed hex"):
        SealedCredential.from_dict({"document": DOCUMENTS[Kind.AWARD], "masterSalt": "11" * 32})
    with pytest.raises(UnknownKind):
        SealedCredential.from_dict(
            {"document": {**DOCUMENTS[Kind.AWARD], "kind": 7}, "masterSalt": "0x" + "11" * 32}
        )


# ---------------------------------------------------------------------------------------------
# W3C Verifiable Credentials 2.0 export.


def test_export_has_the_vc_2_0_shape() -> None:
    credential = sealed()
    vc = to_verifiable_credential(credential, chain_id=31337, registry=ISSUER)
    id_hex = "0x" + credential.credential_id().hex()
    assert vc["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert vc["type"] == ["VerifiableCredential", "QualificationCredential"]
    assert vc["id"].endswith(id_hex)
    assert vc["issuer"] == f"did:pkh:eip155:31337:{ISSUER}"
    assert vc["validFrom"] == "2024-01-01T00:00:00Z"
    assert vc["validUntil"] == "2029-01-01T00:00:00Z"
    assert vc["credentialSubject"]["id"] == f"urn:uscc:{FIRM}"
    assert vc["credentialSubject"]["APT_NAME"] == "市政公用工程施工总承包二级"
    assert "issuer" not in vc["credentialSubject"]
    assert vc["credentialStatus"]["credentialId"] == id_hex
    assert vc["credentialStatus"]["registry"] == f"eip155:31337:{ISSUER}"
    json.dumps(vc)


def test_export_leaves_out_sensitive_fields_unless_asked_and_an_absent_valid_until() -> None:
    data = {k: v for k, v in DOCUMENTS[Kind.PERSONNEL].items() if k != "validUntil"}
    credential = SealedCredential.seal(parse_document(data), MASTER_SALT)
    vc = to_verifiable_credential(credential, chain_id=1)
    assert "id_number" not in vc["credentialSubject"]
    assert "validUntil" not in vc
    assert "registry" not in vc["credentialStatus"]
    chosen = to_verifiable_credential(credential, chain_id=1, fields=["person_name", "id_number"])
    assert set(chosen["credentialSubject"]) == {"id", "person_name", "id_number"}


def test_kind_specific_field_names_per_model() -> None:
    assert AwardCredential.claim_names() == [
        "award_name",
        "level",
        "issuing_body",
        "certificate_no",
        "PRJNUM",
        "award_date",
    ]
    assert QualificationCredential.serialised_name("certificate_no") == "APT_CERTNO"
    assert QualificationCredential.serialised_name("APT_CERTNO") == "APT_CERTNO"
