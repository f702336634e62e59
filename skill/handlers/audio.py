"""Long rituals on Alexa's AudioPlayer: the Play directive, playback events, button
presses and the built-in intents an AudioPlayer skill must answer.

Where the device has AudioPlayer (and a track URL is configured), the massage and long
breathing play as one stream of cues and quiet (`skill.engine.tracks`) after a spoken
opening: nobody has to say "continue". Elsewhere `play_ritual` returns None and the
ritual runs in spoken parts as before.

Nothing about the playback is stored: the track and its start are in the stream's token,
and Alexa reports the position with every request (`context.AudioPlayer`), so pause and
resume need no state. The practice is logged when the track plays to its end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response
from ask_sdk_model.interfaces.audioplayer import (
    AudioItem,
    AudioItemMetadata,
    PlayBehavior,
    PlayDirective,
    StopDirective,
    Stream,
)

from skill.engine import rituals, tracks
from skill.engine.context import Reply
from skill.engine.spoken import duration_words
from skill.engine.ssml import Speech
from skill.engine.state import BREATHING, MASSAGE
from skill.handlers import Handler, screens
from skill.handlers.turn import RequestTurn as Turn

log = logging.getLogger("close_together")

TOKEN_PREFIX = "close-together:"
OPENING = {BREATHING: "audio.breathing_opening", MASSAGE: "audio.massage_opening"}
# What Alexa reports while our track is the one loaded (not finished).
LOADED = ("PLAYING", "PAUSED", "STOPPED", "BUFFER_UNDERRUN")
PLAYBACK_EVENTS = (
    "AudioPlayer.PlaybackStarted",
    "AudioPlayer.PlaybackStopped",
    "AudioPlayer.PlaybackNearlyFinished",
    "AudioPlayer.PlaybackFailed",
)


# -- when to play ----------------------------------------------------------------------
def supports_audio(handler_input: HandlerInput) -> bool:
    """The device says it has AudioPlayer (context.System.device.supportedInterfaces)."""
    system = getattr(handler_input.request_envelope.context, "system", None)
    interfaces = getattr(getattr(system, "device", None), "supported_interfaces", None)
    return getattr(interfaces, "audio_player", None) is not None


def wants_audio(ritual: str, seconds: int) -> bool:
    """The massage always; breathing only when it is longer than one spoken response."""
    return ritual == MASSAGE or seconds > rituals.MAX_PART_SECONDS


def token_for(track: tracks.Track, now: float) -> str:
    return f"{TOKEN_PREFIX}{track.name}:{int(now * 1000)}"


def track_of(token: object) -> tracks.Track | None:
    """The track a stream token names, if it is one of ours."""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
        return None
    name, _, _started = token[len(TOKEN_PREFIX) :].rpartition(":")
    return tracks.by_name(name)


def started_at(token: object) -> float | None:
    """When the stream a token names was started (seconds), if it says."""
    if not isinstance(token, str):
        return None
    started = token.rpartition(":")[2]
    return int(started) / 1000 if started.isdigit() else None


def play(turn: Turn, track: tracks.Track, offset_ms: int = 0, token: str | None = None) -> None:
    """Add the Play directive for `track` from `offset_ms` to this response."""
    url = f"{turn.deps.config.audio_url}{track.filename}"
    stream = Stream(
        url=url,
        token=token or token_for(track, turn.now),
        offset_in_milliseconds=max(0, min(offset_ms, track.length_ms - 1)),
    )
    metadata = AudioItemMetadata(
        title=turn.say(f"audio.title.{track.ritual}"), subtitle=turn.say("audio.subtitle")
    )
    builder = turn.hi.response_builder
    builder.add_directive(
        PlayDirective(
            play_behavior=PlayBehavior.REPLACE_ALL,
            audio_item=AudioItem(stream=stream, metadata=metadata),
        )
    )


def play_ritual(turn: Turn, ritual: str, seconds: int, speech: Speech) -> Reply | None:
    """The ritual as one audio stream after a spoken opening; None where the device has no
    AudioPlayer, no track URL is configured, or one spoken response holds it anyway."""
    if turn.deps.config.audio_url is None or not supports_audio(turn.hi):
        return None
    if not wants_audio(ritual, seconds):
        return None
    track = tracks.track_for(ritual, seconds)
    length = seconds // 2 if ritual == MASSAGE else seconds
    speech.say(turn.say(OPENING[ritual], duration=duration_words(length)))
    play(turn, track)
    if ritual == MASSAGE:
        screens.massage(turn, speech, seconds)
    else:
        screens.breathing(turn, speech, seconds)
    return turn.tell(speech)


# -- what Alexa says is playing ----------------------------------------------------------
def player(handler_input: HandlerInput) -> tuple[tracks.Track | None, str, int, str | None]:
    """Our track in context.AudioPlayer (or None), its activity, offset and token."""
    state = getattr(handler_input.request_envelope.context, "audio_player", None)
    token = getattr(state, "token", None)
    activity = getattr(getattr(state, "player_activity", None), "value", "") or ""
    offset = getattr(state, "offset_in_milliseconds", None) or 0
    return track_of(token), activity, int(offset), token


def about_audio(handler_input: HandlerInput, now: float, within_s: float) -> bool:
    """Does this intent mean our track? While it plays, yes; while it is paused, only a
    one-shot request ("Alexa, resume") within `within_s` of the track's start (the resume
    window), not a word said in a conversation with the skill."""
    track, activity, _, token = player(handler_input)
    if track is None or activity not in LOADED:
        return False
    if activity == "PLAYING":
        return True
    session = handler_input.request_envelope.session
    if session is not None and not session.new:
        return False
    started = started_at(token)
    return started is not None and now - started <= within_s


def stop_massage(turn: Turn) -> bool:
    """Stop our massage track if the device has one playing or paused ("touch hurts" said
    over it): True when it did."""
    track, activity, _, _ = player(turn.hi)
    if track is None or track.ritual != MASSAGE or activity not in LOADED:
        return False
    turn.hi.response_builder.add_directive(StopDirective())
    return True


def silent(turn: Turn) -> Response:
    """A response without speech (required for AudioPlayer and PlaybackController)."""
    return turn.hi.response_builder.response


# -- playback events and buttons ------------------------------------------------------------
class PlaybackEventHandler(Handler):
    """Started, stopped, nearly finished, failed: nothing to do but answer (and log a
    failure). There is no next track to enqueue: a ritual plays once."""

    REQUESTS = PLAYBACK_EVENTS

    def respond(self, turn: Turn) -> Response:
        if is_request_type("AudioPlayer.PlaybackFailed")(turn.hi):
            error = getattr(turn.hi.request_envelope.request, "error", None)
            kind = getattr(getattr(error, "object_type", None), "value", None)
            log.warning("audio playback failed: %s", kind or "unknown error")
        return silent(turn)


class PlaybackFinishedHandler(Handler):
    """The track played to its end: log the practice, as a spoken ritual is at its close."""

    REQUESTS = ("AudioPlayer.PlaybackFinished",)

    def respond(self, turn: Turn) -> Response:
        track = track_of(getattr(turn.hi.request_envelope.request, "token", None))
        if track is not None:
            turn.record_practice(track.ritual, track.seconds)
        return silent(turn)


def resume(turn: Turn) -> Response:
    track, _, offset, token = player(turn.hi)
    if track is None:
        return silent(turn)
    play(turn, track, offset, token)
    return silent(turn)


def seek(turn: Turn, where: str) -> Response:
    """'next': on to the switch, or to the closing chimes; 'previous': back to the start of
    this turn of the massage (or of the breathing)."""
    track, _, offset, token = player(turn.hi)
    if track is None:
        return silent(turn)
    forward = where == "next"
    target = track.next_section_ms(offset) if forward else track.section_start_ms(offset)
    play(turn, track, target, token)
    return silent(turn)


def stop(turn: Turn) -> Response:
    turn.hi.response_builder.add_directive(StopDirective())
    return silent(turn)


# What a device button or its spoken command does to the track: the same four moves.
TRACK_MOVES: dict[str, Callable[[Turn], Response]] = {
    "Pause": stop,
    "Play": resume,
    "Resume": resume,
    "Next": lambda turn: seek(turn, "next"),
    "Previous": lambda turn: seek(turn, "previous"),
}


class PlaybackControllerHandler(Handler):
    """Buttons on the device or a remote: play, pause, next, previous (no speech allowed)."""

    REQUESTS = (
        "PlaybackController.PauseCommandIssued",
        "PlaybackController.PlayCommandIssued",
        "PlaybackController.NextCommandIssued",
        "PlaybackController.PreviousCommandIssued",
    )

    def respond(self, turn: Turn) -> Response:
        kind = str(getattr(turn.hi.request_envelope.request, "object_type", ""))
        return TRACK_MOVES[kind.removeprefix("PlaybackController.").removesuffix("CommandIssued")](
            turn
        )


class ExceptionEncounteredHandler(Handler):
    """Alexa could not carry out a directive we sent: log it (no speech allowed)."""

    REQUESTS = ("System.ExceptionEncountered",)

    def respond(self, turn: Turn) -> Response:
        error = getattr(turn.hi.request_envelope.request, "error", None)
        kind = getattr(getattr(error, "object_type", None), "value", None)
        log.warning("alexa reported a directive error: %s", kind or "unknown error")
        return silent(turn)


# -- the built-in intents, when they are about the track -----------------------------------
STOPPING = ("AMAZON.PauseIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent")
FROM_START = ("AMAZON.StartOverIntent", "AMAZON.RepeatIntent")
AUDIO_INTENTS = (
    *STOPPING,
    *FROM_START,
    *tracks.PLAYS_ONCE,
    "AMAZON.ResumeIntent",
    "AMAZON.NextIntent",
    "AMAZON.PreviousIntent",
)


class AudioIntentHandler(Handler):
    """Pause, resume, stop, cancel, next, previous, start over, repeat, loop and shuffle,
    said while our track is playing (or, paused, as a one-shot request)."""

    INTENTS = AUDIO_INTENTS

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if not super().can_handle(handler_input):
            return False
        window = self.deps.config.resume_hours * 3600
        return about_audio(handler_input, self.deps.clock(), window)

    def respond(self, turn: Turn) -> Reply | Response:
        name = getattr(getattr(turn.hi.request_envelope.request, "intent", None), "name", "")
        builder = turn.hi.response_builder
        builder.set_should_end_session(True)
        move = "Pause" if name in STOPPING else name.removeprefix("AMAZON.").removesuffix("Intent")
        if move in TRACK_MOVES:
            return TRACK_MOVES[move](turn)
        track, _, _, _ = player(turn.hi)
        if name in FROM_START and track is not None:
            play(turn, track, 0)
            return silent(turn)
        # Loop and shuffle: one ritual, played once; say so and let it carry on.
        return turn.tell(Speech().say(turn.say("audio.plays_once")))
