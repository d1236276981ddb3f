"""What an inventory file must be before any row is looked at: its format, header, size and keys.

Every refusal is a ``Problem`` naming the row (1 = the first row under the header; None for the file
or its header) and the column, so the admin preview and the commands say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import tablib
from django.conf import settings

FORMATS = ("csv", "xlsx")
# Rows per file (not counting the header); a setting so tests can lower it.
DEFAULT_MAX_ROWS = 10_000


def max_rows() -> int:
    return int(getattr(settings, "INVENTORY_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


@dataclass(frozen=True)
class Problem:
    row: int | None  # None: the file or its header
    column: str
    reason: str

    def __str__(self) -> str:
        where = ("header" if self.column else "file") if self.row is None else f"row {self.row}"
        return f"{where}, column {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"


class FileRefused(Exception):
    def __init__(self, problems: Sequence[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = list(problems)


def file_format(name: str) -> str:
    """``csv`` or ``xlsx`` by the file's name; anything else is refused."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise FileRefused([Problem(None, "", f"{Path(name).name!r} is not a CSV or XLSX file (.csv, .xlsx).")])
    return suffix


def read_dataset(data: bytes, *, name: str) -> tablib.Dataset:
    """The file's rows; a file that is not what its name says is refused, not a 500."""
    fmt = file_format(name)
    try:
        if fmt == "csv":
            text = data.decode("utf-8-sig")
            if "\x00" in text:
                raise ValueError("binary content")
            return tablib.Dataset().load(text, format="csv")
        return tablib.Dataset().load(data, format="xlsx")
    except Exception as exc:
        raise FileRefused([Problem(None, "", f"The file cannot be read as {fmt.upper()} ({type(exc).__name__}).")]) \
            from exc


def normalise(dataset: tablib.Dataset) -> None:
    """Header cells as trimmed text (a spreadsheet may give None or padded names), and no wholly blank rows
    (a spreadsheet often keeps a few below the data)."""
    if dataset.headers:
        dataset.headers = [str(h).strip() if h is not None else "" for h in dataset.headers]
    for index in reversed(range(dataset.height)):
        if all(cell is None or str(cell).strip() == "" for cell in dataset[index]):
            del dataset[index]


def header_problems(headers: Sequence[str] | None, *, expected: Sequence[str]) -> list[Problem]:
    headers = list(headers or [])
    problems = [Problem(None, h or f"#{i}", "Unknown column; use the columns of the template.")
                for i, h in enumerate(headers, 1) if h not in expected]
    problems += [Problem(None, h, "Column appears more than once.") for h in sorted({h for h in headers
                                                                                    if headers.count(h) > 1})]
    problems += [Problem(None, name, "Missing column; use the columns of the template.")
                 for name in expected if name not in headers]
    return problems


def size_problems(dataset: tablib.Dataset) -> list[Problem]:
    limit = max_rows()
    if dataset.height > limit:
        return [Problem(limit + 1, "", f"More than {limit:,} rows in one file ({dataset.height:,}); split it.")]
    if dataset.height == 0:
        return [Problem(None, "", "The file has no rows under its header.")]
    return []


def key_problems(keys: Iterable[str], *, column: str) -> list[Problem]:
    """A blank or repeated key: each row must name one record, once."""
    seen: dict[str, int] = {}
    problems = []
    for number, key in enumerate(keys, 1):
        key = "" if key is None else str(key).strip()
        if not key:
            problems.append(Problem(number, column, "Required: the id that keys the row."))
        elif key in seen:
            problems.append(Problem(number, column, f"{key!r} is also on row {seen[key]}; each id once per file."))
        else:
            seen[key] = number
    return problems
