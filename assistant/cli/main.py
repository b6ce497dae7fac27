"""The `assistant` console script: thin commands that call library functions."""

from __future__ import annotations

import logging

import typer

from assistant.cli._printer import err_console
from assistant.cli.audit import audit_cmd
from assistant.cli.devices import devices_app
from assistant.cli.keys import keys_app
from assistant.cli.run import run_cmd
from assistant.cli.shell import shell_cmd
from assistant.cli.test_cmd import test_app
from assistant.cli.train import train_cmd
from assistant.errors import AssistantError, DataValidationError

app = typer.Typer(help="Self-hosted smart-home assistant.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
app.command("train")(train_cmd)
app.command("shell")(shell_cmd)
app.command("run")(run_cmd)
app.add_typer(test_app, name="test")
app.add_typer(devices_app, name="devices")
app.add_typer(keys_app, name="keys")
app.command("audit")(audit_cmd)


@app.callback()
def _setup(verbose: bool = typer.Option(False, "--verbose", "-v", help="debug logging")) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


def main() -> None:
    try:
        app()
    except DataValidationError as exc:
        err_console.print(f"[red]error {exc.code}[/]: {len(exc.problems)} problem(s) in the training data:")
        for p in exc.problems:
            err_console.print(f"  {p}", markup=False)
        err_console.print("nothing was trained", markup=False)
        raise SystemExit(2) from None
    except AssistantError as exc:
        fix = f"\n  fix: {exc.hint}" if exc.hint else ""
        err_console.print(f"error {exc.code}: {exc.message}{fix}", markup=False)
        raise SystemExit(2) from None
