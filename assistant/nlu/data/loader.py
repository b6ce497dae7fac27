"""Load Rasa 3.x NLU YAML (plus nested annotation) and validate it, listing every problem.

A folder is read recursively (``*.yml``, ``*.yaml``). Domain-style keys (``intents:``,
``entities:``) declare names; when any file declares them, examples may use only those.
An intent block with ``metadata: {match: phrase}`` holds phrases, matched by their wording
instead of learned (``assistant.nlu.phrases``); Rasa reads the same block as examples.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml

from assistant.errors import DataNotFoundError, DataValidationError, Problem
from assistant.nlu.data._markup import MarkupError, parse_example
from assistant.nlu.data.types import EntityAnnotation, Example, Phrase, TrainingData
from assistant.nlu.phrases import phrase_key

NLU_KEYS = ("intent", "synonym", "regex", "lookup")
ITEM_KEYS = frozenset({*NLU_KEYS, "examples", "metadata"})
MATCH_KINDS = ("phrase",)  # metadata ``match:`` values; without one, examples are learned
# Keys Rasa allows at the top of a data or domain file; only version/nlu/intents/entities matter here.
TOP_KEYS = frozenset(
    {"version", "nlu", "intents", "entities", "stories", "rules", "responses", "slots", "forms",
     "actions", "e2e_actions", "session_config", "config", "test_stories"}
)


def find_data_files(path: str | Path) -> list[Path]:
    root = Path(path)
    if not root.exists():
        raise DataNotFoundError(f"training data not found: {root}", hint="pass --data DIR or FILE")
    if root.is_file():
        return [root]
    files = sorted(p for p in root.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
    if not files:
        raise DataNotFoundError(f"no .yml/.yaml files under {root}", hint="add Rasa NLU YAML files")
    return files


def data_fingerprint(path: str | Path) -> str:
    """A hash of every data file's name and bytes: unchanged data gives the same value."""
    root = Path(path)
    if not root.exists():
        raise DataNotFoundError(f"training data not found: {root}", hint="pass --data DIR or FILE")
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for file in files:
        digest.update(str(file.relative_to(root) if root.is_dir() else file.name).encode())
        digest.update(b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def load_training_data(path: str | Path) -> TrainingData:
    """Read every file under ``path``; raise DataValidationError listing all problems."""
    collector = _Collector()
    for file in find_data_files(path):
        collector.read_file(file)
    return collector.finish(f"{path}:1")


def _key_text(node: yaml.Node) -> str:
    """A mapping key as text; a list or mapping used as a key (``[a]: x``) becomes text that
    no known key equals, so it is reported as an unknown key with its line."""
    return node.value if isinstance(node, yaml.ScalarNode) else f"<a {node.id} as key>"


def _did_you_mean(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f"did you mean {close[0]!r}?" if close else ""


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.examples: list[Example] = []
        self.synonyms: dict[str, str] = {}
        self.regexes: dict[str, list[str]] = {}
        self.lookups: dict[str, list[str]] = {}
        self.declared_intents: dict[str, str] = {}
        self.declared_entities: dict[str, str] = {}
        self.seen: dict[str, Example] = {}
        self.phrases: dict[str, Phrase] = {}  # by phrase_key

    # -- files -------------------------------------------------------------------------------
    def read_file(self, file: Path) -> None:
        where = str(file)
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            self.problem(f"{where}:1", f"not UTF-8 ({exc.reason})", "save the file as UTF-8")
            return
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark else 1
            self.problem(f"{where}:{line}", f"YAML syntax error: {getattr(exc, 'problem', exc)}",
                         "check indentation and quoting on this line")
            return
        except RecursionError:  # PyYAML composes nested collections recursively
            self.problem(f"{where}:1", "YAML nested too deeply to read",
                         "flatten the nested lists and mappings")
            return
        if root is None:
            return
        if not isinstance(root, yaml.MappingNode):
            self.problem(f"{where}:1", "top level must be a mapping", 'start with version: "3.1"')
            return
        for key_node, value in root.value:
            key = _key_text(key_node)
            at = f"{where}:{key_node.start_mark.line + 1}"
            if key not in TOP_KEYS:
                self.problem(at, f"unknown top-level key {key!r}",
                             _did_you_mean(key, TOP_KEYS) or f"allowed: {', '.join(sorted(TOP_KEYS))}")
            elif key == "version":
                if not (isinstance(value, yaml.ScalarNode) and value.style in ("'", '"')
                        and value.value.startswith("3.")):
                    self.problem(at, f"version must be a quoted string like \"3.1\", got {value.value!r}",
                                 'write version: "3.1"')
            elif key == "nlu":
                self.read_nlu(where, value)
            elif key in ("intents", "entities"):
                target = self.declared_intents if key == "intents" else self.declared_entities
                for name, line in self.names(where, value):
                    target.setdefault(name, f"{where}:{line}")

    def names(self, where: str, node: yaml.Node) -> Iterator[tuple[str, int]]:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(f"{where}:{node.start_mark.line + 1}", "expected a list of names", "")
            return
        for item in node.value:
            if isinstance(item, yaml.ScalarNode):
                yield item.value, item.start_mark.line + 1
            elif isinstance(item, yaml.MappingNode) and item.value:
                yield item.value[0][0].value, item.start_mark.line + 1

    def read_nlu(self, where: str, node: yaml.Node) -> None:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(f"{where}:{node.start_mark.line + 1}", "'nlu' must be a list of items",
                         "start each item with '- intent: name'")
            return
        for item in node.value:
            at = f"{where}:{item.start_mark.line + 1}"
            if not isinstance(item, yaml.MappingNode):
                self.problem(at, "an nlu item must be a mapping", "write '- intent: name' + 'examples: |'")
                continue
            fields = {_key_text(k): (k, v) for k, v in item.value}
            for key, (knode, _) in fields.items():
                if key not in ITEM_KEYS:
                    self.problem(f"{where}:{knode.start_mark.line + 1}", f"unknown key {key!r}",
                                 _did_you_mean(key, ITEM_KEYS) or f"allowed: {', '.join(sorted(ITEM_KEYS))}")
            kinds = [k for k in NLU_KEYS if k in fields]
            if len(kinds) != 1:
                self.problem(at, f"an nlu item needs exactly one of {', '.join(NLU_KEYS)}",
                             "split it into separate items")
                continue
            kind = kinds[0]
            name = fields[kind][1].value
            if not isinstance(name, str) or not name.strip():
                self.problem(at, f"{kind} needs a name", f"write '- {kind}: name'")
                continue
            if "examples" not in fields:
                self.problem(at, f"{kind} {name!r} has no examples", "add 'examples: |' with '- ' lines")
                continue
            address: tuple[str, ...] | None = None
            if kind == "intent" and "metadata" in fields:
                address = self.phrase_metadata(where, fields["metadata"][1])
            lines = list(self.example_lines(where, fields["examples"][1]))
            if not lines:
                self.problem(at, f"{kind} {name!r} has no examples", "add '- ' lines under examples")
            for src, line in lines:
                if address is not None:
                    self.add_phrase(name.strip(), src, address, f"{where}:{line}")
                else:
                    self.add(kind, name.strip(), src, f"{where}:{line}")

    def phrase_metadata(self, where: str, node: yaml.Node) -> tuple[str, ...] | None:
        """The address words of a phrase block, or None when the block is learned as usual.

        Other metadata keys are Rasa's or the user's own and are left alone."""
        if not isinstance(node, yaml.MappingNode):
            return None
        fields = {_key_text(k): v for k, v in node.value}
        match = fields.get("match")
        if match is None:
            return None
        at = f"{where}:{match.start_mark.line + 1}"
        if not isinstance(match, yaml.ScalarNode) or match.value not in MATCH_KINDS:
            value = match.value if isinstance(match, yaml.ScalarNode) else "a collection"
            self.problem(at, f"unknown match {value!r}",
                         "write 'match: phrase' to match the examples by their wording, "
                         "or leave match out to learn them")
            return None
        words: list[str] = []
        node = fields.get("address")
        if node is not None:
            items = node.value if isinstance(node, yaml.SequenceNode) else [node]
            for item in items:
                if not (isinstance(item, yaml.ScalarNode) and len(phrase_key(item.value).split()) == 1):
                    self.problem(f"{where}:{item.start_mark.line + 1}",
                                 "address must be a list of single words",
                                 "write address: [house, assistant]")
                    continue
                words.append(item.value)
        return tuple(words)

    def add_phrase(self, intent: str, src: str, address: tuple[str, ...], at: str) -> None:
        parsed = self.parse(src, at)
        if parsed is None:
            return
        text, entities = parsed
        key = phrase_key(text)
        if entities:
            self.problem(at, f"phrase {text!r} carries entities; phrases are matched whole",
                         "move it to a block without 'match: phrase', or drop the annotation")
            return
        if not key:
            self.problem(at, f"phrase {text!r} has no words", "remove the line or write the phrase")
            return
        if not self.repeated(self.phrases.get(key), f"phrase {text!r} is also a phrase", intent, at):
            self.phrases[key] = Phrase(text=text, intent=intent, address=address, source=at)

    def parse(self, src: str, at: str) -> tuple[str, list[EntityAnnotation]] | None:
        try:
            return parse_example(src)
        except MarkupError as exc:
            self.problem(at, exc.message, exc.hint)
            return None

    def repeated(self, earlier: Example | Phrase | None, what: str, intent: str, at: str) -> bool:
        """True when the text was seen before (a problem if under another intent)."""
        if earlier is not None and earlier.intent != intent:
            self.problem(at, f"{what} of intent {earlier.intent!r} ({earlier.source})",
                         f"keep the {what.split()[-1]} in one intent only")
        return earlier is not None

    def example_lines(self, where: str, node: yaml.Node) -> Iterator[tuple[str, int]]:
        if isinstance(node, yaml.ScalarNode):
            first = node.start_mark.line + (2 if node.style in ("|", ">") else 1)
            for offset, raw in enumerate(node.value.splitlines()):
                line = raw.strip()
                if not line:
                    continue
                if not line.startswith("-"):
                    self.problem(f"{where}:{first + offset}", f"example line must start with '- ': {line!r}",
                                 "prefix the example with '- '")
                    continue
                yield line[1:].strip(), first + offset
        elif isinstance(node, yaml.SequenceNode):  # Rasa's "- text: |" form with metadata
            for item in node.value:
                line = item.start_mark.line + 1
                text = None
                if isinstance(item, yaml.MappingNode):
                    text = next((v.value for k, v in item.value if k.value == "text"), None)
                if not isinstance(text, str):
                    self.problem(f"{where}:{line}", "each example needs a 'text'", "write '- text: ...'")
                    continue
                yield text.strip(), line
        else:
            self.problem(f"{where}:{node.start_mark.line + 1}", "examples must be a block of '- ' lines",
                         "write 'examples: |' followed by indented '- ' lines")

    # -- items -------------------------------------------------------------------------------
    def add(self, kind: str, name: str, src: str, at: str) -> None:
        if kind == "synonym":
            self.synonyms[src.lower()] = name
        elif kind == "lookup":
            self.lookups.setdefault(name, []).append(src)
        elif kind == "regex":
            try:
                re.compile(src)
            except re.error as exc:
                self.problem(at, f"invalid regular expression: {exc}", "fix or escape the pattern")
                return
            self.regexes.setdefault(name, []).append(src)
        else:
            parsed = self.parse(src, at)
            if parsed is None:
                return
            text, entities = parsed
            if not text.strip():
                self.problem(at, "empty example", "remove the line or write the example")
                return
            example = Example(text=text, intent=name, entities=tuple(entities), source=at)
            key = _key(text)
            if self.repeated(self.seen.get(key), f"{text!r} is also an example", name, at):
                return
            self.seen[key] = example
            self.examples.append(example)
            for ann in entities:
                surface = text[ann.start : ann.end]
                if ann.value is not None and ann.value != surface:
                    self.synonyms.setdefault(surface.lower(), ann.value)

    def problem(self, where: str, message: str, hint: str) -> None:
        self.problems.append(Problem(where, message, hint))

    def finish(self, where: str = "<data>:1") -> TrainingData:
        """The data read so far; ``where`` names the data set in a problem of the whole set."""
        learned = {phrase_key(ex.text): ex for ex in self.examples}
        for key, phrase in self.phrases.items():
            ex = learned.get(key)
            if ex is not None and ex.intent != phrase.intent:
                self.problem(phrase.source, f"phrase {phrase.text!r} of intent {phrase.intent!r} "
                             f"would hide the example {ex.text!r} of {ex.intent!r} ({ex.source})",
                             "keep the wording in one intent only")
        if self.declared_intents:
            for item in (*self.examples, *self.phrases.values()):
                if item.intent not in self.declared_intents:
                    self.problem(item.source, f"intent {item.intent!r} is not declared under intents:",
                                 _did_you_mean(item.intent, self.declared_intents)
                                 or "declare it in the domain file")
        if self.declared_entities:
            for ex in self.examples:
                for ann in ex.entities:
                    if ann.entity not in self.declared_entities:
                        self.problem(ex.source, f"unknown entity {ann.entity!r}",
                                     _did_you_mean(ann.entity, self.declared_entities)
                                     or "declare it under entities: in the domain file")
        if not self.examples and not self.problems:
            self.problem(where, "no intent examples found", "add '- intent:' items under nlu:")
        if self.problems:
            raise DataValidationError(sorted(self.problems, key=_sort_key))
        return TrainingData(
            examples=tuple(self.examples),
            synonyms=dict(self.synonyms),
            regexes={k: tuple(v) for k, v in self.regexes.items()},
            lookups={k: tuple(v) for k, v in self.lookups.items()},
            phrases=tuple(self.phrases.values()),
        )


def _sort_key(p: Problem) -> tuple[str, int]:
    file, _, line = p.where.rpartition(":")
    return (file, int(line)) if line.isdigit() else (p.where, 0)


__all__ = ["EntityAnnotation", "Phrase", "data_fingerprint", "find_data_files", "load_training_data"]
