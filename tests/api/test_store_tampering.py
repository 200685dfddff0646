"""The store is a cache, never a source of truth: a database administrator edits, deletes or
inserts rows of every table with plain SQL on the SQLite file, and no outcome changes. Either the
decision is taken from the chain and the documents verified against it (the outcome is unchanged),
or it is refused with HTTP 503 "the store disagrees with the chain" naming what disagrees, and
nothing is recorded; once the store is rebuilt (`tender-ledger rebuild-store`) or the documents
restored, the outcome is the chain's.

One scene per area, shared by its tests in file order and put back after each tamper: the
credential tables, the tender and bid tables (tampered before the opening, then opened, then the
opening's tables tampered), the guarantee tables, and the journal's own tables.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from eth_utils import keccak

from api.db.credentials import forget_proofs
from ledger.chain.guarantee_book import onchain_terms
from ledger.crypto.sealing import VERSION as SEAL_VERSION
from ledger.documents import Kind, SealedCredential
from ledger.model.guarantee import CommitmentLetter, Form, GuaranteeTerms, IssuerType
from ledger.rules.guarantee import sign_commitment_letter
from ledger.uscc import generate_uscc
from tests.scenes import Firm, Scene, Tender, make_document

MISMATCH = "store disagrees with the chain"


# ---------------------------------------------------------------------- the database administrator


def sql(scene: Scene, statement: str, *params: Any) -> int:
    """Run one statement on the store's SQLite file, as a DB admin would; rows affected."""
    with sqlite3.connect(scene.rt.datadir.store_file) as db:
        return db.execute(statement, params).rowcount


