"""What a batch of credentials must be before it is anchored under one root.

One kind, all issued by the anchoring issuer, each credential once, at most `MAX_BATCH` of them.
"""

from __future__ import annotations

from collections.abc import Sequence

from eth_utils.address import to_checksum_address

from ledger.documents import Kind, SealedCredential
from ledger.errors import ValidationFailed

MAX_BATCH = 10_000
"""Most credentials in one batch: keeps proofs short (≤ 14 hashes) and batches reviewable."""

_MAX_REPORTED = 5  # problems listed in one ValidationFailed message


def check_kind(kind: object) -> int:
    """`kind` as the contract's uint8, or ValidationFailed naming the known kinds."""
    if isinstance(kind, bool) or not isinstance(kind, int):
        raise ValidationFailed(f"kind must be a Kind, got {kind!r}")
    try:
        return int(Kind(kind))
    except ValueError:
        known = ", ".join(f"{k.value} ({k.name})" for k in Kind)
        raise ValidationFailed(f"unknown credential kind {kind}; expected one of {known}") from None


def check_batch(
    issuer: str, credentials: Sequence[SealedCredential], kind: Kind | None = None
) -> tuple[Kind, list[bytes]]:
    """The batch's kind and credential ids (in document order), or ValidationFailed listing what is wrong.

    Refused: an empty or oversized batch, mixed kinds, a kind other than `kind`, a document naming
    another issuer, the same credential twice, or two identity credentials of one firm.
    """
    count = len(credentials)
    if count == 0:
        raise ValidationFailed("a batch needs at least one credential")
    if count > MAX_BATCH:
        raise ValidationFailed(
            f"a batch holds at most {MAX_BATCH:,} credentials, got {count:,}: split it into "
            f"{-(-count // MAX_BATCH)} batches"
        )
    if kind is not None:
        kind = Kind(check_kind(kind))
    problems: list[str] = []
    first_of: dict[bytes, int] = {}
    identity_of: dict[str, int] = {}  # one identity credential per firm: its newest names its key
    ids: list[bytes] = []
    batch_kind = kind
    for index, sealed in enumerate(credentials):
        if not isinstance(sealed, SealedCredential):
            problems.append(f"item {index} is a {type(sealed).__name__}, not a SealedCredential")
            continue
        document = sealed.document
        if batch_kind is None:
            batch_kind = document.kind
        if document.kind != batch_kind:
            expected = "the batch's kind" if kind is not None else "credential 0's kind"
            problems.append(
                f"credential {index} is of kind {document.kind.name}, not {batch_kind.name} "
                f"({expected}): a root holds credentials of one kind"
            )
        if document.issuer != to_checksum_address(issuer):
            problems.append(
                f"credential {index} names issuer {document.issuer}, but {issuer} is anchoring it"
            )
        if document.kind is Kind.IDENTITY:
            earlier = identity_of.setdefault(document.subject, index)
            if earlier != index:
                problems.append(
                    f"credentials {earlier} and {index} are both identity credentials of {document.subject}: "
                    "a firm has one identity (a newer one, anchored later, supersedes the old key)"
                )
        credential_id = sealed.credential_id()
        if credential_id in first_of:
            problems.append(
                f"credentials {first_of[credential_id]} and {index} are the same credential "
                f"(id 0x{credential_id.hex()}): a batch holds each credential once"
            )
        else:
            first_of[credential_id] = index
            ids.append(credential_id)
    if problems:
        shown = "; ".join(problems[:_MAX_REPORTED])
        more = len(problems) - _MAX_REPORTED
        raise ValidationFailed(shown + (f"; and {more} more problems" if more > 0 else ""))
    assert batch_kind is not None
    return batch_kind, ids
