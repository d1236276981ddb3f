"""page_size is capped at 200: a larger one gets 200 rows and a next link, never an error."""

from intake.models import BusinessUnit

LIST = "/api/v1/business-units/"


def test_page_size_above_200_is_capped_to_200(ava_api, custops):
    BusinessUnit.objects.bulk_create(BusinessUnit(code=f"BULK{n:03d}", name=f"Unit {n}") for n in range(205))
    first = ava_api.get(LIST, {"page_size": 1000})
    assert first.status_code == 200, first.json()
    body = first.json()
    assert len(body["results"]) == 200 and body["next"] is not None
    rest = ava_api.get(body["next"]).json()
    assert len(rest["results"]) == 206 - 200 and rest["next"] is None  # 205 + CUSTOPS
    seen = {row["code"] for row in body["results"] + rest["results"]}
    assert seen == set(BusinessUnit.objects.values_list("code", flat=True))


def test_out_of_range_page_sizes_are_clamped(ava_api, custops):
    BusinessUnit.objects.bulk_create(BusinessUnit(code=f"BULK{n}", name=f"Unit {n}") for n in range(3))
    assert len(ava_api.get(LIST, {"page_size": 0}).json()["results"]) == 1
    assert len(ava_api.get(LIST, {"page_size": 200}).json()["results"]) == 4
