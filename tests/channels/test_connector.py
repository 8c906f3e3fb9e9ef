"""The Bot Framework connector client against the fake Bot Framework on loopback: a throttled
connector is waited for as long as its Retry-After says, and a Retry-After in either of HTTP's
two forms is read."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
from collections.abc import Iterator

import pytest

from bot.channels.connector import AppCredentials, ConnectorClient, retry_after
from bot.channels.errors import ConnectorError
from bot.secret import Secret
from tests.channels.fake_botframework import FakeBotFramework


@pytest.fixture
def bf() -> Iterator[FakeBotFramework]:
    fake = FakeBotFramework().start()
    yield fake
    fake.stop()


def send(bf: FakeBotFramework, text: str) -> dict[str, object]:
    async def main() -> dict[str, object]:
        client = ConnectorClient(AppCredentials(bf.app_id, Secret(bf.app_password), login_url=bf.url))
        try:
            return await client.send(bf.service_url, "19:agents@thread.tacv2", {"type": "message", "text": text})
        finally:
            await client.close()

    return asyncio.run(main())


def test_a_429_is_sent_again_only_after_its_retry_after(bf: FakeBotFramework) -> None:
    bf.throttle(2, retry_after="1")
    sent = send(bf, "a new request")
    assert sent["id"] == "reply-1"
    [delivered] = bf.sent
    assert [t.activity["text"] for t in bf.throttled] == ["a new request", "a new request"]
    assert bf.throttled[1].at - bf.throttled[0].at >= 1.0
    assert delivered.at - bf.throttled[1].at >= 1.0


def test_a_connector_still_throttling_after_three_tries_is_an_error(bf: FakeBotFramework) -> None:
    bf.throttle(3, retry_after="0")
    with pytest.raises(ConnectorError) as refused:
        send(bf, "a new request")
    assert refused.value.status == 429 and refused.value.retry_after == 0.0
    assert len(bf.throttled) == 3 and bf.sent == []


def test_retry_after_is_read_as_seconds_or_as_a_date() -> None:
    in_a_minute = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=60)
    assert retry_after("7") == 7.0
    assert 55 <= (retry_after(email.utils.format_datetime(in_a_minute, usegmt=True)) or 0) <= 60
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date gone by: now
    assert retry_after(None) is None and retry_after("soon") is None and retry_after("-3") == 0.0
