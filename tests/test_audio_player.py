"""Long rituals on AudioPlayer: the Play directive, the served track measured by a real
decoder, and every AudioPlayer request and built-in intent answered validly."""

from __future__ import annotations

import array
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from skill.config import Config, ConfigError
from skill.engine import tracks
from skill.frontends import audio_files, cli
from skill.stores.sqlite import SQLiteAdapter
from tests.alexa import envelope, post

AUDIO_URL = "https://close-together.test/audio/"
USER = "amzn1.ask.account.TESTCOUPLE"
TOLERANCE_MS = 100
needs_codec = pytest.mark.skipif(
    not (shutil.which("lame") and shutil.which("mpg123")),
    reason="needs the Debian packages lame and mpg123 (scripts/test.sh installs them)",
)


# -- fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Encoded once per test run: a five-minute massage and a one-minute breathing track."""
    folder = tmp_path_factory.mktemp("audio")
    if shutil.which("lame"):
        for track in (tracks.massage(300), tracks.breathing(60)):
            audio_files.ensure(folder, track)
    return folder


@pytest.fixture
def audio_config(config: Config, audio_dir: Path) -> Config:
    return config.with_(audio_url=AUDIO_URL, audio_dir=audio_dir)


@pytest.fixture
def audio_app(make_app, audio_config: Config) -> Flask:  # type: ignore[no-untyped-def]
    return make_app(audio_config)  # type: ignore[no-any-return]


@pytest.fixture
def audio_client(audio_app: Flask) -> FlaskClient:
    return audio_app.test_client()


def with_player(
    env: dict[str, Any],
    *,
    token: str | None = None,
    offset: int = 0,
    activity: str = "PLAYING",
    audio_player: bool = True,
) -> dict[str, Any]:
    """The envelope from a device with AudioPlayer, and what it says is playing."""
    if audio_player:
        env["context"]["System"]["device"]["supportedInterfaces"] = {"AudioPlayer": {}}
    if token is not None:
        env["context"]["AudioPlayer"] = {
            "token": token,
            "offsetInMilliseconds": offset,
            "playerActivity": activity,
        }
    return env


def player_request(kind: str, **fields: Any) -> dict[str, Any]:
    """An AudioPlayer / PlaybackController / System request: no session, as Alexa sends."""
    env = envelope()
    del env["session"]
    env["request"] = {
        "type": kind,
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": "2026-11-22T20:00:00Z",
        "locale": "en-US",
        **fields,
    }
    return env


def directives(body: dict[str, Any]) -> list[dict[str, Any]]:
    return body["response"].get("directives", [])  # type: ignore[no-any-return]


def the_play(body: dict[str, Any]) -> dict[str, Any]:
    plays = [d for d in directives(body) if d["type"] == "AudioPlayer.Play"]
    assert len(plays) == 1, directives(body)
    assert plays[0]["playBehavior"] == "REPLACE_ALL"
    return plays[0]["audioItem"]["stream"]  # type: ignore[no-any-return]


def token_for(name: str) -> str:
    return f"close-together:{name}:1795000000000"


# -- starting a ritual ------------------------------------------------------------------------
def test_massage_on_an_audio_player_device_plays_one_stream(audio_client: FlaskClient) -> None:
    env = with_player(envelope("IntentRequest", "MassageTimerIntent", {"duration": "PT5M"}))
    body = post(audio_client, env)
    stream = the_play(body)
    track = tracks.massage(300)
    assert stream["url"] == AUDIO_URL + track.filename
    assert stream["url"].startswith("https://")
    assert stream["token"].startswith("close-together:massage-300:")
    assert stream["offsetInMilliseconds"] == 0
    assert body["response"]["shouldEndSession"] is True
    said = body["response"]["outputSpeech"]["ssml"]
    assert "after two minutes and thirty seconds" in said and "continue" not in said.lower()


