"""The typing indicator, shown only when an answer is slow to come.

Most answers are ready in a few milliseconds and go out at once: a "typing..." bubble
before each of them cost a Send API round trip on the answer's path (tens to hundreds of
milliseconds to the real Graph API, one message after another in a worker) and showed
nothing a customer could see. :class:`SlowAnswerTyping` notes when the worker starts on
a message; if the answer is not ready ``after`` seconds later (a chart to draw, a bank
to call), the indicator is sent from the instance's one timer thread while the answer is
still being prepared, once and without retries (it is a nicety). When the answer is
ready its entry is dropped or, if its call is in flight, waited for, before the caller
queues the answer: the indicator never arrives after it, where Messenger would show
"typing..." under the answer for 20 seconds. One long-lived thread serves every answer
(a thread started and joined per answer cost about a millisecond of each).
``after=0`` sends it before every answer, on the worker's own thread.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from openteller.channels.messenger.send import SendFailed

#: How long the timer thread waits for work before it ends.
_IDLE_SECONDS = 30.0


@dataclass(slots=True, eq=False)
class _Due:
    """One answer being prepared: whom to show the indicator, and when."""

    recipient: str
    at: float
    state: str = "waiting"  # then "showing" (its call in flight) and "shown"


class SlowAnswerTyping:
    """``with typing.while_answering(psid): ...`` shows ``psid`` the typing indicator if
    the block runs longer than ``after`` seconds. Safe to use from several threads."""

    def __init__(self, show: Callable[[str], None], after: float) -> None:
        if after < 0:
            raise ValueError("the typing indicator's delay cannot be negative")
        self._show = show
        self._after = after
        self._lock = threading.Condition()
        self._due: deque[_Due] = deque()  # in the order they fall due (one fixed delay)
        self._timer: threading.Thread | None = None

    @contextlib.contextmanager
    def while_answering(self, recipient: str) -> Iterator[None]:
        if self._after == 0:
            self._show_quietly(recipient)
            yield
            return
        due = _Due(recipient, time.monotonic() + self._after)
        with self._lock:
            self._due.append(due)
            if self._timer is None or not self._timer.is_alive():
                self._timer = threading.Thread(
                    target=self._run, name="typing-indicator", daemon=True
                )
                self._timer.start()
            elif len(self._due) == 1:
                self._lock.notify_all()  # the timer waits for work, not for a time
        try:
            yield
        finally:
            with self._lock:
                if due.state == "waiting":
                    self._due.remove(due)
                while due.state == "showing":  # a call in flight ends before the answer
                    self._lock.wait()

    def _run(self) -> None:
        with self._lock:
            while True:
                if not self._due:
                    self._lock.wait(_IDLE_SECONDS)
                    if not self._due:  # nothing for a while: the next answer starts one
                        self._timer = None
                        return
                    continue
                first = self._due[0]
                wait = first.at - time.monotonic()
                if wait > 0:
                    self._lock.wait(wait)
                    continue
                self._due.popleft()
                first.state = "showing"
                self._lock.release()
                try:
                    self._show_quietly(first.recipient)
                finally:
                    self._lock.acquire()
                    first.state = "shown"
                    self._lock.notify_all()

    def _show_quietly(self, recipient: str) -> None:
        with contextlib.suppress(SendFailed):  # never in the way of the answer
            self._show(recipient)


__all__ = ["SlowAnswerTyping"]
