"""Framework files: the three shipped ones load, a bad file is refused whole, an upgrade never loses an
answer (docs/frameworks.md)."""

import json

import pytest
from django.core.management import CommandError, call_command

from compliance.choices import ObligationStatus
from compliance.library import LibraryError
from compliance.models import CrosswalkEntry, Framework, Obligation, ObligationEvidence, Requirement
from compliance.services import framework_load
from tests.factories import UseCaseFactory, open_register

pytestmark = pytest.mark.django_db


def _load(data: dict):
    return framework_load(text=json.dumps(data), actor=None)


def test_the_three_frameworks_are_loaded_with_their_official_identifiers():
    keys = dict(Framework.objects.values_list("key", "name"))
    assert keys == {"eu-ai-act": "EU AI Act", "nist-ai-rmf": "NIST AI RMF 1.0",
                    "iso-42001": "ISO/IEC 42001:2023 Annex A"}
    nist = Requirement.objects.filter(framework__key="nist-ai-rmf", assessable=True)
    assert nist.count() == 72
    assert nist.get(identifier="GOVERN 1.1").parent.identifier == "GOVERN 1"
    assert Requirement.objects.filter(framework__key="iso-42001", assessable=True).count() == 38
    assert Requirement.objects.get(framework__key="eu-ai-act", identifier="Art. 50(1)").parent.identifier == "Art. 50"


def test_one_control_counts_for_the_same_obligation_in_every_framework():
    """A monitoring plan, the "Monitoring active" item and a security approval evidence all three."""
    for framework, identifier in (("eu-ai-act", "Art. 72"), ("nist-ai-rmf", "MEASURE 3.1"), ("iso-42001", "A.6.2.6")):
        controls = set(CrosswalkEntry.objects.filter(requirement__framework__key=framework,
                                                     requirement__identifier=identifier)
                       .values_list("control", "key"))
        assert {("artefact_type", "monitoring_plan"), ("checklist_item", "monitoring_active"),
                ("review_function", "security")} <= controls, framework


def test_loading_the_same_file_twice_changes_nothing(capsys):
    before = list(Requirement.objects.order_by("id").values_list("id", "updated_at"))
    call_command("load_framework", "compliance/frameworks/eu-ai-act.json")
    assert "already loaded, nothing changed" in capsys.readouterr().out
    assert list(Requirement.objects.order_by("id").values_list("id", "updated_at")) == before


@pytest.mark.parametrize(("change", "problem"), [
    (lambda d: d["requirements"].append(dict(d["requirements"][3])), "Art. 10: duplicate identifier"),
    (lambda d: d["requirements"][5].update(parent="Art. 999"), "unknown parent 'Art. 999'"),
    (lambda d: d["crosswalk"].append({"requirement": "Art. 999", "control": "checklist_item",
                                      "key": "monitoring_active"}), "'Art. 999' is missing or is a heading"),
    (lambda d: d["crosswalk"].append({"requirement": "Art. 9", "control": "checklist_item", "key": "nope"}),
     "no checklist_item has the key 'nope'"),
    (lambda d: d["requirements"][2].update(applies_from="2026-02-30"), "is not a date"),
    (lambda d: d["requirements"][2].update(applies_when=[{"colour": ["red"]}]), "unknown applicability fact"),
    (lambda d: d["requirements"][2].pop("guidance"), "missing guidance"),
    (lambda d: d["requirements"][5].update(parent=["Art. 9"]), "unknown parent ['Art. 9']"),
    (lambda d: d["crosswalk"].append({"requirement": ["Art. 9"], "control": "checklist_item", "key": "x"}),
     "each a string"),
    (lambda d: d.update(renamed=[]), "renamed must be an object"),
    (lambda d: d.update(renamed={"Art. 1": ["Art. 9"]}), "which is not in the file"),
    (lambda d: d.update(key="café"), "key must be lower-case letters"),
    (lambda d: d["requirements"][2].update(scope=["system"]), "scope is one of"),
    (lambda d: d["requirements"][2].update(required_before=["pilot"]), "required_before is null or one of"),
])
def test_a_bad_file_is_refused_whole_with_every_problem_named(eu_file, change, problem):
    eu_file["version"] = 2
    eu_file["requirements"][0]["title"] = "Changed title that must not land"
    change(eu_file)
    with pytest.raises(LibraryError) as refused:
        _load(eu_file)
    assert any(problem in line for line in refused.value.errors), refused.value.errors
    art4 = Requirement.objects.get(framework__key="eu-ai-act", identifier="Art. 4")
    assert art4.title != "Changed title that must not land"
    assert Framework.objects.get(key="eu-ai-act").version == 1


