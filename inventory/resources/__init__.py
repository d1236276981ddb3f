"""The inventory files, by the name the commands use."""

from .base import InventoryResource, counts_of, problems_of
from .use_cases import UseCaseResource
from .vendors import AIModelResource, VendorAssessmentResource, VendorResource

RESOURCES: dict[str, type[InventoryResource]] = {
    "use_cases": UseCaseResource,
    "vendors": VendorResource,
    "models": AIModelResource,
    "assessments": VendorAssessmentResource,
}

__all__ = ["RESOURCES", "AIModelResource", "InventoryResource", "UseCaseResource", "VendorAssessmentResource",
           "VendorResource", "counts_of", "problems_of"]
