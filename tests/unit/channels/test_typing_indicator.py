"""The typing indicator goes out only for slow answers, and never after the answer."""

from __future__ import annotations

import threading
import time

import pytest

from openteller.channels.messenger.send import SendFailed
from openteller.channels.messenger.typing_indicator import SlowAnswerTyping


class Shown:
    """Records each indicator with the moment its (deliberately slow) call ended."""

    def __init__(self, takes: float = 0.0, fails: bool = False) -> None:
        self.calls: list[tuple[str, float, str]] = []
        self._takes = takes
        self._fails = fails

    def __call__(self, recipient: str) -> None:
        time.sleep(self._takes)
        self.calls.append((recipient, time.monotonic(), threading.current_thread().name))
        if self._fails:
            raise SendFailed("the Send API answered 500", retryable=True)


def test_a_quick_answer_shows_no_indicator() -> None:
    shown = Shown()
    typing = SlowAnswerTyping(shown, after=0.5)
    with typing.while_answering("psid-1"):
        pass  # ready at once
    time.sleep(0.7)  # past the delay: the cancelled timer must not fire late
    assert shown.calls == []


def test_a_slow_answer_shows_it_once_before_the_answer_is_ready() -> None:
    shown = Shown(takes=0.2)  # the call is still in flight when the answer is ready
    typing = SlowAnswerTyping(shown, after=0.05)
    with typing.while_answering("psid-1"):
        time.sleep(0.15)
    answered = time.monotonic()
    assert [call[0] for call in shown.calls] == ["psid-1"]
    assert shown.calls[0][1] <= answered  # waited for: it never arrives after the answer
    assert shown.calls[0][2] != threading.current_thread().name  # sent alongside the work


def test_no_delay_shows_it_before_every_answer_on_the_same_thread() -> None:
    shown = Shown()
    typing = SlowAnswerTyping(shown, after=0)
    with typing.while_answering("psid-2"):
        assert [call[0] for call in shown.calls] == ["psid-2"]
    assert shown.calls[0][2] == threading.current_thread().name


@pytest.mark.parametrize("after", [0, 0.01])
def test_a_failed_indicator_never_stops_the_answer(after: float) -> None:
    shown = Shown(fails=True)
    answered = False
    with SlowAnswerTyping(shown, after=after).while_answering("psid-3"):
        time.sleep(0.1)
        answered = True
    assert answered and len(shown.calls) == 1


def test_an_error_in_the_answer_still_cancels_the_indicator() -> None:
    shown = Shown()
    typing = SlowAnswerTyping(shown, after=0.3)
    with pytest.raises(RuntimeError), typing.while_answering("psid-4"):
        raise RuntimeError("the answer failed")
    time.sleep(0.5)
    assert shown.calls == []


def test_a_negative_delay_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        SlowAnswerTyping(Shown(), after=-1)


def test_one_timer_thread_serves_every_answer() -> None:
    """Before, each answer started and joined a thread of its own."""
    shown = Shown()
    typing = SlowAnswerTyping(shown, after=0.5)
    earlier = threading.enumerate()  # other tests' timers, idling
    seen: list[threading.Thread] = []  # kept alive, so no two are the same object
    for _ in range(50):
        with typing.while_answering("psid-5"):
            seen += [t for t in threading.enumerate() if all(t is not e for e in earlier)]
    timers = [t for n, t in enumerate(seen) if all(t is not u for u in seen[:n])]
    assert len(seen) >= 50 and len(timers) == 1  # the same thread throughout
    assert shown.calls == []


def test_answers_from_several_threads_each_get_their_indicator_once() -> None:
    shown = Shown(takes=0.05)
    typing = SlowAnswerTyping(shown, after=0.05)
    done: dict[str, float] = {}

    def answer(recipient: str, takes: float) -> None:
        with typing.while_answering(recipient):
            time.sleep(takes)
        done[recipient] = time.monotonic()

    workers = [
        threading.Thread(target=answer, args=(f"psid-{n}", 0.2 if n % 2 else 0.0)) for n in range(6)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(call[0] for call in shown.calls) == ["psid-1", "psid-3", "psid-5"]
    for recipient, ended, _thread in shown.calls:
        assert ended <= done[recipient]  # never after that recipient's answer
