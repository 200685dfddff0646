"""The bidder's client for the tender-ledger HTTP API: every write signed by the firm's key
(EIP-712 request headers), every refusal turned into the server's own message.

    APIError            the server refused or failed the request: `.status`, `.message`
    └── APIUnreachable  no usable answer: connection refused, timeout, or not a tender-ledger API
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from hexbytes import HexBytes

from ledger.chain.tender_book import release_share_call, withdraw_call
from ledger.crypto.bids import WITHDRAWAL, bid_typed_data
from ledger.crypto.requests import sign_request
from ledger.refusals import readable


class APIError(Exception):
    """The API answered with an error; `message` is what the server said, `body` its whole error
    body (`error`, `message`, and for a refusal `contract_error` and `args`)."""

    def __init__(self, status: int, message: str, body: dict[str, Any] | None = None) -> None:
        self.status = status
        self.message = message
        self.body = body or {}
        super().__init__(f"{message} (HTTP {status})" if status else message)

    def said(self, when: Callable[[int], str]) -> str:
        """What went wrong, in words: a refusal the service gave as its raw error (`Code(arg=…)`)
        in its English wording (`ledger.refusals.readable`, moments written by `when`), else the
        server's message; with the HTTP status."""
        code, args = self.body.get("contract_error"), self.body.get("args")
        message = readable(code, args, self.message, when) if isinstance(code, str) and isinstance(args, dict) \
            else self.message
        return f"{message} (HTTP {self.status})" if self.status else message


class APIUnreachable(APIError):
    """The API did not answer, or what answered is not a tender-ledger API."""

    def __init__(self, message: str) -> None:
        super().__init__(0, message)


