"""The web widget's HTTP side: its scripts, the demo page, the article pages and (development
mode only) the demo user's token endpoint. Mounted under /webhooks/webchat/ with the socket.

Only the files listed in ``FILES`` are served, so no path can reach anything else. Pages carry a
strict Content-Security-Policy: the widget runs without inline script or style.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.articles import PublicArticle, PublishedArticles, article_url_template, request_base_url
from bot.channels.widget_auth import DEV_TOKEN_SECONDS, mint_token
from bot.channels.widget_config import WidgetConfig
from bot.paths import WEB_DIR

FILES = {
    "askit-widget.js": "application/javascript",
    "askit-widget.css": "text/css",
    "markdown.js": "application/javascript",
    "demo.js": "application/javascript",
    "article.js": "application/javascript",
    "page.css": "text/css",
    "vendor/socket.io.min.js": "application/javascript",
}
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}
ASSET_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",  # revalidate: a widget update reaches every intranet page at once
    "Cross-Origin-Resource-Policy": "cross-origin",  # intranet pages on other origins load these
}
DEMO_USER = re.compile(r"[a-z0-9]{6,32}")  # fullmatch: with match, "$" lets "abcdef\n" through

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]


def add_pages(bp: Blueprint, config: WidgetConfig, articles: PublishedArticles, env: Mapping[str, str]) -> None:
    for name, mime_type in FILES.items():
        bp.add_route(_file_handler(WEB_DIR / name, mime_type), f"/{name}", methods=["GET"], name=_route_name(name))

    @bp.route("/", methods=["GET"])
    async def demo_page(request: Request) -> HTTPResponse:
        # The demo signs a user in only in development mode; otherwise it says what an intranet must do.
        page = "index.html" if config.dev_mode else "setup.html"
        return await response.file(WEB_DIR / page, mime_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    @bp.route("/dev-token", methods=["GET"])
    async def dev_token(request: Request) -> HTTPResponse:
        user = request.args.get("user", "")
        if not config.dev_mode:
            return response.text("Not Found", status=404)
        if not DEMO_USER.fullmatch(user):
            return response.json({"error": "user must be 6-32 lower-case letters and digits"}, status=400)
        sub = f"demo-{user}"
        token = mint_token(
            config.verification_key(),
            sub,
            email=f"{sub}@{config.dev_email_domain}",
            name=f"Demo user {user[:6]}",
            lifetime=DEV_TOKEN_SECONDS,
            issuer=config.issuer,
            audience=config.audience,
        )
        return response.json({"token": token}, headers={"Cache-Control": "no-store"})

    @bp.route("/articles/<name>", methods=["GET"])
    async def article(request: Request, name: str) -> HTTPResponse:
        article_id, as_json = (name[: -len(".json")], True) if name.endswith(".json") else (name, False)
        found = articles.get(article_id)
        if found is None:
            return response.text("No such article", status=404, headers={"Cache-Control": "no-cache"})
        template = article_url_template(request_base_url(request), env)
        if as_json:
            url = template.replace("{id}", article_id)
            return response.json({**found, "url": url}, headers={"Cache-Control": "no-cache"})
        return response.html(article_page(found, template), headers=PAGE_HEADERS)


def article_page(article: PublicArticle, url_template: str) -> str:
    """The article as a page. The body goes in as escaped Markdown text; markdown.js (the widget's
    renderer) turns it into headings, lists and safe links, and without script it still reads."""
    e = html.escape
    return f"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(article["title"])} | AskIT</title>
<link rel="stylesheet" href="../page.css">
</head>
<body>
<main class="article">
<p class="category">IT help: {e(article["category"])}</p>
<h1>{e(article["title"])}</h1>
<div id="article-body" class="markdown" data-article-url="{e(url_template)}">{e(article["body"])}</div>
</main>
<script src="../markdown.js"></script>
<script src="../article.js"></script>
</body>
</html>
"""


def _file_handler(path: Path, mime_type: str) -> Handler:
    async def serve(request: Request) -> HTTPResponse:
        return await response.file(path, mime_type=mime_type, headers=ASSET_HEADERS)

    return serve


def _route_name(file_name: str) -> str:
    return "file_" + re.sub(r"[^a-z0-9]", "_", file_name)
