"""An initialised app with one customer (alice) holding a real OFX statement."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from openteller.bootstrap import App
from openteller.ingest.registry import build_readers
from tests.db import make_settings
from tests.samples import fixture

STATEMENT = "ofx/ofxparse__checking.ofx"  # 3 transactions in 2011-03, balances 100.99


@pytest.fixture
def app(database_url: str, keystore_url: str | None, tmp_path: Path) -> Iterator[App]:
    application = App(make_settings(database_url, keystore_url, tmp_path))
    application.init()
    report = application.ingest.ingest_file(fixture(STATEMENT), "alice", build_readers())
    assert report.status == "ok", report.error
    yield application
    application.close()
