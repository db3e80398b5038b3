"""The search page: customers by name, phone or id, with their open tickets, as the agent types."""

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from clientele.customers import service as customers_service
from clientele.customers.domain import CustomerFilters
from clientele.deps import UoW
from clientele.tickets import service as tickets_service
from clientele.uow import reading
from clientele.web.pages import web_router
from clientele.web.render import is_htmx, render
from clientele.web.session import ViewerSession

router = web_router()

SEARCH_LIMIT = 10
SearchText = Annotated[str, Query(max_length=200)]


@router.get("/")
async def home(
    request: Request, uow: UoW, session: ViewerSession, q: SearchText = ""
) -> HTMLResponse:
    """The search page; htmx asks it for the hits alone while the agent types."""
    text = q.strip()
    hits = []
    if text:
        async with reading(uow) as page:  # the hits and their counts: one transaction
            found = await customers_service.search_customers(
                page, text=text, filters=CustomerFilters(), limit=SEARCH_LIMIT
            )
            counts = await tickets_service.open_ticket_counts(
                page, customer_ids=[hit.customer.id for hit in found]
            )
        hits = [
            {"customer": h.customer, "score": h.score, "matched_on": h.matched_on,
             "open_tickets": counts.get(h.customer.id, 0)}
            for h in found
        ]  # fmt: skip
    template = "_hits.html" if is_htmx(request) else "search.html"
    return render(request, template, session, q=text, hits=hits)
