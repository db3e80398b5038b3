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


@dataclass(frozen=True, slots=True)
class Settings:
    """Runtime configuration; every field has an environment variable (see README)."""

    database_url: str | None
    data_dir: Path
    pool_size: int
    pool_timeout_s: int
    statement_timeout_ms: int

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
    )
