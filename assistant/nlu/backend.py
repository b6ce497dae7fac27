"""The NLU seam: what the server, the shells, ``assistant test dialogue`` and the bench scripts
call to understand a text, whoever answers it.

``NLUBackend`` is three calls::

    result = await backend.parse("turn on the kitchen light")      # one ParseResult
    results = await backend.parse_batch(["turn it on", "lock it"])  # one per text, in order
    info = backend.info()  # BackendInfo: intents, entity types, model version, data hash, ...

A backend raises the runtime's coded errors (E300 invalid text, E302 empty text); every
``ParseResult`` it returns carries ``source`` (``ParseSource``: the backend's name and the
model version that answered). ``info()`` is cheap and never blocks.

``LocalBackend`` runs the ONNX Runtime model of a model folder (``assistant.nlu.runtime``) in
the thread pool it is given, never on the event loop; ``load_local(folder, pool)`` opens one.
A remote backend (the cluster issue) implements the same protocol. What a model folder holds
(file names, ``labels.json``, ``config.json``, ``meta.json``) and what a data folder declares
(``domain.yml``) is known here and in the runtime, nowhere else.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import hashlib
import json
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import yaml

from assistant.nlu.data.types import label_parts
from assistant.types import ParseResult, ParseSource

if TYPE_CHECKING:
    from assistant.nlu.runtime import NLUModel, Precision

LOCAL = "local"
UNVERSIONED = "unversioned"  # a model folder without meta.json (made by hand or by old code)


@dataclass(frozen=True)
class BackendInfo:
    """What a backend can answer, and with which model.

    ``intents`` includes the fallback intent; ``entities`` are entity types (no roles or
    groups). ``model_version`` names one trained model (it changes with every training);
    ``data_hash`` is the fingerprint of the training data (``data_fingerprint``), "" when
    unknown. ``provider`` is where the model runs (an ONNX Runtime execution provider for the
    local backend) and ``precision`` the graph it runs (int8, fp16, fp32)."""

    backend: str
    model_version: str
    data_hash: str
    intents: tuple[str, ...]
    entities: tuple[str, ...]
    provider: str
    precision: str = ""

    @property
    def source(self) -> ParseSource:
        return ParseSource(backend=self.backend, model_version=self.model_version)

    def to_dict(self) -> dict[str, object]:
        return {"backend": self.backend, "model_version": self.model_version,
                "data_hash": self.data_hash, "provider": self.provider,
                "precision": self.precision, "intents": len(self.intents),
                "entities": len(self.entities)}


@runtime_checkable
class NLUBackend(Protocol):
    """Parses texts; see the module docstring."""

    async def parse(self, text: str) -> ParseResult: ...

    async def parse_batch(self, texts: Sequence[str]) -> list[ParseResult]: ...

    def info(self) -> BackendInfo: ...


class LocalBackend:
    """``NLUModel`` (ONNX Runtime, in process) run in ``pool``; the results name this backend
    and the folder's model version. The model is thread-safe, so calls may overlap."""

    def __init__(self, model: NLUModel, pool: Executor | None = None) -> None:
        self.model = model
        self._pool = pool  # None: the event loop's default executor
        self._info = BackendInfo(
            backend=LOCAL, model_version=model_version(model.path),
            data_hash=str(_meta(model.path).get("data_hash") or ""),
            intents=tuple(dict.fromkeys([*model.intents, model.fallback])),
            entities=tuple(dict.fromkeys(e for e, _, _ in model.labels if e != "O")),
            provider=model.provider, precision=model.precision)
        self._source = self._info.source

    async def parse(self, text: str) -> ParseResult:
        return (await self.parse_batch([text]))[0]

    async def parse_batch(self, texts: Sequence[str]) -> list[ParseResult]:
        # a copy of the caller's context, so log records of the parse keep its ids
        call = functools.partial(contextvars.copy_context().run, self.model.parse_batch,
                                 list(texts))
        results = await asyncio.get_running_loop().run_in_executor(self._pool, call)
        return [replace(r, source=self._source) for r in results]

    def info(self) -> BackendInfo:
        return self._info


def load_local(folder: str | Path, pool: Executor | None = None, *,
               precision: Precision = "auto", threads: int = 0) -> LocalBackend:
    """The local backend of a model folder (blocking: it opens the ONNX session). Raises
    ModelNotFoundError (E200) or ModelIncompatibleError like ``NLUModel.load``."""
    from assistant.nlu.runtime import NLUModel

    return LocalBackend(NLUModel.load(folder, precision=precision, threads=threads), pool)


def model_version(folder: str | Path) -> str:
    """A short id of the model trained into ``folder``: a hash of its ``meta.json`` (which
    records the data and config hashes and the time of training)."""
    meta = Path(folder) / "meta.json"
    if not meta.is_file():
        return UNVERSIONED
    return hashlib.blake2b(meta.read_bytes(), digest_size=6).hexdigest()


def known_labels(data_dir: str | Path, info: BackendInfo | None) -> tuple[list[str], list[str]]:
    """The intents and entity types the NLU can return: those ``data_dir/domain.yml``
    declares, then the backend's (none when it is not there)."""
    intents: dict[str, None] = {}
    entities: dict[str, None] = {}
    domain = Path(data_dir) / "domain.yml"
    if domain.is_file():
        doc = yaml.safe_load(domain.read_text(encoding="utf-8"))
        if isinstance(doc, dict):
            intents.update(dict.fromkeys(str(i) for i in doc.get("intents") or []))
            entities.update(dict.fromkeys(str(e) for e in doc.get("entities") or []))
    if info is not None:
        intents.update(dict.fromkeys(info.intents))
        entities.update(dict.fromkeys(label_parts(e)[0] for e in info.entities))
    return list(intents), list(entities)


def _meta(folder: Path) -> dict[str, object]:
    meta = folder / "meta.json"
    if not meta.is_file():
        return {}
    data = json.loads(meta.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}
