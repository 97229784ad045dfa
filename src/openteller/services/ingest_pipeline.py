"""Reading and enriching a large bank file in a second process, beside storage.

Parsing and enrichment are pure CPU work on one file; storage (dedupe, encryption,
database writes) is the rest. On a machine with two or more cores the ingest of a large
file reads and enriches in a child process and stores in its own, so the two overlap.
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
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from openteller.categorise.categoriser import Categoriser, CustomerRule
from openteller.domain.errors import DomainError, IngestError
from openteller.ingest.base import FormatReader
from openteller.services.ingest_enrichment import Enricher, Item

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


def enriched_in_child(
    path: Path, reader: FormatReader, rules: Sequence[CustomerRule]
) -> Iterator[tuple[list[Item], int]]:
    """Batches of enriched items from ``path``, each with the bytes read so far; an
    error of the reader or of enrichment is raised here as it was raised there.

    The child is a fresh interpreter running this module (not a fork: no inherited
    database connections or threads, and not ``multiprocessing``, which would re-run the
    caller's main script). Its work arrives as pickles on its standard input; its
    batches come back as pickles on its standard output, whose pipe bounds how far it
    can run ahead of storage.
    """
    child = subprocess.Popen(
        [sys.executable, "-m", __name__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    _widen(child.stdout)
    try:
        with child.stdin:
            pickle.dump((str(path), reader, tuple(rules)), child.stdin)
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
        return pickle.load(stream)
    except (EOFError, pickle.UnpicklingError):
        code = child.wait()
        raise IngestError(
            f"{path.name}: the process reading the file stopped unexpectedly (exit code {code})"
        ) from None


def _read_and_enrich(
    path: str, reader: FormatReader, rules: tuple[CustomerRule, ...], out: IO[bytes]
) -> None:
    """The child's work: read, enrich, send batches; then ``done`` or the error."""
    gc.disable()  # millions of short-lived acyclic objects (see IngestService)
    source = Path(path).name
    try:
        enricher = Enricher(Categoriser(rules))
        with open(path, "rb") as handle:
            batch: list[Item] = []
            for item in enricher.items(reader.read(handle, source), source):
                batch.append(item)
                if len(batch) >= BATCH_ITEMS:
                    _send(out, (_BATCH, batch, handle.tell()))
                    batch = []
            _send(out, (_BATCH, batch, handle.tell()))
        _send(out, (_DONE, None, 0))
    except (IngestError, DomainError, OSError) as exc:
        _send(out, _failure(exc))
    except Exception:  # a reader bug: its traceback goes back to the ingest
        _send(out, (_CRASHED, traceback.format_exc(limit=8), 0))


def _send(out: IO[bytes], message: tuple[str, Any, int]) -> None:
    out.write(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
    out.flush()


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
    path, reader, rules = pickle.load(sys.stdin.buffer)
    try:
        _read_and_enrich(path, reader, rules, out)
    except BrokenPipeError:  # the ingest stopped listening (it failed or was stopped)
        pass
    finally:
        with contextlib.suppress(BrokenPipeError):
            out.close()


if __name__ == "__main__":
    _child_main()
