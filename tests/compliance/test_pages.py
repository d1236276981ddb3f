"""The obligation register pages, as their users meet them: ava works her high-risk case's register, ben (another
business unit) never sees it, gov works the organisation's register that everyone else reads, and the reference
pages show the frameworks, a requirement and who it applies to.

A register lists every obligation read-only; one obligation's forms open when it is worked (``?work=<pk>``), and
what a change did is said inside that obligation, where the page opens. The EU high-risk obligations apply from
2 Dec 2027, Art. 50's from 2 Aug 2026 (the test clock is in June 2026)."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import dateformat, timezone

from compliance import selectors
from compliance.models import GATE_STAGES, Obligation, ObligationEvidence, Requirement
from reviews import services as workflow
from reviews.models import ArtefactType
from reviews.selectors import NEXT_STAGE
from tests.reviews.factories import PDF, WINDOWS_EXE, submitted_use_case, upload
from tests.reviews.gate_world import approve_all_reviews


def today_words() -> str:
    """Today as the pages print a moment (7 Dec 2026), in the local zone: CI also runs at UTC+14."""
    return dateformat.format(timezone.localdate(), "j M Y")

pytestmark = pytest.mark.django_db

# Whatever the number of obligations (85 on this case) or of pieces of evidence; working one obligation (its
# forms, its owner choices) adds a few.
QUERY_BOUND = 45
# The default view of the high-risk case (85 obligations): ~400 KB before the forms were folded away.
PAGE_BYTES = 150_000
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


def work(use_case, item, **query):
    """The register with ``item``'s forms open."""
    params = "".join(f"{key}={value}&" for key, value in query.items())
    return f"{register(use_case)}?{params}work={item.pk}"


def status_url(item):
    return reverse("compliance:obligation_status", args=[item.pk])


def owner_url(item):
    return reverse("compliance:obligation_owner", args=[item.pk])


def messages_of(response):
    """Every message the page shows: at the top, and inside the obligations."""
    if not response.context:
        return []
    found = [str(m) for m in response.context["messages"]]
    for group in response.context.get("frameworks") or []:
        found += [str(m) for o in group.obligations for m in getattr(o, "notes", [])]
    return found


def shown_in(html, item):
    """The HTML of one obligation on a register page."""
    start = html.index(f'<li class="obligation section" id="obligation-{item.pk}">')
    return html[start:html.index("\n</li>", start)]


def messages_in(html, item):
    """The messages shown inside one obligation."""
    block = shown_in(html, item)
    return re.findall(r'<li class="message message-\w+">(.*?)</li>', block)


def status_options(html, item):
    select = re.search(rf'<select name="status"[^>]*id="id_status_{item.pk}_status">(.*?)</select>', html, re.S)
    assert select, "no status select"
    return re.findall(r'<option value="(\w+)"', select[1])


def name_of(user):
    return user.get_full_name() or user.get_username()


def coverage_line(html, framework="EU AI Act"):
    """The 'EU AI Act 0/13 satisfied' line of the coverage table."""
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
    assert "Applies from 2 Dec 2027" in html  # the high-risk obligations; the test clock is in June 2026
    met, applicable = coverage_line(html)
    assert (met, applicable) == (0, Obligation.objects.filter(use_case=cv_screening, applicable=True,
                                                              requirement__framework__key="eu-ai-act").count())
    assert applicable > 0
    assert f'{met}/{applicable} satisfied' in html and f"{met}/{applicable} met" not in html  # its section too
    assert f'<a href="#obligation-{art9.pk}" class="nowrap">Art. 9</a>' in html  # missing, never broken in two
    assert "Model risk review" in html and "Link Model risk review to Art. 9" in html  # a suggested record
    assert "Applicability last changed" not in html  # opened on submission: nothing has changed yet
    assert "Organisation-level requirements it relies on" in html and "GOVERN 1.1" in html
    assert '<details open class="register-fold">' in html
    # Read-only until worked: no upload or status form, a way in instead.
    assert "Save the status of" not in html and "Upload for" not in html
    assert f'href="{work(cv_screening, art9)}#obligation-{art9.pk}">Work on it' in html

    html = client.get(work(cv_screening, art9)).content.decode()
    block = shown_in(html, art9)
    assert "Save the status of Art. 9" in block and "Upload for Art. 9" in block and "Save the owner of Art. 9" in block
    assert "Evidence usually expected:" in block  # the guidance, while working it
    assert html.count("Save the status of") == 1
    # Each form comes back to the obligation, refused or not.
    assert f'action="{status_url(art9)}#obligation-{art9.pk}"' in block
    assert f'action="{reverse("compliance:obligation_upload", args=[art9.pk])}#obligation-{art9.pk}"' in block


