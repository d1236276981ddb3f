"""The obligation register pages, as their users meet them: ava works her high-risk case's register, ben (another
business unit) never sees it, gov works the organisation's register that everyone else reads, and the reference
pages show the frameworks, a requirement and who it applies to."""

import datetime
import re

import pytest
from django.urls import reverse

from compliance.models import Obligation, ObligationEvidence, Requirement
from reviews import services as workflow
from tests.reviews.factories import PDF, WINDOWS_EXE, submitted_use_case, upload
from tests.reviews.gate_world import approve_all_reviews

pytestmark = pytest.mark.django_db

# Whatever the number of obligations (85 on this case) or of pieces of evidence.
QUERY_BOUND = 35
JUSTIFICATION = "The system never reaches the market: it is an internal tool for our own recruiters."


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def cv_screening(ava, custops):
    """A high-risk case (employment) where we are the provider: its register opens on submission."""
    return submitted_use_case(created_by=ava, business_unit=custops, title="CV screening",
                              regulated_area="employment", ai_act_role="provider")


def register(use_case):
    return reverse("compliance:use_case", args=[use_case.reference])


def obligation(use_case, identifier):
    return Obligation.objects.select_related("requirement").get(use_case=use_case,
                                                                requirement__identifier=identifier)


def organisation_obligation(identifier):
    return Obligation.objects.get(use_case__isnull=True, requirement__identifier=identifier)


def status_url(item):
    return reverse("compliance:obligation_status", args=[item.pk])


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def coverage_line(html, framework="EU AI Act"):
    """The 'EU AI Act 0/13 met' line of the coverage table."""
    found = re.search(rf"{re.escape(framework)} (\d+)/(\d+) satisfied", html)
    assert found, f"no coverage line for {framework}"
    return int(found[1]), int(found[2])


def refused_form(response):
    assert response.status_code == 200
    return response.context["refused"].status_form


# -- the use case's register ----------------------------------------------------------------------


def test_ava_sees_art_9_on_her_register_with_its_coverage(client, ava, cv_screening):
    client.force_login(ava)
    response = client.get(register(cv_screening))
    assert response.status_code == 200
    html = response.content.decode()
    art9 = obligation(cv_screening, "Art. 9")
    assert f'id="obligation-{art9.pk}"' in html
    assert "Art. 9</a> Risk-management system across the lifecycle" in html
    assert "Needed before the Controlled rollout gate" in html
    assert "Applies from 2 Aug 2026" in html  # the test clock is in June 2026
    met, applicable = coverage_line(html)
    assert (met, applicable) == (0, Obligation.objects.filter(use_case=cv_screening, applicable=True,
                                                              requirement__framework__key="eu-ai-act").count())
    assert applicable > 0
    assert f'<a href="#obligation-{art9.pk}">Art. 9</a>' in html  # listed as missing
    assert "Model risk review" in html and "Link Model risk review to Art. 9" in html  # a suggested record
    assert "Applicability last changed" not in html  # opened on submission: nothing has changed yet
    assert "Organisation-level requirements it relies on" in html and "GOVERN 1.1" in html
    assert "Save the status of Art. 9" in html


def test_a_change_of_answers_shows_what_it_changed_in_the_register(client, ava, gov, cv_screening):
    # gov records that the organisation deploys the system too: the deployer's duties now apply.
    workflow.use_case_update(use_case=cv_screening, actor=gov, answers={"ai_act_role": "both"})
    client.force_login(ava)
    html = client.get(register(cv_screening)).content.decode()
    assert "Applicability last changed" in html and "EU AI Act Art. 26" in html
    assert obligation(cv_screening, "Art. 26").pk and "Art. 26</a> Deployer duties for high-risk systems" in html


def test_the_use_case_page_shows_coverage_and_links_to_the_register(client, ava, cv_screening):
    client.force_login(ava)
    html = client.get(reverse("intake:detail", args=[cv_screening.reference])).content.decode()
    assert register(cv_screening) in html
    assert coverage_line(html)[0] == 0


