"""One behaviour suite for the chain layer, run on the embedded chain and on a real anvil node."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
from eth_account import Account

from ledger.errors import (
    InsufficientFunds,
    NodeUnavailable,
    TransactionRejected,
    Unauthorised,
    ContractRevert,
    ValidationFailed,
    WrongChain,
)
from ledger.chain.client import ChainClient
from tests.conftest import ChainEnv
from tests.nodes import free_port

QUALIFICATION = 1


def _registry(chain: ChainEnv):  # type: ignore[no-untyped-def]
    admin = chain.accounts[0]
    reg = chain.deploy("CredentialRegistry", admin.address, sender=admin)
    chain.transact(reg.functions.authoriseIssuer(admin.address, QUALIFICATION), admin)
    return reg, admin


def test_a_transfer_is_mined_and_its_receipt_reports_success(chain: ChainEnv) -> None:
    a, b = chain.accounts[0], Account.create()
    receipt = chain.client.fund(a, b.address, 12345)
    assert receipt["status"] == 1
    assert receipt["gasUsed"] == 21_000
    assert chain.client.balance(b.address) == 12345
    tx = chain.w3.eth.get_transaction(receipt["transactionHash"])
    assert tx["from"] == a.address and tx["to"] == b.address


def test_a_custom_error_revert_becomes_the_ledgers_exception_with_its_arguments(
    chain: ChainEnv,
) -> None:
    reg, _ = _registry(chain)
    outsider = chain.accounts[1]
    with pytest.raises(Unauthorised) as info:
        chain.transact(reg.functions.anchor_wU2(b"\x01" * 32, QUALIFICATION), outsider)
    assert info.value.error == "NotAuthorised"
    assert info.value.args_["issuer"] == outsider.address
    assert info.value.args_["kind"] == QUALIFICATION


def test_a_revert_in_a_read_call_is_translated_too(chain: ChainEnv) -> None:
    reg, admin = _registry(chain)
    with pytest.raises(ContractRevert) as info:
        chain.client.call(reg.functions.anchor_wU2(b"\x02" * 32, 9))
    assert info.value.error == "InvalidKind"
    assert info.value.args_ == {"kind": 9}


def test_a_read_repeated_after_a_block_sees_the_new_state(chain: ChainEnv) -> None:
    """The embedded chain answers a repeated eth_call on one state from memory: a block (or a
    clock move) in between must show through, and a cached revert still raises every time."""
    reg, admin = _registry(chain)
    issuer = chain.accounts[2].address
    authorised = reg.functions.isAuthorised(issuer, QUALIFICATION)
    assert chain.client.call(authorised) is False
    assert chain.client.call(authorised) is False
    chain.transact(reg.functions.authoriseIssuer(issuer, QUALIFICATION), admin)
    assert chain.client.call(authorised) is True
    errors = []
    for _ in range(2):
        with pytest.raises(Unauthorised) as info:
            chain.client.call(reg.functions.authoriseIssuer(issuer, QUALIFICATION))  # not from the admin
        errors.append((info.value.error, info.value.args_))
    assert errors[0] == errors[1] and errors[0][0]
    chain.increase_time(60)
    assert chain.client.call(authorised) is True


def test_an_estimate_and_a_dry_run_of_one_transaction_agree_and_a_block_between_shows_through(
    chain: ChainEnv,
) -> None:
    """The embedded chain answers a dry run of a transaction it has just estimated on the same
    state (and the reverse) from the first run: the same refusal both ways, and none once a block
    has changed what the transaction meets."""
    from ledger.chain.registry import RegistryGateway

    reg, admin = _registry(chain)
    issuer = chain.accounts[2]
    gw = RegistryGateway.of(chain.client, reg.address)
    data = gw.calldata("anchor_wU2", b"\x03" * 32, QUALIFICATION)
    for first in ("estimate", "dry run", "estimate"):
        with pytest.raises(Unauthorised) as info:
            if first == "estimate":
                chain.client.build(issuer.address, {"to": gw.address, "data": data})
            else:
                gw.dry_run(issuer.address, data)
        assert info.value.error == "NotAuthorised"
    chain.transact(reg.functions.authoriseIssuer(issuer.address, QUALIFICATION), admin)
    gw.dry_run(issuer.address, data)
    built = chain.client.build(issuer.address, {"to": gw.address, "data": data})
    receipt = chain.send(issuer, {"to": gw.address, "data": data, "gas": built["gas"]})
    assert receipt["status"] == 1 and receipt["gasUsed"] <= built["gas"]


def test_logs_are_found_by_address_topic_and_block_range(chain: ChainEnv) -> None:
    reg, admin = _registry(chain)
    roots = [os.urandom(32) for _ in range(5)]
    blocks = [
        chain.transact(reg.functions.anchor_wU2(r, QUALIFICATION), admin)["blockNumber"] for r in roots
    ]
    events = reg.events.Anchored.get_logs(from_block=blocks[0], to_block=blocks[-1])
    assert [e["args"]["root"] for e in events] == roots
    middle = reg.events.Anchored.get_logs(from_block=blocks[1], to_block=blocks[3])
    assert [e["args"]["root"] for e in middle] == roots[1:4]
    topic = chain.w3.keccak(text="Anchored(bytes32)")
    by_root = chain.w3.eth.get_logs(
        {"fromBlock": 0, "toBlock": "latest", "topics": [topic, roots[2]]}
    )
    assert len(by_root) == 1 and by_root[0]["blockNumber"] == blocks[2]


def test_resubmitting_a_signed_transaction_is_idempotent(chain: ChainEnv) -> None:
    reg, admin = _registry(chain)
    built = chain.client.build(admin, reg.functions.anchor_wU2(os.urandom(32), QUALIFICATION))
    raw = bytes(admin.sign_transaction(built).raw_transaction)
    first = chain.client.send_raw(raw)
    again = chain.client.send_raw(raw)
    assert first["transactionHash"] == again["transactionHash"]
    assert first["blockNumber"] == again["blockNumber"]
    assert chain.w3.eth.get_transaction_count(admin.address) == built["nonce"] + 1


def test_a_signing_key_with_no_funds_gets_a_clear_error(chain: ChainEnv) -> None:
    broke = Account.create()
    with pytest.raises(InsufficientFunds, match="no funds"):
        chain.client.send(broke, {"to": chain.accounts[0].address, "value": 1, "gas": 21_000})


def test_a_stale_nonce_is_rejected_and_the_next_send_recovers(chain: ChainEnv) -> None:
    a = chain.accounts[2]
    chain.client.fund(a, chain.accounts[3].address, 1)
    tx = {
        "to": chain.accounts[3].address,
        "value": 2,
        "gas": 21_000,
        "nonce": 0,
        "type": 2,
        "chainId": chain.client.chain_id,
        **chain.client.fees(),
    }
    with pytest.raises(TransactionRejected, match="nonce"):
        chain.client.send_raw(bytes(a.sign_transaction(tx).raw_transaction))
    assert chain.client.fund(a, chain.accounts[3].address, 1)["status"] == 1


def test_threads_sending_with_one_key_all_land_in_nonce_order(chain: ChainEnv) -> None:
    """Two threads of one process sending with one key (a request and the checkpoint writer both
    sign with the centre's) hand the node their transactions in nonce order: none is refused as
    "nonce too high" because a later nonce overtook an earlier one."""
    from concurrent.futures import ThreadPoolExecutor

    sender, to = chain.accounts[2], chain.accounts[3].address
    start = chain.client.w3.eth.get_transaction_count(sender.address)
    with ThreadPoolExecutor(max_workers=8) as pool:
        receipts = list(pool.map(lambda _: chain.client.fund(sender, to, 1), range(24)))
    assert all(r["status"] == 1 for r in receipts)
    assert chain.client.w3.eth.get_transaction_count(sender.address) == start + 24


def _unfunded_step(chain: ChainEnv, nonce: int = 0) -> tuple[Any, bytes, int]:
    """A new key with no funds, its own signed transfer of 1 wei, and what that may cost it."""
    key = Account.create()
    tx = {"to": chain.accounts[3].address, "value": 1, "gas": 21_000, "nonce": nonce, "type": 2,
          "chainId": chain.client.chain_id, **chain.client.fees()}
    return key, bytes(key.sign_transaction(tx).raw_transaction), 21_000 * tx["maxFeePerGas"] + 1


def test_a_relayed_step_is_paid_for_by_its_top_up_in_the_same_block_on_the_embedded_chain(
    chain: ChainEnv,
) -> None:
    """The relayer's top-up and the step it pays for: both mined, the top-up first; on the
    embedded chain in one block, on a node the top-up in a block of its own before the step."""
    funder = chain.accounts[2]
    key, raw, cost = _unfunded_step(chain)
    receipt = chain.client.send_raw_funded(funder, key.address, cost, raw)
    assert receipt["status"] == 1 and receipt["from"] == key.address
    block = chain.w3.eth.get_block(receipt["blockNumber"], full_transactions=True)
    before = [tx for tx in block["transactions"] if tx["transactionIndex"] < receipt["transactionIndex"]]
    if chain.backend == "embedded":
        assert [(tx["from"], tx["to"], tx["value"]) for tx in before] == [(funder.address, key.address, cost)]
    else:
        previous = chain.w3.eth.get_block(receipt["blockNumber"] - 1, full_transactions=True)["transactions"]
        assert [(tx["from"], tx["to"], tx["value"]) for tx in previous] == [(funder.address, key.address, cost)]
    assert chain.w3.eth.get_transaction_count(key.address) == 1
    assert chain.client.fund(funder, chain.accounts[3].address, 1)["status"] == 1  # its nonces still line up


def test_a_top_up_for_a_step_that_cannot_be_mined_is_not_mined_either(chain: ChainEnv) -> None:
    """A step with a nonce from the future: the embedded chain mines neither it nor its top-up (the
    block would need both), and the funder's next transaction takes the nonce the top-up had."""
    if chain.backend != "embedded":
        pytest.skip("a node mines the top-up first, before the step is sent")
    funder = chain.accounts[2]
    key, raw, cost = _unfunded_step(chain, nonce=5)
    head, nonce = chain.client.block_number(), chain.w3.eth.get_transaction_count(funder.address)
    with pytest.raises(TransactionRejected, match="nonce too high"):
        chain.client.send_raw_funded(funder, key.address, cost, raw)
    assert (chain.client.block_number(), chain.client.balance(key.address)) == (head, 0)
    assert chain.w3.eth.get_transaction_count(funder.address) == nonce
    assert chain.client.fund(funder, chain.accounts[3].address, 1)["status"] == 1


def test_a_step_already_mined_is_not_mined_again_when_relayed_with_a_top_up(chain: ChainEnv) -> None:
    """Resubmitting a relayed step is idempotent on the top-up path too."""
    funder = chain.accounts[2]
    key, raw, cost = _unfunded_step(chain)
    first = chain.client.send_raw_funded(funder, key.address, cost, raw)
    again = chain.client.send_raw_funded(funder, key.address, cost, raw)
    assert (first["transactionHash"], first["blockNumber"]) == (again["transactionHash"], again["blockNumber"])
    assert chain.w3.eth.get_transaction_count(key.address) == 1


def test_moving_the_clock_forward_moves_block_time(chain: ChainEnv) -> None:
    before = chain.client.block_timestamp()
    chain.increase_time(3600)
    assert chain.client.block_timestamp() >= before + 3600


def test_a_node_url_that_does_not_answer_is_a_clear_error() -> None:
    with pytest.raises(NodeUnavailable, match="does not answer"):
        ChainClient.for_node(f"http://127.0.0.1:{free_port()}", expected_chain_id=None, timeout=2)


def test_a_node_on_another_chain_id_is_refused(anvil) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WrongChain, match="31337"):
        ChainClient.for_node(anvil.url, expected_chain_id=1)


