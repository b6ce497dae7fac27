"""The one error root. Every error has a stable code, an HTTP status and a fix hint.

Normal outcomes (an unknown intent, a device that refused) are values, not errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class AssistantError(Exception):
    """Root of every error the project raises on purpose."""

    code: str = "E000"
    status: int = 500

    def __init__(self, message: str, *, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"[{self.code}] {message}" + (f" Fix: {hint}" if hint else ""))

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "hint": self.hint}


@dataclass(frozen=True)
class Problem:
    """One finding of a validator: where, what, and how to fix it."""

    where: str  # "file:line"
    message: str
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" + (f" (hint: {self.hint})" if self.hint else "")


class ProblemsError(AssistantError):
    """A file set with problems; ``problems`` lists every one of them, not just the first."""

    subject = "the data"  # "N problem(s) in <subject>"
    consequence = "nothing was loaded"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(
            f"{len(self.problems)} problem(s) in {self.subject}:\n{lines}",
            hint=f"correct each listed line; {self.consequence}",
        )


class DataValidationError(ProblemsError):
    code = "E100"
    status = 422
    subject = "the training data"
    consequence = "nothing was trained"


class TrainingConfigError(ProblemsError):
    """The training config (``--config`` YAML or options) has problems; all are listed."""

    code = "E103"
    status = 422
    subject = "the training config"
    consequence = "nothing was trained"


class DataNotFoundError(AssistantError):
    code = "E101"
    status = 404


class UnknownDatasetFormatError(AssistantError):
    code = "E102"
    status = 422


class ModelNotFoundError(AssistantError):
    code = "E200"
    status = 503


class ModelIncompatibleError(AssistantError):
    code = "E201"
    status = 503


class TrainingDependencyError(AssistantError):
    code = "E202"
    status = 500


class InvalidTextError(AssistantError):
    """Input text that cannot be parsed: not UTF-8, not a string, over the size limit."""

    code = "E300"
    status = 400


class EmptyTextError(InvalidTextError):
    code = "E302"
    status = 400


class TextTooLongError(InvalidTextError):
    code = "E301"
    status = 413