def test_every_error_is_listed_at_once(eu_file):
    eu_file["requirements"].append(dict(eu_file["requirements"][3]))
    eu_file["published"] = "12/07/2024"
    eu_file["crosswalk"].append({"requirement": "Art. 9", "control": "checklist_item", "key": "nope"})
    with pytest.raises(LibraryError) as refused:
        _load(eu_file)
    assert len(refused.value.errors) == 3


def test_the_command_prints_what_it_refused(tmp_path, eu_file):
    eu_file["version"] = 2
    eu_file["requirements"][5]["parent"] = "Art. 999"
    path = tmp_path / "eu.json"
    path.write_text(json.dumps(eu_file))
    with pytest.raises(CommandError, match=r"nothing loaded \(1 problems\):\n  - requirement .*unknown parent"):
        call_command("load_framework", str(path))


def test_same_version_with_other_content_and_older_versions_are_refused(eu_file):
    eu_file["requirements"][0]["title"] = "Another title"
    with pytest.raises(LibraryError, match="give the changed file a higher version"):
        _load(eu_file)
    eu_file["version"] = 0
    with pytest.raises(LibraryError):
        _load(eu_file)


def test_a_newer_version_keeps_answers_deprecates_what_it_drops_and_carries_renames(eu_file, ava, custops):
    use_case = UseCaseFactory(created_by=ava, business_unit=custops, eu_ai_act_category="high_risk",
                              risk_tier="high", ai_act_role="both")
    open_register(use_case)
    art9 = Obligation.objects.get(use_case=use_case, requirement__identifier="Art. 9")
    art9.status = ObligationStatus.IN_PROGRESS
    art9.save()
    art12 = Obligation.objects.get(use_case=use_case, requirement__identifier="Art. 12")
    ObligationEvidence.objects.create(obligation=art12, kind="upload", label="Logging design.pdf", added_by=ava)
    eu_file["version"] = 2
    eu_file["requirements"] = [r for r in eu_file["requirements"] if r["identifier"] != "Art. 86"]
    eu_file["crosswalk"] = [c for c in eu_file["crosswalk"] if c["requirement"] != "Art. 86"]
    for item in eu_file["requirements"]:
        if item["identifier"] == "Art. 12":
            item["identifier"] = "Art. 12(1)"
    eu_file["crosswalk"] = [dict(c, requirement="Art. 12(1)") if c["requirement"] == "Art. 12" else c
                            for c in eu_file["crosswalk"]]
    eu_file["renamed"] = {"Art. 12": "Art. 12(1)"}

    report = _load(eu_file)

    assert report.deprecated == ["Art. 86"] and report.renamed == ["Art. 12 -> Art. 12(1)"]
    art9.refresh_from_db()
    assert art9.status == ObligationStatus.IN_PROGRESS
    art12.refresh_from_db()
    assert art12.requirement.identifier == "Art. 12(1)" and art12.evidence.count() == 1
    art86 = Obligation.objects.get(use_case=use_case, requirement__identifier="Art. 86")
    assert art86.requirement.deprecated and not art86.applicable  # kept, readable, no longer counted
