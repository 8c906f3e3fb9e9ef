"""The web widget's settings, read from the environment and checked once at start-up.

    ASKIT_WIDGET_JWT_SECRET      HS256 key the host site signs tokens with (at least 32 characters)
    ASKIT_WIDGET_JWT_PUBLIC_KEY  path to the PEM public key of the host site's RS256 signing key
    ASKIT_WIDGET_JWT_ALGORITHM   HS256 | RS256; inferred from which key is set (needed when both are)
    ASKIT_WIDGET_JWT_ISSUER      when set, tokens must carry this ``iss``
    ASKIT_WIDGET_JWT_AUDIENCE    when set, tokens must carry this ``aud``
    ASKIT_WIDGET_ORIGINS         pages (origins) that may connect besides the server's own, comma-separated; * for any
    ASKIT_DEV_MODE=1             development: the demo page mints tokens for demo users (HS256 only)
    ASKIT_DEV_EMAIL_DOMAIN       the demo users' e-mail domain (default northbrook.example)
    REDIS_URL                    the Redis several Rasa replicas share (webchat_replicas.py); unset: one process

No key at all is not an error (a deployment may use Teams only): every widget connection is then
refused. A setting that is present but wrong stops the start with one line naming it. ``SETTINGS``
declares them with bot/config.py's ``Setting`` (standard library: this is the Rasa environment,
whose pydantic is version 1); ``ASKIT_DEV_MODE`` is bot/settings.py's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from bot.channels.errors import WidgetConfigError
from bot.channels.settings import channel_settings
from bot.config import DOMAIN, TEXT, Kind, Setting, choice, kind, read_settings
from bot.identity import DEV_DOMAIN_SETTING
from bot.redis_url import REDIS_URL_SETTING, RedisUrl, RedisUrlError
from bot.secret import Secret
from bot.settings import DEV_MODE_SETTING

SECRET_SETTING = "ASKIT_WIDGET_JWT_SECRET"
PUBLIC_KEY_SETTING = "ASKIT_WIDGET_JWT_PUBLIC_KEY"
ALGORITHM_SETTING = "ASKIT_WIDGET_JWT_ALGORITHM"
ISSUER_SETTING = "ASKIT_WIDGET_JWT_ISSUER"
AUDIENCE_SETTING = "ASKIT_WIDGET_JWT_AUDIENCE"
ORIGINS_SETTING = "ASKIT_WIDGET_ORIGINS"
DEFAULT_DEV_DOMAIN = "northbrook.example"
ALGORITHMS = ("HS256", "RS256")
MIN_SECRET_CHARS = 32  # an HMAC key shorter than the hash is guessable offline from one token
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


@dataclass(frozen=True)
class WidgetConfig:
    # None: no key configured, so every connection is refused (``disabled_reason`` says why).
    algorithm: str | None = None
    key: Secret | RSAPublicKey | None = field(default=None, repr=False)
    issuer: str | None = None
    audience: str | None = None
    # Origins allowed besides the server's own; None allows any page (the token still decides).
    origins: frozenset[str] | None = frozenset()
    dev_mode: bool = False
    dev_email_domain: str = DEFAULT_DEV_DOMAIN
    redis_url: Secret | None = field(default=None, repr=False)  # set: one of several replicas

    @property
    def disabled_reason(self) -> str | None:
        if self.algorithm is None:
            return f"no token key configured: set {SECRET_SETTING} (HS256) or {PUBLIC_KEY_SETTING} (RS256)"
        return None

    def verification_key(self) -> Any:
        """What PyJWT verifies with: the HS256 secret's value or the RS256 public key."""
        return self.key.reveal() if isinstance(self.key, Secret) else self.key

    def origin_allowed(self, origin: str | None, own_origin: str | None) -> bool:
        """A browser sends Origin; a client without one (a script, a test) is not a page to restrict."""
        if not origin or self.origins is None:
            return True
        return origin == own_origin or origin in self.origins

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> WidgetConfig:
        """The settings SETTINGS declare, checked; WidgetConfigError names the one at fault."""
        s = read_settings(env, SETTINGS, WidgetConfigError)
        secret, public_key_path, algorithm = s[SECRET_SETTING], s[PUBLIC_KEY_SETTING], s[ALGORITHM_SETTING]
        if not algorithm:
            if secret and public_key_path:
                raise WidgetConfigError(
                    f"both {SECRET_SETTING} and {PUBLIC_KEY_SETTING} are set: set {ALGORITHM_SETTING} to choose"
                )
            algorithm = "HS256" if secret else "RS256" if public_key_path else None
        if algorithm == "HS256" and secret is None:
            raise WidgetConfigError(f"{ALGORITHM_SETTING}=HS256 needs {SECRET_SETTING}: {SETTINGS[0].help}")
        dev = channel_settings(env)[DEV_MODE_SETTING]
        if dev and algorithm != "HS256":
            raise WidgetConfigError(
                f"{DEV_MODE_SETTING}=1 needs {SECRET_SETTING}: the demo page signs its tokens with it"
            )
        key = _public_key(public_key_path) if algorithm == "RS256" else secret
        return cls(
            algorithm=algorithm,
            key=key,
            issuer=s[ISSUER_SETTING],
            audience=s[AUDIENCE_SETTING],
            origins=s[ORIGINS_SETTING],
            dev_mode=dev,
            dev_email_domain=s[DEV_DOMAIN_SETTING],
            redis_url=_with_password_redacted(s[REDIS_URL_SETTING]),
        )


