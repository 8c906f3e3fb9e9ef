"""The agent console (role ``agent``): the page, and the short-lived token its script uses to join
the live-chat broker's socket.io namespace ``/agents`` in the Rasa server (bot/handoff/agent_token.py).
Everything live (the queue, chats, messages) travels on that socket (bot/web/backoffice/agents.js);
this module only says who the agent is and which groups and councils they serve."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.backoffice.access import requires
from bot.backoffice.roles import Person
from bot.backoffice.sessions import person_of
from bot.backoffice.settings import AGENT_TOKEN_SECRET, BackofficeSettings
from bot.backoffice.templates import render
from bot.handoff import agent_token
from bot.handoff.settings import Group, HandoffSettings
from bot.identity import ALL_COUNCILS

SOCKET_PATH = "/socket.io"
NAMESPACE = "/agents"
# A handoff id as the store makes them; the page opens that chat (a Teams card links here).
CHAT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# A browser says where a request came from: the token is for this site's own pages only.
SAME_SITE = {"same-origin", "none"}
OFF = "The live chat is not switched on here: the back office has no " + AGENT_TOKEN_SECRET + "."
# The console renews its token a minute before the end; the broker refuses any that lasts longer
# than agent_token.MAX_LIFETIME_SECONDS.
TOKEN_SECONDS = 300


@dataclass(frozen=True)
class ConsoleAgent:
    """An agent as the broker sees them: ``councils`` are tenant ids, or ["all"]."""

    id: str
    name: str
    groups: tuple[str, ...]
    councils: tuple[str, ...]


def agent_of(person: Person, groups: list[Group]) -> ConsoleAgent:
    """``person`` as an agent: their agent councils (or all) and the groups serving those."""
    councils = person.councils("agent")
    if councils is None:
        return ConsoleAgent(person.id, person.name, tuple(g.id for g in groups), (ALL_COUNCILS,))
    serving = [g for g in groups if ALL_COUNCILS in g.councils or set(councils) & set(g.councils)]
    return ConsoleAgent(person.id, person.name, tuple(g.id for g in serving), tuple(councils))


def agents_routes(handoff: HandoffSettings) -> list[Route]:
    """The console's page and its token route, with the groups of ``handoff``."""
    groups = list(handoff.groups.values())

    @requires("agent")
    async def page(request: Request) -> Response:
        chat = request.query_params.get("chat") or ""
        if chat and CHAT_ID.fullmatch(chat) is None:
            return render(request, "error.html", {"title": "No such chat", "message": "That is not a chat's id."}, 400)
        person = person_of(request)
        assert person is not None  # requires() let only a signed-in agent in
        settings: BackofficeSettings = request.app.state.settings
        agent = agent_of(person, groups)
        names = {g.id: g.name for g in groups}
        return render(
            request,
            "agents.html",
            {
                "title": "Agent console",
                "on": settings.agent_token_secret is not None,
                "off": OFF,
                "agent": agent,
                "groups": [(g, names[g]) for g in agent.groups],
                "all_groups": list(names.items()),  # a chat may be transferred to any group
                "council_names": request.app.state.council_names,
                "chat": chat,
            },
        )

    @requires("agent")
    async def token(request: Request) -> Response:
        if request.headers.get("sec-fetch-site", "same-origin") not in SAME_SITE:
            return JSONResponse({"error": "The token is for the console's own page."}, status_code=403)
        settings: BackofficeSettings = request.app.state.settings
        if settings.agent_token_secret is None:
            return JSONResponse({"error": OFF}, status_code=503)
        person = person_of(request)
        assert person is not None
        agent = agent_of(person, groups)
        minted = agent_token.mint(
            settings.agent_token_secret.reveal(),
            agent.id,
            name=agent.name,
            groups=agent.groups,
            councils=agent.councils,
            lifetime=TOKEN_SECONDS,
            now=time.time(),
        )
        return JSONResponse({"token": minted, "expires_in": TOKEN_SECONDS, "socket_url": settings.rasa_public_url})

    return [Route("/agents", page), Route("/agents/token", token)]
