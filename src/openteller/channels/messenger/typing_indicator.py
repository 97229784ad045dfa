"""The typing indicator, shown only when an answer is slow to come.

Most answers are ready in a few milliseconds and go out at once: a "typing..." bubble
before each of them cost a Send API round trip on the answer's path (tens to hundreds of
milliseconds to the real Graph API, one message after another in a worker) and showed
nothing a customer could see. :class:`SlowAnswerTyping` starts a timer when the worker
starts on a message; if the answer is not ready ``after`` seconds later (a chart to
draw, a bank to call), the indicator is sent from the timer's thread while the answer is
still being prepared, once and without retries (it is a nicety). When the answer is
ready the timer is cancelled or, if it fired, waited for, before the caller queues the
answer: the indicator never arrives after it, where Messenger would show "typing..."
under the answer for 20 seconds.
``after=0`` sends it before every answer, on the worker's own thread.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from openteller.channels.messenger.send import SendFailed


class SlowAnswerTyping:
    """``with typing.while_answering(psid): ...`` shows ``psid`` the typing indicator if
    the block runs longer than ``after`` seconds."""

    def __init__(self, show: Callable[[str], None], after: float) -> None:
        if after < 0:
            raise ValueError("the typing indicator's delay cannot be negative")
        self._show = show
        self._after = after

    @contextlib.contextmanager
    def while_answering(self, recipient: str) -> Iterator[None]:
        if self._after == 0:
            self._show_quietly(recipient)
            yield
            return
        timer = threading.Timer(self._after, self._show_quietly, args=(recipient,))
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
            timer.join()  # a call in flight ends before the answer goes out

    def _show_quietly(self, recipient: str) -> None:
        with contextlib.suppress(SendFailed):  # never in the way of the answer
            self._show(recipient)


__all__ = ["SlowAnswerTyping"]
