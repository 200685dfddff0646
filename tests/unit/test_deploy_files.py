"""The consortium's Besu QBFT network files (deploy/besu/) hold together: every file parses, the
genesis' QBFT extraData names exactly the four bodies' validators, the allowlist lists their
nodes, the network is a free gas network throughout, the docs give the service the genesis' chain
id, and the files are what scripts/besu_network.py writes from network.json. No Besu runs here:
the last test runs the service and a short tender on a node process with the genesis' chain id
and zero fees (anvil), with no party holding any ether."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import rlp
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_keys import keys
from eth_utils import to_checksum_address

ROOT = Path(__file__).resolve().parents[2]
BESU = ROOT / "deploy" / "besu"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
SECTION = "## A four-validator Besu QBFT network"
EIP170_LIMIT = 24576  # the contract size limit Besu applies when the genesis sets none


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("besu_network", ROOT / "scripts" / "besu_network.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generator = _load_generator()


def _network() -> dict[str, Any]:
    return dict(json.loads((BESU / "network.json").read_text()))


def _genesis() -> dict[str, Any]:
    return dict(json.loads((BESU / "genesis.json").read_text()))


def _permissions() -> dict[str, Any]:
    return tomllib.loads((BESU / "permissions_config.toml").read_text())


def _node_configs() -> dict[str, dict[str, Any]]:
    return {path.parent.name: tomllib.loads(path.read_text()) for path in sorted((BESU / "nodes").glob("*/config.toml"))}


def _address_of(public_key_hex: str) -> str:
    """A node key's address, computed with eth_keys (not the generator's own code)."""
    return keys.PublicKey(bytes.fromhex(public_key_hex.removeprefix("0x"))).to_checksum_address()


def _enode_key(url: str) -> str:
    match = re.fullmatch(r"enode://([0-9a-f]{128})@(\d+\.\d+\.\d+\.\d+):(\d+)", url)
    assert match, f"not an enode URL with an IP address: {url}"
    return match.group(1)


def _decoded_extra_data(extra: str) -> list[Any]:
    decoded = rlp.decode(bytes.fromhex(extra.removeprefix("0x")))
    assert isinstance(decoded, list) and len(decoded) == 5, "QBFT extraData is [vanity, validators, vote, round, seals]"
    return decoded


def _validators(extra: str) -> list[str]:
    vanity, validators, vote, round_, seals = _decoded_extra_data(extra)
    assert vanity == bytes(32)
    assert vote == [] and round_ == b"" and seals == [], "a genesis block carries no vote, round 0 and no seals"
    assert all(isinstance(v, bytes) and len(v) == 20 for v in validators)
    return [str(to_checksum_address(v)) for v in validators]


def _doc_section() -> str:
    text = DEPLOY_DOC.read_text()
    assert SECTION in text, f"docs/deploy.md has no section {SECTION!r}"
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start:] if end < 0 else text[start:end]


# ------------------------------------------------------------------------------ the files parse
def test_every_network_file_parses() -> None:
    assert json.loads((BESU / "network.json").read_text())["bodies"]
    assert _genesis()["config"]["qbft"]
    assert _permissions()["nodes-allowlist"]
    configs = _node_configs()
    assert sorted(configs) == sorted(b["id"] for b in _network()["bodies"])
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((BESU / "docker-compose.yml").read_text())
    assert sorted(compose["services"]) == sorted(configs)
    for name, service in compose["services"].items():
        assert f"./nodes/{name}/config.toml:/etc/besu/config.toml:ro" in service["volumes"]
    assert "ExecStart=" in (BESU / "besu.service").read_text()


def test_the_files_are_what_the_generator_writes_from_network_json() -> None:
    assert generator.main(["--check"]) == 0


def test_a_hand_edited_genesis_is_found_stale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Someone swaps a validator in genesis.json by hand, leaving network.json as agreed."""
    copy = tmp_path / "besu"
    shutil.copytree(BESU, copy)
    genesis = json.loads((copy / "genesis.json").read_text())
    intruder = bytes.fromhex(Account.create().address[2:])
    vanity, validators, vote, round_, seals = _decoded_extra_data(genesis["extraData"])
    genesis["extraData"] = "0x" + rlp.encode([vanity, [*validators[:3], intruder], vote, round_, seals]).hex()
    (copy / "genesis.json").write_text(json.dumps(genesis, indent=2) + "\n")
    assert generator.main(["--check", "--dir", str(copy)]) == 1
    assert "genesis.json" in capsys.readouterr().err


