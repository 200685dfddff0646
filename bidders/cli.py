"""tender-bidder: a firm's key, its credentials and its sealed bids, through the tender-ledger API.

Exit codes: 0 done, 1 refused or failed (with the server's message), 2 usage error,
3 configuration (keystore missing or unreadable, wrong password, API unreachable).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
import tempfile
import traceback
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from hexbytes import HexBytes
from pydantic import ValidationError

from bidders import keystore
from bidders.http import APIError, APIUnreachable, LedgerAPI
from ledger.crypto.bid_keys import FirmLink, bid_identity
from ledger.crypto.bids import seal_bid, sign_bid
from ledger.documents import DocumentError, Kind, SealedCredential
from ledger.errors import LedgerError, ValidationFailed
from ledger.crypto.sealing import (
    MAX_FILE_BYTES,
    BidFile,
    BidPackage,
    bid_commitment,
    credential_set_commitment,
)
from ledger.tenders import TenderParams
from ledger.tenders import tender_id as tender_id_of
from ledger.uscc import InvalidUSCC, validate_uscc

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_CONFIG = 0, 1, 2, 3

ENV_API = "TL_API_URL"
ENV_KEYSTORE = "TL_KEYSTORE"
ENV_PASSWORD = "TL_KEYSTORE_PASSWORD"
ENV_SCRYPT_N = "TL_KEYSTORE_SCRYPT_N"  # undocumented: lighter keystores for tests, at creation only
DEFAULT_API = "http://127.0.0.1:8000"
DEFAULT_KEYSTORE = "firm-keystore.json"

KIND_LABEL = {
    Kind.IDENTITY: "营业执照", Kind.QUALIFICATION: "资质", Kind.PERSONNEL: "注册人员",
    Kind.PERFORMANCE: "业绩", Kind.AWARD: "获奖", Kind.CREDIT: "信用", Kind.CONTRACT_PERFORMANCE: "履约评价",
}
_TENDER_ID = re.compile(r"0x[0-9a-fA-F]{64}")
_MIN_TICK_DIGITS = 8


class Failure(Exception):
    """A message for the bidder and the exit code that goes with it."""

    def __init__(self, message: str, code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------------- context


class Session:
    """What every command needs: where the API and the keystore are, and the decrypted key."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.api_url: str = args.api
        self.keystore = Path(args.keystore).expanduser()
        self._key: keystore.FirmKey | None = None

    def key(self) -> keystore.FirmKey:
        if self._key is None:
            if not self.keystore.exists():
                raise Failure(f"no keystore at {self.keystore}: create one with `tender-bidder key create`, "
                              f"or point --keystore (or {ENV_KEYSTORE}) at yours", EXIT_CONFIG)
            self._key = keystore.load(self.keystore, _password(f"Password for {self.keystore}: "))
        return self._key

    def api(self, signed: bool = True) -> LedgerAPI:
        return LedgerAPI(self.api_url, self.key().account if signed else None)

    def bid_api(self, tender: Tender) -> tuple[LedgerAPI, LocalAccount, FirmLink]:
        """The API as the firm's per-tender bid key (`ledger.crypto.bid_keys`), with the firm link to
        seal inside the bid: nothing the firm does in this tender before opening names the firm."""
        key, link = bid_identity(self.key().account, chain_id=tender.chain_id, book_address=tender.book,
                                 tender_id=bytes(HexBytes(tender.id)))
        return LedgerAPI(self.api_url, key), key, link

    def receipt_path(self, tender_id: str, section: int) -> Path:
        # Next to the keystore: the receipts belong to this key, and hold the salt `show` needs.
        return self.keystore.parent / f"{self.keystore.stem}-bids" / f"{tender_id}-{section}.json"


def _password(prompt: str, *, confirm: bool = False) -> str:
    if ENV_PASSWORD in os.environ:
        return os.environ[ENV_PASSWORD]
    if not sys.stdin.isatty():
        raise Failure(f"no password: set {ENV_PASSWORD} or run in a terminal to be asked", EXIT_CONFIG)
    password = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat the password: ") != password:
        raise Failure("the two passwords differ", EXIT_USAGE)
    return password


def _scrypt_n() -> int:
    raw = os.environ.get(ENV_SCRYPT_N)
    if raw is None:
        return keystore.DEFAULT_SCRYPT_N
    try:
        return int(raw)
    except ValueError:
        raise Failure(f"{ENV_SCRYPT_N} must be an integer", EXIT_USAGE) from None


# ---------------------------------------------------------------------- key


def cmd_key_create(s: Session, args: argparse.Namespace) -> int:
    password = _password("New keystore password (8+ characters): ", confirm=True)
    address = keystore.create_keystore(s.keystore, password, args.uscc, args.name, scrypt_n=_scrypt_n())
    _after_new_key(s, address)
    return EXIT_OK


