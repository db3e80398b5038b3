"""The reports page: top customers with a bar chart drawn on the server, open tickets per
tier, and a city's customers with more than N tickets. The period is read as the API reads
its `from` and `to` (a wrong one is a 422 page, no longer ignored)."""

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from clientele.deps import ReadUoW, UoW
from clientele.reports import service as reports_service
from clientele.reports.domain import Place, period_between
from clientele.web.format import bar_chart
from clientele.web.pages import web_router
from clientele.web.render import render
from clientele.web.session import AdminSession

router = web_router()


@router.get("/reports")
async def reports_page(
    request: Request,
    uow: ReadUoW,
    audit_uow: UoW,
    session: AdminSession,
    start: Annotated[str, Query(alias="from", max_length=10)] = "",
    end: Annotated[str, Query(alias="to", max_length=10)] = "",
    city: Annotated[str, Query(max_length=100)] = "",
    min_tickets: Annotated[str, Query(max_length=7)] = "",
) -> HTMLResponse:
    """Each report is read like the API's (on a replica when one is set up) and audited."""
    period = period_between(start or None, end or None)
    run = reports_service.Run(uow=uow, actor=session.user.actor.label, audit_uow=audit_uow)
    top = await reports_service.top_customers(run, period=period, limit=10)
    tiers = await reports_service.open_tickets_by_tier(run)
    more_than = int(min_tickets) if min_tickets.isdigit() else 0
    in_city = []
    if city.strip():
        in_city = await reports_service.customers_with_more_tickets(
            run, place=Place(city=city.strip()), period=period, more_than=more_than, limit=100
        )
    chart = bar_chart(
        "Top customers by tickets", [(row.customer.name, row.ticket_count) for row in top]
    )
    return render(
        request, "reports.html", session, top=top, tiers=tiers, in_city=in_city, chart=chart,
        start=start, end=end, city=city.strip(), min_tickets=more_than,
    )  # fmt: skip
