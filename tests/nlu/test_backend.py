"""The local NLU backend: the protocol, what it says about its model, and that it parses in
the pool it is given, never on the event loop."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.errors import EmptyTextError, ModelNotFoundError
from assistant.nlu.backend import (
    LOCAL,
    UNVERSIONED,
    LocalBackend,
    NLUBackend,
    known_labels,
    load_local,
)
from assistant.nlu.runtime import NLUModel
from assistant.types import ParseResult, ParseSource


@pytest.fixture(scope="module")
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(2, thread_name_prefix="nlu-test") as executor:
        yield executor


@pytest.fixture(scope="module")
def backend(tiny_model: Path, pool: ThreadPoolExecutor) -> LocalBackend:
    return load_local(tiny_model, pool)


def test_local_backend_is_an_nlu_backend(backend: LocalBackend) -> None:
    assert isinstance(backend, NLUBackend)


def test_info_names_the_model(backend: LocalBackend, tiny_model: Path) -> None:
    info = backend.info()
    meta = json.loads((tiny_model / "meta.json").read_text())
    labels = json.loads((tiny_model / "labels.json").read_text())
    fallback = json.loads((tiny_model / "config.json").read_text())["fallback_intent"]
    assert (info.backend, info.data_hash) == (LOCAL, meta["data_hash"]), info
    assert info.model_version == hashlib.blake2b((tiny_model / "meta.json").read_bytes(),
                                                 digest_size=6).hexdigest(), info
    assert fallback in info.intents, info.intents  # the intent of a parse below the threshold
    assert list(info.intents) == list(dict.fromkeys([*labels["intents"], fallback])), info
    assert set(info.entities) == {"device", "room", "temperature", "number"}, info.entities
    assert info.provider == NLUModel.load(tiny_model).provider, info
    assert info.precision in ("int8", "fp16", "fp32"), info


@pytest.mark.asyncio
async def test_parse_says_who_answered(backend: LocalBackend, tiny_model: Path) -> None:
    result = await backend.parse("turn on the kitchen light")
    expected = NLUModel.load(tiny_model).parse("turn on the kitchen light")
    source = ParseSource(backend=LOCAL, model_version=backend.info().model_version)
    assert (result.intent.name, result.entities, result.source) == (
        expected.intent.name, expected.entities, source), result
    assert result.to_dict()["source"] == {"backend": LOCAL,
                                          "model_version": source.model_version}


@pytest.mark.asyncio
async def test_parse_batch_keeps_order(backend: LocalBackend) -> None:
    texts = ["turn on the kitchen light", "hello", "turn off the office fan", "bonjour"]
    results = await backend.parse_batch(texts)
    assert [r.text for r in results] == texts, results
    assert [r.intent.name for r in results] == ["turn_on", "greet", "turn_off", "greet"], results
    assert {r.source for r in results} == {backend.info().source}, results
    assert await backend.parse_batch([]) == []


@pytest.mark.asyncio
async def test_parses_in_the_given_pool_not_on_the_loop(tiny_model: Path,
                                                        pool: ThreadPoolExecutor) -> None:
    threads: list[str] = []
    model = NLUModel.load(tiny_model)
    original = model.parse_batch

    def spy(texts: Sequence[str]) -> list[ParseResult]:
        threads.append(threading.current_thread().name)
        return original(texts)

    model.parse_batch = spy  # type: ignore[method-assign]
    backend = LocalBackend(model, pool)
    loop_thread = threading.current_thread().name
    results = await asyncio.gather(*(backend.parse(t) for t in ("hi", "hello", "hey")),
                                   backend.parse_batch(["turn on the kitchen light"]))
    assert len(results) == 4
    assert threads and all(t.startswith("nlu-test") for t in threads), (threads, loop_thread)


@pytest.mark.asyncio
async def test_bad_text_is_the_runtimes_coded_error(backend: LocalBackend) -> None:
    with pytest.raises(EmptyTextError) as info:
        await backend.parse("   ")
    assert info.value.code == "E302"


def test_no_model_is_e200(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError) as info:
        load_local(tmp_path / "nothing")
    assert "assistant train" in info.value.hint


def test_a_folder_without_meta_is_unversioned(tiny_model: Path, tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(tiny_model, copy)
    (copy / "meta.json").unlink()
    info = load_local(copy).info()
    assert (info.model_version, info.data_hash) == (UNVERSIONED, ""), info


def test_known_labels_join_the_domain_and_the_backend(backend: LocalBackend,
                                                      tmp_path: Path) -> None:
    (tmp_path / "domain.yml").write_text("intents: [greet, goodbye]\nentities: [colour]\n")
    intents, entities = known_labels(tmp_path, backend.info())
    assert intents[:2] == ["greet", "goodbye"], intents
    assert set(intents) == {"goodbye", *backend.info().intents}, intents
    assert entities[0] == "colour" and set(entities) == {"colour", *backend.info().entities}
    assert known_labels(tmp_path, None) == (["greet", "goodbye"], ["colour"])
