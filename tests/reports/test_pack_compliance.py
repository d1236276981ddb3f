"""The executive pack's compliance section: coverage by framework over the portfolio's registers (the one
count, ``framework_totals``, as the compliance page shows it), the organisation's own register by
framework, the high-risk systems still lacking an obligation a gate needs, and the application dates
ahead. The quarterly board summary leaves it out.

The clock stands at 10 Jun 2026: Art. 50's transparency duties apply from 2 Aug 2026 (ahead), the
high-risk duties (Art. 9 and the rest) from 2 Dec 2027 (more than a year ahead, so not listed)."""

import datetime

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance.models import GATE_STAGES, Obligation
from compliance.portfolio import organisation_coverage, portfolio_compliance
from compliance.selectors import coverage, framework_totals
from reports import pdf, selectors
from reports.models import BoardPack
from reports.selectors import pack as pack_selectors
from tests.factories import at_stage
from tests.reviews.factories import submitted_use_case

from .test_board_pack import pdf_pages, request_pack, squash
from .test_compliance_view import high_risk, meet, numbers, obligation, satisfy, summed, transparent

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
    satisfied), a minimal-risk one, a transparency one (Art. 50(1) and 50(2), not high-risk) and a stopped
    high-risk one (left out)."""
    behind = at_stage(high_risk(ava, custops), "pilot")
    ahead = high_risk(ava, custops)
    meet(obligation(ahead, "Art. 9"), ava)
    meet(obligation(ahead, "Art. 11"), ava)
    ready = high_risk(ava, custops)
    Obligation.objects.filter(use_case=ready).exclude(requirement__required_before="").update(status="met")
    plain = submitted_use_case(created_by=ben, business_unit=fin)
    satisfy(plain, 3)
    talking = transparent(ava, custops)
    stopped = at_stage(high_risk(ava, custops), "stopped")
    return {"behind": behind, "ahead": ahead, "ready": ready, "plain": plain, "talking": talking,
            "stopped": stopped}


# ---------------------------------------------------------------- the data


def test_the_section_counts_as_the_compliance_page_does(gov, portfolio):
    data = selectors.board_pack_data(pack())
    section = data["compliance"]

    assert "compliance" in [s["key"] for s in data["sections"]]
    expected = numbers(portfolio_compliance(gov).frameworks)
    assert numbers(section["frameworks"]) == expected
    active = [portfolio[k] for k in ("behind", "ahead", "ready", "plain", "talking")]
    assert expected == summed(active)


def test_the_section_shows_the_organisation_register_as_the_page_does(pat, portfolio):
    organisation = Obligation.objects.filter(use_case__isnull=True)
    Obligation.objects.filter(pk__in=list(organisation.filter(requirement__framework__key="iso-42001")
                                          .order_by("id").values_list("id", flat=True)[:2])).update(status="met")
    section = selectors.board_pack_data(pack())["compliance"]

    expected = numbers(framework_totals(organisation))
    assert numbers(section["organisation"]) == numbers(portfolio_compliance(pat).organisation) == expected
    assert numbers(organisation_coverage()) == expected
    assert [key for key, *_ in expected] == ["eu-ai-act", "iso-42001", "nist-ai-rmf"] and expected[1][2] == 2


def test_high_risk_systems_missing_a_gate_obligation_are_named_with_what_they_lack(portfolio):
    rows = selectors.board_pack_data(pack())["compliance"]["high_risk"]

    behind, ahead = portfolio["behind"], portfolio["ahead"]
    assert rows["total"] == 2  # not talking: it lacks Art. 50 obligations a gate needs, but is not high-risk
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
    assert [(r.requirement.identifier, str(r.applies_from), r.use_cases) for r in upcoming["rows"]] == [
        ("Art. 50(1)", "2026-08-02", 1), ("Art. 50(2)", "2026-08-02", 1)]
    # Art. 9 applies from 2 Dec 2027: more than a year from 10 Jun 2026, not yet ahead.
    assert "Art. 9" not in [r.requirement.identifier for r in upcoming["rows"]]


def test_the_high_risk_duties_are_ahead_within_a_year_of_2_dec_2027(clock, gov, portfolio):
    clock.go_to(datetime.date(2027, 1, 10))
    upcoming = selectors.board_pack_data(pack())["compliance"]["upcoming"]
    art9 = next(r for r in upcoming["rows"] if r.requirement.identifier == "Art. 9")
    assert str(art9.applies_from) == "2027-12-02"
    assert art9.use_cases == 3  # behind, ahead and ready; not the stopped one
    assert [r.requirement for r in upcoming["rows"]] == [
        r.requirement for r in portfolio_compliance(gov).upcoming][:selectors.MAX_ROWS]


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
    transparent(ava, custops)  # Art. 50's dates are ahead: the dates table has rows
    few = queries(lambda: selectors.board_pack_data(pack()))
    section_few = queries(lambda: pack_selectors._compliance(period))
    for i in range(3):
        satisfy(high_risk(ava, custops), i)
    many = queries(lambda: selectors.board_pack_data(pack()))
    assert few == many <= 68  # every section's, this one's seven included
    # high-risk gaps 1, use-case coverage 2, organisation register 2, dates ahead 2
    assert section_few == queries(lambda: pack_selectors._compliance(period)) == 7

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
    assert "Tell people they are interacting with an AI system" in section  # Art. 50(1), from 2 Aug 2026
    assert "Risk-management system across the lifecycle" not in section  # Art. 9, from 2 Dec 2027
    for row in organisation_coverage():
        assert squash(f"Organisation register: {row.framework.name} {row.met} {row.applicable} {row.percent}%") in (
            squash(section))