def test_the_register_is_a_tab_of_the_use_case(client, ava, cv_screening):
    client.force_login(ava)
    html = client.get(register(cv_screening)).content.decode()
    assert f'<a href="{register(cv_screening)}" aria-current="page">Compliance</a>' in html
    html = client.get(reverse("reviews:reviews", args=[cv_screening.reference])).content.decode()
    assert f'<a href="{register(cv_screening)}">Compliance</a>' in html


def test_the_default_register_is_light(client, ava, cv_screening):
    """The high-risk case's register was ~400 KB with a status and an upload form per obligation."""
    client.force_login(ava)
    html = client.get(register(cv_screening)).content.decode()
    assert Obligation.objects.filter(use_case=cv_screening, applicable=True).count() > 80
    assert len(html.encode()) < PAGE_BYTES
    assert 'name="status"' not in html and 'type="file"' not in html and 'name="owner"' not in html
    # The obligations' only forms are the one-button links (the Remove buttons too, once there is evidence).
    assert html.count('action="/compliance/obligations/') == html.count(">Link</button>") > 0


def test_the_filters_count_and_show_what_is_missing_and_what_the_next_gate_needs(client, ava, cv_screening):
    client.force_login(ava)
    type(cv_screening).objects.filter(pk=cv_screening.pk).update(stage="pilot")  # its next gate: controlled rollout
    everything = list(Obligation.objects.filter(use_case=cv_screening, applicable=True,
                                                requirement__deprecated=False).select_related("requirement"))
    art5 = obligation(cv_screening, "Art. 5")
    client.post(status_url(art5), {"status": "not_applicable", "justification": JUSTIFICATION})
    next_stage = NEXT_STAGE["pilot"]
    needed = [o for o in everything if selectors.required_by(o.requirement.required_before, next_stage)]
    assert 0 < len(needed) < len(everything)

    html = client.get(register(cv_screening)).content.decode()
    assert f'<strong aria-current="page">All ({len(everything)})</strong>' in html
    missing = len(everything) - 1
    assert f'href="{register(cv_screening)}?show=missing" id="filter-missing">Missing ({missing})</a>' in html
    assert f'?show=next_gate" id="filter-next_gate">Needed at the next gate ({len(needed)})</a>' in html
    assert f'id="obligation-{art5.pk}"' in html

    html = client.get(f"{register(cv_screening)}?show=missing").content.decode()
    assert f'<strong aria-current="page">Missing ({len(everything) - 1})</strong>' in html
    assert f'id="obligation-{art5.pk}"' not in html  # satisfied: not missing
    assert html.count('<li class="obligation section"') == len(everything) - 1
    # Working one keeps the filter; closing its forms comes back to it.
    art9 = obligation(cv_screening, "Art. 9")
    assert f'href="{work(cv_screening, art9, show="missing").replace("&", "&amp;")}#obligation-{art9.pk}"' in html
    html = client.get(work(cv_screening, art9, show="missing")).content.decode()
    assert f'href="{register(cv_screening)}?show=missing#obligation-{art9.pk}">Close the forms of Art. 9' in html

    html = client.get(f"{register(cv_screening)}?show=next_gate").content.decode()
    assert html.count('<li class="obligation section"') == len(needed)
    for item in needed:
        assert f'id="obligation-{item.pk}"' in html
    assert f"The {dict(GATE_STAGES)[next_stage]} gate needs these obligations; {len(needed)} of them are not yet " \
           "satisfied." in html

    # An unknown filter shows everything.
    html = client.get(f"{register(cv_screening)}?show=nonsense").content.decode()
    assert html.count('<li class="obligation section"') == len(everything)


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
    # The page opens at the obligation, still worked, and says there what was done.
    assert response.redirect_chain[-1][0] == f"{work(cv_screening, art9)}#obligation-{art9.pk}"
    html = response.content.decode()
    assert messages_in(html, art9) == ["Model risk review linked as evidence of EU AI Act Art. 9."]
    assert response.context["messages"] == []  # not again at the top, out of sight
    assert 'class="badge badge-good">Linked</span>' in html
    assert "Link Model risk review to Art. 9" not in html
    before = coverage_line(html)

    response = client.post(status_url(art9), {"status": "met"}, follow=True)
    html = response.content.decode()
    assert messages_in(html, art9) == ["EU AI Act Art. 9 is now met."]
    assert f'<span class="badge badge-good" id="status-{art9.pk}">Met</span>' in html
    assert f'set by {name_of(ava)} on {today_words()}' in shown_in(html, art9)
    assert coverage_line(html) == (before[0] + 1, before[1])
    assert f'<a href="#obligation-{art9.pk}" class="nowrap">Art. 9</a>' not in html  # no longer missing


