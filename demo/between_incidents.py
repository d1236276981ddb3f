"""An incident followed through in the demo: the severity-2 incident of a scaled use case gets an owner, its
completed post-incident review and one open action, so the incident page, the use case's "Between gates"
panel and the API show a review with an action still to do. Through the services, as a user would; running
it again changes nothing."""

from __future__ import annotations

import datetime

from django.utils import timezone

from reviews.models import Incident, PostIncidentReview
from reviews.services import incidents

TITLE = "Answers quoted a withdrawn policy"
REVIEW = {
    "cause": "Policy documents were indexed once a week, so a withdrawn policy stayed searchable for days.",
    "impact": "31 customers were given last year's return window; all were contacted and none lost money.",
    "lessons": "Knowledge sources change outside the team's release cycle: the index must follow the source.",
}
ACTION = "Alert the support lead when an indexed policy document is withdrawn or replaced."
ACTION_DUE_IN_DAYS = 21


def seed_incident_review() -> None:
    incident = (Incident.objects.filter(title=TITLE).select_related("use_case__business_owner")
                .order_by("id").first())
    if incident is None or PostIncidentReview.objects.filter(incident=incident).exists():
        return
    owner = incident.use_case.business_owner
    incidents.incident_assign(incident=incident, actor=owner, owner=owner)
    incidents.incident_review_record(incident=incident, actor=owner, **REVIEW)
    incidents.incident_action_add(incident=incident, actor=owner, description=ACTION, owner=owner,
                                  due_date=timezone.localdate() + datetime.timedelta(days=ACTION_DUE_IN_DAYS))
