"""The organization API's request and response bodies (separate create, update and read shapes)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from clientele.organizations.domain import Organization
from clientele.validation import NOT_NULL, RequiredText500


class OrganizationCreate(BaseModel):
    """A new organization."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Apollo Hospitals Group"}]}
    )

    name: RequiredText500


class OrganizationUpdate(BaseModel):
    """A partial update: only the fields present change. `name` cannot be cleared."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Apollo Hospitals Enterprise"}]}
    )

    name: Annotated[RequiredText500 | None, NOT_NULL] = None


class OrganizationRead(BaseModel):
    """A stored organization."""

    id: UUID
    name: str = Field(examples=["Apollo Hospitals Group"])
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, organization: Organization) -> "OrganizationRead":
        return cls.model_validate({name: getattr(organization, name) for name in cls.model_fields})


class OrganizationPageRead(BaseModel):
    items: list[OrganizationRead]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )
