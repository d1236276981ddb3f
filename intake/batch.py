"""New use cases settled together: their default RACI, grants and what the layers above derive.

A use case just created still needs the RACI its owners imply, the guardian grants that RACI
implies and, above intake, its obligation register (``use_cases_created``). ``use_case_create``
settles a page's new use case at once. An import of thousands of rows creates them inside
``created_together()`` instead, and the whole set is settled in a few bulk statements when the
file's rows are written, inside the same transaction: the same functions, once per file rather
than once per row (why: docs/decisions/import-batching.md).

Within the block, reference data and the people a file names are read once (``remembered``), the
reference counter is read and written once (``held``), and a
caller that has checked the file's external ids against the store and each other says so
(``keys_checked``), so no row asks the database again.

A write service that changes a use case locks it first (``steps.lock``), and the lock settles a
pending one before anything else touches it, so no service ever sees a use case half made.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Model

from intake.models import UseCase

# Use cases settled per statement set: bounded, so a large file's settling keeps memory flat.
CHUNK = 500

# Pending use case id -> the id of the actor who created it; ids only, so a large file keeps memory flat.
_pending: ContextVar[dict[int, int] | None] = ContextVar("intake_created_together", default=None)
# What the block read once: (kind, key) -> value. Nothing in the block changes it (an import writes use
# cases, not activities, groups or memberships).
_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("intake_created_together_memo", default=None)
_keys_checked: ContextVar[bool] = ContextVar("intake_created_together_keys", default=False)
# Rows the block's creations all change (the reference counter): (row, fields to write) by key.
_held: ContextVar[dict[Hashable, tuple[Model, list[str]]] | None] = ContextVar("intake_created_together_held",
                                                                                default=None)
# Pending use case id -> its links and KPIs not yet written (``rows_later``): a few hundred bytes each.
_rows: ContextVar[dict[int, Any] | None] = ContextVar("intake_created_together_rows", default=None)


def _settle(use_cases: Sequence[UseCase], actor: AbstractBaseUser) -> None:
    # The services import this module (steps.lock): imported here, when first needed.
    from intake.services.usecases import use_cases_settle

    use_cases_settle(use_cases=use_cases, actor=actor)


@contextmanager
def created_together(*, keys_checked: bool = False, rows_later: bool = False) -> Iterator[None]:
    """Within the block, use cases created are settled by ``settle_pending`` (or when locked), not one by
    one. The caller calls ``settle_pending`` before its transaction ends; what is left when the block
    exits belonged to work that failed and was rolled back. ``keys_checked``: the caller has made sure no
    external id it creates is stored or given twice. ``rows_later``: their vendor and model links and
    KPIs are written when they are settled too (for a caller that reads none of them back before)."""
    tokens = (_pending.set({}), _memo.set({}), _keys_checked.set(keys_checked), _held.set({}),
              _rows.set({} if rows_later else None))
    try:
        yield
    finally:
        for var, token in zip((_pending, _memo, _keys_checked, _held, _rows), tokens, strict=True):
            var.reset(token)


def keys_checked() -> bool:
    return _keys_checked.get()


def remembered(key: Hashable, compute: Callable[[], Any]) -> Any:
    """``compute()``, once per ``created_together`` block (every time outside one)."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def remembered_each(kind: str, keys: Iterable[Hashable], compute: Callable[[set], dict]) -> dict:
    """``compute(keys)`` (a dict by key), reading only the keys not yet read in the block; a key
    ``compute`` leaves out is remembered as absent."""
    keys = set(keys)
    memo = _memo.get()
    if memo is None:
        return compute(keys)
    missing = {key for key in keys if (kind, key) not in memo}
    if missing:
        found = compute(missing)
        for key in missing:
            memo[(kind, key)] = found.get(key, _ABSENT)
    return {key: memo[(kind, key)] for key in keys if memo[(kind, key)] is not _ABSENT}


_ABSENT = object()


def held(key: Hashable, read: Callable[[], Model], *, fields: list[str]) -> Model | None:
    """The row ``read()`` returns (read for update), once per ``created_together`` block, for its
    creations to change in memory; ``settle_pending`` writes its ``fields`` once. None outside a block:
    the caller reads and saves it itself. (A row updated thousands of times in one transaction makes
    every later read of it walk its dead versions on PostgreSQL.)"""
    rows = _held.get()
    if rows is None:
        return None
    if key not in rows:
        rows[key] = (read(), fields)
    return rows[key][0]


def _write_held() -> None:
    # An update by key rather than a save: a row created by a line that was rolled back is simply gone.
    for row, fields in (_held.get() or {}).values():
        type(row).objects.filter(pk=row.pk).update(**{name: getattr(row, name) for name in fields})


def keep_rows(use_case: UseCase, rows: Any) -> bool:
    """Keep a new use case's links and KPIs (``steps.NewRows``) to write with its set; False unless the
    block writes them later (write them now)."""
    kept = _rows.get()
    if kept is None:
        return False
    kept[use_case.pk] = rows
    return True


def _write_rows(ids: Iterable[int]) -> None:
    kept = _rows.get()
    rows = {pk: kept.pop(pk) for pk in ids if pk in kept} if kept else {}
    if rows:
        from intake.steps import write_new_rows  # steps imports this module

        write_new_rows(rows)


def defer(use_case: UseCase, actor: AbstractBaseUser) -> bool:
    """Keep ``use_case`` for the set's settling; False outside ``created_together`` (settle it now)."""
    pending = _pending.get()
    if pending is None:
        return False
    pending[use_case.pk] = actor.pk
    return True


def settle_pending() -> int:
    """Settle every use case still pending that exists (a row rolled back to its savepoint does not), and
    write the rows the block ``held``."""
    _write_held()
    pending = _pending.get()
    if not pending:
        return 0
    by_actor: dict[int, list[int]] = {}
    for pk, actor_id in pending.items():
        by_actor.setdefault(actor_id, []).append(pk)
    pending.clear()
    settled = 0
    for actor_id, ids in by_actor.items():
        actor = get_user_model().objects.get(pk=actor_id)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            use_cases = list(UseCase.objects.filter(pk__in=chunk).order_by("pk"))
            _write_rows(use_case.pk for use_case in use_cases)
            _settle(use_cases, actor)
            settled += len(use_cases)
    return settled


def settle_one(use_case: UseCase) -> None:
    """Settle ``use_case`` now if it is pending (a service is about to change it)."""
    pending = _pending.get()
    actor_id = pending.pop(use_case.pk, None) if pending else None
    if actor_id is not None:
        _write_rows([use_case.pk])
        _settle([UseCase.objects.get(pk=use_case.pk)], get_user_model().objects.get(pk=actor_id))