def test_ben_gets_404_on_avas_register(client, ben, cv_screening):
    client.force_login(ben)
    assert client.get(register(cv_screening)).status_code == 404
    art9 = obligation(cv_screening, "Art. 9")
    assert client.post(status_url(art9), {"status": "in_progress"}).status_code == 404
    art9.refresh_from_db()
    assert art9.status == "not_started"


def test_marking_met_without_evidence_shows_the_error_at_the_field_and_keeps_what_was_typed(
        client, ava, cv_screening):
    client.force_login(ava)
    art9 = obligation(cv_screening, "Art. 9")
    typed = "Risk register reviewed with model risk on 3 June."
    response = client.post(status_url(art9), {"status": "met", "justification": typed})
    form = refused_form(response)
    assert any("Link or upload the evidence before marking it met." in e for e in form.errors["status"])
    assert form["justification"].value() == typed
    html = response.content.decode()
    assert f">\n{typed}</textarea>" in html
    assert "Art. 9 was not changed" in html
    art9.refresh_from_db()
    assert art9.status == "not_started"


def test_linking_a_suggested_record_then_marking_met_moves_the_coverage(client, ava, cv_screening):
    approve_all_reviews(cv_screening)
    client.force_login(ava)
    art9 = obligation(cv_screening, "Art. 9")
    review = cv_screening.reviews.get(function="model_risk")
    response = client.post(reverse("compliance:obligation_link", args=[art9.pk]),
                           {"record_type": "reviews.review", "record_id": review.pk}, follow=True)
    assert "Model risk review linked as evidence of EU AI Act Art. 9." in messages_of(response)
    html = response.content.decode()
    assert 'class="badge badge-good">Linked</span>' in html
    assert "Link Model risk review to Art. 9" not in html
    before = coverage_line(html)

    response = client.post(status_url(art9), {"status": "met"}, follow=True)
    assert "EU AI Act Art. 9 is now met." in messages_of(response)
    html = response.content.decode()
    assert f'<span class="badge badge-good" id="status-{art9.pk}">Met</span>' in html
    assert coverage_line(html) == (before[0] + 1, before[1])
    assert f'<a href="#obligation-{art9.pk}">Art. 9</a>' not in html  # no longer missing


def test_a_record_that_is_not_suggested_cannot_be_linked(client, ava, cv_screening):
    client.force_login(ava)
    art9 = obligation(cv_screening, "Art. 9")
    legal = cv_screening.reviews.get(function="legal")  # suggested for Art. 5, not Art. 9
    response = client.post(reverse("compliance:obligation_link", args=[art9.pk]),
                           {"record_type": "reviews.review", "record_id": legal.pk})
    assert response.status_code == 200
    assert "Link one of the records suggested for this requirement." in response.content.decode()
    assert not ObligationEvidence.objects.exists()


def test_not_applicable_needs_a_justification(client, ava, cv_screening):
    client.force_login(ava)
    art49 = obligation(cv_screening, "Art. 49")
    response = client.post(status_url(art49), {"status": "not_applicable", "justification": "Internal."})
    form = refused_form(response)
    assert any("Say why it does not apply" in e for e in form.errors["justification"])
    assert form["justification"].value() == "Internal."
    assert form["status"].value() == "not_applicable"

    response = client.post(status_url(art49), {"status": "not_applicable", "justification": JUSTIFICATION},
                           follow=True)
    assert "EU AI Act Art. 49 is now not applicable." in messages_of(response)
    html = response.content.decode()
    assert JUSTIFICATION in html
    assert coverage_line(html)[0] == 1  # a justified "not applicable" counts


def test_ava_cannot_accept_a_risk_on_her_own_case(client, ava, cv_screening):
    client.force_login(ava)
    art9 = obligation(cv_screening, "Art. 9")
    until = (datetime.date(2026, 6, 10) + datetime.timedelta(days=90)).isoformat()
    response = client.post(status_url(art9), {"status": "risk_accepted", "justification": JUSTIFICATION,
                                              "accepted_until": until})
    form = refused_form(response)
    assert form.errors["status"], "refused at the status field"
    # Her refusal sits beside the field's own words on who may accept a risk.
    assert "never the use case&#x27;s own people" in response.content.decode()
    assert form["justification"].value() == JUSTIFICATION
    assert form["accepted_until"].value() == until
    art9.refresh_from_db()
    assert art9.status == "not_started"


