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
from enum import Enum
from typing import Any

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer


class FastSerializer(DefaultSerializer):  # type: ignore[misc]
    """DefaultSerializer, reading ISO 8601 timestamps without dateutil and remembering the
    model classes it looks up by name (it imports one per object, every request)."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, Any] = {}
        # Per model class: payload key -> (attribute, type), and attribute -> payload key.
        # DefaultSerializer rebuilds both from the class for every object it meets.
        self._reading: dict[type, dict[str, tuple[str, Any]]] = {}
        self._writing: dict[type, list[tuple[str, str]]] = {}

    def _DefaultSerializer__deserialize_model(self, payload: Any, obj_type: Any) -> Any:
        """As DefaultSerializer's, with the class's field map computed once."""
        if not isinstance(payload, dict):  # odd input: whatever DefaultSerializer does with it
            return super()._DefaultSerializer__deserialize_model(payload, obj_type)  # type: ignore[misc]
        try:
            if issubclass(obj_type, Enum):
                return obj_type(payload)
            if not hasattr(obj_type, "deserialized_types"):
                return payload
            if hasattr(obj_type, "get_real_child_model"):
                obj_type = self._DefaultSerializer__get_obj_by_discriminator(payload, obj_type)  # type: ignore[attr-defined]
            fields = self._reading.get(obj_type)
            if fields is None:
                names = getattr(obj_type, "attribute_map", {})
                fields = {
                    names.get(attr, attr): (attr, kind)
                    for attr, kind in obj_type.deserialized_types.items()
                }
                self._reading[obj_type] = fields
            model = obj_type()
            deserialize = self._DefaultSerializer__deserialize  # type: ignore[attr-defined]
            for key, value in payload.items():
                field = fields.get(key)
                if field is None:
                    setattr(model, key, value)  # as DefaultSerializer keeps unknown fields
                else:
                    setattr(model, field[0], deserialize(value, field[1]))
            return model
        except Exception as exc:
            raise SerializationException(str(exc)) from exc

    def serialize(self, obj: Any) -> Any:
        """As DefaultSerializer's, with each model class's field names computed once."""
        if obj is None or isinstance(obj, self.PRIMITIVE_TYPES):
            return obj
        if isinstance(obj, dict):
            return {key: self.serialize(value) for key, value in obj.items()}
        cls = type(obj)
        fields = self._writing.get(cls)
        if fields is None:
            if not hasattr(obj, "deserialized_types"):
                return super().serialize(obj)  # lists, dates, enums, decimals, and the rest
            names = getattr(obj, "attribute_map", {})
            fields = [(attr, names.get(attr, attr)) for attr in obj.deserialized_types]
            self._writing[cls] = fields
        out = {}
        for attr, key in fields:
            value = getattr(obj, attr)
            if value is not None:
                out[key] = self.serialize(value)
        return out

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


def has_user_id(envelope: dict[str, Any]) -> bool:
    """Whether the envelope names the Alexa user (context.System.user or session.user)."""
    for path in (("context", "System", "user"), ("session", "user")):
        node: Any = envelope
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get("userId"), str) and node["userId"]:
            return True
    return False
