"""How well the bedside speaker hears: the held-out set through a button press.

Every clip goes through `Listener.listen_once` with the microphone command `cat CLIP`,
exactly as a press of the button at the start of a conversation does (room by room, each
heard by a recogniser of its own, as a speaker stays in one room), and what it became
is scored: the intent the couple meant (exact samples and paraphrases), or nothing at all
for talk that was not for the speaker. Also counted: crashes (an exception out of the
listener), silent presses (nothing comes back, so nothing would be said), and the CPU
time of listening and decoding against the clip's length. Typed text goes through the
matcher alone.

    nice .venv/bin/python -m bench.recognition [--voices ...] [--conditions ...] [--json F]
    nice .venv/bin/python -m bench.recognition --enrol    # after each couple's enrolment

Generate the clips first (`python -m bench.heldout.generate`; the same defaults).

With --enrol, the set's voices become couples in the order listed (the first two, the
next two, ...), and each couple first reads the enrolment sentences
(`local_speaker/enrolment.en.txt`, never the set's phrases) in a quiet room, as
`close-together enrol` has them do; every clip of a couple's two voices is then heard with
the model adapted to them, each couple and room with a recogniser of its own.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.heldout.generate import CONDITIONS, SETS, Clip, generate_set, phrases

KINDS = ("exact", "paraphrase", "unrelated")


@dataclass(frozen=True)
class Outcome:
    voice: str
    condition: str
    kind: str
    text: str
    expected: str | None
    got: str | None  # an intent, "launch", "rejected" (said "didn't catch that"), or None
    crashed: bool
    silent: bool  # nothing came back from the press: nothing would be said
    audio_s: float
    cpu_s: float

    @property
    def right(self) -> bool:
        return self.expected is not None and self.got == self.expected

    @property
    def acted(self) -> bool:
        """Something other than a rejection reached the skill."""
        return self.got not in (None, "rejected", "AMAZON.FallbackIntent")


def _hearing(voices: Any = None) -> tuple[Any, Any]:
    """The recogniser and matcher the speaker builds (imported late: before/after runs)."""
    from local_speaker.listen import Recognizer
    from local_speaker.matcher import Matcher
    from local_speaker.model import InteractionModel

    model = InteractionModel.load()
    # Without voices the call an older Recognizer (no `voices`) takes: before/after runs.
    return (Recognizer(model, voices=voices) if voices else Recognizer(model)), Matcher(model)


def couples(voices: Sequence[str]) -> list[tuple[str, ...]]:
    """The set's voices two by two, in order (a last voice alone if their number is odd)."""
    return [tuple(voices[i : i + 2]) for i in range(0, len(voices), 2)]


def enrol(couple: Sequence[str], folder: Path) -> dict[str, str]:
    """Each voice of the couple reads the enrolment sentences; the model adapted to them."""
    from bench.heldout.generate import synthesise
    from local_speaker import enrolment

    readings = [
        enrolment.Recording(synthesise(voice, line), line)
        for voice in couple
        for line in enrolment.sentences()
    ]
    enrolment.adapt(readings, folder)
    settings = enrolment.saved(folder)
    assert settings is not None
    return settings


def press(recognizer: Any, matcher: Any, clip: Clip) -> Outcome:
    """One press of the button with this clip as the microphone."""
    from local_speaker.listen import Listener
    from local_speaker.runner import Inputs

    listener = Listener(recognizer, matcher, Inputs(), mic_command=f"cat {clip.path}")
    audio_s = clip.path.stat().st_size / 2 / 16_000
    started = time.process_time()
    crashed = False
    heard = None
    try:
        heard = listener.listen_once()
    except Exception:  # noqa: BLE001 - a crash is what is being counted
        crashed = True
    cpu_s = time.process_time() - started
    if heard is None:
        got = None
    elif heard.text is None:
        got = "rejected"
    elif heard.text == "":
        got = "launch"
    else:
        intent = getattr(heard, "intent", None)  # the listener's own verdict, if it gives one
        got = intent or matcher.understand(heard.text).intent
    return Outcome(
        clip.voice,
        clip.condition,
        clip.phrase.kind,
        clip.phrase.text,
        clip.phrase.intent,
        got,
        crashed,
        heard is None and not crashed,
        audio_s,
        cpu_s,
    )


