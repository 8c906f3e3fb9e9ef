from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from collections.abc import Iterator

import pytest

from bot.secret import Secret
from bot.servicedesk import AuthenticationFailed, ConfigError, DeskReply, Requester, TicketNotFound
from bot.servicedesk.errors import BadResponse, Unsupported
from bot.servicedesk.webhook import WebhookDesk, verify_signature
from tests.servicedesk.contract import ALICE, DeskCase, failure_tests, ticket_request
from tests.servicedesk.fake_webhook import BASE, SECRET, FakeWebhookReceiver


def make_fake() -> FakeWebhookReceiver:
    fake = FakeWebhookReceiver()
    fake.add_ticket("alice@northbrook.example", "Printer jams")
    return fake


def settings(url: str) -> dict[str, str]:
    return {"ASKIT_WEBHOOK_URL": url + BASE, "ASKIT_WEBHOOK_SECRET": SECRET}


CASE = DeskCase(
    fake=make_fake,
    adapter=WebhookDesk.from_env,
    env=settings,
    secrets=(SECRET,),
    existing_ref="DESK-501",
)
test_failures = failure_tests(CASE)


@pytest.fixture
def webhook() -> Iterator[tuple[FakeWebhookReceiver, WebhookDesk]]:
    fake, desk = CASE.start()
    assert isinstance(fake, FakeWebhookReceiver) and isinstance(desk, WebhookDesk)
    yield fake, desk
    fake.stop()


def expected_signature(timestamp: str, signed: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + signed, hashlib.sha256).hexdigest()


def test_create_posts_a_signed_idempotent_event(webhook: tuple[FakeWebhookReceiver, WebhookDesk]) -> None:
    fake, desk = webhook
    ref = desk.create_ticket(ticket_request())
    (post,) = fake.seen
    assert (post.method, post.path, post.headers["content-type"]) == ("POST", BASE, "application/json")
    assert post.headers["idempotency-key"] == "3f1c2a9e-askit-corr-0001"
    timestamp = post.headers["x-askit-timestamp"]
    assert abs(int(timestamp) - time.time()) < 5
    assert post.headers["x-askit-signature"] == expected_signature(timestamp, post.body)
    assert post.json() == {
        "event": "ticket.create",
        "correlation_id": "3f1c2a9e-askit-corr-0001",
        "ticket": {
            "summary": "VPN drops every hour",
            "description": "VPN drops every hour\n\nConversation transcript:\nUser: my vpn keeps dropping",
            "category": "connectivity",
            "priority": "P2",
            "resolver_group": "network",
            "requester": {
                "id": "teams:alice-aad-id",
                "email": "alice@northbrook.example",
                "name": "Alice Example",
                "tenant": "northbrook",
            },
        },
    }
    assert (ref.ref, ref.url) == ("DESK-502", "https://desk.example/DESK-502")
    assert desk.create_ticket(ticket_request()) == ref and len(fake.tickets) == 2


def test_find_status_list_and_comment(webhook: tuple[FakeWebhookReceiver, WebhookDesk]) -> None:
    fake, desk = webhook
    assert desk.find_by_correlation("3f1c2a9e-askit-corr-0001") is None
    find = fake.seen[-1]
    assert (find.method, find.path, find.query) == (
        "GET",
        f"{BASE}/tickets",
        {"correlation_id": "3f1c2a9e-askit-corr-0001"},
    )
    signed = f"{BASE}/tickets?correlation_id=3f1c2a9e-askit-corr-0001".encode()
    assert find.headers["x-askit-signature"] == expected_signature(find.headers["x-askit-timestamp"], signed)
    ref = desk.create_ticket(ticket_request())
    assert desk.find_by_correlation("3f1c2a9e-askit-corr-0001") == ref

    status = desk.get_status(ref.ref)
    assert (fake.seen[-1].method, fake.seen[-1].path) == ("GET", f"{BASE}/tickets/DESK-502")
    assert (status.ref, status.status, status.summary) == ("DESK-502", "new", "VPN drops every hour")
    assert status.belongs_to(ALICE) and not status.belongs_to(Requester("web:bob", "bob@northbrook.example"))

    fake.add_ticket("alice@northbrook.example", "Monitor flickers", status="pending", updated_at="2026-11-21T08:00:00Z")
    fake.add_ticket("alice@northbrook.example", "Old laptop", status="closed")
    fake.add_ticket("bob@northbrook.example", "Bob's VPN")
    fake.tickets[0]["status"] = "resolved"
    assert [(t.ref, t.status) for t in desk.list_open(ALICE)] == [("DESK-502", "new"), ("DESK-503", "pending")]
    listing = fake.seen[-1]
    assert listing.query == {"requester": "alice@northbrook.example", "open": "true"}
    signed = f"{BASE}/tickets?requester=alice%40northbrook.example&open=true".encode()
    assert listing.headers["x-askit-signature"] == expected_signature(listing.headers["x-askit-timestamp"], signed)
    assert desk.list_open(Requester(id="web:sam")) == []

    desk.add_comment(ref.ref, "Now on my second laptop too")
    desk.add_comment(ref.ref, "Now on my second laptop too")
    comment = fake.seen[-1]
    assert comment.json() == {"event": "ticket.comment", "ref": "DESK-502", "text": "Now on my second laptop too"}
    key = hashlib.sha256(b"DESK-502\nNow on my second laptop too").hexdigest()
    assert comment.headers["idempotency-key"] == key
    assert fake.comments["DESK-502"] == ["Now on my second laptop too"]


