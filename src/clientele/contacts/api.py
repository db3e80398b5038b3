"""Contact routes: /api/v1/customers/{customer_id}/contacts and /api/v1/contacts/{contact_id}."""

from uuid import UUID

from fastapi import APIRouter, Response, status

from clientele.contacts import service
from clientele.contacts.schemas import ContactCreate, ContactPageRead, ContactRead, ContactUpdate
from clientele.deps import Agent, UoW, Viewer
from clientele.listing import Paging, page_read
from clientele.openapi import COMMON_ERRORS, NO_CUSTOMER, Responses, problem_response

router = APIRouter(tags=["contacts"])


NO_CONTACT: Responses = {404: problem_response("No contact with this id.")}


@router.post(
    "/customers/{customer_id}/contacts",
    status_code=status.HTTP_201_CREATED,
    summary="Add a contact to a customer",
    responses={**COMMON_ERRORS, **NO_CUSTOMER},
)
async def add_contact(
    customer_id: UUID, body: ContactCreate, uow: UoW, actor: Agent, response: Response
) -> ContactRead:
    """Add a person at the customer. Phones are stored as E.164; `Location` names the contact."""
    contact = await service.add_contact(
        uow, customer_id=customer_id, values=body.model_dump(), actor=actor
    )
    response.headers["Location"] = f"/api/v1/contacts/{contact.id}"
    return ContactRead.of(contact)


@router.get(
    "/customers/{customer_id}/contacts",
    summary="List a customer's contacts",
    responses={**COMMON_ERRORS, **NO_CUSTOMER},
)
async def list_contacts(
    customer_id: UUID, uow: UoW, actor: Viewer, paging: Paging
) -> ContactPageRead:
    """The customer's contacts, oldest first, one page at a time."""
    page = await service.list_contacts(
        uow, customer_id=customer_id, cursor=paging.cursor, limit=paging.limit
    )
    return page_read(ContactPageRead, page, ContactRead.of)


@router.get(
    "/contacts/{contact_id}",
    summary="Get a contact",
    responses={**COMMON_ERRORS, **NO_CONTACT},
)
async def get_contact(contact_id: UUID, uow: UoW, actor: Viewer) -> ContactRead:
    """One contact."""
    return ContactRead.of(await service.get_contact(uow, contact_id=contact_id))


@router.patch(
    "/contacts/{contact_id}",
    summary="Update a contact",
    responses={**COMMON_ERRORS, **NO_CONTACT},
)
async def update_contact(
    contact_id: UUID, body: ContactUpdate, uow: UoW, actor: Agent
) -> ContactRead:
    """Change only the fields sent; `null` clears an optional one. Contacts carry no version,
    so no `If-Match` is needed: only the fields you send are written.
    """
    contact = await service.update_contact(
        uow, contact_id=contact_id, changes=body.model_dump(exclude_unset=True)
    )
    return ContactRead.of(contact)


@router.delete(
    "/contacts/{contact_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a contact",
    responses={
        **COMMON_ERRORS,
        **NO_CONTACT,
        409: problem_response("Equipment still names this contact; `equipment_ids` lists it."),
    },
)
async def delete_contact(contact_id: UUID, uow: UoW, actor: Agent) -> Response:
    """Delete a contact that no equipment names as its contact person."""
    await service.delete_contact(uow, contact_id=contact_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