def cmd_key_import(s: Session, args: argparse.Namespace) -> int:
    if sys.stdin.isatty():
        private_key = getpass.getpass("Private key (64 hex digits, not echoed): ")
    else:
        private_key = sys.stdin.readline()
    password = _password("New keystore password (8+ characters): ", confirm=True)
    address = keystore.import_keystore(s.keystore, private_key, password, args.uscc, args.name,
                                       scrypt_n=_scrypt_n())
    _after_new_key(s, address)
    return EXIT_OK


def _after_new_key(s: Session, address: str) -> None:
    print(f"Keystore written to {s.keystore}")
    print(f"  address  {address}")
    print("Keep the file and its password safe: whoever holds both can bid for the firm.")
    print(f"Next: ask your identity issuer to anchor the firm's identity credential (营业执照) with "
          f"signing_address {address}; `tender-bidder key show` tells you when the ledger has it.")


def cmd_key_show(s: Session, args: argparse.Namespace) -> int:
    key = s.key()
    print(f"keystore  {s.keystore}")
    print(f"address   {key.address}")
    print(f"firm      {key.name} ({key.uscc})")
    print(f"created   {key.created.isoformat()}")
    api = s.api(signed=False)
    identities = [c for c in api.firm_credentials(key.uscc) if c.get("kind") == Kind.IDENTITY]
    valid = [c for c in identities if c.get("status") == "VALID"]
    how = ("ask your identity issuer to anchor an identity credential (营业执照) for "
           f"{key.uscc} whose signing_address is {key.address}; until then the ledger refuses this key's bids.")
    if args.identity:
        return _show_identity_file(api, key, Path(args.identity), valid, how)
    named = [c for c in valid if "signing_address" in c]
    if named:
        bound = [c for c in named if str(c["signing_address"]).lower() == key.address.lower()]
        if bound:
            print(f"identity  bound: credential {bound[0]['credential_id']} (issuer {bound[0]['issuer']}) "
                  f"binds this key to {key.uscc}, VALID now")
        else:
            print(f"identity  NOT bound: the firm's valid identity credentials name other keys; {how}")
        return EXIT_OK
    if not valid:
        others = ", ".join(f"{c['credential_id'][:12]}… {c['status']}" for c in identities)
        print(f"identity  NOT bound: the ledger holds no valid identity credential for {key.uscc}"
              + (f" ({others})" if others else "") + f"; {how}")
        return EXIT_OK
    print(f"identity  the ledger holds {len(valid)} valid identity credential(s) for {key.uscc}, but its API "
          "does not say which key they bind. To check, pass the credential your issuer gave you: "
          "`tender-bidder key show --identity FILE`.")
    return EXIT_OK


def _show_identity_file(api: LedgerAPI, key: keystore.FirmKey, path: Path, valid: list[dict[str, Any]],
                        how: str) -> int:
    try:
        sealed = SealedCredential.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise Failure(f"cannot read {path}: {exc.strerror}", EXIT_USAGE) from None
    except (ValueError, DocumentError) as exc:
        raise Failure(f"{path} is not a sealed credential: {exc}", EXIT_USAGE) from None
    document = sealed.document
    cid = "0x" + sealed.credential_id().hex()
    problems = []
    if document.kind != Kind.IDENTITY:
        problems.append(f"it is a {Kind(document.kind).name} credential, not an identity credential")
    else:
        if str(document.subject) != key.uscc:
            problems.append(f"it names the firm {document.subject}, not {key.uscc}")
        if str(getattr(document, "signing_address", "")).lower() != key.address.lower():
            problems.append(f"it binds the key {getattr(document, 'signing_address', None)}, not {key.address}")
    report = api.verify(sealed.to_dict(), expected_subject=key.uscc)
    if not report.get("ok"):
        failed = [f"{c['name']}: {c['reason']}" for c in report.get("checks", [])
                  if c.get("status") not in ("VALID", "NOT_CHECKED")]
        problems.append("the ledger does not verify it (" + "; ".join(failed) + ")")
    elif cid.lower() not in {c["credential_id"].lower() for c in valid}:
        problems.append("the ledger does not list it among the firm's valid credentials")
    if problems:
        print(f"identity  NOT bound by {path.name} ({cid}): " + "; ".join(problems) + f". {how}")
    else:
        print(f"identity  bound: credential {cid} binds this key to {key.uscc} and verifies on the ledger now")
    return EXIT_OK


# ---------------------------------------------------------------------- credentials


