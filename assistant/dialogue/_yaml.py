"""Read a YAML file keeping its node tree, so any data path maps back to a line number."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import Problem


@dataclass(frozen=True)
class Document:
    path: Path
    data: Any
    root: yaml.Node | None

    def where(self, loc: Sequence[str | int] = ()) -> str:
        """``file:line`` of the deepest node on ``loc`` (keys and list indexes) that exists."""
        return f"{self.path}:{line_of(self.root, loc)}"


def read_document(path: Path) -> Document | Problem:
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except UnicodeDecodeError as exc:
        return Problem(f"{path}:1", f"not UTF-8 text ({exc.reason})", "save the file as UTF-8")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return Problem(f"{path}:{line}", f"YAML syntax error: {getattr(exc, 'problem', exc)}",
                       "check indentation and quoting; quote text that holds ': ' or '{'")
    except RecursionError:  # PyYAML composes nested collections recursively
        return Problem(f"{path}:1", "YAML nested too deeply to read",
                       "flatten the nested lists and mappings")
    return Document(path, data, root)


def line_of(node: yaml.Node | None, loc: Sequence[str | int]) -> int:
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                    node, line = v, k.start_mark.line + 1
                    break
            # a key pydantic adds (a union member's tag) is not in the file: skip it
        elif (isinstance(node, yaml.SequenceNode) and isinstance(key, int)
              and 0 <= key < len(node.value)):
            node = node.value[key]
            line = node.start_mark.line + 1
    return line
