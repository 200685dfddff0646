"""The store's schema version: Alembic revisions in api/db/migrations/versions/.

A new store is created at the head revision and stamped so. A store made by an older release is
refused at start-up until `tender-ledger db upgrade` has run (one made before migrations existed
has no alembic_version table: it is revision 0001, stamped so and upgraded); a store stamped with a
revision this version does not know was made by a newer release and is refused, never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect
from sqlmodel import SQLModel

from api.db.locks import SCHEMA, store_lock
from ledger.errors import ConfigurationError

SCRIPTS = Path(__file__).resolve().parent / "migrations"
BEFORE_MIGRATIONS = "0001"
"""The revision of a store without an alembic_version table that holds our tables."""


class StoreOutdated(ConfigurationError):
    """The store was made by an older release: `tender-ledger db upgrade` brings it up to date."""


class NewerStore(ConfigurationError):
    """The store was made by a newer release of tender-ledger; this version does not touch it."""


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head() -> str:
    revision = scripts().get_current_head()
    assert revision is not None
    return revision


@dataclass(frozen=True)
class SchemaState:
    revision: str | None
    """The stamped revision; for a store made before migrations, BEFORE_MIGRATIONS; None if empty."""
    head: str
    stamped: bool
    empty: bool

    @property
    def known(self) -> bool:
        return self.revision is None or _known(self.revision)

    @property
    def current(self) -> bool:
        return self.revision == self.head


def _known(revision: str) -> bool:
    try:
        return scripts().get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        return False


def state(engine: Engine) -> SchemaState:
    with engine.connect() as conn:
        stamped = MigrationContext.configure(conn).get_current_revision()
        ours = set(inspect(conn).get_table_names()) & set(SQLModel.metadata.tables)
    empty = stamped is None and not ours
    revision = stamped if stamped is not None else (None if empty else BEFORE_MIGRATIONS)
    return SchemaState(revision=revision, head=head(), stamped=stamped is not None, empty=empty)


def _newer(engine: Engine, current: SchemaState) -> NewerStore:
    return NewerStore(
        f"the store at {engine.url!r} has schema revision {current.revision}, which this version of tender-ledger "
        f"does not know (its newest is {current.head}): it was made by a newer release; upgrade tender-ledger")


def prepare(engine: Engine) -> None:
    """At start-up: create and stamp an empty store; accept one at the head revision; refuse the rest.

    Under the store's schema guard: of several workers starting at once on one PostgreSQL store,
    one creates and stamps it and the others then find it at the head revision."""
    with store_lock(engine, SCHEMA):
        _prepare(engine)


def _prepare(engine: Engine) -> None:
    current = state(engine)
    if current.empty:
        SQLModel.metadata.create_all(engine)
        with engine.begin() as conn:
            command.stamp(_config(conn), current.head)
        return
    if not current.known:
        raise _newer(engine, current)
    if not current.current:
        raise StoreOutdated(
            f"the store at {engine.url!r} has schema revision {current.revision} and this version needs "
            f"{current.head}: stop the service, back it up (`tender-ledger backup DIR`) and run "
            "`tender-ledger db upgrade`")


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the store to the head revision; (revision before, revision after). A store made before
    migrations is stamped BEFORE_MIGRATIONS first. Each revision runs in the one transaction, under
    the store's schema guard (a worker starting meanwhile waits, then finds the head revision)."""
    with store_lock(engine, SCHEMA):
        return _upgrade(engine)


def _upgrade(engine: Engine) -> tuple[str | None, str]:
    current = state(engine)
    if not current.known:
        raise _newer(engine, current)
    with engine.begin() as conn:
        config = _config(conn)
        if not current.stamped and not current.empty:
            command.stamp(config, BEFORE_MIGRATIONS)
        command.upgrade(config, "head")
    return current.revision, state(engine).revision or current.head