def rows(scene: Scene, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(scene.rt.datadir.store_file) as db:
        return list(db.execute(statement, params))


def refused(response: Any, *words: str) -> None:
    """A 503 saying the store disagrees with the chain (and each of `words`), never a 5xx crash."""
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["error"] == "StoreMismatch" and MISMATCH in body["message"], body
    assert "rebuild-store" in body["message"]
    for word in words:
        assert word in body["message"], body["message"]


class Documents:
    """Filed documents a test changes, put back as they were when it ends."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.saved: list[tuple[str, str, bytes]] = []

    def change(self, kind: str, key: str, content: bytes | None) -> None:
        """Replace (or, with None, delete) the document filed under (kind, key)."""
        ((old,),) = rows(self.scene, "SELECT content FROM document WHERE kind = ? AND key = ?", kind, key)
        self.saved.append((kind, key, old))
        if content is None:
            sql(self.scene, "DELETE FROM document WHERE kind = ? AND key = ?", kind, key)
        else:
            sql(self.scene, "UPDATE document SET content = ? WHERE kind = ? AND key = ?", content, kind, key)

    def restore(self) -> None:
        for kind, key, content in reversed(self.saved):
            if sql(self.scene, "UPDATE document SET content = ? WHERE kind = ? AND key = ?", content, kind, key) == 0:
                sql(self.scene, "INSERT INTO document (chain_key, kind, key, content, media_type, received_at) "
                                "VALUES (?, ?, ?, ?, 'application/octet-stream', '2026-01-01 00:00:00')",
                    self.scene.store.chain_key, kind, key, content)
        self.saved.clear()


def repaired(scene: Scene, documents: Documents) -> None:
    """What the centre does: put the documents back from a backup, rebuild the projections."""
    documents.restore()
    scene.store.rebuild()
    restarted(scene)


def restarted(scene: Scene) -> None:
    """What the service holds in memory is gone, as after a restart: it proves again from the chain."""
    forget_proofs(scene.store)


# ---------------------------------------------------------------------- credentials, tenders and bids


class Bids:
    """Four firms of one issuer and a published tender after its deadline, its shares released:
    f0 and f1 qualify; f2 qualifies but is black-listed; f3 holds only its identity credential and
    ticks f0's credentials (the attacker). Nothing is opened yet."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.issuer = scene.issuer(Kind.IDENTITY, Kind.QUALIFICATION, Kind.PERFORMANCE, Kind.PERSONNEL, Kind.CREDIT)
        self.firms = [scene.firm(self.issuer) for _ in range(3)]
        self.firms.append(scene.firm(self.issuer, kinds=(Kind.IDENTITY,)))
        now = scene.now()
        self.blacklist = scene.credential(
            self.firms[2], Kind.CREDIT, issuer=self.issuer, n=7, record_type="blacklist", record_no="HMD-2026-9",
            listed_date=now.date().replace(year=now.year - 1).isoformat(), removal_date=None)
        self.firms[2].ids.pop(Kind.CREDIT)  # not ticked: it is about the firm, not for its bid
        self.tender: Tender = scene.tender()
        for firm in self.firms[:3]:
            assert scene.bid(firm, self.tender).status_code == 201
        assert scene.bid(self.firms[3], self.tender, credentials=self.firms[0].ticks).status_code == 201
        scene.after_deadline(self.tender)
        scene.release(self.tender)

    @property
    def tid(self) -> str:
        return self.tender.tid

    def commitment(self, firm: Firm) -> str:
        return "0x" + self.scene.rt.tender_book.bid(bytes.fromhex(self.tid[2:]), 0, firm.address).commitment.hex()

    def open(self) -> Any:
        return self.scene.open(self.tender)

    def nothing_opened(self) -> None:
        state = self.scene.rt.tender_book.section(bytes.fromhex(self.tid[2:]), 0)
        assert state.opened == 0 and state.status.name == "PENDING"

    def results(self) -> Any:
        return self.scene.get(self.scene.centre, f"/tenders/{self.tid}/sections/0/results")


@pytest.fixture(scope="module")
def bids(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bids]:
    with Scene.served(tmp_path_factory.mktemp("bids"), seed=11) as scene:
        yield Bids(scene)


@pytest.fixture
def world(bids: Bids) -> Iterator[tuple[Bids, Documents]]:
    """The shared scene, put back (documents restored, projections rebuilt) after the test."""
    documents = Documents(bids.scene)
    yield bids, documents
    repaired(bids.scene, documents)


def test_edited_identity_subject_cannot_make_bid_eligible(world: tuple[Bids, Documents]) -> None:
    w, _ = world
    attacker, victim = w.firms[3], w.firms[0]
    # f3 ticked f0's credentials; naming f0's USCC in its identity row would make them "its own".
    assert sql(w.scene, "UPDATE credentialrecord SET subject = ? WHERE credential_id = ?",
               victim.uscc, attacker.ids[Kind.IDENTITY]) == 1
    refused(w.open(), "subject column", attacker.ids[Kind.IDENTITY])
    w.nothing_opened()
    # The copy itself rewritten to name f0 no longer hashes to the anchored id.
    sealed = SealedCredential.from_json(rows(w.scene, "SELECT sealed FROM credentialrecord WHERE credential_id = ?",
                                             attacker.ids[Kind.IDENTITY])[0][0])
    forged = SealedCredential(document=sealed.document.model_copy(update={"subject": victim.uscc}),
                              master_salt=sealed.master_salt)
    sql(w.scene, "UPDATE credentialrecord SET sealed = ? WHERE credential_id = ?", forged.to_json(),
        attacker.ids[Kind.IDENTITY])
    refused(w.open(), "it was changed")
    w.nothing_opened()


def test_edited_identity_signing_address_cannot_lend_a_firm_to_another_key(world: tuple[Bids, Documents]) -> None:
    w, _ = world
    attacker, victim = w.firms[3], w.firms[0]
    sql(w.scene, "UPDATE credentialrecord SET signing_address = ? WHERE credential_id = ?", attacker.address,
        victim.ids[Kind.IDENTITY])
    refused(w.open(), "signing_address column")
    w.nothing_opened()


def test_deleted_identity_row_changes_no_firm(world: tuple[Bids, Documents]) -> None:
    w, _ = world
    firm = w.firms[0]
    assert sql(w.scene, "DELETE FROM credentialrecord WHERE credential_id = ?", firm.ids[Kind.IDENTITY]) == 1
    # The key's firm comes from the identity batches anchored on chain and their filed copies.
    r = w.scene.get(firm.actor, f"/tenders/{w.tid}/sections/0/guarantees/commitment-letter-template")
    assert r.status_code == 422 and "does not allow a credit commitment letter" in r.json()["message"], r.text


def test_deleted_blacklist_row_does_not_clear_the_black_list(world: tuple[Bids, Documents]) -> None:
    w, documents = world
    listed = w.firms[2]
    path = f"/tenders/{w.tid}/sections/0/guarantees/application-template"
    bank = w.issuer.account.address

    def template() -> Any:
        return w.scene.get(listed.actor, path, issuer=bank)

    before = template()
    assert before.status_code == 403 and before.json()["contract_error"] == "Blacklisted", before.text
    assert sql(w.scene, "DELETE FROM credentialrecord WHERE credential_id = ?", w.blacklist) == 1
    after = template()
    assert (after.status_code, after.json()["message"]) == (before.status_code, before.json()["message"])
    # Deleting the filed copy as well: the proven copy held in memory still decides; after a
    # restart a credit batch on chain has no copy in the store, and the standing is refused.
    documents.change("sealed-credential", w.blacklist, None)
    assert template().json()["message"] == before.json()["message"]
    restarted(w.scene)
    refused(template(), "credit standing", "has no copy in the store")
    # Editing the copy to another record type makes it hash to another id: refused too.
    documents.restore()
    (content,) = rows(w.scene, "SELECT content FROM document WHERE kind = 'sealed-credential' AND key = ?",
                      w.blacklist)[0]
    documents.change("sealed-credential", w.blacklist, content.replace(b'"blacklist"', b'"redlist"'))
    restarted(w.scene)
    refused(template(), "credit standing", "it was changed")


def test_inserted_credential_row_cannot_bind_a_key_to_a_firm(world: tuple[Bids, Documents]) -> None:
    w, _ = world
    victim = w.firms[0]
    intruder = w.scene.actor()
    # An identity document naming the intruder's key for f0, filed under f0's real identity root.
    document = make_document(Kind.IDENTITY, issuer=w.issuer.account.address, subject=victim.uscc,
                             signing_address=intruder.account.address)
    sealed = SealedCredential.seal(document)
    cid = "0x" + sealed.credential_id().hex()
    sql(w.scene, "INSERT INTO credentialrecord (chain_key, credential_id, root, kind, issuer, subject, "
                 "signing_address, proof, sealed, tx_hash, block_number, anchored_at) "
                 "SELECT chain_key, ?, root, kind, issuer, subject, ?, proof, ?, tx_hash, block_number, anchored_at "
                 "FROM credentialrecord WHERE credential_id = ?",
        cid, intruder.account.address, sealed.to_json(), victim.ids[Kind.IDENTITY])
    r = w.scene.get(intruder, f"/tenders/{w.tid}/sections/0/guarantees/commitment-letter-template")
    refused(r, cid)
    # Item 8: the firm's credential list shows no VALID for the row that is in no anchored batch.
    refused(w.scene.http.get(f"/firms/{victim.uscc}/credentials"), cid, "does not put it in root")


def test_swapped_envelope_is_refused_not_recorded_as_the_bidders_failure(world: tuple[Bids, Documents]) -> None:
    w, documents = world
    firm = w.firms[1]
    commitment = w.commitment(firm)
    (length,) = rows(w.scene, "SELECT length(envelope) FROM bidenvelope WHERE commitment = ?", commitment)[0]
    garbage = bytes([SEAL_VERSION]) + os.urandom(length - 1)  # a well-formed envelope that opens with no key
    sql(w.scene, "UPDATE bidenvelope SET envelope = ?, envelope_hash = ? WHERE commitment = ?", garbage,
        "0x" + keccak(garbage).hex(), commitment)
    documents.change("envelope", commitment, garbage)
    refused(w.open(), commitment, "not the one the service received")
    w.nothing_opened()
    # Only the stored hash edited: the envelope no longer hashes to it.
    documents.restore()
    w.scene.store.rebuild()
    sql(w.scene, "UPDATE bidenvelope SET envelope_hash = ? WHERE commitment = ?", "0x" + "00" * 32, commitment)
    refused(w.open(), "stored hash")
    w.nothing_opened()
    mine = w.scene.get(firm.actor, f"/tenders/{w.tid}/sections/0/bids/mine")
    refused(mine)


def test_deleted_envelope_is_refused_not_recorded_as_a_withdrawal(world: tuple[Bids, Documents]) -> None:
    w, documents = world
    commitment = w.commitment(w.firms[0])
    sql(w.scene, "DELETE FROM bidenvelope WHERE commitment = ?", commitment)
    documents.change("envelope", commitment, None)
    refused(w.open(), "no longer holds it")
    w.nothing_opened()


def test_edited_tender_requirements_are_refused(world: tuple[Bids, Documents]) -> None:
    w, _ = world
    ((params,),) = rows(w.scene, "SELECT params FROM tenderrecord WHERE tender_id = ?", w.tid)
    lowered = json.loads(params)
    lowered["sections"][0].update(qualification=[], personnel=[], performance=None)  # anyone qualifies
    sql(w.scene, "UPDATE tenderrecord SET params = ? WHERE tender_id = ?", json.dumps(lowered), w.tid)
    refused(w.open(), "parameters")
    w.nothing_opened()
    refused(w.scene.http.get(f"/tenders/{w.tid}"), "parameters")
    w.scene.store.rebuild()
    sql(w.scene, "UPDATE tenderrecord SET deadline = deadline + 86400 WHERE tender_id = ?", w.tid)
    refused(w.open(), "deadline")


def test_edited_officer_or_share_hash_is_refused(world: tuple[Bids, Documents]) -> None:
    w, _ = world
    sql(w.scene, "UPDATE tenderofficer SET officer = ? WHERE tender_id = ? AND position = 0",
        w.firms[3].address, w.tid)
    refused(w.scene.http.get(f"/tenders/{w.tid}"), "officers")
    w.scene.store.rebuild()
    sql(w.scene, "UPDATE tendersharehash SET share_hash = ? WHERE tender_id = ? AND position = 1",
        "0x" + "11" * 32, w.tid)
    refused(w.open(), "share hashes")
    w.nothing_opened()


def test_edited_tender_version_is_refused(world: tuple[Bids, Documents]) -> None:
    w, _ = world
    assert w.scene.http.get(f"/tenders/{w.tid}/versions").status_code == 200
    sql(w.scene, "UPDATE tenderversion SET deadline = deadline - 86400 WHERE tender_id = ?", w.tid)
    refused(w.scene.http.get(f"/tenders/{w.tid}/versions"), "version 1", "deadline")
    sql(w.scene, "DELETE FROM tenderversion WHERE tender_id = ?", w.tid)
    refused(w.scene.http.get(f"/tenders/{w.tid}/versions"), "versions []")


def test_opening_after_the_store_is_repaired_gives_the_chains_outcome(bids: Bids) -> None:
    r = bids.open()
    assert r.status_code == 200, r.text
    by = {b["bidder"]: b for b in r.json()["bids"]}
    f0, f1, f2, f3 = (by[f.address] for f in bids.firms)
    assert f0["eligible"] and f1["eligible"]
    assert not f2["eligible"] and any(c["name"] == "credit" and c["status"] == "INVALID"
                                      for c in f2["eligibility"]["checks"])
    assert not f3["eligible"] and f3["eligibility"]["firm"] == bids.firms[3].uscc  # its own firm, not f0's
    assert r.json()["status"] == "FAILED" and r.json()["valid_bids"] == 2  # 流标: two valid firms
    assert bids.results().status_code == 200


def test_edited_opening_outcome_is_refused(world: tuple[Bids, Documents]) -> None:
    w, _ = world
    attacker = w.firms[3].address
    sql(w.scene, "UPDATE openingrecord SET eligible = 1 WHERE bidder = ?", attacker)
    refused(w.results(), "not the one the centre recorded")
    w.scene.store.rebuild()
    sql(w.scene, "UPDATE openingrecord SET outcome = 'FAILED_BIDDER' WHERE bidder = ?", w.firms[0].address)
    refused(w.results(), "FAILED_BIDDER in the store, DECRYPTED on chain")
    w.scene.store.rebuild()
    sql(w.scene, "UPDATE openingrecord SET price = '1' WHERE bidder = ?", w.firms[0].address)
    refused(w.results(), "not the one the centre recorded")
    w.scene.store.rebuild()
    sql(w.scene, "DELETE FROM openingrecord WHERE bidder = ?", w.firms[1].address)
    refused(w.results(), "holds no opening")


def test_edited_eligibility_check_is_refused(world: tuple[Bids, Documents]) -> None:
    w, _ = world
    attacker = w.firms[3].address
    assert sql(w.scene, "UPDATE eligibilitycheck SET status = 'VALID', reason = 'ok' WHERE bidder = ? "
                        "AND status = 'INVALID'", attacker) >= 1
    refused(w.results(), "not the one the centre recorded")
    w.scene.store.rebuild()
    sql(w.scene, "DELETE FROM eligibilitycheck WHERE bidder = ?", w.firms[2].address)
    refused(w.results(), "not the one the centre recorded")


def test_an_edited_reason_code_is_refused(world: tuple[Bids, Documents]) -> None:
    """A check's reason code is not what the centre signs, but it must say the sentence that is: a
    code changed to word the credit check of a black-listed firm as passed is refused."""
    w, _ = world
    edited = json.dumps({"code": "not_blacklisted", "args": {}})
    assert sql(w.scene, "UPDATE eligibilitycheck SET words = ? WHERE bidder = ? AND name = 'credit' "
                        "AND status = 'INVALID'", edited, w.firms[2].address) == 1
    refused(w.results(), "does not say the reason the centre recorded")
    w.scene.store.rebuild()
    assert w.results().status_code == 200


def test_inserted_credential_use_is_refused(world: tuple[Bids, Documents]) -> None:
    w, _ = world
    (key,) = rows(w.scene, "SELECT chain_key FROM credentialuse LIMIT 1")[0]
    sql(w.scene, "INSERT INTO credentialuse (chain_key, tender_id, section, bidder, credential_id) "
                 "VALUES (?, ?, 0, ?, ?)", key, w.tid, w.firms[1].address, "0x" + "42" * 32)
    refused(w.results(), "CredentialUsed")
    assert w.scene.http.get(f"/credentials/{w.firms[0].ids[Kind.QUALIFICATION]}").status_code == 200


# ---------------------------------------------------------------------- guarantees


class Guarantees:
    """A regulator, two firms, a bank with a published red-list discount, a tender with a
    200,000 元 section and a section that takes a commitment letter; f0 holds a bound guarantee,
    f1 a registered letter; both bid."""

    SECTIONS = [
        {"code": "E3203010319005778001001", "name": "一标段", "estimated_price": "12000000.00",
         "bid_guarantee": "200000.00", "qualification": [], "personnel": []},
        {"code": "E3203010319005778001002", "name": "二标段", "estimated_price": "6000000.00",
         "bid_guarantee": "100000.00", "credit_commitment_allowed": True, "qualification": [], "personnel": []},
    ]

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.regulator = scene.issuer(Kind.IDENTITY, Kind.CREDIT)
        self.firms = [scene.firm(self.regulator, kinds=(Kind.IDENTITY,)) for _ in range(2)]
        self.bank = scene.guarantor(IssuerType.BANK, profile={"name": "中国银行珠海分行",
                                                              "uscc": generate_uscc(scene.rng), "red_discount": "0.5"})
        self.tender = scene.tender(sections=self.SECTIONS)
        self.gid = self.apply(self.firms[0])
        assert self.issue(self.gid).status_code == 200
        actor = self.firms[0].actor
        r = actor.post(self.path(0, "bind"), {"signed_tx": scene.guarantee_tx(actor, "bind", self.gid)})
        assert r.status_code == 200, r.text
        letter_of = self.firms[1].actor
        r = scene.get(letter_of, self.path(1, "commitment-letter-template"))
        assert r.status_code == 200, r.text
        self.letter = sign_commitment_letter(CommitmentLetter.model_validate(r.json()["letter"]), letter_of.account)
        r = letter_of.post(self.path(1, "commitment-letter"), {"letter": self.letter.model_dump(mode="json")})
        assert r.status_code == 201, r.text
        assert scene.bid(self.firms[0], self.tender, 0, credentials=[]).status_code == 201
        assert scene.bid(self.firms[1], self.tender, 1, credentials=[]).status_code == 201

    def path(self, section: int, rest: str) -> str:
        return f"/tenders/{self.tender.tid}/sections/{section}/guarantees/{rest}"

    def apply(self, firm: Firm) -> str:
        r = self.scene.get(firm.actor, self.path(0, "application-template"), issuer=self.bank.account.address)
        assert r.status_code == 200, r.text
        r = firm.actor.post("/guarantees", {"application": r.json()["application"],
                                            "signed_tx": firm.actor.sign_tx(r.json()["tx"])})
        assert r.status_code == 201, r.text
        return str(r.json()["guarantee_id"])

    def issue_template(self, gid: str) -> Any:
        return self.scene.get(self.bank, f"/guarantees/{gid}/issue-template", rate_bps=30)

    def issue(self, gid: str) -> Any:
        filled = self.issue_template(gid).json()
        terms = GuaranteeTerms.model_validate({**filled["terms"], "guarantee_no": "BH-1",
                                               "issuer_type": int(IssuerType.BANK), "doc_hash": "0x" + "ab" * 32})
        onchain = onchain_terms(terms, Form.PLAINTEXT)
        tx = self.scene.guarantee_tx(self.bank, "issue", gid,
                                     ["0x" + v.hex() if isinstance(v, bytes) else v for v in onchain])
        return self.bank.post(f"/guarantees/{gid}/issue", {"terms": terms.model_dump(mode="json"), "signed_tx": tx})


@pytest.fixture(scope="module")
def guarantees(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guarantees]:
    with Scene.served(tmp_path_factory.mktemp("guarantees"), seed=12) as scene:
        yield Guarantees(scene)


@pytest.fixture
def desk(guarantees: Guarantees) -> Iterator[tuple[Guarantees, Documents]]:
    documents = Documents(guarantees.scene)
    yield guarantees, documents
    repaired(guarantees.scene, documents)


def test_edited_red_list_discount_is_refused(desk: tuple[Guarantees, Documents]) -> None:
    g, documents = desk
    other = g.apply(g.firms[1])
    assert g.issue_template(other).status_code == 200
    sql(g.scene, "UPDATE guarantorprofile SET red_discount = '0.99' WHERE issuer = ?", g.bank.account.address)
    refused(g.issue_template(other), "profile")
    refused(g.scene.http.get("/guarantee-issuers"), "profile")
    g.scene.store.rebuild()
    profile = json.dumps({"name": "中国银行珠海分行", "uscc": "91350100M000100Y43", "red_discount": "0.99"}).encode()
    documents.change("guarantor-profile", g.bank.account.address.lower(), profile)
    g.scene.store.rebuild()
    refused(g.issue_template(other), "not the one the service received")


def test_edited_application_amount_is_refused(desk: tuple[Guarantees, Documents]) -> None:
    g, _ = desk
    ((application,),) = rows(g.scene, "SELECT application FROM guaranteerecord WHERE guarantee_id = ?", g.gid)
    smaller = json.loads(application) | {"amount_fen": 1}
    sql(g.scene, "UPDATE guaranteerecord SET application = ? WHERE guarantee_id = ?", json.dumps(smaller), g.gid)
    refused(g.scene.get(g.bank, f"/guarantees/{g.gid}"), "application")
    g.scene.store.rebuild()
    assert g.scene.get(g.bank, f"/guarantees/{g.gid}").json()["amount_fen"] == 200_000_00


def test_deleted_commitment_letter_row_changes_no_backing(desk: tuple[Guarantees, Documents]) -> None:
    g, _ = desk
    bidder = g.firms[1].address
    before = g.scene.get(g.firms[1].actor, g.path(1, f"bids/{bidder}")).json()
    assert sql(g.scene, "DELETE FROM commitmentletterrecord WHERE bidder = ?", bidder) == 1
    assert g.scene.get(g.firms[1].actor, g.path(1, f"bids/{bidder}")).json() == before


def test_edited_commitment_letter_is_refused_at_the_check(desk: tuple[Guarantees, Documents]) -> None:
    g, _ = desk
    g.scene.after_deadline(g.tender)
    g.scene.release(g.tender)
    bidder = g.firms[1].address
    forged = g.letter.model_copy(update={"guarantee_amount_fen": 1})  # its signature no longer verifies
    sql(g.scene, "UPDATE commitmentletterrecord SET letter = ? WHERE bidder = ?", forged.model_dump_json(), bidder)
    refused(g.scene.centre.post(g.path(1, "verify"), {}), "commitment letter")
    g.scene.store.rebuild()
    r = g.scene.centre.post(g.path(1, "verify"), {})
    assert r.status_code == 200 and [c["status"] for c in r.json()["checks"]] == ["VALID"], r.text


def test_edited_claim_evidence_is_refused(desk: tuple[Guarantees, Documents]) -> None:
    g, _ = desk
    evidence = base64.b64encode(b"%PDF letter withdrawing the bid after the deadline").decode()
    r = g.scene.centre.post(f"/guarantees/{g.gid}/claims", {"cause": "WITHDRAWAL_AFTER_DEADLINE",
                                                            "evidence_b64": evidence})
    assert r.status_code == 201, r.text
    sql(g.scene, "UPDATE guaranteeclaim SET evidence = ?, evidence_hash = ? WHERE guarantee_id = ?",
        b"another letter", "0x" + keccak(b"another letter").hex(), g.gid)
    refused(g.scene.get(g.bank, f"/guarantees/{g.gid}"), "claim")
    g.scene.store.rebuild()
    assert g.scene.get(g.bank, f"/guarantees/{g.gid}").json()["claim"]["cause"] == "WITHDRAWAL_AFTER_DEADLINE"


# ---------------------------------------------------------------------- the registry's projections and the journal


class Registry:
    """An issuer of qualifications and an anchored, revoked credential."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.issuer = scene.issuer(Kind.QUALIFICATION)
        self.firm = scene.firm(self.issuer, kinds=(Kind.QUALIFICATION,))
        self.cid = self.firm.ids[Kind.QUALIFICATION]
        tx = self.issuer.prepare("revoke", *self.member(), 2)
        r = self.issuer.post(f"/credentials/{self.cid}/revoke", {"signed_tx": tx})
        assert r.status_code == 200, r.text
        self.history = scene.http.get(f"/credentials/{self.cid}/history").json()
        self.issuers = scene.http.get("/issuers").json()

    def member(self) -> tuple[str, str, list[str]]:
        view = self.scene.http.get(f"/credentials/{self.cid}").json()
        return view["root"], self.cid, view["proof"]

    def verify(self) -> Any:
        ((sealed,),) = rows(self.scene, "SELECT sealed FROM credentialrecord WHERE credential_id = ?", self.cid)
        return self.scene.http.post("/verify", json={"document": json.loads(sealed)}).json()


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    with Scene.served(tmp_path_factory.mktemp("registry"), seed=13) as scene:
        yield Registry(scene)


@pytest.fixture
def ledger(registry: Registry) -> Iterator[Registry]:
    yield registry
    registry.scene.store.rebuild()


def test_inserted_issuer_kind_row_authorises_no_one(ledger: Registry) -> None:
    intruder = ledger.scene.actor()
    sql(ledger.scene, "INSERT INTO issuerkind (chain_key, issuer, kind, authorised, changed_at) "
                      "VALUES (?, ?, 0, 1, '2026-01-01 00:00:00')", ledger.scene.store.chain_key, intruder.account.address)
    assert ledger.scene.http.get("/issuers").json() == ledger.issuers
    sealed = SealedCredential.seal(make_document(Kind.IDENTITY, issuer=intruder.account.address,
                                                 signing_address=intruder.account.address))
    r = ledger.scene.http.post("/credentials/prepare-anchor", json={"documents": [sealed.to_dict()],
                                                                      "sender": intruder.account.address})
    assert r.status_code == 403 and r.json()["contract_error"] == "NotAuthorised", r.text


def test_edited_anchor_record_changes_no_verification(ledger: Registry) -> None:
    before = ledger.verify()
    assert [c["status"] for c in before["checks"]][:4] == ["VALID", "VALID", "VALID", "INVALID"]  # revoked
    sql(ledger.scene, "UPDATE anchorrecord SET issuer = ?, kind = 0", ledger.scene.centre.account.address)
    assert ledger.verify() == before


def test_edited_chain_event_changes_no_history(ledger: Registry) -> None:
    sql(ledger.scene, "UPDATE chainevent SET args = replace(args, '\"reason\": 2', '\"reason\": 1') "
                      "WHERE name = 'Revoked'")
    sql(ledger.scene, "DELETE FROM chainevent WHERE name = 'Anchored'")
    assert ledger.scene.http.get(f"/credentials/{ledger.cid}/history").json() == ledger.history


def test_deleted_used_nonce_does_not_let_a_request_be_replayed(ledger: Registry) -> None:
    issuer = ledger.issuer
    sealed = SealedCredential.seal(ledger.scene.document(ledger.firm, Kind.QUALIFICATION, issuer=issuer, n=40))
    docs = [sealed.to_dict()]
    prep = ledger.scene.http.post("/credentials/prepare-anchor", json={"documents": docs,
                                                                       "sender": issuer.account.address})
    body = json.dumps({"documents": docs, "signed_tx": issuer.sign_tx(prep.json()["tx"])}).encode()
    headers = {"content-type": "application/json"} | issuer.headers("POST", "/credentials", body)
    assert ledger.scene.http.post("/credentials", content=body, headers=headers).status_code == 201
    block = ledger.scene.rt.client.block_number()
    assert sql(ledger.scene, "DELETE FROM usednonce") >= 1
    replay = ledger.scene.http.post("/credentials", content=body, headers=headers)
    assert replay.status_code == 409 and replay.json()["contract_error"] == "AlreadyAnchored", replay.text
    assert ledger.scene.rt.client.block_number() == block


def test_skipped_sync_cursor_changes_no_credential(ledger: Registry) -> None:
    # With its block hash left, a cursor past the node's head reads as a reorg and is rolled back:
    # the tamperer clears it too, so that the journal skips the blocks.
    sql(ledger.scene, "UPDATE synccursor SET last_block = last_block + 1000, block_hash = NULL "
                      "WHERE contract = 'CredentialRegistry'")
    later = ledger.scene.firm(ledger.issuer, kinds=(Kind.QUALIFICATION,))  # anchored, never projected
    cid = later.ids[Kind.QUALIFICATION]
    assert rows(ledger.scene, "SELECT count(*) FROM credentialrecord WHERE credential_id = ?", cid) == [(0,)]
    view = ledger.scene.http.get(f"/credentials/{cid}")
    assert view.status_code == 200 and view.json()["credential_id"] == cid
    sql(ledger.scene, "UPDATE synccursor SET last_block = 0 WHERE contract = 'CredentialRegistry'")
    ledger.scene.store.reconcile()  # replayed from the start: nothing is applied twice
    assert ledger.scene.http.get(f"/credentials/{ledger.cid}/history").json() == ledger.history

