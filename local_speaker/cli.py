"""`close-together speaker`, `say` and `hear`: the offline bedside front end.

Each command is added by its own function, named in pyproject.toml's
`close_together.commands` entry-point group, which `skill.frontends.cli` reads: the skill layer
never imports this package. Heavy imports (pyttsx3, pocketsphinx, the skill itself) happen only
when a command runs.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skill.engine.locales import LOCALES

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from local_speaker.enrolment import Voices
    from local_speaker.listen import Listener
    from local_speaker.matcher import Matcher
    from local_speaker.output import Output
    from local_speaker.session import Session
    from local_speaker.voice import Voice

    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

DB_HELP = "SQLite file (default: the service's own)"
MIC_COMMAND_HELP = (
    "command printing raw S16_LE mono 16 kHz audio on stdout (default: arecord, parecord or sox)"
)
LOCAL_USER_HELP = "the couple's user id in the store (share it with the Alexa skill's to merge)"


def _volume(value: str) -> float:
    number = float(value)
    if not 0.0 <= number <= 2.0:
        raise argparse.ArgumentTypeError("volume is 0.0 (silent) to 1.0 (full), at most 2.0")
    return number


def _rate(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text}") from None
    if not 60 <= number <= 400:
        raise argparse.ArgumentTypeError("speaking rate is 60 to 400 words per minute")
    return number


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, help=DB_HELP)
    parser.add_argument("--voice", help="pyttsx3 voice id, e.g. gmw/en-us or en-us+f3")
    parser.add_argument(
        "--rate", type=_rate, default=None, help="speaking rate in words per minute (default 165)"
    )
    parser.add_argument(
        "--volume",
        type=_volume,
        default=1.0,
        help="0.0 to 1.0, applied to speech and chimes alike (default 1.0)",
    )
    parser.add_argument("--user", default=None, help=LOCAL_USER_HELP)
    parser.add_argument(
        "--model", type=Path, default=None, help="interaction model JSON (default: the skill's own)"
    )
    parser.add_argument(
        "--locale",
        choices=LOCALES,
        default=None,
        help="the English the couple speaks and hears (default en-US)",
    )
    parser.add_argument(
        "--player",
        default=None,
        help="command that plays raw S16_LE mono PCM from stdin; "
        "{rate} is replaced by the sample rate",
    )
    parser.add_argument(
        "--timing",
        action="store_true",
        help="print the time from each utterance to its first audio sample",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log each request")


def add_speaker(subparsers: Subparsers) -> None:
    """`close-together speaker`: a conversation, typed or (--listen) spoken."""
    speaker = subparsers.add_parser(
        "speaker",
        help="interactive bedside session, offline (type, or --listen)",
        description="The same rituals, offline: type what you would say, or use --listen.",
    )
    _common(speaker)
    speaker.add_argument(
        "--wav-dir",
        type=Path,
        default=None,
        help="write each answer as a WAV file here instead of playing it",
    )
    speaker.add_argument(
        "--listen-seconds",
        type=float,
        default=8.0,
        metavar="SECONDS",
        help="silence before the reprompt, and again before the session "
        "ends (default 8; 0 waits for ever)",
    )
    speaker.add_argument(
        "--listen",
        action="store_true",
        help="voice input through pocketsphinx (press Enter, then speak)",
    )
    speaker.add_argument(
        "--wake",
        nargs="?",
        const="",
        default=None,
        metavar="PHRASE",
        help="with --listen: listen all the time for a wake phrase (default: the invocation name)",
    )
    speaker.add_argument(
        "--mic-command",
        default=None,
        help=MIC_COMMAND_HELP,
    )
    speaker.add_argument("--list-voices", action="store_true", help="list voices and exit")
    speaker.set_defaults(func=run_speaker)


def add_say(subparsers: Subparsers) -> None:
    """`close-together say UTTERANCE...`: one utterance, spoken (a bedside button)."""
    say = subparsers.add_parser(
        "say",
        help='one utterance, spoken offline: say "start a hug timer"',
        description="Send one utterance (or several, in one session) and speak the answers.",
    )
    _common(say)
    say.add_argument("utterances", nargs="+", metavar="UTTERANCE")
    say.add_argument(
        "--wav",
        type=Path,
        default=None,
        help="write the answer to this WAV file instead of playing it",
    )
    say.set_defaults(func=run_say)


def add_hear(subparsers: Subparsers) -> None:
    """`close-together hear FILE...`: what the speaker makes of recordings."""
    hear = subparsers.add_parser(
        "hear",
        help="what the speaker hears in recordings (16-bit WAV, or raw 16 kHz mono 16-bit)",
        description="Each recording through exactly what a press of the button does at the "
        "start of a conversation: one line with the words heard, the intent they became "
        "(or that they were rejected) and the confidence. For setting up a microphone.",
    )
    hear.add_argument("files", nargs="+", type=Path, metavar="FILE")
    hear.add_argument("--json", action="store_true", help="one JSON object per line")
    hear.add_argument(
        "--model", type=Path, default=None, help="interaction model JSON (default: the skill's own)"
    )
    hear.add_argument(
        "--locale", choices=LOCALES, default=None, help="the English the couple speaks"
    )
    hear.add_argument("--db", type=Path, help=DB_HELP)
    hear.add_argument("--user", default=None, help=LOCAL_USER_HELP)
    hear.add_argument(
        "--stock",
        action="store_true",
        help="hear with the stock acoustic model even when your voices were learnt (enrol)",
    )
    hear.set_defaults(func=run_hear)


def add_enrol(subparsers: Subparsers) -> None:
    """`close-together enrol`: each partner reads a few sentences; the speaker learns them."""
    enrol = subparsers.add_parser(
        "enrol",
        help="teach the bedside speaker your voices (each of you reads a few sentences)",
        description="Each of you reads a few ordinary sentences aloud, once, where you will "
        "talk to the speaker; it then hears you both better. Only the adapted model is kept "
        "(never the recordings), and it is erased when you ask the skill to forget you.",
    )
    enrol.add_argument("--db", type=Path, help=DB_HELP)
    enrol.add_argument("--user", default=None, help=LOCAL_USER_HELP)
    enrol.add_argument(
        "--people", type=int, choices=(1, 2), default=2, help="how many of you read (default 2)"
    )
    enrol.add_argument(
        "--mic-command",
        default=None,
        help=MIC_COMMAND_HELP,
    )
    enrol.add_argument(
        "--forget", action="store_true", help="erase the voices learnt here, and nothing else"
    )
    enrol.set_defaults(func=run_enrol)


def _voices_folder(args: argparse.Namespace) -> Path:
    from local_speaker import enrolment
    from local_speaker.envelopes import LOCAL_USER
    from skill.config import Config

    config = Config.from_env(**({"db_path": args.db.expanduser()} if args.db else {}))
    return enrolment.folder_for(config.db_path, args.user or LOCAL_USER)


def run_enrol(args: argparse.Namespace) -> int:
    """Record each partner reading the sentences, then adapt the model to them."""
    from local_speaker import enrolment
    from local_speaker.listen import ListenError, find_mic_command

    folder = _voices_folder(args)
    if args.forget:
        erased = enrolment.erase(folder)
        print("Forgot your voices." if erased else "No voices were learnt here.")
        return 0
    if missing := enrolment.missing_tools():
        print(
            f"close-together: learning voices needs: sudo apt-get install {' '.join(missing)}",
            file=sys.stderr,
        )
        return 2
    command = args.mic_command or find_mic_command()
    if command is None:
        print(
            "close-together: no microphone command found "
            "(install alsa-utils for arecord, or pass --mic-command)",
            file=sys.stderr,
        )
        return 2
    lines = enrolment.sentences()
    print(
        f"Each of you reads {len(lines)} short sentences aloud, from where you will talk to "
        "the speaker, in your usual voice. Press Enter, read the sentence, then pause: "
        "it moves on by itself."
    )
    recordings: list[enrolment.Recording] = []
    for person in range(args.people):
        if args.people > 1:
            print("\nFirst, one of you." if person == 0 else "\nNow the other of you.")
        for n, line in enumerate(lines, 1):
            print(f"\n  {n}/{len(lines)}  {line}")
            for _attempt in range(2):
                if sys.stdin.readline() == "":
                    print("close-together: stopped before the end; nothing was learnt.")
                    return 1
                try:
                    pcm = _record_sentence(command)
                except ListenError as exc:
                    print(
                        f"close-together: cannot start the microphone: {exc.__cause__ or exc}",
                        file=sys.stderr,
                    )
                    return 2
                if pcm:
                    recordings.append(enrolment.Recording(pcm, line))
                    break
                print("  I heard nothing. Press Enter and read it again.")
    print("\nLearning your voices…")
    try:
        enrolment.adapt(recordings, folder)
    except enrolment.EnrolmentError as exc:
        print(f"close-together: {exc}", file=sys.stderr)
        return 1
    print(
        "Done: the speaker now hears you with your voices, from its next start (restart "
        "one that is running). Asking it to forget you erases them too, as does "
        "`close-together enrol --forget`."
    )
    return 0


def _record_sentence(command: str) -> bytes:
    from local_speaker import enrolment
    from local_speaker.listen import start_mic, stop_mic

    proc = start_mic(command)
    assert proc.stdout is not None
    try:
        return enrolment.record(proc.stdout)
    finally:
        stop_mic(proc)


class Unheard(RuntimeError):
    """No way to play answers, and no terminal to print them on (under systemd)."""


@dataclass
class Parts:
    console: Console
    matcher: Matcher
    session: Session
    output: Output
    voice: Voice | None
    voices: Voices
    erased_at: Callable[[], float | None]  # when the skill last forgot the couple


def _build(
    args: argparse.Namespace, *, wav_dir: Path | None = None, wav_file: Path | None = None
) -> Parts:
    from rich.console import Console

    from local_speaker import enrolment
    from local_speaker.envelopes import LOCAL_USER, Device
    from local_speaker.matcher import Matcher
    from local_speaker.model import InteractionModel
    from local_speaker.output import (
        PlayedOutput,
        TextOutput,
        WavOutput,
        words_belong_on_stdout,
    )
    from local_speaker.playback import find_player
    from local_speaker.session import Session
    from local_speaker.tts import DEFAULT_WPM, Pyttsx3Synthesizer
    from local_speaker.voice import Voice
    from skill.builder import build_skill
    from skill.config import Config

    console = Console(highlight=False, soft_wrap=True)
    overrides: dict[str, Any] = {"db_path": args.db.expanduser()} if args.db else {}
    if getattr(args, "locale", None):
        overrides["locale"] = args.locale
    config = Config.from_env(**overrides)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    model = InteractionModel.load(args.model, locale=config.locale)
    matcher = Matcher(model)
    skill = build_skill(config)
    device = Device(
        user_id=args.user or LOCAL_USER,
        application_id=config.skill_ids[0] if config.skill_ids else Device().application_id,
        locale=config.locale,
    )
    session = Session(skill, matcher, device=device)
    synthesizer = Pyttsx3Synthesizer(voice=args.voice, words_per_minute=args.rate or DEFAULT_WPM)
    voice = Voice(synthesizer, volume=args.volume)
    output: Output
    if wav_dir is not None or wav_file is not None:
        output = WavOutput(console, voice, directory=wav_dir, file=wav_file)
    else:
        player, reason = find_player(args.player)
        if player is None and not words_belong_on_stdout():
            # Under systemd the words are not printed either (they may be a pain report):
            # a speaker no one can hear stops, and Restart=on-failure tries again later
            # (a USB speaker found after the service started, say).
            raise Unheard(f"{reason}: nothing can be heard (use --player, or --wav-dir)")
        if player is None:
            console.print(
                f"[yellow]{reason}[/]: printing what I would say instead "
                "(use --wav-dir or --wav to write audio)."
            )
            output = TextOutput(console)
        else:
            output = PlayedOutput(console, voice, player)
    output.words = words_belong_on_stdout()
    store = skill.persistence_adapter
    erased_at = getattr(store, "erased_at", None)  # SQLite's and DynamoDB's stores have it
    erased: Callable[[], float | None] = (
        (lambda: erased_at(device.user_id)) if erased_at is not None else (lambda: None)
    )
    voices = enrolment.Voices(enrolment.folder_for(config.db_path, device.user_id), erased)
    return Parts(
        console,
        matcher,
        session,
        output,
        None if type(output) is TextOutput else voice,
        voices,
        erased,
    )


def _latency_printer(console: Console, enabled: bool) -> Callable[[float], None] | None:
    if not enabled:
        return None

    def show(seconds: float) -> None:
        console.print(f"[dim]   first audio {seconds * 1000:.0f} ms after the words[/]")

    return show


def _unwritable(path: Path, *, folder: bool = False) -> str | None:
    """Why answers cannot be written at `path`, a WAV file or (`folder`) a folder of them,
    found by trying (None: they can). A folder is made if it is missing."""
    try:
        if folder:
            if path.exists() and not path.is_dir():
                return "it is a file, not a folder"
            path.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=path):
                return None
        if path.is_dir():
            return "it is a folder"
        if not path.parent.is_dir():
            return f"there is no folder {path.parent}"
        with path.open("ab"):
            return None
    except OSError as exc:
        return exc.strerror or type(exc).__name__


def run_say(args: argparse.Namespace) -> int:
    """One utterance (or a few in one session), spoken or written to --wav."""
    from local_speaker.model import ModelError
    from local_speaker.playback import PlaybackError
    from local_speaker.runner import Bedside, Inputs
    from local_speaker.tts import SpeechError

    if args.wav is not None and (problem := _unwritable(args.wav)):
        print(f"close-together: cannot write {args.wav}: {problem}", file=sys.stderr)
        return 2
    try:
        parts = _build(args, wav_file=args.wav)
    except ModelError as exc:
        print(f"close-together: {exc} (use --model)", file=sys.stderr)
        return 2
    except Unheard as exc:
        print(f"close-together: {exc}", file=sys.stderr)
        return 1
    bedside = Bedside(
        parts.session,
        parts.output,
        Inputs(),
        on_latency=_latency_printer(parts.console, args.timing),
    )
    try:
        for utterance in args.utterances:
            bedside.once(utterance)
        parts.session.close()
    except (SpeechError, PlaybackError) as exc:
        print(f"close-together: {exc}", file=sys.stderr)
        return 1
    finally:
        parts.output.close()
        if parts.voice is not None:
            parts.voice.synthesizer.close()
    return 0


# A microphone command ending within this long of a SIGTERM was stopped with the speaker.
MIC_LOST_GRACE_S = 0.5


def run_speaker(args: argparse.Namespace) -> int:
    """The interactive bedside session."""
    from local_speaker.runner import END, Bedside, Inputs, read_lines

    if args.list_voices:
        return _list_voices(args)
    if args.wake is not None and not args.listen:
        print("close-together: --wake needs --listen", file=sys.stderr)
        return 2
    from local_speaker.model import ModelError
    from local_speaker.tts import SpeechError

    if args.wav_dir is not None and (problem := _unwritable(args.wav_dir, folder=True)):
        print(f"close-together: cannot write to {args.wav_dir}: {problem}", file=sys.stderr)
        return 2
    try:
        parts = _build(args, wav_dir=args.wav_dir)
    except ModelError as exc:
        print(f"close-together: {exc} (use --model)", file=sys.stderr)
        return 2
    except Unheard as exc:
        print(f"close-together: {exc}", file=sys.stderr)
        return 1
    if parts.voice is not None:
        try:
            parts.voice.synthesizer.warm_up()
        except SpeechError as exc:
            print(f"close-together: {exc}", file=sys.stderr)
            return 1
    inputs = Inputs()
    not_caught = parts.matcher.model.phrases.speech.get("not_caught", "Sorry?")
    on_empty = None
    listener = None
    if args.listen:
        from local_speaker.context import expecting
        from local_speaker.listen import ListenError, start_listener
        from local_speaker.output import PlayedOutput

        out = parts.output
        played = out.played_since if isinstance(out, PlayedOutput) else (lambda since: False)
        try:
            listener = start_listener(
                parts.matcher,
                inputs,
                wake=args.wake,
                mic_command=args.mic_command,
                session_open=lambda: parts.session.open,
                expecting=lambda: expecting(parts.session.open, parts.session.attributes),
                # Heard while an answer played, or since a stretch began: the speaker's own
                # voice (its last words end as playing does) or talk over it.
                playing=played,
                # Under systemd the listener names no intent heard (a pain report is one).
                console=parts.console if parts.output.words else None,
                voices=parts.voices.settings(),
            )
        except (ListenError, ValueError) as exc:  # ValueError: a wake phrase it can't hear
            print(f"close-together: {exc}", file=sys.stderr)
            return 2
        on_empty = listener.push_to_talk if args.wake is None else None
        if listener.recognizer.voices:
            parts.console.print("[dim]Hearing you with the voices you taught it (enrol).[/]")
        else:
            parts.console.print(
                "[dim]Each of you reading 24 sentences once (close-together enrol) "
                "teaches it your voices: it then understands you far better.[/]"
            )
    bedside = Bedside(
        parts.session,
        parts.output,
        inputs,
        listen_s=args.listen_seconds,
        not_caught=not_caught,
        on_latency=_latency_printer(parts.console, args.timing),
        hearing=(lambda: listener.capturing) if listener is not None else (lambda: False),
        after_turn=_forgetting(parts, listener),
    )
    # systemd stops a service with SIGTERM: end the conversation as Ctrl-D would. (It
    # stops the microphone command at the same moment: that is no lost microphone.)
    terminated = threading.Event()

    def stop(*_: object) -> None:
        terminated.set()
        inputs.put(END)
        inputs.pending.set()  # an answer (or a massage's quiet) playing now stops too

    previous = signal.signal(signal.SIGTERM, stop)
    parts.console.print(_welcome(args, parts.matcher.model.invocation))
    wake_mode = args.listen and args.wake is not None
    read_lines(sys.stdin, inputs, on_empty=on_empty, end_on_eof=not wake_mode)
    try:
        code = bedside.run()
        lost = listener is not None and listener.mic_lost is not None
        if lost and not terminated.wait(MIC_LOST_GRACE_S):
            assert listener is not None
            print(f"close-together: microphone: {listener.mic_lost}", file=sys.stderr)
            return 1  # systemd's Restart=on-failure starts it again
        return code
    except KeyboardInterrupt:
        parts.session.close()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if listener is not None:
            listener.stop()
        parts.output.close()
        if parts.voice is not None:
            parts.voice.synthesizer.close()


def _forgetting(parts: Parts, listener: Listener | None) -> Callable[[], None]:
    """What runs after each turn: when the skill has just forgotten the couple, what the
    bedside keeps beside the store goes too. Their learnt voices, from the disk at once
    and from the listener as soon as a new one is built; the answers written to
    --wav-dir (they repeat what was said)."""
    from local_speaker.output import WavOutput

    last = parts.erased_at()

    def after_turn() -> None:
        nonlocal last
        if parts.voices.forget_if_erased() and listener is not None:
            listener.forget_voices()
        if isinstance(parts.output, WavOutput):
            now = parts.erased_at()
            if now != last:
                last = now
                parts.output.forget()

    return after_turn


RAW_SUFFIXES = (".raw", ".pcm", ".s16")


def read_recording(path: Path) -> bytes:
    """16 kHz mono 16-bit PCM from a WAV file or a raw one (named .raw or .pcm): a
    16-bit WAV at any rate, mono or stereo, as a phone or recorder makes it, is mixed down
    and resampled, band-limited, to what the microphone would give."""
    from local_speaker import audio
    from local_speaker.listen import SAMPLE_RATE

    data = path.read_bytes()
    if not data.startswith(b"RIFF"):
        if path.suffix.lower() not in RAW_SUFFIXES:  # an MP3, a FLAC, a text file...
            raise ValueError(
                "not a WAV file (raw 16 kHz mono 16-bit audio needs a .raw or .pcm name)"
            )
        return data[: len(data) - len(data) % 2]
    try:
        pcm = audio.read_wav(path)
    except audio.AudioError as exc:
        raise ValueError(f"{exc} (sox {path.name} -b 16 out.wav makes one I can read)") from exc
    return audio.downsampled(pcm, SAMPLE_RATE).to_bytes()


def run_hear(args: argparse.Namespace) -> int:
    """What a button press would make of each recording."""
    import io
    import json

    from local_speaker import enrolment
    from local_speaker.listen import Listener, ListenError, Recognizer
    from local_speaker.matcher import Matcher
    from local_speaker.model import InteractionModel, ModelError
    from local_speaker.runner import Inputs
    from skill.config import Config

    try:
        model = InteractionModel.load(args.model, locale=args.locale or Config.from_env().locale)
        voices = None if args.stock else enrolment.saved(_voices_folder(args))
        recognizer = Recognizer(model, voices=voices)
    except (ModelError, ListenError) as exc:
        print(f"close-together: {exc}", file=sys.stderr)
        return 2
    matcher = Matcher(model)
    failed = False
    for path in args.files:
        try:
            pcm = read_recording(path)
        except (OSError, ValueError) as exc:
            print(f"{path}: cannot read: {exc}", file=sys.stderr)
            failed = True
            continue
        listener = Listener(recognizer, matcher, Inputs(), mic_command="")
        heard = listener.listen_once(io.BytesIO(pcm))
        decoded = listener.last_decoded
        words = " ".join(decoded.said) if decoded is not None else ""
        rejected = heard is None or heard.text is None
        intent = None if rejected or heard is None else (heard.intent or "LaunchRequest")
        confidence = decoded.confidence if decoded is not None else 0.0
        if args.json:
            print(
                json.dumps(
                    {
                        "file": str(path),
                        "heard": words,
                        "intent": intent,
                        "rejected": rejected,
                        "confidence": round(confidence, 3),
                        "voices": bool(recognizer.voices),
                        "audio_s": round(len(pcm) / 32_000, 3),
                        "decode_cpu_s": round(decoded.decode_s, 3) if decoded else 0.0,
                    }
                ),
                flush=True,
            )
        else:
            said = f'"{words}"' if words else "nothing"
            print(f"{path}: heard {said} -> {intent or 'rejected'} (confidence {confidence:.2f})")
    return 1 if failed else 0


def _welcome(args: argparse.Namespace, invocation: str) -> str:
    if args.listen and args.wake is not None:
        how = f'say "{args.wake or invocation}" and then what you would like'
    elif args.listen:
        how = "press Enter, then speak"
    else:
        how = f"type what you would say, or press Enter to open {invocation.title()}"
    return f"[dim]Close Together, offline — {how}; typed lines always work. Ctrl-D to stop.[/]"


def _list_voices(args: argparse.Namespace) -> int:
    from local_speaker.tts import Pyttsx3Synthesizer, SpeechError

    synthesizer = Pyttsx3Synthesizer()
    try:
        for voice in synthesizer.voices():
            print(f"{voice.id:20} {voice.name}")
    except SpeechError as exc:
        print(f"close-together: {exc}", file=sys.stderr)
        return 1
    finally:
        synthesizer.close()
    return 0
