"""The portal's browser signer: its vendored libraries are the registry's files, unchanged (each file
under api/portal/static/vendor/ equals the one in node_modules when the installed package is the
version package.json pins); and signer.js, run in node, signs every request type the portal sends,
the Bid and BidKey typed data and EIP-1559 transactions exactly as the Python signers do, encodes
every call the portal checks as eth_abi does, computes credential ids and batch roots as the
ledger does, and seals 密文 guarantee terms (their bytes and context) so that the ledger opens them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "api" / "portal" / "static" / "vendor"
PACKAGES = {"noble-secp256k1": "@noble/secp256k1", "noble-hashes": "@noble/hashes"}


def _pinned(package: str) -> str:
    return str(json.loads((ROOT / "package.json").read_text())["devDependencies"][package])


@pytest.mark.parametrize("folder", sorted(PACKAGES))
def test_each_vendored_file_is_the_pinned_packages_own(folder: str) -> None:
    package = PACKAGES[folder]
    installed = ROOT / "node_modules" / package
    if not (installed / "package.json").exists():
        pytest.skip(f"{package} is not installed (run `npm ci`)")
    version = json.loads((installed / "package.json").read_text())["version"]
    assert version == _pinned(package), f"node_modules holds {package} {version}, package.json pins {_pinned(package)}"
    files = sorted(p for p in (VENDOR / folder).iterdir() if p.is_file())
    assert any(p.suffix == ".js" for p in files)
    for path in files:
        assert path.read_bytes() == (installed / path.name).read_bytes(), f"{path.relative_to(ROOT)} was changed"


def test_the_vendor_readme_names_the_pinned_versions() -> None:
    readme = (VENDOR / "README.md").read_text()
    for package in PACKAGES.values():
        assert f"`{package}` | {_pinned(package)} |" in readme


# ---------------------------------------------------------------------- signer.js against the Python signers

NODE = shutil.which("node")
SIGNER = ROOT / "api" / "portal" / "static" / "signer.js"
KEY = "0x" + "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
BOOK = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
GUARANTEES = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0"
TENDER = "0x" + "ab" * 32
RUNNER = """
import * as S from %s;
const cases = JSON.parse(await new Promise((done) => { let t = ""; process.stdin.on("data", (d) => (t += d)); process.stdin.on("end", () => done(t)); }));
const key = S.Key.fromHex(cases.key);
const out = { address: key.address, typed: [], calls: [], txs: [], ids: [], roots: [] };
for (const c of cases.typed) {
  const typed = c.request ? S.requestTyped({ ...c.request, body: S.utf8(c.request.body) }) : c.typed;
  const digest = S.typedDigest(typed);
  const signature = await key.signTyped(typed);
  out.typed.push({ digest: S.hex(digest), signature: S.hex(signature), recovered: S.recoverAddress(digest, signature) });
}
for (const c of cases.calls) out.calls.push(S.hex(S.abiCall(c.signature, c.args)));
for (const tx of cases.txs) out.txs.push(await S.signTx(key, tx));
for (const c of cases.ids) out.ids.push(S.hex(S.credentialId(c.document, c.masterSalt)));
for (const ids of cases.roots) out.roots.push(S.hex(S.merkleRoot(ids)));
console.log(JSON.stringify(out));
"""


def _run_signer_js(cases: dict[str, object], tmp: Path) -> dict[str, Any]:
    if NODE is None:
        pytest.skip("node is not installed (scripts/test.sh installs it)")
    script = tmp / "runner.mjs"
    script.write_text(RUNNER % json.dumps(SIGNER.as_uri()), encoding="utf-8")
    done = subprocess.run([NODE, str(script)], input=json.dumps(cases), capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def _request_cases() -> list[dict[str, Any]]:
    """Every signed request the portal's pages send: method, path and body as they send them."""
    gid = "0x" + "cd" * 32
    cid = "0x" + "ef" * 32
    bodies = {
        ("POST", "/credentials"): {"documents": [{"document": {"kind": 4}, "masterSalt": "0x" + "11" * 32}], "signed_tx": "0x02"},
        ("POST", f"/credentials/{cid}/revoke"): {"signed_tx": "0x02aa"},
        ("POST", f"/credentials/{cid}/suspend"): {"signed_tx": "0x02bb"},
        ("POST", f"/credentials/{cid}/reinstate"): {"signed_tx": "0x02cc"},
        ("GET", "/guarantees"): None,
        ("GET", f"/guarantees/{gid}/issue-template"): None,
        ("POST", f"/guarantees/{gid}/issue"): {"terms": {"guarantee_no": "BH-1 保函"}, "signed_tx": "0x02"},
        ("POST", f"/guarantees/{gid}/reject"): {"reason": "资信审核未通过", "signed_tx": "0x02"},
        ("POST", f"/guarantees/{gid}/release"): {"signed_tx": "0x02"},
        ("POST", f"/tenders/{TENDER}/sections/0/bids"): {"commitment": "0x" + "12" * 32, "nonce": 3},
        ("POST", f"/tenders/{TENDER}/sections/0/withdraw"): {"nonce": 4, "expiry": 1_900_000_000, "signature": "0x"},
        ("GET", f"/tenders/{TENDER}/sections/0/bids/mine"): None,
    }
    return [{"method": method, "path": path, "body": "" if body is None else json.dumps(body, ensure_ascii=False),
             "nonce": str(2**127 + i), "expiry": 1_900_000_000 + i, "chainId": 31337, "registry": REGISTRY}
            for i, ((method, path), body) in enumerate(bodies.items())]


