"""HWU64 / SNIPS importers and the load_dataset dispatcher, on small files written here."""

from __future__ import annotations

import json
import logging
import sys
import types
from pathlib import Path

import pytest

from assistant.errors import DataNotFoundError, DataValidationError, UnknownDatasetFormatError
from assistant.nlu.data.importers import load_dataset, load_hwu64, load_snips
from assistant.nlu.data.importers.snips import bio_spans
from assistant.nlu.data.types import Example, TrainingData


def surfaces(example: Example) -> list[tuple[str, str]]:
    """(label, text[start:end]) per entity: checks offsets and labels together."""
    return [(a.label, example.text[a.start : a.end]) for a in example.entities]


def write_hwu64(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = [
        json.dumps({"text": t, "intent": i, "scenario": "x", "annotation": a}) for t, i, a in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- HWU64 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "annotation", "want_text", "want_entities"),
    [
        ("what alarms do i have", "what alarms do i have", "what alarms do i have", []),
        ("checkout today alarm of meeting", "checkout [date : today] alarm of meeting",
         "checkout today alarm of meeting", [("date", "today")]),
        ("wake me at 5:30 am tomorrow", "wake me at [time : 5:30 am] [date : tomorrow]",
         "wake me at 5:30 am tomorrow", [("time", "5:30 am"), ("date", "tomorrow")]),
        # differs only by case and whitespace: the annotation-derived text wins
        ("Turn on  the Lights ", "turn on the [house_place : lights]",
         "turn on the lights", [("house_place", "lights")]),
        ("play  jazz", "play  [genre : jazz]  ", "play jazz", [("genre", "jazz")]),
    ],
)
def test_hwu64_entities_from_inline_markup(
    tmp_path: Path,
    text: str,
    annotation: str,
    want_text: str,
    want_entities: list[tuple[str, str]],
) -> None:
    file = write_hwu64(tmp_path / "train.jsonl", [(text, "some_intent", annotation)])
    (example,) = load_hwu64(file).examples
    assert example.text == want_text, f"expected text {want_text!r}, got {example.text!r}"
    assert surfaces(example) == want_entities, (
        f"expected entities {want_entities}, got {surfaces(example)}"
    )
    assert example.intent == "some_intent"
    assert example.source == "train.jsonl:1", f"expected train.jsonl:1, got {example.source}"


def test_hwu64_mismatched_annotation_keeps_text_and_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    file = write_hwu64(tmp_path / "test.jsonl", [
        ("set an alarm", "alarm_set", "set an alarm"),
        ("remind me tomorrow", "reminder", "remind me [date : today]"),
        ("what time is it in paris", "time", "what time is it in [place_name : london]"),
    ])
    with caplog.at_level(logging.WARNING, logger="assistant.nlu.data.importers.hwu64"):
        data = load_hwu64(file)
    got = [(e.text, e.entities) for e in data.examples]
    want = [("set an alarm", ()), ("remind me tomorrow", ()), ("what time is it in paris", ())]
    assert got == want, f"expected {want}, got {got}"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "2 of 3" in warnings[0], (
        f"expected one '2 of 3' warning, got {warnings}"
    )


def test_hwu64_blank_lines_skipped_and_sources_count_file_lines(tmp_path: Path) -> None:
    file = tmp_path / "train.jsonl"
    row = {"text": "hi", "intent": "greet", "annotation": "hi"}
    file.write_text(json.dumps(row) + "\n\n" + json.dumps(row) + "\n", encoding="utf-8")
    sources = [e.source for e in load_hwu64(file).examples]
    assert sources == ["train.jsonl:1", "train.jsonl:3"], f"expected lines 1 and 3, got {sources}"


def test_hwu64_malformed_lines_listed_together(tmp_path: Path) -> None:
    file = tmp_path / "bad.jsonl"
    file.write_text(
        '{"text": "ok", "intent": "a", "annotation": "ok"}\n'
        "{not json\n"
        '{"text": "no intent", "annotation": "no intent"}\n',
        encoding="utf-8",
    )
    with pytest.raises(DataValidationError) as caught:
        load_hwu64(file)
    wheres = [p.where for p in caught.value.problems]
    assert wheres == ["bad.jsonl:2", "bad.jsonl:3"], f"expected lines 2 and 3, got {wheres}"
    assert "intent" in caught.value.problems[1].message


def test_hwu64_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError) as caught:
        load_hwu64(tmp_path / "nope.jsonl")
    assert caught.value.hint, "expected a fix hint"


# --- SNIPS -------------------------------------------------------------------------------------


