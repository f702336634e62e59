"""Tonight's comfort: what the couple said about pain, consulted by every suggestion.

One record per conversation (`SessionState.comfort`), never stored. The newest level wins
(a check-in's first answer replaces one reported before it; the second partner's only adds
to tonight's), but "touch hurts" holds once said; whenever what fits changes, the skill says
so. The closeness ideas, menu picks, question decks and the hug offer all ask
`bucket(turn)`.
"""

from __future__ import annotations

import dataclasses
import random

from skill.engine.content import Content
from skill.engine.context import Turn, seeded, steady_say
from skill.engine.session import Comfort
from skill.engine.state import MenuItem

# Which columns of the menu suit tonight, gentlest first for the hard days. On a high
# pain day or when touch hurts, closeness in words (and only then shared experiences).
FITTING_KINDS = {
    "low": ("physical",),
    "middle": ("physical", "shared"),
    "high": ("emotional",),
    "touch": ("emotional",),
    "unknown": ("physical", "emotional", "shared"),
    "unsure": ("emotional",),  # how tonight feels is no longer known (rituals.fit)
}
FALLBACK_KINDS = {"high": ("shared",), "touch": ("shared",), "unsure": ("shared",)}
STARTER_KEYS = {kind: f"menu.starter.{kind}" for kind in ("physical", "emotional", "shared")}
# Words of touch that asks more of a body than hands or hair: left out on a middling day.
FULLER_TOUCH = "menu.fuller_touch_words"
# Question decks that are about touch: not offered while touch hurts.
TOUCH_DECKS = frozenset({"physical"})


def bucket(turn: Turn) -> str:
    """'touch', 'high', 'middle', 'low' or 'unknown' (nothing said in this conversation)."""
    comfort = turn.session.comfort
    return comfort.bucket if comfort is not None else "unknown"


def is_hard_day(turn: Turn) -> bool:
    """A high pain day, a high level, or a day when touch itself hurts."""
    return bucket(turn) in ("high", "touch")


def report(
    turn: Turn,
    *,
    level: int | None = None,
    touch_hurts: bool = False,
    high_day: bool = False,
    changed: str = "comfort.changed",
) -> str | None:
    """Take the newest report as tonight's comfort: its level and whether it is a high
    pain day replace what was said, but "touch hurts" holds for the rest of the
    conversation (a number says how a body feels, not that touch is welcome again). When
    that changes what fits tonight, the line that says so (`changed`, then the new fit: a
    shorter one in the check-in); else None."""
    before = bucket(turn)
    said = turn.session.comfort
    turn.session.comfort = Comfort(
        level=level,
        touch_hurts=touch_hurts or (said is not None and said.touch_hurts),
        high_day=high_day,
        aside=turn.ritual is not None,
    )
    return _change(turn, before, changed)


def add(turn: Turn, *, level: int, changed: str = "comfort.changed") -> str | None:
    """One more pain level for tonight, on top of what was said (the higher level counts;
    "touch hurts" and "a high pain day" stay). When that changes what fits tonight, the
    line that says so (as `report`); else None."""
    before = bucket(turn)
    now = turn.session.comfort or Comfort()
    highest = level if now.level is None else max(now.level, level)
    turn.session.comfort = dataclasses.replace(now, level=highest)
    return _change(turn, before, changed)


def _change(turn: Turn, before: str, changed: str) -> str | None:
    """The line saying what fits tonight has changed (not the first report), or None."""
    after = bucket(turn)
    return turn.say(f"{changed}.{after}") if before not in ("unknown", after) else None


def starter_menu(content: Content) -> list[MenuItem]:
    """The three columns every couple starts from (content data, not code)."""
    items = []
    for kind, key in STARTER_KEYS.items():
        for text in content.variants(key):
            items.append(MenuItem(text=text[:1].lower() + text[1:], kind=kind))
    return items


def menu_items(turn: Turn) -> list[MenuItem]:
    menu = turn.couple.menu
    return list(menu) if menu is not None else starter_menu(turn.content)


def pick_menu_item(
    turn: Turn, fit: str, avoid: str | None = None, rng: random.Random | None = None
) -> MenuItem | None:
    """A menu item that fits tonight, chosen at random (from `rng` if given, else the
    skill's); None if nothing on the menu fits."""
    items = menu_items(turn)
    kinds = FITTING_KINDS.get(fit, FITTING_KINDS["unknown"])
    fitting = [i for i in items if i.kind in kinds]
    if fit == "middle":  # the lightest touch only: hands and hair, not hugs or foot rubs
        fuller = {w for line in turn.content.variants(FULLER_TOUCH) for w in _words(line)}
        fitting = [i for i in fitting if i.kind != "physical" or not fuller & _words(i.text)]
    if not fitting:
        fitting = [i for i in items if i.kind in FALLBACK_KINDS.get(fit, ("emotional", "shared"))]
    if fit not in ("high", "touch", "unsure"):
        fitting = fitting or items
    if not fitting:
        return None
    fresh = [i for i in fitting if i.text != avoid] or fitting
    return (rng or turn.deps.rng).choice(fresh)


def _words(text: str) -> set[str]:
    return {w.strip(".,!?;:'\"").casefold() for w in text.split()}


def closeness_idea(turn: Turn, fit: str) -> str:
    """Tonight's closeness idea: from the couple's own menu once they have made one. The
    same idea each time the step is spoken."""
    moved = turn.ritual.idea if turn.ritual is not None else 0  # "another idea"
    if turn.couple.menu:
        item = _menu_idea(turn, fit, moved)
        if item is not None:
            return steady_say(turn, "checkin.idea_from_menu", idea=item)
    return steady_say(turn, f"idea.{fit}", moved=moved)


def _menu_idea(turn: Turn, fit: str, moved: int) -> str | None:
    """The idea from their menu; after each "another idea", a draw that avoids the last."""
    idea = None
    for n in range(moved + 1):
        rng = seeded(turn.ritual, f"menu:{n}" if n else "menu")
        item = pick_menu_item(turn, fit, avoid=idea, rng=rng)
        if item is None:
            return None
        idea = item.text
    return idea


def allows_deck(turn: Turn, deck: str) -> bool:
    return not (deck in TOUCH_DECKS and bucket(turn) == "touch")
