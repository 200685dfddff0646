"""A writer process for crash tests: anchors random roots and prints ACK <root> after each success."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")

from ledger.config import Settings  # noqa: E402
from ledger.runtime import open_runtime  # noqa: E402


def main() -> None:
    data_dir = Path(sys.argv[1])
    rt = open_runtime(Settings(data_dir=data_dir))
    reg = rt.client.contract("CredentialRegistry", rt.addresses["CredentialRegistry"])
    if not rt.client.call(reg.functions.isAuthorised(rt.centre.address, 1)):
        rt.govern(rt.registry, "authoriseIssuer", rt.centre.address, 1)
    print("READY", flush=True)
    while True:
        root = os.urandom(32)
        rt.client.send(rt.centre, reg.functions.anchor_wU2(root, 1))
        print("ACK", root.hex(), flush=True)


if __name__ == "__main__":
    main()
