"""bench/soak.py as a smoke check: ~20 s at a low rate with random device faults."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import pytest

from tests.faults._support import ROOT

pytestmark = pytest.mark.faults
logger = logging.getLogger(__name__)


def test_soak_smoke(bundled_model: Path) -> None:
    spec = importlib.util.spec_from_file_location("soak", ROOT / "bench" / "soak.py")
    assert spec is not None and spec.loader is not None
    soak = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(soak)
    result = soak.soak(minutes=20 / 60, rate=5, model=bundled_model)
    logger.info("soak smoke: %s", result)
    assert result["undeliberate_5xx"] == [], result
    assert result["missing_turns"] == [], result
    assert result["acknowledged_turns"] >= 20, result
    assert result["faults_injected"] >= 3, result
