"""Value against spend in the demo: the invoice-processing use case's KPIs get a cadence, an owner, a value
type and a monetary value per unit, and its costs a split by budget category, so its page, the dashboard
and the board pack show a realised value, an ROI and a measurement gone overdue (the last one is over a
month old on a monthly KPI). Through the services, as a user would; running it again changes nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from intake.choices import KPICadence, KPIValueType
from intake.models import KPI, UseCase
from reviews import services
from reviews.models.evidence import CostCategory
from reviews.services import value

TITLE = "Invoice document processing"
# KPI name -> (cadence, value type, value per unit): a euro off the cost per invoice is worth the
# 14,000 invoices a month; touchless share and accuracy are tracked for speed and quality, unpriced.
# The touchless share is measured weekly, and its last measurement is a month old: overdue.
KPI_VALUES = {
    "Cost per invoice": (KPICadence.MONTHLY, KPIValueType.COST, Decimal("14000")),
    "Touchless invoices": (KPICadence.WEEKLY, KPIValueType.SPEED, None),
    "Field extraction accuracy": (KPICadence.QUARTERLY, KPIValueType.QUALITY, None),
}
# Last month's spend beside the platform bill the gate evidence recorded: (category, budget, actual).
COSTS = [
    (CostCategory.INFRASTRUCTURE, "4000", "3800"),
    (CostCategory.GOVERNANCE, "1500", "1650"),
    (CostCategory.CHANGE, "3000", "2400"),
]


def seed_value() -> None:
    use_case = UseCase.objects.filter(title=TITLE).select_related("business_owner").first()
    if use_case is None or KPI.objects.filter(use_case=use_case, unit_value__isnull=False).exists():
        return
    owner = use_case.business_owner
    for kpi in KPI.objects.filter(use_case=use_case, name__in=KPI_VALUES):
        cadence, value_type, unit_value = KPI_VALUES[kpi.name]
        value.kpi_value_set(kpi=kpi, actor=owner, data={"cadence": cadence, "owner": owner, "value_type": value_type,
                                                        "unit_value": unit_value})
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    for category, budget, actual in COSTS:
        services.cost_record(use_case=use_case, actor=owner, period=last_month, budget=budget, actual=actual,
                             category=category, note="Split of last month's run costs.")
