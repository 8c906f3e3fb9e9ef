"""The widget's settings: what each combination means, and errors that name the setting."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from bot.channels.errors import ChannelConfigError, WidgetConfigError
from bot.channels.widget_config import WidgetConfig

SECRET = "k" * 32


def pem_file(tmp_path: Path, key: object, name: str = "key.pem") -> str:
    path = tmp_path / name
    path.write_bytes(
        key.public_key().public_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return str(path)


def test_defaults_refuse_everyone_and_say_why() -> None:
    config = WidgetConfig.from_env({})
    assert config.algorithm is None and not config.dev_mode
    assert "ASKIT_WIDGET_JWT_SECRET" in (config.disabled_reason or "")


def test_the_secret_is_never_shown() -> None:
    config = WidgetConfig.from_env({"ASKIT_WIDGET_JWT_SECRET": SECRET})
    assert config.algorithm == "HS256" and config.verification_key() == SECRET
    assert SECRET not in repr(config) and SECRET not in str(config)


def test_rs256_from_a_public_key_file(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    config = WidgetConfig.from_env({"ASKIT_WIDGET_JWT_PUBLIC_KEY": pem_file(tmp_path, key)})
    assert config.algorithm == "RS256" and isinstance(config.verification_key(), rsa.RSAPublicKey)


@pytest.mark.parametrize(
    "env,setting",
    [
        ({"ASKIT_WIDGET_JWT_SECRET": "short"}, "ASKIT_WIDGET_JWT_SECRET"),
        ({"ASKIT_WIDGET_JWT_ALGORITHM": "none", "ASKIT_WIDGET_JWT_SECRET": SECRET}, "ASKIT_WIDGET_JWT_ALGORITHM"),
        ({"ASKIT_WIDGET_JWT_ALGORITHM": "HS512", "ASKIT_WIDGET_JWT_SECRET": SECRET}, "ASKIT_WIDGET_JWT_ALGORITHM"),
        ({"ASKIT_WIDGET_JWT_ALGORITHM": "HS256"}, "ASKIT_WIDGET_JWT_SECRET"),
        ({"ASKIT_WIDGET_JWT_ALGORITHM": "RS256", "ASKIT_WIDGET_JWT_SECRET": SECRET}, "ASKIT_WIDGET_JWT_PUBLIC_KEY"),
        ({"ASKIT_WIDGET_JWT_SECRET": SECRET, "ASKIT_WIDGET_JWT_PUBLIC_KEY": "/k.pem"}, "ASKIT_WIDGET_JWT_ALGORITHM"),
        ({"ASKIT_WIDGET_JWT_PUBLIC_KEY": "/no/such/file.pem"}, "ASKIT_WIDGET_JWT_PUBLIC_KEY"),
        ({"ASKIT_DEV_MODE": "1"}, "ASKIT_WIDGET_JWT_SECRET"),
        ({"ASKIT_WIDGET_JWT_SECRET": SECRET, "ASKIT_WIDGET_ORIGINS": "intranet.example"}, "ASKIT_WIDGET_ORIGINS"),
        ({"ASKIT_WIDGET_JWT_SECRET": SECRET, "ASKIT_WIDGET_ORIGINS": "https://a.example/path"}, "ASKIT_WIDGET_ORIGINS"),
        (
            {"ASKIT_DEV_MODE": "1", "ASKIT_WIDGET_JWT_SECRET": SECRET, "ASKIT_DEV_EMAIL_DOMAIN": "x y"},
            "ASKIT_DEV_EMAIL_DOMAIN",
        ),
    ],
)
def test_wrong_settings_stop_the_start_naming_the_setting(env: dict[str, str], setting: str) -> None:
    with pytest.raises(WidgetConfigError, match=setting):
        WidgetConfig.from_env(env)


@pytest.mark.parametrize("content", [b"not a key", b""])
def test_a_file_that_is_not_a_public_key_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.pem"
    path.write_bytes(content)
    with pytest.raises(WidgetConfigError, match="is not a PEM public key"):
        WidgetConfig.from_env({"ASKIT_WIDGET_JWT_PUBLIC_KEY": str(path)})


def test_rs256_needs_an_rsa_key(tmp_path: Path) -> None:
    path = pem_file(tmp_path, ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(WidgetConfigError, match="not an RSA public key"):
        WidgetConfig.from_env({"ASKIT_WIDGET_JWT_PUBLIC_KEY": path})


@pytest.mark.parametrize(
    "origins,origin,allowed",
    [
        ("", "https://askit.example", True),  # the server's own pages
        ("", "https://intranet.example", False),
        ("", None, True),  # no Origin: not a browser page
        ("https://intranet.example, https://other.example/", "https://other.example", True),
        ("https://intranet.example", "https://evil.example", False),
        ("https://intranet.example", "https://intranet.example.evil.example", False),
        ("*", "https://anything.example", True),
    ],
)
def test_which_pages_may_connect(origins: str, origin: str | None, allowed: bool) -> None:
    config = WidgetConfig.from_env({"ASKIT_WIDGET_JWT_SECRET": SECRET, "ASKIT_WIDGET_ORIGINS": origins})
    assert config.origin_allowed(origin, "https://askit.example") is allowed


def test_development_mode() -> None:
    config = WidgetConfig.from_env({"ASKIT_WIDGET_JWT_SECRET": SECRET, "ASKIT_DEV_MODE": "1"})
    assert config.dev_mode and config.dev_email_domain == "northbrook.example"
    other = WidgetConfig.from_env(
        {"ASKIT_WIDGET_JWT_SECRET": SECRET, "ASKIT_DEV_MODE": "1", "ASKIT_DEV_EMAIL_DOMAIN": "riverside.example"}
    )
    assert other.dev_email_domain == "riverside.example"
    # Only "1" turns it on; anything but 0 or 1 stops the start, naming it, rather than guessing.
    with pytest.raises(ChannelConfigError, match=r"^ASKIT_DEV_MODE: must be 0 or 1, got 'yes'$"):
        WidgetConfig.from_env({"ASKIT_WIDGET_JWT_SECRET": SECRET, "ASKIT_DEV_MODE": "yes"})
    assert not WidgetConfig.from_env({"ASKIT_WIDGET_JWT_SECRET": SECRET, "ASKIT_DEV_MODE": "0"}).dev_mode
