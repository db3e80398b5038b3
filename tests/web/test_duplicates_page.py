"""The duplicates queue page: groups side by side, merge with a preview, undo, dismiss."""

import re

from clientele.auth.domain import Role
from clientele.duplicates import service
from tests.duplicates.test_duplicates_api import ADMIN, a_duplicate_pair
from tests.support.web import csrf_of, logged_in


async def test_an_admin_merges_two_duplicates_from_the_queue_and_undoes_it(
    web, users, connection, uow_factory
):
    a, b = await a_duplicate_pair(connection, "Vatsalya")
    await service.scan(uow_factory(), actor=ADMIN)
    await logged_in(web, users, Role.ADMIN)
    queue = await web.get("/duplicates")
    assert queue.status_code == 200
    assert "VATSALYA HOSP." in queue.text
    assert "Vatsalya Hospital" in queue.text
    assert "same phone" in queue.text
    token = csrf_of(queue.text)

    preview = await web.post(
        "/duplicates/merge", data={"csrf_token": token, "survivor": a, "members": f"{a},{b}"}
    )
    assert preview.status_code == 200, preview.text
    assert "Nothing has been written yet" in preview.text
    assert "info@sanjeevani.in" in preview.text  # the survivor's empty e-mail is filled

    merged = await web.post(
        "/duplicates/merge",
        data={"csrf_token": token, "survivor": a, "members": f"{a},{b}", "confirm": "yes"},
    )
    assert merged.status_code == 303, merged.text
    merge_url = merged.headers["location"].split("?")[0]
    assert re.fullmatch(r"/merges/[0-9a-f-]{36}", merge_url)
    page = await web.get(merge_url)
    assert 'id="merge-status">applied' in page.text

    undone = await web.post(f"{merge_url}/undo", data={"csrf_token": token})
    assert undone.status_code == 303
    page = await web.get(merge_url)
    assert 'id="merge-status">undone' in page.text


async def test_agents_cannot_open_the_duplicates_queue(web, users, connection, uow_factory):
    await a_duplicate_pair(connection, "Narmada")
    await service.scan(uow_factory(), actor=ADMIN)
    await logged_in(web, users, Role.AGENT)
    assert (await web.get("/duplicates")).status_code == 403