def test_a_record_that_does_not_count_yet_says_so_before_and_after_linking(client, ava, cv_screening):
    client.force_login(ava)
    art9 = obligation(cv_screening, "Art. 9")
    review = cv_screening.reviews.get(function="model_risk")  # open: not approved
    block = shown_in(client.get(register(cv_screening)).content.decode(), art9)
    assert re.search(r'Model risk review</a> · <span class="bad">open</span> · '
                     r'<span class="not-counting">does not count until approved</span>', block)

    response = client.post(reverse("compliance:obligation_link", args=[art9.pk]),
                           {"record_type": "reviews.review", "record_id": review.pk}, follow=True)
    evidence = re.search(rf'<ul class="plain-list small" id="evidence-{art9.pk}">(.*?)</ul>',
                         shown_in(response.content.decode(), art9), re.S)[1]
    assert "Model risk review" in evidence and '<span class="bad">open</span>' in evidence
    assert "does not count until approved" in evidence
    # Marking it met is refused: the evidence does not show it yet.
    response = client.post(status_url(art9), {"status": "met"})
    assert any("not yet in a state that shows it" in e for e in refused_form(response).errors["status"])


def test_what_the_crosswalk_expects_and_the_case_lacks_is_listed(client, ava, cv_screening):
    client.force_login(ava)
    art11 = obligation(cv_screening, "Art. 11")
    model_card = ArtefactType.objects.get(key="model_card").name
    block = shown_in(client.get(register(cv_screening)).content.decode(), art11)
    assert f"Expected: Artefact {model_card} <span class=\"muted\">— none yet</span>" in block
    assert "Architecture review" in block and "Expected: Review function" not in block  # that one exists


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
    art5 = obligation(cv_screening, "Art. 5")  # no gate waits for it: her own people may declare it
    response = client.post(status_url(art5), {"status": "not_applicable", "justification": "Internal."})
    form = refused_form(response)
    assert any("Say why it does not apply" in e for e in form.errors["justification"])
    assert form["justification"].value() == "Internal."
    assert form["status"].value() == "not_applicable"
    assert "Art. 5 was not changed" in response.content.decode()

    response = client.post(status_url(art5), {"status": "not_applicable", "justification": JUSTIFICATION},
                           follow=True)
    html = response.content.decode()
    assert messages_in(html, art5) == ["EU AI Act Art. 5 is now not applicable."]
    assert f"<strong>Justification</strong> <span class=\"muted\">by {name_of(ava)} on {today_words()}</span>: " \
           f"{JUSTIFICATION}" in shown_in(html, art5)
    assert coverage_line(html)[0] == 1  # a justified "not applicable" counts


def test_ava_is_offered_only_the_statuses_she_may_set(client, ava, gov, cv_screening):
    client.force_login(ava)
    art5, art49 = obligation(cv_screening, "Art. 5"), obligation(cv_screening, "Art. 49")
    assert art49.requirement.required_before  # a gate waits for it
    html = client.get(work(cv_screening, art49)).content.decode()
    assert status_options(html, art49) == ["not_started", "in_progress", "met"]  # no gate decision
    html = client.get(work(cv_screening, art5)).content.decode()
    assert status_options(html, art5) == ["not_started", "in_progress", "met", "not_applicable"]

    # Declared not applicable anyway, the gate decision is refused at the field, with what was typed.
    response = client.post(status_url(art49), {"status": "not_applicable", "justification": JUSTIFICATION})
    form = refused_form(response)
    assert form.errors["status"] and form["justification"].value() == JUSTIFICATION
    assert "not_applicable" in status_options(response.content.decode(), art49)  # the refused choice stays chosen
    art49.refresh_from_db()
    assert art49.status == "not_started"

    client.force_login(gov)  # a governance admin decides the gate
    html = client.get(work(cv_screening, art49)).content.decode()
    assert status_options(html, art49) == ["not_started", "in_progress", "met", "not_applicable", "risk_accepted"]


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
    html = response.content.decode()
    assert messages_in(html, art9) == ["EU AI Act Art. 9 is now accepted risk."]
    block = shown_in(html, art9)
    assert "until 1 Sep 2026" in block
    set_by = f"· set by {name_of(gov)} on {today_words()}"
    assert f"Accepted risk</span> <span class=\"muted\" id=\"set-{art9.pk}\">{set_by}" in block
    assert f"by {name_of(gov)} on {today_words()}</span>: {JUSTIFICATION}" in block