def _unix(iso: str) -> int:
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        raise Failure(f"--at {iso!r} is not an ISO 8601 time such as 2026-05-01T09:00:00+08:00", EXIT_USAGE) from None
    if when.tzinfo is None:
        raise Failure(f"--at {iso!r} needs a UTC offset, e.g. 2026-05-01T09:00:00+08:00", EXIT_USAGE)
    return int(when.timestamp())


def _kind(value: Any) -> str:
    try:
        kind = Kind(int(value))
    except (ValueError, TypeError):
        return str(value)
    return f"{kind.name} {KIND_LABEL.get(kind, '')}".strip()


def _short(address: str) -> str:
    return f"{address[:8]}…{address[-4:]}" if len(address) > 14 else address


def _width(text: str) -> int:
    # A Chinese character takes two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(v) + " " * (w - _width(str(v))) for v, w in zip(row, widths, strict=True)).rstrip()
             for row in [header, *rows]]
    return "\n".join(lines)


def cmd_credentials(s: Session, args: argparse.Namespace) -> int:
    if args.uscc:
        try:
            uscc = validate_uscc(args.uscc)
        except InvalidUSCC as exc:
            raise Failure(f"--uscc: {exc}", EXIT_USAGE) from None
    else:
        uscc = s.key().uscc
    at = _unix(args.at) if args.at else None
    credentials = LedgerAPI(s.api_url).firm_credentials(uscc, at=at)
    if args.json:
        print(json.dumps(credentials, ensure_ascii=False, indent=2))
        return EXIT_OK
    when = f"at {args.at}" if args.at else "now"
    if not credentials:
        print(f"The ledger holds no credentials for {uscc}.")
        return EXIT_OK
    rows = [(c["credential_id"], _kind(c["kind"]), _short(c["issuer"]), c["status"], c["anchored_at"][:10])
            for c in credentials]
    print(f"Credentials of {uscc} ({len(credentials)}, status {when}):")
    print(_table(rows, ("credential id", "kind", "issuer", "status", "anchored")))
    return EXIT_OK


# ---------------------------------------------------------------------- tender and section


class Tender:
    """A published tender as the API serves it, checked for consistency before we seal to it."""

    def __init__(self, api: LedgerAPI, reference: str) -> None:
        self.id = reference.lower() if _TENDER_ID.fullmatch(reference) else "0x" + tender_id_of(reference).hex()
        try:
            view = api.tender(self.id)
        except APIError as exc:
            if exc.status == 404:
                named = reference if reference.lower() == self.id else f"{reference} (id {self.id})"
                raise Failure(f"the ledger has no tender {named}") from None
            raise
        try:
            self.params = TenderParams.model_validate(view["params"])
        except ValidationError as exc:
            raise Failure(f"the tender's published parameters do not validate: {exc.errors()[0]['msg']}") from None
        chain = api.chain()
        problems = []
        if "0x" + self.params.tender_id().hex() != view["tender_id"].lower():
            problems.append("its id is not the hash of its project code")
        # The chain may have postponed the deadline (an amendment less than 15 days before it),
        # never brought it forward.
        if int(view["deadline"]) < int(self.params.deadline.timestamp()):
            problems.append("its deadline is earlier than the one in its parameters")
        if "params_hash" in view and "0x" + self.params.params_hash().hex() != str(view["params_hash"]).lower():
            problems.append("its parameters do not hash to the parameters hash fixed on chain")
        if int(view["chain_id"]) != int(chain["chain_id"]):
            problems.append(f"it names chain {view['chain_id']}, the API serves chain {chain['chain_id']}")
        if str(view["tender_book"]).lower() != str(chain["contracts"].get("TenderBook", "")).lower():
            problems.append("it names another TenderBook contract than the API's")
        if problems:
            raise Failure(f"the API's record of tender {reference} is inconsistent: " + "; ".join(problems))
        self.view = view
        self.chain_id = int(view["chain_id"])
        self.book = str(view["tender_book"])
        self.deadline = int(view["deadline"])
        self.opening_public = bytes(HexBytes(view["opening_public_key"]))

    def section(self, value: str) -> int:
        """A section by index (0, 1, …) or by its code."""
        sections = self.params.sections
        if value.isdigit():
            index = int(value)
            if index >= len(sections):
                raise Failure(f"tender {self.params.project_code} has sections 0..{len(sections) - 1}", EXIT_USAGE)
            return index
        for index, section in enumerate(sections):
            if section.code == value:
                return index
        codes = ", ".join(f"{i} = {sec.code}" for i, sec in enumerate(sections))
        raise Failure(f"tender {self.params.project_code} has no section {value!r} ({codes})", EXIT_USAGE)

    def describe(self, section: int) -> str:
        sec = self.params.sections[section]
        return f"{self.params.project_code} section {section} ({sec.code} {sec.name})"


