"""A lean HTTP/1.1 load generator on asyncio streams, for benchmarks on a small machine.

httpx costs about a millisecond of CPU per request; on a two-core machine where the load
generator shares the cores with the server under test, that alone caps what can be
offered. This client keeps a fixed set of keep-alive connections and does the minimum
per request (write the bytes, read the status line, headers and a Content-Length body).
It is for benchmarks only: no TLS, no chunked bodies, no redirects.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes


class Connection:
    """One keep-alive connection; requests on it are sent one after another."""

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> Reply:
        """POST once; a connection the server closed is reopened and the request sent again
        only if nothing of the reply had arrived (the server never saw it)."""
        for attempt in (1, 2):
            await self.connect()
            assert self._reader is not None and self._writer is not None
            head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
            self._writer.write(
                f"POST {path} HTTP/1.1\r\nHost: {self._host}\r\n"
                f"Content-Length: {len(body)}\r\n{head}\r\n".encode()
                + body
            )
            try:
                await self._writer.drain()
                status_line = await self._reader.readline()
            except ConnectionError:
                status_line = b""
            if not status_line:
                await self.close()
                if attempt == 2:
                    raise ConnectionError(f"{self._host}:{self._port} closed the connection")
                continue
            return await self._read_rest(status_line)
        raise AssertionError("unreachable")

    async def _read_rest(self, status_line: bytes) -> Reply:
        assert self._reader is not None
        status = int(status_line.split()[1])
        length, closing = 0, False
        while (line := await self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                closing = True
        body = await self._reader.readexactly(length) if length else b""
        if closing:
            await self.close()
        return Reply(status, body)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


class Pool:
    """A fixed number of connections handed out to one request at a time."""

    def __init__(self, host: str, port: int, size: int) -> None:
        self._idle: asyncio.Queue[Connection] = asyncio.Queue()
        self._all = [Connection(host, port) for _ in range(size)]
        for connection in self._all:
            self._idle.put_nowait(connection)

    async def open(self, pause: float = 0.01) -> None:
        """Connect every connection now, one at a time. A server whose processes share
        one listening socket (uvicorn ``--workers``) lets whichever process wakes first
        accept every connection waiting; opened one by one, they spread over the
        processes, as a load balancer would spread requests."""
        for connection in self._all:
            await connection.connect()
            await asyncio.sleep(pause)

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> Reply:
        connection = await self._idle.get()
        try:
            return await connection.post(path, body, headers)
        finally:
            self._idle.put_nowait(connection)

    async def close(self) -> None:
        for connection in self._all:
            await connection.close()
