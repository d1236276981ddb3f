from .governance import TierPolicy, TierRequirement
from .matrix import (
    EuAiActObligation,
    FloorCondition,
    HardFloor,
    RiskDimension,
    RiskMatrixVersion,
    RiskOption,
    TierThreshold,
)
from .organisation import BusinessUnit, PortfolioBucket, StrategicOutcome
from .raci import (
    GovernanceAdminAction,
    RaciActivity,
    RaciAssignment,
    UseCaseGroupObjectPermission,
    UseCaseUserObjectPermission,
)
from .service_account import ServiceAccount
from .usecase import (
    KPI,
    PILOT_CRITERIA,
    PilotSelection,
    ReferenceCounter,
    TierAssessment,
    UseCase,
    UseCaseEvent,
)

__all__ = [
    "KPI",
    "PILOT_CRITERIA",
    "BusinessUnit",
    "EuAiActObligation",
    "FloorCondition",
    "GovernanceAdminAction",
    "HardFloor",
    "PilotSelection",
    "PortfolioBucket",
    "RaciActivity",
    "RaciAssignment",
    "ReferenceCounter",
    "RiskDimension",
    "RiskMatrixVersion",
    "RiskOption",
    "ServiceAccount",
    "StrategicOutcome",
    "TierAssessment",
    "TierPolicy",
    "TierRequirement",
    "TierThreshold",
    "UseCase",
    "UseCaseEvent",
    "UseCaseGroupObjectPermission",
    "UseCaseUserObjectPermission",
]