def write_snips(folder: Path, rows: list[tuple[str, str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for index, name in enumerate(("seq.in", "seq.out", "label")):
        (folder / name).write_text("".join(r[index] + "\n" for r in rows), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("tags", "want"),
    [
        (["O", "O"], []),
        (["B-a", "I-a", "O", "B-b"], [(0, 2, "a"), (3, 4, "b")]),
        (["B-a", "B-a"], [(0, 1, "a"), (1, 2, "a")]),
        (["O", "I-a", "I-a"], [(1, 3, "a")]),  # stray I- starts a span
        (["B-a", "I-b"], [(0, 1, "a"), (1, 2, "b")]),  # I- of another type starts a span
        (["I-a"], [(0, 1, "a")]),
    ],
)
def test_bio_spans_conlleval_style(tags: list[str], want: list[tuple[int, int, str]]) -> None:
    got = bio_spans(tags)
    assert got == want, f"tags {tags}: expected {want}, got {got}"


def test_snips_bio_to_char_spans(tmp_path: Path) -> None:
    folder = write_snips(tmp_path / "train", [
        ("listen to westbam alumb allergic on google music ",
         "O O B-artist O B-album O B-service I-service ", "PlayMusic"),
        ("book a table  in  paris", "O O O O I-city", "BookRestaurant"),
        ("what is the weather", "O O O O", "GetWeather"),
    ])
    data = load_snips(folder)
    got = [(e.text, e.intent, surfaces(e)) for e in data.examples]
    want = [
        ("listen to westbam alumb allergic on google music", "PlayMusic",
         [("artist", "westbam"), ("album", "allergic"), ("service", "google music")]),
        ("book a table in paris", "BookRestaurant", [("city", "paris")]),
        ("what is the weather", "GetWeather", []),
    ]
    assert got == want, f"expected {want}, got {got}"
    assert data.examples[1].source == "train/seq.in:2"


def test_snips_problems_listed_together(tmp_path: Path) -> None:
    folder = write_snips(tmp_path / "test", [
        ("a b c", "O O", "X"),  # too few tags
        ("a b", "O O", "X"),
        ("a b", "O O O", "X"),  # too many tags
        ("a b", "O Z-x", "X"),  # unknown tag
    ])
    with pytest.raises(DataValidationError) as caught:
        load_snips(folder)
    wheres = [p.where for p in caught.value.problems]
    assert wheres == ["seq.out:1", "seq.out:3", "seq.out:4"], f"expected 1, 3, 4; got {wheres}"
    first = caught.value.problems[0].message
    assert "2 tags for 3 tokens" in first, f"expected '2 tags for 3 tokens', got {first!r}"


def test_snips_line_count_mismatch(tmp_path: Path) -> None:
    folder = write_snips(tmp_path / "valid", [("a", "O", "X"), ("b", "O", "Y")])
    (folder / "label").write_text("X\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as caught:
        load_snips(folder)
    assert "line counts differ" in str(caught.value), str(caught.value)


@pytest.mark.parametrize("remove", ["folder", "seq.out", "label"])
def test_snips_missing_folder_or_file(tmp_path: Path, remove: str) -> None:
    folder = write_snips(tmp_path / "train", [("a", "O", "X")])
    target = tmp_path / "absent" if remove == "folder" else folder
    if remove != "folder":
        (folder / remove).unlink()
    with pytest.raises(DataNotFoundError):
        load_snips(target)


# --- load_dataset ------------------------------------------------------------------------------


def test_load_dataset_dispatches_by_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hwu = write_hwu64(tmp_path / "x.jsonl", [("hi", "greet", "hi")])
    snips = write_snips(tmp_path / "snips", [("hi", "O", "Greet")])
    yaml_file = tmp_path / "nlu.yml"
    yaml_file.write_text("version: '1'\n", encoding="utf-8")
    yaml_dir = tmp_path / "nlu_data"
    (yaml_dir / "sub").mkdir(parents=True)
    (yaml_dir / "sub" / "a.yaml").write_text("version: '1'\n", encoding="utf-8")

    calls: list[object] = []
    marker = TrainingData(examples=(Example("from yaml", "yaml_intent"),))

    def fake_load_training_data(path: object) -> TrainingData:
        calls.append(path)
        return marker

    fake = types.ModuleType("assistant.nlu.data.loader")
    fake.load_training_data = fake_load_training_data  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "assistant.nlu.data.loader", fake)

    assert load_dataset(hwu).examples[0].intent == "greet"
    assert load_dataset(str(snips)).examples[0].intent == "Greet"
    assert load_dataset(yaml_file) is marker
    assert load_dataset(yaml_dir) is marker
    assert calls == [yaml_file, yaml_dir], f"expected the loader called for both, got {calls}"


def test_load_dataset_missing_and_unknown(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError) as caught:
        load_dataset(tmp_path / "nothing")
    assert caught.value.hint, "expected a fix hint"
    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n", encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    for path in (csv, empty):
        with pytest.raises(UnknownDatasetFormatError):
            load_dataset(path)


# --- the real benchmarks -----------------------------------------------------------------------

DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"


@pytest.mark.skipif(not DATASETS.is_dir(), reason=f"benchmarks not present at {DATASETS}")
@pytest.mark.parametrize(
    ("relative", "count", "n_intents"),
    [
        ("hwu64/train.jsonl", 9960, 64),
        ("hwu64/test.jsonl", 1076, 64),
        ("snips/train", 13084, 7),
        ("snips/valid", 700, 7),
        ("snips/test", 700, 7),
    ],
)
def test_real_benchmarks_load(relative: str, count: int, n_intents: int) -> None:
    data = load_dataset(DATASETS / relative)
    got = (len(data.examples), len(data.intents))
    assert got == (count, n_intents), f"{relative}: expected {(count, n_intents)}, got {got}"
    spans = [(e.text, a) for e in data.examples for a in e.entities]
    assert spans, f"{relative}: expected some entities"
    bad = [
        (t, a) for t, a in spans
        if not 0 <= a.start < a.end <= len(t) or t[a.start : a.end] != t[a.start : a.end].strip()
    ]
    assert not bad, f"{relative}: spans out of range or with outer spaces: {bad[:3]}"