class LedgerAPI:
    """A small client of the tender-ledger API, acting as `account` for signed requests."""

    def __init__(self, base_url: str, account: LocalAccount | None = None, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self.account = account
        self.timeout = timeout
        self._prefix = urlsplit(self.base_url).path.rstrip("/")
        self._http = requests.Session()
        self._chain: dict[str, Any] | None = None

    # ------------------------------------------------------------------ reads

    def chain(self) -> dict[str, Any]:
        """Chain id and contract addresses (fetched once: they sign every write)."""
        if self._chain is None:
            chain = self._call("GET", "/chain")
            if not isinstance(chain, dict) or "chain_id" not in chain or "contracts" not in chain:
                raise APIUnreachable(f"{self.base_url} answered /chain, but not as a tender-ledger API")
            self._chain = chain
        return self._chain

    def firm_credentials(self, uscc: str, at: int | None = None) -> list[dict[str, Any]]:
        """A firm's anchored credentials with their status now (or at unix time `at`)."""
        params = {"at": str(at)} if at is not None else None
        return self._call("GET", f"/firms/{uscc}/credentials", params=params)  # type: ignore[no-any-return]

    def credential(self, credential_id: str) -> dict[str, Any]:
        return self._call("GET", f"/credentials/{credential_id}")  # type: ignore[no-any-return]

    def verify(self, document: dict[str, Any], at: int | None = None,
               expected_subject: str | None = None) -> dict[str, Any]:
        """The server's verification report of a sealed credential or a disclosure."""
        body: dict[str, Any] = {"document": document}
        if at is not None:
            body["at"] = at
        if expected_subject is not None:
            body["expected_subject"] = expected_subject
        return self._call("POST", "/verify", payload=body)  # type: ignore[no-any-return]

    def tender(self, tender_id: str) -> dict[str, Any]:
        return self._call("GET", f"/tenders/{tender_id}")  # type: ignore[no-any-return]

    def nonce(self, tender_id: str, bidder: str) -> int:
        """The nonce the bidder's next signed bid must carry."""
        return int(self._call("GET", f"/tenders/{tender_id}/nonces/{bidder}")["nonce"])

    # ------------------------------------------------------------------ signed

    def submit_bid(self, tender_id: str, section: int, *, envelope: bytes, credential_set_commitment: bytes,
                   commitment: bytes, nonce: int, expiry: int, signature: bytes) -> dict[str, Any]:
        """Upload a sealed bid and its credential-set commitment with its EIP-712 authorisation;
        the service checks the two rebuild the commitment and relays it on chain."""
        body = {"envelope_b64": base64.b64encode(envelope).decode("ascii"),
                "credential_set_commitment": "0x" + credential_set_commitment.hex(),
                "commitment": "0x" + commitment.hex(), "nonce": nonce, "expiry": expiry,
                "signature": "0x" + signature.hex()}
        return self._call("POST", f"/tenders/{tender_id}/sections/{section}/bids",  # type: ignore[no-any-return]
                          payload=body, signed=True)

    def my_bid(self, tender_id: str, section: int) -> dict[str, Any]:
        """Our own live bid: its on-chain commitment and the envelope the service stores."""
        return self._call("GET", f"/tenders/{tender_id}/sections/{section}/bids/mine",  # type: ignore[no-any-return]
                          signed=True)

    def results(self, tender_id: str, section: int) -> dict[str, Any]:
        """What each bidder used; before publication only our own entry."""
        return self._call("GET", f"/tenders/{tender_id}/sections/{section}/results",  # type: ignore[no-any-return]
                          signed=self.account is not None)

    def prepare(self, contract: str, function: str, args: list[Any]) -> dict[str, Any]:
        """An unsigned transaction the service filled in (gas, fees, nonce) for us to check and sign."""
        body = {"sender": self._signer().address, "contract": contract, "function": function, "args": args}
        return self._call("POST", "/tx/prepare", payload=body)["tx"]  # type: ignore[no-any-return]

    def sign_tx(self, tx: dict[str, Any], *, contract: str, data: bytes) -> str:
        """Sign a prepared transaction after checking it does exactly what we asked."""
        chain = self.chain()
        expected_to = chain["contracts"][contract]
        problems = []
        if str(tx.get("to", "")).lower() != expected_to.lower():
            problems.append(f"it is addressed to {tx.get('to')}, not the {contract} at {expected_to}")
        if bytes(HexBytes(tx.get("data", "0x"))) != data:
            problems.append("its call data is not the call we asked for")
        if int(tx.get("chainId", -1)) != int(chain["chain_id"]):
            problems.append(f"it is for chain id {tx.get('chainId')}, not {chain['chain_id']}")
        if int(tx.get("value", 0)) != 0:
            problems.append(f"it sends {tx.get('value')} wei")
        if problems:
            raise APIError(0, "refusing to sign the prepared transaction: " + "; ".join(problems))
        unsigned = {k: v for k, v in tx.items() if k != "from"}
        unsigned["data"] = data
        signed = self._signer().sign_transaction(unsigned)
        return "0x" + bytes(signed.raw_transaction).hex()

    def withdraw_signed(self, tender_id: str, section: int) -> dict[str, Any]:
        """Withdraw our bid by signing a zero-commitment Bid (EIP-712) the service relays: no gas."""
        view = self.tender(tender_id)
        nonce = self.nonce(tender_id, self._signer().address)
        expiry = int(view["deadline"])
        message = bid_typed_data(chain_id=int(view["chain_id"]), book_address=view["tender_book"],
                                 tender_id=bytes(HexBytes(tender_id)), section=section, commitment=WITHDRAWAL,
                                 nonce=nonce, expiry=expiry)
        signature = bytes(self._signer().sign_message(message).signature)
        return self._call("POST", f"/tenders/{tender_id}/sections/{section}/withdraw",  # type: ignore[no-any-return]
                          payload={"nonce": nonce, "expiry": expiry, "signature": "0x" + signature.hex()},
                          signed=True)

    def withdraw(self, tender_id: str, section: int) -> dict[str, Any]:
        """Withdraw our bid by our own withdrawBid transaction, relayed by the service (needs gas)."""
        data = withdraw_call(bytes(HexBytes(tender_id)), section)
        tx = self.prepare("TenderBook", "withdrawBid", [tender_id, section])
        signed = self.sign_tx(tx, contract="TenderBook", data=data)
        return self._call("POST", f"/tenders/{tender_id}/sections/{section}/withdraw",  # type: ignore[no-any-return]
                          payload={"signed_tx": signed}, signed=True)

    def release_share(self, tender_id: str, share: bytes) -> dict[str, Any]:
        """An opening officer releases its share by its own releaseShare transaction."""
        data = release_share_call(bytes(HexBytes(tender_id)), share)
        tx = self.prepare("TenderBook", "releaseShare", [tender_id, "0x" + share.hex()])
        signed = self.sign_tx(tx, contract="TenderBook", data=data)
        return self._call("POST", f"/tenders/{tender_id}/shares",  # type: ignore[no-any-return]
                          payload={"signed_tx": signed}, signed=True)

    def post(self, path: str, payload: Any, *, signed: bool = True) -> Any:
        """POST a JSON payload (signed by our key unless `signed` is False)."""
        return self._call("POST", path, payload=payload, signed=signed)

    def get(self, path: str, *, signed: bool = False) -> Any:
        return self._call("GET", path, signed=signed)

    # ------------------------------------------------------------------ plumbing

    def _signer(self) -> LocalAccount:
        if self.account is None:
            raise APIError(0, "this request must be signed: the client has no key")
        return self.account

    def _call(self, method: str, path: str, *, payload: Any = None, signed: bool = False,
              params: dict[str, str] | None = None) -> Any:
        # Serialised once: the bytes hashed into the signature are the bytes sent.
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"accept": "application/json"}
        if payload is not None:
            headers["content-type"] = "application/json"
        if signed:
            chain = self.chain()
            headers |= sign_request(
                self._signer(), chain_id=int(chain["chain_id"]),
                contract=to_checksum_address(chain["contracts"]["CredentialRegistry"]),
                method=method, path=self._prefix + path, body=body,
            )
        url = self.base_url + path
        try:
            response = self._http.request(method, url, data=body or None, headers=headers,
                                          params=params, timeout=self.timeout)
        except requests.Timeout:
            raise APIUnreachable(f"the API at {self.base_url} did not answer within {self.timeout:g} s") from None
        except requests.RequestException as exc:
            raise APIUnreachable(f"cannot reach the API at {self.base_url}: {_reason(exc)}") from None
        try:
            content = response.json()
        except ValueError:
            content = None
        if response.status_code >= 400:
            raise APIError(response.status_code, _message(response, content),
                           content if isinstance(content, dict) else None)
        if content is None:
            raise APIUnreachable(
                f"{url} answered HTTP {response.status_code} without JSON: is {self.base_url} a tender-ledger API?")
        return content


def _message(response: requests.Response, content: Any) -> str:
    """The server's own words: `message` from ledger errors, `detail` from the framework."""
    if isinstance(content, dict):
        if isinstance(content.get("message"), str):
            return str(content["message"])
        detail = content.get("detail")
        if isinstance(detail, str):
            return detail
        if isinstance(detail, list) and detail and isinstance(detail[0], dict):
            first = detail[0]
            where = ".".join(str(p) for p in first.get("loc", []) if p != "body")
            return f"{where}: {first.get('msg')}" if where else str(first.get("msg"))
    text = response.text.strip()
    return text.splitlines()[0][:200] if text else str(response.reason)


def _reason(exc: requests.RequestException) -> str:
    # requests wraps urllib3's error, whose `reason` says it plainly.
    inner = exc.args[0] if exc.args else None
    text = str(getattr(inner, "reason", None) or exc)
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused (is the server running?)"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "unknown host name"
    return text
