"""ask-sdk's serializer with a fast path for the request's timestamps.

``DefaultSerializer`` parses every date-time in an envelope with ``dateutil.parser.parse``
(tens of microseconds for Alexa's ``2026-11-22T20:00:00Z``) and imports a model class by
name for every object in the envelope. Alexa sends ISO 8601, which ``datetime.fromisoformat`` reads
in about a microsecond; anything it does not read still goes to dateutil, so the types and
values are exactly ask-sdk's. The web front end and Lambda also hand over the JSON they have
already parsed, rather than text to be parsed again.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer


class FastSerializer(DefaultSerializer):  # type: ignore[misc]
    """DefaultSerializer, reading ISO 8601 timestamps without dateutil and remembering the
    model classes it looks up by name (it imports one per object, every request)."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, Any] = {}

    def _DefaultSerializer__load_class_from_name(self, class_name: str) -> Any:
        found = self._classes.get(class_name)
        if found is None:
            found = super()._DefaultSerializer__load_class_from_name(class_name)  # type: ignore[misc]
            self._classes[class_name] = found
        return found

    # DefaultSerializer calls its private self.__deserialize_datetime; Python names that
    # _DefaultSerializer__deserialize_datetime, so defining that name here replaces it.
    def _DefaultSerializer__deserialize_datetime(self, payload: Any, obj_type: Any) -> Any:
        if isinstance(payload, str):
            try:
                parsed = datetime.fromisoformat(payload)
            except ValueError:
                pass
            else:
                return parsed.date() if obj_type is date else parsed
        return super()._DefaultSerializer__deserialize_datetime(payload, obj_type)  # type: ignore[misc]

    def from_json(self, payload: Any, obj_type: Any) -> Any:
        """Like ``deserialize``, from already-parsed JSON (a dict) rather than text."""
        if payload is None:
            return None
        return self._DefaultSerializer__deserialize(payload, obj_type)  # type: ignore[attr-defined]
