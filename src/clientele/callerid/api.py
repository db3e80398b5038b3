"""`GET /customers/caller-id?number=`: the telephony side asks who is calling."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from clientele.callerid import service
from clientele.customers.schemas import CustomerRead
from clientele.deps import UoW, Viewer
from clientele.openapi import COMMON_ERRORS

router = APIRouter(prefix="/customers", tags=["customers"])


class CallerRead(BaseModel):
    customer: CustomerRead
    reason: str = Field(
        description="How the customer is reachable on the number: primary phone, secondary "
        "phone, WhatsApp number, contact <name>, or phone until <date> (a number it had).",
        examples=["contact Dr. Rao"],
    )
    confidence: float = Field(
        description="0-1: how surely the caller is this customer (split among customers that "
        "share the number now; lower for a number the customer had before).",
        examples=[1.0],
    )
    shared_with: int = Field(description="How many customers are reachable on it now.")


class CallerIdResults(BaseModel):
    number: str = Field(description="The number in E.164.", examples=["+919876543210"])
    items: list[CallerRead]


@router.get("/caller-id", summary="Who is calling", responses=COMMON_ERRORS)
async def get_callers(
    uow: UoW,
    actor: Viewer,
    number: Annotated[
        str,
        Query(
            min_length=1,
            max_length=40,
            description="The caller's number in any common format.",
            examples=["098765 43210"],
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> CallerIdResults:
    """Every customer reachable on the number, now or before, most likely first (one query)."""
    e164, found = await service.identify(uow, number=number, limit=limit)
    return CallerIdResults(
        number=e164,
        items=[
            CallerRead(
                customer=CustomerRead.of(c.customer),
                reason=c.reason,
                confidence=c.confidence,
                shared_with=c.shared_with,
            )
            for c in found
        ],
    )
