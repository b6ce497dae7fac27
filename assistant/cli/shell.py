"""`assistant shell`: chat with the assistant; `--nlu`: type a sentence, see its parse."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from assistant.cli._printer import console
from assistant.cli.train import DEFAULT_MODEL
from assistant.errors import InvalidTextError


def nlu_shell(model_dir: Path) -> None:
    import asyncio

    asyncio.run(_nlu_shell(model_dir))


async def _nlu_shell(model_dir: Path) -> None:
    import asyncio

    from assistant.nlu.backend import load_local

    loop = asyncio.get_running_loop()
    backend = await loop.run_in_executor(None, load_local, model_dir)
    info = backend.info()
    console.print(f"NLU shell ({model_dir}: {info.backend} backend, model {info.model_version}, "
                  f"{info.provider}, {info.precision}). Type a sentence; Ctrl-D or /exit to quit.")
    while True:
        try:
            line = await loop.run_in_executor(None, input, "> ")
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if line.strip() in ("/exit", "/quit"):
            return
        try:
            result = await backend.parse(line)
        except InvalidTextError as exc:
            console.print(json.dumps({"error": exc.to_dict()}))
            continue
        console.print_json(json.dumps(result.to_dict(), ensure_ascii=False))


def shell_cmd(
    model: Path = typer.Option(DEFAULT_MODEL, "--model", help="model folder"),
    nlu: bool = typer.Option(False, "--nlu", help="only print the NLU parse of each line"),
    config: Path | None = typer.Option(None, "--config", help="settings YAML file"),
) -> None:
    """Chat with the assistant in the terminal (in-process, simulated devices by default)."""
    if nlu:
        nlu_shell(model)
        return
    import asyncio

    from assistant.cli.chat import chat
    from assistant.config import load_settings

    asyncio.run(chat(load_settings(config, model_dir=model)))
