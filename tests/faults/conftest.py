"""Fixtures of the reliability tests: the tiny server model (trained once per session, or
kept in ASSISTANT_TEST_SERVER_MODEL_CACHE) and device tokens with known values."""

from __future__ import annotations

import pytest

from tests.faults._support import device_tokens
from tests.server.conftest import bundled_model

__all__ = ["bundled_model", "env_tokens"]


@pytest.fixture
def env_tokens() -> dict[str, str]:
    """token_env -> a known token for every bundled device (searchable in every output)."""
    return device_tokens("devtok")
