"""How files name vendors and registry models: their external id, else the id generated here
(``V-12``, ``M-7``); a vendor may also be named by its exact name."""

from __future__ import annotations

import re

from vendors.models import AIModel, Vendor, VendorAssessment

VENDOR_PREFIX, MODEL_PREFIX, ASSESSMENT_PREFIX = "V-", "M-", "A-"


def _by_key(model, prefix: str, key: str):
    found = model.objects.filter(external_id=key).first()
    match = re.fullmatch(rf"{prefix}(\d+)", key)
    if found is None and match:
        found = model.objects.filter(pk=int(match[1]), external_id="").first()
    return found


def vendor_key(vendor: Vendor) -> str:
    return vendor.external_id or f"{VENDOR_PREFIX}{vendor.pk}"


def vendor_lookup(key: str) -> Vendor | None:
    return _by_key(Vendor, VENDOR_PREFIX, key) or Vendor.objects.filter(name=key).first()


def model_key(model: AIModel) -> str:
    return model.external_id or f"{MODEL_PREFIX}{model.pk}"


def model_lookup(key: str) -> AIModel | None:
    return _by_key(AIModel, MODEL_PREFIX, key)


def assessment_key(assessment: VendorAssessment) -> str:
    return assessment.external_id or f"{ASSESSMENT_PREFIX}{assessment.pk}"