def test_long_breathing_plays_as_audio_but_short_breathing_is_spoken(
    audio_client: FlaskClient,
) -> None:
    long = post(
        audio_client,
        with_player(envelope("IntentRequest", "BreathingIntent", {"duration": "PT4M"})),
    )
    assert the_play(long)["url"] == AUDIO_URL + tracks.breathing(240).filename
    short = post(
        audio_client,
        with_player(envelope("IntentRequest", "BreathingIntent", {"duration": "PT2M"})),
    )
    assert directives(short) == []
    assert short["response"]["outputSpeech"]["ssml"].count("<break") > 20  # spoken cues


@pytest.mark.parametrize("intent", ["MassageTimerIntent", "BreathingIntent"])
def test_a_device_without_audio_player_gets_no_directive(
    audio_client: FlaskClient, intent: str
) -> None:
    env = envelope("IntentRequest", intent, {"duration": "PT5M"})
    body = post(audio_client, env)
    assert not [d for d in directives(body) if d["type"].startswith("AudioPlayer.")]


def test_without_a_track_url_the_rituals_stay_spoken(client: FlaskClient) -> None:
    env = with_player(envelope("IntentRequest", "BreathingIntent", {"duration": "PT4M"}))
    body = post(client, env)
    assert directives(body) == []
    assert "continue" in body["response"]["outputSpeech"]["ssml"].lower()