def test_a_ref_is_percent_encoded_in_the_path_and_unknown_refs_are_not_found(
    webhook: tuple[FakeWebhookReceiver, WebhookDesk],
) -> None:
    fake, desk = webhook
    with pytest.raises(TicketNotFound):
        desk.get_status("DESK 9/9")
    assert fake.seen[-1].path == f"{BASE}/tickets/DESK%209%2F9"
    with pytest.raises(TicketNotFound):
        desk.add_comment("DESK-999", "hello")


def test_a_receiver_rejects_a_wrong_secret_or_a_stale_timestamp(
    webhook: tuple[FakeWebhookReceiver, WebhookDesk],
) -> None:
    fake, desk = webhook
    wrong = WebhookDesk(desk.client, Secret("wh-some-other-secret"))
    with pytest.raises(AuthenticationFailed):
        wrong.create_ticket(ticket_request())
    stale = WebhookDesk(desk.client, desk.secret, clock=lambda: time.time() - 301)
    with pytest.raises(AuthenticationFailed):
        stale.get_status("DESK-501")
    assert len(fake.tickets) == 1


def test_lookups_can_be_switched_off(webhook: tuple[FakeWebhookReceiver, WebhookDesk]) -> None:
    fake, _ = webhook
    desk = WebhookDesk.from_env({**settings(fake.url), "ASKIT_WEBHOOK_LOOKUPS": "0"})
    for lookup in (
        lambda: desk.find_by_correlation("corr"),
        lambda: desk.get_status("DESK-501"),
        lambda: desk.list_open(ALICE),
        lambda: desk.latest_reply("DESK-501"),
    ):
        with pytest.raises(Unsupported):
            lookup()
    assert fake.seen == []
    assert desk.create_ticket(ticket_request()).ref == "DESK-502"
    desk.add_comment("DESK-502", "thanks")


def at(minute: int) -> dt.datetime:
    return dt.datetime(2026, 11, 22, 10, minute, tzinfo=dt.timezone.utc)


def test_the_latest_reply_is_the_newest_public_one_from_the_desk(
    webhook: tuple[FakeWebhookReceiver, WebhookDesk],
) -> None:
    fake, desk = webhook
    assert desk.latest_reply("DESK-501") is None  # nothing written on the ticket yet: "latest_reply": null
    fake.add_update("DESK-501", "Could you restart the VPN client?", "2026-11-22T10:01:00Z")
    fake.add_update("DESK-501", "We replaced your VPN profile; please try again.", "2026-11-22T10:05:00Z")
    fake.add_update("DESK-501", "Internal: firewall rule 42 again", "2026-11-22T10:20:00Z", public=False)
    fake.add_update("DESK-501", "It still drops", "2026-11-22T10:25:00Z", by="requester")
    desk.add_comment("DESK-501", "And on my second laptop")  # the requester's, sent by AskIT, newest of all
    calls = len(fake.seen)

    reply = desk.latest_reply("DESK-501")
    assert reply == DeskReply("We replaced your VPN profile; please try again.", at(5))
    assert len(fake.seen) == calls + 1  # one lookup: the ticket itself
    get = fake.seen[-1]
    assert (get.method, get.path, get.query, get.body) == ("GET", f"{BASE}/tickets/DESK-501", {}, b"")
    signed = f"{BASE}/tickets/DESK-501".encode()
    assert get.headers["x-askit-signature"] == expected_signature(get.headers["x-askit-timestamp"], signed)


