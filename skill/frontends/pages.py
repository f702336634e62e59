"""Plain pages beside the Alexa endpoint: the privacy policy and terms of use.

A blueprint of module-level views, registered by `create_app`. The pages are HTML files in
`skill/content/pages/` (content as data) and are served as they are: no user data, so
caches may keep them for a day.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response

PAGES_DIR = Path(__file__).resolve().parents[1] / "content" / "pages"
PAGES = ("privacy", "terms")
PAGE_MAX_AGE = 24 * 3600

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
