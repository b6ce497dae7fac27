"""One place for terminal output, so library code never prints and tests can silence it."""

from __future__ import annotations

from rich.console import Console

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)