def test_signer_js_signs_every_request_type_and_transaction_as_the_python_signers_do(tmp_path: Path) -> None:
    from eth_abi import encode
    from eth_account import Account
    from eth_account.messages import encode_typed_data
    from eth_utils import keccak

    from ledger.crypto.merkle import MerkleTree
    from ledger.crypto.requests import sign_request, verify_request
    from ledger.documents import SealedCredential, parse_document

    account = Account.from_key(KEY)
    requests = _request_cases()
    bid = {"domain": {"name": "TenderBook", "version": "1", "chainId": 31337, "verifyingContract": BOOK},
           "types": {"Bid": [{"name": "tenderId", "type": "bytes32"}, {"name": "section", "type": "uint16"},
                             {"name": "commitment", "type": "bytes32"}, {"name": "nonce", "type": "uint256"},
                             {"name": "expiry", "type": "uint64"}]},
           "primaryType": "Bid", "message": {"tenderId": TENDER, "section": 2, "commitment": "0x" + "34" * 32,
                                             "nonce": 7, "expiry": 1_900_000_000}}
    link = {"domain": bid["domain"], "types": {"BidKey": [{"name": "tenderId", "type": "bytes32"},
                                                          {"name": "bidKey", "type": "address"}]},
            "primaryType": "BidKey", "message": {"tenderId": TENDER, "bidKey": account.address}}
    words = ["0x" + bytes([n]) .hex() * 32 for n in range(1, 6)]
    uscc = "91440400MA4UTFQ92J".encode().ljust(32, b"\0")
    terms = [words[0], 20_000_000, 60_000, 30, 1_800_000_000, 1_900_000_000, 0, "0x" + "00" * 32, 0, "0x" + uscc.hex()]
    issue = "issue(bytes32,(bytes32,uint256,uint256,uint32,uint64,uint64,uint8,bytes32,uint8,bytes32))"
    calls = [
        ("anchor_wU2(bytes32,uint8)", [words[0], 4], ["bytes32", "uint8"]),
        ("revoke(bytes32,bytes32,bytes32[],uint16)", [words[0], words[1], words[2:5], 2],
         ["bytes32", "bytes32", "bytes32[]", "uint16"]),
        ("suspend(bytes32,bytes32,bytes32[],uint16)", [words[0], words[1], [], 5], ["bytes32", "bytes32", "bytes32[]", "uint16"]),
        ("reinstate(bytes32,bytes32,bytes32[])", [words[0], words[1], words[2:4]], ["bytes32", "bytes32", "bytes32[]"]),
        (issue, [words[1], terms], ["bytes32", "(bytes32,uint256,uint256,uint32,uint64,uint64,uint8,bytes32,uint8,bytes32)"]),
        ("reject(bytes32,bytes32)", [words[1], words[2]], ["bytes32", "bytes32"]),
        ("release(bytes32)", [words[1]], ["bytes32"]),
        ("withdrawBid(bytes32,uint16)", [TENDER, 1], ["bytes32", "uint16"]),
    ]
    txs = [{"chainId": 31337, "nonce": n, "maxPriorityFeePerGas": 10**9, "maxFeePerGas": 3 * 10**9 + n, "gas": 150_000 + n,
            "to": to, "value": 0, "data": data, "type": 2}
           for n, (to, data) in enumerate([(REGISTRY, "0x"), (GUARANTEES, "0x" + "ab" * 100), (BOOK, "0x00")])]
    documents = [
        {"kind": 4, "issuer": account.address, "subject": "91440400MA4UTFQ92J", "validFrom": "2026-01-05T01:00:00Z",
         "issued_at": "2026-01-05T01:00:00Z", "award_name": "鲁班奖 “工程” \\ 𝄞", "level": "国家级",
         "issuing_body": "中国建筑业协会", "certificate_no": "LB-2026-001", "award_date": "2025-12-20"},
        {"kind": 3, "issuer": account.address, "subject": "91440400MA4UTFQ92J", "validFrom": "2026-01-05T01:00:00Z",
         "issued_at": "2026-01-05T01:00:00Z", "PRJNUM": "4404002019", "project_name": "珠海大道\n改造",
         "client_name": "珠海市政", "client_uscc": "91440400MA4UTFQ92J", "contract_no": "HT-1",
         "contract_amount_wan": "1234.500000", "EDATE": "2025-06-30", "building_area_m2": "0"},
    ]
    salts = ["0x" + "5a" * 32, "0x" + "a5" * 32]

    out = _run_signer_js({
        "key": KEY, "typed": [{"request": r} for r in requests] + [{"typed": bid}, {"typed": link}],
        "calls": [{"signature": s, "args": a} for s, a, _ in calls], "txs": txs,
        "ids": [{"document": d, "masterSalt": s} for d, s in zip(documents, salts, strict=True)],
        "roots": [[words[0]], words, words[::-1][:3]]}, tmp_path)

    assert out["address"] == account.address
    for r, js in zip(requests, out["typed"], strict=False):
        headers = sign_request(account, chain_id=r["chainId"], contract=r["registry"], method=r["method"], path=r["path"],
                               body=r["body"].encode(), nonce=int(r["nonce"]), now=r["expiry"] - 120)
        assert js["signature"] == headers["X-TL-Signature"], r["path"]
        assert js["recovered"] == account.address
        checked = verify_request({**headers, "X-TL-Signature": js["signature"]}, chain_id=r["chainId"],
                                 contract=r["registry"], method=r["method"], path=r["path"], body=r["body"].encode(),
                                 now=r["expiry"] - 60)
        assert checked.signer == account.address
    for typed, js in zip([bid, link], out["typed"][len(requests):], strict=True):
        signed = account.sign_message(encode_typed_data(full_message={**typed, "types": {
            **typed["types"], "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                                               {"name": "chainId", "type": "uint256"},
                                               {"name": "verifyingContract", "type": "address"}]}}))
        assert js["signature"] == "0x" + bytes(signed.signature).hex() and js["recovered"] == account.address

    def py(value: Any) -> Any:
        if isinstance(value, list):
            return [py(v) for v in value] if not (value and isinstance(value[0], int | str) and len(value) == 10) \
                else tuple(py(v) for v in value)
        return bytes.fromhex(value[2:]) if isinstance(value, str) and value.startswith("0x") else value

    for (signature, args, types), js in zip(calls, out["calls"], strict=True):
        expected = keccak(text=signature)[:4] + encode(types, [py(a) for a in args])
        assert js == "0x" + expected.hex(), signature
    for tx, js in zip(txs, out["txs"], strict=True):
        signed = account.sign_transaction({**tx, "data": bytes.fromhex(tx["data"][2:])})
        assert js == "0x" + bytes(signed.raw_transaction).hex()
    for document, salt, js in zip(documents, salts, out["ids"], strict=True):
        sealed = SealedCredential(document=parse_document(document), master_salt=bytes.fromhex(salt[2:]))
        assert sealed.document.to_json_dict() == document  # the document is already as the ledger writes it
        assert js == "0x" + sealed.credential_id().hex()
    for ids, js in zip([[words[0]], words, words[::-1][:3]], out["roots"], strict=True):
        assert js == "0x" + MerkleTree.build([bytes.fromhex(i[2:]) for i in ids]).root.hex()


