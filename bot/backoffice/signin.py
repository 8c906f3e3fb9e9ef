"""The sign-in pages: OpenID Connect (bot/backoffice/oidc.py), the development sign-in (``--dev``
only: one click signs in a demo person), and sign-out. Each sign-in, sign-out and refusal is audited."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.backoffice import audit
from bot.backoffice.access import public, requires, safe_next
from bot.backoffice.csrf import new_csrf_token
from bot.backoffice.identity_dev import demo_people
from bot.backoffice.oidc import SignInRefused, person_from_claims, redirect_uri, verified_claims
from bot.backoffice.roles import Person
from bot.backoffice.sessions import SID_KEY, person_of
from bot.backoffice.templates import render

NEXT_KEY = "next"  # in the session while the provider signs someone in


async def start_session(request: Request, person: Person, method: str) -> Response:
    """Sign ``person`` in: a new session id and CSRF token (nothing from before sign-in is kept)."""
    state = request.app.state
    target = safe_next(request.session.get(NEXT_KEY))
    request.session.clear()
    request.session[SID_KEY] = await asyncio.to_thread(state.sessions.create, person)
    new_csrf_token(request)
    await asyncio.to_thread(
        audit.record, state.db, person, "signin", person.id, {"method": method, "tenant": person.tenant}
    )
    return RedirectResponse(target, status_code=303)


@public
async def signin_page(request: Request) -> Response:
    if person_of(request) is not None:
        return RedirectResponse("/", status_code=303)
    target = safe_next(request.query_params.get("next"))
    start = f"/signin/start?{urlencode({'next': target})}"
    return render(request, "signin.html", {"start": start if request.app.state.oidc else None})


@public
async def signin_start(request: Request) -> Response:
    client = request.app.state.oidc
    if client is None:
        return RedirectResponse("/signin", status_code=303)
    request.session[NEXT_KEY] = safe_next(request.query_params.get("next"))
    response: Response = await client.authorize_redirect(request, redirect_uri(request.app.state.settings))
    return response


@public
async def signin_callback(request: Request) -> Response:
    state = request.app.state
    if state.oidc is None:
        return RedirectResponse("/signin", status_code=303)
    try:
        claims = await verified_claims(request, state.oidc, state.settings.oidc)
        person = person_from_claims(claims, state.settings.oidc, state.roles)
    except SignInRefused as refused:
        detail = {"reason": refused.reason, "tenant": refused.tenant}
        await asyncio.to_thread(audit.record, state.db, refused.who, "signin.refused", refused.who, detail)
        return render(request, "refused.html", {"reason": refused.reason}, status_code=403)
    return await start_session(request, person, "oidc")


@requires(None)
async def signout(request: Request) -> Response:
    person = person_of(request)
    assert person is not None  # requires(None) let only someone signed in here
    await asyncio.to_thread(request.app.state.sessions.end, request.session[SID_KEY])
    await asyncio.to_thread(audit.record, request.app.state.db, person, "signout", person.id)
    request.session.clear()
    return RedirectResponse("/signin?signed_out=1", status_code=303)


@public
async def dev_signin_page(request: Request) -> Response:
    return render(request, "dev_signin.html", {"people": demo_people(request.app.state.roles.tenants)})


@public
async def dev_signin(request: Request) -> Response:
    async with request.form() as form:
        key = form.get("person")
    person = demo_people(request.app.state.roles.tenants).get(str(key))
    if person is None:
        return render(
            request, "error.html", {"title": "Unknown demo person", "message": "Choose one of the list."}, 400
        )
    return await start_session(request, person, "dev")


def signin_routes(dev: bool) -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        Route("/signin", signin_page),
        Route("/signin/start", signin_start),
        Route("/signin/callback", signin_callback),
        Route("/signout", signout, methods=["POST"]),
    ]
    if dev:  # otherwise these paths do not exist: 404
        routes += [Route("/dev/signin", dev_signin_page), Route("/dev/signin", dev_signin, methods=["POST"])]
    return routes
