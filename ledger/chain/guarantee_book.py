"""GuaranteeBook, spoken to in Python terms: every chain call of the e-guarantees.

Sends are signed by the acting party's own key; reads answer model objects
(`ledger.model.guarantee`). The only module that knows the contract's ABI, its calldata and its
logs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from ledger.chain.gateway import Gateway
from ledger.chain.relay import RelayedTx, decode_signed_tx, relay
from ledger.errors import ConfigurationError, NotFound, ValidationFailed
from ledger.model.guarantee import (
    MAX_BATCH,
    ZERO_WORD,
    Application,
    ClaimCause,
    Form,
    Guarantee,
    GuaranteeTerms,
    IssuerType,
    OnChainClaim,
    PublicTerms,
    State,
    uscc_of_word,
    uscc_word,
)
from ledger.model.receipt import Mined, UnsignedTx

TERMS_FIELDS = ("docHash", "amount", "fee", "rateBps", "start", "end", "form", "termsCommitment",
                "issuerType", "beneficiaryUscc")
NO_WINNER = "0x" + "00" * 20
# States a guarantee reaches without `issue`: no Issued log exists for it.
NEVER_ISSUED = frozenset({State.NONE, State.APPLIED, State.REJECTED, State.CANCELLED})


def onchain_terms(terms: GuaranteeTerms, form: Form, commitment: bytes = ZERO_WORD) -> tuple[Any, ...]:
    """The `IssueTerms` tuple: in clear for 明文; for 密文 amount, fee and rate stay 0 on chain."""
    if form is Form.PLAINTEXT:
        return (terms.doc_hash, terms.amount_fen, terms.fee_fen, terms.rate_bps, terms.start, terms.end,
                int(form), ZERO_WORD, int(terms.issuer_type), uscc_word(terms.beneficiary_uscc))
    if commitment == ZERO_WORD:
        raise ValidationFailed("a 密文 guarantee needs the commitment to its sealed terms")
    return (terms.doc_hash, 0, 0, 0, terms.start, terms.end, int(form), commitment,
            int(terms.issuer_type), uscc_word(terms.beneficiary_uscc))


def public_terms(t: Mapping[str, Any] | Sequence[Any], block_number: int = 0) -> PublicTerms:
    """An `IssueTerms` struct (decoded as a dict or a tuple) as the model's PublicTerms."""

    def get(key: str, index: int) -> Any:
        return t[key] if isinstance(t, Mapping) else t[index]

    return PublicTerms(
        doc_hash=bytes(get("docHash", 0)), amount=int(get("amount", 1)), fee=int(get("fee", 2)),
        rate_bps=int(get("rateBps", 3)), start=int(get("start", 4)), end=int(get("end", 5)),
        form=Form(int(get("form", 6))), terms_commitment=bytes(get("termsCommitment", 7)),
        issuer_type=int(get("issuerType", 8)), beneficiary_uscc=uscc_of_word(bytes(get("beneficiaryUscc", 9))),
        block_number=block_number,
    )


def terms_tuple(t: Mapping[str, Any]) -> tuple[Any, ...]:
    """An `IssueTerms` struct decoded from calldata, as the tuple `onchain_terms` gives."""
    return tuple(t[k] for k in TERMS_FIELDS)


