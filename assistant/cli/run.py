"""`assistant run`: train the model if missing or stale, then serve the assistant."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import typer

from assistant.cli._printer import console


def run_cmd(
    host: str | None = typer.Option(None, "--host", help="address to listen on [127.0.0.1]"),
    port: int | None = typer.Option(None, "--port", help="port to listen on [8080]"),
    config: Path | None = typer.Option(None, "--config", help="settings YAML file"),
    data: Path | None = typer.Option(None, "--data", help="NLU training data [nlu_data]"),
    model: Path | None = typer.Option(None, "--model", help="model folder [models/nlu]"),
    simulate: bool | None = typer.Option(None, "--simulate/--no-simulate",
                                         help="run the device simulator in-process [on]"),
) -> None:
    """Serve the assistant: REST API, Rasa-compatible endpoints, device simulator.

    Trains the model first when it is missing or its data or config changed."""
    from assistant.cli.train import run_training
    from assistant.config import load_settings
    from assistant.nlu.data.loader import data_fingerprint
    from assistant.nlu.training.meta import is_current
    from assistant.server.auth import read_keys_file
    from assistant.server.context import install_log_ids
    from assistant.server.runner import serve

    settings = load_settings(config, host=host, port=port, data_dir=data, model_dir=model,
                             simulate=simulate)
    settings.check_bind(stored_keys=bool(read_keys_file(settings.resolved_keys_file)))  # E701
    if not is_current(settings.model_dir, data_fingerprint(settings.data_dir)):
        run_training(settings.data_dir, settings.model_dir)  # missing or stale: train, then serve
    install_log_ids()
    logging.getLogger("assistant").setLevel(
        min(logging.getLogger().level or logging.INFO, logging.INFO))

    def ready(url: str, seconds: float) -> None:
        devices = "simulated devices" if settings.simulate else "devices from " + str(
            settings.devices_file)
        console.print(f"[green]assistant ready[/] at {url} in {seconds:.1f} s ({devices}); "
                      f"API at {url}/api/openapi.json; Ctrl-C to stop", soft_wrap=True)

    asyncio.run(serve(settings, on_ready=ready))