def test_governance_accepts_a_risk_until_a_day(client, gov, cv_screening):
    client.force_login(gov)
    art9 = obligation(cv_screening, "Art. 9")
    response = client.post(status_url(art9), {"status": "risk_accepted", "justification": JUSTIFICATION,
                                              "accepted_until": "2026-09-01"}, follow=True)
    assert "EU AI Act Art. 9 is now accepted risk." in messages_of(response)
    assert "until 1 Sep 2026" in response.content.decode()


def test_a_change_to_an_obligation_that_stopped_applying_is_refused_in_a_message(client, ava, cv_screening):
    client.force_login(ava)
    art9 = obligation(cv_screening, "Art. 9")
    Obligation.objects.filter(pk=art9.pk).update(applicable=False)  # the case's answers no longer select it
    response = client.post(status_url(art9), {"status": "in_progress"})
    assert response.status_code == 200
    assert any("no longer applies" in m for m in messages_of(response))
    art9.refresh_from_db()
    assert art9.status == "not_started"


def test_an_upload_is_listed_with_its_state_and_a_bad_file_keeps_the_note(client, ava, cv_screening):
    client.force_login(ava)
    art10 = obligation(cv_screening, "Art. 10")
    url = reverse("compliance:obligation_upload", args=[art10.pk])
    response = client.post(url, {"file": upload("setup.pdf", WINDOWS_EXE), "note": "Data sheet v2"})
    assert response.status_code == 200
    form = response.context["refused"].upload_form
    assert form.errors["file"] and form["note"].value() == "Data sheet v2"
    assert not ObligationEvidence.objects.exists()

    response = client.post(url, {"file": upload("datasheet.pdf", PDF), "note": "Data sheet v2"}, follow=True)
    assert "datasheet.pdf uploaded as evidence of EU AI Act Art. 10." in messages_of(response)
    html = response.content.decode()
    assert "datasheet.pdf</a>" in html and '<span class="good">uploaded</span>' in html
    assert "Data sheet v2" in html


def test_a_file_over_the_limit_is_refused_at_the_field(client, ava, cv_screening, settings):
    settings.EVIDENCE_MAX_BYTES = 64
    client.force_login(ava)
    art10 = obligation(cv_screening, "Art. 10")
    response = client.post(reverse("compliance:obligation_upload", args=[art10.pk]),
                           {"file": upload("big.pdf", PDF + b"x" * 100), "note": "Data sheet v2"})
    form = response.context["refused"].upload_form
    assert any("larger than the" in e for e in form.errors["file"]) and form["note"].value() == "Data sheet v2"
    assert not ObligationEvidence.objects.exists()


def test_removing_evidence(client, ava, cv_screening):
    client.force_login(ava)
    art10 = obligation(cv_screening, "Art. 10")
    client.post(reverse("compliance:obligation_upload", args=[art10.pk]), {"file": upload("datasheet.pdf", PDF)})
    evidence = ObligationEvidence.objects.get()
    response = client.post(reverse("compliance:evidence_remove", args=[evidence.pk]), follow=True)
    assert "datasheet.pdf is no longer evidence of EU AI Act Art. 10." in messages_of(response)
    assert not ObligationEvidence.objects.exists()


def test_the_register_page_runs_a_bounded_number_of_queries(client, ava, cv_screening,
                                                            django_assert_max_num_queries):
    client.force_login(ava)
    client.get(register(cv_screening))  # warm the content-type cache and the session
    with django_assert_max_num_queries(QUERY_BOUND):
        assert client.get(register(cv_screening)).status_code == 200

    # More evidence, of both kinds, on several obligations: still the same bound.
    review = cv_screening.reviews.get(function="model_risk")
    client.post(reverse("compliance:obligation_link", args=[obligation(cv_screening, "Art. 9").pk]),
                {"record_type": "reviews.review", "record_id": review.pk})
    for identifier in ("Art. 10", "Art. 11", "Art. 12"):
        client.post(reverse("compliance:obligation_upload", args=[obligation(cv_screening, identifier).pk]),
                    {"file": upload(f"{identifier}.pdf", PDF)})
    assert ObligationEvidence.objects.count() == 4
    with django_assert_max_num_queries(QUERY_BOUND):
        assert client.get(register(cv_screening)).status_code == 200


