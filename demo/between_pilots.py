"""An overrunning pilot in the demo: the customer self-service chatbot's pilot ended two weeks ago with no
gate decided, so its page, the dashboard, the board pack and GET /api/v1/pilots/ show it overrun, and the
daily sweep escalates it to the PMO. The PMO lead sets its dates through the service, as on the pilot page;
running it again changes nothing."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from intake.models import UseCase
from reviews.services import pilots

from .people import PMO

TITLE = "Customer self-service chatbot"
# A 12-week pilot that ended 14 days ago.
ENDED_DAYS_AGO, TIME_BOX_WEEKS = 14, 12


def seed_overrun_pilot() -> None:
    use_case = UseCase.objects.filter(title=TITLE, stage="pilot").first()
    pmo = get_user_model().objects.filter(username=PMO).first()
    if use_case is None or pmo is None:
        return
    end = timezone.localdate() - datetime.timedelta(days=ENDED_DAYS_AGO)
    start = end - datetime.timedelta(weeks=TIME_BOX_WEEKS)
    if use_case.pilot_end is not None and use_case.pilot_end < timezone.localdate():
        return  # overrun already
    pilots.pilot_dates_set(use_case=use_case, actor=pmo, start=start, end=end)