def test_signer_js_refuses_a_credential_id_over_a_value_without_a_canonical_form(tmp_path: Path) -> None:
    if NODE is None:
        pytest.skip("node is not installed")
    script = tmp_path / "bad.mjs"
    script.write_text(f"""import * as S from {json.dumps(SIGNER.as_uri())};
try {{ S.credentialId({{ amount: 1.5 }}, "0x" + "11".repeat(32)); console.log("hashed"); }}
catch (e) {{ console.log(e.code); }}
try {{ S.abiCall("release(bytes32)", ["0x1234"]); console.log("encoded"); }} catch (e) {{ console.log(e.code); }}
try {{ S.abiCall("anchor_wU2(bytes32,uint8)", ["0x" + "11".repeat(32), 256]); console.log("encoded"); }} catch (e) {{ console.log(e.code); }}
""", encoding="utf-8")
    done = subprocess.run([NODE, str(script)], capture_output=True, text=True, timeout=60, check=False)
    assert done.stdout.split() == ["not-canonical", "bad-hex", "bad-number"], done.stderr


def test_signer_js_seals_guarantee_terms_as_the_ledger_opens_them(tmp_path: Path) -> None:
    """The guarantor's desk seals 密文 terms in the browser: the document's bytes are GuaranteeTerms.to_bytes,
    the context is terms_aad, and what it seals opens in Python as the same terms, its keccak the commitment."""
    from ledger.crypto.canonical import keccak
    from ledger.crypto.guarantee import open_terms_bytes, terms_aad, terms_commitment
    from ledger.crypto.sealing import OpeningKey
    from ledger.model.guarantee import GuaranteeTerms

    if NODE is None:
        pytest.skip("node is not installed (scripts/test.sh installs it)")
    key = OpeningKey.generate()
    base = {"guarantee_id": "0x" + "AB" * 32, "guarantee_no": "BH-2026-7 保函", "issuer": "0x" + "aa" * 20,
            "issuer_type": 2, "applicant": "0x" + "bb" * 20, "applicant_uscc": "91440400MA4UH1234T",
            "beneficiary": "珠海市“斗门区”水务局 \\ 𝄞", "beneficiary_uscc": "11440400007123456D",
            "project_code": "E3203010319005778001", "section_code": "E3203010319005778001001",
            "amount_fen": 200_000_00, "fee_fen": 300_00, "rate_bps": 30, "red_discount": "0.50",
            "start": 1_800_000_000, "end": 1_900_000_000, "doc_hash": "0x" + "CD" * 32}
    cases = [{"terms": base, "chainId": 31337, "book": GUARANTEES.lower()},
             {"terms": {**base, "red_discount": "0", "issuer_type": 0, "amount_fen": 2**40 - 1},
              "chainId": 2**53 - 1, "book": GUARANTEES}]
    script = tmp_path / "terms.mjs"
    script.write_text(f"""import * as S from {json.dumps(SIGNER.as_uri())};
const cases = JSON.parse(process.argv[2]);
const out = [];
for (const c of cases) {{
  const plain = S.guaranteeTermsBytes(c.terms);
  const aad = S.guaranteeTermsContext({{ chainId: c.chainId, book: c.book, guaranteeId: c.terms.guarantee_id }});
  const envelope = await S.seal(plain, S.unhex(c.publicKey, 32), aad);
  out.push({{ plain: S.hex(plain), aad: S.hex(aad), envelope: S.hex(envelope), commitment: S.hex(S.keccak(envelope)) }});
}}
console.log(JSON.stringify(out));
""", encoding="utf-8")
    cases = [{**c, "publicKey": "0x" + key.public.hex()} for c in cases]
    done = subprocess.run([NODE, str(script), json.dumps(cases)], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    for case, js in zip(cases, json.loads(done.stdout), strict=True):
        terms = GuaranteeTerms.model_validate(case["terms"])
        assert js["plain"] == "0x" + terms.to_bytes().hex()
        aad = terms_aad(chain_id=case["chainId"], book_address=case["book"], guarantee_id=bytes.fromhex("ab" * 32))
        assert js["aad"] == "0x" + aad.hex()
        envelope = bytes.fromhex(js["envelope"][2:])
        opened = open_terms_bytes(envelope, key, chain_id=case["chainId"], book_address=case["book"],
                                  guarantee_id=bytes.fromhex("ab" * 32))
        assert GuaranteeTerms.model_validate_json(opened) == terms
        assert js["commitment"] == "0x" + terms_commitment(envelope).hex() == "0x" + keccak(envelope).hex()


GOVERNANCE_RUNNER = """
import * as S from %s;
const cases = JSON.parse(await new Promise((done) => { let t = ""; process.stdin.on("data", (d) => (t += d)); process.stdin.on("end", () => done(t)); }));
const out = { proposals: [], words: [], refused: [] };
for (const c of cases.proposals) out.proposals.push(S.hex(S.proposeCall(c.target, S.unhex(c.inner), c.salt)));
for (const w of cases.words) out.words.push(S.hex(S.textWord(w)));
for (const w of cases.refused) { try { S.textWord(w); out.refused.push(false); } catch { out.refused.push(true); } }
console.log(JSON.stringify(out));
"""


def test_the_governance_desks_proposal_and_speciality_words_are_the_ledgers(tmp_path: Path) -> None:
    """The governance desk rebuilds the propose call it signs and an expert's speciality word as the
    ledger encodes them (`encode_offline`, `speciality_word`)."""
    if NODE is None:
        pytest.skip("node is not installed (scripts/test.sh installs it)")
    from ledger.chain.governance import encode_offline
    from ledger.service.selection import speciality_word

    expert = "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"
    inners = [encode_offline("SelectionBook", "registerExpert", [expert, speciality_word("房屋建筑")]),
              encode_offline("TenderBook", "authoriseCentre", [expert]),
              encode_offline("Governance", "addMember", [expert, "市住房和城乡建设局" * 3]), b""]
    cases = {"proposals": [{"target": BOOK, "inner": "0x" + inner.hex(), "salt": "0x" + bytes([n + 1]).hex() * 32}
                           for n, inner in enumerate(inners)],
             "words": ["房屋建筑", "市政", "x" * 32], "refused": ["", "房" * 11]}
    script = tmp_path / "governance.mjs"
    script.write_text(GOVERNANCE_RUNNER % json.dumps(SIGNER.as_uri()), encoding="utf-8")
    done = subprocess.run([NODE, str(script)], input=json.dumps(cases), capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    for case, js in zip(cases["proposals"], out["proposals"], strict=True):
        expected = encode_offline("Governance", "propose", [case["target"], bytes.fromhex(case["inner"][2:]),
                                                            bytes.fromhex(case["salt"][2:])])
        assert js == "0x" + expected.hex()
    assert out["words"] == ["0x" + speciality_word(w).hex() for w in cases["words"]]
    assert out["refused"] == [True, True]