def test_ava_gives_the_obligation_an_owner_from_the_raci(client, ava, ben, cv_screening):
    client.force_login(ava)
    art9 = obligation(cv_screening, "Art. 9")
    people = get_user_model().objects.filter(pk__in=selectors.owner_choices(art9))
    assert people and ben not in people
    html = client.get(work(cv_screening, art9)).content.decode()
    select = re.search(rf'<select name="owner"[^>]*id="id_owner_{art9.pk}_owner">(.*?)</select>', html, re.S)[1]
    assert sorted(int(v) for v in re.findall(r'<option value="(\d+)"', select)) == sorted(p.pk for p in people)
    assert '<option value="">No owner</option>' in select or '<option value="" selected>No owner</option>' in select

    chosen = next(p for p in people if p.pk != art9.owner_id)
    response = client.post(owner_url(art9), {"owner": chosen.pk}, follow=True)
    assert messages_in(response.content.decode(), art9) == [f"{name_of(chosen)} now owns EU AI Act Art. 9."]
    art9.refresh_from_db()
    assert art9.owner == chosen

    # Someone outside the use case's RACI is refused at the field.
    response = client.post(owner_url(art9), {"owner": ben.pk})
    assert response.status_code == 200
    form = response.context["refused"].owner_form
    assert form.errors["owner"] == ["Choose someone who holds a RACI role on this use case."]
    assert f'id="id_owner_{art9.pk}_owner_errors"' in shown_in(response.content.decode(), art9)
    art9.refresh_from_db()
    assert art9.owner == chosen

    response = client.post(owner_url(art9), {"owner": ""}, follow=True)
    assert messages_in(response.content.decode(), art9) == ["EU AI Act Art. 9 has no owner now."]


def test_ben_cannot_change_the_owner(client, ben, cv_screening):
    client.force_login(ben)
    art9 = obligation(cv_screening, "Art. 9")
    assert client.post(owner_url(art9), {"owner": ""}).status_code == 404


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

    assert 'enctype="multipart/form-data"' in shown_in(response.content.decode(), art10)  # shown in place

    response = client.post(url, {"file": upload("datasheet.pdf", PDF), "note": "Data sheet v2"}, follow=True)
    html = response.content.decode()
    assert messages_in(html, art10) == ["datasheet.pdf uploaded as evidence of EU AI Act Art. 10."]
    block = shown_in(html, art10)
    assert "datasheet.pdf</a>" in block and '<span class="good">uploaded</span>' in block
    assert "Data sheet v2" in block


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
    assert "datasheet.pdf is no longer evidence of EU AI Act Art. 10." in messages_in(response.content.decode(), art10)
    assert not ObligationEvidence.objects.exists()


def test_the_register_page_runs_a_bounded_number_of_queries(client, ava, cv_screening,
                                                            django_assert_max_num_queries):
    client.force_login(ava)
    art9 = obligation(cv_screening, "Art. 9")
    client.get(register(cv_screening))  # warm the content-type cache and the session
    with django_assert_max_num_queries(QUERY_BOUND):
        assert client.get(register(cv_screening)).status_code == 200
    with django_assert_max_num_queries(QUERY_BOUND):
        assert client.get(work(cv_screening, art9)).status_code == 200

    # More evidence, of both kinds, on several obligations: still the same bound.
    review = cv_screening.reviews.get(function="model_risk")
    client.post(reverse("compliance:obligation_link", args=[obligation(cv_screening, "Art. 9").pk]),
                {"record_type": "reviews.review", "record_id": review.pk})
    for identifier in ("Art. 10", "Art. 11", "Art. 12"):
        client.post(reverse("compliance:obligation_upload", args=[obligation(cv_screening, identifier).pk]),
                    {"file": upload(f"{identifier}.pdf", PDF)})
    client.post(status_url(obligation(cv_screening, "Art. 10")), {"status": "met"})
    client.post(status_url(obligation(cv_screening, "Art. 5")), {"status": "not_applicable",
                                                                  "justification": JUSTIFICATION})
    assert ObligationEvidence.objects.count() == 4
    with django_assert_max_num_queries(QUERY_BOUND):
        assert client.get(register(cv_screening)).status_code == 200
    with django_assert_max_num_queries(QUERY_BOUND):
        assert client.get(work(cv_screening, art9, show="missing")).status_code == 200


