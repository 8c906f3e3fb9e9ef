"""Sign-in with OpenID Connect (Azure AD / Entra ID in production): the authorization-code flow with
PKCE, state and nonce, through Authlib and the issuer's discovery document. A person is made only
from an ID token whose signature, issuer, audience, expiry and nonce Authlib has checked, from an
allowed Azure AD tenant."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
from joserfc.errors import JoseError
from starlette.requests import Request

from bot.backoffice.roles import Person, RoleMap
from bot.backoffice.settings import BackofficeSettings, Oidc

CLIENT_NAME = "askit"
SCOPES = "openid profile email"
LEEWAY_SECONDS = 60  # clock difference allowed between the provider and this server
TENANT_PLACEHOLDER = "{tenantid}"  # Azure AD's multi-tenant discovery documents name the issuer so
HTTP_TIMEOUT = 10.0

logger = logging.getLogger(__name__)


class SignInRefused(Exception):
    """The provider's answer makes nobody signed in; ``reason`` is safe to show and to record."""

    def __init__(self, reason: str, who: str = "unknown", tenant: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.who, self.tenant = reason, who, tenant


def oidc_client(oidc: Oidc) -> StarletteOAuth2App:
    oauth = OAuth()
    client: StarletteOAuth2App = oauth.register(
        CLIENT_NAME,
        client_id=oidc.client_id,
        client_secret=oidc.client_secret.reveal(),
        server_metadata_url=f"{oidc.issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPES, "code_challenge_method": "S256", "timeout": HTTP_TIMEOUT},
    )
    return client


def redirect_uri(settings: BackofficeSettings) -> str:
    return f"{settings.public_url}/signin/callback"


async def _expected_issuer(client: StarletteOAuth2App, oidc: Oidc) -> str:
    """The issuer the discovery document names, which must be the one configured (or Azure AD's
    multi-tenant template of it)."""
    issuer = str((await client.load_server_metadata()).get("issuer", ""))
    if issuer.rstrip("/") != oidc.issuer and TENANT_PLACEHOLDER not in issuer:
        raise SignInRefused("the identity provider's discovery document names another issuer")
    return issuer


async def verified_claims(request: Request, client: StarletteOAuth2App, oidc: Oidc) -> Mapping[str, Any]:
    """The checked ID token claims of the callback in ``request``; SignInRefused says why not."""
    if "error" in request.query_params:
        raise SignInRefused(f"the identity provider answered {request.query_params['error'][:60]}")
    try:
        issuer = await _expected_issuer(client, oidc)

        def issued_by_issuer(claims: Mapping[str, Any], value: Any) -> bool:
            return bool(value == issuer.replace(TENANT_PLACEHOLDER, str(claims.get("tid", ""))))

        # Authlib checks the audience only when told to (its default checks the issuer alone).
        options = {
            "iss": {"essential": True, "validate": issued_by_issuer},
            "aud": {"essential": True, "values": [oidc.client_id]},
            "exp": {"essential": True},
        }
        token = await client.authorize_access_token(request, claims_options=options, leeway=LEEWAY_SECONDS)
    except (AuthlibBaseError, JoseError) as exc:
        # Authlib's and joserfc's names say which check failed (expired_token, invalid_claim: iss/aud, ...).
        raise SignInRefused(f"the ID token was not accepted ({_describe(exc)})") from None
    except httpx.HTTPError as exc:
        logger.warning("back office: the identity provider cannot be reached: %s", type(exc).__name__)
        raise SignInRefused("the identity provider cannot be reached") from None
    claims = token.get("userinfo")
    if not claims:  # Authlib checks the ID token only when the provider sent one
        raise SignInRefused("the identity provider sent no ID token")
    return dict(claims)


def _describe(exc: Exception) -> str:
    error = getattr(exc, "error", None) or type(exc).__name__
    description = getattr(exc, "description", None)
    return f"{error}: {description}"[:200] if description else str(error)[:200]


def person_from_claims(claims: Mapping[str, Any], oidc: Oidc, roles: RoleMap) -> Person:
    """The person the checked claims describe; SignInRefused if their tenant is not allowed."""
    who = str(claims.get("oid") or claims.get("sub") or "unknown")
    tid = str(claims.get("tid") or "").lower()
    if not tid or tid not in oidc.allowed_tenants:
        raise SignInRefused("your organisation is not one allowed to use the AskIT back office", who, tid or None)
    email = claims.get("email") or claims.get("preferred_username")
    name = str(claims.get("name") or email or who)
    return Person(who, name, str(email) if email else None, tid, roles.grants_for(claims))
