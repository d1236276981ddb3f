"""Cell widgets of the inventory files: each cleans a cell (refusing it with a message that says what
is wanted) and renders a value back exactly as ``clean`` reads it, so an exported file imports unchanged.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from import_export import widgets

LIST_SEPARATOR = ";"
KPI_SEPARATOR = "|"
TRUE_WORDS = {"yes", "y", "true", "1"}
FALSE_WORDS = {"no", "n", "false", "0", ""}


def text_of(value: Any) -> str:
    """A cell as text: blank for None; a whole float (what a spreadsheet makes of 40) without ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def split_list(value: Any) -> list[str]:
    return [part.strip() for part in text_of(value).split(LIST_SEPARATOR) if part.strip()]


class Text(widgets.Widget):
    def __init__(self, max_length: int | None = None):
        super().__init__(coerce_to_string=True)
        self.max_length = max_length

    def clean(self, value, row=None, **kwargs) -> str:
        text = text_of(value).replace("\r\n", "\n")
        if self.max_length and len(text) > self.max_length:
            raise ValueError(f"At most {self.max_length} characters (this has {len(text)}).")
        return text

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else str(value)


class Choice(Text):
    """One value of a TextChoices; blank when ``blank`` allows it."""

    def __init__(self, choices: type[models.TextChoices] | Iterable[str], *, blank: bool = True):
        super().__init__()
        self.values = list(getattr(choices, "values", choices))
        self.blank = blank

    def clean(self, value, row=None, **kwargs) -> str:
        text = text_of(value)
        if text == "" and self.blank:
            return ""
        if text not in self.values:
            shown = f"{text!r} is not" if text else "A blank is not"
            raise ValueError(f"{shown} one of: {', '.join(self.values)}.")
        return text


class Boolean(Text):
    def clean(self, value, row=None, **kwargs) -> bool:
        if isinstance(value, bool):
            return value
        word = text_of(value).lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(f"{text_of(value)!r} is not yes or no.")

    def render(self, value, obj=None, **kwargs) -> str:
        return "yes" if value else "no"


class Integer(Text):
    def clean(self, value, row=None, **kwargs) -> int | None:
        text = text_of(value)
        if text == "":
            return None
        if not re.fullmatch(r"\d+", text):
            raise ValueError(f"{text!r} is not a whole number.")
        return int(text)


class Date(Text):
    def clean(self, value, row=None, **kwargs) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = text_of(value)
        if text == "":
            return None
        try:
            return datetime.date.fromisoformat(text[:10] if re.fullmatch(r"\d{4}-\d\d-\d\d[ T]00:00(:00)?", text)
                                               else text)
        except ValueError:
            raise ValueError(f"{text!r} is not a date; write it as YYYY-MM-DD.") from None

    def render(self, value, obj=None, **kwargs) -> str:
        return value.isoformat() if value else ""


class Ref(Text):
    """A record named by a key (a code, a username, an external id); an unknown key is refused by name.

    ``find`` returns the record for a key or None; looked-up records are remembered for the file.
    """

    def __init__(self, *, label: str, find: Callable[[str], Any], key: Callable[[Any], str]):
        super().__init__()
        self.label, self.find, self.key = label, find, key
        self.cache: dict[str, Any] = {}

    def clean(self, value, row=None, **kwargs):
        text = text_of(value)
        if text == "":
            return None
        if text not in self.cache:
            self.cache[text] = self.find(text)
        if self.cache[text] is None:
            raise ValueError(f"Unknown {self.label} {text!r}.")
        return self.cache[text]

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else self.key(value)


class RefList(Ref):
    """Several records, separated by semicolons; rendered sorted so the order in a file does not matter."""

    def clean(self, value, row=None, **kwargs) -> list:
        found, unknown = [], []
        for part in split_list(value):
            try:
                found.append(super().clean(part))
            except ValueError:
                unknown.append(part)
        if unknown:
            raise ValueError(f"Unknown {self.label} {', '.join(repr(u) for u in unknown)}.")
        return found

    def render(self, value, obj=None, **kwargs) -> str:
        items = value.all() if hasattr(value, "all") else (value or [])
        return f"{LIST_SEPARATOR} ".join(sorted({self.key(item) for item in items}))


def _decimal_text(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")).normalize(), "f")


class KPIList(Text):
    """KPIs as ``name|category|unit|baseline|target|direction``, separated by semicolons."""

    def __init__(self, *, categories: Iterable[str], directions: Iterable[str]):
        super().__init__()
        self.categories, self.directions = list(categories), list(directions)

    def clean(self, value, row=None, **kwargs) -> list[dict[str, Any]]:
        kpis = []
        for number, part in enumerate(split_list(value), 1):
            bits = [b.strip() for b in part.split(KPI_SEPARATOR)]
            if len(bits) != 6:
                raise ValueError(f"KPI {number} ({part!r}) needs 6 parts: "
                                 "name|category|unit|baseline|target|direction.")
            name, category, unit, baseline, target, direction = bits
            if category not in self.categories:
                raise ValueError(f"KPI {number}: {category!r} is not one of: {', '.join(self.categories)}.")
            if direction not in self.directions:
                raise ValueError(f"KPI {number}: {direction!r} is not one of: {', '.join(self.directions)}.")
            try:
                numbers = Decimal(baseline), Decimal(target)
            except InvalidOperation:
                raise ValueError(f"KPI {number}: baseline and target must be numbers.") from None
            kpis.append({"name": name, "category": category, "unit": unit, "baseline": numbers[0],
                         "target": numbers[1], "direction": direction})
        return kpis

    def render(self, value, obj=None, **kwargs) -> str:
        rows = value.all() if hasattr(value, "all") else (value or [])
        return f"{LIST_SEPARATOR} ".join(
            KPI_SEPARATOR.join([_get(k, "name"), _get(k, "category"), _get(k, "unit"),
                                _decimal_text(Decimal(_get(k, "baseline"))), _decimal_text(Decimal(_get(k, "target"))),
                                _get(k, "direction")])
            for k in rows
        )


def _get(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, dict) else getattr(item, name)


class Ratings(Text):
    """Checklist ratings as ``area_key=rating``, separated by semicolons."""

    def __init__(self, *, ratings: Iterable[str]):
        super().__init__()
        self.ratings = list(ratings)

    def clean(self, value, row=None, **kwargs) -> dict[str, str]:
        found: dict[str, str] = {}
        for part in split_list(value):
            key, sep, rating = (p.strip() for p in part.partition("="))
            if not sep or rating not in self.ratings:
                raise ValueError(f"{part!r}: write area_key=rating with a rating of {', '.join(self.ratings)}.")
            found[key] = rating
        return found

    def render(self, value, obj=None, **kwargs) -> str:
        return f"{LIST_SEPARATOR} ".join(f"{key}={rating}" for key, rating in sorted((value or {}).items()))