# -- the organisation's register ------------------------------------------------------------------


def test_gov_works_the_organisation_register_and_ava_reads_it(client, gov, ava):
    govern = organisation_obligation("GOVERN 1.1")
    url = reverse("compliance:organisation")
    client.force_login(gov)
    html = client.get(url).content.decode()
    assert "Save the status of GOVERN 1.1" in html and "You can read this register" not in html
    missing = f'<a href="#obligation-{govern.pk}">GOVERN 1.1</a>'
    assert missing in html
    met, applicable = coverage_line(html, "NIST AI RMF 1.0")

    response = client.post(reverse("compliance:obligation_upload", args=[govern.pk]),
                           {"file": upload("ai-policy.pdf", PDF)}, follow=True)
    assert "ai-policy.pdf uploaded as evidence of NIST AI RMF 1.0 GOVERN 1.1." in messages_of(response)
    response = client.post(status_url(govern), {"status": "met"}, follow=True)
    assert "NIST AI RMF 1.0 GOVERN 1.1 is now met." in messages_of(response)
    evidence = ObligationEvidence.objects.get(obligation=govern)
    download = reverse("compliance:evidence_download", args=[evidence.pk])
    html = response.content.decode()
    assert download in html and missing not in html
    assert coverage_line(html, "NIST AI RMF 1.0") == (met + 1, applicable)

    client.force_login(ava)
    html = client.get(url).content.decode()
    assert "You can read this register" in html
    assert "Save the status of" not in html and "Upload for" not in html
    assert f'<span class="badge badge-good" id="status-{govern.pk}">Met</span>' in html
    assert client.get(download).status_code == 200  # every signed-in person reads it
    response = client.post(status_url(govern), {"status": "in_progress"}, follow=True)
    assert "Only governance admins work the organisation's register." in messages_of(response)
    govern.refresh_from_db()
    assert govern.status == "met"


# -- reference pages ------------------------------------------------------------------------------


def test_the_requirement_page_lists_avas_case_for_gov_but_not_for_ben(client, gov, ben, cv_screening):
    art9 = Requirement.objects.get(framework__key="eu-ai-act", identifier="Art. 9")
    url = reverse("compliance:requirement", args=[art9.pk])
    client.force_login(gov)
    html = client.get(url).content.decode()
    assert "Risk-management system across the lifecycle" in html
    assert "Model-risk review challenges the risk estimates and treatments." in html  # crosswalk rationale
    assert "Applies from <strong>2 Aug 2026</strong>" in html
    assert f'id="use-case-{cv_screening.reference}"' in html and "CV screening" in html

    client.force_login(ben)
    html = client.get(url).content.decode()
    assert f'id="use-case-{cv_screening.reference}"' not in html and "CV screening" not in html
    assert "It applies to no use case you can see." in html


def test_the_frameworks_and_their_requirement_trees(client, ava):
    client.force_login(ava)
    html = client.get(reverse("compliance:index")).content.decode()
    for name in ("EU AI Act", "NIST AI RMF 1.0", "ISO/IEC 42001:2023 Annex A"):
        assert name in html
    assert "Compliance</a>" in html  # the main navigation
    assert reverse("compliance:framework", args=["eu-ai-act"]) in html

    html = client.get(reverse("compliance:framework", args=["eu-ai-act"])).content.decode()
    art50, part = (Requirement.objects.get(framework__key="eu-ai-act", identifier=i) for i in ("Art. 50", "Art. 50(1)"))
    assert reverse("compliance:requirement", args=[part.pk]) in html
    assert html.index(f'id="requirement-{art50.pk}"') < html.index(f'id="requirement-{part.pk}"')
    assert "calc(12px + 1.5em)" in html  # a part indented under its article
    assert client.get(reverse("compliance:framework", args=["no-such"])).status_code == 404
