"""`tender-ledger node`: the embedded chain as a JSON-RPC node that clients we did not write can read.

The fast tests drive the endpoint's request handling directly (every JSON-RPC error code); the
slow ones start `tender-ledger node` as a real process over a demo ledger and read it with web3.py
and foundry's `cast`, against what the service (reaching the chain through the same node) says.
"""

from __future__ import annotations

import json
import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from eth_account import Account
from web3 import Web3

from api.app import create_app
from ledger.chain.embedded import ClockMode, EmbeddedChain
from ledger.chain.provider import EmbeddedProvider
from ledger.chain.rpc_server import MAX_BATCH, MAX_BODY, JsonRpcEndpoint
from ledger.config import Settings
from tests.nodes import AnvilNode, LedgerNode, cast, tender_ledger
from tests.server import serving
from tools.demo import DemoOptions, run_demo

EXIT_USAGE = 2
EXIT_CONFIG = 3
ANCHORED = "Anchored(bytes32)"


# ---------------------------------------------------------------------------------- the endpoint
@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JsonRpcEndpoint]:
    path = tmp_path_factory.mktemp("endpoint") / "chain.sqlite"
    chain = EmbeddedChain.create(path, chain_id=1337, alloc={}, clock=ClockMode.PRODUCTION)
    yield JsonRpcEndpoint(EmbeddedProvider(chain))
    chain.close()


def _ask(endpoint: JsonRpcEndpoint, message: Any) -> Any:
    return endpoint.handle(json.dumps(message).encode())


def _req(method: str, params: Any = None, id: Any = 1) -> dict[str, Any]:  # noqa: A002
    request: dict[str, Any] = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        request["params"] = params
    return request


def test_a_request_is_answered_with_its_own_id(endpoint: JsonRpcEndpoint) -> None:
    assert _ask(endpoint, _req("eth_chainId", [], id="abc")) == {"jsonrpc": "2.0", "id": "abc", "result": "0x539"}
    assert _ask(endpoint, _req("eth_blockNumber", id=7))["result"] == "0x0"  # params may be left out
    assert _ask(endpoint, _req("eth_accounts"))["result"] == []


def test_malformed_json_is_a_parse_error(endpoint: JsonRpcEndpoint) -> None:
    for body in (b"{not json", b"", b"\xff\xfe", b"[" * 100_000):
        answer = endpoint.handle(body)
        assert answer["error"]["code"] == -32700 and answer["id"] is None


def test_an_unknown_method_is_method_not_found(endpoint: JsonRpcEndpoint) -> None:
    answer = _ask(endpoint, _req("eth_mining_rig_rental", []))
    assert answer["error"] == {"code": -32601, "message": "the method eth_mining_rig_rental does not exist"}
    assert answer["id"] == 1


def test_params_that_do_not_fit_are_invalid_params_naming_the_method(endpoint: JsonRpcEndpoint) -> None:
    cases = [
        ("eth_getBalance", ["not-an-address"]),
        ("eth_getBalance", ["0x" + "11" * 20, "latest", "extra", "more"]),
        ("eth_getBlockByNumber", ["0xzz", False]),
        ("eth_getTransactionReceipt", ["0xnothex"]),
        ("eth_call", ["not a call object"]),
        ("eth_getStorageAt", ["0x" + "11" * 20]),
        ("eth_getLogs", [{"address": "nope"}]),
        ("eth_sendRawTransaction", ["0xdeadbeef"]),
    ]
    for method, params in cases:
        error = _ask(endpoint, _req(method, params))["error"]
        assert error["code"] == -32602, (method, error)
        assert method in error["message"] or "invalid raw transaction" in error["message"]
        assert "Traceback" not in error["message"] and "lambda" not in error["message"]
    named = _ask(endpoint, _req("eth_getBalance", {"address": "0x" + "11" * 20}))["error"]
    assert named["code"] == -32602 and "array" in named["message"]


def test_a_malformed_request_object_is_an_invalid_request(endpoint: JsonRpcEndpoint) -> None:
    cases = [
        {"id": 1, "method": "eth_chainId"},  # no "jsonrpc": "2.0"
        {"jsonrpc": "1.0", "id": 1, "method": "eth_chainId"},
        {"jsonrpc": "2.0", "id": 1, "method": 42},
        {"jsonrpc": "2.0", "id": {"an": "object"}, "method": "eth_chainId"},
        {"jsonrpc": "2.0", "id": True, "method": "eth_chainId"},
        "eth_chainId",
        17,
    ]
    for request in cases:
        assert _ask(endpoint, request)["error"]["code"] == -32600, request


