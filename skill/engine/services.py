"""What the engine may ask of the voice platform beyond speech: Alexa reminders.

The engine only sees this interface. A request's Turn provides the Alexa one
(skill.handlers.alexa_api); everywhere else (the bedside speaker, engine tests) nothing is
available, and the engine then offers nothing that would need it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class WeeklyTime:
    """A weekly moment in the couple's own time zone: the first one, and the zone."""

    first: dt.datetime  # local wall-clock time, no offset (as the Reminders API takes it)
    time_zone: str

    @property
    def rule(self) -> str:
        """The RFC 5545 rule Alexa repeats it by."""
        day = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[self.first.weekday()]
        return (
            f"FREQ=WEEKLY;BYDAY={day};BYHOUR={self.first.hour};"
            f"BYMINUTE={self.first.minute};BYSECOND=0;INTERVAL=1"
        )


class Reminders:
    """Alexa reminders, as the engine sees them. This base is 'not available here'."""

    @property
    def available(self) -> bool:
        return False

    def permission(self) -> bool | None:
        """True if the couple allowed reminders, False if they refused, None if not asked."""
        return None

    def time_zone(self) -> str | None:
        """The device's time zone, if the platform can tell."""
        return None

    def create(self, when: WeeklyTime, text: str) -> str | None:
        """Set a weekly reminder; its id, or None when it could not be set."""
        return None

    def delete(self, reminder_id: str) -> bool:
        """Remove a reminder; True once it is gone (or was already), False if it may remain."""
        return False
