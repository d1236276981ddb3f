"""Writing a parsed framework file, and keeping the obligation registers in step with what applies.

Both take the model classes as arguments, so the data migration (historical models) and the services
(the real ones) run the same code. Neither checks a permission: ``services`` does, before calling them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .applicability import applies, facts
from .library import Library, LibraryError

FILE_SOURCE = "{key} framework file"
_FIELDS = ("title", "guidance", "scope", "assessable", "applies_from", "applies_from_source", "applies_when",
           "required_before", "expected_evidence")


@dataclass
class LoadReport:
    framework: str
    version: int
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deprecated: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    unchanged: bool = False

    def lines(self) -> list[str]:
        if self.unchanged:
            return [f"{self.framework} v{self.version}: already loaded, nothing changed."]
        parts = [("Created", self.created), ("Updated", self.updated), ("Renamed", self.renamed),
                 ("Deprecated (answers kept)", self.deprecated)]
        return [f"{self.framework} v{self.version}"] + [
            f"{label} {len(items)}: {', '.join(items)}" for label, items in parts if items]


def _framework(library: Library, Framework: Any) -> tuple[Any, bool]:
    """The framework row to write into, refusing an older version or a changed file under the same one."""
    current = Framework.objects.filter(key=library.key).first()
    if current is not None:
        if library.version < current.version:
            raise LibraryError([f"{library.key} v{current.version} is loaded; v{library.version} is older."])
        if library.version == current.version:
            if current.content_hash == library.content_hash:
                return current, False
            raise LibraryError([f"{library.key} v{library.version} is loaded with other content: "
                                "give the changed file a higher version."])
    values = {"name": library.name, "version": library.version, "publisher": library.publisher,
              "published": library.published, "source": library.source, "copyright": library.copyright,
              "content_hash": library.content_hash}
    framework, _ = Framework.objects.update_or_create(key=library.key, defaults=values)
    return framework, True


def _rename(existing: dict[str, Any], renamed: dict[str, str], report: LoadReport) -> None:
    # A renamed or split requirement keeps its row (and so its answers) under the new identifier.
    for old, new in renamed.items():
        if old in existing and new not in existing:
            row = existing.pop(old)
            row.identifier = new
            row.save(update_fields=["identifier"])
            existing[new] = row
            report.renamed.append(f"{old} -> {new}")


def apply(library: Library, *, Framework: Any, Requirement: Any, CrosswalkEntry: Any) -> LoadReport:
    report = LoadReport(library.name, library.version)
    framework, changed = _framework(library, Framework)
    if not changed:
        report.unchanged = True
        return report
    existing = {r.identifier: r for r in Requirement.objects.filter(framework=framework)}
    _rename(existing, library.renamed, report)
    for order, raw in enumerate(library.requirements, start=1):
        values = {name: raw[name] for name in _FIELDS}
        values.update(order=order, deprecated=False,
                      parent=existing[raw["parent"]] if raw["parent"] else None)
        row = existing.get(raw["identifier"])
        if row is None:
            existing[raw["identifier"]] = Requirement.objects.create(
                framework=framework, identifier=raw["identifier"], **values)
            report.created.append(raw["identifier"])
            continue
        if any(getattr(row, k if k != "parent" else "parent_id") != (v.pk if k == "parent" and v else v)
               for k, v in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
            report.updated.append(raw["identifier"])
    for ident, row in existing.items():
        if ident not in library.identifiers and not row.deprecated:
            row.deprecated = True
            row.save(update_fields=["deprecated"])
            report.deprecated.append(ident)
    source = FILE_SOURCE.format(key=library.key)
    CrosswalkEntry.objects.filter(requirement__framework=framework, source=source).delete()
    for entry in library.crosswalk:
        CrosswalkEntry.objects.update_or_create(
            requirement=existing[entry["requirement"]], control=entry["control"], key=entry["key"],
            defaults={"rationale": entry["rationale"], "source": source})
    return report


@dataclass
class RegisterChange:
    added: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.dropped)

    def sentence(self) -> str:
        parts = []
        if self.added:
            parts.append(f"now applies: {_grouped(self.added)}")
        if self.dropped:
            parts.append(f"no longer applies (its answers are kept): {_grouped(self.dropped)}")
        text = "; ".join(parts)
        return f"{text[:1].upper()}{text[1:]}."


SHOWN = 8


def _grouped(labels: list[str]) -> str:
    """"EU AI Act Art. 9, Art. 10; NIST AI RMF 1.0 MAP 1.1 and 52 more": by framework, long lists cut short."""
    groups: dict[str, list[str]] = {}
    for label in labels:
        framework, _, identifier = label.rpartition("|")
        groups.setdefault(framework, []).append(identifier)
    parts = []
    for framework, identifiers in groups.items():
        shown = ", ".join(identifiers[:SHOWN])
        more = len(identifiers) - SHOWN
        parts.append(f"{framework} {shown}{f' and {more} more' if more > 0 else ''}")
    return "; ".join(parts)


def _label(requirement: Any) -> str:
    return f"{requirement.framework.name}|{requirement.identifier}"


def system_requirements(Requirement: Any) -> list:
    """The requirements a use case's register may hold."""
    return list(Requirement.objects.filter(scope="system", assessable=True, deprecated=False)
                .select_related("framework"))


def applicable(requirements: list, use_case: Any) -> list:
    """Those of ``requirements`` the use case's answers select."""
    found = facts(use_case)
    return [r for r in requirements if applies(r.applies_when, found)]


def sync_use_case(use_case: Any, *, Requirement: Any, Obligation: Any, requirements: list | None = None
                  ) -> RegisterChange:
    """Make the use case's register hold exactly the requirements its answers select (none is deleted)."""
    if requirements is None:
        requirements = system_requirements(Requirement)
    wanted = {r.pk: r for r in applicable(requirements, use_case)}
    change = RegisterChange()
    current = {o.requirement_id: o for o in Obligation.objects.filter(use_case=use_case)}
    owner = use_case.delivery_owner_id or use_case.business_owner_id
    for pk, requirement in wanted.items():
        obligation = current.get(pk)
        if obligation is None:
            Obligation.objects.create(requirement=requirement, use_case=use_case, owner_id=owner)
            change.added.append(_label(requirement))
        elif not obligation.applicable:
            obligation.applicable = True
            obligation.save(update_fields=["applicable", "updated_at"])
            change.added.append(_label(requirement))
    by_pk = {r.pk: r for r in requirements}
    for pk, obligation in current.items():
        if pk not in wanted and obligation.applicable:
            obligation.applicable = False
            obligation.save(update_fields=["applicable", "updated_at"])
            requirement = by_pk.get(pk) or obligation.requirement
            change.dropped.append(_label(requirement))
    return change


def sync_organisation(*, Requirement: Any, Obligation: Any) -> list[str]:
    """Every organisation-scope requirement has one row in the organisation's register."""
    have = set(Obligation.objects.filter(use_case__isnull=True).values_list("requirement_id", flat=True))
    missing = list(Requirement.objects.filter(scope="organisation", assessable=True, deprecated=False)
                   .exclude(pk__in=have).select_related("framework"))
    for requirement in missing:
        Obligation.objects.create(requirement=requirement, use_case=None)
    return [f"{r.framework.name} {r.identifier}" for r in missing]
