"""A real HTTP webhook receiver for tests: uvicorn on 127.0.0.1 in a thread of its own."""

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]

    @property
    def event(self) -> dict[str, Any]:
        return self.payload["data"]  # type: ignore[no-any-return]


@dataclass
class Receiver:
    """Records every request it answers 2xx to (`accepted`) and every request (`seen`).
    `respond(n)` decides the status of the n-th request (0-based); `delay(n)` its delay."""

    respond: Callable[[int], int] = lambda n: 200
    delay: Callable[[int], float] = lambda n: 0.0
    seen: list[Received] = field(default_factory=list)
    accepted: list[Received] = field(default_factory=list)
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            body = await request.body()
            item = Received(headers=dict(request.headers), body=body)
            with self._lock:
                n = len(self.seen)
                self.seen.append(item)
            wait = self.delay(n)
            if wait:
                await asyncio.sleep(wait)
            status = self.respond(n)
            if 200 <= status < 300:
                with self._lock:
                    self.accepted.append(item)
            return Response(status_code=status)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.event for r in self.accepted]

    def wait_for(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Block until `count` deliveries were accepted (or fail the test)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.accepted) >= count:
                return self.events()
            time.sleep(0.02)
        raise AssertionError(f"got {len(self.accepted)} deliveries, wanted {count}")

    async def await_for(self, count: int, seconds: float = 30.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if len(self.accepted) >= count:
                return self.events()
            await asyncio.sleep(0.02)
        raise AssertionError(f"got {len(self.accepted)} deliveries, wanted {count}")


class Running:
    """Context manager: serve a Receiver on a free local port."""

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        config = uvicorn.Config(
            receiver.app(), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("receiver did not start")
            time.sleep(0.01)
        self.receiver.url = f"http://127.0.0.1:{self.port}/hook"
        return self.receiver

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def verify(secret: str, item: Received) -> dict[str, Any]:
    """Check the Standard Webhooks signature (raises if wrong); the parsed body."""
    return Webhook(secret).verify(item.body, item.headers)  # type: ignore[no-any-return]
