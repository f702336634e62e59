"""The locales the skill speaks, and which one each borrows from.

en-US is the single source: its interaction model and its content are complete. Every other
locale's model is generated from it (scripts/build_models.py, with that locale's differences
in interaction_models/differences/), and its content holds only what is said or spelled
differently, falling back along PARENT for everything else.
"""

from __future__ import annotations

SOURCE = "en-US"
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
# Whose wording a locale starts from: British spelling for the UK, Australia and India;
# Canada keeps US wording with a few British spellings of its own.
PARENT = {"en-GB": "en-US", "en-CA": "en-US", "en-AU": "en-GB", "en-IN": "en-GB"}


def supported(locale: str | None, default: str = SOURCE) -> str:
    """The locale to answer in: the request's when the skill speaks it, else `default`."""
    return locale if locale in LOCALES else default


def chain(locale: str) -> list[str]:
    """The locale and its parents, nearest first: ['en-AU', 'en-GB', 'en-US']."""
    found = [locale]
    while found[-1] in PARENT:
        found.append(PARENT[found[-1]])
    return found
