"""Server-rendered pages: Jinja2 with autoescaping, every page given who is signed in and the
session's CSRF token (bot/backoffice/csrf.py) for its forms."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from bot.backoffice.csrf import csrf_token
from bot.backoffice.sessions import person_of

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")


def render(request: Request, name: str, context: Mapping[str, Any] | None = None, status_code: int = 200) -> Response:
    values = {
        "person": person_of(request),
        "csrf_token": csrf_token(request),
        "dev": bool(getattr(request.app.state, "dev", False)),
        **(context or {}),
    }
    return TEMPLATES.TemplateResponse(request, name, values, status_code=status_code)
