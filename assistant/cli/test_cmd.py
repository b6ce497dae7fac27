"""`assistant test nlu`: evaluate a model folder on a dataset, in the spirit of `rasa test nlu`."""

from __future__ import annotations

from pathlib import Path

import typer

from assistant.cli._printer import console
from assistant.cli.train import DEFAULT_DATA, DEFAULT_MODEL

test_app = typer.Typer(help="Evaluate the assistant.", no_args_is_help=True)


@test_app.command("nlu")
def test_nlu(
    model: Path = typer.Option(DEFAULT_MODEL, "--model", help="model folder"),
    data: Path = typer.Option(DEFAULT_DATA, "--data", help="Rasa YAML, HWU64 .jsonl or SNIPS folder"),
    out: Path = typer.Option(Path("reports"), "--out", help="folder for the reports"),
) -> None:
    """Write intent_report.json, entity_report.json, errors.json and a confusion matrix PNG."""
    import asyncio

    from assistant.nlu.backend import load_local
    from assistant.nlu.data.importers import load_dataset
    from assistant.nlu.evaluation import evaluate

    backend = load_local(model)
    with asyncio.Runner() as loop:  # one event loop for every parse
        summary = evaluate(lambda texts: loop.run(backend.parse_batch(texts)),
                           load_dataset(data), out)
    console.print(
        f"intent accuracy {summary.intent_accuracy:.4f}, entity micro F1 "
        f"{summary.entity_micro_f1:.4f} on {summary.n_examples} examples; reports in {out}"
    )


@test_app.command("dialogue")
def test_dialogue(
    stories: Path = typer.Option(Path("stories"), "--stories",
                                 help="YAML conversation tests: a file or a folder"),
    model: Path = typer.Option(DEFAULT_MODEL, "--model", help="model folder"),
    out: Path = typer.Option(Path("reports/dialogue.json"), "--out", help="JSON report file"),
    config: Path | None = typer.Option(None, "--config", help="settings YAML file"),
) -> None:
    """Run conversation tests through the whole stack (model, dialogue, simulated devices,
    SQLite in a temp folder); exit 1 when any conversation fails."""
    from assistant.server.conversation_tests import format_result, run_dialogue_tests

    report = run_dialogue_tests(stories, model_dir=model, out=out, config_file=config)
    for result in report.conversations:
        for line in format_result(result):
            console.print(line, markup=False, highlight=False, soft_wrap=True)
    colour = "green" if report.ok else "red"
    console.print(f"[{colour}]{report.passed}/{report.total} conversations passed[/] in "
                  f"{report.seconds:.1f} s; report in {out}")
    if not report.ok:
        raise typer.Exit(1)
