"""Entity value normalisation: surface text -> the value the dialogue acts on.

Pure standard library; it runs on the inference hot path.
"""

from __future__ import annotations

from assistant.nlu.normalize._value import normalize_value

__all__ = ["normalize_value"]
