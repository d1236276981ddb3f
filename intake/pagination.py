"""A paginator that counts with a different query than the one it pages.

A permission-filtered first page is cheapest when grants are probed row by
row along the sort index; a count is cheapest with the permitted ids hashed
once (intake.permissions.visible_use_case_ids). Both describe the same rows.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CountedPaginator(Paginator):
    def __init__(self, object_list: QuerySet, per_page: int, *, count_of: QuerySet) -> None:
        super().__init__(object_list, per_page)
        self._count_of = count_of

    @cached_property
    def count(self) -> int:
        return self._count_of.count()
