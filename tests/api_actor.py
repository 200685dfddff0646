"""A party using the HTTP API the way a real client would: its own key signs its transactions
(prepared by the service, checked by the party) and every write request (EIP-712 headers)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from ledger.crypto.requests import sign_request


@dataclass
class Actor:
    http: TestClient
    account: LocalAccount
    chain_id: int
    registry: str

    @classmethod
    def of(cls, http: TestClient, account: LocalAccount) -> Actor:
        chain = http.get("/chain").json()
        return cls(http, account, chain["chain_id"], chain["contracts"]["CredentialRegistry"])

    def headers(self, method: str, path: str, body: bytes, **kw: Any) -> dict[str, str]:
        return sign_request(
            self.account, chain_id=self.chain_id, contract=self.registry, method=method,
            path=path, body=body, **kw,
        )

    def post(self, path: str, payload: dict[str, Any], *, signed: bool = True, **kw: Any) -> Any:
        body = json.dumps(payload).encode()
        headers = {"content-type": "application/json"}
        if signed:
            headers |= self.headers("POST", path, body, **kw)
        return self.http.post(path, content=body, headers=headers)

    def sign_tx(self, tx: dict[str, Any]) -> str:
        tx = dict(tx)
        tx.pop("from", None)
        for k in ("to",):
            tx[k] = tx[k]
        if isinstance(tx.get("data"), str):
            tx["data"] = bytes.fromhex(tx["data"][2:])
        return "0x" + bytes(self.account.sign_transaction(tx).raw_transaction).hex()

    def prepare(self, function: str, *args: Any) -> str:
        r = self.http.post("/tx/prepare", json={"sender": self.account.address, "function": function, "args": list(args)})
        assert r.status_code == 200, r.text
        return self.sign_tx(r.json()["tx"])

    def prepare_on(self, contract: str, function: str, *args: Any) -> str:
        r = self.http.post("/tx/prepare", json={"sender": self.account.address, "contract": contract,
                                                "function": function, "args": list(args)})
        assert r.status_code == 200, r.text
        return self.sign_tx(r.json()["tx"])

    def anchor(self, sealed: list[Any]) -> Any:
        docs = [s.to_dict() for s in sealed]
        prep = self.http.post("/credentials/prepare-anchor", json={"documents": docs, "sender": self.account.address})
        assert prep.status_code == 200, prep.text
        return self.post("/credentials", {"documents": docs, "signed_tx": self.sign_tx(prep.json()["tx"])})
