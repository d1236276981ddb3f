"""Delta sync: keyset pages over (updated_at, id) that never skip nor repeat a
record while records change between page fetches; tombstones for deletions
and archivals."""

import datetime

from django.contrib.auth.models import Group
from django.utils import timezone

from api.models import Tombstone
from intake import services as intake_services
from intake.models import UseCase
from reports.models import BoardPack
from reviews import services as review_services
from reviews.models import Risk
from tests.factories import UseCaseFactory, UserFactory
from vendors import services as vendor_services
from vendors.models import Vendor, VendorAssessment

from .conftest import client_for

LIST = "/api/v1/use-cases/"


def _pages(api, url, params=None):
    """Follow next links; yield each page's rows."""
    response = api.get(url, params or {})
    while True:
        assert response.status_code == 200, response.json()
        body = response.json()
        yield body["results"]
        if body["next"] is None:
            return
        response = api.get(body["next"])


def _touch(use_case: UseCase) -> None:
    use_case.title += " (edited)"
    use_case.save()


def _world(ava, custops, n=12):
    return [UseCaseFactory(created_by=ava, business_unit=custops, title=f"Case {i:02d}") for i in range(n)]


def test_paging_with_edits_between_fetches_never_skips_nor_repeats(ava_api, ava, custops):
    cases = _world(ava, custops)
    seen: list[tuple[str, str]] = []
    for number, rows in enumerate(_pages(ava_api, LIST, {"page_size": 5})):
        seen += [(row["reference"], row["updated_at"]) for row in rows]
        if number == 0:
            _touch(cases[1])  # already delivered: moves to the end, delivered again as a new version
            _touch(cases[8])  # not yet delivered: moves to the end, delivered once
            UseCaseFactory(created_by=ava, business_unit=custops, title="Created while paging")
    references = [ref for ref, _ in seen]
    created = UseCase.objects.get(title="Created while paging").reference
    assert set(references) == {c.reference for c in cases} | {created}
    repeated = {ref for ref in references if references.count(ref) > 1}
    assert repeated == {cases[1].reference}  # and only because it changed after it was delivered
    assert references[-3:] == [cases[1].reference, cases[8].reference, created]
    # Stable order: (updated_at, id) never goes backwards across the whole walk.
    stamps = [stamp for _, stamp in seen]
    assert stamps == sorted(stamps)


def test_updated_since_returns_only_later_changes(ava_api, ava, custops):
    cases = _world(ava, custops, n=4)
    rows = [row for page in _pages(ava_api, LIST) for row in page]
    high_water = rows[-1]["updated_at"]
    assert ava_api.get(LIST, {"updated_since": high_water}).json()["results"] == []
    _touch(cases[0])
    changed = ava_api.get(LIST, {"updated_since": high_water}).json()["results"]
    assert [row["reference"] for row in changed] == [cases[0].reference]


def test_previous_links_walk_back_and_descending_order(ava_api, ava, custops):
    _world(ava, custops, n=7)
    first = ava_api.get(LIST, {"page_size": 3}).json()
    assert first["previous"] is None
    second = ava_api.get(first["next"]).json()
    back = ava_api.get(second["previous"]).json()
    assert back["results"] == first["results"]
    newest_first = ava_api.get(LIST, {"page_size": 3, "ordering": "-updated_at"}).json()["results"]
    everything = [row for page in _pages(ava_api, LIST) for row in page]
    assert newest_first == list(reversed(everything))[:3]


def test_a_cursor_keeps_its_order_and_a_bad_one_is_400(ava_api, ava, custops):
    _world(ava, custops, n=4)
    assert ava_api.get(LIST, {"cursor": "not-a-cursor"}).status_code == 400
    assert ava_api.get(LIST, {"ordering": "title"}).json() == {"ordering": ["Order by one of: updated_at, "
                                                                            "-updated_at."]}


def test_gate_decisions_sync_by_their_decision_time(gov_api):
    body = gov_api.get("/api/v1/gate-decisions/", {"updated_since": "2020-01-01T00:00:00Z"}).json()
    assert body == {"next": None, "previous": None, "next_cursor": None, "previous_cursor": None,
                    "results": []}


def test_a_condition_marked_met_brings_its_review_back_in_delta_sync(ava_api, sec, owner, low_case):
    review = low_case.reviews.get(function="security")
    due = timezone.localdate() + datetime.timedelta(days=30)
    review_services.review_decide(review=review, actor=sec, decision="approve_with_conditions",
                                  rationale="Approved once output logging is in place.",
                                  conditions=[{"text": "Add output logging", "owner": owner, "due_date": due}])
    url = f"/api/v1/reviews/{review.pk}/"
    read = ava_api.get(url)
    high_water, etag = read.json()["updated_at"], read["ETag"]
    assert ava_api.get("/api/v1/reviews/", {"updated_since": high_water}).json()["results"] == []
    review_services.condition_mark_met(condition=review.conditions.get(), actor=sec)
    changed = ava_api.get("/api/v1/reviews/", {"updated_since": high_water}).json()["results"]
    assert [(row["id"], [c["met"] for c in row["conditions"]]) for row in changed] == [(review.pk, [True])]
    assert ava_api.get(url)["ETag"] != etag


