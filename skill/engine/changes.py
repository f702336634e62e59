"""What a turn changed in the couple's record, as operations a store can apply again.

A request loads the record (``base``), the handlers change it, and the store is handed the
result (``mine``). If nobody else wrote in between, ``mine`` is written as it is. If another
device or server did, writing ``mine`` would throw their changes away; instead the store
reads the latest record and replays this turn's operations on it::

    ops = diff(base, mine)        # pure: what this turn did
    new = apply(ops, latest)      # pure: the same changes on top of someone else's

The operations are what the couple would recognise: a menu item added or removed, names
set or one added, a voice linked or unlinked, one more challenge way done, a practice
done, a question heard, the ritual's progress saved or cleared. Anything else in the
record is set (or removed) as a whole, so a field added later is carried without any
change here. Both arguments may be in the old layout (the whole practice log in the
record); ``apply`` always returns the current one.
"""

from __future__ import annotations

from typing import Any

from skill.engine.state import (
    CHALLENGE_SIZE,
    NAMES_LIMIT,
    PRACTICE_RECENT_LIMIT,
    is_old_practice_layout,
    practice_entries,
    practice_totals,
    recent_practice,
)

Op = tuple[Any, ...]

PRACTICE_KEYS = ("practice_log", "practice_counts", "practice_last")
# Lists of ids, newest last: added ids go to the end, dropped ids are dropped.
ID_LISTS = ("recent_questions", "recent_deck")
ID_LIST_CAP = 200  # a bound for lists two devices grew at once; the skill trims them anyway


def current_layout(attrs: dict[str, Any]) -> dict[str, Any]:
    """The record with its practice log in today's layout (recent entries, counts, last
    times). A record already in that layout is returned as it is (no copy)."""
    if not is_old_practice_layout(attrs):
        return attrs
    log = practice_entries(attrs.get("practice_log"))
    counts, last = practice_totals(log)
    return {
        **attrs,
        "practice_log": recent_practice(log),
        "practice_counts": counts,
        "practice_last": last,
    }


def copy_record(attrs: dict[str, Any]) -> dict[str, Any]:
    """A copy whose lists and maps can be changed without changing `attrs` (the base a
    later diff compares with). Entries inside them are shared: nothing changes those."""
    return {
        k: list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v
        for k, v in attrs.items()
    }


def old_log_entries(attrs: dict[str, Any]) -> list[dict[str, Any]]:
    """Entries of a record in the old layout, to be written as rows when it is rewritten."""
    return practice_entries(attrs.get("practice_log")) if is_old_practice_layout(attrs) else []


def new_entries(ops: list[Op]) -> list[dict[str, Any]]:
    """The practice-log entries these operations add (each to be stored as its own row)."""
    return [op[1] for op in ops if op[0] == "practice"]


# ------------------------------------------------------------------------------ diff


def diff(
    base: dict[str, Any], mine: dict[str, Any], starter_menu: list[dict[str, Any]] | None = None
) -> list[Op]:
    """The operations that turn `base` into `mine`. `starter_menu` is the menu a couple has
    before they change it (a record without one): their first change is told apart from it."""
    base, mine = current_layout(base), current_layout(mine)
    ops: list[Op] = []
    seen_ids = {e.get("id") for e in base.get("practice_log") or [] if isinstance(e, dict)}
    for entry in practice_entries(mine.get("practice_log")):
        if entry["id"] not in seen_ids:
            ops.append(("practice", entry))
    for key in sorted(set(base) | set(mine)):
        if key in PRACTICE_KEYS:
            continue
        old, new = base.get(key), mine.get(key)
        if old == new:
            continue
        if key not in mine:
            ops.append(("del", key))
        elif key == "menu":
            ops.extend(_menu_diff(old, new, starter_menu))
        elif key == "challenge":
            ops.append(_challenge_diff(old, new))
        elif key == "names" and isinstance(new, list) and _appended(old, new):
            ops.append(("names_add", new[len(old or []) :]))
        elif key == "voices" and isinstance(new, dict):
            ops.append(_map_diff(key, old if isinstance(old, dict) else {}, new))
        elif key in ID_LISTS and isinstance(new, list):
            ops.append(_id_list_diff(key, old if isinstance(old, list) else [], new))
        elif key == "first_seen":
            ops.append(("first_seen", new))
        elif key == "last_seen":
            ops.append(("max", key, new))
        else:
            ops.append(("set", key, new))
    return ops


