"""`assistant train`: parse options, call the library, report."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from assistant.cli._printer import console
from assistant.nlu.config import load_config

if TYPE_CHECKING:
    from assistant.nlu.training.pipeline import TrainOutcome

DEFAULT_DATA = Path("nlu_data")
DEFAULT_MODEL = Path("models/nlu")


def run_training(
    data: Path, out: Path, config: Path | None = None, *, force: bool = False, **overrides: object
) -> TrainOutcome:
    from assistant.nlu.training.pipeline import train_model  # torch: only when training

    cfg = load_config(config, **overrides)
    if console.is_terminal:
        columns = (TextColumn("training"), BarColumn(),
                   TextColumn("{task.completed}/{task.total}"),
                   TextColumn("loss {task.fields[loss]:.3f}"), TimeElapsedColumn(),
                   TimeRemainingColumn())
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task("train", total=None, loss=float("nan"))

            def report(step: int, total: int, stats: dict[str, float]) -> None:
                bar.update(task, completed=step, total=total, loss=stats["loss"])

            outcome = train_model(data, out, cfg, force=force, progress=report)
    else:  # a log file or a pipe: a line per epoch instead of a bar nobody sees
        outcome = train_model(data, out, cfg, force=force,
                              progress=EpochLines(cfg.epochs, console.print))
    if outcome.reused:
        console.print(f"[green]model in {out} is up to date[/] (data and config unchanged); use --force to retrain")
    else:
        m = outcome.metrics
        console.print(
            f"[green]trained[/] {out} in {outcome.seconds:.0f} s: intent accuracy "
            f"{m.get('intent_accuracy', 0):.3f}, entity F1 {m.get('entity_f1', 0):.3f} "
            f"({m.get('split')} split, {m.get('examples')} examples)"
        )
    return outcome


class EpochLines:
    """A training progress callback that prints one line per epoch: loss, time elapsed and an
    estimate of the time left (for output that is not a terminal)."""

    def __init__(self, epochs: int, emit: Callable[[str], object],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._epochs = max(epochs, 1)
        self._emit = emit
        self._clock = clock
        self._started: float | None = None
        self._shown = 0

    def __call__(self, step: int, total: int, stats: dict[str, float]) -> None:
        now = self._clock()
        if self._started is None:
            self._started = now
            self._emit(f"training: {total} steps, {self._epochs} epochs")
        epoch = min(self._epochs, step * self._epochs // max(total, 1))
        if epoch <= self._shown:
            return
        self._shown = epoch
        elapsed = now - self._started
        left = elapsed * (total - step) / max(step, 1)
        self._emit(f"epoch {epoch}/{self._epochs}: loss {stats['loss']:.3f}, "
                   f"{_duration(elapsed)} elapsed, about {_duration(left)} left")


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def train_cmd(
    data: Path = typer.Option(DEFAULT_DATA, "--data", help="training data folder or file"),
    out: Path = typer.Option(DEFAULT_MODEL, "--out", help="model folder to write"),
    config: Path | None = typer.Option(None, "--config", help="training config YAML"),
    epochs: int | None = typer.Option(None, "--epochs", help="override epochs"),
    holdout: float | None = typer.Option(None, "--holdout", help="fraction held out for metrics"),
    force: bool = typer.Option(False, "--force", help="retrain even if nothing changed"),
    device: str | None = typer.Option(None, "--device", help="auto (default), cpu or cuda"),
) -> None:
    """Train the NLU model (reuses the existing one if data and config are unchanged)."""
    run_training(data, out, config, force=force, epochs=epochs, holdout_fraction=holdout,
                 device=device)
