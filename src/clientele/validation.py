"""Reusable pydantic field types: phones, e-mails, tags, trimmed text."""

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, EmailStr, Field, StringConstraints

from clientele.gstin import InvalidGstin, looks_like_gstin, validate_gstin
from clientele.phones import InvalidPhone, normalize_phone


def _to_e164(value: str) -> str:
    try:
        return normalize_phone(value)
    except InvalidPhone as exc:
        raise ValueError(str(exc)) from exc


def _valid_tax_id(value: str) -> str:
    if not looks_like_gstin(value):
        return value
    try:
        return validate_gstin(value)
    except InvalidGstin as exc:
        raise ValueError(str(exc)) from exc


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _unique_tags(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
    AfterValidator(_to_e164),
    Field(description="Any common format; stored as E.164.", examples=["098765 43210"]),
]
OptionalPhone = Annotated[Phone | None, BeforeValidator(_blank_to_none)]
Email = Annotated[EmailStr, StringConstraints(max_length=255)]
OptionalEmail = Annotated[Email | None, BeforeValidator(_blank_to_none)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Tags = Annotated[list[Tag], Field(max_length=30), AfterValidator(_unique_tags)]


Text100 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Text255 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]
Text500 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
RequiredText255 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)
]
RequiredText500 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
]
TaxId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=50),
    AfterValidator(_valid_tax_id),
    Field(
        description="A GSTIN (15 characters: checksum and state code are checked) or another "
        "tax id (PAN, a foreign number), kept as typed.",
        examples=["27AAPFU0939F1ZV"],
    ),
]
