"""The Rasa server's side of issue 11, section 3, run in the Rasa environment (pydantic 1): a bad
value in every widget setting stops the start with one line naming it, and tenants.yml, which
both servers read, is checked here too (its checker needs no pydantic)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.channels.errors import WidgetConfigError
from bot.channels.widget_config import SETTINGS, WidgetConfig
from bot.config import ConfigurationError
from bot.identity import load_tenants

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
