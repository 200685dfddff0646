"""Opening the ledger: data directory, chain (embedded or node), the keys, deployed contracts.

The keys are split so that no one of them decides an outcome: the relayer pays for transactions
and holds no role; the trading centre signs its own steps; the governance (an M-of-N of named
bodies, a contract) is the admin of every other contract. docs/security.md says who holds which.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from eth_utils.address import is_address, to_checksum_address
from pydantic import SecretStr

from ledger.chain.checkpoint_book import CheckpointBookGateway
from ledger.chain.embedded import ChainError, EmbeddedChain
from ledger.chain.client import ChainClient
from ledger.chain.gateway import Gateway
from ledger.chain.governance import GovernanceGateway
from ledger.chain.guarantee_book import GuaranteeBookGateway
from ledger.chain.lottery_book import LotteryBookGateway
from ledger.chain.performance_book import PerformanceBookGateway
from ledger.chain.selection_book import SelectionBookGateway
from ledger.chain.registry import RegistryGateway
from ledger.chain.tender_book import TenderBookGateway
from ledger.config import EMBEDDED_CHAIN_ID, Settings
from ledger.datadir import DataDir
from ledger.model.governance import Member
from ledger.model.receipt import Mined
from ledger.service.governance import enact
from ledger.errors import (
    ConfigurationError,
    CorruptDataDir,
    DataDirInUse,
    DeploymentMissing,
    RelayerUnfunded,
    WrongChain,
)

# Contracts the ledger deploys, in order. Governance (the consortium's M-of-N) comes first and is
# the admin of the others: each takes it as first constructor argument, then the addresses of the
# contracts it reads. The relayer deploys them and holds no role in any.
# GuaranteeBook comes after SelectionBook: it reads each section's winner from SelectionBook's award;
# PerformanceBook comes next: it reads the award and the contract signing from GuaranteeBook.
# CheckpointBook (the store's log checkpoints) comes last, so that a data directory made before it
# existed gets it on its next start with every other address unchanged; it reads TenderBook's centres.
CONTRACTS: tuple[str, ...] = ("Governance", "CredentialRegistry", "TenderBook", "LotteryBook", "SelectionBook",
                               "GuaranteeBook", "PerformanceBook", "CheckpointBook")
DEPENDS_ON: dict[str, tuple[str, ...]] = {"GuaranteeBook": ("TenderBook", "SelectionBook"),
                                          "LotteryBook": ("TenderBook",),
                                          "SelectionBook": ("TenderBook", "LotteryBook"),
                                          "PerformanceBook": ("TenderBook", "GuaranteeBook"),
                                          "CheckpointBook": ("TenderBook",)}
# Contracts with no admin (nobody holds a power over them): they take only the contracts they read.
UNGOVERNED: frozenset[str] = frozenset({"LotteryBook", "PerformanceBook", "CheckpointBook"})
EMBEDDED_RELAYER_FUNDS = 10**30
LOCAL_KEY_FUNDS = 10**24
#: The development consortium a data directory makes when TL_GOVERNANCE is unset: four bodies,
#: three of whose approvals make a call. Their keys sit in keys/governance/ of that one directory,
#: which is for trying the ledger out only (docs/security.md): in production each body keeps its own.
DEV_BODIES: tuple[tuple[str, str], ...] = (
    ("housing", "市住房和城乡建设局"),
    ("market", "市市场监督管理局"),
    ("credit", "市社会信用体系建设办公室"),
    ("trading-centre", "市公共资源交易中心"),
)


@dataclass(frozen=True)
class Governor:
    """A governance member whose key this data directory holds (development consortium only)."""

    slug: str
    name: str
    account: LocalAccount


@dataclass
class Runtime:
    """Everything a command or the API needs to act on the chain: the relayer (pays gas, no
    role), the trading centre's own key, and the governance member keys held here (if any)."""

    settings: Settings
    datadir: DataDir
    client: ChainClient
    relayer: LocalAccount
    centre: LocalAccount
    governors: list[Governor] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)  # the governance's members at deployment
    threshold: int = 2
    addresses: dict[str, ChecksumAddress] = field(default_factory=dict)

    def gateway(self, name: str) -> Gateway:
        """The typed gateway of the deployed contract `name` (one of CONTRACTS)."""
        gateways: dict[str, Callable[[], Gateway]] = {
            "Governance": lambda: self.governance,
            "CredentialRegistry": lambda: self.registry, "TenderBook": lambda: self.tender_book,
            "GuaranteeBook": lambda: self.guarantee_book, "LotteryBook": lambda: self.lottery_book,
            "SelectionBook": lambda: self.selection_book, "PerformanceBook": lambda: self.performance_book,
            "CheckpointBook": lambda: self.checkpoint_book}
        return gateways[name]()

    @property
    def governance(self) -> GovernanceGateway:
        return GovernanceGateway.of(self.client, self.addresses["Governance"])

    @property
    def registry(self) -> RegistryGateway:
        return RegistryGateway.of(self.client, self.addresses["CredentialRegistry"])

    @property
    def tender_book(self) -> TenderBookGateway:
        return TenderBookGateway.of(self.client, self.addresses["TenderBook"])

    @property
    def guarantee_book(self) -> GuaranteeBookGateway:
        return GuaranteeBookGateway.of(self.client, self.addresses["GuaranteeBook"])

    @property
    def lottery_book(self) -> LotteryBookGateway:
        return LotteryBookGateway.of(self.client, self.addresses["LotteryBook"])

    @property
    def selection_book(self) -> SelectionBookGateway:
        return SelectionBookGateway.of(self.client, self.addresses["SelectionBook"])

    @property
    def performance_book(self) -> PerformanceBookGateway:
        return PerformanceBookGateway.of(self.client, self.addresses["PerformanceBook"])

    @property
    def checkpoint_book(self) -> CheckpointBookGateway:
        return CheckpointBookGateway.of(self.client, self.addresses["CheckpointBook"])

    def govern(self, target: Gateway, function: str, *args: Any, salt: bytes | None = None) -> Mined:
        """Have the governance call `function(*args)` on `target`, approved by the member keys held
        here (a development consortium); ConfigurationError when too few are held. The proposal's
        salt is random unless given (a pool card's hash)."""
        return enact(self.governance, [g.account for g in self.governors], self.relayer, target, function, *args,
                     salt=salt)

    def close(self) -> None:
        self.client.close()
        self.datadir.close()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_runtime(settings: Settings | None = None, *, hold_chain: bool = False, shared: bool = False) -> Runtime:
    """Open (creating if new) the data directory and connect; raise ConfigurationError if unusable.

    With the embedded chain, a `tender-ledger node` running on the data directory holds the chain:
    the runtime then reaches it through the node's JSON-RPC URL, as it would any node, with the
    directory's own keys and deployment records. `hold_chain` (the node itself) refuses that case.
    `shared` (one of a service's several workers): the directory is shared with the other workers
    and the embedded chain must be served by a node, which every worker reaches by its URL.
    """
    settings = settings or Settings()
    datadir = DataDir.open(settings.data_dir, shared=shared)
    client: ChainClient | None = None
    try:
        served = settings.embedded and datadir.node_url is not None
        if shared and settings.embedded and not served:
            raise ConfigurationError(
                f"several workers reach {datadir.path}'s embedded chain through a `tender-ledger node`, "
                "and none serves it (`tender-ledger serve --workers N` starts one)")
        if served and hold_chain:
            raise DataDirInUse(
                f"{datadir.path}'s chain is already served by a tender-ledger node at "
                f"{datadir.node_url}; stop that node first"
            )
        if served:
            settings = settings.model_copy(update={"rpc_url": datadir.node_url})
        own_chain = settings.embedded or served  # this directory's chain: its keys, its relayer
        new_chain = settings.embedded and not datadir.chain_file.exists()
        if own_chain:
            relayer = _key_file(datadir, "relayer.key", may_create=new_chain)
        else:
            given = _secret_key(settings.signer_key, "TL_SIGNER_KEY", required=True)
            assert given is not None
            relayer = given
        centre = (_secret_key(settings.centre_key, "TL_CENTRE_KEY", required=False)
                  or _key_file(datadir, "centre.key", may_create=new_chain or not own_chain))
        members, governors = _governance(datadir, settings, may_create=new_chain or not own_chain)
        if settings.embedded:
            local = [centre.address, *(g.account.address for g in governors)]
            chain = _open_embedded(datadir, settings, relayer.address, local)
            client = ChainClient.for_embedded(chain)
        else:
            assert settings.rpc_url is not None
            client = ChainClient.for_node(
                settings.rpc_url, expected_chain_id=settings.chain_id, timeout=settings.rpc_timeout_s
            )
            if served:
                node = client
                genesis = bytes(node._rpc(lambda: node.w3.eth.get_block(0)["hash"])).hex()
                if genesis != datadir.node_genesis:
                    raise WrongChain(
                        f"the node at {settings.rpc_url} does not serve {datadir.path}'s chain "
                        f"(another genesis block than {datadir.node_file} names)"
                    )
        threshold = settings.governance_threshold or max(2, len(members) // 2 + 1)
        runtime = Runtime(settings=settings, datadir=datadir, client=client, relayer=relayer, centre=centre,
                          governors=governors, members=members, threshold=threshold)
        runtime.addresses = _ensure_deployed(runtime)
        return runtime
    except BaseException:
        if client is not None:
            client.close()
        datadir.close()
        raise


def _secret_key(secret: SecretStr | None, name: str, *, required: bool) -> LocalAccount | None:
    if secret is None:
        if required:
            raise ConfigurationError(
                f"{name} is required with TL_RPC_URL: the relayer's funded private key (it holds no role)"
            )
        return None
    try:
        account: LocalAccount = Account.from_key(secret.get_secret_value())
        return account
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"{name} is not a valid private key: {exc}") from None


