"""The floor for the HTTP stack: a bare FastAPI app running the API's single PK query.

Same engine, pool and server settings as the API, no auth, no unit of work, no schemas: the
ratio of the API's lookup throughput to this one is what the application layers cost.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import select

from clientele.config import load_settings
from clientele.db import create_engine
from clientele.tables import customers


def create_bare_app() -> FastAPI:
    """The app for `uvicorn --factory`; reads CLIENTELE_DATABASE_URL."""
    url = os.environ["CLIENTELE_DATABASE_URL"]
    engine = create_engine(url, load_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/customers/{customer_id}")
    async def get_customer(customer_id: UUID) -> Any:
        async with engine.connect() as conn:
            row = (
                (await conn.execute(select(customers).where(customers.c.id == customer_id)))
                .mappings()
                .first()
            )
        if row is None:
            return JSONResponse({"detail": "not found"}, status_code=404)
        return JSONResponse({k: str(v) if v is not None else None for k, v in row.items()})

    return app
