"""The executive pack's compliance section: coverage by framework over the portfolio's registers (the one
count, ``framework_totals``, as the compliance page shows it), the high-risk systems still lacking an
obligation a gate needs, and the application dates ahead. The quarterly board summary leaves it out."""

import datetime

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance.models import GATE_STAGES, Obligation
from compliance.portfolio import portfolio_compliance
from compliance.selectors import coverage
from reports import pdf, selectors
from reports.models import BoardPack
from reports.selectors import pack as pack_selectors
from tests.factories import at_stage
from tests.reviews.factories import submitted_use_case

from .test_board_pack import pdf_pages, request_pack, squash
from .test_compliance_view import high_risk, meet, numbers, obligation, satisfy, summed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

TITLE = selectors.SECTIONS["compliance"]


def pack(audience="executive_monthly", days=30) -> BoardPack:
    today = timezone.localdate()
    return BoardPack(audience=audience, period_start=today - datetime.timedelta(days=days - 1), period_end=today)


def gate_gaps(use_case) -> list[str]:
    """The identifiers a gate needs and the use case's own coverage says are missing."""
    return [o.requirement.identifier for row in coverage(use_case) for o in row.missing
            if o.requirement.required_before]


@pytest.fixture
def portfolio(ava, ben, custops, fin):
    """behind (nothing satisfied, in pilot), ahead (Art. 9 and 11 met), ready (every gate obligation
    satisfied), a minimal-risk one and a stopped high-risk one (left out)."""
    behind = at_stage(high_risk(ava, custops), "pilot")
    ahead = high_risk(ava, custops)
    meet(obligation(ahead, "Art. 9"), ava)
    meet(obligation(ahead, "Art. 11"), ava)
    ready = high_risk(ava, custops)
    Obligation.objects.filter(use_case=ready).exclude(requirement__required_before="").update(status="met")
    plain = submitted_use_case(created_by=ben, business_unit=fin)
    satisfy(plain, 3)
    stopped = at_stage(high_risk(ava, custops), "stopped")
    return {"behind": behind, "ahead": ahead, "ready": ready, "plain": plain, "stopped": stopped}


# ---------------------------------------------------------------- the data


def test_the_section_counts_as_the_compliance_page_does(gov, portfolio):
    data = selectors.board_pack_data(pack())
    section = data["compliance"]

    assert "compliance" in [s["key"] for s in data["sections"]]
    expected = numbers(portfolio_compliance(gov).frameworks)
    assert numbers(section["frameworks"]) == expected
    active = [portfolio[k] for k in ("behind", "ahead", "ready", "plain")]
    assert expected == summed(active)


def test_high_risk_systems_missing_a_gate_obligation_are_named_with_what_they_lack(portfolio):
    rows = selectors.board_pack_data(pack())["compliance"]["high_risk"]

    behind, ahead = portfolio["behind"], portfolio["ahead"]
    assert rows["total"] == 2
    assert [row["use_case"] for row in rows["rows"]] == [behind, ahead]  # most advanced stage first
    by_use_case = {row["use_case"]: row for row in rows["rows"]}
    for uc in (behind, ahead):
        shown = [i for gap in by_use_case[uc]["gaps"] for i in gap["identifiers"]]
        assert sorted(shown) == sorted(gate_gaps(uc))
        assert by_use_case[uc]["missing"] == len(shown)
    behind_gaps = by_use_case[behind]["gaps"]
    gates = [gap["gate"] for gap in behind_gaps]
    assert gates == [label for _value, label in GATE_STAGES if label in gates]  # earliest gate first
    assert {"gate": "Controlled rollout", "framework": "EU AI Act",
            "identifiers": ["Art. 9", "Art. 10", "Art. 11", "Art. 12", "Art. 13", "Art. 14", "Art. 15", "Art. 17",
                            "Art. 43"]} in behind_gaps
    ahead_shown = [i for gap in by_use_case[ahead]["gaps"] for i in gap["identifiers"]]
    assert "Art. 9" not in ahead_shown and "Art. 11" not in ahead_shown and "Art. 10" in ahead_shown


