"""The composition root: the one place that builds real adapters from settings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine

from openteller.domain.errors import MasterKeyError
from openteller.privacy.keys import LocalMasterKey, MasterKeyProvider, decode_master_key
from openteller.services.ingest import IngestService
from openteller.services.rules import RulesService
from openteller.settings import Settings
from openteller.store.database import check_schema, create_database_engine
from openteller.store.repository import LedgerStore


def load_master_key(settings: Settings) -> MasterKeyProvider:
    """The master key from OPENTELLER_MASTER_KEY or the key file; a clear error if neither."""
    if settings.master_key is not None:
        return LocalMasterKey(
            decode_master_key(settings.master_key.get_secret_value(), "OPENTELLER_MASTER_KEY")
        )
    path = settings.master_key_file
    if path.is_file():
        return LocalMasterKey(decode_master_key(path.read_text(), str(path)))
    raise MasterKeyError(
        f"no master key: set OPENTELLER_MASTER_KEY, or OPENTELLER_MASTER_KEY_FILE to a key "
        f"file ({path} does not exist); `openteller init` creates one for a local setup"
    )


@dataclass
class App:
    """Everything a command or server needs, built lazily from settings."""

    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        return create_database_engine(self.settings.database_url)

    @cached_property
    def keys(self) -> MasterKeyProvider:
        return load_master_key(self.settings)

    @cached_property
    def store(self) -> LedgerStore:
        return LedgerStore(self.keys, self.settings.bank_id, self.settings.bank_name)

    @cached_property
    def ingest(self) -> IngestService:
        return IngestService(self.engine, self.store)

    @cached_property
    def rules(self) -> RulesService:
        return RulesService(self.engine, self.store)

    def ready(self) -> None:
        """Check the schema is current and the master key is the database's own."""
        check_schema(self.engine)
        with self.engine.begin() as conn:
            self.store.ensure_bank(conn)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
