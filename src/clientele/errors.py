"""Domain errors. Each names its HTTP status and problem type; `problems.py` renders them.

Kept free of any web framework so the domain and services can raise them anywhere.
"""

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar
from uuid import UUID


class DomainError(Exception):
    """A rule of the customer master was broken; the message is safe to show a user."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra: Mapping[str, Any] = extra


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = "Not found"


T = TypeVar("T")


def found(value: T | None, what: str, id: UUID) -> T:
    """VALUE, read back by ID; NotFound ("no WHAT with id ID") when there was none."""
    if value is None:
        raise NotFound(f"no {what} with id {id}")
    return value


class InvalidValue(DomainError):
    """A field's value is unacceptable; `field` names it for the 422 `errors` list."""

    status = 422
    slug = "validation-error"
    title = "Invalid value"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail, errors=[{"field": field, "message": detail}])
        self.field = field


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class AlreadyBlocked(Conflict):
    slug = "already-blocked"
    title = "Customer already blocked"


class AlreadyActive(Conflict):
    slug = "already-active"
    title = "Customer already active"


class DuplicatePhone(Conflict):
    """Another active customer already has this primary phone."""

    slug = "duplicate-phone"
    title = "Phone already belongs to an active customer"

    def __init__(self, phone: str, existing_customer_id: UUID) -> None:
        super().__init__(
            "an active customer already has this primary phone",
            existing_customer_id=str(existing_customer_id),
        )
        self.phone = phone
        self.existing_customer_id = existing_customer_id


class StaleVersion(DomainError):
    """The client's If-Match names a version that is no longer current."""

    status = 412
    slug = "stale-version"
    title = "The customer changed since you read it"

    def __init__(self, current_version: int, updated_by: str) -> None:
        super().__init__(
            f"the customer is now at version {current_version} (changed by {updated_by}); "
            "read it again and reapply your change",
            current_version=current_version,
        )


class StaleEquipment(DomainError):
    """The client's If-Match names a version of the equipment that is no longer current."""

    status = 412
    slug = "stale-version"
    title = "The equipment changed since you read it"

    def __init__(self, current_version: int) -> None:
        super().__init__(
            f"the equipment is now at version {current_version}; read it again and reapply "
            "your change",
            current_version=current_version,
        )


class PreconditionRequired(DomainError):
    status = 428
    slug = "precondition-required"
    title = "If-Match required"


class Unauthenticated(DomainError):
    status = 401
    slug = "unauthenticated"
    title = "Authentication required"


class Forbidden(DomainError):
    status = 403
    slug = "forbidden"
    title = "Not allowed for your role"
