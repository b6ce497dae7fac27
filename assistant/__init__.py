"""A self-hosted smart-home assistant: NLU, dialogue, device actions."""

__version__ = "0.1.0"
