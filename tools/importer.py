"""`tender-ledger anchor`: anchor a batch of credentials read from a JSON or CSV file.

Every row is validated first; one bad row rejects the whole file and nothing is anchored. The
batch is sealed with fresh random salts, the anchor transaction is signed with the issuer's own
key and relayed through `CredentialService.relay_anchor` (as the HTTP API does), and the holder
copies (documents with their salts, proofs and root) are written to a JSON file next to the input.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from pydantic import ValidationError

from api.db.credentials import SqlCredentialFiles
from api.db.journal import Store
from api.views import credentials as views
from ledger.model.receipt import UnsignedTx
from ledger.crypto.canonical import canonical_json
from ledger.config import Settings
from ledger.documents import Document, DocumentError, Kind, SealedCredential, parse_document
from ledger.errors import ContractRevert, LedgerError, Unauthorised, ValidationFailed
from ledger.crypto.merkle import MerkleTree
from ledger.rules.anchoring import MAX_BATCH
from ledger.runtime import open_runtime
from ledger.service.credentials import CredentialService

MAX_SHOWN = 20  # row problems listed in one message


class ImportRejected(ValidationFailed):
    """The file has rows that are not valid documents; nothing was anchored."""

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = "\n  ".join(self.problems[:MAX_SHOWN])
        more = len(self.problems) - MAX_SHOWN
        tail = f"\n  … and {more} more" if more > 0 else ""
        super().__init__(
            f"{path}: {len(self.problems)} problem(s), nothing was anchored:\n  {shown}{tail}"
        )


class UsageProblem(ValueError):
    """An argument names something unusable (unknown kind, unreadable file or key)."""


@dataclass(frozen=True)
class Row:
    """One input record: where it came from (for messages) and its fields."""

    where: str
    fields: dict[str, Any]


def parse_kind(text: str) -> Kind:
    """A kind from its name (any case, '-' or '_') or number: 'qualification', 'CREDIT', '1'."""
    value = text.strip()
    if value.isdigit():
        try:
            return Kind(int(value))
        except ValueError:
            pass
    else:
        name = value.upper().replace("-", "_")
        if name in Kind.__members__:
            return Kind[name]
    known = ", ".join(k.name.lower() for k in Kind)
    raise UsageProblem(f"unknown kind {text!r}; use one of {known} (or its number)")


def load_key(path: Path) -> LocalAccount:
    """The issuer's account from a file holding its private key as hex."""
    try:
        text = path.read_text().strip()
    except OSError as exc:
        raise UsageProblem(f"cannot read the issuer key {path}: {exc.strerror or exc}") from None
    try:
        account: LocalAccount = Account.from_key(text if text.startswith("0x") else "0x" + text)
        return account
    except (ValueError, TypeError):
        raise UsageProblem(f"{path} does not hold a private key (64 hex digits)") from None


def read_rows(path: Path) -> list[Row]:
    """Rows of a .json file (a list of documents) or a .csv file (a header of field names)."""
    suffix = path.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise UsageProblem(f"{path}: expected a .json or .csv file")
    try:
        text = path.read_text(encoding="utf-8-sig")  # spreadsheet exports often start with a BOM
    except UnicodeDecodeError as exc:
        raise ImportRejected(
            path, [f"the file is not UTF-8 text: {exc.reason} at byte {exc.start}"]
        ) from None
    except OSError as exc:
        raise UsageProblem(f"cannot read {path}: {exc.strerror or exc}") from None
    return _json_rows(path, text) if suffix == ".json" else _csv_rows(path, text)