def _with_password_redacted(url: Secret | None) -> Secret | None:
    """The URL, whose password (if any) is also kept out of the logs on its own."""
    password = urlsplit(url.reveal()).password if url is not None else None
    if password:
        Secret(password)
    return url


def _public_key(path: str) -> RSAPublicKey:
    if not path:
        raise WidgetConfigError(f"{ALGORITHM_SETTING}=RS256 needs {PUBLIC_KEY_SETTING} (the PEM public key's path)")
    try:
        key = load_pem_public_key(Path(path).read_bytes())
    except OSError as exc:
        raise WidgetConfigError(f"{PUBLIC_KEY_SETTING}: cannot read {path}: {exc.strerror}") from None
    except ValueError:
        raise WidgetConfigError(f"{PUBLIC_KEY_SETTING}: {path} is not a PEM public key") from None
    if not isinstance(key, RSAPublicKey):
        raise WidgetConfigError(f"{PUBLIC_KEY_SETTING}: {path} is not an RSA public key (RS256 needs one)")
    return key


def _redis_url(value: str) -> str:
    """``value`` if it is a Redis URL as bot/redis_url.py (its one owner: the lock store reads it too) takes it."""
    try:
        RedisUrl.parse(value)
    except RedisUrlError as exc:
        raise ValueError(str(exc).removeprefix(f"{REDIS_URL_SETTING} ")) from None
    return value


def _origins(value: str) -> frozenset[str] | None:
    items = [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
    if "*" in items:
        return None
    bad = [o for o in items if not _ORIGIN.match(o)]
    if bad:
        raise ValueError(f"{', '.join(bad)} is not an origin such as https://intranet.example (no path)")
    return frozenset(items)


SETTINGS = (
    Setting(
        SECRET_SETTING,
        kind(f"at least {MIN_SECRET_CHARS} characters", lambda v: len(v) >= MIN_SECRET_CHARS and v.isprintable()),
        "the HS256 key the host site signs its tokens with",
        secret=True,
    ),
    Setting(PUBLIC_KEY_SETTING, TEXT, "the path of the host site's RS256 public key (PEM)"),
    Setting(ALGORITHM_SETTING, choice(*ALGORITHMS), "the token algorithm; needed only when both keys are set"),
    Setting(ISSUER_SETTING, TEXT, "when set, tokens must carry this iss"),
    Setting(AUDIENCE_SETTING, TEXT, "when set, tokens must carry this aud"),
    Setting(
        ORIGINS_SETTING,
        Kind("origins, comma-separated, or *", _origins, echo=False),
        "pages that may connect besides the server's own",
        default="",
    ),
    Setting(DEV_DOMAIN_SETTING, DOMAIN, "development: the demo users' e-mail domain", default=DEFAULT_DEV_DOMAIN),
    Setting(
        REDIS_URL_SETTING,
        Kind("a Redis URL", _redis_url, echo=False),
        "the Redis the Rasa replicas share (widget sessions and pushes; Rasa's lock store); unset: one process",
        secret=True,  # it may hold a password
    ),
)
