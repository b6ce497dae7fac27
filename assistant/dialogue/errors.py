"""Errors of the dialogue layer (codes E6xx). Normal outcomes (a device that refused, a value
out of range) are replies, not errors: these are start-up and storage problems."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.errors import AssistantError, Problem


class FlowValidationError(AssistantError):
    """The flow files have problems; ``problems`` lists every one, each with file:line."""

    code = "E600"
    status = 500

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(
            f"{len(self.problems)} problem(s) in the dialogue flows:\n{lines}",
            hint="correct each listed line; the assistant did not start",
        )


class FlowsNotFoundError(AssistantError):
    code = "E601"
    status = 500


class DialogueStateError(AssistantError):
    """A stored dialogue state that cannot be read back (wrong shape, not JSON)."""

    code = "E602"
    status = 500
