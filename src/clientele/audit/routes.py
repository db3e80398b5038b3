"""Which role a route requires, read from its dependencies (the `Admin` / `Agent` aliases)."""

import re
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import compile_path

from clientele.auth.domain import Role


def _roles(dependant: Dependant) -> list[Role]:
    found: list[Role] = []
    role = getattr(dependant.call, "required_role", None)
    if isinstance(role, Role):
        found.append(role)
    for sub in dependant.dependencies:
        found.extend(_roles(sub))
    return found


def required_role(route: APIRoute) -> Role | None:
    """The highest role any of the route's dependencies demands, or None for an open route."""
    roles = _roles(route.dependant)
    return max(roles, key=lambda role: role.rank) if roles else None


@dataclass(frozen=True, slots=True)
class RouteRole:
    """An API route's full path template, methods and required role."""

    path: str
    methods: frozenset[str]
    role: Role | None
    pattern: re.Pattern[str]


def route_roles(app: FastAPI) -> list[RouteRole]:
    """Every API route of the app, in matching order, with the role it requires."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path:
            pattern, _, _ = compile_path(context.path)
            found.append(
                RouteRole(
                    path=context.path,
                    methods=frozenset(context.methods or ()),
                    role=required_role(route),
                    pattern=pattern,
                )
            )
    return found


def find_route(routes: list[RouteRole], method: str, path: str) -> RouteRole | None:
    """The route a request will reach (the first whose path and method match), or None."""
    for route in routes:
        if method in route.methods and route.pattern.match(path):
            return route
    return None
