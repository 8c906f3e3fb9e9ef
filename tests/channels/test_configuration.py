"""The Rasa server's side of issue 11, section 3, run in the Rasa environment (pydantic 1): a bad
value in every widget setting stops the start with one line naming it, and tenants.yml, which
both servers read, is checked here too (its checker needs no pydantic)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.channels.errors import ChannelConfigError, WidgetConfigError
from bot.channels.rest import RestInput
from bot.channels.settings import SETTINGS as CHANNEL_SETTINGS
from bot.channels.settings import channel_settings
from bot.channels.webchat import WebChatInput
from bot.channels.widget_config import SETTINGS, WidgetConfig
from bot.config import ConfigurationError
from bot.identity import IdentitySeal, load_tenants

SECRET = "k" * 32
# Rows: the settings, and the line that stops the start.
ROWS: list[tuple[dict[str, str], str]] = [
    ({"ASKIT_WIDGET_JWT_SECRET": "short"}, "ASKIT_WIDGET_JWT_SECRET: is not valid (must be at least 32 characters)"),
    (
        {"ASKIT_WIDGET_JWT_PUBLIC_KEY": "/no/such/key.pem"},
        "ASKIT_WIDGET_JWT_PUBLIC_KEY: cannot read /no/such/key.pem: No such file or directory",
    ),
    (
        {"ASKIT_WIDGET_JWT_ALGORITHM": "none", "ASKIT_WIDGET_JWT_SECRET": SECRET},
        "ASKIT_WIDGET_JWT_ALGORITHM: must be one of HS256, RS256, got 'none'",
    ),
    ({"ASKIT_WIDGET_JWT_ISSUER": "a\tb"}, "ASKIT_WIDGET_JWT_ISSUER: must be one line of text, got 'a\\tb'"),
    ({"ASKIT_WIDGET_JWT_AUDIENCE": "a\nb"}, "ASKIT_WIDGET_JWT_AUDIENCE: must be one line of text, got 'a\\nb'"),
    (
        {"ASKIT_WIDGET_ORIGINS": "intranet.example, https://ok.example"},
        "ASKIT_WIDGET_ORIGINS: intranet.example is not an origin such as https://intranet.example (no path)",
    ),
    ({"ASKIT_DEV_EMAIL_DOMAIN": "x y"}, "ASKIT_DEV_EMAIL_DOMAIN: must be a domain name, got 'x y'"),
    (
        {"REDIS_URL": "http://:short@cache:6379/0"},
        "REDIS_URL: is not valid (must look like redis://[:password@]host:port/db (or rediss:// for TLS): "
        "the scheme must be redis or rediss)",
    ),
    # What no single setting says.
    (
        {"ASKIT_WIDGET_JWT_ALGORITHM": "HS256"},
        "ASKIT_WIDGET_JWT_ALGORITHM=HS256 needs ASKIT_WIDGET_JWT_SECRET: "
        "the HS256 key the host site signs its tokens with",
    ),
    (
        {"ASKIT_WIDGET_JWT_ALGORITHM": "RS256", "ASKIT_WIDGET_JWT_SECRET": SECRET},
        "ASKIT_WIDGET_JWT_ALGORITHM=RS256 needs ASKIT_WIDGET_JWT_PUBLIC_KEY (the PEM public key's path)",
    ),
]


@pytest.mark.parametrize("env,expected", ROWS)
def test_a_bad_widget_setting_stops_the_start_with_one_line(env: dict[str, str], expected: str) -> None:
    with pytest.raises(WidgetConfigError) as raised:
        WidgetConfig.from_env(env)
    assert str(raised.value) == expected
    assert "short" not in str(raised.value)  # the secret's value is never shown


def test_the_rows_cover_every_widget_setting() -> None:
    covered = {name for env, expected in ROWS for name in env if expected.startswith(f"{name}:")}
    assert covered == {s.name for s in SETTINGS}


# The settings every channel shares (bot/channels/settings.py): each channel checks them when Rasa
# makes it, so the Rasa server stops before serving (tests/e2e/test_bad_configuration.py).
CHANNEL_ROWS: list[tuple[dict[str, str], str]] = [
    ({"ASKIT_DEV_MODE": "yes"}, "ASKIT_DEV_MODE: must be 0 or 1, got 'yes'"),
    (
        {"ASKIT_REST_TOKEN": "two words"},
        "ASKIT_REST_TOKEN: is not valid (must be a token without spaces or control characters)",
    ),
    ({"ASKIT_PUBLIC_URL": "askit.example"}, "ASKIT_PUBLIC_URL: must be an http(s) URL, got 'askit.example'"),
    (
        {"ASKIT_ARTICLE_URL": "https://intranet.example/kb/"},
        "ASKIT_ARTICLE_URL: must be an http(s) URL containing {id}, got 'https://intranet.example/kb/'",
    ),
]
CHANNELS: list[Callable[[dict[str, str]], object]] = [
    RestInput,
    lambda env: WebChatInput(env=env, seal=IdentitySeal(SECRET)),
    lambda env: channel_settings(env),
]


@pytest.mark.parametrize("env,expected", CHANNEL_ROWS)
@pytest.mark.parametrize("make", CHANNELS, ids=["REST", "web widget", "the shared check"])
def test_a_bad_shared_setting_stops_each_channel_with_one_line(
    make: Callable[[dict[str, str]], object], env: dict[str, str], expected: str
) -> None:
    with pytest.raises(ChannelConfigError) as raised:
        make({"ASKIT_WIDGET_JWT_SECRET": SECRET, **env})
    assert str(raised.value) == expected
    assert "two words" not in str(raised.value)  # a token's value is never shown


def test_the_rows_cover_every_shared_channel_setting() -> None:
    covered = {name for env, expected in CHANNEL_ROWS for name in env if expected.startswith(f"{name}:")}
    assert covered == {s.name for s in CHANNEL_SETTINGS}


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "tenants:\n  riverside: {email_domains: [x y]}\n",
            "tenants.riverside.email_domains[0]: must be a domain name, got 'x y'",
        ),
        (
            "tenants:\n  riverside: {azure_tenant_ids: 7}\n",
            "tenants.riverside.azure_tenant_ids: must be a list, each a GUID, got 7",
        ),
    ],
)
def test_tenants_yml_is_checked_in_the_rasa_environment(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "tenants.yml"
    path.write_text(text)
    with pytest.raises(ConfigurationError) as raised:
        load_tenants(path)
    assert str(raised.value) == f"{path}: {expected}"