def test_a_batch_is_answered_in_order_without_its_notifications(endpoint: JsonRpcEndpoint) -> None:
    answers = _ask(endpoint, [
        _req("eth_chainId", id=1),
        {"jsonrpc": "2.0", "method": "eth_blockNumber"},  # a notification: no answer
        _req("net_version", id="two"),
        _req("no_such_method", id=3),
        5,
    ])
    assert [a.get("id") for a in answers] == [1, "two", 3, None]
    assert answers[0]["result"] == "0x539" and answers[1]["result"] == "1337"
    assert answers[2]["error"]["code"] == -32601 and answers[3]["error"]["code"] == -32600
    assert _ask(endpoint, [{"jsonrpc": "2.0", "method": "eth_chainId"}]) is None
    assert _ask(endpoint, {"jsonrpc": "2.0", "method": "eth_chainId"}) is None


def test_an_empty_or_oversized_batch_is_an_invalid_request(endpoint: JsonRpcEndpoint) -> None:
    assert _ask(endpoint, [])["error"]["code"] == -32600
    flood = _ask(endpoint, [_req("eth_chainId", id=i) for i in range(MAX_BATCH + 1)])
    assert flood["error"]["code"] == -32600 and str(MAX_BATCH) in flood["error"]["message"]


def test_moving_a_production_chains_clock_is_refused_with_a_json_rpc_error(endpoint: JsonRpcEndpoint) -> None:
    for method, params in (("evm_increaseTime", [86_400]), ("evm_setNextBlockTimestamp", [2**40])):
        error = _ask(endpoint, _req(method, params))["error"]
        assert error["code"] == -32601 and "development-only" in error["message"]


def test_a_stopped_endpoint_answers_no_more(tmp_path: Path) -> None:
    chain = EmbeddedChain.create(tmp_path / "c.sqlite", chain_id=1337, alloc={})
    endpoint = JsonRpcEndpoint(EmbeddedProvider(chain))
    endpoint.close()
    chain.close()
    assert _ask(endpoint, _req("eth_chainId"))["error"]["code"] == -32603


# ---------------------------------------------------------------------------------- a real node
@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("node") / "data"
    run_demo(DemoOptions(data_dir=data_dir, scale=0.01, sample=1))
    return data_dir


@pytest.fixture(scope="module")
def node(demo_dir: Path) -> Iterator[LedgerNode]:
    running = LedgerNode(demo_dir)
    yield running
    assert running.stop() == 0, running.stderr


@pytest.fixture
def service(node: LedgerNode) -> Iterator[str]:
    """The HTTP API on the node's data directory: it reaches the chain through the node. (It holds
    the directory while it runs, as `tender-ledger serve` does: so only for the test that asks.)"""
    with serving(create_app(Settings(data_dir=node.data_dir))) as url:
        yield url


@pytest.mark.slow
@pytest.mark.node
def test_the_node_says_where_it_is_which_chain_and_how_to_use_it(node: LedgerNode) -> None:
    err = node.stderr
    assert node.url.startswith("http://127.0.0.1:") and node.url in err
    assert "chain id 1337" in err and "clock development" in err
    contracts = json.loads((node.data_dir / "deployments.json").read_text())
    (deployed,) = contracts.values()
    for name, record in deployed.items():
        assert f"{name}" in err and record["address"] in err
    assert f"TL_DATA_DIR={node.data_dir} tender-ledger serve" in err
    assert f"cast block-number --rpc-url {node.url}" in err


@pytest.mark.slow
@pytest.mark.node
def test_web3_reads_the_chain_id_blocks_and_logs(node: LedgerNode, service: str) -> None:
    w3 = Web3(Web3.HTTPProvider(node.url))
    assert w3.is_connected() and w3.eth.chain_id == 1337 and w3.net.version == "1337"
    assert "tender-ledger" in w3.client_version and w3.eth.syncing is False and w3.eth.accounts == []
    head = w3.eth.get_block("latest")
    assert head["number"] == w3.eth.block_number > 0
    assert w3.eth.get_block(head["hash"])["number"] == head["number"]
    assert w3.eth.get_block(1)["parentHash"] == w3.eth.get_block(0)["hash"]
    registry = requests.get(f"{service}/chain", timeout=30).json()["contracts"]["CredentialRegistry"]
    topic = Web3.keccak(text=ANCHORED)
    logs = w3.eth.get_logs({"address": registry, "fromBlock": 0, "toBlock": "latest", "topics": [topic]})
    journal = requests.get(f"{service}/events", params={"name": "Anchored"}, timeout=30).json()
    assert len(journal) == len(logs) > 0
    assert [(e["block_number"], e["log_index"], e["tx_hash"]) for e in journal] == [
        (log["blockNumber"], log["logIndex"], log["transactionHash"].to_0x_hex()) for log in logs
    ]
    fees = w3.eth.fee_history(4, "latest", [50])
    assert len(fees["baseFeePerGas"]) == 5 and w3.eth.gas_price > 0 and w3.eth.max_priority_fee >= 0