def _json_rows(path: Path, text: str) -> list[Row]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRejected(
            path, [f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"]
        ) from None
    if isinstance(data, dict) and isinstance(data.get("documents"), list):
        data = data["documents"]
    if not isinstance(data, list):
        raise ImportRejected(
            path, [f"expected a JSON list of documents, got a {type(data).__name__}"]
        )
    rows, problems = [], []
    for index, item in enumerate(data):
        if isinstance(item, dict):
            rows.append(Row(f"document {index}", item))
        else:
            problems.append(f"document {index}: expected a JSON object, got {type(item).__name__}")
    if problems:
        raise ImportRejected(path, problems)
    return rows


def _csv_rows(path: Path, text: str) -> list[Row]:
    reader = csv.reader(text.splitlines())
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return []
    except csv.Error as exc:
        raise ImportRejected(path, [f"line 1: {exc}"]) from None
    problems = []
    repeated = sorted({n for n in header if header.count(n) > 1})
    if repeated:
        problems.append(f"line 1: the header names {', '.join(repeated)} more than once")
    if "" in header:
        problems.append(f"line 1: column {header.index('') + 1} has no name")
    rows = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # blank line
            if len(cells) != len(header):
                problems.append(
                    f"line {line}: {len(cells)} cells, but the header has {len(header)}"
                )
                continue
            # An empty cell is an unset field, not an empty string.
            fields = {n: cell for n, cell in zip(header, cells, strict=True) if cell.strip() != ""}
            rows.append(Row(f"line {line}", fields))
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: {exc}")
    if problems:
        raise ImportRejected(path, problems)
    return rows


def build_documents(
    path: Path, rows: Sequence[Row], *, kind: Kind, issuer: str, issued_at: datetime
) -> list[Document]:
    """Validate every row into a document of `kind` by `issuer`; ImportRejected lists all problems.

    `kind` and `issuer` are filled in where a row leaves them out and must match where it
    names them; `issued_at` defaults to the time of the import.
    """
    if not rows:
        raise ImportRejected(path, ["the file holds no documents"])
    if len(rows) > MAX_BATCH:
        raise ImportRejected(
            path,
            [f"{len(rows):,} documents; one batch holds at most {MAX_BATCH:,}: split the file"],
        )
    documents: list[Document] = []
    problems: list[str] = []
    first_seen: dict[bytes, str] = {}
    for row in rows:
        fields = dict(row.fields)
        named_kind = fields.setdefault("kind", int(kind))
        if str(named_kind) not in (str(int(kind)), kind.name, kind.name.lower()):
            problems.append(
                f"{row.where}: kind is {named_kind!r}, but the batch is {kind.name.lower()}"
            )
            continue
        fields["kind"] = int(kind)
        named_issuer = fields.setdefault("issuer", issuer)
        if not isinstance(named_issuer, str) or named_issuer.lower() != issuer.lower():
            problems.append(
                f"{row.where}: issuer is {named_issuer}, but the key given is {issuer}'s: "
                "an issuer anchors only its own credentials"
            )
            continue
        fields.setdefault("issued_at", issued_at.isoformat())
        try:
            document = parse_document(fields)
        except ValidationError as exc:
            problems.extend(f"{row.where}: {_explain(error)}" for error in exc.errors())
            continue
        except (DocumentError, ValueError) as exc:
            problems.append(f"{row.where}: {exc}")
            continue
        content = canonical_json(document.to_json_dict())
        if content in first_seen:
            problems.append(
                f"{row.where}: repeats {first_seen[content]} (the same credential twice)"
            )
            continue
        first_seen[content] = row.where
        documents.append(document)
    if problems:
        raise ImportRejected(path, problems)
    return documents


def _explain(error: Any) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if not isinstance(part, int))
    message = str(error.get("msg", "invalid"))
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    value = error.get("input")
    shown = (
        f" (got {value!r})"
        if isinstance(value, str | int | float) and len(str(value)) <= 60
        else ""
    )
    if error.get("type") == "missing":
        shown = ""
    return f"{where}: {message}{shown}" if where else f"{message}{shown}"


def default_output(path: Path) -> Path:
    return path.with_name(path.stem + ".sealed.json")


