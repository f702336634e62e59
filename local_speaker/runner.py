"""The bedside loop: wait for words, send them to the session, speak the answer, keep time.

Input arrives on one queue from any number of sources (typed lines, the microphone);
silence is the queue staying empty for the listening time (default 8 s) while the skill
waits for an answer. Anything heard while an answer is playing cuts it short, so "next"
during talk time moves on at once, as it does on an Echo.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from local_speaker.envelopes import USER_INITIATED
from local_speaker.model import FALLBACK
from local_speaker.output import Output, transcript
from local_speaker.playback import PlaybackError
from local_speaker.session import Reply, Session
from local_speaker.tts import SpeechError

log = logging.getLogger("close_together.speaker")

DEFAULT_LISTEN_S = 8.0


@dataclass(frozen=True)
class Heard:
    """Something came in: words, a button press (text ""), or speech not made out (None)."""

    text: str | None
    source: str = "typed"  # "typed", "voice" or "button"
    at: float = field(default_factory=time.perf_counter)
    intent: str | None = None  # voice: the intent the words became (the fallback at a talk step)
    confidence: float | None = None  # voice: 0 to 1


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


SILENCE = _Marker("SILENCE")  # stands for a listening time passing with nothing said
END = _Marker("END")  # no more input (Ctrl-D, end of a script)
Item = Heard | _Marker


class Inputs:
    """A queue of what was heard; `pending` is set while something waits (for barge-in)."""

    def __init__(self, items: Iterable[Item | str] = ()) -> None:
        self._queue: queue.Queue[Item] = queue.Queue()
        self.pending = threading.Event()
        for item in items:
            self.put(Heard(item) if isinstance(item, str) else item)

    def put(self, item: Item) -> None:
        self._queue.put(item)
        if isinstance(item, Heard):
            self.pending.set()  # someone spoke: what is playing may stop (END does not)

    def get(self, timeout: float | None) -> Heard | _Marker | None:
        """The next item, or None when `timeout` seconds pass (or a SILENCE marker comes)."""
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        finally:
            self.pending.clear()
            with self._queue.mutex:
                if any(isinstance(waiting, Heard) for waiting in self._queue.queue):
                    self.pending.set()
        return None if item is SILENCE else item


def read_lines(
    stream: Iterable[str],
    inputs: Inputs,
    on_empty: Callable[[], None] | None = None,
    *,
    end_on_eof: bool = True,
) -> threading.Thread:
    """Feed typed lines into `inputs` from a background thread; END when the stream ends.

    With `end_on_eof` false (a wake-phrase speaker run as a service, stdin closed), the
    microphone stays the input and the end of stdin ends nothing.
    """

    def pump() -> None:
        for line in stream:
            text = line.strip()
            if text:
                inputs.put(Heard(text, "typed"))
            elif on_empty is not None:
                on_empty()
            else:
                inputs.put(Heard("", "button"))
        if end_on_eof:
            inputs.put(END)

    thread = threading.Thread(target=pump, name="typed-input", daemon=True)
    thread.start()
    return thread


class Bedside:
    """One device's conversation loop around a Session."""

    def __init__(
        self,
        session: Session,
        output: Output,
        inputs: Inputs,
        *,
        listen_s: float = DEFAULT_LISTEN_S,
        not_caught: str = "Sorry, I didn't catch that.",
        on_latency: Callable[[float], None] | None = None,
        hearing: Callable[[], bool] = lambda: False,
        after_turn: Callable[[], None] = lambda: None,
    ) -> None:
        self.session = session
        self.after_turn = after_turn  # what the skill just did may concern the bedside too
        self.output = output
        self.inputs = inputs
        self.listen_s = listen_s
        self.not_caught = f"<speak>{escape(not_caught)}</speak>"
        self.on_latency = on_latency
        self.hearing = hearing  # someone is mid-utterance: silence has not run out

    def run(self) -> int:
        """Until the input ends; an open session is then closed as Alexa would."""
        while True:
            listening = self.session.open and self.listen_s > 0
            item = self.inputs.get(self.listen_s if listening else None)
            if item is END:
                self.session.close(USER_INITIATED)
                return 0
            if item is None:
                if not self.hearing():
                    self._speak(self.session.silence(), None)
                continue
            assert isinstance(item, Heard)
            if item.text is None:
                if item.intent == FALLBACK and self.session.open:
                    # At a talk step the couple is talking to each other: the skill
                    # hears its fallback intent (still talking), not a "sorry".
                    self._speak(self.session.fallback(), item.at)
                else:
                    self._speak(Reply("notice", self.not_caught, ended=False), item.at)
                continue
            self._speak(self.session.hear(item.text), item.at)

    def once(self, text: str) -> Reply | None:
        """One utterance, answered in full (the `say` command); speech errors propagate."""
        heard = Heard(text)
        reply = self.session.hear(text)
        self.after_turn()
        if reply is not None and reply.ssml:
            self.output.speak(reply.ssml, kind=reply.kind, heard_at=heard.at)
            self._report_latency()
        return reply

    def _speak(self, reply: Reply | None, heard_at: float | None) -> None:
        self.after_turn()
        if reply is None or not reply.ssml:
            return
        try:
            self.output.speak(
                reply.ssml,
                kind=reply.kind,
                heard_at=heard_at,
                interrupt=self.inputs.pending,
            )
        except (PlaybackError, SpeechError) as exc:
            said = f"; the answer was: {transcript(reply.ssml)}" if self.output.words else ""
            self.output.notice(f"could not speak ({exc}){said}")
            return
        if heard_at is not None:
            self._report_latency()

    def _report_latency(self) -> None:
        if self.on_latency is not None and self.output.last_latency_s is not None:
            self.on_latency(self.output.last_latency_s)
