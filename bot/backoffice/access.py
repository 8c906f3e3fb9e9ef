"""The one way a route says who may use it: ``requires(role, council_param=...)`` or ``public``.
``create_app`` refuses a route that says neither, so no page is reachable by omission. Not signed
in: pages redirect to the sign-in page and JSON answers 401; signed in without the role: 403."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from bot.backoffice.roles import Role
from bot.backoffice.sessions import person_of
from bot.backoffice.templates import render

Endpoint = Callable[[Request], Awaitable[Response]]
ACCESS_ATTRIBUTE = "askit_access"


@dataclass(frozen=True)
class Access:
    role: Role | None  # None: anyone signed in
    council_param: str | None = None
    public: bool = False


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/api/") or ("application/json" in accept and "text/html" not in accept)


def safe_next(target: str | None) -> str:
    """A path on this site to return to after sign-in, never another site's address."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def requires(role: Role | None, *, council_param: str | None = None) -> Callable[[Endpoint], Endpoint]:
    """Let only people holding ``role`` (any role: None) in; with ``council_param``, for the council
    the path parameter of that name names."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            person = person_of(request)
            if person is None:
                if wants_json(request):
                    return JSONResponse({"error": "not signed in"}, status_code=401)
                query = urlencode({"next": request.url.path + (f"?{request.url.query}" if request.url.query else "")})
                return RedirectResponse(f"/signin?{query}", status_code=303)
            council = str(request.path_params[council_param]) if council_param else None
            if role is not None and not person.can(role, council):
                return forbidden(request, f"This page needs the {role} role" + (f" for {council}." if council else "."))
            return await endpoint(request)

        setattr(guarded, ACCESS_ATTRIBUTE, Access(role, council_param))
        return guarded

    return decorate


def public(endpoint: Endpoint) -> Endpoint:
    """Open to anyone: the sign-in pages, and nothing that shows or changes back-office data."""
    setattr(endpoint, ACCESS_ATTRIBUTE, Access(None, public=True))
    return endpoint


def access_of(endpoint: Any) -> Access | None:
    found = getattr(endpoint, ACCESS_ATTRIBUTE, None)
    return found if isinstance(found, Access) else None


def forbidden(request: Request, message: str) -> Response:
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=403)
    return render(request, "error.html", {"title": "Not allowed", "message": message}, status_code=403)