def _appended(old: Any, new: Any) -> bool:
    """`new` is `old` with names added at the end ("call me Sam", then the partner's)."""
    old = old if isinstance(old, list) else []
    return isinstance(new, list) and len(new) > len(old) and new[: len(old)] == old


def _menu_key(item: Any) -> str | None:
    text = item.get("text") if isinstance(item, dict) else None
    return " ".join(text.lower().split()) if isinstance(text, str) else None


def _menu_diff(old: Any, new: Any, starter: list[dict[str, Any]] | None) -> list[Op]:
    if not isinstance(new, list):
        return [("set", "menu", new)]
    if not isinstance(old, list):
        if starter is None:
            return [("menu_own", new)]
        # The couple's first change: the starter menu becomes theirs, then the change.
        return [("menu_start", starter), *_menu_diff(starter, new, None)]
    old_keys = {_menu_key(i) for i in old}
    new_keys = {_menu_key(i) for i in new}
    ops: list[Op] = [("menu_remove", k) for k in (_menu_key(i) for i in old) if k not in new_keys]
    ops += [("menu_add", i) for i in new if _menu_key(i) not in old_keys]
    return ops


def _challenge_diff(old: Any, new: Any) -> Op:
    if (
        isinstance(old, dict)
        and isinstance(new, dict)
        and old.get("started_at") == new.get("started_at")
        and isinstance(old.get("done"), int)
        and isinstance(new.get("done"), int)
        and new["done"] > old["done"]
    ):
        return ("challenge_done", new["started_at"], new["done"] - old["done"], new)
    return ("set", "challenge", new)


def _map_diff(key: str, old: dict[str, Any], new: dict[str, Any]) -> Op:
    """Keys dropped, and keys set (new or changed): two voices linked on two devices at
    once are both kept."""
    dropped = [k for k in old if k not in new]
    changed = {k: v for k, v in new.items() if old.get(k) != v}
    return ("map", key, dropped, changed)


def _id_list_diff(key: str, old: list[Any], new: list[Any]) -> Op:
    """Ids dropped, and the ids (re)appended at the end: `new` is `old` minus the dropped
    ones plus a suffix, matched greedily as a subsequence of `old`."""
    at = 0
    matched = 0
    for value in new:
        while at < len(old) and old[at] != value:
            at += 1
        if at == len(old):
            break
        at += 1
        matched += 1
    appended = new[matched:]
    kept = set(new)
    dropped = [v for v in old if v not in kept]
    return ("ids", key, dropped, appended)


# ------------------------------------------------------------------------------ apply


