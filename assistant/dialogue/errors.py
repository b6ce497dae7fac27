"""Errors of the dialogue layer (codes E6xx). Normal outcomes (a device that refused, a value
out of range) are replies, not errors: these are start-up and storage problems."""

from __future__ import annotations

from assistant.errors import AssistantError, ProblemsError


class FlowValidationError(ProblemsError):
    """The flow files have problems; ``problems`` lists every one, each with file:line."""

    code = "E600"
    status = 500
    subject = "the dialogue flows"
    consequence = "the assistant did not start"


class FlowsNotFoundError(AssistantError):
    code = "E601"
    status = 500


class DialogueStateError(AssistantError):
    """A stored dialogue state that cannot be read back (wrong shape, not JSON)."""

    code = "E602"
    status = 500
