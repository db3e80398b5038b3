"""Settings from the environment, read in one place."""

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _list_env(name: str) -> tuple[str, ...]:
    """A comma-separated list; unset or blank is empty."""
    raw = os.environ.get(name) or ""
    return tuple(item.strip() for item in raw.split(",") if item.strip())


@dataclass(frozen=True, slots=True)
class Settings:
    """Runtime configuration; every field has an environment variable (see README)."""

    database_url: str | None
    data_dir: Path
    pool_size: int
    pool_timeout_s: int
    statement_timeout_ms: int
    # Issue #9: request bodies, CORS, login rate limiting, idempotency keys.
    max_body_bytes: int = 1024 * 1024
    cors_origins: tuple[str, ...] = ()
    login_max_failures_per_user: int = 5
    login_max_failures_per_ip: int = 20
    login_window_s: int = 900
    idempotency_ttl_s: int = 24 * 3600
    # Issue 19: read replicas.
    read_database_urls: tuple[str, ...] = ()
    replica_max_lag_s: int = 5
    # Issue #18 (personal data): the retention hold on erasure (0: none), the access log's
    # retention (>= 365 days) and its batched writes.
    privacy_retention_days: int = 0
    access_log_retention_days: int = 400
    access_log_flush_ms: int = 1000
    access_log_batch: int = 500
    # Issue #17: change events and webhooks.
    events_retention_days: int = 7
    events_max_wait_s: int = 60
    webhook_timeout_s: int = 10
    webhook_retry_base_ms: int = 5000
    webhook_retry_max_s: int = 3 * 24 * 3600
    webhook_pause_after: int = 50
    worker_concurrency: int = 16
    worker_batch: int = 200

    @property
    def uses_embedded_database(self) -> bool:
        """True when no server was named, so Clientele runs its own PostgreSQL."""
        return self.database_url is None


def load_settings(*, data_dir: Path | None = None) -> Settings:
    """Read the settings; `data_dir` overrides CLIENTELE_DATA_DIR (the CLI's --data-dir)."""
    url = os.environ.get("CLIENTELE_DATABASE_URL") or None
    default_dir = Path(platformdirs.user_data_dir("clientele", appauthor=False))
    chosen_dir = data_dir or Path(os.environ.get("CLIENTELE_DATA_DIR") or default_dir)
    return Settings(
        database_url=url,
        data_dir=chosen_dir,
        pool_size=_int_env("CLIENTELE_POOL_SIZE", 10),
        pool_timeout_s=_int_env("CLIENTELE_POOL_TIMEOUT_S", 5),
        statement_timeout_ms=_int_env("CLIENTELE_STATEMENT_TIMEOUT_MS", 5000),
        max_body_bytes=_int_env("CLIENTELE_MAX_BODY_BYTES", 1024 * 1024),
        cors_origins=_list_env("CLIENTELE_CORS_ORIGINS"),
        login_max_failures_per_user=_int_env("CLIENTELE_LOGIN_MAX_FAILURES_PER_USER", 5),
        login_max_failures_per_ip=_int_env("CLIENTELE_LOGIN_MAX_FAILURES_PER_IP", 20),
        login_window_s=_int_env("CLIENTELE_LOGIN_WINDOW_S", 900),
        idempotency_ttl_s=_int_env("CLIENTELE_IDEMPOTENCY_TTL_S", 24 * 3600),
        read_database_urls=_list_env("CLIENTELE_READ_DATABASE_URLS"),
        replica_max_lag_s=_int_env("CLIENTELE_REPLICA_MAX_LAG_S", 5),
        privacy_retention_days=_int_env("CLIENTELE_PRIVACY_RETENTION_DAYS", 0),
        access_log_retention_days=_int_env("CLIENTELE_ACCESS_LOG_RETENTION_DAYS", 400),
        access_log_flush_ms=_int_env("CLIENTELE_ACCESS_LOG_FLUSH_MS", 1000),
        access_log_batch=_int_env("CLIENTELE_ACCESS_LOG_BATCH", 500),
        events_retention_days=_int_env("CLIENTELE_EVENTS_RETENTION_DAYS", 7),
        events_max_wait_s=_int_env("CLIENTELE_EVENTS_MAX_WAIT_S", 60),
        webhook_timeout_s=_int_env("CLIENTELE_WEBHOOK_TIMEOUT_S", 10),
        webhook_retry_base_ms=_int_env("CLIENTELE_WEBHOOK_RETRY_BASE_MS", 5000),
        webhook_retry_max_s=_int_env("CLIENTELE_WEBHOOK_RETRY_MAX_S", 3 * 24 * 3600),
        webhook_pause_after=_int_env("CLIENTELE_WEBHOOK_PAUSE_AFTER", 50),
        worker_concurrency=_int_env("CLIENTELE_WORKER_CONCURRENCY", 16),
        worker_batch=_int_env("CLIENTELE_WORKER_BATCH", 200),
    )
