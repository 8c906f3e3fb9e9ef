"""EVENTS_AMQP_URL read in one place (bot/amqp_url.py): its parts, and a clear refusal that never shows the password."""

from __future__ import annotations

import pytest

from bot.amqp_url import AmqpUrl, AmqpUrlError, amqp_url

PASSWORD = "p@ss:word/not-logged"


def test_the_parts_of_a_url_with_an_escaped_password_and_a_virtual_host() -> None:
    url = AmqpUrl.parse("amqp://askit:p%40ss%3Aword%2Fnot-logged@rabbit.internal:5673/insights%2Fprod")
    assert (url.host, url.port, url.vhost, url.username, url.tls) == (
        "rabbit.internal",
        5673,
        "insights/prod",
        "askit",
        False,
    )
    assert url.password.reveal() == PASSWORD and PASSWORD not in repr(url)
    assert url.address() == "amqp://rabbit.internal:5673/insights%2Fprod"


def test_defaults_the_port_by_scheme_and_the_virtual_host_to_slash() -> None:
    assert (AmqpUrl.parse("amqps://u:p@mq").port, AmqpUrl.parse("amqps://u:p@mq").tls) == (5671, True)
    assert AmqpUrl.parse("amqp://u:p@mq/").port == 5672 and AmqpUrl.parse("amqp://u:p@mq/").vhost == "/"


def test_unset_or_blank_is_no_rabbitmq() -> None:
    assert amqp_url({}) is None and amqp_url({"EVENTS_AMQP_URL": "  "}) is None


@pytest.mark.parametrize(
    "url,fault",
    [
        ("redis://u:p@mq/", "the scheme must be amqp or amqps"),
        ("amqp://u:p@mq:99999/", "the port or the address is not valid"),
        ("amqp://mq/", "the user and the password are missing"),
        ("amqp://u:p@/", "the host is missing"),
        ("amqp://u:p@mq/a/b", "only a virtual host may follow the address"),
        ("amqp://u:p@mq/?heartbeat=5", "only a virtual host may follow the address"),
        ("amqp://u:p w@mq/", "it holds a space or a control character"),
    ],
)
def test_a_malformed_url_is_refused_naming_the_setting_and_the_fault(url: str, fault: str) -> None:
    with pytest.raises(AmqpUrlError) as refused:
        amqp_url({"EVENTS_AMQP_URL": url.replace("u:p", f"u:{PASSWORD.replace('@', '%40').replace('/', '%2F')}")})
    assert (
        str(refused.value)
        == f"EVENTS_AMQP_URL must look like amqp://user:password@host:port/vhost (or amqps:// for TLS): {fault}"
    )
    assert "not-logged" not in str(refused.value)
