"""Settings, from the environment (prefix TL_) or arguments; nothing set means the embedded chain."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EMBEDDED_CHAIN_ID = 1337


class Settings(BaseSettings):
    """Where the chain and the off-chain store live, and the keys of the relayer, the centre and the governance."""

    model_config = SettingsConfigDict(env_prefix="TL_", extra="ignore")

    data_dir: Path = Field(
        default=Path("tender-ledger-data"),
        description="Directory of the embedded chain, the SQLite store and deployment records.",
    )
    rpc_url: str | None = Field(
        default=None,
        description="Ethereum JSON-RPC URL, or several nodes of one chain comma-separated (requests go to "
        "the first healthy one, failing over to the next); unset means the embedded py-evm chain.",
    )
    chain_id: int | None = Field(
        default=None, description="Expected chain id; a node serving another chain is refused."
    )
    signer_key: SecretStr | None = Field(
        default=None,
        description="The relayer's private key (hex) for a node: it pays for deployments and relays "
        "parties' transactions and holds no role; the embedded chain makes its own.",
    )
    centre_key: SecretStr | None = Field(
        default=None,
        description="The trading centre's own private key (hex) for its steps (publish, open, "
        "record); unset: keys/centre.key in the data directory, made on first start.",
    )
    governance: str | None = Field(
        default=None,
        description="The consortium's governance members as 'address=name,address=name,…' (each body "
        "keeps its own key); unset: a development consortium whose four member keys are kept in "
        "the data directory's keys/governance/.",
    )
    governance_threshold: int | None = Field(
        default=None, ge=2, description="Approvals a governance call needs (default: a majority).",
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the off-chain store; default SQLite in data_dir."
    )
    db_pool_size: int | None = Field(
        default=None, ge=1, le=200,
        description="PostgreSQL connections each serving process keeps open (as many again at peaks); "
        "default 10, and `serve --workers N` shares 40 among its N workers, so that N workers stay "
        "within PostgreSQL's default max_connections of 100.",
    )
    durability: Literal["normal", "full"] = Field(
        default="normal",
        description="'normal' survives a process crash; 'full' also survives power loss (slower).",
    )
    chain_clock: Literal["production", "development"] = Field(
        default="production",
        description="Clock of an embedded chain created now, fixed in its genesis block: 'production' "
        "(block time is the wall clock, never shifted) or 'development' (tests and demos may move it "
        "forward). Set for an existing chain, it must match the chain's.",
    )
    confirmations: int = Field(
        default=0, ge=0,
        description="Depth at which a node's block is final enough to project into the store: the "
        "journal reads only blocks at least this many blocks below the head, and a reorg of what it "
        "projected is rolled back and replayed. 0 for instant-finality chains (QBFT/IBFT, and the "
        "embedded chain, which allows nothing else).",
    )
    rpc_timeout_s: float = Field(
        default=10.0, gt=0,
        description="How long a node has to answer one request before the next node is tried (or, with "
        "one node, the request fails).",
    )
    checkpoint_every_records: int = Field(
        default=100, ge=0,
        description="The service checkpoints its store's log on chain (CheckpointBook) once this many records "
        "were written since the latest checkpoint; 0: not by count.",
    )
    checkpoint_every_s: float = Field(
        default=3600.0, ge=0,
        description="…and once the oldest record not yet checkpointed was written this many seconds ago; 0: "
        "not by time. Both 0: only `tender-ledger checkpoint` does.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    timezone: str = Field(
        default="Asia/Shanghai",
        description="IANA time zone in which people read times (the web portal's dates and deadlines).",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Asia/Shanghai)") from None
        return value

    @model_validator(mode="after")
    def _embedded_is_final(self) -> Settings:
        if self.confirmations and not self.rpc_url:
            raise ValueError("confirmations applies to a node (rpc_url): the embedded chain is final at "
                             "once, leave it at 0")
        return self

    @property
    def zone(self) -> ZoneInfo:
        """The time zone of `timezone`."""
        return ZoneInfo(self.timezone)

    @property
    def embedded(self) -> bool:
        return not self.rpc_url