# ------------------------------------------------------------------------------ validators
def test_the_genesis_extra_data_decodes_to_exactly_the_four_bodies_validators() -> None:
    bodies = _network()["bodies"]
    assert len(bodies) == 4
    expected = [_address_of(b["node_public_key"]) for b in bodies]
    assert len(set(expected)) == 4
    assert _validators(_genesis()["extraData"]) == expected


def test_extra_data_with_a_fifth_validator_or_a_vote_is_not_the_four() -> None:
    vanity, validators, vote, round_, seals = _decoded_extra_data(_genesis()["extraData"])
    fifth = "0x" + rlp.encode([vanity, [*validators, bytes(20)], vote, round_, seals]).hex()
    assert len(_validators(fifth)) == 5
    voted = "0x" + rlp.encode([vanity, validators, [bytes(20), b"\x01"], round_, seals]).hex()
    with pytest.raises(AssertionError):
        _validators(voted)


# ------------------------------------------------------------------------------ permissioning
def test_the_nodes_allowlist_is_the_four_validators_nodes() -> None:
    bodies = _network()["bodies"]
    listed = [_enode_key(url) for url in _permissions()["nodes-allowlist"]]
    assert sorted(listed) == sorted(b["node_public_key"].removeprefix("0x") for b in bodies)
    assert sorted(_address_of(k) for k in listed) == sorted(_validators(_genesis()["extraData"]))


def test_each_node_enforces_the_allowlist_and_boots_from_the_other_three() -> None:
    allowlist = set(_permissions()["nodes-allowlist"])
    bodies = {b["id"]: b for b in _network()["bodies"]}
    for name, config in _node_configs().items():
        own = bodies[name]
        assert config["permissions-nodes-config-file-enabled"] is True
        assert config["permissions-nodes-config-file"] == "/etc/besu/permissions_config.toml"
        assert set(config["bootnodes"]) == allowlist - {f"enode://{own['node_public_key'][2:]}@{own['ip']}:{config['p2p-port']}"}
        assert len(config["bootnodes"]) == 3
        assert config["p2p-host"] == own["ip"]
        assert config["genesis-file"] == "/etc/besu/genesis.json"
        assert config["node-private-key-file"].startswith(config["data-path"] + "/")
        assert config["rpc-http-host"] == "127.0.0.1", "a node's JSON-RPC is for its own host only"


def test_the_accounts_allowlist_holds_the_members_relayer_and_centre() -> None:
    net = _network()
    listed = _permissions()["accounts-allowlist"]
    assert listed == [b["member"] for b in net["bodies"]] + [net["service_accounts"]["relayer"],
                                                            net["service_accounts"]["centre"]]
    members = {b["member"] for b in net["bodies"]}
    node_addresses = {_address_of(b["node_public_key"]) for b in net["bodies"]}
    assert not members & node_addresses, "a body's governance key is not its node key"


# ------------------------------------------------------------------------------ free gas
def test_the_network_is_a_free_gas_network_throughout() -> None:
    genesis = _genesis()
    config = genesis["config"]
    assert config["zeroBaseFee"] is True and int(genesis["baseFeePerGas"], 16) == 0
    assert config["londonBlock"] == 0, "the base fee exists from genesis"
    assert genesis["alloc"] == {}, "nobody is funded: nobody needs funds"
    for name, node in _node_configs().items():
        assert node["min-gas-price"] == 0, f"{name}'s node would refuse zero-fee transactions"


def test_the_genesis_runs_the_rules_the_contracts_are_compiled_for() -> None:
    config = _genesis()["config"]
    assert config["shanghaiTime"] == 0 and config["cancunTime"] == 0  # evmVersion cancun: PUSH0, MCOPY, TSTORE
    limit = config.get("contractSizeLimit", EIP170_LIMIT)
    for path in sorted((ROOT / "ledger" / "artifacts").glob("*.json")):
        artifact = json.loads(path.read_text())
        code = artifact.get("deployedBytecode")
        if code:
            size = len(code.removeprefix("0x")) // 2
            assert size <= limit, f"{path.stem} is {size} bytes of code, over the network's limit {limit}"


