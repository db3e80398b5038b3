"""The `clientele` command line: `clientele.cli:app` (the console script), built in
`clientele.cli.main` from a module per command group; `clientele.cli.common` is their kit.

The app is built on first access: feature command modules (privacy/cli.py ...) import
`clientele.cli.common`, which loads this package first, so this package must not import them
when it is loaded (that would be an import cycle)."""

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    if name == "app":
        return importlib.import_module("clientele.cli.main").app
    raise AttributeError(f"module 'clientele.cli' has no attribute {name!r}")
