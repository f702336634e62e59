"""The small error hierarchy the skill raises on purpose."""


class CloseTogetherError(Exception):
    """Base class for errors this project raises deliberately."""


class StorageError(CloseTogetherError):
    """The couple's store could not be read or written (locked, full, unreadable)."""


class ContentError(CloseTogetherError):
    """A content key is missing or a variant cannot be rendered."""
