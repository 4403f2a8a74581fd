"""How fast an article's mentions are found among GTD-scale names: the target is 50 ms for 5,000 words and 50,000 aliases.

    .venv/bin/python bench/mention_detection.py [--seed 7] [--scale 1.0] [--words 5000] [--runs 30]

Names come from the synthetic data set's plan (`sampledata.synthetic.plan.plan_names`: 5,000 groups and 50,000
aliases at scale 1.0, with the spellings, acronyms and translations sources use), built in memory; no
database is needed. The article is the seed articles' prose (common words, "IS", "this", "state"…) with
a sentence naming a synthetic group, by its name or any alias, after every third sentence, up to
`--words` words. Prints the automaton's build time, then the median and p95 of `find_mentions` (the
matching alone) and of `detect` (matching, sentences and possible new names, as the admin page and the
commands run it), wall-clock and CPU time, and the ratio of the p95 to the target.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings.test")

import django  # noqa: E402

django.setup()

from intake.mentions import build_index, detect, find_mentions  # noqa: E402
from sampledata.demo_data import DEMO_DATA_FILE  # noqa: E402
from sampledata.synthetic.plan import plan_names  # noqa: E402
from sampledata.synthetic.vocabulary import FILLERS  # noqa: E402
from sources.text import split_sentences  # noqa: E402

TARGET_MS = 50.0


def article(names: list[str], words: int, rng: random.Random) -> tuple[str, int]:
    """Seed-article prose with a synthetic group named after every third sentence; returns the text and how many names it holds."""
    prose = [s.text for path in sorted(Path(DEMO_DATA_FILE.parent, "articles").glob("*.txt")) for s in split_sentences(path.read_text())]
    sentences, count, named = [], 0, 0
    while count < words:
        if len(sentences) % 3 == 2:
            sentence = f"{rng.choice(FILLERS)[:-1]}, and {rng.choice(names)} claimed responsibility for the attack."
            named += 1
        else:
            sentence = prose[len(sentences) % len(prose)]
        sentences.append(sentence)
        count += len(sentence.split())
    paragraphs = [" ".join(sentences[i : i + 6]) for i in range(0, len(sentences), 6)]
    return "\n\n".join(paragraphs), named


def timed(function, runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each run, sorted. On a shared machine the CPU time is the steadier figure."""
    wall, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    return sorted(wall), sorted(cpu)


def p95(times: list[float]) -> float:
    return times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=30)
    options = parser.parse_args()

    began = time.perf_counter()
    plan = plan_names(seed=options.seed, scale=options.scale)
    groups = [{"id": i, **group} for i, group in enumerate(plan.groups)]
    print(f"Planned {len(groups):,} groups and {len(plan.aliases):,} aliases in {time.perf_counter() - began:.1f} s")

    began = time.perf_counter()
    index = build_index(groups, plan.aliases)
    print(f"Automaton: {len(index):,} search keys built in {(time.perf_counter() - began) * 1000:.0f} ms")

    rng = random.Random(options.seed)
    text, named = article([g["name"] for g in groups] + [a["name"] for a in plan.aliases], options.words, rng)
    found = find_mentions(text, index)
    print(f"Article: {len(text.split()):,} words, {len(text):,} characters, {named} synthetic names; {len(found)} mentions found")

    detect(text, index)  # warm the per-word fold cache as a long-running process would have it
    matching = timed(lambda: find_mentions(text, index), options.runs)
    everything = timed(lambda: detect(text, index), options.runs)
    print(f"Over {options.runs} runs (wall clock; CPU time in brackets), against the {TARGET_MS:.0f} ms target:")
    for label, (wall, cpu) in (("find_mentions", matching), ("detect", everything)):
        print(
            f"{label:>13}: median {statistics.median(wall):5.1f} ms ({statistics.median(cpu):5.1f}), "
            f"p95 {p95(wall):5.1f} ms ({p95(cpu):5.1f}): {p95(wall) / TARGET_MS:.2f} × the target ({p95(cpu) / TARGET_MS:.2f})"
        )


if __name__ == "__main__":
    main()