@pytest.mark.parametrize(("status", "until_days", "missing"), [
    ("risk_accepted", 30, False), ("risk_accepted", 0, True), ("risk_accepted", None, True),
    ("not_applicable", None, False), ("in_progress", None, True),
])
def test_an_obligation_is_missing_exactly_when_the_gate_says_so(ava, custops, status, until_days, missing):
    uc = high_risk(ava, custops)
    Obligation.objects.filter(use_case=uc).exclude(requirement__required_before="").update(status="met")
    until = None if until_days is None else timezone.localdate() + datetime.timedelta(days=until_days)
    Obligation.objects.filter(pk=obligation(uc, "Art. 9").pk).update(status=status, accepted_until=until)

    rows = selectors.board_pack_data(pack())["compliance"]["high_risk"]["rows"]
    assert ("Art. 9" in gate_gaps(uc)) is missing
    assert [[i for gap in row["gaps"] for i in gap["identifiers"]] for row in rows] == (
        [["Art. 9"]] if missing else [])


def test_the_table_shows_the_first_use_cases_and_counts_them_all(ava, custops, monkeypatch):
    monkeypatch.setattr(pack_selectors, "MAX_ROWS", 2)
    exploring = high_risk(ava, custops)
    piloting = at_stage(high_risk(ava, custops), "pilot")
    rolling_out = at_stage(high_risk(ava, custops), "controlled_rollout")

    rows = selectors.board_pack_data(pack())["compliance"]["high_risk"]
    assert rows["total"] == 3
    assert [row["use_case"] for row in rows["rows"]] == [rolling_out, piloting]
    assert exploring not in [row["use_case"] for row in rows["rows"]]
    assert [row["missing"] for row in rows["rows"]] == [len(gate_gaps(rolling_out)), len(gate_gaps(piloting))]


def test_application_dates_ahead_are_those_of_the_compliance_page(gov, portfolio):
    upcoming = selectors.board_pack_data(pack())["compliance"]["upcoming"]
    page = portfolio_compliance(gov).upcoming
    assert upcoming["total"] == len(page)
    assert [(r.requirement, r.applies_from, r.use_cases) for r in upcoming["rows"]] == [
        (r.requirement, r.applies_from, r.use_cases) for r in page][:selectors.MAX_ROWS]
    art9 = next(r for r in upcoming["rows"] if r.requirement.identifier == "Art. 9")
    assert art9.use_cases == 3  # behind, ahead and ready; not the stopped one


def test_the_board_summary_has_no_compliance_section(portfolio):
    data = selectors.board_pack_data(pack("board_quarterly", days=90))
    assert "compliance" not in data


def test_the_section_runs_a_fixed_number_of_queries_and_its_template_none(pat, ava, custops):
    def queries(fn) -> int:
        with CaptureQueriesContext(connection) as captured:
            fn()
        return len(captured.captured_queries)

    period = selectors.Period(start=timezone.localdate(), end=timezone.localdate(), as_at=timezone.localdate())
    satisfy(high_risk(ava, custops), 2)
    few = queries(lambda: selectors.board_pack_data(pack()))
    section_few = queries(lambda: pack_selectors._compliance(period))
    for i in range(3):
        satisfy(high_risk(ava, custops), i)
    many = queries(lambda: selectors.board_pack_data(pack()))
    assert few == many <= 65  # every section's, this one's five included
    assert section_few == queries(lambda: pack_selectors._compliance(period)) == 5

    saved = pack()
    saved.requested_by = pat
    saved.save()
    data = selectors.board_pack_data(BoardPack.objects.get(pk=saved.pk))
    assert len(data["compliance"]["high_risk"]["rows"]) == 4
    assert queries(lambda: render_to_string(pdf.TEMPLATE, pdf.board_pack_context(data))) == 0


# ---------------------------------------------------------------- the PDF


def test_the_pdf_shows_the_coverage_and_names_a_high_risk_case_missing_art_9(
    pat, gov, portfolio, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        executive = request_pack(pat)
    executive.refresh_from_db()
    assert executive.status == "ready", executive.error

    pages = pdf_pages(executive)
    number = selectors.AUDIENCE_SECTIONS["executive_monthly"].index("compliance") + 1
    assert f"{number} {TITLE}" in pages[0]  # the contents
    start = next(i for i, page in enumerate(pages[1:], 1) if f"{number} {TITLE}" in page)
    section = "\n".join(pages[start:start + 3])
    section = section[:section.find(selectors.SECTIONS["priorities"])]
    for row in portfolio_compliance(gov).frameworks:
        assert squash(f"{row.framework.name} {row.met} {row.applicable} {row.percent}%") in squash(section)
    behind = portfolio["behind"]
    assert behind.reference in section and "Art. 9" in section
    line = squash(section[section.index(behind.reference):])
    assert line.index("Art.9") < line.index(squash(portfolio["ahead"].reference))  # on behind's row
    assert portfolio["ready"].reference not in section
    assert portfolio["stopped"].reference not in section
    assert "Risk-management system across the lifecycle" in section  # applies from 2 Aug 2026
