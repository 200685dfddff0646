"""Contract performance (履约): the award's id, and the new 业绩 credential a completion yields.

At completion the tenderer's side records the completion evaluation (履约评价) on PerformanceBook;
an issuer authorised for 履约评价 then anchors it as a `ContractPerformanceCredential` of the
winner's firm — which counts as a 业绩 in later tenders' performance requirements — naming the
award (`award_id`) and the evaluation's hash, so that anyone can check it against the chain
(`check_completion_credential`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from ledger.crypto.canonical import keccak
from ledger.documents.kinds import ContractPerformanceCredential
from ledger.model.performance import Completion, CompletionEvaluation
from ledger.tenders import TenderParams


def award_id(tender_id: bytes, section: int) -> bytes:
    """The id naming the award of `section` of tender `tender_id`: keccak(tenderId ‖ uint16 section)."""
    return keccak(bytes(tender_id) + int(section).to_bytes(2, "big"))


def completion_credential(*, tender_id: bytes, section: int, params: TenderParams, completion: Completion,
                          evaluation: CompletionEvaluation, subject: str, issuer: str,
                          issued_at: datetime | None = None) -> ContractPerformanceCredential:
    """The 履约评价 credential of the winner's firm `subject` for `issuer` to sign and anchor: the
    tender's names, the evaluation's figures, the award's id and the evaluation's hash, valid from
    the completion on. ValueError if `evaluation` is not the one the chain recorded."""
    if evaluation.hash() != completion.evaluation_hash:
        raise ValueError("the evaluation does not hash to the completion PerformanceBook recorded")
    return ContractPerformanceCredential(
        issuer=issuer, subject=subject, issued_at=issued_at or datetime.now(UTC),
        valid_from=datetime.fromtimestamp(completion.completed_at, UTC), valid_until=None,
        project_no=evaluation.project_no, project_name=params.title, section_code=params.sections[section].code,
        award_notice_no=params.project_code, award_id=award_id(tender_id, section),
        evaluation_hash=completion.evaluation_hash, client_name=params.tenderer, client_uscc=params.tenderer_uscc,
        contract_no=evaluation.contract_no, contract_amount_wan=evaluation.contract_amount_wan,
        rating=evaluation.rating, score=evaluation.score, completion_date=evaluation.completion_date,
    )


def check_completion_credential(document: ContractPerformanceCredential, *, tender_id: bytes, section: int,
                                completion: Completion | None) -> list[str]:
    """What is wrong with a 履约评价 credential naming the award of `section` of `tender_id`, given
    the completion on chain (None: none recorded); empty when it matches."""
    problems: list[str] = []
    if document.award_id is not None and document.award_id != award_id(tender_id, section):
        problems.append("its award_id is not this section's award")
    if completion is None:
        problems.append("PerformanceBook records no completion of the section")
    elif document.evaluation_hash != completion.evaluation_hash:
        problems.append("its evaluation_hash is not the completion evaluation PerformanceBook recorded")
    return problems
