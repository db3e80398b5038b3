"""The customer page's contact people: add one, change one.

The form text goes through the API's schemas and the same services; a refusal comes back on
the customer page, next to the contacts, with what the agent typed.
"""

from fastapi import Request
from fastapi.responses import Response

from clientele.contacts import service as contacts_service
from clientele.contacts.schemas import ContactCreate, ContactUpdate
from clientele.deps import UoW
from clientele.errors import InvalidValue
from clientele.web import forms
from clientele.web.customers import section_refused
from clientele.web.pages import blank_is_none, id_in_url, one_line, redirect, web_router
from clientele.web.session import AgentSession, CheckedForm

router = web_router()

CONTACT_FIELDS = ("name", "role", "phone", "email", "whatsapp")


@router.post("/customers/{customer_id}/contacts")
async def add_contact(
    request: Request, uow: UoW, session: AgentSession, customer_id: str, form: CheckedForm
) -> Response:
    uuid = id_in_url(customer_id, "customer")
    model, errors = forms.validate(ContactCreate, blank_is_none(form, CONTACT_FIELDS))
    try:
        if model is None:
            raise InvalidValue("contact", one_line(errors))
        await contacts_service.add_contact(
            uow, customer_id=uuid, values=model.model_dump(), actor=session.user.actor
        )
    except InvalidValue as exc:
        return await section_refused(request, uow, session, uuid, "contacts", exc.detail, 422, form)
    return redirect(f"/customers/{uuid}?notice=saved#contacts")


@router.post("/contacts/{contact_id}/edit")
async def edit_contact(
    request: Request, uow: UoW, session: AgentSession, contact_id: str, form: CheckedForm
) -> Response:
    uuid = id_in_url(contact_id, "contact")
    owner = id_in_url(form.get("customer_id", ""), "customer")
    model, errors = forms.validate(ContactUpdate, blank_is_none(form, CONTACT_FIELDS))
    try:
        if model is None:
            raise InvalidValue("contact", one_line(errors))
        await contacts_service.update_contact(
            uow, contact_id=uuid, changes=model.model_dump(exclude_unset=True)
        )
    except InvalidValue as exc:
        return await section_refused(
            request, uow, session, owner, "contacts", exc.detail, 422, form
        )
    return redirect(f"/customers/{owner}?notice=saved#contacts")
