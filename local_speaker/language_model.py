"""A small statistical language model for the bedside speaker, built from the interaction model.

The recogniser's first search: every sentence the grammar allows (each sample, its slot
values, the polite wrappers around it) counted into a trigram model, plus the most
common everyday English words (`background_words.txt`) at a small share of the
probability. What the couple says to the speaker is heard word for word, wrapped or
paraphrased ("so how are we doing lately"); what is said to each other or to another
assistant is heard as ordinary words, which the matcher then turns down, instead of
being forced onto the nearest command as a fixed grammar does.

Written in ARPA text (the format pocketsphinx reads). Interpolated Witten-Bell
smoothing, which takes the fractional counts the sample weighting gives.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence

from local_speaker import context
from local_speaker.grammar import Builder
from local_speaker.model import InteractionModel
from local_speaker.normalize import Wrappers, background_words, wrappers

# Share of the unigram probability that goes to everyday words rather than the model's.
# On the tuning set 0.007 and 0.06 both let a fifth more room talk through than 0.02.
BACKGROUND_SHARE = 0.02
# Share of a sample's weight spread over its wrapped forms ("can you ... for us").
WRAPPED_SHARE = 0.3
ORDER = 3
START, END = "<s>", "</s>"

Gram = tuple[str, ...]
Weights = defaultdict[Gram, float]  # fractional counts


def sentences(
    model: InteractionModel,
    known: Callable[[str], bool],
    expect: context.Expecting | None = None,
) -> Weights:
    """Every sample of the grammar in this context, its slots filled with each of their
    values in turn (one slot varies at a time, the others keep their first value: every
    word pair and triple around a value is counted without multiplying out two lists of
    names), weighted so that each sample counts once however many values it has."""
    builder = Builder(model, known, expect)
    out: Weights = defaultdict(float)
    for intent in model.intents:
        for alternative in builder.intent_rule(intent):
            parts = alternative.split()
            choices = [
                builder.slot_rules[part[1:-1]] if part.startswith("<") else [part] for part in parts
            ]
            expansions = {tuple(choice[0] for choice in choices)}
            for i, values in enumerate(choices):
                for value in values[1:]:
                    expansions.add(
                        tuple(value if j == i else choice[0] for j, choice in enumerate(choices))
                    )
            for expansion in expansions:
                out[tuple(" ".join(expansion).split())] += 1 / len(expansions)
    invocation = builder.spoken(model.invocation) if model.invocation else None
    if invocation:
        for opening in ((), ("open",), ("start",)):
            out[(*opening, *invocation)] += 1
    return out


def build(
    model: InteractionModel,
    known: Callable[[str], bool],
    expect: context.Expecting | None = None,
    *,
    background: Sequence[tuple[str, float]] | None = None,
    background_share: float | None = None,
    wrapping: Wrappers | None = None,
    wake: Sequence[str] = (),
) -> str:
    """The ARPA text of the model for this context (`wake`: a wake phrase that may come
    first, counted as one more wrapper)."""
    wrapping = wrapping or wrappers(model)
    if wake:
        wrapping = Wrappers((*wrapping.prefixes, tuple(wake)), wrapping.suffixes)
    counts = _counts(sentences(model, known, expect), wrapping, known)
    everyday = [(w, p) for w, p in (background or background_words()) if known(w)]
    share = BACKGROUND_SHARE if background_share is None else background_share
    return arpa(counts, everyday, share)


def _counts(weighted: Weights, wrapping: Wrappers, known: Callable[[str], bool]) -> list[Weights]:
    """N-gram counts of every sentence, plain and inside each wrapper.

    A wrapped sentence's word triples are the plain sentence's, except near the wrapper;
    those depend only on the sentence's first (or last) two words, so they are counted
    once per distinct beginning (or ending) rather than once per sentence and wrapper.
    """
    counts: list[Weights] = [defaultdict(float) for _ in range(ORDER)]

    def add(
        tokens: tuple[str, ...], weight: float, *, before: int | None = None, ending: int = 0
    ) -> None:
        """The n-grams of `tokens` (only those starting before index `before`, and only
        those ending at index `ending` or later)."""
        for n in range(1, ORDER + 1):
            for i in range(len(tokens) - n + 1):
                if (before is not None and i >= before) or i + n - 1 < ending:
                    continue
                gram = tokens[i : i + n]
                if gram != (START,):
                    counts[n - 1][gram] += weight

    prefixes = [p for p in wrapping.prefixes if all(known(w) for w in p)]
    suffixes = [s for s in wrapping.suffixes if all(known(w) for w in s)]
    heads: Weights = defaultdict(float)
    tails: Weights = defaultdict(float)
    for words, weight in weighted.items():
        add((START, *words, END), weight)
        wrapped = weight * WRAPPED_SHARE
        if prefixes:
            add((*words, END), wrapped)  # after a prefix: everything from the first word on
            heads[(*words, END)[:2]] += wrapped / len(prefixes)
        if suffixes:
            add((START, *words), wrapped)  # before a suffix: everything up to the last word
            tails[(START, *words)[-2:]] += wrapped / len(suffixes)
    for head, weight in heads.items():
        for prefix in prefixes:
            add((START, *prefix, *head), weight, before=1 + len(prefix))  # starts before it
    for tail, weight in tails.items():
        for suffix in suffixes:
            add((*tail, *suffix, END), weight, ending=len(tail))  # ends after it
    return counts


def arpa(counts: list[Weights], everyday: Sequence[tuple[str, float]], share: float) -> str:
    """Interpolated Witten-Bell estimates, written as an ARPA back-off model."""
    total = sum(counts[0].values())
    own = {gram[0]: c / total for gram, c in counts[0].items()}
    norm = sum(10**p for _, p in everyday) or 1.0
    common = {w: 10**p / norm for w, p in everyday}
    unigrams: dict[Gram, float] = {
        (w,): (1 - share) * own.get(w, 0.0) + share * common.get(w, 0.0) for w in {*own, *common}
    }
    unigrams[(START,)] = 0.0
    probs: list[dict[Gram, float]] = [unigrams]
    backoffs: list[dict[Gram, float]] = [{}]
    for n in range(2, ORDER + 1):
        following: dict[Gram, dict[str, float]] = defaultdict(dict)
        for gram, c in counts[n - 1].items():
            following[gram[:-1]][gram[-1]] = c
        table: dict[Gram, float] = {}
        for history, after in following.items():
            seen, types = sum(after.values()), len(after)
            backoffs[n - 2][history] = types / (seen + types)
            for word, c in after.items():
                lower = _prob(probs, backoffs, (*history[1:], word))
                table[(*history, word)] = (c + types * lower) / (seen + types)
        probs.append(table)
        backoffs.append({})
    lines = ["\\data\\"] + [f"ngram {n + 1}={len(probs[n])}" for n in range(ORDER)]
    for n in range(ORDER):
        lines += ["", f"\\{n + 1}-grams:"]
        for gram, p in sorted(probs[n].items()):
            logp = math.log10(p) if p > 0 else -99.0
            text = " ".join(gram)
            if n < ORDER - 1:
                backoff = backoffs[n].get(gram)
                lines.append(f"{logp:.4f}\t{text}\t{math.log10(backoff) if backoff else 0.0:.4f}")
            else:
                lines.append(f"{logp:.4f}\t{text}")
    lines += ["", "\\end\\", ""]
    return "\n".join(lines)


def _prob(probs: list[dict[Gram, float]], backoffs: list[dict[Gram, float]], gram: Gram) -> float:
    found = probs[len(gram) - 1].get(gram)
    if found is not None:
        return found
    if len(gram) == 1:
        return 0.0
    return backoffs[len(gram) - 2].get(gram[:-1], 1.0) * _prob(probs, backoffs, gram[1:])
