"""Framework files: parse and validate one whole, then load it (docs/frameworks.md has the format).

``parse`` is pure: it returns a ``Library`` or raises ``LibraryError`` with every problem found, so a bad
file changes nothing. ``apply`` writes a parsed library through the model classes it is given, so the
data migration (historical models) and ``load_framework`` (the real ones) share one loader.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from .applicability import FACT_VALUES
from .choices import ControlKind, Scope

FORMAT = 1
GATES = ("pilot", "controlled_rollout", "scaled")
REQUIREMENT_KEYS = ("identifier", "parent", "title", "guidance", "scope", "assessable", "applies_from",
                    "applies_from_source", "applies_when", "required_before", "expected_evidence")
TOP_KEYS = ("format", "key", "name", "version", "publisher", "published", "source", "copyright", "requirements",
            "renamed", "crosswalk")


class LibraryError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class Library:
    key: str
    name: str
    version: int
    publisher: str
    published: datetime.date | None
    source: str
    copyright: str
    content_hash: str
    requirements: list[dict[str, Any]]
    renamed: dict[str, str]
    crosswalk: list[dict[str, str]]
    identifiers: set[str] = field(default_factory=set)


def _date(value: Any, where: str, errors: list[str]) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        errors.append(f"{where}: {value!r} is not a date (YYYY-MM-DD).")
        return None


def _text(value: Any, where: str, errors: list[str], *, limit: int, required: bool = True) -> str:
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        errors.append(f"{where}: give text of {'1' if required else '0'} to {limit} characters.")
        return ""
    return value.strip()


def condition_errors(value: Any) -> list[str]:
    """What is wrong with an ``applies_when`` rule (the loader and the admin's edit both ask)."""
    if not isinstance(value, list) or not all(isinstance(c, dict) for c in value):
        return ['applies_when must be a list of condition objects, e.g. [{"eu_category": ["high_risk"]}].']
    errors = []
    for condition in value:
        if not condition:
            errors.append("an empty condition would select every use case: leave the list empty instead.")
        for fact, allowed in condition.items():
            known = FACT_VALUES.get(fact)
            if known is None:
                errors.append(f"unknown applicability fact {fact!r} (known: {', '.join(FACT_VALUES)}).")
            elif not isinstance(allowed, list) or not allowed or any(
                    isinstance(v, (list, dict)) or v not in known for v in allowed):
                errors.append(f"{fact} takes a non-empty list of {sorted(map(str, known))}.")
    return errors


def _conditions(value: Any, where: str, errors: list[str]) -> list[dict[str, list]]:
    problems = condition_errors(value)
    errors.extend(f"{where}: {problem}" for problem in problems)
    return [] if problems else value


def _requirement(raw: Any, index: int, seen: set[str], errors: list[str]) -> dict[str, Any] | None:
    where = f"requirements[{index}]"
    if not isinstance(raw, dict):
        errors.append(f"{where}: must be an object.")
        return None
    missing = [k for k in REQUIREMENT_KEYS if k not in raw]
    if missing:
        errors.append(f"{where}: missing {', '.join(missing)}.")
        return None
    ident = _text(raw["identifier"], f"{where}.identifier", errors, limit=60)
    where = f"requirement {ident or index}"
    if ident and ident in seen:
        errors.append(f"{where}: duplicate identifier.")
    if raw["parent"] is not None and (not isinstance(raw["parent"], str) or raw["parent"] not in seen):
        errors.append(f"{where}: unknown parent {raw['parent']!r} (a parent comes earlier in the file).")
    if not isinstance(raw["scope"], str) or raw["scope"] not in Scope.values:
        errors.append(f"{where}: scope is one of {', '.join(Scope.values)}.")
    if not isinstance(raw["assessable"], bool):
        errors.append(f"{where}: assessable is true or false.")
    if raw["required_before"] is not None and (not isinstance(raw["required_before"], str)
                                               or raw["required_before"] not in GATES):
        errors.append(f"{where}: required_before is null or one of {', '.join(GATES)}.")
    seen.add(ident)
    return {
        "identifier": ident, "parent": raw["parent"],
        "title": _text(raw["title"], f"{where}.title", errors, limit=200),
        "guidance": _text(raw["guidance"], f"{where}.guidance", errors, limit=2000, required=False),
        "scope": raw["scope"], "assessable": raw["assessable"],
        "applies_from": _date(raw["applies_from"], f"{where}.applies_from", errors),
        "applies_from_source": _text(raw["applies_from_source"], f"{where}.applies_from_source", errors,
                                     limit=200, required=False),
        "applies_when": _conditions(raw["applies_when"], where, errors),
        "required_before": raw["required_before"] or "",
        "expected_evidence": _text(raw["expected_evidence"], f"{where}.expected_evidence", errors, limit=500,
                                   required=False),
    }


def _crosswalk(raw: Any, assessable: set[str], known_keys: dict[str, set[str]], errors: list[str]) -> list[dict]:
    entries, seen = [], set()
    for index, entry in enumerate(raw if isinstance(raw, list) else []):
        where = f"crosswalk[{index}]"
        if not isinstance(entry, dict) or not {"requirement", "control", "key"} <= entry.keys() or not all(
                isinstance(entry[name], str) for name in ("requirement", "control", "key")):
            errors.append(f"{where}: needs requirement, control and key, each a string.")
            continue
        triple = (entry["requirement"], entry["control"], entry["key"])
        if entry["requirement"] not in assessable:
            errors.append(f"{where}: requirement {entry['requirement']!r} is missing or is a heading.")
        if entry["control"] not in ControlKind.values:
            errors.append(f"{where}: control is one of {', '.join(ControlKind.values)}.")
        elif entry["key"] not in known_keys.get(entry["control"], set()):
            errors.append(f"{where}: no {entry['control']} has the key {entry['key']!r}.")
        if triple in seen:
            errors.append(f"{where}: duplicate of an earlier entry.")
        seen.add(triple)
        entries.append({"requirement": triple[0], "control": triple[1], "key": triple[2],
                        "rationale": str(entry.get("rationale", ""))[:500]})
    if not isinstance(raw, list):
        errors.append("crosswalk: must be a list.")
    return entries


def parse(text: str | bytes, *, known_keys: dict[str, set[str]]) -> Library:
    """Validate a framework file whole; ``known_keys`` are the control keys that exist, by kind."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as error:
        raise LibraryError([f"Not valid JSON: {error}."]) from None
    if not isinstance(data, dict):
        raise LibraryError(["The file must hold one JSON object."])
    errors = [f"missing top-level key {k!r}." for k in TOP_KEYS if k not in data]
    if errors:
        raise LibraryError(errors)
    if data["format"] != FORMAT:
        errors.append(f"format must be {FORMAT}.")
    if not isinstance(data["version"], int) or isinstance(data["version"], bool) or data["version"] < 1:
        errors.append("version must be a whole number from 1.")
    key = data["key"] if isinstance(data["key"], str) else ""
    if not key or not key.isascii() or not key.replace("-", "").isalnum() or key != key.lower() or len(key) > 60:
        errors.append("key must be lower-case letters, digits and hyphens, e.g. eu-ai-act.")
    seen: set[str] = set()
    raw_requirements = data["requirements"] if isinstance(data["requirements"], list) else []
    if not raw_requirements:
        errors.append("requirements must be a non-empty list.")
    requirements = [r for i, raw in enumerate(raw_requirements) if (r := _requirement(raw, i, seen, errors))]
    renamed = data["renamed"] if isinstance(data["renamed"], dict) else {}
    if not isinstance(data["renamed"], dict):
        errors.append('renamed must be an object of {"old identifier": "new identifier"}.')
    for old, new in renamed.items():
        if not isinstance(new, str) or new not in seen:
            errors.append(f"renamed: {old!r} maps to {new!r}, which is not in the file.")
    assessable = {r["identifier"] for r in requirements if r["assessable"]}
    crosswalk = _crosswalk(data["crosswalk"], assessable, known_keys, errors)
    library = Library(
        key=key, name=_text(data["name"], "name", errors, limit=200), version=data["version"],
        publisher=_text(data["publisher"], "publisher", errors, limit=200),
        published=_date(data["published"], "published", errors),
        source=_text(data["source"], "source", errors, limit=500),
        copyright=_text(data["copyright"], "copyright", errors, limit=2000, required=False),
        content_hash=hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest(),
        requirements=requirements, renamed=renamed, crosswalk=crosswalk, identifiers=seen,
    )
    if errors:
        raise LibraryError(errors)
    return library
