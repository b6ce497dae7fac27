"""Intent confusion matrix as a PNG. matplotlib is imported only when a plot is drawn."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

logger = logging.getLogger(__name__)

_ANNOTATE_UP_TO = 80  # write counts into the non-empty cells up to this many labels


def confusion_counts(
    gold_labels: Sequence[str], pred_labels: Sequence[str]
) -> tuple[list[str], list[list[int]]]:
    """Sorted union of labels and the count matrix (rows gold, columns predicted)."""
    if len(gold_labels) != len(pred_labels):
        raise ValueError(f"{len(gold_labels)} gold labels but {len(pred_labels)} predicted")
    labels = sorted(set(gold_labels) | set(pred_labels))
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for expected, got in zip(gold_labels, pred_labels):
        matrix[index[expected]][index[got]] += 1
    return labels, matrix


def plot_confusion_matrix(
    gold_labels: Sequence[str], pred_labels: Sequence[str], path: str | Path
) -> Path:
    """Draw the confusion matrix to ``path`` (PNG) and return the path.

    The figure grows with the number of labels and the fonts shrink, so 64 intents stay
    legible; x labels are rotated. Uses the Agg canvas directly: no pyplot, no GUI, and
    no change to the process-wide matplotlib backend.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels, matrix = confusion_counts(gold_labels, pred_labels)
    n = max(len(labels), 1)
    side = min(max(6.0, 0.3 * n + 4.0), 32.0)
    font = max(6.0, min(10.0, 300.0 / n))
    figure = Figure(figsize=(side, side), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    image = axes.imshow(matrix if labels else [[0]], cmap="Blues", interpolation="nearest")
    colorbar = figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04)
    colorbar.ax.tick_params(labelsize=font)
    axes.set_xticks(range(len(labels)))
    axes.set_yticks(range(len(labels)))
    axes.set_xticklabels(labels, rotation=90, fontsize=font)
    axes.set_yticklabels(labels, fontsize=font)
    axes.set_xlabel("predicted intent", fontsize=font + 2)
    axes.set_ylabel("gold intent", fontsize=font + 2)
    axes.set_title("Intent confusion matrix", fontsize=font + 4)
    if labels and len(labels) <= _ANNOTATE_UP_TO:
        peak = max(max(r) for r in matrix) or 1
        for i, counts in enumerate(matrix):
            for j, count in enumerate(counts):
                if count:
                    colour = "white" if count > peak / 2 else "black"
                    axes.text(j, i, str(count), ha="center", va="center",
                              fontsize=font * 0.8, color=colour)
    figure.tight_layout()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, format="png")
    logger.debug("wrote confusion matrix of %d labels to %s", len(labels), target)
    return target
