"""Import and export of whole inventory files, for the commands and the bench.

``import_file`` reads the file (refusing one that is not CSV/XLSX), runs the resource's import (every
row through the services, the file in one transaction) and reports counts and refusals; a file with
any refused row stores nothing. ``export_file`` writes what is there in the same columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import tablib
from django.contrib.auth.models import AbstractBaseUser

from inventory import limits
from inventory.resources import RESOURCES, counts_of, problems_of
from inventory.resources.base import refused_result


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0
    problems: list[limits.Problem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def stored(self) -> bool:
        return not self.dry_run and not self.problems

    def summary(self) -> str:
        return f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, refused {self.refused}"


def resource_class(name: str):
    try:
        return RESOURCES[name]
    except KeyError:
        raise ValueError(f"Unknown resource {name!r}; use one of: {', '.join(RESOURCES)}.") from None


def lean(cls):
    """The resource without the preview's per-row diff (a copy of each record and its cells before and
    after): the commands print counts and refusals only, and a large file keeps less per row."""

    class Meta(cls.Meta):
        skip_diff = True

    return type(f"Lean{cls.__name__}", (cls,), {"Meta": Meta, "__module__": cls.__module__})


def import_dataset(*, actor: AbstractBaseUser | None, resource: str, dataset: tablib.Dataset,
                   dry_run: bool = False) -> ImportReport:
    result = lean(resource_class(resource))().import_data(dataset, dry_run=dry_run, user=actor)
    return _report(result, dry_run=dry_run)


def import_file(*, actor: AbstractBaseUser | None, resource: str, path: str | Path,
                dry_run: bool = False) -> ImportReport:
    resource_class(resource)
    path = Path(path)
    try:
        limits.file_format(path.name)
        dataset = limits.read_dataset(path.read_bytes(), name=path.name)
    except limits.FileRefused as exc:
        return _report(refused_result(exc.problems, total=0), dry_run=dry_run)
    return import_dataset(actor=actor, resource=resource, dataset=dataset, dry_run=dry_run)


def _report(result, *, dry_run: bool) -> ImportReport:
    problems = problems_of(result)
    counts = counts_of(result)
    if problems and not dry_run:  # nothing was stored: say so in the counts
        counts.update(created=0, updated=0, unchanged=0)
    return ImportReport(**counts, problems=problems, dry_run=dry_run)


def export_dataset(*, resource: str) -> tablib.Dataset:
    return resource_class(resource)().export()


def export_file(*, resource: str, path: str | Path) -> int:
    """Write every record of ``resource`` to ``path`` (.csv or .xlsx); returns the number of rows."""
    path = Path(path)
    fmt = limits.file_format(path.name)
    dataset = export_dataset(resource=resource)
    data = dataset.export(fmt)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return dataset.height
