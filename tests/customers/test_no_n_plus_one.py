"""Every customer read path runs a fixed number of statements, whatever the page size."""

from tests.support.api import create_customer
from tests.support.queries import assert_fixed_statements

CUSTOMERS = "/api/v1/customers"


async def _customers(client, agent, n=12):
    for i in range(n):
        await create_customer(client, agent, name=f"Sunrise Hospital {i}", city="Pune")


async def test_the_customer_list_runs_one_statement_whatever_the_page_size(
    client, agent, viewer, connection
):
    await _customers(client, agent)

    async def page(size):
        params = {"limit": size, "city": "pune", "customer_type": "hospital"}
        return await client.get(CUSTOMERS, params=params, headers=viewer)

    await assert_fixed_statements(connection, page, at_most=1)


async def test_the_count_runs_one_statement(client, agent, viewer, connection):
    await _customers(client, agent, n=3)

    async def count(_size):
        return await client.get(f"{CUSTOMERS}/count", params={"city": "Pune"}, headers=viewer)

    await assert_fixed_statements(connection, count, at_most=1)


async def test_a_name_search_runs_one_statement_whatever_the_page_size(
    client, agent, viewer, connection
):
    await _customers(client, agent)

    async def search(size):
        params = {"q": "sunrise hosp", "limit": size}
        return await client.get(f"{CUSTOMERS}/search", params=params, headers=viewer)

    statements = await assert_fixed_statements(connection, search, sizes=(2, 50), at_most=2)
    assert any("clientele_search_names" in s for s in statements)


async def test_a_phone_search_runs_a_fixed_number_of_statements(client, agent, viewer, connection):
    await create_customer(client, agent, primary_phone="98111 22335")

    async def search(size):
        params = {"q": "+91 98111-22335", "limit": size}
        return await client.get(f"{CUSTOMERS}/search", params=params, headers=viewer)

    await assert_fixed_statements(connection, search, at_most=3)
