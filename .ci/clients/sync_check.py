"""An integrator's sync, written only against the client openapi-python-client generates from /api/schema/.

Run by .ci/clients.sh against a live server seeded with the demo (manage.py seed_demo):

    python sync_check.py http://127.0.0.1:8000

with the generated package (stagegate_client) importable. No hand-written HTTP: every request goes through
the generated functions and models, so a schema that misdescribes the API fails here the way it would fail
an integrator. Each check asserts what it expects, with a message saying what went wrong; a failed check
skips the checks that need its result and the script exits non-zero.
"""

from __future__ import annotations

import datetime
import inspect
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any

from stagegate_client import AuthenticatedClient, Client, models
from stagegate_client.api.auth import auth_token_create
from stagegate_client.api.deletions import deletions_list
from stagegate_client.api.outcomes import outcomes_list
from stagegate_client.api.reviews import reviews_decide_create, reviews_list
from stagegate_client.api.use_cases import (
    use_cases_create,
    use_cases_list,
    use_cases_partial_update,
    use_cases_retrieve,
    use_cases_submit_create,
)
from stagegate_client.models import (
    AiPatternEnum,
    AutonomyEnum,
    CategoryEnum,
    DataClassificationEnum,
    DecisionEnum,
    DecisionImpactEnum,
    DirectionEnum,
    ExposureEnum,
    KPIInputRequest,
    PatchedUseCaseUpdateRequest,
    PersonalDataEnum,
    ReviewDecisionInputRequest,
    TokenRequestRequest,
    UseCaseCreateRequest,
)
from stagegate_client.types import UNSET, Response

PASSWORD = os.environ.get("STAGEGATE_DEMO_PASSWORD", "stagegate-demo")
SUBMITTER = "ava.submitter"  # member of CUSTOPS (demo/people.py)
# Who reviews for each function in the demo (demo/people.py REVIEWERS).
REVIEWERS = {
    "security": "sec.reviewer", "privacy": "privacy.reviewer", "legal": "legal.reviewer",
    "compliance": "compliance.reviewer", "procurement": "procurement.reviewer",
    "architecture": "architecture.reviewer", "model_risk": "modelrisk.reviewer",
}
# Fields as a generated client should type them (as written in the models' annotations): a choice is
# its enum or None, never a union with BlankEnum/NullEnum; what the server always sends is never Unset.
EXACT_TYPES = {
    ("UseCase", "risk_tier"): "RiskTierEnum | None",
    ("UseCase", "status"): "UseCaseStatusEnum",
    ("UseCase", "stage"): "StageEnum",
    ("UseCaseDetail", "eu_ai_act_category"): "EuAiActCategoryEnum | None",
    ("Review", "decision"): "DecisionEnum | None",
    ("Tombstone", "reason"): "ReasonEnum",
    ("Vendor", "website"): "str | None",
}
# Small pages, so that walking the demo's use cases takes several of them.
PAGE_SIZE = 5


class CheckFailed(Exception):
    pass


def ensure(condition: object, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def expect(response: Response[Any], status: HTTPStatus, what: str) -> Any:
    """The parsed body of a response that must have ``status``."""
    ensure(response.status_code == status,
           f"{what}: expected {status.value}, got {response.status_code.value}: "
           f"{response.content[:500].decode(errors='replace')}")
    ensure(response.parsed is not None, f"{what}: the client could not parse the {status.value} body")
    return response.parsed


def pages(list_function: Any, client: AuthenticatedClient, what: str, **filters: Any) -> Iterator[Any]:
    """Every page of a list, following ``next_cursor`` through the typed call's ``cursor`` parameter."""
    cursor: Any = UNSET
    seen_cursors: set[str] = set()
    while True:
        page = expect(list_function.sync_detailed(client=client, cursor=cursor, page_size=PAGE_SIZE, **filters),
                      HTTPStatus.OK, what)
        ensure(hasattr(page, "next_cursor"),
               f"{what}: the generated page type {type(page).__name__} has no next_cursor (the schema does not "
               "declare it; the body had " + ", ".join(sorted(page.to_dict())) + ")")
        yield page
        ensure((page.next_cursor is None) == (page.next_ is None),
               f"{what}: next_cursor ({page.next_cursor!r}) and next ({page.next_!r}) disagree")
        if page.next_cursor is None:
            return
        ensure(page.next_cursor not in seen_cursors, f"{what}: next_cursor repeats: the walk would not end")
        seen_cursors.add(page.next_cursor)
        cursor = page.next_cursor


def login(base_url: str, username: str) -> AuthenticatedClient:
    """A client with the person's API token, sent with the generated client's default prefix (Bearer)."""
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=False)
    token = expect(auth_token_create.sync_detailed(client=anonymous,
                                                   body=TokenRequestRequest(username=username, password=PASSWORD)),
                   HTTPStatus.OK, f"POST /api/v1/auth/token/ as {username}")
    ensure(token.token, f"POST /api/v1/auth/token/ as {username}: no token in the answer")
    return AuthenticatedClient(base_url=base_url, token=token.token)


