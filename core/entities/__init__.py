"""Core's tables. Importing this package registers them on ``core.db.Base.metadata``."""

from core.entities.attachments import Attachment  # issue 13
from core.entities.audit import AuditEvent
from core.entities.cases import CaseEvent, FaultLine, ServiceCase
from core.entities.catalogue import Customer, ProductModel, Unit
from core.entities.dashboard import TurnaroundSnapshot  # issue 11
from core.entities.holds import CaseHold
from core.entities.idempotency import IdempotencyKey  # issue 10
from core.entities.imports import ImportRowError, ImportRun  # issue 13
from core.entities.jobs import JobRun
from core.entities.messages import OutboxMessage
from core.entities.money import (
    CaseCredit,
    Charge,
    Confirmation,
    ConfirmationLink,
    CreditNote,
    CreditNoteCounter,
    Handover,
    Payment,
    ReceiptCounter,
    UnitSwap,
)
from core.entities.notices import StaffNotice  # staff notices
from core.entities.org import Region, RegionScoped, ServicePoint
from core.entities.queue import QueuedJob  # issue 13
from core.entities.status_links import StatusLink  # issue 18
from core.entities.users import (
    ApiToken,
    KnownPermission,
    LoginAttempt,
    PermissionsVersion,
    Role,
    RolePermission,
    User,
    UserRole,
    UserSession,  # issue 17
)

__all__ = [
    "ApiToken",
    "Attachment",  # issue 13
    "AuditEvent",
    "CaseCredit",
    "CaseEvent",
    "CaseHold",
    "Charge",
    "Confirmation",
    "ConfirmationLink",
    "CreditNote",
    "CreditNoteCounter",
    "Customer",
    "FaultLine",
    "Handover",
    "IdempotencyKey",  # issue 10
    "ImportRowError",  # issue 13
    "ImportRun",  # issue 13
    "JobRun",
    "KnownPermission",
    "LoginAttempt",
    "OutboxMessage",
    "Payment",
    "PermissionsVersion",
    "ProductModel",
    "QueuedJob",  # issue 13
    "ReceiptCounter",
    "Region",
    "RegionScoped",
    "Role",
    "RolePermission",
    "ServiceCase",
    "ServicePoint",
    "StaffNotice",
    "StatusLink",  # issue 18
    "TurnaroundSnapshot",  # issue 11
    "Unit",
    "UnitSwap",
    "User",
    "UserRole",
    "UserSession",  # issue 17
]
