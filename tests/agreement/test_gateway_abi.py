"""The gateways' direct ABI path (eth-abi with web3's strict codec) against web3's contract objects.

Reads, call data, relayed calls and logs are encoded and decoded by the gateway itself; web3 is
only used for what the direct path does not take as given. Both must agree on every value, and
arguments web3 refuses must still be refused with web3's error (ValidationFailed, never a call).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from web3._utils.method_formatters import log_entry_formatter

from ledger.chain.gateway import Gateway, _plain
from ledger.chain.registry import RegistryGateway
from ledger.errors import ValidationFailed
from tests.conftest import ChainEnv

QUALIFICATION = 1


def _web3_log(gateway: Gateway, raw: Any) -> dict[str, Any]:
    if isinstance(raw.get("blockNumber"), str):  # the embedded chain's log index, as JSON-RPC gives it
        raw = log_entry_formatter(raw)
    name = gateway._events[raw["topics"][0]]
    return _plain(dict(gateway._contract.events[name]().process_log(raw)["args"]))


def _web3_call(gateway: Gateway, name: str, *args: Any) -> Any:
    return gateway.client.call(gateway._fn(name, *args))


def test_reads_calldata_and_logs_agree_with_web3(chain: ChainEnv) -> None:
    admin = chain.accounts[0]
    reg = chain.deploy("CredentialRegistry", admin.address, sender=admin)
    gw = RegistryGateway.of(chain.client, reg.address)
    chain.transact(reg.functions.authoriseIssuer(admin.address, QUALIFICATION), admin)
    root = b"\x07" * 32
    chain.send(admin, {"to": gw.address, "data": gw.calldata("anchor_wU2", root, QUALIFICATION)})
    assert gw.calldata("anchor_wU2", root, QUALIFICATION) == bytes.fromhex(
        reg.functions.anchor_wU2(root, QUALIFICATION)._encode_transaction_data()[2:])
    assert gw._call("isAuthorised", admin.address, QUALIFICATION) is True
    assert gw._call("isAuthorised", admin.address, QUALIFICATION) == _web3_call(
        gw, "isAuthorised", admin.address, QUALIFICATION)
    assert gw._call("anchorOf", root) == _web3_call(gw, "anchorOf", root)
    assert gw.decode_call(gw.calldata("anchor_wU2", root, QUALIFICATION)) == (
        "anchor_wU2", {k: _plain(v) for k, v in reg.decode_function_input(
            gw.calldata("anchor_wU2", root, QUALIFICATION))[1].items()})
    raws = gw._raw_logs(0, "latest", None, None)
    assert raws
    for raw in raws:
        assert Gateway.decode_log(gw, raw).args == _web3_log(gw, raw)
    # the same logs as a batched JSON-RPC query returns them, decoded as the node gives them
    head = chain.client.block_number()
    answers = chain.client.batch([gw.logs_call(0, head // 2), gw.logs_call(head // 2 + 1, head)])
    assert [gw.decode_log(log) for logs in answers for log in logs] == gw.logs(from_block=0, to_block=head)


def test_arguments_the_direct_path_does_not_take_as_given_go_to_web3(chain: ChainEnv) -> None:
    """A non-checksummed address, a missing argument, an integer out of range, a name that is not an
    address, a bytes32 of 31 bytes: the direct path declines each, so web3 refuses it as before."""
    admin = chain.accounts[0]
    reg = chain.deploy("CredentialRegistry", admin.address, sender=admin)
    gw = RegistryGateway.of(chain.client, reg.address)
    refused = [("isAuthorised", (admin.address.lower(), QUALIFICATION)), ("isAuthorised", (admin.address,)),
               ("isAuthorised", (admin.address, 2**300)), ("isAuthorised", ("not-an-address", 1)),
               ("anchor_wU2", (b"\x01" * 31, QUALIFICATION))]
    for name, args in refused:
        assert gw._direct(name, args) is None, (name, args)
        with pytest.raises(Exception) as direct:  # noqa: PT011 - whatever web3 raises, as before
            gw.calldata(name, *args)
        with pytest.raises(Exception) as web3:  # noqa: PT011
            gw._contract.encode_abi(name, args=list(args))
        assert type(direct.value) in (type(web3.value), ValidationFailed)
    assert gw._direct("isAuthorised", (admin.address, QUALIFICATION)) is not None


@pytest.mark.slow
def test_a_whole_selection_run_decodes_alike_both_ways(tmp_path: Path) -> None:
    """Every event of a small 评定分离 run (draws with their candidate lists, structs in TenderBook's
    events), every view of every draw and every relayed call, decoded both ways."""
    from api.db.journal import Store
    from api.deps import draw_service, selection_service
    from ledger.config import Settings
    from ledger.runtime import open_runtime
    from ledger.uscc import generate_uscc
    from tools.bench.selection import _bidders
    from tools.selection_run import SelectionRun, publish_bid_open, register_pools, selection_params

    rng = random.Random(7)
    settings = Settings(data_dir=tmp_path / "chain", rpc_url=None, chain_id=None, chain_clock="development")
    with open_runtime(settings) as rt:
        store = Store(rt)
        store.reconcile()
        firms = _bidders(store, 4, rng)
        tenderer = generate_uscc(rng)
        now = datetime.fromtimestamp(rt.client.block_timestamp(), UTC)
        params = selection_params(project_code="E440400012026000077", tenderer_uscc=tenderer,
                                  deadline=(now + timedelta(days=21)).isoformat(), criteria=3, experts=7,
                                  shortlist=3, members=5)
        opened = publish_bid_open(store, params, firms, [Decimal(100_000 + i) for i in range(4)], lambda _m: None)
        experts, members = register_pools(rt, experts=12, members=10, tenderer_uscc=tenderer, say=lambda _m: None)
        SelectionRun(rt=rt, svc=selection_service(store), draws=draw_service(store), tender_id=opened.tender_id,
                     section=0, experts=experts, members=members).run(lambda _m: None)
        seen: set[str] = set()
        for name in rt.addresses:
            gw = rt.gateway(name)
            for raw in gw._raw_logs(0, "latest", None, None):
                log = Gateway.decode_log(gw, raw)  # a subclass may add to it (the registry does)
                assert log.args == _web3_log(gw, raw), (name, log.event)
                seen.add(f"{name}.{log.event}")
                if name == "LotteryBook" and log.event == "DrawOpened":
                    did = log.args["drawId"]
                    assert gw._call("drawOf", did) == _web3_call(gw, "drawOf", did)
                tx = rt.client.w3.eth.get_transaction(raw["transactionHash"])
                if tx["to"] == gw.address:
                    function, args = gw.decode_call(bytes(tx["input"]))
                    fn, web3_args = gw._contract.decode_function_input(tx["input"])
                    assert (function, args) == (fn.fn_name, dict(web3_args))
        assert {"LotteryBook.DrawOpened", "LotteryBook.DrawFinished", "SelectionBook.Decided",
                "TenderBook.TenderPublished"} <= seen, seen
        section = rt.selection_book._call("committeeOf", opened.tender_id, 0, 0)
        assert section == _web3_call(rt.selection_book, "committeeOf", opened.tender_id, 0, 0)


@pytest.mark.parametrize(("kind", "word"), [
    ("address", b"\x01" + bytes(11) + b"\x22" * 20),  # dirty padding above an address
    ("uint8", (256).to_bytes(32, "big")),  # beyond the type's range
    ("uint64", (2**64).to_bytes(32, "big")),
    ("bool", (2).to_bytes(32, "big")),
])
def test_a_log_word_the_strict_codec_refuses_is_refused_by_the_sliced_path_too(kind: str, word: bytes) -> None:
    """Logs whose values are one word each are read by slicing; a word eth-abi's strict decoder
    refuses must be refused there too (so the log goes to web3, as before), not read leniently."""
    from eth_abi.exceptions import DecodingError
    from web3 import Web3

    from ledger.chain.gateway import _word_readers

    readers = _word_readers([kind])
    assert readers is not None
    with pytest.raises(DecodingError):
        Web3().codec.decode([kind], word)
    with pytest.raises(DecodingError):
        readers[0](word)


@pytest.mark.parametrize(("kind", "word"), [
    ("address", bytes(12) + bytes.fromhex("ab" * 20)), ("uint16", (513).to_bytes(32, "big")),
    ("uint256", (2**256 - 1).to_bytes(32, "big")), ("bool", (1).to_bytes(32, "big")), ("bytes32", b"\x07" * 32),
])
def test_a_sliced_log_word_reads_as_the_strict_codec_reads_it(kind: str, word: bytes) -> None:
    from web3 import Web3

    from ledger.chain.gateway import _word_readers

    readers = _word_readers([kind])
    assert readers is not None and readers[0](word) == Web3().codec.decode([kind], word)[0]
    assert _word_readers(["string"]) is None and _word_readers(["uint8[]"]) is None
