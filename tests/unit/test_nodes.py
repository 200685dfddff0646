"""Several nodes behind one client (`TL_RPC_URL` comma-separated): fail-over on a dropped
connection, a timeout or a 502; a JSON-RPC error is the node's answer and is not retried
elsewhere; a node of another chain is refused; a signed transaction whose answer was lost is
sent again and mined once; blocks with a Clique-sized extraData are read.

The nodes are real: the embedded chain served over HTTP (what `tender-ledger node` serves), each
behind a fault-injecting proxy (tests/faultproxy.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from ledger.chain.client import ChainClient
from ledger.chain.embedded import EmbeddedChain
from ledger.chain.nodes import NodeSet, parse_urls
from ledger.chain.provider import EmbeddedProvider
from ledger.chain.rpc_server import RpcServer
from ledger.errors import LedgerError, NodeUnavailable, TransactionRejected, WrongChain
from tests.faultproxy import FaultProxy

CHAIN_ID = 1337
FUNDS = 10**21


@dataclass
class Served:
    url: str
    chain: EmbeddedChain
    funded: LocalAccount


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """Start an embedded chain served over HTTP (a real JSON-RPC node) of `chain_id`."""
    stop: list[Callable[[], None]] = []

    def start(chain_id: int = CHAIN_ID) -> Served:
        funded = Account.create()
        chain = EmbeddedChain.create(tmp_path / f"chain-{len(stop)}.sqlite", chain_id=chain_id,
                                     alloc={funded.address: FUNDS})
        server = RpcServer(EmbeddedProvider(chain), "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()

        def close() -> None:
            server.httpd.shutdown()
            server.close()
            chain.close()
        stop.append(close)
        return Served(server.url, chain, funded)

    yield start
    for close in stop:
        close()


@pytest.fixture
def proxies() -> Iterator[Callable[[str], FaultProxy]]:
    made: list[FaultProxy] = []

    def make(upstream: str) -> FaultProxy:
        made.append(FaultProxy(upstream))
        return made[-1]

    yield make
    for proxy in made:
        proxy.close()


def _pair(serve: Callable[..., Served], proxies: Callable[[str], FaultProxy], timeout: float = 5.0
          ) -> tuple[Served, FaultProxy, FaultProxy, ChainClient]:
    node = serve()
    a, b = proxies(node.url), proxies(node.url)
    client = ChainClient.for_node(f"{a.url}, {b.url}", expected_chain_id=CHAIN_ID, timeout=timeout)
    return node, a, b, client


def _transfer(client: ChainClient, sender: LocalAccount, nonce: int, to: str, value: int = 1) -> bytes:
    fees = client.fees()
    return bytes(sender.sign_transaction({
        "to": to, "value": value, "gas": 21_000, "nonce": nonce, "chainId": client.chain_id, "type": 2,
        **fees}).raw_transaction)


# ---------------------------------------------------------------------------------- the URL list
def test_a_url_list_is_split_on_commas_in_order() -> None:
    assert parse_urls(" http://a:8545 ,https://b:8545,") == ["http://a:8545", "https://b:8545"]


@pytest.mark.parametrize("text", ["", " , ", "ws://a:8546", "http://a:8545,ftp://b", "http://a:1,http://a:1"])
def test_a_malformed_url_list_is_refused(text: str) -> None:
    with pytest.raises(NodeUnavailable):
        parse_urls(text)


# ---------------------------------------------------------------------------------- fail-over
def test_requests_go_to_the_first_healthy_node(serve: Callable[..., Served],
                                               proxies: Callable[[str], FaultProxy]) -> None:
    _, a, b, client = _pair(serve, proxies)
    client.block_number()
    client.block_number()
    assert a.counts["eth_blockNumber"] == 2 and b.counts["eth_blockNumber"] == 0


@pytest.mark.parametrize("fault", ["dropped connection", "HTTP 502", "timeout"])
def test_reads_fail_over_to_the_next_node(serve: Callable[..., Served], proxies: Callable[[str], FaultProxy],
                                          fault: str) -> None:
    node, a, b, client = _pair(serve, proxies, timeout=0.5)
    if fault == "dropped connection":
        a.down = True
    elif fault == "HTTP 502":
        a.status = 502
    else:
        a.delay_s = 2.0
    assert client.block_number() == node.chain.block_number()
    assert client.balance(node.funded.address) == FUNDS
    assert b.counts["eth_blockNumber"] == 1 and b.counts["eth_getBalance"] == 1
    down = client.nodes()[0]
    assert not down["up"] and down["failure"]
    # the node that failed is passed over for a while: the next read goes straight to the next node
    client.block_number()
    assert a.counts["eth_blockNumber"] == 1 and b.counts["eth_blockNumber"] == 2


def test_a_node_that_failed_is_used_again_once_it_answers(serve: Callable[..., Served],
                                                          proxies: Callable[[str], FaultProxy]) -> None:
    node = serve()
    a, b = proxies(node.url), proxies(node.url)
    nodes = NodeSet([a.url, b.url], timeout=2, expected_chain_id=CHAIN_ID, retry_after_s=0.0)
    nodes.check_all()
    client = ChainClient(Web3(nodes, middleware=[]))
    a.down = True
    client.block_number()
    a.down = False
    client.block_number()
    assert a.forwarded["eth_blockNumber"] == 1 and b.forwarded["eth_blockNumber"] == 1
    assert all(n["up"] for n in client.nodes())


def test_a_json_rpc_error_is_the_nodes_answer_and_is_not_retried_elsewhere(
        serve: Callable[..., Served], proxies: Callable[[str], FaultProxy]) -> None:
    _, a, b, client = _pair(serve, proxies)
    response = client.w3.provider.make_request("eth_noSuchMethod", [])  # type: ignore[arg-type]
    assert response["error"]["code"] == -32601
    assert a.counts["eth_noSuchMethod"] == 1 and b.counts["eth_noSuchMethod"] == 0


def test_with_every_node_down_the_error_names_each_node(serve: Callable[..., Served],
                                                        proxies: Callable[[str], FaultProxy]) -> None:
    _, a, b, client = _pair(serve, proxies)
    a.down = b.down = True
    with pytest.raises(NodeUnavailable) as caught:
        client.block_number()
    assert a.url in str(caught.value) and b.url in str(caught.value) and "does not answer" in str(caught.value)
    b.down = False  # a node that comes back is used at once, however recently it failed
    assert client.block_number() >= 0


# ---------------------------------------------------------------------------------- another chain
def test_a_node_of_another_chain_id_is_refused_at_start(serve: Callable[..., Served]) -> None:
    ours, theirs = serve(), serve(chain_id=4242)
    with pytest.raises(WrongChain, match="chain id 4242"):
        ChainClient.for_node(f"{ours.url},{theirs.url}", expected_chain_id=CHAIN_ID)
    with pytest.raises(WrongChain, match="chain id 4242"):  # no chain id configured: the first node's
        ChainClient.for_node(f"{ours.url},{theirs.url}", expected_chain_id=None)


def test_a_node_of_another_chain_with_the_same_chain_id_is_refused_at_start(serve: Callable[..., Served]) -> None:
    ours, theirs = serve(), serve()  # the same chain id, another genesis block
    with pytest.raises(WrongChain, match="genesis"):
        ChainClient.for_node(f"{ours.url},{theirs.url}", expected_chain_id=CHAIN_ID)


def test_a_node_down_at_start_is_checked_when_it_answers_and_never_used_if_foreign(
        serve: Callable[..., Served], proxies: Callable[[str], FaultProxy]) -> None:
    ours, theirs = serve(), serve(chain_id=4242)
    a, b = proxies(ours.url), proxies(theirs.url)
    b.down = True
    client = ChainClient.for_node(f"{a.url},{b.url}", expected_chain_id=CHAIN_ID)  # b unchecked yet
    a.down, b.down = True, False
    with pytest.raises(NodeUnavailable, match="chain id 4242"):
        client.block_number()
    assert b.forwarded["eth_blockNumber"] == 0  # only its chain id was asked
    a.down = False
    assert client.block_number() == ours.chain.block_number()


# ---------------------------------------------------------------------------------- writes
def test_a_transaction_whose_answer_was_dropped_is_sent_to_the_next_node_and_mined_once(
        serve: Callable[..., Served], proxies: Callable[[str], FaultProxy]) -> None:
    node, a, b, client = _pair(serve, proxies)
    to = Account.create().address
    a.drop_after("eth_sendRawTransaction")  # the node mines it; the answer never comes back
    receipt = client.send(node.funded, {"to": to, "value": 5, "gas": 21_000})
    assert receipt["status"] == 1
    assert a.forwarded["eth_sendRawTransaction"] == 1 and b.forwarded["eth_sendRawTransaction"] == 1
    assert client.balance(to) == 5  # once
    assert node.chain.nonce(node.funded.address) == 1


def test_a_signed_transaction_lost_with_every_node_down_is_sent_again_and_mined_once(
        serve: Callable[..., Served], proxies: Callable[[str], FaultProxy]) -> None:
    node = serve()
    a = proxies(node.url)
    client = ChainClient.for_node(a.url, expected_chain_id=CHAIN_ID)
    to = Account.create().address
    raw = _transfer(client, node.funded, 0, to, 7)
    a.drop_after("eth_sendRawTransaction")
    with pytest.raises(NodeUnavailable):
        client.send_raw(raw)
    receipt = client.send_raw(raw)  # the party sends its signed transaction again: the same one
    assert receipt["transactionHash"] == Web3.keccak(raw)
    assert client.balance(to) == 7 and node.chain.nonce(node.funded.address) == 1


def test_nonce_too_low_for_another_transaction_is_still_refused(
        serve: Callable[..., Served], proxies: Callable[[str], FaultProxy]) -> None:
    node, _, _, client = _pair(serve, proxies)
    client.send_raw(_transfer(client, node.funded, 0, Account.create().address))
    with pytest.raises(TransactionRejected):
        client.send_raw(_transfer(client, node.funded, 0, Account.create().address))


# ---------------------------------------------------------------------------------- heads, PoA
def test_a_node_failed_over_to_says_how_far_it_lags(serve: Callable[..., Served],
                                                    proxies: Callable[[str], FaultProxy]) -> None:
    node, a, b, client = _pair(serve, proxies)
    for _ in range(3):
        node.chain.mine_empty()
    head = node.chain.block_number()
    assert client.head() == (head, 0)
    a.down = True
    b.lag(2)
    assert client.head() == (head - 2, 2)
    b.heal()
    assert client.head() == (head, 0)


def test_blocks_with_a_clique_sized_extra_data_are_read(serve: Callable[..., Served],
                                                        proxies: Callable[[str], FaultProxy]) -> None:
    node = serve()
    poa = proxies(node.url)
    poa.extra_data_bytes = 97  # 32 vanity bytes and a 65-byte seal
    plain = Web3(Web3.HTTPProvider(poa.url))
    with pytest.raises(Exception, match="97 bytes"):  # what web3 does without the PoA middleware
        plain.eth.get_block("latest")
    client = ChainClient.for_node(poa.url, expected_chain_id=CHAIN_ID)
    node.chain.mine_empty()
    number = client.block_number()
    assert client.block_hash(number) == bytes(node.chain.header_at(number).hash)
    assert client.block_timestamp() == node.chain.timestamp("latest")
    assert client.fees()["maxFeePerGas"] > 0
    receipt = client.send(node.funded, {"to": Account.create().address, "value": 1, "gas": 21_000})
    assert receipt["status"] == 1


def test_the_node_answers_every_worker_connecting_at_once(serve: Callable[..., Served]) -> None:
    """Several workers' connection pools open connections together while the chain is busy: the
    endpoint queues them (a listen backlog of LISTEN_BACKLOG, not http.server's 5) and answers all."""
    import socket
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from ledger.chain.rpc_server import LISTEN_BACKLOG

    node = serve()
    clients = 64
    assert LISTEN_BACKLOG >= clients
    host, port = node.url.removeprefix("http://").rsplit(":", 1)
    # Connections opened and left unanswered first fill a small backlog, as busy workers would.
    held = [socket.create_connection((host, int(port))) for _ in range(16)]
    try:
        def block_number(_: int) -> int:
            r = requests.post(node.url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber",
                                              "params": []}, timeout=60)
            return int(r.json()["result"], 16)

        with ThreadPoolExecutor(clients) as pool:
            answers = list(pool.map(block_number, range(clients)))
    finally:
        for s in held:
            s.close()
    assert answers == [0] * clients