def test_the_group_is_the_desks_name_for_the_team(webhook: tuple[FakeWebhookReceiver, WebhookDesk]) -> None:
    fake, desk = webhook
    fake.add_ticket(
        "alice@northbrook.example", "Monitor flickers", updated_at="2026-11-21T08:00:00Z", group="Desktop Support"
    )
    assert desk.get_status("DESK-502").group == "Desktop Support"
    assert desk.get_status("DESK-501").group is None  # "group": null
    assert [t.group for t in desk.list_open(ALICE)] == ["Desktop Support", None]


def test_a_receiver_built_before_group_and_latest_reply_keeps_working(
    webhook: tuple[FakeWebhookReceiver, WebhookDesk],
) -> None:
    fake, desk = webhook
    fake.fields_added_later = False
    fake.add_update("DESK-501", "We replaced your VPN profile", "2026-11-22T10:05:00Z")
    assert "latest_reply" not in fake._public(fake.tickets[0]) and "group" not in fake._public(fake.tickets[0])
    assert desk.latest_reply("DESK-501") is None
    status = desk.get_status("DESK-501")
    assert (status.ref, status.status, status.group) == ("DESK-501", "open", None)


def test_the_latest_reply_of_an_unknown_ticket_and_an_unreadable_reply(
    webhook: tuple[FakeWebhookReceiver, WebhookDesk],
) -> None:
    fake, desk = webhook
    with pytest.raises(TicketNotFound):
        desk.latest_reply("DESK 9/9")
    assert fake.seen[-1].path == f"{BASE}/tickets/DESK%209%2F9"

    fake.fields_added_later = False
    fake.tickets[0]["latest_reply"] = "We replaced your VPN profile"  # not the documented object
    with pytest.raises(BadResponse, match="latest_reply"):
        desk.latest_reply("DESK-501")
    fake.tickets[0]["latest_reply"] = {"text": "Fixed, please reboot", "at": None}
    assert desk.latest_reply("DESK-501") == DeskReply("Fixed, please reboot", None)
    fake.tickets[0]["latest_reply"] = {"at": "2026-11-22T10:05:00Z"}
    with pytest.raises(BadResponse, match="text"):
        desk.latest_reply("DESK-501")


@pytest.mark.parametrize(
    "timestamp,body,header,now,ok",
    [
        ("1700000000", b'{"a": 1}', None, 1700000000, True),
        ("1700000000", b'{"a": 1}', None, 1700000300, True),
        ("1700000000", b'{"a": 1}', None, 1699999700, True),
        ("1700000000", b'{"a": 1}', None, 1700000301, False),  # too old: a replay
        ("1700000000", b'{"a": 1}', None, 1699999699, False),  # from the future
        ("1700000000", b'{"a": 2}', "sha256=", 1700000000, False),  # another body
        ("1700000000", b'{"a": 1}', "sha256=" + "0" * 64, 1700000000, False),
        ("1700000000", b'{"a": 1}', "", 1700000000, False),
        ("1700000000", b'{"a": 1}', "sha256=é", 1700000000, False),
        ("17e8", b'{"a": 1}', None, 1700000000, False),
        ("", b'{"a": 1}', None, 1700000000, False),
    ],
)
def test_verify_signature(timestamp: str, body: bytes, header: str | None, now: float, ok: bool) -> None:
    good = expected_signature(timestamp, b'{"a": 1}')
    if header == "sha256=":
        header = good  # signed for the original body
    assert verify_signature(SECRET.encode(), timestamp, body, good if header is None else header, now) is ok
    assert not verify_signature(b"another-secret", timestamp, body, good, now)


@pytest.mark.parametrize(
    "change,named",
    [
        ({"ASKIT_WEBHOOK_URL": ""}, "ASKIT_WEBHOOK_URL"),
        ({"ASKIT_WEBHOOK_SECRET": ""}, "ASKIT_WEBHOOK_SECRET"),
        ({"ASKIT_WEBHOOK_LOOKUPS": "no"}, "ASKIT_WEBHOOK_LOOKUPS"),
    ],
)
def test_a_bad_setting_is_named(change: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        WebhookDesk.from_env({**settings("https://desk.council.example"), **change})