def _key_file(datadir: DataDir, name: str, *, may_create: bool) -> LocalAccount:
    """The key in keys/`name`, made (0600) if it may be; CorruptDataDir if it should exist and doesn't."""
    path = datadir.keys_dir / name
    if path.exists():
        try:
            existing: LocalAccount = Account.from_key(path.read_text().strip())
            return existing
        except (ValueError, TypeError) as exc:
            raise CorruptDataDir(f"{path} does not hold a private key: {exc}") from None
    if not may_create:
        raise CorruptDataDir(f"{path} is missing but the chain exists; restore it from backup")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    account: LocalAccount = Account.create()
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(account.key.hex() + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return account


def _governance(datadir: DataDir, settings: Settings, *, may_create: bool) -> tuple[list[Member], list[Governor]]:
    """The governance's members, and those whose keys are held here (none when TL_GOVERNANCE names
    the members: each body keeps its own key)."""
    if settings.governance:
        return parse_members(settings.governance), []
    governors = [Governor(slug, name, _key_file(datadir, f"governance/{slug}.key", may_create=may_create))
                 for slug, name in DEV_BODIES]
    return [Member(g.account.address, g.name) for g in governors], governors


def parse_members(text: str) -> list[Member]:
    """'address=name,address=name,…' as members; ConfigurationError naming the bad entry."""
    members: list[Member] = []
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        address, sep, name = entry.partition("=")
        if not sep or not is_address(address.strip()) or not name.strip():
            raise ConfigurationError(f"TL_GOVERNANCE entry {entry!r} is not 'address=name'")
        members.append(Member(to_checksum_address(address.strip()), name.strip()))
    if len(members) < 2:
        raise ConfigurationError("TL_GOVERNANCE must name at least two members: no single key governs")
    return members


def _open_embedded(datadir: DataDir, settings: Settings, relayer: str, local: Sequence[str]) -> EmbeddedChain:
    sync = settings.durability.upper()
    path: Path = datadir.chain_file
    if path.exists():
        try:
            chain = EmbeddedChain.open(path, synchronous=sync)
        except ChainError as exc:
            raise CorruptDataDir(f"{path}: {exc}") from None
        except Exception as exc:  # a damaged trie or header surfaces as py-evm's own errors
            raise CorruptDataDir(f"{path} cannot be read: {type(exc).__name__}: {exc}") from None
        if settings.chain_id is not None and chain.chain_id != settings.chain_id:
            chain.close()
            raise WrongChain(
                f"{path} holds chain id {chain.chain_id}, but chain id {settings.chain_id} is configured"
            )
        if "chain_clock" in settings.model_fields_set and chain.clock != settings.chain_clock:
            chain.close()
            raise ConfigurationError(
                f"TL_CHAIN_CLOCK is {settings.chain_clock}, but {path} was created with a {chain.clock} "
                "clock: the clock mode is fixed when the chain is created (unset TL_CHAIN_CLOCK, or "
                "use a new data directory)"
            )
        return chain
    return EmbeddedChain.create(
        path,
        chain_id=settings.chain_id or EMBEDDED_CHAIN_ID,
        alloc={relayer: EMBEDDED_RELAYER_FUNDS, **dict.fromkeys(local, LOCAL_KEY_FUNDS)},
        synchronous=sync,
        clock=settings.chain_clock,
    )


def _ensure_deployed(runtime: Runtime) -> dict[str, ChecksumAddress]:
    """Deploy missing contracts once per chain; check recorded ones still have code. The relayer
    deploys; the governance is every other contract's admin; the trading centre is appointed by
    the governance when the member keys held here can approve it."""
    client, datadir = runtime.client, runtime.datadir
    genesis = client.w3.eth.get_block(0)["hash"].hex()
    key = f"{client.chain_id}:{genesis}"
    records: dict[str, Any] = datadir.read_json(datadir.deployments_file) or {}
    mine: dict[str, Any] = dict(records.get(key, {}))
    for name in CONTRACTS:
        if name in mine:
            address = mine[name]["address"]
            if not client.w3.eth.get_code(address):
                raise DeploymentMissing(
                    f"{name} is recorded at {address} on chain {client.chain_id}, but there is no "
                    "code there: the node's chain was reset or replaced"
                )
            continue
        if client.balance(runtime.relayer.address) == 0 and not client.free_gas():
            raise RelayerUnfunded(
                f"the relayer account {runtime.relayer.address} has no funds on chain "
                f"{client.chain_id}; fund it before the first start"
            )
        if name == "Governance":
            _fund_local_keys(runtime)
            args: list[Any] = [[m.address for m in runtime.members], [m.name for m in runtime.members],
                               runtime.threshold]
        else:
            admin = [] if name in UNGOVERNED else [mine["Governance"]["address"]]
            args = [*admin, *(mine[dep]["address"] for dep in DEPENDS_ON.get(name, ()))]
        contract, receipt = client.deploy(name, *args, sender=runtime.relayer)
        mine[name] = {"address": contract.address, "block": receipt["blockNumber"]}
        if name == "TenderBook" and len(runtime.governors) >= runtime.threshold:
            runtime.addresses = {n: v["address"] for n, v in mine.items()}
            runtime.govern(runtime.tender_book, "authoriseCentre", runtime.centre.address)
        records[key] = mine
        datadir.write_json(datadir.deployments_file, records)
    return {name: mine[name]["address"] for name in CONTRACTS}


def _fund_local_keys(runtime: Runtime) -> None:
    """Give the keys held here (centre, development governors) gas from the relayer if they have
    none: on a node, once, before the first deployment (on a free gas network nobody needs any)."""
    if runtime.client.free_gas():
        return
    for account in (runtime.centre, *(g.account for g in runtime.governors)):
        if runtime.client.balance(account.address) == 0:
            runtime.client.fund(runtime.relayer, account.address, LOCAL_KEY_FUNDS // 10**4)
