"""Write local_speaker/background_words.txt: the most common English words, with how common.

The bedside speaker's language model (local_speaker/language_model.py) gives the room's
own talk somewhere to go: besides the interaction model's sentences it holds these
everyday words at a small share, so "did you feed the cat" is heard as ordinary words
the matcher then turns down, instead of being forced onto the nearest command. The list
comes from the unigram probabilities of pocketsphinx's general English model (about
100 MB in memory, so it is read once here rather than at every start).

    .venv/bin/python scripts/background_words.py [--count 2000]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "local_speaker" / "background_words.txt"
LOG10_PER_UNIT = math.log10(1.0001)  # pocketsphinx's log base


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    import pocketsphinx
    from pocketsphinx import Config, LogMath, NGramModel

    model = Path(pocketsphinx.get_model_path()) / "en-us"
    lm = NGramModel(Config(), LogMath(), str(model / "en-us.lm.bin"))
    scored = []
    for line in (model / "cmudict-en-us.dict").read_text(encoding="utf-8").splitlines():
        word = line.split(" ", 1)[0]
        if "(" in word or not word.isascii() or not word[0].isalpha():
            continue
        scored.append((lm.prob([word]) * LOG10_PER_UNIT, word))
    scored.sort(reverse=True)
    lines = ["# word <TAB> log10 unigram probability (scripts/background_words.py)"]
    lines += [f"{word}\t{p:.3f}" for p, word in scored[: args.count]]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{args.count} words in {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
