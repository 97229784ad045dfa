"""A process killed (SIGKILL) in the middle of erasure or key rotation leaves the customer
either fully erased or fully intact, never half-way.

A real child process runs the operation and stops at a chosen step; the test kills it
there, then opens the databases afresh and checks what a customer and the bank see.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from openteller.bootstrap import App
from openteller.domain.consent import Purpose
from openteller.domain.errors import MasterKeyError
from openteller.ingest.registry import build_readers
from openteller.privacy.access import Requester, UnknownCustomer
from openteller.privacy.keys import generate_master_key_text
from tests.db import make_settings
from tests.samples import fixture

TERMINAL = Requester("terminal", Purpose.CUSTOMER_QUESTIONS)


def _start(app: App, operation: str, step: str, **extra_env: str) -> None:
    settings = app.settings
    env = {
        **os.environ,
        "OPENTELLER_DATABASE_URL": settings.database_url,
        "OPENTELLER_MASTER_KEY": settings.master_key.get_secret_value(),  # type: ignore[union-attr]
        **({"OPENTELLER_KEYSTORE_URL": settings.keystore_url} if settings.keystore_url else {}),
        **extra_env,
    }
    env.pop("OPENTELLER_CONFIG", None)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.privacy.crash_worker", operation, step],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line.startswith("AT "):
        child.kill()
        raise AssertionError(f"worker did not reach {step}: {line!r} {child.stderr.read()}")  # type: ignore[union-attr]
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


@pytest.fixture
def settings(database_url: str, keystore_url: str | None, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = make_settings(database_url, keystore_url, tmp_path)
    app = App(settings)
    app.init()
    for name in ("ofx/ofxparse__checking.ofx", "camt/viafintech__053_valid_example.xml"):
        assert app.ingest.ingest_file(fixture(name), "alice", build_readers()).status == "ok"
    assert app.ingest.ingest_file(fixture("ofx/ofxparse__checking.ofx"), "bob", build_readers())
    app.close()
    return settings


@pytest.mark.parametrize("step", ["requested", "key_shredded"])
def test_killed_erasure_is_already_erased_and_finishes_on_restart(settings, step: str) -> None:  # type: ignore[no-untyped-def]
    app = App(settings)
    try:
        _start(app, "erase", step)
        with pytest.raises(UnknownCustomer):  # nobody can read alice any more
            app.access.transactions("alice", TERMINAL)
        assert (
            app.ingest.ingest_file(
                fixture("ofx/ofxparse__checking.ofx"), "alice", build_readers()
            ).status
            == "failed"
        )  # and nothing can be added to her
        (finished,) = app.erasure.resume()
        assert app.keystore.get(settings.bank_id, finished.customer_ref) is None
        with app.engine.connect() as conn:
            assert app.store.pending_erasures(conn) == []
        assert len(app.access.transactions("bob", TERMINAL)) == 3  # bob is untouched
        assert app.audit.verify().ok
    finally:
        app.close()


def test_erasure_killed_before_its_first_commit_leaves_the_customer_intact(settings) -> None:  # type: ignore[no-untyped-def]
    app = App(settings)
    try:
        before = app.access.transactions("alice", TERMINAL)
        _start(app, "erase", "marking")  # the mark is written but not committed
        assert app.erasure.resume() == []
        assert app.access.transactions("alice", TERMINAL) == before
        assert app.audit.verify().ok
    finally:
        app.close()


def test_killed_key_rotation_leaves_every_key_on_the_old_master_key(settings) -> None:  # type: ignore[no-untyped-def]
    new_key = generate_master_key_text()
    app = App(settings)
    try:
        expected = len(app.access.transactions("alice", TERMINAL))
        _start(app, "rotate", "1", NEW_MASTER_KEY=new_key)  # after re-wrapping one key
    finally:
        app.close()
    old = App(settings)
    new = App(settings.model_copy(update={"master_key": type(settings.master_key)(new_key)}))
    try:
        assert len(old.access.transactions("alice", TERMINAL)) == expected
        assert len(old.access.transactions("bob", TERMINAL)) == 3
        with pytest.raises(MasterKeyError, match="does not match"):
            new.ready()
    finally:
        old.close()
        new.close()


def test_completed_key_rotation_moves_every_key(settings) -> None:  # type: ignore[no-untyped-def]
    new_key = generate_master_key_text()
    old = App(settings)
    try:
        expected = len(old.access.transactions("alice", TERMINAL))
        from openteller.privacy.keys import LocalMasterKey, decode_master_key

        moved = old.keystore.rotate(
            settings.bank_id, old.keys, LocalMasterKey(decode_master_key(new_key, "test"))
        )
        assert moved == 2
        with pytest.raises(MasterKeyError):
            App(settings).ready()
    finally:
        old.close()
    new = App(settings.model_copy(update={"master_key": type(settings.master_key)(new_key)}))
    try:
        new.ready()
        assert len(new.access.transactions("alice", TERMINAL)) == expected
        assert new.audit.verify().ok
    finally:
        new.close()