def test_a_step_prepared_a_few_blocks_ago_is_still_sponsored_and_an_overpriced_one_is_not(chain: ChainEnv) -> None:
    """The relayer tops a party's step up to what it may cost, capped at SPONSORED_GAS at twice the
    highest fee of the last blocks: the base fee falls by up to an eighth a block (a young embedded
    chain mines many blocks a second), so a step signed as prepared some blocks ago is still
    sponsored; a step signed for a fee far above any recent one is refused before anything is mined."""
    from hexbytes import HexBytes

    from ledger.chain.registry import RegistryGateway
    from ledger.chain.relay import RECENT_BLOCKS, SPONSORED_GAS, relay

    reg, admin = _registry(chain)
    gw = RegistryGateway.of(chain.client, reg.address)
    issuer = Account.create()  # holds no funds
    chain.transact(reg.functions.authoriseIssuer(issuer.address, QUALIFICATION), admin)
    funder = chain.accounts[2]

    def signed(tx: dict[str, Any]) -> str:
        return "0x" + bytes(issuer.sign_transaction(tx).raw_transaction).hex()

    prepared = gw.prepare(issuer.address, "anchor_wU2", os.urandom(32), QUALIFICATION).for_signing()
    fee_then = int(prepared["maxFeePerGas"])
    for _ in range(40):  # blocks nearly empty: the base fee falls
        chain.client.fund(funder, chain.accounts[3].address, 1)
    time.sleep(1.1)  # the client reads the base fee again once a second
    fee_now = chain.client.fees()["maxFeePerGas"]
    if chain.backend == "embedded":  # anvil's automined blocks here already sit at its lowest base fee
        assert fee_now < fee_then / 2 < chain.client.recent_max_fee(), (fee_then, fee_now)
    done = relay(gw, gw.decode_signed(signed(prepared)), sponsor=funder)
    assert chain.w3.eth.get_transaction_receipt(HexBytes(done.tx_hash))["status"] == 1

    head, balance = chain.client.block_number(), chain.client.balance(issuer.address)
    greedy = gw.prepare(issuer.address, "anchor_wU2", os.urandom(32), QUALIFICATION).for_signing()
    recent = chain.client.recent_max_fee(RECENT_BLOCKS)
    greedy["maxFeePerGas"] = 2 * SPONSORED_GAS * recent // int(greedy["gas"]) + recent  # beyond the cap
    with pytest.raises(ValidationFailed, match="the relayer sponsors a party's step up to"):
        relay(gw, gw.decode_signed(signed(greedy)), sponsor=funder)
    hungry = gw.prepare(issuer.address, "anchor_wU2", os.urandom(32), QUALIFICATION).for_signing()
    hungry["gas"] = SPONSORED_GAS + 1  # more gas than any sponsored step, at a fee within the cap,
    hungry["maxFeePerGas"] = chain.client.recent_max_fee()  # costing more than the key holds
    with pytest.raises(ValidationFailed, match="1,000,001 gas; the relayer sponsors a party's step up to 1,000,000"):
        relay(gw, gw.decode_signed(signed(hungry)), sponsor=funder)
    assert (chain.client.block_number(), chain.client.balance(issuer.address)) == (head, balance)