# -- the organisation's register ------------------------------------------------------------------


def test_gov_works_the_organisation_register_and_ava_reads_it(client, gov, ava):
    govern = organisation_obligation("GOVERN 1.1")
    url = reverse("compliance:organisation")
    client.force_login(gov)
    html = client.get(url).content.decode()
    assert "You can read this register" not in html and "Save the status of" not in html
    assert f'href="{url}?work={govern.pk}#obligation-{govern.pk}">Work on it' in html
    assert "Save the status of GOVERN 1.1" in client.get(f"{url}?work={govern.pk}").content.decode()
    missing = f'<a href="#obligation-{govern.pk}" class="nowrap">GOVERN 1.1</a>'
    assert missing in html
    met, applicable = coverage_line(html, "NIST AI RMF 1.0")
    assert " met</span>" not in html and f"{met}/{applicable} satisfied" in html
    assert '<strong aria-current="page">All (' in html and f"{url}?show=missing" in html

    response = client.post(reverse("compliance:obligation_upload", args=[govern.pk]),
                           {"file": upload("ai-policy.pdf", PDF)}, follow=True)
    assert messages_in(response.content.decode(), govern) == [
        "ai-policy.pdf uploaded as evidence of NIST AI RMF 1.0 GOVERN 1.1."]
    response = client.post(status_url(govern), {"status": "met"}, follow=True)
    assert messages_in(response.content.decode(), govern) == ["NIST AI RMF 1.0 GOVERN 1.1 is now met."]
    evidence = ObligationEvidence.objects.get(obligation=govern)
    download = reverse("compliance:evidence_download", args=[evidence.pk])
    html = response.content.decode()
    assert download in html and missing not in html
    assert coverage_line(html, "NIST AI RMF 1.0") == (met + 1, applicable)

    client.force_login(ava)
    html = client.get(url).content.decode()
    assert "You can read this register" in html
    assert "Work on it" not in html and "Remove" not in html
    html = client.get(f"{url}?work={govern.pk}").content.decode()  # asking does not open the forms
    assert "Save the status of" not in html and "Upload for" not in html
    assert f'<span class="badge badge-good" id="status-{govern.pk}">Met</span>' in html
    assert f"· set by {name_of(gov)} on {today_words()}" in shown_in(html, govern)
    assert client.get(download).status_code == 200  # every signed-in person reads it
    response = client.post(status_url(govern), {"status": "in_progress"}, follow=True)
    assert messages_in(response.content.decode(), govern) == [
        "Only governance admins work the organisation&#x27;s register."]
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
    assert "Applies from <strong>2 Dec 2027</strong>" in html
    assert "<strong>Applies to:</strong> EU category high-risk and role provider." in html
    assert f'id="use-case-{cv_screening.reference}"' in html and "CV screening" in html
    assert "Use case status" in html

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
    # Each rule in words, not "when its rule selects it"; the article heading marked as a heading.
    assert "when its rule selects it" not in html
    assert "EU category high-risk and role provider" in html
    assert "role provider and interacts with people" in html
    assert re.search(rf'id="requirement-{art50.pk}">\s*<th scope="row"[^>]*>\s*<span role="heading" aria-level="2">',
                     html)
    art9 = Requirement.objects.get(framework__key="eu-ai-act", identifier="Art. 9")

    def row(requirement):
        start = html.index(f'id="requirement-{requirement.pk}"')
        return html[start:html.index("</tr>", start)]

    assert "2 Dec 2027" in row(art9) and "2 Aug 2026" in row(part)  # Art. 50's duties still apply from August


def test_the_requirement_page_lists_only_use_cases_still_going(client, gov, ava, custops, cv_screening):
    other = submitted_use_case(created_by=ava, business_unit=custops, title="Interview scheduling",
                               regulated_area="employment", ai_act_role="provider")
    art9 = Requirement.objects.get(framework__key="eu-ai-act", identifier="Art. 9")
    url = reverse("compliance:requirement", args=[art9.pk])
    client.force_login(gov)
    html = client.get(url).content.decode()
    assert f'id="use-case-{cv_screening.reference}"' in html and f'id="use-case-{other.reference}"' in html
    type(other).objects.filter(pk=other.pk).update(stage="stopped")
    type(cv_screening).objects.filter(pk=cv_screening.pk).update(status="withdrawn")
    html = client.get(url).content.decode()
    assert f'id="use-case-{other.reference}"' not in html and f'id="use-case-{cv_screening.reference}"' not in html
    assert client.get(reverse("compliance:framework", args=["no-such"])).status_code == 404