class GuaranteeBookGateway(Gateway):
    NAME: ClassVar[str] = "GuaranteeBook"

    # ------------------------------------------------------------------ the chain, and parties' own transactions
    @property
    def chain_id(self) -> int:
        return self.client.chain_id

    def now(self) -> int:
        """The latest block's time (unix seconds): 'now' on the chain."""
        return self.client.block_timestamp()

    def decode_signed(self, signed_tx: str) -> RelayedTx:
        """A transaction signed by its party, decoded and checked to call this GuaranteeBook."""
        return decode_signed_tx(self, signed_tx)

    def relay(self, relayed: RelayedTx, *, sponsor: LocalAccount | None = None) -> Mined:
        """Dry-run the party's own transaction, then send it (its gas topped up by `sponsor`, if given)."""
        return relay(self, relayed, sponsor=sponsor)

    # ------------------------------------------------------------------ issuers
    def admin(self) -> str:
        return str(self._call("admin"))

    def authorise_issuer(self, admin: LocalAccount, issuer: str, issuer_type: IssuerType) -> Mined:
        return self._send(admin, "authoriseIssuer", to_checksum_address(issuer), int(issuer_type))

    def withdraw_issuer(self, admin: LocalAccount, issuer: str, issuer_type: IssuerType) -> Mined:
        return self._send(admin, "withdrawIssuer", to_checksum_address(issuer), int(issuer_type))

    def is_authorised(self, issuer: str, issuer_type: int) -> bool:
        return bool(self._call("isAuthorised", to_checksum_address(issuer), int(issuer_type)))

    def issuer_types(self, issuer: str) -> list[IssuerType]:
        mask = int(self._call("issuerTypes", to_checksum_address(issuer)))
        return [t for t in IssuerType if mask >> int(t) & 1]

    def ever_authorised(self) -> list[str]:
        """Every address ever authorised as a guarantee issuer, in order of first authorisation."""
        return list(dict.fromkeys(str(e.args["issuer"]) for e in self.logs(event="GuarantorAuthorised")))

    # ------------------------------------------------------------------ applying and issuing
    @staticmethod
    def apply_args(application: Application) -> tuple[Any, ...]:
        return (application.guarantee_id(), application.tender_id, application.section, application.issuer,
                application.amount_fen, application.hash())

    def prepare_apply(self, application: Application) -> UnsignedTx:
        return self.prepare(application.applicant, "applyFor", *self.apply_args(application))

    def apply_for(self, applicant: LocalAccount, application: Application, *, gas: int | None = None) -> Mined:
        return self._send(applicant, "applyFor", *self.apply_args(application), gas=gas)

    def cancel(self, applicant: LocalAccount, guarantee_id: bytes) -> Mined:
        return self._send(applicant, "cancel", guarantee_id)

    def issue(self, issuer: LocalAccount, guarantee_id: bytes, terms: tuple[Any, ...], *,
              gas: int | None = None) -> Mined:
        return self._send(issuer, "issue", guarantee_id, terms, gas=gas)

    def reject(self, issuer: LocalAccount, guarantee_id: bytes, reason_hash: bytes) -> Mined:
        return self._send(issuer, "reject", guarantee_id, reason_hash)

    # ------------------------------------------------------------------ binding
    def bind(self, bidder: LocalAccount, guarantee_id: bytes) -> Mined:
        return self._send(bidder, "bind", guarantee_id)

    def unbind(self, bidder: LocalAccount, guarantee_id: bytes) -> Mined:
        return self._send(bidder, "unbind", guarantee_id)

    # ------------------------------------------------------------------ the centre
    def record_verification(self, centre: LocalAccount, guarantee_id: bytes, *, valid: bool, report_hash: bytes,
                            revealed_amount: int) -> Mined:
        return self._send(centre, "recordVerification", guarantee_id, valid, report_hash, revealed_amount)

    def record_award(self, centre: LocalAccount, tender_id: bytes, section: int, winner: str | None) -> Mined:
        return self._send(centre, "recordAward", tender_id, section,
                          to_checksum_address(winner) if winner else NO_WINNER)

    def record_contract_signed(self, centre: LocalAccount, tender_id: bytes, section: int, signed_at: int) -> Mined:
        return self._send(centre, "recordContractSigned", tender_id, section, signed_at)

    def release(self, by: LocalAccount, guarantee_id: bytes) -> Mined:
        return self._send(by, "release", guarantee_id)

    def release_many(self, by: LocalAccount, guarantee_ids: Sequence[bytes]) -> list[Mined]:
        """Release guarantees in batches of at most MAX_BATCH (each batch all or nothing)."""
        ids = list(guarantee_ids)
        return [self._send(by, "releaseMany", ids[i : i + MAX_BATCH]) for i in range(0, len(ids), MAX_BATCH)]

    def claim(self, centre: LocalAccount, guarantee_id: bytes, cause: ClaimCause, evidence_hash: bytes) -> Mined:
        """File a claim (the centre); it is paid only after the contest period, or if the governance upholds it."""
        return self._send(centre, "claim", guarantee_id, int(cause), evidence_hash)

    def contest_claim(self, applicant: LocalAccount, guarantee_id: bytes, reason_hash: bytes) -> Mined:
        """Contest the pending claim on one's own guarantee, within the contest period (the bidder)."""
        return self._send(applicant, "contestClaim", guarantee_id, reason_hash)

    def settle_claim(self, by: LocalAccount, guarantee_id: bytes) -> Mined:
        """Pay out an uncontested claim after its contest period (anyone)."""
        return self._send(by, "settleClaim", guarantee_id)

    def contest_period(self) -> int:
        return int(self._call("CONTEST_PERIOD"))

    def expire(self, by: LocalAccount, guarantee_id: bytes) -> Mined:
        return self._send(by, "expire", guarantee_id)

    # ------------------------------------------------------------------ reading
    def guarantee_of(self, guarantee_id: bytes) -> Guarantee:
        """The guarantee `guarantee_id` (state NONE if nobody applied for it).

        The contract stores no document hash or terms commitment (`issue` adds no slot): they are
        read from the guarantee's one `Issued` log, which every issued guarantee has (zero words
        for one never issued)."""
        row = self._call("guaranteeOf", guarantee_id)
        state, tender_id, section, applicant, issuer, issuer_type, form, amount, end, closed, late = row
        doc, commit = ZERO_WORD, ZERO_WORD
        if State(state) not in NEVER_ISSUED:
            public = self.issued_terms(guarantee_id)
            if public is None:
                raise ConfigurationError(f"guarantee 0x{guarantee_id.hex()} is {State(state).name} but the node has no "
                                         "Issued log for it: is the node missing logs?")
            doc, commit = public.doc_hash, public.terms_commitment
        return Guarantee(guarantee_id, State(state), bytes(tender_id), int(section), applicant, issuer,
                         int(issuer_type), Form(form), int(amount), int(end), int(closed), bool(late), doc, commit)

    def claim_of(self, guarantee_id: bytes) -> OnChainClaim:
        """The last claim filed on the guarantee (all 0 if none)."""
        cause, evidence, filed, deadline, contested, prior, dismissed = self._call("claimOf", guarantee_id)
        return OnChainClaim(ClaimCause(cause), bytes(evidence), int(filed), int(deadline), bool(contested),
                            State(prior), int(dismissed))

    def known_guarantee(self, guarantee_id: bytes) -> Guarantee:
        g = self.guarantee_of(guarantee_id)
        if g.state is State.NONE:
            raise NotFound("UnknownGuarantee", {"guaranteeId": guarantee_id}, f"no guarantee 0x{guarantee_id.hex()}")
        return g

    def guarantee_of_bid(self, tender_id: bytes, section: int, bidder: str) -> bytes | None:
        """The id of the guarantee bound (now or last) to the bid, or None."""
        gid = bytes(self._call("guaranteeOfBid", tender_id, section, to_checksum_address(bidder)))
        return None if gid == ZERO_WORD else gid

    def issued_terms(self, guarantee_id: bytes, *, from_block: int = 0) -> PublicTerms | None:
        """The terms logged when the guarantee was issued, or None if it never was."""
        logs = self.logs(from_block=from_block, event="Issued", topics=[guarantee_id])
        if not logs:
            return None
        return public_terms(logs[-1].args["terms"], logs[-1].block_number)

    def claimed(self, guarantee_id: bytes) -> tuple[ClaimCause, bytes] | None:
        """The cause and evidence hash of the last claim filed on the guarantee, or None if none was."""
        logs = self.logs(event="ClaimFiled", topics=[guarantee_id])
        if not logs:
            return None
        return ClaimCause(int(logs[-1].args["cause"])), bytes(logs[-1].args["evidenceHash"])

    def section_guarantees(self, tender_id: bytes, section: int, *, from_block: int = 0) -> list[Guarantee]:
        """Every guarantee ever bound to a bid in the section, as it stands now."""
        logs = self.logs(from_block=from_block, event="Bound", topics=[None, tender_id])
        ids = dict.fromkeys(bytes(e.args["guaranteeId"]) for e in logs if int(e.args["section"]) == section)
        return [self.guarantee_of(gid) for gid in ids]
