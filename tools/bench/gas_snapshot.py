"""The gas of every public function of CredentialRegistry, measured on a fresh embedded chain.

    .venv/bin/python -m tools.bench.gas_snapshot            # print the figures
    .venv/bin/python -m tools.bench.gas_snapshot --update   # write contracts/gas-snapshot.json

Writes are whole transactions (receipt gas, 21,000 base included); views are `eth_estimateGas` of
the call. Every figure is deterministic: fixed ids, fixed batches, a development clock.
`tests/contracts/test_gas_snapshot.py` fails when any figure rises above the committed snapshot.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from eth_account import Account

from ledger.chain.client import ChainClient
from ledger.chain.embedded import EmbeddedChain
from ledger.crypto.canonical import keccak
from ledger.crypto.merkle import MerkleTree, leaf_of, position_of

SNAPSHOT = Path(__file__).resolve().parents[2] / "contracts" / "gas-snapshot.json"
QUALIFICATION = 1


def measure() -> dict[str, int]:
    """name → gas of every public function of the registry, in one fixed scenario."""
    admin, issuer, other = (Account.from_key(keccak(f"gas snapshot {n}".encode())) for n in range(3))
    with tempfile.TemporaryDirectory(prefix="tl-gas-") as tmp:
        chain = EmbeddedChain.create(Path(tmp) / "c.sqlite", chain_id=1337,
                                     alloc={a.address: 10**24 for a in (admin, issuer, other)}, clock="development")
        client = ChainClient.for_embedded(chain)
        try:
            return _scenario(client, admin, issuer, other)
        finally:
            client.close()


def _scenario(client: ChainClient, admin: Any, issuer: Any, other: Any) -> dict[str, int]:
    reg, _ = client.deploy("CredentialRegistry", admin.address, sender=admin)
    fn = reg.functions
    gas: dict[str, int] = {}

    def send(name: str, call: Any, by: Any) -> None:
        gas[name] = int(client.send(by, call)["gasUsed"])
        client.increase_time(1)

    def view(name: str, call: Any) -> None:
        gas[name] = int(call.estimate_gas())

    ids = [keccak(f"credential {n}".encode()) for n in range(1000)]
    tree = MerkleTree.build(ids)
    proof = {i: tree.proof(i) for i in ids}
    pos = {i: position_of(i, proof[i]) for i in ids}
    single = keccak(b"a single credential")
    new_ids = [keccak(f"successor {n}".encode()) for n in range(1000)]
    newer = MerkleTree.build(new_ids)

    send("authoriseIssuer", fn.authoriseIssuer(issuer.address, QUALIFICATION), admin)
    send("withdrawIssuer", fn.withdrawIssuer(issuer.address, QUALIFICATION), admin)
    client.send(admin, fn.authoriseIssuer(issuer.address, QUALIFICATION))
    send("anchor_wU2 (one credential)", fn.anchor_wU2(leaf_of(single), QUALIFICATION), issuer)
    send("anchor_wU2 (batch of 1000)", fn.anchor_wU2(tree.root, QUALIFICATION), issuer)
    client.send(issuer, fn.anchor_wU2(newer.root, QUALIFICATION))
    send("revoke (proof of 10)", fn.revoke(tree.root, ids[0], proof[ids[0]], 1), issuer)
    send("revokeAt_Fni (1 position)", fn.revokeAt_Fni(tree.root, [pos[ids[1]]], 1), issuer)
    hundred = sorted(pos[i] for i in ids[100::9][:100])
    send("revokeAt_Fni (100 positions)", fn.revokeAt_Fni(tree.root, hundred, 1), issuer)
    send("suspend (first period)", fn.suspend(tree.root, ids[2], proof[ids[2]], 5), issuer)
    send("reinstate", fn.reinstate(tree.root, ids[2], proof[ids[2]]), issuer)
    send("suspend (later period)", fn.suspend(tree.root, ids[2], proof[ids[2]], 5), issuer)
    send("supersede", fn.supersede(tree.root, ids[3], proof[ids[3]], newer.root, new_ids[0],
                                   newer.proof(new_ids[0])), issuer)
    send("transferAdmin", fn.transferAdmin(other.address), admin)
    send("acceptAdmin", fn.acceptAdmin(), other)
    end = 2**64 - 1
    view("statusAt (proof of 10)", fn.statusAt(tree.root, ids[2], proof[ids[2]], end))
    view("statusesIn (20 members)", fn.statusesIn(tree.root, [(i, proof[i]) for i in ids[4:24]], end))
    view("anchorOf", fn.anchorOf(tree.root))
    view("revocationAt", fn.revocationAt(tree.root, pos[ids[1]]))
    view("positionOf", fn.positionOf(ids[5], proof[ids[5]]))
    view("successorOf", fn.successorOf(tree.root, ids[3]))
    view("suspensionsOf", fn.suspensionsOf(tree.root, ids[2]))
    view("isAuthorised", fn.isAuthorised(issuer.address, QUALIFICATION))
    view("issuerKinds", fn.issuerKinds(issuer.address))
    view("leafOf", fn.leafOf(ids[0]))
    view("verifyMembership", fn.verifyMembership(tree.root, ids[6], proof[ids[6]]))
    view("fieldHash", fn.fieldHash(ids[0], "APT_NAME", b'"x"'))
    view("credentialIdOf", fn.credentialIdOf(ids[:8]))
    view("admin", fn.admin())
    view("pendingAdmin", fn.pendingAdmin())
    view("MAX_SUSPENSIONS", fn.MAX_SUSPENSIONS())
    return {"CredentialRegistry": dict(sorted(gas.items()))}  # type: ignore[dict-item]


def dumps(figures: dict[str, Any]) -> str:
    return json.dumps(figures, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help=f"write {SNAPSHOT.name}")
    args = parser.parse_args(argv)
    figures = measure()
    if args.update:
        SNAPSHOT.write_text(dumps(figures))
        print(f"wrote {SNAPSHOT}")
    else:
        sys.stdout.write(dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
