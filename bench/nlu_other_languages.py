"""Sentences in other languages: how many the English model sends to out_of_scope.

    python bench/nlu_other_languages.py MODEL_DIR [MODEL_DIR ...] [--out bench/results/other_languages.json]

The bundled model understands English; its phrases (nlu_data/other_languages.yml) cover
greetings, thanks, yes and no in other languages. Anything else in another language should
get a clear "I did not understand" (out_of_scope), not a guess such as greet or turn_on.
The sentences below are commands and questions in 15 languages, none of them a phrase.
Each is parsed one at a time with the INT8 model.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.nlu.backend import NLUBackend, load_local
from assistant.types import ParseResult

SENTENCES = (
    "allume la lumière de la cuisine", "éteins la télé", "quelle heure est-il",
    "il fait froid ici", "ferme les volets du salon",
    "wie spät ist es", "mach das Licht im Wohnzimmer an", "schließ die Tür ab",
    "wie ist das Wetter heute", "ich habe Hunger",
    "¿qué tiempo hace hoy?", "enciende la luz del dormitorio", "apaga la música por favor",
    "¿dónde está mi teléfono?", "pon un temporizador de diez minutos",
    "accendi la luce in cucina", "che ore sono", "spegni il ventilatore",
    "abre as persianas", "desliga a luz da sala", "que horas são",
    "zet de lamp in de keuken aan", "hoe laat is het",
    "tänd lampan i köket", "hvor er nøglerne", "sluk lyset i stuen",
    "włącz światło w kuchni", "ışığı aç", "valot pois päältä",
    "включи свет на кухне", "сколько времени",
    "打开厨房的灯", "今何時ですか", "불 좀 켜 줘",
)


async def parse_each(backend: NLUBackend, texts: tuple[str, ...]) -> list[ParseResult]:
    """One sentence per call, as the server parses."""
    return [await backend.parse(t) for t in texts]


def measure(model_dir: Path) -> dict[str, object]:
    backend = load_local(model_dir, precision="int8")
    phrases = [s for s in SENTENCES if backend.model.phrases.match(s) is not None]
    if phrases:
        raise SystemExit(f"{model_dir}: these are phrases of the model, not test sentences: {phrases}")
    results = asyncio.run(parse_each(backend, SENTENCES))
    intents = Counter(r.intent.name for r in results)
    return {
        "model": str(model_dir),
        "sentences": len(SENTENCES),
        "out_of_scope": intents.get("out_of_scope", 0) / len(SENTENCES),
        "intents": dict(intents.most_common()),
        "not_out_of_scope": {r.text: r.intent.name for r in results if r.intent.name != "out_of_scope"},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", type=Path, nargs="+")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "other_languages.json")
    args = ap.parse_args()
    report = [measure(m) for m in args.models]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for r in report:
        print(f"{r['model']}: out_of_scope {r['out_of_scope']:.1%} of {r['sentences']}; {r['intents']}")


if __name__ == "__main__":
    main()