@pytest.mark.slow
@pytest.mark.node
def test_cast_reads_what_the_service_says(node: LedgerNode, service: str) -> None:
    url = node.url
    chain = requests.get(f"{service}/chain", timeout=30).json()
    assert chain["backend"] == "json-rpc"  # the service reaches the chain through the node
    assert cast("chain-id", "--rpc-url", url) == "1337"
    assert int(cast("block-number", "--rpc-url", url)) == chain["block_number"]
    block = json.loads(cast("block", "latest", "--json", "--rpc-url", url))
    assert int(block["number"], 16) == chain["block_number"]

    registry = chain["contracts"]["CredentialRegistry"]
    journal = requests.get(f"{service}/events", params={"name": "Anchored"}, timeout=30).json()
    logs = json.loads(cast("logs", "--from-block", "0", "--to-block", "latest", "--address", registry,
                           ANCHORED, "--json", "--rpc-url", url))
    assert logs and [(int(g["blockNumber"], 16), int(g["logIndex"], 16), g["transactionHash"]) for g in logs] == [
        (e["block_number"], e["log_index"], e["tx_hash"]) for e in journal
    ]
    for entry, log in zip(journal, logs, strict=True):
        root = entry["args"]["root"]
        assert root[2:] in "".join(log["topics"]) + log["data"]
        # The registry's own view of the batch, as cast calls it, names the issuer and kind the
        # service journalled.
        issuer, kind, anchored_at = cast("call", registry, "anchorOf(bytes32)(address,uint8,uint64)", root,
                                         "--rpc-url", url).split("\n")
        assert issuer == entry["args"]["issuer"] and int(kind) == entry["args"]["kind"]
        assert int(anchored_at.split()[0]) > 0
    # The registry's storage and code, as any client sees them.
    admin_slot = cast("storage", registry, "0", "--rpc-url", url)
    assert Web3.to_checksum_address("0x" + admin_slot[-40:]) == chain["contracts"]["Governance"]
    assert cast("code", registry, "--rpc-url", url).startswith("0x6080")


@pytest.mark.slow
@pytest.mark.node
def test_a_raw_transaction_sent_through_the_node_is_mined_and_visible(node: LedgerNode, service: str) -> None:
    url = node.url
    key = (node.data_dir / "keys" / "governance" / "housing.key").read_text().strip()
    sender = Account.from_key(key).address
    recipient = Account.create().address
    before = requests.get(f"{service}/chain", timeout=30).json()["block_number"]
    receipt = json.loads(cast("send", "--private-key", key, recipient, "--value", "12345", "--json",
                              "--rpc-url", url))
    assert receipt["status"] == "0x1" and int(receipt["blockNumber"], 16) == before + 1
    tx_hash = receipt["transactionHash"]
    assert json.loads(cast("receipt", tx_hash, "--json", "--rpc-url", url))["transactionHash"] == tx_hash
    tx = json.loads(cast("tx", tx_hash, "--json", "--rpc-url", url))
    assert Web3.to_checksum_address(tx["from"]) == sender and int(tx["value"], 16) == 12345
    assert cast("balance", recipient, "--rpc-url", url) == "12345"
    w3 = Web3(Web3.HTTPProvider(url))
    assert w3.eth.get_balance(recipient) == 12345
    assert w3.eth.get_transaction_receipt(tx_hash)["status"] == 1
    # The service sees the new head too: it reads the same chain through the node.
    assert requests.get(f"{service}/chain", timeout=30).json()["block_number"] == before + 1


