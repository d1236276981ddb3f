"""Domain errors the services raise, beyond Django's own.

The services speak Django for the rest: ``ValidationError`` for bad input (by field),
``PermissionDenied`` carrying the reason a person may not act, ``Http404`` for what they may not see.
"""

from __future__ import annotations


class InvalidTransition(Exception):
    """A move the lifecycle forbids from the record's current state (409 ``invalid_transition`` in the API).

    Not bad input: the same request may be right later or on another record, so it is not a
    ValidationError; ``detail`` says why in words a person understands.
    """

    code = "invalid_transition"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    @property
    def messages(self) -> list[str]:
        return [self.detail]
