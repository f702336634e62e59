"""Plain files beside the Alexa endpoint: the privacy policy, terms of use, ritual audio.

A blueprint of module-level views, registered by `create_app`. The pages are HTML files in
`skill/content/pages/` (content as data) and are served as they are: no user data, so
caches may keep them for a day. The audio tracks (`/audio/<name>-<digest>.mp3`) never
change under a name, so caches and CDNs may keep them for a year.
"""

from __future__ import annotations

import logging
import subprocess
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, send_file

from skill.config import Config
from skill.engine import tracks
from skill.frontends import audio_files

log = logging.getLogger("close_together")

PAGES_DIR = Path(__file__).resolve().parents[1] / "content" / "pages"
PAGES = ("privacy", "terms")
PAGE_MAX_AGE = 24 * 3600
AUDIO_MAX_AGE = 365 * 24 * 3600

bp = Blueprint("pages", __name__)


@lru_cache(maxsize=len(PAGES))
def page_html(name: str) -> str:
    """A page's HTML (read once per process)."""
    return (PAGES_DIR / f"{name}.html").read_text(encoding="utf-8")


def _page(name: str) -> Response:
    response = Response(page_html(name), mimetype="text/html")
    response.cache_control.public = True
    response.cache_control.max_age = PAGE_MAX_AGE
    return response


@bp.get("/privacy")
def privacy() -> Response:
    return _page("privacy")


@bp.get("/terms")
def terms() -> Response:
    return _page("terms")


@bp.get("/audio/<filename>")
def audio(filename: str) -> Response:
    """A ritual track; encoded on first request, then served from disk (ranges, ETag)."""
    track = tracks.by_filename(filename)
    if track is None:
        abort(404)
    config: Config = current_app.extensions["close_together"]["config"]
    try:
        path = audio_files.ensure(config.audio_dir, track)
    except (audio_files.EncoderMissing, subprocess.SubprocessError, OSError) as exc:
        # Alexa reports a failed stream as PlaybackFailed; say why here, once per request.
        log.error("audio track unavailable: %s: %s", type(exc).__name__, exc)
        abort(503)
    response = send_file(path, mimetype="audio/mpeg", conditional=True, etag=True)
    response.cache_control.public = True
    response.cache_control.max_age = AUDIO_MAX_AGE
    response.cache_control.immutable = True
    return response
