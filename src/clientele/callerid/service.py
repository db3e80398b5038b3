"""Caller ID as a use case: a typed or dialled number in, the customers behind it out."""

from clientele.callerid import repository
from clientele.callerid.repository import Caller
from clientele.errors import InvalidValue
from clientele.phones import InvalidPhone, normalize_phone
from clientele.uow import UnitOfWork


async def identify(uow: UnitOfWork, *, number: str, limit: int) -> tuple[str, list[Caller]]:
    """(E.164, callers) for a number in any common format. Raises InvalidValue for text that
    is not a phone number."""
    try:
        e164 = normalize_phone(number)
    except InvalidPhone as exc:
        raise InvalidValue("number", str(exc)) from None
    async with uow:
        return e164, await repository.callers(uow.connection, e164, limit=limit)