class Sync:
    """The checks, in order; each stores what the later ones need."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.client: AuthenticatedClient | None = None
        self.high_water: Any = None  # the latest updated_at seen by the full walk
        self.deletions_high_water: Any = None
        self.reference = ""
        self.etag = ""
        self.dropped_kpi = 0

    def types(self) -> None:
        """The generated types say what the server sends: one shape per field, no wrapper enums."""
        wrapped = [f"{name}.{field}: {hint}" for name, model in vars(models).items() if isinstance(model, type)
                   for field, hint in getattr(model, "__annotations__", {}).items()
                   if {"BlankEnum", "NullEnum"} & set(str(hint).replace("|", " ").split())]
        ensure(not wrapped, "fields typed with BlankEnum or NullEnum wrappers (one shape per field, please): "
                            + "; ".join(wrapped[:5]))
        for (model, field), expected in EXACT_TYPES.items():
            hint = str(getattr(models, model).__annotations__.get(field))
            ensure(hint == expected, f"{model}.{field} is typed {hint}, expected {expected}")

    def token(self) -> None:
        self.client = login(self.base_url, SUBMITTER)
        # The token must work for a read (sent with the default Bearer prefix): a list of plain rows, so that
        # a problem with the use cases' schema shows in the checks below, not here.
        expect(outcomes_list.sync_detailed(client=self.client, page_size=1), HTTPStatus.OK,
               f"GET /api/v1/outcomes/ as {SUBMITTER} with 'Authorization: Bearer <token>'")

    def full_walk(self) -> None:
        references: list[str] = []
        count = 0
        for page in pages(use_cases_list, self.client, "GET /api/v1/use-cases/ (full walk)"):
            count += 1
            ensure(len(page.results) <= PAGE_SIZE, f"page {count} has {len(page.results)} rows, over {PAGE_SIZE}")
            references += [use_case.reference for use_case in page.results]
            for use_case in page.results:
                ensure(self.high_water is None or use_case.updated_at >= self.high_water,
                       f"the walk is not in updated_at order at {use_case.reference}")
                self.high_water = use_case.updated_at
        ensure(references, f"{SUBMITTER} sees no use cases: is the demo seeded?")
        ensure(len(set(references)) == len(references), "the walk returned a use case twice")
        ensure(count > 1, f"{len(references)} use cases came in one page of {PAGE_SIZE}: paging was not exercised")
        print(f"   walked {len(references)} use cases in {count} pages")
        # Where the tombstone feed stands now, to find this run's deletion later.
        for page in pages(deletions_list, self.client, "GET /api/v1/deletions/ (full walk)"):
            for tombstone in page.results:
                self.deletions_high_water = tombstone.deleted_at

    def create(self) -> None:
        outcomes = expect(outcomes_list.sync_detailed(client=self.client), HTTPStatus.OK, "GET /api/v1/outcomes/")
        ensure(outcomes.results, "GET /api/v1/outcomes/ lists no strategic outcome")
        kpi = {"category": CategoryEnum.PROCESS_EFFICIENCY, "unit": "minutes", "direction": DirectionEnum.DECREASE}
        body = UseCaseCreateRequest(
            business_unit="CUSTOPS",
            title="Client-generation check: ticket triage assistant",
            summary="Suggests a queue and priority for each incoming support ticket; an agent confirms.",
            problem_statement="Tickets wait in a shared inbox until someone sorts them by hand, which delays "
                              "first responses.",
            strategic_outcome=outcomes.results[0].id,
            portfolio_bucket="customer_operations",  # a code seeded by intake's migration 0002
            outcome_baseline="40 minutes from arrival to the right queue",
            outcome_target="Under 5 minutes",
            outcome_time_horizon="6 months",
            business_owner="cx.owner",
            delivery_owner="ai.delivery",
            executive_sponsor="exec.sponsor",
            data_sources="Ticket subjects and bodies from the helpdesk",
            data_classification=DataClassificationEnum.INTERNAL,
            personal_data=PersonalDataEnum.NONE,
            exposure=ExposureEnum.INTERNAL_SMALL,
            expected_users=25,
            target_release=datetime.date.today() + datetime.timedelta(days=120),
            ai_pattern=AiPatternEnum.COPILOT,
            generates_content=False,
            autonomy=AutonomyEnum.ASSISTS,
            decision_impact=DecisionImpactEnum.NONE,
            kpis=[KPIInputRequest(name="Time to the right queue", baseline="40", target="5", **kpi),
                  KPIInputRequest(name="Tickets re-routed by agents", baseline="30", target="10", **kpi)],
        )
        response = use_cases_create.sync_detailed(client=self.client, body=body)
        created = expect(response, HTTPStatus.CREATED, "POST /api/v1/use-cases/")
        ensure(str(created.status) == "draft", f"a new use case is a draft, not {created.status}")
        ensure(len(created.kpis) == 2, f"expected the 2 KPIs given, got {len(created.kpis)}")
        # Unanswered choice answers are null, not "" (regulated_area and prohibited_practice were not given).
        for name in ("regulated_area", "prohibited_practice"):
            ensure(getattr(created, name) is None, f"unanswered {name} should be null, got {getattr(created, name)!r}")
        self.reference = created.reference
        self.etag = response.headers.get("ETag", "")
        ensure(self.etag, "POST /api/v1/use-cases/ sent no ETag header")
        self.dropped_kpi = created.kpis[1].id
        print(f"   created {self.reference}")

    def if_match(self) -> None:
        # A current If-Match lets the change through; the change drops one KPI (which leaves a tombstone).
        detail = expect(use_cases_retrieve.sync_detailed(self.reference, client=self.client), HTTPStatus.OK,
                        f"GET /api/v1/use-cases/{self.reference}/")
        stale = self.etag
        kept = detail.kpis[0]
        body = PatchedUseCaseUpdateRequest(kpis=[KPIInputRequest(
            id=kept.id, name=kept.name, category=kept.category, unit=kept.unit, baseline=kept.baseline,
            target=kept.target, direction=kept.direction)])
        response = use_cases_partial_update.sync_detailed(self.reference, client=self.client, body=body,
                                                          if_match=stale)
        changed = expect(response, HTTPStatus.OK, f"PATCH /api/v1/use-cases/{self.reference}/ with a current If-Match")
        ensure([k.id for k in changed.kpis] == [kept.id], f"the KPIs should now be [{kept.id}]: {changed.kpis}")
        ensure(response.headers.get("ETag") not in ("", None, stale), "the ETag did not change with the record")
        # The ETag read before that change is stale now: 412, and nothing changes.
        response = use_cases_partial_update.sync_detailed(
            self.reference, client=self.client, body=PatchedUseCaseUpdateRequest(title="Stale write"), if_match=stale)
        ensure(response.status_code == HTTPStatus.PRECONDITION_FAILED,
               f"PATCH with a stale If-Match: expected 412, got {response.status_code.value}: "
               f"{response.content[:300].decode(errors='replace')}")
        after = expect(use_cases_retrieve.sync_detailed(self.reference, client=self.client), HTTPStatus.OK,
                       f"GET /api/v1/use-cases/{self.reference}/")
        ensure(after.title != "Stale write", "the refused PATCH changed the title")

    def submit(self) -> None:
        submitted = expect(use_cases_submit_create.sync_detailed(self.reference, client=self.client),
                           HTTPStatus.OK, f"POST /api/v1/use-cases/{self.reference}/submit/")
        ensure(str(submitted.status) in ("submitted", "in_review"), f"after submit the status is {submitted.status}")
        ensure(submitted.risk_tier not in (None, UNSET, ""), "a submitted use case has a risk tier")
        print(f"   submitted {self.reference}: {submitted.status}, tier {submitted.risk_tier}")

    def decide(self) -> None:
        listed = expect(reviews_list.sync_detailed(client=self.client, use_case=self.reference), HTTPStatus.OK,
                        f"GET /api/v1/reviews/?use_case={self.reference}")
        reviews = [r for r in listed.results if str(r.function) in REVIEWERS]
        ensure(reviews, f"submitting opened no review a demo reviewer can decide: {listed.results}")
        review = reviews[0]
        # Path ids are integers: in the body, and in the typed call's signature.
        ensure(isinstance(review.id, int), f"a review's id is an integer, got {review.id!r}")
        id_type = inspect.signature(reviews_decide_create.sync_detailed).parameters["id"].annotation
        ensure(id_type in (int, "int"), f"reviews_decide_create takes its id as {id_type}, not int")
        username = REVIEWERS[str(review.function)]
        body = ReviewDecisionInputRequest(decision=DecisionEnum.APPROVE,
                                          rationale="Low exposure, no personal data: approved by the CI check.")
        reviewer = login(self.base_url, username)
        decided = expect(reviews_decide_create.sync_detailed(review.id, client=reviewer, body=body),
                         HTTPStatus.OK, f"POST /api/v1/reviews/{review.id}/decide/ as {username}")
        ensure(str(decided.status) == "approved", f"the decided review's status is {decided.status}, not approved")
        ensure(decided.decided_by == username, f"decided_by is {decided.decided_by}, not {username}")
        print(f"   {decided.decided_by} approved the {review.function} review {review.id}")

    def delta(self) -> None:
        # What changed since the full walk: this run's use case, and nothing older than the high-water mark.
        found = []
        for page in pages(use_cases_list, self.client, "GET /api/v1/use-cases/?updated_since=...",
                          updated_since=self.high_water):
            for use_case in page.results:
                ensure(use_case.updated_at > self.high_water,
                       f"{use_case.reference} (updated {use_case.updated_at}) is not after {self.high_water}")
                found.append(use_case.reference)
        ensure(self.reference in found, f"delta sync since {self.high_water} misses {self.reference}: {found}")

    def tombstones(self) -> None:
        since = {} if self.deletions_high_water is None else {"since": self.deletions_high_water}
        found = [(t.resource, t.object_id, str(t.reason))
                 for page in pages(deletions_list, self.client, "GET /api/v1/deletions/", **since)
                 for t in page.results]
        ensure(("kpis", str(self.dropped_kpi), "deleted") in found,
               f"no tombstone for the dropped KPI {self.dropped_kpi}: {found}")


def main(base_url: str) -> int:
    sync = Sync(base_url)
    # (name, heading, check, the checks it needs)
    checks: list[tuple[str, str, Callable[[], None], tuple[str, ...]]] = [
        ("types", "types: one shape per field, required where always sent", sync.types, ()),
        ("token", "token: POST /api/v1/auth/token/, then a read with it (Bearer)", sync.token, ()),
        ("paging", "paging: every page of /api/v1/use-cases/ by next_cursor", sync.full_walk, ("token",)),
        ("create", "create: a draft with the answers submit requires", sync.create, ("token",)),
        ("if_match", "If-Match: a current one passes, a stale one is 412", sync.if_match, ("create",)),
        ("submit", "submit", sync.submit, ("create",)),
        ("decide", "decide: a reviewer of the function approves a review", sync.decide, ("submit",)),
        ("delta", "delta sync: updated_since the walk's high-water mark", sync.delta, ("paging", "create")),
        ("tombstones", "tombstones: /api/v1/deletions/ has the dropped KPI", sync.tombstones, ("paging", "if_match")),
    ]
    passed: set[str] = set()
    failed = 0
    for name, heading, check, needs in checks:
        missing = [need for need in needs if need not in passed]
        if missing:
            print(f"SKIP {heading} (needs {', '.join(missing)})")
            failed += 1
            continue
        try:
            check()
        except CheckFailed as problem:
            print(f"FAIL {heading}\n     {problem}")
            failed += 1
        except Exception:  # the generated client itself failed (e.g. a body the schema does not describe)
            print(f"FAIL {heading}: the generated client raised\n" + traceback.format_exc(limit=-4))
            failed += 1
        else:
            print(f"ok   {heading}")
            passed.add(name)
    print(f"{len(passed)} of {len(checks)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1].rstrip("/")))
