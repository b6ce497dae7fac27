"""Longer atheris runs over the parsers of user files than the test's (tests/faults).

    python bench/fuzz_parsers.py [--target all|nlu|markup|flows|devices|stories] [--seconds 600]
                                 [--corpus bench/results/fuzz_corpus]

Runs ``python -m tests.faults.fuzz_targets`` (seeded from the bundled files when the corpus
folder is new; the corpus grows between runs). An input that gives anything other than a
result or a coded error with file:line, or that takes over 20 s, is kept as
``CORPUS/../crash-*`` and the exit status is non-zero.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="all",
                        choices=["all", "nlu", "markup", "flows", "devices", "stories"])
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--corpus", type=Path, default=ROOT / "bench" / "results" / "fuzz_corpus")
    args = parser.parse_args()
    corpus = args.corpus.resolve() / args.target
    corpus.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "tests.faults.fuzz_targets", args.target, str(corpus),
           f"-max_total_time={args.seconds}", "-timeout=300", "-rss_limit_mb=4096",
           f"-artifact_prefix={corpus.parent}/", "-print_final_stats=1"]
    return subprocess.run(cmd, cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