# ------------------------------------------------------------------------------ the docs
def test_the_docs_tell_the_service_the_genesis_chain_id_and_members() -> None:
    section = _doc_section()
    chain_ids = {int(v) for v in re.findall(r"TL_CHAIN_ID=(\d+)", section)}
    assert chain_ids == {_genesis()["config"]["chainId"]} == {_network()["chain_id"]}
    governance = re.findall(r"TL_GOVERNANCE=([^\s\\]+)", section)
    assert governance, "the section sets TL_GOVERNANCE"
    from ledger.runtime import parse_members

    members = parse_members(governance[0].strip("'\""))  # as the service reads it
    assert {m.address: m.name for m in members} == {b["member"]: b["name"] for b in _network()["bodies"]}


# ------------------------------------------------------------------------------ a node like it
@pytest.fixture(scope="module")
def free_gas_node() -> Iterator[Any]:
    """anvil with the genesis' chain id and no fees: base fee 0 and gas price 0."""
    from tests.nodes import AnvilNode

    node = AnvilNode(_genesis()["config"]["chainId"], options=("--gas-price", "0", "--base-fee", "0"))
    yield node
    node.stop()


@pytest.mark.slow
@pytest.mark.node
def test_the_service_runs_a_tender_on_a_free_gas_node_with_nobody_holding_ether(
    free_gas_node: Any, tmp_path: Path,
) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.ops import OpsSettings
    from ledger.config import Settings
    from ledger.documents import Kind
    from tests.scenes import Scene

    class FreeGasScene(Scene):
        def account(self, funds: int = 0) -> LocalAccount:  # nobody is given ether
            return Account.create()

    relayer = Account.create()  # holds nothing either
    settings = Settings(data_dir=tmp_path / "data", rpc_url=free_gas_node.url, chain_id=_network()["chain_id"],
                        signer_key=relayer.key.hex())
    app = create_app(settings, OpsSettings(sync_interval_s=0))
    with TestClient(app) as http:
        scene = FreeGasScene(http, app.state.runtime)
        assert http.get("/chain").json()["chain_id"] == _network()["chain_id"]
        issuer = scene.issuer(Kind.IDENTITY, Kind.QUALIFICATION)
        firms = [scene.firm(issuer, kinds=(Kind.IDENTITY, Kind.QUALIFICATION)) for _ in range(3)]
        tender = scene.tender()
        for firm in firms:  # three valid bids: a section opens with no fewer
            assert scene.bid(firm, tender).status_code == 201
        scene.after_deadline(tender)
        scene.release(tender)
        opened = scene.open(tender)
        assert opened.status_code == 200, opened.text

        rt = scene.rt
        parties = [relayer.address, rt.centre.address, *(g.account.address for g in rt.governors),
                   issuer.account.address, *(f.address for f in firms), *(o.address for o in tender.officers)]
        assert [rt.client.balance(a) for a in parties] == [0] * len(parties)
        head = rt.client.block_number()
        mined = [rt.client.w3.eth.get_block(n, full_transactions=True) for n in range(1, head + 1)]
        transactions = [tx for block in mined for tx in block["transactions"]]
        assert transactions and all(int(b["baseFeePerGas"]) == 0 for b in mined)
        assert all(tx["maxFeePerGas"] == 0 for tx in transactions), "every transaction, parties' too, is free"


@pytest.mark.slow
@pytest.mark.node
def test_an_unfunded_relayer_is_still_refused_on_a_node_that_charges_fees(anvil: Any, tmp_path: Path) -> None:
    """Free gas is read from the chain, not assumed: where blocks have a base fee, a relayer with
    nothing cannot deploy, and start-up says so."""
    from ledger.config import Settings
    from ledger.errors import RelayerUnfunded
    from ledger.runtime import open_runtime

    settings = Settings(data_dir=tmp_path / "data", rpc_url=anvil.url, chain_id=anvil.chain_id,
                        signer_key=Account.create().key.hex())
    with pytest.raises(RelayerUnfunded, match="has no funds"):
        open_runtime(settings)
