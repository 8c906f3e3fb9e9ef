"""REDIS_URL, read in one place (bot/redis_url.py): its parts, and a malformed one refused with a
message that names the setting and never shows the password."""

from __future__ import annotations

import pytest

from bot.redis_url import RedisUrl, RedisUrlError, redis_url

PASSWORD = "s3cret-Pa55word"


@pytest.mark.parametrize(
    "url,expected",
    [
        ("redis://127.0.0.1:6380/2", ("127.0.0.1", 6380, 2, None, None, False)),
        (f"redis://:{PASSWORD}@redis.internal:6379/0", ("redis.internal", 6379, 0, None, PASSWORD, False)),
        (f"rediss://askit:{PASSWORD}@redis.internal:6380/1", ("redis.internal", 6380, 1, "askit", PASSWORD, True)),
        ("redis://:p%40ss%3Aword@localhost", ("localhost", 6379, 0, None, "p@ss:word", False)),  # defaults
        ("redis://[::1]:6379/3", ("::1", 6379, 3, None, None, False)),
    ],
)
def test_a_url_gives_its_parts(url: str, expected: tuple[object, ...]) -> None:
    parsed = RedisUrl.parse(url)
    password = parsed.password.reveal() if parsed.password else None
    assert (parsed.host, parsed.port, parsed.db, parsed.username, password, parsed.tls) == expected
    assert PASSWORD not in repr(parsed)


@pytest.mark.parametrize(
    "url,fault",
    [
        (f"http://:{PASSWORD}@redis.internal:6379/0", "the scheme must be redis or rediss"),
        (f"redis://:{PASSWORD}@:6379/0", "the host is missing"),
        (f"redis://:{PASSWORD}@redis.internal:port/0", "the port or the address is not valid"),
        (f"redis://:{PASSWORD}@redis.internal:70000/0", "the port or the address is not valid"),
        (f"redis://:{PASSWORD}@redis.internal:0/0", "the port is not valid"),
        (f"redis://:{PASSWORD}@redis.internal:6379/zero", "the database must be a number"),
        (f"redis://:{PASSWORD}@redis.internal:6379/0?ssl_cert_reqs=none", "options after '?' or '#'"),
        (f"redis.internal:6379 {PASSWORD}", "the scheme must be redis or rediss"),
    ],
)
def test_a_malformed_url_is_refused_naming_the_setting_not_the_password(url: str, fault: str) -> None:
    with pytest.raises(RedisUrlError) as refused:
        redis_url({"REDIS_URL": url})
    message = str(refused.value)
    assert message.startswith("REDIS_URL must look like redis://") and fault in message
    assert PASSWORD not in message


@pytest.mark.parametrize("env", [{}, {"REDIS_URL": ""}, {"REDIS_URL": "  "}])
def test_unset_or_blank_means_no_redis(env: dict[str, str]) -> None:
    assert redis_url(env) is None
