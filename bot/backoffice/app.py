"""The back-office web app: ``create_app`` builds it from its settings and database, with the
sign-in pages and the home page, and mounts the pages other packages give it (each route must say
who may use it: bot/backoffice/access.py)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.backoffice.access import access_of, public
from bot.backoffice.csrf import CsrfMiddleware
from bot.backoffice.guards import BodyLimitMiddleware, PersonMiddleware, SecurityHeadersMiddleware
from bot.backoffice.home import home
from bot.backoffice.oidc import oidc_client
from bot.backoffice.roles import ROLE_MAP_FILE, RoleMap, load_role_map
from bot.backoffice.sessions import ABSOLUTE_LIFETIME, SessionStore
from bot.backoffice.settings import BackofficeSettings
from bot.backoffice.signin import signin_routes
from bot.backoffice.templates import render
from bot.config import read_yaml
from bot.identity import load_tenants
from bot.paths import TENANTS_CONFIG, WEB_DIR
from bot.periodic import Periodic
from bot.sql import Database

STATIC_DIR = WEB_DIR / "backoffice"
SHARED_VENDOR_DIR = WEB_DIR / "vendor"  # the widget's pinned browser libraries (the socket.io client)
# The widget's Markdown renderer: the studio previews an article with it, so editors see what staff
# will. Only this file of bot/web is served: the widget's pages are not the back office's.
MARKDOWN_SCRIPT = WEB_DIR / "markdown.js"
COOKIE = "askit_backoffice"
# With Secure, the __Host- prefix also makes browsers refuse the cookie from a sub-domain or another path.
SECURE_COOKIE = f"__Host-{COOKIE}"

logger = logging.getLogger(__name__)


@public
async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


@public
async def markdown_script(request: Request) -> Response:
    return FileResponse(MARKDOWN_SCRIPT, media_type="text/javascript")


async def not_found(request: Request, exc: Exception) -> Response:
    return render(request, "error.html", {"title": "Page not found", "message": "There is no such page."}, 404)


def _checked(routes: Sequence[BaseRoute]) -> list[BaseRoute]:
    """``routes``, each having said who may use it; ValueError names one that has not."""
    for route in routes:
        if isinstance(route, Route) and access_of(route.endpoint) is None:
            raise ValueError(f"route {route.path} says nobody may use it: wrap it in requires(...) or public")
        if not isinstance(route, Route | Mount):
            raise ValueError(f"{route!r}: only Route (and Mount for static files) can be mounted")
    return list(routes)


def _sockets(settings: BackofficeSettings) -> tuple[str, ...]:
    """The origins pages' scripts may connect to besides this one: the Rasa server, where the agent
    console's socket is, when the console is on."""
    if settings.agent_token_secret is None:
        return ()
    url = urlsplit(settings.rasa_public_url)
    return (f"{url.scheme}://{url.netloc}",)


def _running(jobs: Sequence[Periodic]) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        for job in jobs:
            job.start()
        try:
            yield
        finally:
            for job in jobs:
                job.stop()

    return lifespan


def create_app(
    settings: BackofficeSettings,
    db: Database,
    dev: bool,
    routes: Sequence[BaseRoute] = (),
    *,
    jobs: Sequence[Periodic] = (),
    role_map: Path = ROLE_MAP_FILE,
    tenants_file: Path = TENANTS_CONFIG,
) -> Starlette:
    """The app. ``db`` must be migrated (bot/backoffice/storage.py); ``dev`` adds the development
    sign-in; ``routes`` are other packages' pages; ``jobs`` run in the background while the app
    serves (started at start-up, stopped at shut-down). ConfigurationError if the role mapping or
    tenants file is wrong."""
    roles: RoleMap = load_role_map(role_map, tenants_file)
    tenants = load_tenants(tenants_file)
    sessions = SessionStore(db)
    own = [Route("/", home), Route("/health", health), Route("/web/markdown.js", markdown_script), *signin_routes(dev)]
    app = Starlette(
        routes=[
            *_checked([*own, *routes]),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
            Mount("/vendor", StaticFiles(directory=SHARED_VENDOR_DIR), name="vendor"),
        ],
        middleware=[
            Middleware(BodyLimitMiddleware),
            Middleware(SecurityHeadersMiddleware, connect_to=_sockets(settings)),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret.reveal(),
                session_cookie=SECURE_COOKIE if settings.secure_cookies else COOKIE,
                max_age=int(ABSOLUTE_LIFETIME),
                same_site="lax",  # the provider's redirect back is a top-level GET, which Lax lets through
                https_only=settings.secure_cookies,
            ),
            Middleware(CsrfMiddleware),
            Middleware(PersonMiddleware, store=sessions),
        ],
        exception_handlers={404: not_found},
        lifespan=_running(jobs),
    )
    app.state.settings, app.state.db, app.state.dev, app.state.roles, app.state.sessions = (
        settings,
        db,
        dev,
        roles,
        sessions,
    )
    app.state.oidc = oidc_client(settings.oidc) if settings.oidc else None
    listed = read_yaml(tenants_file).get("tenants") or {}  # checked by load_tenants above
    app.state.council_names = {tid: str((listed.get(tid) or {}).get("name") or tid) for tid in tenants.ids}
    return app
