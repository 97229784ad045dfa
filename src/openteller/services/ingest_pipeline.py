"""Reading and preparing a large bank file in a second process, beside storage.

Parsing and preparation (amounts checked, text sanitised) are pure CPU work on one file;
categorisation and storage (dedupe, encryption, database writes) are the rest, about as
much again. On a machine with two or more cores the ingest of a large file reads and
prepares in a child process and categorises and stores in its own, so the two overlap.
The child sends items in file order, in batches, through a pipe (memory stays bounded:
the child waits when storage falls behind). The database transaction stays in
the ingest's own process, so a file that fails still leaves nothing behind: an error in
the child is sent back and raised there, and a child that dies is reported as such.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import pickle
import subprocess
import sys
import termios
import traceback
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import IO, Any

from openteller.categorise.categoriser import Categoriser, CustomerRule
from openteller.domain.errors import DomainError, IngestError
from openteller.ingest.base import FormatReader
from openteller.services.ingest_enrichment import (
    Item,
    MerchantsAndCategories,
    prepared_items,
)

#: Items per message from the child (large enough that pickling overhead is small).
BATCH_ITEMS = 2_000
#: The pipe's buffer: a few batches, so the child rarely waits for storage to read one.
PIPE_BYTES = 1 << 20

_BATCH = "batch"
_DONE = "done"
_FAILED = "failed"
_CRASHED = "crashed"


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def prepared_in_child(
    path: Path, reader: FormatReader, rules: Sequence[CustomerRule]
) -> Generator[tuple[list[Item], int], None, None]:
    """Batches of prepared items from ``path``, some of them categorised under
    ``rules`` (see ``_read_and_prepare``), each with the bytes read so far; an error of
    the reader or of preparation is raised here as it was raised there.

    The child is a fresh interpreter running this module (not a fork: no inherited
    database connections or threads, and not ``multiprocessing``, which would re-run the
    caller's main script). Its job arrives as a pickle on its standard input; its
    batches come back as length-prefixed pickles on its standard output, whose pipe
    bounds how far it can run ahead of storage.
    """
    child = subprocess.Popen(
        [sys.executable, "-m", __name__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        bufsize=0,
    )
    assert child.stdin is not None and child.stdout is not None
    _widen(child.stdout)
    try:
        with contextlib.suppress(BrokenPipeError):  # gone already: its output says how
            _write_framed(child.stdin, (str(path), reader, tuple(rules)))
        while True:
            kind, payload, position = _next_message(child.stdout, child, path)
            if kind == _BATCH:
                yield payload, position
            elif kind == _DONE:
                return
            elif kind == _FAILED:
                raise payload
            else:
                raise IngestError(f"{path.name}: reading the file failed (a reader bug): {payload}")
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stdin.close()
        child.stdout.close()


def _widen(pipe: IO[bytes]) -> None:
    """A larger pipe buffer where the system allows one (Linux; capped by
    /proc/sys/fs/pipe-max-size): a smaller one only makes the child wait more."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if set_size is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(pipe.fileno(), set_size, PIPE_BYTES)


def _next_message(stream: IO[bytes], child: subprocess.Popen[bytes], path: Path) -> Any:
    try:
        return pickle.loads(_read_framed(stream))
    except (EOFError, pickle.UnpicklingError):
        code = child.wait()
        raise IngestError(
            f"{path.name}: the process reading the file stopped unexpectedly (exit code {code})"
        ) from None


def _write_framed(stream: IO[bytes], message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(8, "big") + data)
    stream.flush()


def _read_framed(stream: IO[bytes]) -> bytes:
    size = int.from_bytes(_read_exactly(stream, 8), "big")
    return _read_exactly(stream, size)


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    """``size`` bytes from an unbuffered pipe (reads may return less); EOFError at its end."""
    data = bytearray(size)
    view = memoryview(data)
    done = 0
    while done < size:
        got = stream.readinto(view[done:])  # type: ignore[attr-defined]
        if not got:
            raise EOFError
        done += got
    return bytes(data)


def _read_and_prepare(
    path: str,
    reader: FormatReader,
    rules: tuple[CustomerRule, ...],
    out: IO[bytes],
    pipe: _Pipe,
) -> None:
    """The child's work: read, prepare, send batches; then ``done`` or the error.

    Which side categorises is decided batch by batch. When the pipe to the ingest is
    filling up, the ingest is the slower side and sending would only wait, so the child
    categorises the batch itself first; otherwise it leaves categorisation to the ingest.
    The child so never spends time on categorisation while the ingest waits for it (a
    reader slower than storage, such as OFX or CSV with many columns), and a fast reader
    takes over as much as storage needs.
    """
    gc.disable()  # millions of short-lived acyclic objects (see IngestService)
    source = Path(path).name
    categorise = MerchantsAndCategories(Categoriser(rules))
    try:
        with open(path, "rb") as handle:
            batch: list[Item] = []
            for item in prepared_items(reader.read(handle, source), source):
                batch.append(item)
                if len(batch) >= BATCH_ITEMS:
                    _send_batch(out, batch, handle.tell(), pipe, categorise)
                    batch = []
            _send_batch(out, batch, handle.tell(), pipe, categorise)
        _write_framed(out, (_DONE, None, 0))
    except (IngestError, DomainError, OSError) as exc:
        _write_framed(out, _failure(exc))
    except Exception:  # a reader bug: its traceback goes back to the ingest
        _write_framed(out, (_CRASHED, traceback.format_exc(limit=8), 0))


def _send_batch(
    out: IO[bytes],
    batch: list[Item],
    position: int,
    pipe: _Pipe,
    categorise: MerchantsAndCategories,
) -> None:
    if pipe.filling_up():
        batch = _categorised(batch, categorise)
    _write_framed(out, (_BATCH, batch, position))


def _categorised(batch: list[Item], categorise: MerchantsAndCategories) -> list[Item]:
    return [
        (*item, *categorise.of(item)) if type(item) is tuple else item  # type: ignore[arg-type]
        for item in batch
    ]


def _queued_bytes(fd: int) -> int:
    """Bytes written to a pipe and not yet read (0 where the system cannot say)."""
    try:
        answer = fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0")
    except OSError:
        return 0
    return int.from_bytes(answer, sys.byteorder, signed=True)


class _Pipe:
    """The child's end of the pipe its batches go through."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        get_size = getattr(fcntl, "F_GETPIPE_SZ", None)
        try:
            self.capacity = fcntl.fcntl(fd, get_size) if get_size is not None else 0
        except OSError:
            self.capacity = 0

    def filling_up(self) -> bool:
        """Whether more than half the pipe waits to be read: the ingest is behind, and a
        batch sent now would probably wait for room. False where the system cannot say."""
        return self.capacity > 0 and _queued_bytes(self.fd) * 2 > self.capacity


def _failure(exc: Exception) -> tuple[str, Any, int]:
    """The error as the ingest will raise it (its text alone if it cannot be pickled)."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return (_FAILED, IngestError(str(exc)), 0)
    return (_FAILED, exc, 0)


def _child_main() -> None:
    """Entry point of the child: the protocol owns standard output, so anything a
    library prints goes to standard error instead."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    stdin = os.fdopen(sys.stdin.fileno(), "rb", buffering=0, closefd=False)
    path, reader, rules = pickle.loads(_read_framed(stdin))
    try:
        _read_and_prepare(path, reader, rules, out, _Pipe(out.fileno()))
    except BrokenPipeError:  # the ingest stopped listening (it failed or was stopped)
        pass
    finally:
        with contextlib.suppress(BrokenPipeError):
            out.close()


if __name__ == "__main__":
    _child_main()
