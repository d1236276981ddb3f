"""factory-boy factories shared by every test package."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from intake.models import KPI, BusinessUnit, PortfolioBucket, StrategicOutcome, UseCase
from intake.services import raci_sync_defaults

PASSWORD = "stagegate-test"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)


class BusinessUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessUnit
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"BU{n}")
    name = factory.LazyAttribute(lambda b: f"Unit {b.code}")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)


class StrategicOutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrategicOutcome
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Strategic outcome {n}")


def bucket() -> PortfolioBucket:
    return PortfolioBucket.objects.get(code="employee_productivity")


class UseCaseFactory(factory.django.DjangoModelFactory):
    """A draft with every answer a reviewer needs (low tier by default)."""

    class Meta:
        model = UseCase
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"UC-T{n:05d}")
    title = factory.Sequence(lambda n: f"Use case {n}")
    summary = "Summarise support tickets for agents."
    business_unit = factory.SubFactory(BusinessUnitFactory)
    problem_statement = "Agents spend too long reading ticket history."
    strategic_outcome = factory.SubFactory(StrategicOutcomeFactory)
    portfolio_bucket = factory.LazyFunction(bucket)
    outcome_baseline = "12 minutes per ticket"
    outcome_target = "cut to 8 minutes"
    outcome_time_horizon = "6 months"
    created_by = factory.SubFactory(UserFactory)
    business_owner = factory.SelfAttribute("created_by")
    delivery_owner = factory.SubFactory(UserFactory)
    executive_sponsor = factory.SubFactory(UserFactory)
    data_sources = "Ticketing system"
    data_classification = "internal"
    personal_data = "none"
    exposure = "internal_small"
    expected_users = 40
    integrations = "Ticketing"
    target_release = datetime.date(2027, 6, 30)
    ai_pattern = "copilot"
    autonomy = "assists"
    decision_impact = "none"

    @factory.post_generation
    def raci(self, create, extracted, **kwargs):
        # Like the services do: a new use case gets its default RACI and grants.
        if create:
            raci_sync_defaults(use_case=self)


class KPIFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KPI

    use_case = factory.SubFactory(UseCaseFactory)
    name = "Handling time"
    category = "process_efficiency"
    unit = "minutes"
    baseline = Decimal("12")
    target = Decimal("8")
    direction = "decrease"


def at_stage(use_case, stage: str):
    """Fixture set-up: put a submitted use case at ``stage`` as if its gates had been passed.

    Test data only; the product moves a stage through a gate decision (intake.lifecycle).
    """
    type(use_case).objects.filter(pk=use_case.pk).update(stage=stage)
    use_case.refresh_from_db()
    return use_case


def open_register(use_case):
    """Fixture set-up: open the use case's obligation register as the write services do after a change
    (factories write rows directly, so no service has sent ``use_case_changed``)."""
    from compliance.loading import sync_use_case
    from compliance.models import Obligation, Requirement

    return sync_use_case(use_case, Requirement=Requirement, Obligation=Obligation)