@pytest.mark.slow
@pytest.mark.node
def test_the_node_answers_bad_requests_with_json_rpc_errors_over_http(node: LedgerNode) -> None:
    url = node.url
    json_type = {"Content-Type": "application/json"}

    def post(body: bytes, headers: dict[str, str] | None = None) -> requests.Response:
        return requests.post(url, data=body, headers=headers or json_type, timeout=30)

    parse = post(b"{oops")
    assert parse.status_code == 200 and parse.json()["error"]["code"] == -32700
    unknown = post(json.dumps(_req("eth_doesNotExist", [])).encode()).json()
    assert unknown["error"]["code"] == -32601
    bad = post(json.dumps(_req("eth_getBalance", ["0x12"])).encode()).json()
    assert bad["error"]["code"] == -32602 and "eth_getBalance" in bad["error"]["message"]
    batch = post(json.dumps([_req("eth_chainId", id=1), _req("nope", id=2)]).encode()).json()
    assert batch[0]["result"] == "0x539" and batch[1]["error"]["code"] == -32601
    assert post(b"{}", {"Content-Type": "text/plain"}).status_code == 415  # a web page's simple POST
    assert requests.get(url, timeout=30).status_code == 405
    rebinding = post(json.dumps(_req("eth_chainId")).encode(), {**json_type, "Host": "attacker.example"})
    assert rebinding.status_code == 403
    # A body over the limit is refused on its Content-Length, before it is read.
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(f"POST / HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {MAX_BODY + 1}\r\n\r\n".encode())
        chunks = []
        while b"-32600" not in b"".join(chunks):  # the answer may come in more than one segment
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
        answer = b"".join(chunks).decode()
    assert answer.startswith("HTTP/1.1 413") and '"code": -32600' in answer
    for response in (parse.text, json.dumps(bad)):
        assert "Traceback" not in response
    assert node.rpc("eth_chainId") == "0x539"  # still serving


@pytest.mark.slow
@pytest.mark.node
def test_the_cli_on_the_nodes_data_directory_goes_through_the_node(node: LedgerNode) -> None:
    result = tender_ledger("status", "--json", env={"TL_DATA_DIR": str(node.data_dir)})
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["backend"] == node.url and status["chain_id"] == 1337


@pytest.mark.slow
@pytest.mark.node
def test_a_second_node_on_the_same_data_directory_is_refused(node: LedgerNode) -> None:
    result = tender_ledger("node", "--data-dir", str(node.data_dir), "--port", "0", timeout=60)
    assert result.returncode == EXIT_CONFIG
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "already served by a tender-ledger node" in lines[0] and node.url in lines[0]
    assert node.rpc("eth_chainId") == "0x539"


@pytest.mark.slow
@pytest.mark.node
def test_a_node_on_a_directory_in_use_is_refused(tmp_path: Path) -> None:
    from ledger.runtime import open_runtime

    with open_runtime(Settings(data_dir=tmp_path / "busy")):
        result = tender_ledger("node", "--data-dir", str(tmp_path / "busy"), "--port", "0", timeout=60)
    assert result.returncode == EXIT_CONFIG
    assert result.stderr.startswith("error: ") and "in use by another tender-ledger process" in result.stderr


@pytest.mark.slow
@pytest.mark.node
def test_a_node_on_a_non_loopback_address_is_refused_without_allow_remote(tmp_path: Path) -> None:
    for host in ("0.0.0.0", "192.0.2.10", "::"):
        result = tender_ledger("node", "--data-dir", str(tmp_path / "d"), "--host", host, timeout=60)
        assert result.returncode == EXIT_USAGE
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: refusing to serve JSON-RPC on {host}")
        assert "--allow-remote" in lines[0] and "no authentication" in lines[0]
    assert not (tmp_path / "d").exists()  # refused before the data directory was touched


@pytest.mark.slow
@pytest.mark.node
def test_a_stopped_node_frees_the_data_directory_for_the_embedded_chain(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    node = LedgerNode(data_dir)  # a new data directory: the node makes the chain and deploys
    head = int(node.rpc("eth_blockNumber"), 16)
    assert head > 0
    assert node.stop() == 0
    assert "node stopped" in node.stderr and not (data_dir / "node.json").exists()
    result = tender_ledger("status", "--json", env={"TL_DATA_DIR": str(data_dir)})
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["backend"] == "embedded" and status["block_number"] == head


@pytest.mark.slow
@pytest.mark.node
def test_a_node_json_left_by_a_killed_node_is_not_trusted(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    node = LedgerNode(data_dir)
    os.killpg(node.proc.pid, signal.SIGKILL)
    node.proc.wait(30)
    assert (data_dir / "node.json").exists()  # nobody removed it: no node holds the chain now
    result = tender_ledger("status", "--json", env={"TL_DATA_DIR": str(data_dir)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["backend"] == "embedded"
    assert not (data_dir / "node.json").exists()


@pytest.mark.slow
@pytest.mark.node
def test_a_node_json_rewritten_to_point_at_another_chain_is_refused(node: LedgerNode) -> None:
    from ledger.errors import WrongChain
    from ledger.runtime import open_runtime

    published = node.data_dir / "node.json"
    original = published.read_text()
    other = AnvilNode()
    try:
        published.write_text(json.dumps({**json.loads(original), "url": other.url}))
        with pytest.raises(WrongChain, match="does not serve"):
            open_runtime(Settings(data_dir=node.data_dir))
    finally:
        published.write_text(original)
        other.stop()
    assert node.rpc("eth_chainId") == "0x539"
