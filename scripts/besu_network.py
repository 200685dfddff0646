"""Write the files of the consortium's Besu QBFT network from deploy/besu/network.json.

    .venv/bin/python scripts/besu_network.py           # (re)write the files under deploy/besu/
    .venv/bin/python scripts/besu_network.py --check   # exit 1 and name the files that are stale

network.json holds what the four bodies agree on — chain id, block period, each body's node
public key, private address and governance member account — and this writes from it:

- genesis.json: QBFT (`config.qbft`), every fork up to Cancun at genesis, a zero base fee, no
  funded account, and `extraData` = RLP([32 zero bytes, [the four validators], no vote, round 0,
  no seals]), each validator being the address of a body's node key;
- permissions_config.toml: the nodes allowlist (the four enode URLs) and the accounts allowlist
  (the members', the relayer's and the centre's accounts);
- nodes/<body>/config.toml: each body's node options (zero minimum gas price, full history, the
  allowlist, RPC on its own host only);
- docker-compose.yml: the four nodes on one host, for a rehearsal of the network.

Output is deterministic, so `--check` holds the committed files to network.json; docs/deploy.md
("A four-validator Besu QBFT network") walks through them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import rlp
from eth_utils import keccak, to_checksum_address

ROOT = Path(__file__).resolve().parent.parent
BESU = ROOT / "deploy" / "besu"
NETWORK = BESU / "network.json"
VANITY = bytes(32)
# QBFT's mixHash, the same constant IBFT 2.0 uses ("Istanbul byzantine fault tolerance").
QBFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365"
HEADER = "# Written by scripts/besu_network.py from deploy/besu/network.json: edit that file and rerun.\n"


def node_address(public_key: str) -> str:
    """The account (validator) address of a node key: the last 20 bytes of the Keccak hash of the
    64-byte uncompressed public key."""
    raw = bytes.fromhex(public_key.removeprefix("0x"))
    if len(raw) != 64:
        raise ValueError(f"a node public key is 64 bytes, not {len(raw)}: {public_key}")
    return to_checksum_address(keccak(raw)[12:])


def qbft_extra_data(validators: list[str]) -> str:
    """QBFT genesis extraData: RLP([vanity, validators, vote, round, seals]) with no vote (an empty
    list), round 0 (an empty string) and no seals."""
    addresses = [bytes.fromhex(v.removeprefix("0x")) for v in validators]
    return "0x" + rlp.encode([VANITY, addresses, [], b"", []]).hex()


def enode(body: dict[str, Any], port: int) -> str:
    return f"enode://{body['node_public_key'].removeprefix('0x')}@{body['ip']}:{port}"


def _toml_list(values: list[str], indent: str = "  ") -> str:
    return "[\n" + "".join(f'{indent}"{v}",\n' for v in values) + "]"


def genesis(net: dict[str, Any]) -> str:
    validators = [node_address(b["node_public_key"]) for b in net["bodies"]]
    doc = {
        "config": {
            "chainId": net["chain_id"],
            "homesteadBlock": 0, "eip150Block": 0, "eip155Block": 0, "eip158Block": 0,
            "byzantiumBlock": 0, "constantinopleBlock": 0, "petersburgBlock": 0, "istanbulBlock": 0,
            "berlinBlock": 0, "londonBlock": 0, "shanghaiTime": 0, "cancunTime": 0,
            "zeroBaseFee": True,
            "qbft": {
                "blockperiodseconds": net["block_period_seconds"],
                "emptyblockperiodseconds": net["empty_block_period_seconds"],
                "epochlength": net["epoch_length"],
                "requesttimeoutseconds": net["request_timeout_seconds"],
            },
        },
        "nonce": "0x0",
        "timestamp": net["genesis_timestamp"],
        "gasLimit": net["gas_limit"],
        "difficulty": "0x1",
        "mixHash": QBFT_MIX_HASH,
        "coinbase": "0x0000000000000000000000000000000000000000",
        "baseFeePerGas": "0x0",
        "alloc": {},
        "extraData": qbft_extra_data(validators),
    }
    return json.dumps(doc, indent=2) + "\n"


def permissions(net: dict[str, Any]) -> str:
    accounts = [b["member"] for b in net["bodies"]] + [net["service_accounts"][k] for k in ("relayer", "centre")]
    nodes = [enode(b, net["p2p_port"]) for b in net["bodies"]]
    return (HEADER
            + "# Every node of the network: a node not listed here cannot peer with any of them.\n"
            + f"nodes-allowlist={_toml_list(nodes)}\n\n"
            + "# The accounts with fixed keys: the four governance members, the service's relayer and the\n"
            + "# trading centre. The nodes leave account permissioning off (docs/deploy.md says why).\n"
            + f"accounts-allowlist={_toml_list(accounts)}\n")


def node_config(net: dict[str, Any], body: dict[str, Any]) -> str:
    peers = [enode(b, net["p2p_port"]) for b in net["bodies"] if b["id"] != body["id"]]
    return (HEADER
            + f"# The node of {body['name']} ({body['id']}), validator {node_address(body['node_public_key'])}.\n\n"
            + 'genesis-file="/etc/besu/genesis.json"\n'
            + 'data-path="/var/lib/besu"\n'
            + '# The body\'s own node key: made on this host, never copied anywhere.\n'
            + 'node-private-key-file="/var/lib/besu/key"\n'
            + '# Full history, so that an auditor may read any past block\'s state (eth_call at a block).\n'
            + 'sync-mode="FULL"\n'
            + 'data-storage-format="FOREST"\n\n'
            + f'p2p-host="{body["ip"]}"\n'
            + f"p2p-port={net['p2p_port']}\n"
            + 'nat-method="NONE"\n'
            + f"bootnodes={_toml_list(peers)}\n\n"
            + "# A free gas network: no account needs funds (genesis: zeroBaseFee).\n"
            + "min-gas-price=0\n\n"
            + "# JSON-RPC on this host only; the trading centre's service is the one outside client.\n"
            + "rpc-http-enabled=true\n"
            + 'rpc-http-host="127.0.0.1"\n'
            + f"rpc-http-port={net['rpc_port']}\n"
            + 'rpc-http-api=["ETH","NET","WEB3","QBFT"]\n'
            + 'host-allowlist=["localhost","127.0.0.1"]\n\n'
            + "permissions-nodes-config-file-enabled=true\n"
            + 'permissions-nodes-config-file="/etc/besu/permissions_config.toml"\n'
            + "permissions-accounts-config-file-enabled=false\n"
            + 'permissions-accounts-config-file="/etc/besu/permissions_config.toml"\n\n'
            + "metrics-enabled=true\n"
            + 'metrics-host="127.0.0.1"\n'
            + "metrics-port=9545\n")


def compose(net: dict[str, Any]) -> str:
    lines = [HEADER.rstrip("\n"),
             "# A rehearsal of the network on one host: the four bodies' nodes as containers on one",
             "# private network, each with its own data directory data/<body>/ holding its node key",
             "# (data/<body>/key, made by `besu public-key export`). In production each body runs its",
             "# node on its own host (nodes/<body>/config.toml, besu.service). BESU_VERSION: the Besu",
             "# release the four bodies agreed on.",
             "services:"]
    for body in net["bodies"]:
        service = body.get("service", False)
        lines += [
            f"  {body['id']}:",
            "    image: hyperledger/besu:${BESU_VERSION:?set BESU_VERSION to the agreed Besu release}",
            "    restart: unless-stopped",
            "    command:",
            "      - --config-file=/etc/besu/config.toml",
            *(["      - --rpc-http-host=0.0.0.0",
               '      - --host-allowlist=*'] if service else []),
            "    volumes:",
            "      - ./genesis.json:/etc/besu/genesis.json:ro",
            "      - ./permissions_config.toml:/etc/besu/permissions_config.toml",
            f"      - ./nodes/{body['id']}/config.toml:/etc/besu/config.toml:ro",
            f"      - ./data/{body['id']}:/var/lib/besu",
            "    networks:",
            "      consortium:",
            f"        ipv4_address: {body['ip']}",
            *([ "    ports:",
                f'      - "127.0.0.1:{net["rpc_port"]}:{net["rpc_port"]}"   # the service, on this host only']
              if service else []),
        ]
    lines += ["networks:", "  consortium:", "    ipam:", "      config:", f"        - subnet: {net['subnet']}"]
    return "\n".join(lines) + "\n"


def outputs(net: dict[str, Any], where: Path = BESU) -> dict[Path, str]:
    """Every file written from `net`, by path under `where`."""
    files = {where / "genesis.json": genesis(net), where / "permissions_config.toml": permissions(net),
             where / "docker-compose.yml": compose(net)}
    for body in net["bodies"]:
        files[where / "nodes" / body["id"] / "config.toml"] = node_config(net, body)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file differs from what network.json makes")
    parser.add_argument("--dir", type=Path, default=BESU, help="the directory of network.json and the files")
    args = parser.parse_args(argv)
    net = json.loads((args.dir / NETWORK.name).read_text())
    stale = []
    for path, text in outputs(net, args.dir).items():
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.relative_to(args.dir).as_posix())
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        print("error: stale (rerun scripts/besu_network.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
