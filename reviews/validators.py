"""Validators for what people write in the review workflow."""

from __future__ import annotations

from django.core.exceptions import ValidationError

# Every character Python (and so the email package) treats as the end of a line.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
SINGLE_LINE_MESSAGE = "Write this on one line: no line breaks."


def has_line_break(value: object) -> bool:
    return isinstance(value, str) and not LINE_BREAKS.isdisjoint(value)


def validate_single_line(value: object) -> None:
    """A title or a name is one line: it ends up in email subjects, list columns and messages."""
    if has_line_break(value):
        raise ValidationError(SINGLE_LINE_MESSAGE, code="line_break")
