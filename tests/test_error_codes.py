"""The error catalogue: every code the code raises is unique and documented in
docs/errors.md with its HTTP status and how to fix it, and the page lists no code that is gone."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import assistant
from assistant.errors import AssistantError

ROOT = Path(__file__).resolve().parents[1]
ROW = re.compile(r"^\|\s*(E\d{3})\s*\|\s*(\d{3})\s*\|([^|]*)\|([^|]*)\|\s*$")


def _coded_classes() -> dict[type[AssistantError], str]:
    for info in pkgutil.walk_packages(assistant.__path__, "assistant."):
        if ".migrations" not in info.name:
            importlib.import_module(info.name)
    found: dict[type[AssistantError], str] = {}
    stack: list[type[AssistantError]] = [AssistantError]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if "code" in vars(cls):
            found[cls] = cls.code
    return found


def _documented() -> dict[str, tuple[int, str, str]]:
    rows = {}
    for line in (ROOT / "docs" / "errors.md").read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            code, status, when, fix = match.groups()
            assert code not in rows, f"docs/errors.md lists {code} twice"
            rows[code] = (int(status), when.strip(), fix.strip())
    return rows


def test_every_code_is_unique() -> None:
    by_code: dict[str, list[str]] = {}
    for cls, code in _coded_classes().items():
        by_code.setdefault(code, []).append(f"{cls.__module__}.{cls.__qualname__}")
    shared = {code: names for code, names in by_code.items() if len(names) > 1}
    assert not shared, f"codes used by more than one error class: {shared}"


def test_every_code_is_documented_with_status_and_fix() -> None:
    classes = _coded_classes()
    documented = _documented()
    missing = sorted({code for code in classes.values()} - set(documented))
    assert not missing, f"codes not in docs/errors.md: {missing}"
    gone = sorted(set(documented) - set(classes.values()))
    assert not gone, f"docs/errors.md lists codes no error class has: {gone}"
    for cls, code in classes.items():
        status, when, fix = documented[code]
        assert status == cls.status, f"{code}: docs say HTTP {status}, {cls.__name__} has {cls.status}"
        assert when and fix, f"{code}: docs/errors.md needs both when it happens and how to fix it"