def _when(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).astimezone().isoformat(timespec="minutes")


# ---------------------------------------------------------------------- bid


def _select(credentials: list[dict[str, Any]], wanted: Sequence[str]) -> list[dict[str, Any]]:
    """Ticked ids (full, or a unique prefix of at least 8 hex digits) among the firm's credentials."""
    chosen: list[dict[str, Any]] = []
    unknown = []
    for raw in wanted:
        tick = raw.strip().lower()
        tick = tick if tick.startswith("0x") else "0x" + tick
        if not re.fullmatch(r"0x[0-9a-f]+", tick) or len(tick) - 2 < _MIN_TICK_DIGITS:
            raise Failure(f"--tick {raw!r}: give a credential id, or at least its first {_MIN_TICK_DIGITS} "
                          "hex digits", EXIT_USAGE)
        matches = [c for c in credentials if c["credential_id"].lower().startswith(tick)]
        if len(matches) > 1:
            raise Failure(f"--tick {raw!r} matches {len(matches)} of the firm's credentials: give more digits",
                          EXIT_USAGE)
        if not matches:
            unknown.append(raw)
        elif matches[0] in chosen:
            raise Failure(f"credential {matches[0]['credential_id']} is ticked twice", EXIT_USAGE)
        else:
            chosen.append(matches[0])
    if unknown:
        raise Failure("not credentials of this firm on the ledger: " + ", ".join(unknown)
                      + " (see `tender-bidder credentials`)")
    invalid = [c for c in chosen if c["status"] != "VALID"]
    if invalid:
        raise Failure("refusing to tick credentials that are not valid now: "
                      + ", ".join(f"{c['credential_id']} ({_kind(c['kind'])}) is {c['status']}" for c in invalid))
    return chosen


def _parse_selection(text: str, count: int) -> list[int]:
    """"1,3-5" → [0, 2, 3, 4]; "all" → every one."""
    text = text.strip()
    if text.lower() == "all":
        return list(range(count))
    picked: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = re.fullmatch(r"(\d+)\s*(?:-\s*(\d+))?", part)
        if match is None:
            raise Failure(f"cannot read {part!r}: answer with numbers and ranges, e.g. 1,3-5", EXIT_USAGE)
        first, last = int(match[1]), int(match[2] or match[1])
        if not 1 <= first <= last <= count:
            raise Failure(f"{part!r} is outside 1..{count}", EXIT_USAGE)
        picked.extend(i - 1 for i in range(first, last + 1) if i - 1 not in picked)
    if not picked:
        raise Failure("nothing ticked: a bid needs the credentials that qualify it", EXIT_USAGE)
    return picked