# -- the track, measured ----------------------------------------------------------------------
def decode(mp3: bytes) -> array.array[int]:
    """Samples as a real MP3 decoder (mpg123) hears them: 16-bit mono at the track's rate."""
    out = subprocess.run(
        ["mpg123", "-q", "-s", "-m", "-r", str(tracks.RATE), "-"],
        input=mp3,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return array.array("h", out.stdout)


def onsets(samples: array.array[int], rate: int = tracks.RATE) -> list[int]:
    """Where a sound starts after quiet, in ms (10 ms windows, 300 ms of quiet before)."""
    window = rate // 100
    loud = [
        max(abs(v) for v in samples[i : i + window]) > 400
        for i in range(0, len(samples) - window, window)
    ]
    starts, quiet = [], 30
    for index, is_loud in enumerate(loud):
        if is_loud and quiet >= 30:
            first = index * window
            while abs(samples[first]) <= 400:
                first += 1
            starts.append(first * 1000 // rate)
        quiet = 0 if is_loud else quiet + 1
    return starts


@pytest.fixture(scope="session")
def served_massage(audio_dir: Path) -> tuple[bytes, dict[str, str]]:
    """The five-minute massage as the service serves it (headers and bytes)."""
    from skill.builder import build_skill
    from skill.frontends.web import create_app

    config = Config(db_path=audio_dir / "db.sqlite3", verify=False, audio_dir=audio_dir)
    app = create_app(config, skill=build_skill(config))
    with app.test_client().get(f"/audio/{tracks.massage(300).filename}") as response:
        assert response.status_code == 200
        return response.get_data(), dict(response.headers)


@needs_codec
def test_served_massage_has_the_switch_at_half_time_and_chimes_at_the_end(
    served_massage: tuple[bytes, dict[str, str]],
) -> None:
    mp3, headers = served_massage
    assert headers["Content-Type"] == "audio/mpeg"
    samples = decode(mp3)
    length_ms = len(samples) * 1000 // tracks.RATE
    assert abs(length_ms - (300_000 + 2_500)) <= TOLERANCE_MS, length_ms
    switch, closing = onsets(samples)
    assert abs(switch - 150_000) <= TOLERANCE_MS, switch
    assert abs(closing - 300_000) <= TOLERANCE_MS, closing
    # The closing chime is still sounding in the track's last half second: it ends the track.
    assert max(abs(v) for v in samples[-tracks.RATE // 2 :]) > 0


@needs_codec
def test_served_breathing_has_a_tone_at_every_in_and_out_breath(audio_client: FlaskClient) -> None:
    track = tracks.breathing(60)
    with audio_client.get(f"/audio/{track.filename}") as response:
        found = onsets(decode(response.get_data()))
    expected = [c.at_ms for c in track.cues]
    assert expected[:4] == [0, 4_000, 10_000, 14_000] and expected[-1] == 60_000
    assert len(found) == len(expected), found
    for heard, planned in zip(found, expected, strict=True):
        assert abs(heard - planned) <= TOLERANCE_MS, (heard, planned)


@needs_codec
def test_bitrate_and_rate_are_ones_alexa_accepts(
    served_massage: tuple[bytes, dict[str, str]],
) -> None:
    mp3, _ = served_massage
    header = int.from_bytes(mp3[:4], "big")
    assert header >> 21 == 0x7FF, "an MPEG audio frame"
    version, layer = (header >> 19) & 3, (header >> 17) & 3
    assert (version, layer) == (2, 1), "MPEG-2 layer III"
    bitrate = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160][(header >> 12) & 15]
    rate = [22_050, 24_000, 16_000][(header >> 10) & 3]
    assert (bitrate, rate) == (audio_files.BITRATE_KBPS, tracks.RATE) == (56, 22_050)
    assert 16 <= bitrate <= 384


@needs_codec
def test_tracks_are_cacheable_and_seekable(
    audio_client: FlaskClient, served_massage: tuple[bytes, dict[str, str]]
) -> None:
    _, headers = served_massage
    cache = headers["Cache-Control"]
    assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache
    url = f"/audio/{tracks.massage(300).filename}"
    with audio_client.get(url, headers={"If-None-Match": headers["ETag"]}) as again:
        assert again.status_code == 304
    with audio_client.get(url, headers={"Range": "bytes=1000-1999"}) as part:
        assert part.status_code == 206 and len(part.get_data()) == 1000


def test_unknown_tracks_are_not_found(audio_client: FlaskClient) -> None:
    assert audio_client.get("/audio/massage-300-000000000000.mp3").status_code == 404
    assert audio_client.get("/audio/..%2Fdb.sqlite3").status_code == 404


def test_track_names_follow_what_they_hold() -> None:
    names = {t.filename for t in tracks.all_tracks()}
    assert len(names) == len(tracks.all_tracks()) == 6 + 25
    assert tracks.massage(300).filename != tracks.massage(360).filename
    assert tracks.massage(300).filename == tracks.massage(300).filename


# -- AudioPlayer requests ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kind",
    [
        "AudioPlayer.PlaybackStarted",
        "AudioPlayer.PlaybackStopped",
        "AudioPlayer.PlaybackNearlyFinished",
    ],
)
def test_playback_events_get_an_empty_answer(audio_client: FlaskClient, kind: str) -> None:
    env = player_request(kind, token=token_for("massage-300"), offsetInMilliseconds=1000)
    body = post(audio_client, with_player(env))
    assert body["response"].get("directives") is None
    assert "shouldEndSession" not in body["response"] or body["response"]["shouldEndSession"]


def test_playback_failed_and_directive_errors_are_answered_quietly(
    audio_client: FlaskClient,
) -> None:
    failed = player_request(
        "AudioPlayer.PlaybackFailed",
        token=token_for("massage-300"),
        error={"type": "MEDIA_ERROR_SERVICE_UNAVAILABLE", "message": "unreachable"},
        currentPlaybackState={"token": "x", "offsetInMilliseconds": 0, "playerActivity": "IDLE"},
    )
    assert "outputSpeech" not in post(audio_client, with_player(failed))["response"]
    exception = player_request(
        "System.ExceptionEncountered",
        error={"type": "INVALID_RESPONSE", "message": "bad directive"},
        cause={"requestId": "amzn1.echo-api.request.1"},
    )
    assert post(audio_client, exception)["response"].get("directives") is None


def test_playback_finished_logs_the_practice(
    audio_client: FlaskClient, store: SQLiteAdapter
) -> None:
    env = player_request(
        "AudioPlayer.PlaybackFinished",
        token=token_for("massage-300"),
        offsetInMilliseconds=302_500,
    )
    post(audio_client, with_player(env))
    log = store.load(USER)["practice_log"]
    assert [(e["kind"], e["seconds"]) for e in log] == [("massage", 300)]


@pytest.mark.parametrize(
    ("kind", "offset", "expected"),
    [
        ("PlaybackController.PlayCommandIssued", 42_000, ("play", 42_000)),
        ("PlaybackController.PauseCommandIssued", 42_000, ("stop", None)),
        ("PlaybackController.NextCommandIssued", 42_000, ("play", 150_000)),
        ("PlaybackController.NextCommandIssued", 200_000, ("play", 300_000)),
        ("PlaybackController.PreviousCommandIssued", 200_000, ("play", 150_000)),
        ("PlaybackController.PreviousCommandIssued", 42_000, ("play", 0)),
    ],
)
def test_device_buttons(
    audio_client: FlaskClient, kind: str, offset: int, expected: tuple[str, int | None]
) -> None:
    token = token_for("massage-300")
    body = post(audio_client, with_player(player_request(kind), token=token, offset=offset))
    assert "outputSpeech" not in body["response"]
    (directive,) = directives(body)
    if expected[0] == "stop":
        assert directive["type"] == "AudioPlayer.Stop"
    else:
        stream = the_play(body)
        assert stream["token"] == token
        assert stream["offsetInMilliseconds"] == expected[1]
        assert stream["url"] == AUDIO_URL + tracks.massage(300).filename


# -- the built-in intents -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("intent", "activity", "expected"),
    [
        ("AMAZON.PauseIntent", "PLAYING", ("stop", None)),
        ("AMAZON.StopIntent", "PLAYING", ("stop", None)),
        ("AMAZON.CancelIntent", "PLAYING", ("stop", None)),
        ("AMAZON.ResumeIntent", "STOPPED", ("play", 90_000)),
        ("AMAZON.ResumeIntent", "PAUSED", ("play", 90_000)),
        ("AMAZON.NextIntent", "PLAYING", ("play", 150_000)),
        ("AMAZON.PreviousIntent", "PLAYING", ("play", 0)),
        ("AMAZON.StartOverIntent", "PLAYING", ("play", 0)),
        ("AMAZON.RepeatIntent", "STOPPED", ("play", 0)),
        ("AMAZON.LoopOnIntent", "PLAYING", ("say", None)),
        ("AMAZON.LoopOffIntent", "PLAYING", ("say", None)),
        ("AMAZON.ShuffleOnIntent", "PLAYING", ("say", None)),
        ("AMAZON.ShuffleOffIntent", "PLAYING", ("say", None)),
    ],
)
def test_required_intents_about_the_track(
    audio_client: FlaskClient, intent: str, activity: str, expected: tuple[str, int | None]
) -> None:
    env = with_player(
        envelope("IntentRequest", intent),
        token=token_for("massage-300"),
        offset=90_000,
        activity=activity,
    )
    body = post(audio_client, env)
    response = body["response"]
    assert response["shouldEndSession"] is True
    if expected[0] == "stop":
        assert [d["type"] for d in directives(body)] == ["AudioPlayer.Stop"]
        assert "outputSpeech" not in response
    elif expected[0] == "play":
        assert the_play(body)["offsetInMilliseconds"] == expected[1]
        assert "outputSpeech" not in response
    else:
        assert directives(body) == []
        assert "plays once" in response["outputSpeech"]["ssml"]


def test_pause_in_a_conversation_is_about_the_ritual_not_a_paused_track(
    audio_client: FlaskClient,
) -> None:
    env = with_player(
        envelope("IntentRequest", "AMAZON.PauseIntent", new=False),
        token=token_for("massage-300"),
        offset=90_000,
        activity="STOPPED",
    )
    body = post(audio_client, env)
    assert directives(body) == []
    assert body["response"]["outputSpeech"]["ssml"]


@pytest.mark.parametrize("intent", ["AMAZON.LoopOnIntent", "AMAZON.ShuffleOffIntent"])
def test_loop_and_shuffle_without_a_track_get_a_valid_answer(
    audio_client: FlaskClient, intent: str
) -> None:
    body = post(audio_client, with_player(envelope("IntentRequest", intent)))
    assert directives(body) == []
    assert body["response"]["outputSpeech"]["ssml"]


def test_a_finished_track_is_not_resumed(audio_client: FlaskClient) -> None:
    env = with_player(
        envelope("IntentRequest", "AMAZON.ResumeIntent"),
        token=token_for("massage-300"),
        offset=302_500,
        activity="FINISHED",
    )
    assert not [d for d in directives(post(audio_client, env)) if d["type"] == "AudioPlayer.Play"]


# -- configuration and export ----------------------------------------------------------------------
def test_the_track_url_setting() -> None:
    config = Config.from_env({"CLOSE_TOGETHER_AUDIO_URL": "https://cdn.example.org/ct"})
    assert config.audio_url == "https://cdn.example.org/ct/"
    assert Config.from_env({}).audio_url is None
    with pytest.raises(ConfigError):
        Config.from_env({"CLOSE_TOGETHER_AUDIO_URL": "http://cdn.example.org/ct/"})


@needs_codec
def test_export_audio_writes_the_tracks_to_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    short = (tracks.breathing(60),)
    monkeypatch.setattr(tracks, "all_tracks", lambda: short)
    assert cli.main(["export-audio", str(tmp_path / "out")]) == 0
    assert [p.name for p in (tmp_path / "out").iterdir()] == [short[0].filename]
    assert "CLOSE_TOGETHER_AUDIO_URL" in capsys.readouterr().out


@pytest.fixture
def no_lame(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(audio_files, "LAME", "lame-not-installed")
    yield


def test_export_audio_says_what_to_install(
    tmp_path: Path, no_lame: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["export-audio", str(tmp_path)]) == 2
    assert "lame" in capsys.readouterr().err


def test_a_track_that_cannot_be_encoded_is_unavailable_not_an_error(
    make_app, config: Config, tmp_path: Path, no_lame: None
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(config.with_(audio_dir=tmp_path / "empty"))
    with app.test_client().get(f"/audio/{tracks.breathing(60).filename}") as response:
        assert response.status_code == 503


def test_a_track_paused_long_ago_is_not_what_resume_means(
    audio_client: FlaskClient,
) -> None:
    yesterday = "close-together:massage-300:1794900000000"  # over a day before the test clock
    env = with_player(
        envelope("IntentRequest", "AMAZON.ResumeIntent"),
        token=yesterday,
        offset=90_000,
        activity="STOPPED",
    )
    body = post(audio_client, env)
    assert not [d for d in directives(body) if d["type"] == "AudioPlayer.Play"]


def test_touch_hurts_said_over_a_massage_track_stops_it(audio_client: FlaskClient) -> None:
    """On an Echo the massage plays as one track: 'touch hurts' said over it stops it (no
    switch cue five minutes later), and touch-free ideas follow."""
    env = with_player(
        envelope("IntentRequest", "TouchHurtsIntent"), token=token_for("massage-300"), offset=4000
    )
    body = audio_client.post("/", json=env).get_json()
    assert [d["type"] for d in directives(body)] == ["AudioPlayer.Stop"]
    said = body["response"]["outputSpeech"]["ssml"]
    assert "massage there" in said and "hug" not in said.lower(), said


def test_touch_hurts_over_a_breathing_track_lets_it_play(audio_client: FlaskClient) -> None:
    env = with_player(
        envelope("IntentRequest", "TouchHurtsIntent"), token=token_for("breathing-120")
    )
    body = audio_client.post("/", json=env).get_json()
    assert not any(d["type"] == "AudioPlayer.Stop" for d in directives(body))
