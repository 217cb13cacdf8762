"""Core's tables. Importing this package registers them on ``core.db.Base.metadata``."""

from core.entities.audit import AuditEvent
from core.entities.jobs import JobRun
from core.entities.org import Region, RegionScoped, ServicePoint
from core.entities.users import (
    ApiToken,
    KnownPermission,
    LoginAttempt,
    Role,
    RolePermission,
    User,
    UserRole,
)

__all__ = [
    "ApiToken",
    "AuditEvent",
    "JobRun",
    "KnownPermission",
    "LoginAttempt",
    "Region",
    "RegionScoped",
    "Role",
    "RolePermission",
    "ServicePoint",
    "User",
    "UserRole",
]