def import_file(
    path: Path,
    *,
    kind: Kind,
    issuer: LocalAccount,
    out: Path | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Validate, seal, anchor (issuer-signed, relayed) and write the holder copies; the result."""
    issued_at = now or datetime.now(UTC)
    rows = read_rows(path)
    documents = build_documents(path, rows, kind=kind, issuer=issuer.address, issued_at=issued_at)
    out = out or default_output(path)
    if out.exists():
        raise ValidationFailed(
            f"{out} exists already (it may hold the salts of an earlier import): "
            "move it away or pass --out"
        )
    sealed = [SealedCredential.seal(document) for document in documents]
    ids = [s.credential_id() for s in sealed]
    root = MerkleTree.build(ids).root
    with open_runtime(settings or Settings()) as rt:
        store = Store(rt)
        store.reconcile()
        registry = rt.registry
        try:
            tx = registry.prepare_anchor(issuer.address, root, kind)
        except Unauthorised as exc:
            raise Unauthorised(
                exc.error,
                exc.args_,
                f"{issuer.address} may not anchor {kind.name.lower()} credentials ({exc}); the "
                "registry admin authorises issuers per kind",
            ) from None
        entries: list[dict[str, Any]] = [
            {"row": row.where, "credential_id": "0x" + cid.hex(), "sealed": s.to_dict()}
            for row, cid, s in zip(rows, ids, sealed, strict=True)
        ]
        holder: dict[str, Any] = {
            "status": "pending",
            "source": str(path),
            "chain_id": rt.client.chain_id,
            "registry": rt.addresses["CredentialRegistry"],
            "root": "0x" + root.hex(),
            "kind": kind.name,
            "issuer": issuer.address,
            "credentials": entries,
        }
        # The salts are written before the batch is relayed: a holder copy must never be lost.
        _write_private_json(out, holder)
        try:
            shown = views.anchored_batch(
                CredentialService(registry, SqlCredentialFiles(store)).relay_anchor(
                    signer=issuer.address, documents=sealed, signed_tx=_sign(issuer, tx)
                )
            )
        except BaseException:
            # Keep the salts if the root reached the chain (or that cannot be told); otherwise
            # nothing was anchored and nothing should be left behind.
            try:
                on_chain = registry.anchor_of(root) is not None
            except (LedgerError, OSError, ValueError):
                on_chain = True
            if not on_chain:
                out.unlink(missing_ok=True)
            raise
        receipt = rt.client.w3.eth.get_transaction_receipt(HexBytes(shown["tx_hash"]))
        proofs = {c["credential_id"]: c["proof"] for c in shown["credentials"]}
        holder.update(
            status="anchored",
            tx_hash=shown["tx_hash"],
            block_number=shown["block_number"],
            anchored_at=shown["anchored_at"],
            gas_used=int(receipt["gasUsed"]),
        )
        for entry in entries:
            entry["proof"] = proofs[entry["credential_id"]]
        _write_private_json(out, holder)
    return {
        "anchored": len(sealed),
        "kind": kind.name,
        "issuer": issuer.address,
        "root": holder["root"],
        "tx_hash": shown["tx_hash"],
        "block_number": shown["block_number"],
        "gas_used": holder["gas_used"],
        "output": str(out),
    }


def _sign(account: LocalAccount, tx: UnsignedTx) -> str:
    return "0x" + bytes(account.sign_transaction(tx.for_signing()).raw_transaction).hex()


def _write_private_json(path: Path, value: Any) -> None:
    """Write atomically, readable by the owner only (the file holds the field salts)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main(args: Any) -> int:
    """The `anchor` subcommand."""
    try:
        kind = parse_kind(args.kind)
        issuer = load_key(Path(args.issuer_key))
        path = Path(args.file)
        if not path.is_file():
            raise UsageProblem(f"{path} is not a file")
        result = import_file(
            path, kind=kind, issuer=issuer, out=Path(args.out) if args.out else None
        )
    except UsageProblem as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ContractRevert as exc:
        print(f"error: the registry refused the batch: {exc}", file=sys.stderr)
        return 1
    except LedgerError:
        raise  # the CLI prints it: 1 for a refused operation, 3 for configuration
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        print(
            f"anchored {result['anchored']} {result['kind'].lower()} credential(s) under root "
            f"{result['root']}\n  block {result['block_number']}, tx {result['tx_hash']}, "
            f"{result['gas_used']:,} gas\n  holder copies (with salts and proofs): {result['output']}"
        )
    return 0
