from __future__ import annotations

import pytest

from assistant.dialogue import DialogueEngine
from tests.dialogue.support import load_engine


@pytest.fixture(scope="session")
def engines() -> tuple[DialogueEngine, DialogueEngine]:
    """Two engines over the bundled flows: conversations alternate between them, turn by
    turn, as a restarted server would."""
    return load_engine(), load_engine()
