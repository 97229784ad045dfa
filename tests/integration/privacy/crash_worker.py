"""Run an erasure or a key rotation and hang at a chosen step, to be killed (SIGKILL).

Usage: python -m tests.integration.privacy.crash_worker erase|rotate STEP
Settings come from OPENTELLER_* variables; for ``rotate`` the new master key is in
NEW_MASTER_KEY. Prints ``AT <step>`` and sleeps when the step is reached.
"""

from __future__ import annotations

import os
import sys
import time

from openteller.bootstrap import App
from openteller.privacy.keys import LocalMasterKey, decode_master_key
from openteller.settings import load_settings


def _hang_at(wanted: str):  # type: ignore[no-untyped-def]
    def hook(step: object) -> None:
        if str(step) == wanted:
            print(f"AT {step}", flush=True)
            time.sleep(600)

    return hook


def main() -> None:
    operation, step = sys.argv[1], sys.argv[2]
    app = App(load_settings())
    app.ready()
    if operation == "erase":
        app.erasure.erase("alice", on_step=_hang_at(step))
    else:
        new = LocalMasterKey(decode_master_key(os.environ["NEW_MASTER_KEY"], "NEW_MASTER_KEY"))
        app.keystore.rotate(app.settings.bank_id, app.keys, new, on_key=_hang_at(step))
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
