"""Race fixtures: the app on a database of its own (real commits, real concurrency)."""

import os

from tests.security.conftest import live  # noqa: F401 - reused fixture

# Each race test repeats its race this many times (CI: a few; the documented run: hundreds).
TRIALS = int(os.environ.get("CLIENTELE_RACE_TRIALS", "3"))