# ---------------------------------------------------------------- tombstones


def _deletions(api, since):
    return [(t["resource"], t["object_id"], t["reason"])
            for t in api.get("/api/v1/deletions/", {"since": since}).json()["results"]]


def test_deleted_records_leave_tombstones_that_follow_visibility(ava_api, ben_api, owner, low_case):
    since = (timezone.now() - datetime.timedelta(seconds=1)).isoformat()
    risk = Risk.objects.create(use_case=low_case, area="data_privacy", description="x", likelihood=1, impact=1)
    risk_id = risk.pk
    risk.delete()
    assert _deletions(ava_api, since) == [("risks", str(risk_id), "deleted")]
    assert _deletions(ben_api, since) == []  # not his use case


def test_a_withdrawn_use_case_is_archived_for_sync(ava_api, owner, low_case):
    since = timezone.now().isoformat()
    intake_services.use_case_withdraw(use_case=low_case, actor=owner, reason="No longer needed by the team.")
    assert _deletions(ava_api, since) == [("use-cases", low_case.reference, "archived")]


def test_an_offboarded_vendor_is_archived_for_everyone(ava_api, ben_api, gov):
    vendor = Vendor.objects.create(name="Acme AI")
    since = timezone.now().isoformat()
    vendor_services.vendor_offboard(vendor=vendor, actor=gov, reason="Contract ended.")
    assert _deletions(ben_api, since) == [("vendors", str(vendor.pk), "archived")]


def test_a_deleted_use_case_stays_visible_to_who_could_see_it(ava_api, ben_api, gov_api, ava, custops):
    since = timezone.now().isoformat()
    use_case = UseCaseFactory(created_by=ava, business_unit=custops)
    reference = use_case.reference
    use_case.delete()
    assert ("use-cases", reference, "deleted") in _deletions(ava_api, since)
    assert ("use-cases", reference, "deleted") in _deletions(gov_api, since)
    assert _deletions(ben_api, since) == []
    assert Tombstone.objects.filter(resource="kpis").count() == 0  # it had none


def _member(username, *groups):
    user = UserFactory(username=username)
    user.groups.add(*Group.objects.filter(name__in=groups))
    return client_for(user)


def test_board_pack_tombstones_follow_the_board_pack_list(ava_api, gov_api):
    pack = BoardPack.objects.create(audience="executive_monthly", period_start="2026-01-01",
                                    period_end="2026-01-31")
    since, pack_id = timezone.now().isoformat(), pack.pk
    pack.delete()
    gone = [("board-packs", str(pack_id), "deleted")]
    assert _deletions(ava_api, since) == []  # a submitter lists no board packs
    assert _deletions(_member("sam.security", "security"), since) == []
    for api in (gov_api, _member("pat.pmo", "pmo"), _member("eve.sponsor", "executive_sponsors"),
                _member("gina.governance", "governance_admins")):
        assert _deletions(api, since) == gone


def test_vendor_assessment_tombstones_follow_the_assessment_list(ava_api, gov_api):
    assessment = VendorAssessment.objects.create(vendor=Vendor.objects.create(name="Acme AI"))
    since, assessment_id = timezone.now().isoformat(), assessment.pk
    assessment.delete()
    gone = [("vendor-assessments", str(assessment_id), "deleted")]
    assert _deletions(ava_api, since) == []
    for api in (gov_api, _member("paul.procurement", "procurement"), _member("sam.security", "security")):
        assert _deletions(api, since) == gone


def test_deletions_take_updated_since_as_an_alias_of_since(ava_api, gov):
    vendor = Vendor.objects.create(name="Acme AI")
    since = timezone.now().isoformat()
    vendor_services.vendor_offboard(vendor=vendor, actor=gov, reason="Contract ended.")
    by_alias = ava_api.get("/api/v1/deletions/", {"updated_since": since}).json()["results"]
    assert by_alias == ava_api.get("/api/v1/deletions/", {"since": since}).json()["results"]
    assert [(t["resource"], t["object_id"]) for t in by_alias] == [("vendors", str(vendor.pk))]
    later = (timezone.now() + datetime.timedelta(seconds=1)).isoformat()
    assert ava_api.get("/api/v1/deletions/", {"updated_since": later}).json()["results"] == []
    refused = ava_api.get("/api/v1/deletions/", {"updated_since": "last tuesday"})
    assert refused.status_code == 400 and "updated_since" in refused.json()
