"""Customer category rules: stored encrypted, applied at ingest, recategorise the past."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from openteller.bootstrap import App
from openteller.categorise.categoriser import CustomerRule
from openteller.cli_privacy import OPERATOR
from openteller.domain.categories import Category
from openteller.ingest.registry import build_readers
from openteller.privacy.access import UnknownCustomer
from openteller.services.rules import RuleError
from tests.db import make_settings
from tests.samples import fixture

SAMPLE = "ofx/ofxparse__checking.ofx"  # DIVIDEND (in), ELECTRIC BILL, RETURNED CHECK FEE


@pytest.fixture
def app(database_url: str, keystore_url: str | None, tmp_path: Path) -> Iterator[App]:
    settings = make_settings(database_url, keystore_url, tmp_path)
    application = App(settings)
    application.init()
    report = application.ingest.ingest_file(fixture(SAMPLE), "alice", build_readers())
    assert report.status == "ok", report.error
    yield application
    application.close()


def categories(app: App) -> dict[str, str]:
    items = app.access.transactions("alice", OPERATOR)
    return {t.description: t.category.slug for t in items}


def test_adding_and_removing_a_rule_recategorises_stored_transactions(app: App) -> None:
    before = categories(app)
    electric = next(d for d in before if "ELECTRIC" in d)
    assert before[electric] == "utilities"

    number, changed = app.rules.add("alice", CustomerRule("electric", Category.HOUSING))
    assert changed == 1
    assert categories(app)[electric] == "housing"
    assert [(r.number, r.rule.pattern) for r in app.rules.rules("alice")] == [(number, "electric")]

    # Re-ingesting applies the stored rule and adds nothing.
    again = app.ingest.ingest_file(fixture(SAMPLE), "alice", build_readers())
    assert again.transactions_added == 0
    assert categories(app)[electric] == "housing"

    assert app.rules.remove("alice", number) == 1
    assert categories(app) == before


def test_rules_apply_to_new_ingests(app: App, tmp_path: Path) -> None:
    with pytest.raises(UnknownCustomer, match="no customer 'bob'"):
        app.rules.add("bob", CustomerRule("fee", Category.CASH))
    app.rules.add("alice", CustomerRule("/DIVIDEND/", Category.TRANSFERS))
    assert next(c for d, c in categories(app).items() if "DIVIDEND" in d) == "transfers"


def test_removing_an_unknown_rule_is_a_clear_error(app: App) -> None:
    with pytest.raises(RuleError, match=r"customer 'alice' has no rule 99 \(their rules: none\)"):
        app.rules.remove("alice", 99)


def test_rules_are_stored_encrypted(app: App) -> None:
    import sqlalchemy as sa

    app.rules.add("alice", CustomerRule("secret-landlord", Category.HOUSING))
    with app.engine.connect() as conn:
        payloads = [
            bytes(p) for (p,) in conn.execute(sa.text("select payload from category_rules"))
        ]
    assert payloads and all(b"secret-landlord" not in p for p in payloads)