def typed(matcher: Any, set_name: str = "heldout") -> dict[str, tuple[int, int]]:
    """Right (or, for unrelated talk, acted on) out of total, typed."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for phrase in phrases(SETS[set_name][0]):
        intent = matcher.understand(phrase.text).intent
        row = out[phrase.kind]
        row[1] += 1
        if phrase.kind == "unrelated":
            row[0] += intent not in (None, "AMAZON.FallbackIntent")
        else:
            row[0] += intent == phrase.intent
    return {k: (v[0], v[1]) for k, v in out.items()}


def table(outcomes: Sequence[Outcome], typed_counts: dict[str, tuple[int, int]]) -> str:
    """A Markdown table: per condition, and per voice, plus the totals that matter."""
    lines = [
        "| | exact sample phrases | natural paraphrases | unrelated speech that triggered an "
        "action | crashes | silent presses | decode CPU × real time |",
        "|---|---|---|---|---|---|---|",
    ]

    def row(label: str, chosen: list[Outcome]) -> str:
        cells = [label]
        for kind in KINDS:
            of_kind = [o for o in chosen if o.kind == kind]
            hits = sum(o.acted if kind == "unrelated" else o.right for o in of_kind)
            share = 100 * hits / len(of_kind) if of_kind else 0.0
            cells.append(f"{hits}/{len(of_kind)} ({share:.0f}%)")
        cells.append(str(sum(o.crashed for o in chosen)))
        cells.append(str(sum(o.silent for o in chosen)))
        audio = sum(o.audio_s for o in chosen)
        cpu = sum(o.cpu_s for o in chosen)
        worst = max((o.cpu_s / o.audio_s for o in chosen if o.audio_s), default=0.0)
        cells.append(f"{cpu / audio:.2f} (worst clip {worst:.2f})" if audio else "-")
        return "| " + " | ".join(cells) + " |"

    conditions = list(dict.fromkeys(o.condition for o in outcomes))
    voices = list(dict.fromkeys(o.voice for o in outcomes))
    for condition in conditions:
        lines.append(row(condition, [o for o in outcomes if o.condition == condition]))
    lines.append(row("**all**", list(outcomes)))
    for voice in voices:
        lines.append(row(f"voice {voice}", [o for o in outcomes if o.voice == voice]))
    typed_cells = [
        f"{typed_counts[k][0]}/{typed_counts[k][1]}" if k in typed_counts else "-" for k in KINDS
    ]
    lines.append("| typed | " + " | ".join(typed_cells) + " | - | - | - |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--set", choices=SETS, default="heldout", help="the held-out set, or the tuning set"
    )
    parser.add_argument("--voices", default="", help="comma list (default: the set's own)")
    parser.add_argument("--conditions", default=",".join(CONDITIONS))
    parser.add_argument(
        "--json", type=Path, default=None, help="append every outcome here (and resume from it)"
    )
    parser.add_argument("--show", default="", help="print outcomes of these kinds (comma list)")
    parser.add_argument(
        "--enrol", action="store_true", help="hear each couple of voices after their enrolment"
    )
    args = parser.parse_args(argv)
    voices = args.voices.split(",") if args.voices else list(SETS[args.set][1])
    clips = generate_set(args.set, voices=voices, conditions=args.conditions.split(","))
    pairs = couples(voices) if args.enrol else [tuple(voices)]
    couple_of = {voice: n for n, pair in enumerate(pairs) for voice in pair}
    learnt: dict[int, dict[str, str]] = {}
    if args.enrol:
        import tempfile

        models = Path(tempfile.mkdtemp(prefix="close-together-bench-"))
        for n, pair in enumerate(pairs):
            learnt[n] = enrol(pair, models / str(n))
            print(f"  enrolled {' and '.join(pair)}", file=sys.stderr)
    # Room by room, each with a recogniser of its own, as a speaker stays in one room:
    # pocketsphinx carries its estimate of the room's noise from one utterance to the
    # next, and a quiet room's clips heard just after a noisy room's measured the switch.
    clips.sort(
        key=lambda clip: (args.conditions.split(",").index(clip.condition), couple_of[clip.voice])
    )
    recognizer: Any = None
    matcher: Any = None
    done: dict[tuple[str, str, str], Outcome] = {}
    if args.json is not None and args.json.exists():
        for line in args.json.read_text(encoding="utf-8").splitlines():
            outcome = Outcome(**json.loads(line))
            done[(outcome.voice, outcome.condition, outcome.text)] = outcome
    log = args.json.open("a", encoding="utf-8") if args.json is not None else None
    outcomes = []
    room = None
    for n, clip in enumerate(clips, 1):
        if (clip.condition, couple_of[clip.voice]) != room:
            room = (clip.condition, couple_of[clip.voice])
            recognizer, matcher = _hearing(learnt.get(couple_of[clip.voice]))
        outcome = done.get((clip.voice, clip.condition, clip.phrase.text)) or press(
            recognizer, matcher, clip
        )
        if log is not None and (clip.voice, clip.condition, clip.phrase.text) not in done:
            log.write(json.dumps(asdict(outcome)) + "\n")
            log.flush()
        outcomes.append(outcome)
        if outcome.kind in args.show.split(","):
            mark = (
                "ok"
                if (outcome.right or (outcome.kind == "unrelated" and not outcome.acted))
                else "XX"
            )
            print(f"{mark} {clip.voice:17} {clip.condition:8} {outcome.text!r} -> {outcome.got}")
        if n % 100 == 0:
            print(f"  {n}/{len(clips)}", file=sys.stderr)
    if log is not None:
        log.close()
    print(table(outcomes, typed(matcher or _hearing()[1], args.set)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