def apply(ops: list[Op], latest: dict[str, Any]) -> dict[str, Any]:
    """`latest` (the record as now stored) with the operations applied, as a new dict."""
    out = dict(current_layout(latest))
    for op in ops:
        kind = op[0]
        if kind == "practice":
            _add_practice(out, op[1])
        elif kind == "set":
            out[op[1]] = op[2]
        elif kind == "del":
            out.pop(op[1], None)
        elif kind == "max":
            old = out.get(op[1])
            if not isinstance(old, int | float) or not isinstance(op[2], int | float):
                out[op[1]] = op[2] if op[2] is not None else old
            else:
                out[op[1]] = max(old, op[2])
        elif kind == "first_seen":
            old = out.get("first_seen")
            if not isinstance(old, int | float) or (isinstance(op[1], int | float) and op[1] < old):
                out["first_seen"] = op[1]
        elif kind == "ids":
            _apply_ids(out, op[1], op[2], op[3])
        elif kind == "map":
            current = out.get(op[1])
            merged = {**(current if isinstance(current, dict) else {}), **op[3]}
            for dropped in op[2]:
                merged.pop(dropped, None)
            if merged:
                out[op[1]] = merged
            else:
                out.pop(op[1], None)
        elif kind in ("menu_start", "menu_own", "menu_add", "menu_remove"):
            _apply_menu(out, op)
        elif kind == "challenge_done":
            _apply_challenge_done(out, op[1], op[2], op[3])
        elif kind == "names_add":
            _apply_names_add(out, op[1])
        else:  # pragma: no cover - diff makes only the kinds above
            raise ValueError(f"unknown operation {kind!r}")
    return out


def _add_practice(out: dict[str, Any], entry: dict[str, Any]) -> None:
    log = list(out.get("practice_log") or [])
    if any(isinstance(e, dict) and e.get("id") == entry["id"] for e in log):
        return  # already there: applying twice changes nothing
    counts = dict(out.get("practice_counts") or {})
    last = dict(out.get("practice_last") or {})
    kind, at = entry["kind"], entry["at"]
    counts[kind] = int(counts.get(kind, 0)) + 1
    previous = last.get(kind)
    last[kind] = at if not isinstance(previous, int | float) else max(previous, at)
    log.append(entry)
    out["practice_log"] = recent_practice(practice_entries(log))[-PRACTICE_RECENT_LIMIT:]
    out["practice_counts"] = counts
    out["practice_last"] = last


def _apply_ids(out: dict[str, Any], key: str, dropped: list[Any], appended: list[Any]) -> None:
    current = out.get(key)
    values = list(current) if isinstance(current, list) else []
    gone = set(dropped) | set(appended)
    values = [v for v in values if v not in gone] + list(appended)
    out[key] = values[-ID_LIST_CAP:]


def _apply_menu(out: dict[str, Any], op: Op) -> None:
    current = out.get("menu")
    if op[0] == "menu_start":
        if not isinstance(current, list):
            out["menu"] = list(op[1])
        return
    if op[0] == "menu_own":
        if not isinstance(current, list):
            out["menu"] = list(op[1])
            return
        # Two devices took the starter menu over at once, and the starter menu is not
        # known here: keep both sets of additions.
        have = {_menu_key(i) for i in current}
        out["menu"] = list(current) + [i for i in op[1] if _menu_key(i) not in have]
        return
    if not isinstance(current, list):
        return  # erased or reset in between: nothing to change
    if op[0] == "menu_remove":
        out["menu"] = [i for i in current if _menu_key(i) != op[1]]
    elif all(_menu_key(i) != _menu_key(op[1]) for i in current):
        out["menu"] = [*current, op[1]]


def _apply_names_add(out: dict[str, Any], added: list[Any]) -> None:
    """Two partners saying "call me ..." on two devices at once are both kept (two names
    at most: a name said while both were being set is the one that loses)."""
    current = out.get("names")
    names = list(current) if isinstance(current, list) else []
    have = {n.lower() for n in names if isinstance(n, str)}
    for name in added:
        if isinstance(name, str) and name.lower() not in have and len(names) < NAMES_LIMIT:
            names.append(name)
            have.add(name.lower())
    out["names"] = names


def _apply_challenge_done(out: dict[str, Any], started_at: Any, more: int, mine: Any) -> None:
    current = out.get("challenge")
    if isinstance(current, dict) and current.get("started_at") == started_at:
        done = current.get("done")
        done = done if isinstance(done, int) else 0
        out["challenge"] = {**current, "done": min(done + more, CHALLENGE_SIZE)}
    elif current is None:
        out["challenge"] = mine
    # else: another device started a new challenge since; its count stands
