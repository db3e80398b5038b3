"""Reusable pydantic field types: phones, e-mails, tags, trimmed text; and the shapes the
OpenAPI document states for them, so clients and fuzzers see the limits the API enforces."""

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    EmailStr,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from clientele.gstin import InvalidGstin, looks_like_gstin, validate_gstin
from clientele.phones import InvalidPhone, normalize_phone

# What a typed phone may look like: digits with the usual separators, an optional leading +
# or (. `normalize_phone` then checks the number itself; this is only the shape.
PHONE_PATTERN = r"^[+(]?[0-9][0-9 ()./-]{5,38}$"
# RFC 3339 with its mandatory offset (`as_of`), or a day, as `tickets.period` parses them.
_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME = r"[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
INSTANT_PATTERN = f"^{_DAY}{_TIME}$"
DAY_OR_INSTANT_PATTERN = f"^{_DAY}({_TIME})?$"
# `as_of` (history.domain.parse_as_of): also a local time in IST, or a day (its end, IST).
_LOCAL_TIME = r"[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
AS_OF_PATTERN = f"^{_DAY}({_LOCAL_TIME}([Zz]|[+-][0-9]{{2}}:[0-9]{{2}})?)?$"
# `*` or a list of entity tags (RFC 9110 8.8.3); `deps._parse_if_match` enforces it. A tag
# that names no current version is a 412, not a malformed header.
_ENTITY_TAG = r'(W/)?"[\x21\x23-\x7e]*"'
ETAG_PATTERN = rf"^\s*(\*|{_ENTITY_TAG}(\s*,\s*{_ENTITY_TAG})*)\s*$"
_PHONE_SHAPE = re.compile(PHONE_PATTERN)


def documented(pattern: str) -> dict[str, Any]:
    """`json_schema_extra` stating a pattern that a validator (not pydantic) enforces."""
    return {"pattern": pattern}


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    variants = schema.pop("anyOf", None)
    schema.pop("default", None)
    if variants is not None:
        kept = [v for v in variants if v.get("type") != "null"]
        if len(kept) == 1:
            schema.update(kept[0])
        else:
            schema["anyOf"] = kept
    return schema


def _refuse_null(value: object) -> object:
    if value is None:
        raise ValueError("may not be null (leave the field out to keep it)")
    return value


class NotNull:
    """For a PATCH field that may be left out but not set to null:
    `name: Annotated[RequiredText500 | None, NOT_NULL] = None`. An explicit null is a 422 and
    the OpenAPI document shows no null (leaving it out is still allowed)."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_refuse_null, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return _without_null(handler(schema))


NOT_NULL = NotNull()


def _to_e164(value: str) -> str:
    if not _PHONE_SHAPE.match(value):
        raise ValueError("a phone number is digits with spaces, +, (, ), ., / or - only")
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
    StringConstraints(strip_whitespace=True, min_length=7, max_length=40),
    AfterValidator(_to_e164),
    Field(
        description="Any common format; stored as E.164.",
        examples=["098765 43210"],
        json_schema_extra=documented(PHONE_PATTERN),
    ),
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