def _interactive(credentials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    valid = [c for c in credentials if c["status"] == "VALID"]
    if not valid:
        raise Failure("the firm has no valid credentials on the ledger to tick")
    print("The firm's valid credentials:")
    rows = [(str(n), c["credential_id"], _kind(c["kind"]), _short(c["issuer"])) for n, c in enumerate(valid, 1)]
    print(_table(rows, ("#", "credential id", "kind", "issuer")))
    print("Tick which (e.g. 1,3-5 or all): ", end="", flush=True)
    line = sys.stdin.readline()
    print()
    return [valid[i] for i in _parse_selection(line, len(valid))]


def _read_files(paths: Sequence[str]) -> dict[str, bytes]:
    files: dict[str, Path] = {}
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.is_file():
            raise Failure(f"--file {raw}: no such file", EXIT_USAGE)
        if path.name in files:
            raise Failure(f"two files are named {path.name!r}: a bid's files need distinct names", EXIT_USAGE)
        files[path.name] = path
    total = sum(p.stat().st_size for p in files.values())
    if total > MAX_FILE_BYTES:
        raise Failure(f"the bid's files total {total:,} bytes, over the limit of {MAX_FILE_BYTES:,} bytes "
                      f"({MAX_FILE_BYTES // (1024 * 1024)} MiB): compress or split the documents", EXIT_USAGE)
    return {name: path.read_bytes() for name, path in files.items()}


def _write_private(path: Path, data: dict[str, Any]) -> None:
    """Write JSON readable by the owner only, replacing any file at `path` all at once."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            json.dump(data, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _pending(path: Path) -> Path:
    return path.with_name(path.stem + ".pending.json")


def cmd_bid(s: Session, args: argparse.Namespace) -> int:
    files = _read_files(args.file)
    key = s.key()
    api = s.api()
    tender = Tender(api, args.tender)
    section = tender.section(args.section)
    sec = tender.params.sections[section]
    if datetime.now(UTC).timestamp() >= tender.deadline:
        raise Failure(f"the bid deadline of {tender.params.project_code} passed at {_when(tender.deadline)}")
    credentials = api.firm_credentials(key.uscc)
    _require_bound(key, credentials)
    ticked = _interactive(credentials) if args.interactive else _select(credentials, args.tick)
    salt = os.urandom(32)
    bidding, bid_key, link = s.bid_api(tender)
    try:
        package = BidPackage.create(
            price=args.price, files={name: BidFile.of(content) for name, content in files.items()},
            credential_ids=[c["credential_id"] for c in ticked], salt="0x" + salt.hex(), firm_link=link,
        )
    except ValidationFailed as exc:
        raise Failure(f"the bid is not acceptable: {exc}", EXIT_USAGE) from None
    sealed = seal_bid(
        chain_id=tender.chain_id, book_address=tender.book, tender_id=bytes(HexBytes(tender.id)),
        section=section, bidder=bid_key.address, opening_public=tender.opening_public, package=package,
    )
    try:
        live = bidding.my_bid(tender.id, section)
    except APIError as exc:
        if exc.status != 404:
            raise
        live = None
    if live is not None:
        print(f"You already have a live bid (version {live['version']}) in {tender.describe(section)}: "
              "this bid replaces it.")
    if sec.bid_guarantee > 0:
        _note_guarantee(bidding, tender.id, section, bid_key.address, sec)
    nonce = bidding.nonce(tender.id, bid_key.address)
    auth = sign_bid(bidder=bid_key, chain_id=tender.chain_id, book_address=tender.book,
                    sealed=sealed, nonce=nonce, expiry=tender.deadline)
    envelope_hash = "0x" + keccak(sealed.envelope).hex()
    receipt: dict[str, Any] = {
        "version": 1, "status": "pending", "tender_id": tender.id, "project_code": tender.params.project_code,
        "section": section, "section_code": sec.code, "bidder": bid_key.address, "firm_key": key.address,
        "firm": key.uscc,
        "chain_id": tender.chain_id, "tender_book": tender.book,
        "commitment": "0x" + sealed.commitment.hex(), "envelope_hash": envelope_hash,
        "envelope_size": len(sealed.envelope), "credential_salt": "0x" + salt.hex(),
        "credential_ids": [c["credential_id"] for c in ticked], "price": f"{package.price:.2f}",
        "files": {name: {"sha256": f.sha256, "size": len(f.content)} for name, f in package.files.items()},
        "nonce": nonce, "expiry": tender.deadline,
    }
    path = s.receipt_path(tender.id, section)
    # The salt must outlive a lost answer: written before the upload, promoted once accepted.
    _write_private(_pending(path), receipt)
    try:
        result = bidding.submit_bid(tender.id, section, envelope=sealed.envelope,
                                credential_set_commitment=sealed.credential_set_commitment,
                                commitment=sealed.commitment, nonce=nonce, expiry=tender.deadline,
                                signature=auth["signature"])
    except APIUnreachable:
        print(f"The API did not answer: the bid may or may not have landed. Its receipt is kept in "
              f"{_pending(path)}; `tender-bidder show` tells which.", file=sys.stderr)
        raise
    except APIError:
        _pending(path).unlink(missing_ok=True)
        raise
    receipt |= {"status": "submitted", "tx_hash": result["tx_hash"], "block_number": result["block_number"],
                "submitted_at": datetime.now(UTC).isoformat(timespec="seconds")}
    _write_private(path, receipt)
    _pending(path).unlink(missing_ok=True)
    verb = "Replaced your bid in" if live is not None else "Bid submitted for"
    print(f"{verb} {tender.describe(section)}")
    print(f"  price        {package.price:,.2f} 元")
    print(f"  files        {', '.join(package.files) or '(none)'}")
    print(f"  credentials  {len(ticked)} ticked: " + ", ".join(c["credential_id"][:12] + "…" for c in ticked))
    print(f"  bid key      {bid_key.address} (this tender's own key: who bid stays sealed until opening)")
    print(f"  commitment   {receipt['commitment']}")
    print(f"  envelope     {envelope_hash} ({len(sealed.envelope):,} bytes)")
    print(f"  tx           {result['tx_hash']} (block {result['block_number']})")
    print(f"  deadline     {_when(tender.deadline)}")
    print(f"  receipt      {path}  (keep it: `show` needs its salt to re-verify the bid)")
    return EXIT_OK


# ---------------------------------------------------------------------- withdraw, show, results


def _require_bound(key: keystore.FirmKey, credentials: list[dict[str, Any]]) -> None:
    """Refuse to seal a bid the opening would judge as no firm's: the ledger lists the firm's valid
    identity credentials with the keys they bind, and none binds this key."""
    named = [c for c in credentials if c.get("kind") == Kind.IDENTITY and c.get("status") == "VALID"
             and "signing_address" in c]
    if named and not any(str(c["signing_address"]).lower() == key.address.lower() for c in named):
        raise Failure(f"this key ({key.address}) is not {key.uscc}'s: the firm's valid identity credential "
                      f"(营业执照) names {named[0]['signing_address']}, so at opening the bid would be judged as no "
                      "firm's. Use the key it names, or ask the issuer for an identity credential naming this one")


def _note_guarantee(api: LedgerAPI, tender_id: str, section: int, bidder: str, sec: Any) -> None:
    """Say what backs the bid when the section asks for a bid guarantee (电子保函)."""
    try:
        backing = api.get(f"/tenders/{tender_id}/sections/{section}/guarantees/bids/{bidder}", signed=True)
    except APIError as exc:
        if exc.status != 404:
            raise
        letter = " or register a credit commitment letter (信用承诺书)" if sec.credit_commitment_allowed else ""
        print(f"warning: the section asks for a bid guarantee of {sec.bid_guarantee} 元 and none is bound to "
              f"this bid yet: bind an issued e-guarantee before the deadline{letter} (docs/guarantees.md), "
              "or the bid will be ineligible.", file=sys.stderr)
        return
    if backing["kind"] == "guarantee":
        g = backing["guarantee"]
        print(f"Backed by e-guarantee {g.get('guarantee_id', '')} ({g.get('state', '')}).")
    else:
        print(f"Backed by a credit commitment letter {backing['letter_hash']}.")


def cmd_withdraw(s: Session, args: argparse.Namespace) -> int:
    api = s.api()
    tender = Tender(api, args.tender)
    section = tender.section(args.section)
    bidding, _, _ = s.bid_api(tender)
    # Signed like a bid, by the tender's bid key, and relayed by the service: no funds needed.
    result = bidding.withdraw_signed(tender.id, section)
    path = s.receipt_path(tender.id, section)
    if path.exists():
        receipt = json.loads(path.read_text(encoding="utf-8"))
        receipt |= {"status": "withdrawn", "withdraw_tx_hash": result["tx_hash"]}
        _write_private(path, receipt)
    print(f"Withdrawn: your bid in {tender.describe(section)} (tx {result['tx_hash']}, "
          f"block {result['block_number']}). You may bid again until {_when(tender.deadline)}.")
    return EXIT_OK


def _load_receipt(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise Failure(f"cannot read the receipt {path}: {exc}") from None
    return data if isinstance(data, dict) else None


def _recompute(receipt: dict[str, Any]) -> bytes:
    """The bid commitment as the receipt's own values give it."""
    return bid_commitment(
        chain_id=int(receipt["chain_id"]), contract=receipt["tender_book"],
        tender_id=bytes(HexBytes(receipt["tender_id"])), section=int(receipt["section"]),
        bidder=receipt["bidder"], ciphertext_hash=bytes(HexBytes(receipt["envelope_hash"])),
        credential_set_commitment=credential_set_commitment(
            bytes(HexBytes(receipt["credential_salt"])), [bytes(HexBytes(c)) for c in receipt["credential_ids"]]),
    )


def cmd_show(s: Session, args: argparse.Namespace) -> int:
    key = s.key()
    api = s.api()
    tender = Tender(api, args.tender)
    section = tender.section(args.section)
    bidding, bid_account, _ = s.bid_api(tender)
    bid_key = bid_account.address
    path = s.receipt_path(tender.id, section)
    receipt, pending = _load_receipt(path), _load_receipt(_pending(path))
    try:
        mine = bidding.my_bid(tender.id, section)
    except APIError as exc:
        if exc.status == 404 and receipt and receipt.get("status") == "withdrawn":
            raise Failure(f"{exc.message}: your receipt records its withdrawal "
                          f"(tx {receipt.get('withdraw_tx_hash')})") from None
        raise
    on_chain = str(mine["commitment"]).lower()
    if pending and str(pending.get("commitment", "")).lower() == on_chain:
        pending |= {"status": "submitted"}
        _write_private(path, pending)
        _pending(path).unlink(missing_ok=True)
        print(f"The bid whose answer was lost did land; its receipt is now {path}.")
        receipt = pending
    if receipt is None:
        raise Failure(f"no receipt at {path}: without its salt this bid cannot be re-verified here "
                      "(was it made from another machine or keystore?)")
    envelope = bytes(HexBytes(mine["envelope"]))
    stored_hash = "0x" + keccak(envelope).hex()
    state = "opened" if mine["opened"] else "sealed, not opened"
    print(f"Your bid in {tender.describe(section)}: version {mine['version']}, {state}, "
          f"uploaded {mine['uploaded_at'][:19]}")
    differences: list[str] = []
    if str(receipt.get("bidder", "")).lower() != bid_key.lower():
        differences.append(f"the receipt is for bid key {receipt.get('bidder')}, this firm key's bid key in this "
                           f"tender is {bid_key}")
    for name, live in (("tender_id", tender.id), ("section", section), ("chain_id", tender.chain_id),
                       ("tender_book", tender.book)):
        if str(receipt.get(name, "")).lower() != str(live).lower():
            differences.append(f"the receipt's {name} is {receipt.get(name)}, the tender's is {live}")
    saved_hash = str(receipt.get("envelope_hash", "")).lower()
    if stored_hash != saved_hash:
        differences.append(f"the stored envelope hashes to {stored_hash}, your receipt says {saved_hash}")
    else:
        print(f"  OK    the stored envelope ({len(envelope):,} bytes) hashes to {stored_hash}, as in your receipt")
    if str(mine.get("envelope_hash", "")).lower() != stored_hash:
        differences.append(f"the service records the envelope hash {mine.get('envelope_hash')}, "
                           f"but the envelope it serves hashes to {stored_hash}")
    try:
        recomputed = "0x" + _recompute(receipt).hex()
    except (KeyError, TypeError, ValueError, LedgerError) as exc:
        differences.append(f"the receipt cannot be used to recompute the commitment: {exc}")
        recomputed = None
    if recomputed is not None:
        if recomputed != on_chain:
            differences.append(f"the on-chain commitment is {on_chain}, the one recomputed from your receipt "
                               f"(envelope hash, salt and {len(receipt['credential_ids'])} ticked credentials) "
                               f"is {recomputed}")
        else:
            print(f"  OK    the on-chain commitment {on_chain} equals the one recomputed from your receipt "
                  f"({len(receipt['credential_ids'])} credentials, price {receipt.get('price')} 元 sealed inside)")
        if str(receipt.get("commitment", "")).lower() != recomputed:
            differences.append(f"the receipt's own commitment {receipt.get('commitment')} does not follow from "
                               "its contents: the receipt was altered")
    if not differences:
        _report_ticked(api, key.uscc, receipt.get("credential_ids", []))
        print("OK: the bid on the ledger is the one you sealed.")
        return EXIT_OK
    for line in differences:
        print(f"  DIFF  {line}")
    raise Failure(f"the bid on the ledger does not match your receipt {path} ({len(differences)} difference(s))")


def _report_ticked(api: LedgerAPI, uscc: str, ids: list[str]) -> None:
    status = {c["credential_id"].lower(): c for c in api.firm_credentials(uscc)}
    for cid in ids:
        c = status.get(cid.lower())
        if c is None:
            print(f"  WARN  ticked credential {cid} is no longer listed for {uscc}")
        elif c["status"] != "VALID":
            print(f"  WARN  ticked credential {cid} ({_kind(c['kind'])}) is {c['status']} now")


def cmd_results(s: Session, args: argparse.Namespace) -> int:
    api = s.api()
    tender = Tender(api, args.tender)
    section = tender.section(args.section)
    bidding, bid_account, _ = s.bid_api(tender)
    me = bid_account.address.lower()
    result = bidding.results(tender.id, section)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return EXIT_OK
    scope = "published" if result["public"] else "not yet published: only your own entry is shown"
    print(f"Results of {tender.describe(section)}: section {result['status']}, {scope}")
    bids = result["bids"]
    if not bids and result["status"] == "FAILED":
        print("  流标: the section failed at opening, with fewer live bids than it needs; no bid was opened and "
              "every bid stays sealed")
        return EXIT_OK
    if not bids:
        print("  no opened bids to show yet" + ("" if result["status"] != "PENDING" else
                                                 f" (bids are opened after the deadline, {_when(tender.deadline)})"))
        return EXIT_OK
    rows = []
    for b in bids:
        firm = (b.get("eligibility") or {}).get("firm")
        who = (firm or b["bidder"]) + (" (you)" if b["bidder"].lower() == me else "")
        rows.append((who, b["outcome"], "yes" if b["eligible"] else "no",
                     b["price"] or "-", str(len(b["credential_ids"])), b["reason"]))
    print(_table(rows, ("bidder", "outcome", "eligible", "price 元", "credentials", "reason")))
    for b in bids:
        if b["bidder"].lower() == me:
            for check in b.get("eligibility", {}).get("checks", []):
                if check["status"] not in ("VALID", "NOT_CHECKED"):
                    print(f"  your bid: {check['name']} {check['status']}: {check['reason']}")
    return EXIT_OK


# ---------------------------------------------------------------------- entry point


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tender-bidder",
        description="The bidder's client: the firm's key, its credentials on the ledger, sealed bids.",
        epilog=f"The keystore password comes from {ENV_PASSWORD} or a prompt, never from the command line.",
    )
    parser.add_argument("--api", default=os.environ.get(ENV_API, DEFAULT_API),
                        help=f"tender-ledger API URL (env {ENV_API}; default {DEFAULT_API})")
    parser.add_argument("--keystore", default=os.environ.get(ENV_KEYSTORE, DEFAULT_KEYSTORE),
                        help=f"the firm's keystore file (env {ENV_KEYSTORE}; default ./{DEFAULT_KEYSTORE})")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an unexpected error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    key = commands.add_parser("key", help="create, import or show the firm's key")
    key_commands = key.add_subparsers(dest="key_command", required=True, metavar="ACTION")
    for name, handler, text in (("create", cmd_key_create, "generate a new key into a new keystore"),
                                ("import", cmd_key_import, "import a private key (read from stdin or a prompt)")):
        p = key_commands.add_parser(name, help=text)
        p.add_argument("--uscc", required=True, help="the firm's unified social credit code (统一社会信用代码)")
        p.add_argument("--name", required=True, help="the firm's registered name")
        p.set_defaults(handler=handler)
    p = key_commands.add_parser("show", help="the key's address and firm, and whether the ledger binds them")
    p.add_argument("--identity", metavar="FILE", help="the sealed identity credential the issuer gave the firm")
    p.set_defaults(handler=cmd_key_show)

    p = commands.add_parser("credentials", help="list the firm's credentials on the ledger")
    p.add_argument("--at", metavar="ISO", help="status at this instant, e.g. 2026-05-01T09:00:00+08:00")
    p.add_argument("--uscc", help="another firm's USCC (no keystore needed)")
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    p.set_defaults(handler=cmd_credentials)

    p = commands.add_parser("bid", help="seal, sign and submit (or replace) a bid for a section")
    p.add_argument("tender", metavar="TENDER", help="tender id (0x…) or project code")
    p.add_argument("--section", required=True, help="section index (0, 1, …) or section code")
    p.add_argument("--price", required=True, help="bid price in 元, e.g. 11500000.00")
    p.add_argument("--file", action="append", default=[], metavar="PATH", help="a bid document (repeatable)")
    ticks = p.add_mutually_exclusive_group(required=True)
    ticks.add_argument("--tick", nargs="+", metavar="ID", help="credential ids (or unique prefixes) to tick")
    ticks.add_argument("--interactive", action="store_true", help="choose from a numbered list read on stdin")
    p.set_defaults(handler=cmd_bid)

    for name, handler, text in (("withdraw", cmd_withdraw, "withdraw the firm's bid before the deadline"),
                                ("show", cmd_show, "fetch the firm's live bid and re-verify it locally"),
                                ("results", cmd_results, "opening and eligibility results")):
        p = commands.add_parser(name, help=text)
        p.add_argument("tender", metavar="TENDER", help="tender id (0x…) or project code")
        p.add_argument("--section", required=True, help="section index (0, 1, …) or section code")
        if name == "results":
            p.add_argument("--json", action="store_true", help="print the API's JSON")
        p.set_defaults(handler=handler)
    return parser


