"""Small helpers shared by API tests: customers made over HTTP, problem+json answers."""

import itertools

import httpx

_numbers = itertools.count(1)


def unique_mobile() -> str:
    """A valid Indian mobile number no other test customer has, in a typed-by-hand format."""
    return f"97{next(_numbers):07d}1"


async def create_customer(
    client: httpx.AsyncClient, headers: dict[str, str], **overrides: object
) -> dict[str, object]:
    """Create a customer through the API and return its JSON; fails the test on any error."""
    body = {
        "customer_type": "hospital",
        "name": "Sunrise Multispeciality Hospital",
        "primary_phone": unique_mobile(),
        **overrides,
    }
    response = await client.post("/api/v1/customers", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    """The response is an RFC 9457 problem with this status; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert "detail" in body
    return body  # type: ignore[no-any-return]


def field_errors(response: httpx.Response) -> set[str]:
    """The response is a 422 problem; returns the fields its `errors` name."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {error["field"] for error in response.json()["errors"]}
