"""The webhook posts a group commit gathers are stored with one INSERT for all their
events, each post told how many of its events were new."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from openteller.bootstrap import App
from openteller.channels.messenger.events import parse_body
from openteller.store import schema
from tests.db import make_settings


@pytest.fixture
def app(database_url: str, keystore_url: str | None, tmp_path: Path) -> Iterator[App]:
    app = App(
        make_settings(
            database_url,
            keystore_url,
            tmp_path,
            messenger_app_secret="s",
            messenger_verify_token="v",
            messenger_page_token="p",
            messenger_graph_url="http://127.0.0.1:9",
        )
    )
    app.init()
    yield app
    app.close()


def _post(*mids: str) -> list[Any]:
    raw = json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "1",
                    "messaging": [
                        {
                            "sender": {"id": "42"},
                            "timestamp": 1,
                            "message": {"mid": m, "text": "hi"},
                        }
                        for m in mids
                    ],
                }
            ],
        }
    ).encode()
    return parse_body(raw)


def test_posts_stored_together_take_one_insert_and_count_their_own_new_events(
    app: App,
) -> None:
    inserts: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO CHANNEL_INBOX"):
            inserts.append(statement)

    with app.engine.begin() as conn:
        app.messenger.store(conn, _post("m_old"))
    sa.event.listen(app.engine, "before_cursor_execute", seen)
    try:
        with app.engine.begin() as conn:
            kept = app.messenger.store_posts(
                conn, [_post("m_1", "m_2"), _post("m_2", "m_3"), _post("m_old"), []]
            )
    finally:
        sa.event.remove(app.engine, "before_cursor_execute", seen)
    # m_2 is in two posts: new for the first only; m_old was stored before
    assert kept == [2, 1, 0, 0]
    assert len(inserts) == 1
    with app.engine.connect() as conn:
        keys = conn.execute(sa.select(schema.channel_inbox.c.event_key)).scalars().all()
    assert sorted(keys) == ["message:m_1", "message:m_2", "message:m_3", "message:m_old"]


def test_an_event_with_an_overlong_id_is_stored_under_its_cut_key_and_read_back(
    app: App,
) -> None:
    """A signed post may carry any id; the inbox keeps 200 characters of it, and the
    event must still decrypt under that key when answered."""
    with app.engine.begin() as conn:
        assert app.messenger.store(conn, _post("m_" + "x" * 400)) == 1
    with app.engine.begin() as conn:
        (claimed,) = app.messenger._inbox.claim(conn)
    assert len(claimed.key) == 200
    event = json.loads(app.queue_cipher.decrypt(claimed.payload, f"inbox:{claimed.key}"))
    assert event["text"] == "hi"