def _exit_code(exc: BaseException) -> tuple[int, str]:
    if isinstance(exc, Failure):
        return exc.code, str(exc)
    if isinstance(exc, APIUnreachable):
        return EXIT_CONFIG, exc.message
    if isinstance(exc, APIError):
        # 503: the service itself is misconfigured (its node or data directory), not our request.
        return (EXIT_CONFIG if exc.status == 503 else EXIT_REFUSED), exc.said(_when)
    if isinstance(exc, keystore.WrongPassword | keystore.KeystoreNotFound | keystore.CorruptKeystore):
        return EXIT_CONFIG, str(exc)
    if isinstance(exc, keystore.WeakPassword | keystore.InvalidFirm | keystore.InvalidPrivateKey):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, keystore.KeystoreExists):
        return EXIT_REFUSED, str(exc)
    if isinstance(exc, keystore.KeystoreError):
        return EXIT_CONFIG, str(exc)
    if isinstance(exc, LedgerError):
        return EXIT_REFUSED, str(exc)
    return EXIT_REFUSED, f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse already explained
        return int(exc.code or 0)
    try:
        return int(args.handler(Session(args), args))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place every failure becomes a message
        if args.debug:
            traceback.print_exc()
        code, message = _exit_code(exc)
        print(f"error: {message}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
