"""G1: no module outside the privacy core, the use-case services and storage itself can
reach the repositories that return customer data.

Entry points (CLI, demo, and the assistant, channels and server as they land) must read
through ``openteller.privacy.access``. This test builds the real import graph (grimp,
the engine behind import-linter) and fails on any direct import of a storage module
from anywhere else, so a new module that tries to go around the access service breaks
the build.
"""

from __future__ import annotations

import grimp

STORAGE = {
    "openteller.store.repository",
    "openteller.store.consents",
    "openteller.store.audit_log",
    "openteller.store.keystore",
    "openteller.store.ledger_codec",
    "openteller.store.schema",
}
ALLOWED_PREFIXES = ("openteller.privacy.", "openteller.services.", "openteller.store.")
ALLOWED = {"openteller.bootstrap"}


def test_only_the_privacy_core_services_and_storage_import_the_repositories() -> None:
    graph = grimp.build_graph("openteller")
    offenders = sorted(
        f"{importer} imports {target}"
        for target in STORAGE
        for importer in graph.find_modules_that_directly_import(target)
        if importer not in ALLOWED and not importer.startswith(ALLOWED_PREFIXES)
    )
    assert offenders == []


def test_the_check_would_catch_an_offender() -> None:
    graph = grimp.build_graph("openteller")
    graph.add_import(importer="openteller.cli", imported="openteller.store.repository")
    importers = graph.find_modules_that_directly_import("openteller.store.repository")
    assert "openteller.cli" in importers
    assert not "openteller.cli".startswith(ALLOWED_PREFIXES)
