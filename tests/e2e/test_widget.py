"""The web widget in headless Chromium against the real servers, embedded in an intranet page on
another origin as a council would embed it: the journeys by mouse and by keyboard alone, axe-core's
WCAG 2.2 A/AA checks, reflow at 320 CSS px, HTML shown as text, refused sign-ins, and a dropped
connection that comes back with the conversation intact."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from bot.channels.webchat_banner import REFRESH_SECONDS
from bot.channels.widget_auth import mint_token
from bot.identity import IDENTITY_KEY
from bot.incidents.models import IncidentFields
from bot.incidents.store import IncidentStore
from bot.paths import ROOT
from bot.studio.starters import StarterStore
from tests.browser import record_dialogs
from tests.e2e.conftest import Chat
from tests.e2e.intranet import Intranet, Staff, intranet_origin
from tests.e2e.widget_client import Refused, WidgetClient, custom_has

AXE = ROOT / "tests" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
TURN_MS = 60_000
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def intranet(chat: Chat) -> Iterator[Intranet]:
    with Intranet(chat.stack.rasa_url, chat.widget_token) as intranet:
        yield intranet


def staff(tenant: str = "riverside") -> Staff:
    sub = f"staff-{uuid.uuid4().hex[:10]}"
    return Staff(sub=sub, email=f"{sub}@{tenant}.example", name="Robin Example", tenant=tenant)


SCROLL_SETTLED = """() => {
    const log = document.querySelector(".askit-host")?.shadowRoot?.querySelector(".askit-log");
    const now = log ? log.scrollTop : 0, settled = window.askitLastScroll === now;
    window.askitLastScroll = now;
    return settled;
}"""


class Widget:
    """The widget on a page (a tab), as a person uses it; also watches what the page reports."""

    def __init__(self, context: BrowserContext, url: str, key: str = "") -> None:
        self.context, self.key = context, key  # key: the intranet's name for who is signed in
        self.page: Page = context.new_page()
        self.dialogs = record_dialogs(self.page)
        self.console_errors: list[str] = []
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.goto(url)

    @property
    def input(self) -> Locator:
        return self.page.get_by_role("textbox", name="Your message")

    @property
    def status(self) -> Locator:
        return self.page.locator(".askit-status")

    @property
    def bot_messages(self) -> Locator:
        return self.page.locator(".askit-from-bot")

    def connected(self) -> None:
        expect(self.status).to_have_text("Connected", timeout=30_000)

    def ask(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def next_reply(self, before: int) -> Locator:
        expect(self.bot_messages).to_have_count(before + 1, timeout=TURN_MS)
        return self.bot_messages.nth(before)

    def says(self, action: Any) -> Locator:
        """Do ``action`` (ask, click, key press) and return the bot's reply to it."""
        before = self.bot_messages.count()
        action()
        return self.next_reply(before)

    def choice(self, message: Locator, title: str) -> Locator:
        return message.get_by_role("button", name=title, exact=True)

    def focused(self) -> dict[str, Any]:
        """The element with keyboard focus, through the shadow root, and whether one can see it."""
        return dict(
            self.page.evaluate(
                """() => {
                let e = document.activeElement;
                while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
                const style = getComputedStyle(e);
                const r = e.getBoundingClientRect();
                const root = e.getRootNode();
                // A link may wrap over two lines: it is on top if the middle of any of its boxes is.
                const onTop = [...e.getClientRects()].some((box) => {
                    const top = root.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
                    return top === e || (top !== null && e.contains(top));
                });
                return {
                    inWidget: root !== document,
                    tag: e.localName,
                    name: (e.getAttribute("aria-label") || e.innerText || e.id).trim(),
                    id: e.id,
                    focusVisible: e.matches(":focus-visible"),
                    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
                    inViewport: r.width > 0 && r.top >= 0 && r.left >= 0
                        && r.bottom <= innerHeight && r.right <= innerWidth,
                    onTop: onTop,
                };
            }"""
            )
        )

    def press(self, key: str) -> dict[str, Any]:
        """Press a key and check that whatever then has focus is visibly focused and not hidden."""
        self.page.keyboard.press(key)
        now = self.focused()
        if now["inWidget"]:  # the host page's own links are the host page's business
            assert now["focusVisible"] and now["outline"], now
            assert now["inViewport"] and now["onTop"], now
        return now

    def tab_to(self, name: str, key: str = "Tab", limit: int = 12) -> None:
        for _ in range(limit):
            if self.press(key)["name"] == name:
                return
        raise AssertionError(f"{key} never reached {name!r}")

    def axe(self) -> list[dict[str, Any]]:
        # Measure the page at rest: mid-way through the panel's opening transition (slow on a busy
        # machine) targets overlap that do not once it has settled. Endless animations never end.
        self.page.wait_for_function(
            "() => document.getAnimations().every(a => a.playState !== 'running'"
            " || a.effect.getTiming().iterations === Infinity)",
            timeout=10_000,
        )
        # A smooth scroll of the conversation (to a new answer) is no Animation: wait for two frames
        # with the same scroll position, or a button half-scrolled past the edge measures too small.
        self.page.wait_for_function(SCROLL_SETTLED, polling="raf", timeout=10_000)
        before = len(self.console_errors)
        self.page.evaluate(AXE.read_text(encoding="utf-8"))
        result = self.page.evaluate(
            "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            WCAG_TAGS,
        )
        del self.console_errors[before:]  # axe sets inline styles while it measures: the page's CSP says no
        return [
            {"id": v["id"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]]}
            for v in result["violations"]
        ]

    def no_horizontal_scroll(self) -> bool:
        return bool(self.page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.fixture
def open_widgets() -> Iterator[list[Widget]]:
    """Every widget a test opens; afterwards none may have shown a dialog or broken the page's CSP."""
    widgets: list[Widget] = []
    yield widgets
    for widget in widgets:
        assert widget.dialogs == [], widget.dialogs
        assert not [e for e in widget.console_errors if "Content Security Policy" in e], widget.console_errors
    for context in {w.context for w in widgets}:
        context.close()


@pytest.fixture
def widget_for(browser: Browser, intranet: Intranet, open_widgets: list[Widget]) -> Any:
    """The widget on the intranet page of a member of staff, in a browser of their own."""

    def make(who: Staff | None = None, mode: str = "inline", **context: Any) -> Widget:
        who = who or staff()
        key = intranet.add(who)
        widget = Widget(browser.new_context(**context), intranet.page_url(key, mode), key)
        open_widgets.append(widget)
        return widget

    return make


def ticket_of(chat: Chat, who: Staff) -> dict[str, Any]:
    [ticket] = [t for t in chat.tickets() if t["requester_id"] == who.sub]
    return ticket


def answer_the_impact_question_if_asked(widget: Widget, reply: Locator) -> Locator:
    """Triage asks "how bad is it?" only when neither the article nor the words say; take the first answer."""
    if reply.get_attribute("data-flow") == "ticket_created":
        return reply
    expect(reply).to_contain_text("how bad is it?")
    return widget.says(reply.get_by_role("button").first.click)


def test_ask_pick_a_choice_say_it_did_not_help_and_raise_a_ticket(chat: Chat, widget_for: Any) -> None:
    who = staff()
    widget = widget_for(who)
    widget.connected()
    answer = widget.says(lambda: widget.ask("I forgot my password"))
    expect(answer).to_have_attribute("data-article-id", "password-reset")
    expect(answer.locator("strong").first).to_have_text("Reset a forgotten password")
    expect(answer.get_by_role("group", name="Did this help?").get_by_role("button")).to_have_text(
        ["Yes, that helped", "No, that didn't help"]
    )
    heard = widget.page.locator(".askit-visually-hidden[aria-live=polite]")
    expect(heard).to_contain_text("AskIT: Reset a forgotten password")
    expect(heard).to_contain_text("Choices: Yes, that helped; No, that didn't help; Show all steps.")
    expect(answer.get_by_role("button", name="Show all steps")).to_be_visible()  # with the answer, not the feedback
    full = answer.get_by_role("link", name="Open the full article (opens in a new tab)")
    expect(full).to_have_attribute("href", f"{chat.stack.rasa_url}/webhooks/webchat/articles/password-reset")

    choices = widget.says(lambda: widget.ask("printer"))
    expect(choices).to_have_attribute("data-decision", "clarify")
    expect(heard.locator("p")).to_have_count(1)  # each new message is said once; what was said is gone
    expect(heard).not_to_contain_text("Reset a forgotten password")
    first = choices.get_by_role("button").first
    title = first.inner_text()
    chosen = widget.says(first.click)
    expect(chosen).to_have_attribute("data-decision", "answer")
    expect(chosen.locator("strong").first).to_have_text(title)
    expect(widget.input).to_be_focused()  # after a choice, back to where one types
    expect(first).to_be_disabled()  # an answered question's choices are spent

    offer = widget.says(widget.choice(chosen, "No, that didn't help").click)
    expect(offer).to_have_attribute("data-flow", "ticket_offer")
    confirm = widget.says(widget.choice(offer, "Yes").click)
    expect(confirm).to_contain_text('"printer"')
    done = answer_the_impact_question_if_asked(widget, widget.says(widget.choice(confirm, "Yes").click))
    expect(done).to_have_attribute("data-flow", "ticket_created")

    ticket = ticket_of(chat, who)
    assert (ticket["requester_email"], ticket["requester_name"]) == (who.email, "Robin Example")
    assert ticket["tenant"] == "riverside" and ticket["summary"] == "printer"
    expect(done).to_contain_text(ticket["ref"])


def test_the_same_journey_by_keyboard_alone(chat: Chat, widget_for: Any) -> None:
    who = staff()
    widget = widget_for(who, mode="floating")
    launcher = widget.page.get_by_role("button", name="Ask IT a question")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    widget.tab_to("Ask IT a question")  # past the page's own links: the launcher comes after them
    widget.press("Enter")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    assert widget.focused()["id"] == "askit-input"
    widget.connected()

    answer = widget.says(lambda: (widget.page.keyboard.type("I forgot my password"), widget.press("Enter")))
    expect(answer).to_have_attribute("data-article-id", "password-reset")
    assert widget.press("Shift+Tab")["name"] == "No, that didn't help"
    offer = widget.says(lambda: widget.press("Space"))
    expect(offer).to_have_attribute("data-flow", "ticket_offer")
    assert widget.focused()["id"] == "askit-input"
    widget.tab_to("Yes", key="Shift+Tab")
    confirm = widget.says(lambda: widget.press("Enter"))
    expect(confirm).to_contain_text('"I forgot my password"')
    widget.tab_to("Yes", key="Shift+Tab")
    done = widget.says(lambda: widget.press("Enter"))
    expect(done).to_have_attribute("data-flow", "ticket_created")
    assert ticket_of(chat, who)["requester_email"] == who.email

    widget.press("Escape")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    assert widget.focused()["name"] == "Ask IT a question"
    expect(widget.input).to_be_hidden()

    # A reply that comes while the panel is closed is announced, and the launcher says so.
    widget.press("Enter")
    replies = widget.bot_messages.count()
    widget.page.keyboard.type("thanks a lot")
    widget.press("Enter")
    widget.press("Escape")
    widget.next_reply(replies)
    expect(launcher).to_have_accessible_name("Ask IT a question (new reply)")
    expect(widget.page.locator(".askit-visually-hidden[aria-live=polite]")).not_to_be_empty()
    widget.press("Enter")
    expect(launcher).to_have_accessible_name("Ask IT a question")


def test_a_new_member_of_staff_is_greeted_with_their_councils_starter_topics(chat: Chat, widget_for: Any) -> None:
    store = StarterStore.open(chat.stack.extra_env["ASKIT_BACKOFFICE_DB"])
    store.set_chosen("southmere", ["vpn-connect", "password-reset"])  # as an editor sets them in the studio
    try:
        widget = widget_for(staff("southmere"))
        widget.connected()  # a new conversation: the panel opens on the welcome, not empty
        expect(widget.bot_messages).to_have_count(1)
        welcome = widget.bot_messages.first
        expect(welcome).to_have_attribute("data-flow", "welcome")
        expect(welcome).to_contain_text("Hello Robin, I'm AskIT")
        expect(welcome.get_by_role("group", name="Choices").get_by_role("button")).to_have_text(
            ["VPN or remote access will not connect", "Reset a forgotten password"]
        )
        heard = widget.page.locator(".askit-visually-hidden[aria-live=polite]")
        assert heard.inner_text() == ""  # what the panel opens on, not news read out
        assert widget.axe() == []

        answer = widget.says(widget.choice(welcome, "VPN or remote access will not connect").click)
        expect(answer).to_have_attribute("data-decision", "answer")
        expect(answer).to_have_attribute("data-article-id", "vpn-connect")
        expect(answer.locator("strong").first).to_have_text("VPN or remote access will not connect")

        widget.page.reload()  # the same conversation, shown again: not a second welcome
        widget.connected()
        expect(widget.page.locator(".askit-msg")).to_have_count(3)
        expect(widget.page.locator('.askit-from-bot[data-flow="welcome"]')).to_have_count(1)
        assert widget.axe() == []
    finally:
        store.set_chosen("southmere", [])  # the stack is shared


def test_axe_finds_no_wcag_22_aa_violations_and_the_widget_reflows_at_320_px(widget_for: Any) -> None:
    widget = widget_for()
    widget.connected()
    widget.says(lambda: widget.ask("printer"))
    answer = widget.says(lambda: widget.ask("I forgot my password"))
    expect(answer.get_by_role("button", name="No, that didn't help")).to_be_visible()
    assert widget.axe() == []

    widget.page.set_viewport_size({"width": 320, "height": 640})
    assert widget.no_horizontal_scroll()
    assert widget.page.evaluate(
        """() => [...document.querySelector(".askit-host").shadowRoot.querySelectorAll(".askit-msg, .askit-form")]
                 .every((e) => e.scrollWidth <= e.clientWidth + 1)"""
    )
    assert widget.axe() == []


def test_a_known_problem_of_the_users_council_is_shown_before_they_ask_and_kept_up_to_date(
    chat: Chat, widget_for: Any
) -> None:
    store = IncidentStore.open(chat.stack.extra_env["ASKIT_BACKOFFICE_DB"])
    known = IncidentFields(
        title="Riverside telephones down",
        summary="Desk phones at Riverside cannot make outside calls; use Teams calling.",
        questions=("desk phone has no dial tone",),
        councils=("riverside",),
    )
    incident = store.declare(known, source="cli", now=time.time())  # the stack is shared: resolved below
    declared = [incident]
    try:
        riverside = widget_for(staff("riverside"))
        riverside.connected()
        banner = riverside.page.get_by_role("region", name="Known problems")
        expect(banner).to_contain_text("Known problem: Riverside telephones down. Desk phones at Riverside")
        assert riverside.axe() == []
        northbrook = widget_for(staff("northbrook"))
        northbrook.connected()
        expect(northbrook.page.get_by_role("region", name="Known problems")).to_be_hidden()
        # while the tabs stay open: a new one for every council shows in both, a resolved one goes
        everyone = store.declare(
            replace(known, title="E-mail delayed", councils=("all",)), source="cli", now=time.time()
        )
        declared.append(everyone)
        later = 3 * REFRESH_SECONDS * 1000
        expect(northbrook.page.get_by_role("region", name="Known problems")).to_contain_text(
            "Known problem: E-mail delayed.", timeout=later
        )
        store.resolve(incident.id, now=time.time())
        expect(banner).not_to_contain_text("Riverside telephones down", timeout=later)
        expect(banner).to_contain_text("Known problem: E-mail delayed.")
        store.resolve(everyone.id, now=time.time())
        expect(banner).to_be_hidden(timeout=later)
    finally:
        for active in store.listed():
            if active.id in {d.id for d in declared}:
                store.resolve(active.id, now=time.time())


def test_the_floating_panel_passes_axe_fills_a_small_screen_and_honours_reduced_motion(widget_for: Any) -> None:
    widget = widget_for(mode="floating", viewport={"width": 320, "height": 568}, reduced_motion="reduce")
    widget.page.get_by_role("button", name="Ask IT a question").click()
    widget.connected()
    widget.says(lambda: widget.ask("I forgot my password"))
    panel = widget.page.locator(".askit-panel")
    box = panel.bounding_box()
    assert box is not None and (box["x"], box["y"], box["width"]) == (0, 0, 320)
    assert widget.no_horizontal_scroll()
    assert widget.page.evaluate(
        """() => {
            const root = document.querySelector(".askit-host").shadowRoot;
            const panel = getComputedStyle(root.querySelector(".askit-panel"));
            return panel.transitionDuration.split(",").every((d) => parseFloat(d) === 0);
        }"""
    )
    assert widget.axe() == []

    # Keyboard focus leaving the panel for the page it covers: the panel steps aside (WCAG 2.4.11).
    widget.input.focus()
    for _ in range(30):
        if not widget.press("Shift+Tab")["inWidget"]:
            break
    expect(widget.page.get_by_role("button", name="Ask IT a question")).to_have_attribute("aria-expanded", "false")
    page_link = widget.focused()
    assert page_link["name"] == "People" and page_link["onTop"], page_link


def test_html_in_a_message_shows_as_text_also_when_the_bot_quotes_it(widget_for: Any) -> None:
    widget = widget_for()
    widget.connected()
    widget.says(lambda: widget.ask(XSS))
    expect(widget.page.locator(".askit-from-user").last).to_have_text(f"You said: {XSS}")
    widget.says(lambda: widget.ask("I need to log a call"))
    confirm = widget.says(lambda: widget.ask(XSS))  # the summary, which the bot quotes back
    expect(confirm).to_have_attribute("data-flow", "ticket_offer")
    expect(confirm.locator(".askit-text")).to_contain_text(f'"{XSS}"')
    assert widget.page.locator(".askit-host .askit-msg").count() == 7  # the welcome and 6; inside the shadow root
    assert widget.page.locator(".askit-host img").count() == 0
    widget.says(widget.choice(confirm, "No").click)
    assert widget.dialogs == []


def test_the_full_article_opens_as_a_page_with_working_links_to_other_articles(chat: Chat, widget_for: Any) -> None:
    widget = widget_for()
    widget.connected()
    answer = widget.says(lambda: widget.ask("the vpn won't connect from home"))
    with widget.context.expect_page() as opened:
        answer.get_by_role("link", name="Open the full article (opens in a new tab)").click()
    article = opened.value
    expect(article.get_by_role("heading", level=1)).to_have_text("VPN or remote access will not connect")
    expect(article.locator("#article-body.rendered ol").first).to_be_visible()

    article.goto(f"{chat.stack.rasa_url}/webhooks/webchat/articles/crm-login")
    link = article.get_by_role("link", name="Account locked out after too many wrong passwords")
    expect(link).to_have_attribute("href", f"{chat.stack.rasa_url}/webhooks/webchat/articles/account-locked")
    widget.page = article  # the same checks on the article page
    assert widget.axe() == []


@pytest.mark.parametrize(
    "kind,refusal",
    [
        ("no auth", "no token"),
        ("empty", "no token"),
        ("garbage", "invalid token"),
        ("forged signature", "invalid token"),
        ("another key", "invalid token"),
        ("alg none", "invalid token"),
        ("expired", "token expired"),
        ("from another site", "origin not allowed"),
    ],
)
def test_a_connection_without_a_valid_token_is_refused(chat: Chat, kind: str, refusal: str) -> None:
    valid = chat.widget_token("someone")
    header, claims, _ = valid.split(".")
    tokens = {
        "no auth": None,
        "empty": "",
        "garbage": "not-a-jwt",
        "forged signature": f"{header}.{claims}.c2lnbmF0dXJl",
        "another key": mint_token("x" * 43, "someone"),
        "alg none": f"{base64url({'alg': 'none', 'typ': 'JWT'})}.{claims}.",
        "expired": chat.widget_token("someone", lifetime=-3600),
        "from another site": valid,
    }
    origin = "http://evil.example" if kind == "from another site" else None
    with pytest.raises(Refused, match=f"^{refusal}$"):
        WidgetClient(chat.stack.rasa_url, tokens[kind], origin)
    with WidgetClient(chat.stack.rasa_url, valid, intranet_origin()):
        pass  # while the same token, from the intranet, is welcome


def base64url(data: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_refused_page_says_so_and_offers_to_try_again(widget_for: Any) -> None:
    widget = widget_for(Staff(sub="ignored", token="not-a-token"))
    expect(widget.status).to_have_text("AskIT could not sign you in (invalid token).", timeout=30_000)
    expect(widget.page.get_by_role("button", name="Try again")).to_be_visible()


def test_forged_identity_fields_from_the_browser_are_ignored(chat: Chat) -> None:
    who = staff("southmere")
    forged = {
        "metadata": {IDENTITY_KEY: {"id": "the-boss", "email": "boss@riverside.example", "tenant": "riverside"}},
        "sender": "the-boss",
        "session_id": "the-boss",
    }
    with WidgetClient(chat.stack.rasa_url, chat.widget_token(who.sub, email=who.email, name=who.name)) as client:
        client.say("I need to log a call", lambda m: "summary" in m["text"], forged)
        client.say("Projector in room 3 shows no picture", custom_has("step", "confirm_summary"), forged)
        client.say("yes", lambda m: "how bad is it?" in m["text"], forged)
        created = client.say("Just me, I can work around it", custom_has("flow", "ticket_created"), forged)
    ticket = ticket_of(chat, who)
    assert ticket["ref"] == created["custom"]["ticket_ref"]
    assert (ticket["requester_email"], ticket["tenant"]) == (who.email, "southmere")
    assert not [t for t in chat.tickets() if t["requester_id"] == "the-boss"]


def test_a_dropped_connection_comes_back_and_the_conversation_goes_on(
    intranet: Intranet, widget_for: Any, chat: Chat
) -> None:
    widget = widget_for()
    widget.connected()
    widget.says(lambda: widget.ask("I forgot my password"))
    assert intranet.token_requests[widget.key] == 1

    widget.context.set_offline(True)
    expect(widget.status).to_have_text("Reconnecting…")
    widget.ask("no")  # typed while the connection is down: sent once it is back
    expect(widget.page.locator(".askit-from-user").last).to_have_text("You said: no")
    widget.context.set_offline(False)
    offer = widget.next_reply(2)  # after the welcome and the answer
    expect(offer).to_have_attribute(
        "data-flow", "ticket_offer"
    )  # the same conversation: "no" answered "did this help?"
    expect(widget.status).to_have_text("Connected")
    assert intranet.token_requests[widget.key] == 2  # a fresh token for the new connection

    widget.page.reload()
    widget.connected()
    expect(widget.page.locator(".askit-msg")).to_have_count(5)  # the conversation so far, shown again
    assert widget.page.locator(".askit-visually-hidden[aria-live]").inner_text() == ""  # and not read out again
    confirm = widget.says(widget.choice(widget.bot_messages.last, "Yes").click)
    expect(confirm).to_contain_text('"I forgot my password"')  # Rasa kept the conversation too


@pytest.fixture
def dev_chat(dev_teams_chat: Chat) -> Chat:
    return dev_teams_chat


def test_the_demo_page_of_make_run_signs_each_tab_in_as_its_own_demo_user(
    dev_chat: Chat, browser: Browser, open_widgets: list[Widget]
) -> None:
    context = browser.new_context()
    demo = f"{dev_chat.stack.rasa_url}/webhooks/webchat/"
    first, second = Widget(context, demo), Widget(context, demo)
    open_widgets.extend([first, second])
    users = [w.page.locator("#demo-user").inner_text() for w in (first, second)]
    assert users[0] != users[1] and all(u.startswith("demo-") for u in users)
    first.connected()
    answer = first.says(lambda: first.ask("I forgot my password"))
    expect(answer).to_have_attribute("data-article-id", "password-reset")
    second.connected()
    expect(second.page.locator(".askit-msg")).to_have_count(1)  # another person, another conversation:
    expect(second.bot_messages).to_have_attribute("data-flow", "welcome")  # only its welcome
    assert first.axe() == []
