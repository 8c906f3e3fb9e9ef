"""The web widget's settings, read from the environment and checked once at start-up.

    ASKIT_WIDGET_JWT_SECRET      HS256 key the host site signs tokens with (at least 32 characters)
    ASKIT_WIDGET_JWT_PUBLIC_KEY  path to the PEM public key of the host site's RS256 signing key
    ASKIT_WIDGET_JWT_ALGORITHM   HS256 | RS256; inferred from which key is set (needed when both are)
    ASKIT_WIDGET_JWT_ISSUER      when set, tokens must carry this ``iss``
    ASKIT_WIDGET_JWT_AUDIENCE    when set, tokens must carry this ``aud``
    ASKIT_WIDGET_ORIGINS         pages (origins) that may connect besides the server's own, comma-separated; * for any
    ASKIT_DEV_MODE=1             development: the demo page mints tokens for demo users (HS256 only)
    ASKIT_DEV_EMAIL_DOMAIN       the demo users' e-mail domain (default northbrook.example)

No key at all is not an error (a deployment may use Teams only): every widget connection is then
refused. A setting that is present but wrong stops the start with a message naming it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from bot.identity import DEV_DOMAIN_SETTING
from bot.secret import Secret

SECRET_SETTING = "ASKIT_WIDGET_JWT_SECRET"
PUBLIC_KEY_SETTING = "ASKIT_WIDGET_JWT_PUBLIC_KEY"
ALGORITHM_SETTING = "ASKIT_WIDGET_JWT_ALGORITHM"
ISSUER_SETTING = "ASKIT_WIDGET_JWT_ISSUER"
AUDIENCE_SETTING = "ASKIT_WIDGET_JWT_AUDIENCE"
ORIGINS_SETTING = "ASKIT_WIDGET_ORIGINS"
DEV_MODE_SETTING = "ASKIT_DEV_MODE"
DEFAULT_DEV_DOMAIN = "northbrook.example"
ALGORITHMS = ("HS256", "RS256")
MIN_SECRET_CHARS = 32  # an HMAC key shorter than the hash is guessable offline from one token
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
_DOMAIN = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class WidgetConfigError(ValueError):
    """A widget setting is present but unusable; the message names it."""


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
        def get(name: str) -> str:
            return env.get(name, "").strip()

        secret, public_key_path, algorithm = get(SECRET_SETTING), get(PUBLIC_KEY_SETTING), get(ALGORITHM_SETTING)
        if algorithm and algorithm not in ALGORITHMS:
            raise WidgetConfigError(f"{ALGORITHM_SETTING} must be one of {', '.join(ALGORITHMS)}, not {algorithm!r}")
        if not algorithm:
            if secret and public_key_path:
                raise WidgetConfigError(
                    f"both {SECRET_SETTING} and {PUBLIC_KEY_SETTING} are set: set {ALGORITHM_SETTING} to choose"
                )
            algorithm = "HS256" if secret else "RS256" if public_key_path else ""
        key: Secret | RSAPublicKey | None = None
        if algorithm == "HS256":
            if len(secret) < MIN_SECRET_CHARS:
                raise WidgetConfigError(f"{SECRET_SETTING} must be at least {MIN_SECRET_CHARS} characters for HS256")
            key = Secret(secret)
        elif algorithm == "RS256":
            key = _public_key(public_key_path)
        dev_mode = get(DEV_MODE_SETTING) == "1"
        if dev_mode and algorithm != "HS256":
            raise WidgetConfigError(
                f"{DEV_MODE_SETTING}=1 needs {SECRET_SETTING}: the demo page signs its tokens with it"
            )
        dev_domain = get(DEV_DOMAIN_SETTING) or DEFAULT_DEV_DOMAIN
        if not _DOMAIN.match(dev_domain):
            raise WidgetConfigError(f"{DEV_DOMAIN_SETTING} must be a domain such as {DEFAULT_DEV_DOMAIN}")
        return cls(
            algorithm=algorithm or None,
            key=key,
            issuer=get(ISSUER_SETTING) or None,
            audience=get(AUDIENCE_SETTING) or None,
            origins=_origins(get(ORIGINS_SETTING)),
            dev_mode=dev_mode,
            dev_email_domain=dev_domain,
        )


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


def _origins(value: str) -> frozenset[str] | None:
    items = [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
    if "*" in items:
        return None
    bad = [o for o in items if not _ORIGIN.match(o)]
    if bad:
        raise WidgetConfigError(
            f"{ORIGINS_SETTING}: {', '.join(bad)} is not an origin such as https://intranet.example (no path)"
        )
    return frozenset(items)
