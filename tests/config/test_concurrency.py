"""Two people saving at once never see "database is locked" (SQLite and PostgreSQL)."""

import threading

import pytest
from django.db import connection

from intake import services
from intake.models import UseCase


# serialized_rollback restores the seeded reference data the flush would remove.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_drafts_all_save_with_unique_references(ava, ben, custops, fin):
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def save_drafts(user, unit):
        try:
            barrier.wait(timeout=10)
            for n in range(10):
                services.use_case_create(actor=user, business_unit=unit, answers={"title": f"{user.username} {n}"})
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=save_drafts, args=args) for args in ((ava, custops), (ben, fin))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    references = list(UseCase.objects.values_list("reference", flat=True))
    assert len(references) == 20 == len(set(references))
