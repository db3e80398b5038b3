async def test_a_customer_created_over_http_can_be_read_back(client, agent):
    created = await client.post(
        "/api/v1/customers",
        json={"customer_type": "clinic", "name": "Sai Eye Clinic", "primary_phone": "098765 43210"},
        headers=agent,
    )
    assert created.status_code == 201, created.text
    got = await client.get(created.headers["Location"], headers=agent)
    assert got.json()["primary_phone"] == "+919876543210"
