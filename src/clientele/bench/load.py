"""A small HTTP/1.1 load generator: N keep-alive TCP connections, each one request at a time.

Why not wrk or httpx: wrk is not installed here and needs Lua for per-request paths, bodies
and headers; httpx spends more CPU per request than the server under test on this 2-core
machine. This client writes one request and reads one response per round trip on a real TCP
socket (asyncio streams, no parsing beyond the status line, Content-Length or chunks), so its
own cost is a few microseconds and it measures what a real client sees.
"""

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Request = tuple[str, str, Any]  # method, path, JSON body or None
RequestFactory = Callable[[], Request]


@dataclass
class Sample:
    """Latencies (seconds) of the successful requests, and what went wrong with the others."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)
    elapsed: float = 0.0

    def summary(self) -> dict[str, float]:
        """p50/p99 in milliseconds and requests per second."""
        ordered = sorted(self.latencies)
        if not ordered:
            return {"p50_ms": float("nan"), "p99_ms": float("nan"), "rps": 0.0}
        return {
            "p50_ms": round(ordered[len(ordered) // 2] * 1000, 3),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 3),
            "rps": round(len(ordered) / self.elapsed, 1),
        }


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def _worker(
    host: str, port: int, token: str, make: RequestFactory, deadline: float, sample: Sample
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            method, path, body = make()
            data = b"" if body is None else json.dumps(body).encode()
            request = (
                f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
                f"If-Match: *\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\n\r\n"
            ).encode() + data
            started = time.perf_counter()
            try:
                writer.write(request)
                status = await _read_response(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                # The server closed the connection (after an error): count it, reconnect.
                sample.errors[0] = sample.errors.get(0, 0) + 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            took = time.perf_counter() - started
            if status < 400:
                sample.latencies.append(took)
            else:
                sample.errors[status] = sample.errors.get(status, 0) + 1
    finally:
        writer.close()


async def run(
    host: str, port: int, token: str, make: RequestFactory, *, concurrency: int, seconds: float
) -> Sample:
    """Keep `concurrency` connections busy for `seconds`; every request comes from `make`."""
    sample = Sample()
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(_worker(host, port, token, make, deadline, sample) for _ in range(concurrency))
    )
    sample.elapsed = time.perf_counter() - started
    return sample
