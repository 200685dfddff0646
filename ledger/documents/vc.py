"""Export of a sealed credential as a W3C Verifiable Credentials 2.0-shaped JSON object."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ledger.documents.kinds import Credential, Kind
from ledger.documents.sealing import SealedCredential

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
STATUS_TYPE = "TenderLedgerRegistryStatus"

_TYPE_OF_KIND = {
    Kind.IDENTITY: "BusinessLicenceCredential",
    Kind.QUALIFICATION: "QualificationCredential",
    Kind.PERSONNEL: "RegisteredPersonnelCredential",
    Kind.PERFORMANCE: "PerformanceRecordCredential",
    Kind.AWARD: "AwardCredential",
    Kind.CREDIT: "CreditRecordCredential",
    Kind.CONTRACT_PERFORMANCE: "ContractPerformanceCredential",
}


def to_verifiable_credential(
    sealed: SealedCredential,
    *,
    chain_id: int,
    registry: str | None = None,
    fields: Iterable[str] | None = None,
) -> dict[str, Any]:
    """The credential as a VC 2.0 document.

    `credentialSubject` holds the kind-specific fields named in `fields` (Python or JSON names;
    by default all but the sensitive ones). `credentialStatus` points at the registry contract
    on `chain_id`, where the credential id's status can be looked up. Salts are not exported:
    proving the fields against the chain needs a `Disclosure`.
    """
    document = sealed.document
    model = type(document)
    values = document.to_json_dict()
    if fields is None:
        sensitive = {model.serialised_name(name) for name in document.SENSITIVE_FIELDS}
        chosen = [name for name in model.claim_names() if name not in sensitive]
    else:
        chosen = [model.serialised_name(name) for name in fields]
    envelope = {Credential.serialised_name(name) for name in Credential.model_fields}
    subject: dict[str, Any] = {"id": f"urn:uscc:{document.subject}"}
    subject.update(
        (name, values[name]) for name in chosen if name in values and name not in envelope
    )

    id_hex = "0x" + sealed.credential_id().hex()
    status: dict[str, Any] = {
        "id": f"urn:tender-ledger:status:{chain_id}:{id_hex}",
        "type": STATUS_TYPE,
        "credentialId": id_hex,
        "kind": int(document.kind),
    }
    if registry is not None:
        status["registry"] = f"eip155:{chain_id}:{registry}"

    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT],
        "id": f"urn:tender-ledger:credential:{id_hex}",
        "type": ["VerifiableCredential", _TYPE_OF_KIND[document.kind]],
        "issuer": f"did:pkh:eip155:{chain_id}:{document.issuer}",
        "validFrom": values["validFrom"],
    }
    if "validUntil" in values:
        credential["validUntil"] = values["validUntil"]
    credential["credentialSubject"] = subject
    credential["credentialStatus"] = status
    return credential
