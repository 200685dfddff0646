"""`tender-ledger revoke`: an issuer revokes, for good and in one transaction, many credentials of
one of its batches (revocation by leaf position, `revokeAt_Fni`).

The ids come from a file (one 0x credential id a line; blank lines and `#` comments are skipped)
and/or the command line. Each must be a credential of the store, all of one batch the key anchored;
the service finds each one's leaf position from its proof, prepares the transaction, the issuer's
own key signs it here and it is relayed through `CredentialService.relay_bulk_revoke`, as the HTTP
API does (`POST /credentials/prepare-revocation`, then `POST /credentials/revocations`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from api.db.credentials import SqlCredentialFiles
from api.db.journal import Store
from api.views import credentials as views
from ledger.config import Settings
from ledger.errors import LedgerError
from ledger.runtime import open_runtime
from ledger.service.credentials import CredentialService, revocation_reason
from ledger.values import word
from tools.importer import UsageProblem, _sign, load_key


def read_ids(path: Path | None, given: list[str]) -> list[bytes]:
    """The credential ids of the file (one a line, `#` comments and blank lines skipped) then of
    the command line; UsageProblem names the first that is not a 32-byte 0x-hex id."""
    lines: list[tuple[str, str]] = []
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageProblem(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
        for n, line in enumerate(text.splitlines(), 1):
            value = line.split("#", 1)[0].strip()
            if value:
                lines.append((f"{path}:{n}", value))
    lines += [(f"argument {i + 1}", value) for i, value in enumerate(given)]
    if not lines:
        raise UsageProblem("no credential ids: give --file IDS.txt or the ids as arguments")
    ids = []
    for where, value in lines:
        try:
            ids.append(word(value, "a credential id"))
        except LedgerError as exc:
            raise UsageProblem(f"{where}: {exc}") from None
    return ids


def revoke_ids(ids: list[bytes], *, reason: Any, issuer: Any, settings: Settings | None = None) -> dict[str, Any]:
    """Prepare, sign with `issuer`'s key and relay the bulk revocation; the result as the API shows it."""
    with open_runtime(settings or Settings()) as rt:
        store = Store(rt)
        store.reconcile()
        service = CredentialService(rt.registry, SqlCredentialFiles(store))
        prepared = service.prepare_bulk_revoke(issuer.address, ids, reason)
        done = service.relay_bulk_revoke(signer=issuer.address, credential_ids=list(prepared.credential_ids),
                                         reason=prepared.reason, signed_tx=_sign(issuer, prepared.tx))
        return views.bulk_revocation(done)


def main(args: Any) -> int:
    """The `revoke` subcommand."""
    try:
        issuer = load_key(Path(args.issuer_key))
        ids = read_ids(Path(args.file) if args.file else None, list(args.ids))
        try:
            reason = revocation_reason(int(args.reason) if args.reason.strip().isdigit() else args.reason)
        except LedgerError as exc:
            raise UsageProblem(str(exc)) from None
    except UsageProblem as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = revoke_ids(ids, reason=reason, issuer=issuer)  # a refusal is one error line, exit 1
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        print(f"revoked {len(result['credential_ids'])} credential(s) of batch {result['root']} "
              f"({result['reason_name']}) at {result['revoked_at']}\n"
              f"  block {result['block_number']}, tx {result['tx_hash']}")
    return 0