def test_a_write_in_progress_is_served_before_waiting_reads() -> None:
    """The node executes one request at a time; a writer's receipt query waiting behind readers
    goes first, so a write's nonce (and its address's lock) is not held while reads pile up."""
    from ledger.chain.rpc_server import WRITE_PATH, PriorityLock

    assert {"eth_sendRawTransaction", "eth_getTransactionReceipt"} <= WRITE_PATH
    assert "eth_call" not in WRITE_PATH
    lock, order = PriorityLock(), []

    def take(name: str, urgent: bool) -> None:
        with lock.hold(urgent=urgent):
            order.append(name)

    def until(condition: Callable[[], bool]) -> None:
        while not condition():
            threading.Event().wait(0.001)

    with lock.hold(urgent=False):
        readers = [threading.Thread(target=take, args=(f"read{i}", False)) for i in range(3)]
        for i, reader in enumerate(readers):
            reader.start()
            until(lambda i=i: lock.waiting == i + 1)
        writer = threading.Thread(target=take, args=("write", True))
        writer.start()
        until(lambda: lock.waiting == 4)
    for t in (*readers, writer):
        t.join()
    assert order[0] == "write" and sorted(order[1:]) == ["read0", "read1", "read2"]


# ---------------------------------------------------------------------------------- batches
def test_a_batch_of_reads_answers_each_in_order_as_single_reads_do(serve: Callable[..., Served],
                                                                   proxies: Callable[[str], FaultProxy]) -> None:
    node, a, _, client = _pair(serve, proxies)
    got = client.batch([("eth_getBalance", [node.funded.address, "latest"]), ("eth_blockNumber", []),
                        ("eth_getBlockByNumber", ["0x0", False])])
    assert int(got[0], 16) == FUNDS and int(got[1], 16) == node.chain.block_number()
    assert got[2]["hash"] == "0x" + bytes(node.chain.header_at(0).hash).hex()
    assert a.counts["batch"] == 1  # one request for the three
    assert client.batch([]) == []


def test_a_batch_fails_over_to_the_next_node(serve: Callable[..., Served],
                                             proxies: Callable[[str], FaultProxy]) -> None:
    node, a, b, client = _pair(serve, proxies, timeout=0.5)
    a.down = True
    assert [int(x, 16) for x in client.batch([("eth_blockNumber", [])] * 3)] == [node.chain.block_number()] * 3
    assert not client.nodes()[0]["up"]


def test_an_error_answer_in_a_batch_is_raised_not_taken_for_a_result(serve: Callable[..., Served],
                                                                     proxies: Callable[[str], FaultProxy]) -> None:
    _, _, _, client = _pair(serve, proxies)
    with pytest.raises(LedgerError, match="eth_noSuchMethod failed"):
        client.batch([("eth_blockNumber", []), ("eth_noSuchMethod", [])])
