"""`tender-ledger node`: the data directory's embedded chain as a JSON-RPC node other processes use.

The node holds the chain (the data directory's chain lock) and serves Ethereum JSON-RPC over HTTP;
it leaves the directory itself free, so `tender-ledger serve` and every other command on the same
data directory find the node (in `node.json`) and reach the chain through it, as through any node.
Outside clients (cast, web3, ethers) use the URL it prints.
"""

from __future__ import annotations

import signal
import threading
import sys
from pathlib import Path
from typing import Any

from ledger import memtrace
from ledger.chain.rpc_server import RpcServer, is_loopback
from ledger.config import Settings
from ledger.errors import ConfigurationError
from ledger.runtime import open_runtime

EXIT_OK = 0
EXIT_USAGE = 2


def main(args: Any) -> int:
    memtrace.install_from_env("node")  # TL_TRACEMALLOC: snapshots on SIGUSR1 (ledger.memtrace)
    settings = Settings()
    if args.data_dir:
        settings = settings.model_copy(update={"data_dir": Path(args.data_dir)})
    if not is_loopback(args.host) and not args.allow_remote:
        print(
            f"error: refusing to serve JSON-RPC on {args.host}: the endpoint has no authentication and "
            "no TLS, and whoever reaches it reads the whole chain and submits transactions (and, on a "
            "development chain, moves its clock); pass --allow-remote to do it anyway (behind a proxy "
            "that authenticates)", file=sys.stderr)
        return EXIT_USAGE
    if settings.rpc_url:
        raise ConfigurationError(
            f"TL_RPC_URL is set ({settings.rpc_url}): `tender-ledger node` serves a data directory's "
            "embedded chain; unset TL_RPC_URL"
        )
    say = _say
    with open_runtime(settings, hold_chain=True) as rt:
        chain = rt.client.embedded
        assert chain is not None
        try:
            server = RpcServer(rt.client.w3.provider, args.host, args.port,  # type: ignore[arg-type]
                               remote=args.allow_remote)
        except OSError as exc:
            raise ConfigurationError(f"cannot listen on {args.host}:{args.port}: "
                                     f"{exc.strerror or exc}") from None
        try:
            rt.datadir.publish_node(server.url, chain_id=chain.chain_id,
                                    genesis_hash=str(chain.store.get_meta("genesis_hash")))
            rt.datadir.release_directory()
            data_dir = rt.datadir.path
            clock = ("development: evm_increaseTime, evm_setNextBlockTimestamp and evm_mine answer"
                     if chain.clock.value == "development" else "production: the clock cannot be moved")
            say(f"tender-ledger node: the embedded chain of {data_dir} at {server.url} "
                "(Ethereum JSON-RPC 2.0, HTTP POST)")
            say(f"chain id {chain.chain_id}, block {chain.block_number()}, clock {clock}")
            for name, address in rt.addresses.items():
                say(f"{name:<18} {address}")
            say(f"the service and the CLI find this node through the data directory: "
                f"TL_DATA_DIR={data_dir} tender-ledger serve")
            say(f"any Ethereum client: cast block-number --rpc-url {server.url}")
            say("Ctrl-C stops the node")
            # SIGTERM asks the serving loop to end from another thread (shutdown() waits for the
            # loop, so it must not run on the loop's own thread); Ctrl-C interrupts it.
            previous = signal.signal(
                signal.SIGTERM, lambda signum, frame: threading.Thread(target=server.httpd.shutdown, daemon=True).start())
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
            finally:
                signal.signal(signal.SIGTERM, previous)
        finally:
            server.close()
    say("node stopped")
    return EXIT_OK


def _say(message: str) -> None:
    print(f"… {message}", file=sys.stderr, flush=True)
