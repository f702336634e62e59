"""The operations a turn's changes become, replayed on a record another device changed."""

from __future__ import annotations

from typing import Any

from skill.engine.changes import apply, diff, new_entries

BASE: dict[str, Any] = {
    "first_seen": 10.0,
    "last_seen": 20.0,
    "names": ["Sam"],
    "recent_questions": [1, 2, 3],
    "recent_deck": ["emotional:1", "fun:2"],
    "practice_log": [{"id": "a", "kind": "hug", "at": 15.0}],
    "practice_counts": {"hug": 1},
    "practice_last": {"hug": 15.0},
    "menu": [{"text": "foot rubs", "kind": "physical"}, {"text": "music", "kind": "shared"}],
    "challenge": {"started_at": 5.0, "done": 2},
}


def changed(**fields: Any) -> dict[str, Any]:
    return {**BASE, **fields}


def test_nothing_changed_is_no_operation() -> None:
    assert diff(BASE, dict(BASE)) == []


def test_both_devices_changes_survive() -> None:
    mine = changed(
        menu=[*BASE["menu"], {"text": "stargazing", "kind": "shared"}],
        challenge={"started_at": 5.0, "done": 3},
        recent_deck=["fun:2", "emotional:1"],  # heard emotional:1 again: now the newest
        practice_log=[*BASE["practice_log"], {"id": "b", "kind": "kiss", "at": 30.0}],
        practice_counts={"hug": 1, "kiss": 1},
        practice_last={"hug": 15.0, "kiss": 30.0},
        last_seen=30.0,
    )
    theirs = changed(
        menu=[BASE["menu"][1], {"text": "reading aloud", "kind": "emotional"}],  # -foot rubs
        challenge={"started_at": 5.0, "done": 4},
        recent_deck=[*BASE["recent_deck"], "deep:7"],
        practice_log=[*BASE["practice_log"], {"id": "c", "kind": "hug", "at": 25.0}],
        practice_counts={"hug": 2},
        practice_last={"hug": 25.0},
        last_seen=40.0,
        names=["Sam", "Alex"],
    )
    ops = diff(BASE, mine)
    merged = apply(ops, theirs)
    assert [i["text"] for i in merged["menu"]] == ["music", "reading aloud", "stargazing"]
    assert merged["challenge"]["done"] == 5
    assert merged["recent_deck"] == ["fun:2", "deep:7", "emotional:1"]
    assert [e["id"] for e in merged["practice_log"]] == ["a", "c", "b"]
    assert merged["practice_counts"] == {"hug": 2, "kiss": 1}
    assert merged["last_seen"] == 40.0 and merged["names"] == ["Sam", "Alex"]
    assert [e["id"] for e in new_entries(ops)] == ["b"]
    again = apply(ops, merged)  # a practice is added once, whatever happens
    assert again["practice_log"] == merged["practice_log"]
    assert again["practice_counts"] == merged["practice_counts"]


def test_first_change_to_the_starter_menu_on_two_devices() -> None:
    starter = [{"text": "hugs", "kind": "physical"}, {"text": "walks", "kind": "shared"}]
    base = {k: v for k, v in BASE.items() if k != "menu"}
    mine = {**base, "menu": [starter[1]]}  # removed hugs
    theirs = {**base, "menu": [*starter, {"text": "tea", "kind": "shared"}]}  # added tea
    merged = apply(diff(base, mine, starter), theirs)
    assert [i["text"] for i in merged["menu"]] == ["walks", "tea"]


def test_set_and_cleared_fields_and_an_old_record() -> None:
    old_layout = {"first_seen": 10.0, "practice_log": [{"id": "x", "kind": "hug", "at": 1.0}]}
    mine = {**old_layout, "progress": {"ritual": "checkin", "step": 1}, "first_seen": None}
    merged = apply(diff(old_layout, mine), {**old_layout, "weekly_at": 3.0})
    assert merged["progress"] == {"ritual": "checkin", "step": 1}
    assert merged["first_seen"] == 10.0 and merged["weekly_at"] == 3.0
    assert merged["practice_counts"] == {"hug": 1}, "the old log is now counted"
    cleared = apply(diff(mine, {k: v for k, v in mine.items() if k != "progress"}), mine)
    assert "progress" not in cleared
