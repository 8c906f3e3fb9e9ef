"""Build the Teams app package (manifest + icons in a zip) to sideload or upload to the org catalogue.

    TEAMS_APP_ID=<bot's Microsoft App ID> ASKIT_PUBLIC_URL=https://askit.example make teams-package

Standard library only. The icons are the PNG files in ``teams_icons/`` (a 192x192 colour icon and a
32x32 white-on-transparent outline, as Teams requires); the manifest follows the Teams app manifest
schema v1.30 (checked against Microsoft's published schema in tests).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.paths import ROOT

MANIFEST_VERSION = "1.30"
SCHEMA_URL = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
DEFAULT_OUT = ROOT / "dist" / "askit-teams.zip"
ICONS_DIR = Path(__file__).resolve().parent / "teams_icons"
ICONS = {"color": "color.png", "outline": "outline.png"}  # the manifest's icons: files in ICONS_DIR and the zip
ACCENT = (0x0B, 0x57, 0xD0)  # the widget's blue, the colour icon's background
EXAMPLES = (
    ("I forgot my password", "Reset a forgotten password yourself"),
    ("My VPN won't connect", "Get back onto the council network from home"),
    ("Raise a ticket", "Ask the service desk for help; our conversation goes with it"),
    ("Show my open tickets", "What's happening with the tickets you raised"),
)
_VERSION = re.compile(r'^version = "([0-9]+\.[0-9]+\.[0-9]+)"$', re.MULTILINE)  # pyproject.toml's (tomllib is 3.11+)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


class PackageError(ValueError):
    """A setting is missing or wrong; the message names it."""


def manifest(env: Mapping[str, str]) -> dict[str, Any]:
    app_id = env.get("TEAMS_APP_ID", "").strip()
    if not _GUID.match(app_id):
        raise PackageError("TEAMS_APP_ID must be the bot's Microsoft App ID (a GUID) from its Azure registration")
    public = _https(env, "ASKIT_PUBLIC_URL")
    version = _VERSION.search((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version.group(1) if version else "1.0.0",
        "id": app_id,
        "developer": {
            "name": env.get("ASKIT_TEAMS_DEVELOPER", "Shared ICT Service")[:32],
            "websiteUrl": _https(env, "ASKIT_TEAMS_WEBSITE_URL", public),
            "privacyUrl": _https(env, "ASKIT_TEAMS_PRIVACY_URL", public),
            "termsOfUseUrl": _https(env, "ASKIT_TEAMS_TERMS_URL", public),
        },
        "name": {"short": "AskIT", "full": "AskIT: IT help for council staff"},
        "description": {
            "short": "IT answers in your own words, or a ticket raised for you.",
            "full": "AskIT answers everyday IT questions (passwords, Wi-Fi, VPN, Teams, printing) from the shared "
            "ICT service's knowledge base. When an article doesn't fix it, AskIT raises a ticket with the service "
            "desk, with your conversation attached, so nobody has to ask you again, and tells you how it is going.",
        },
        "icons": dict(ICONS),
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal"],  # one-to-one help: tickets and identity are per person
                "isNotificationOnly": False,
                "supportsFiles": False,
                "commandLists": [
                    {"scopes": ["personal"], "commands": [{"title": t, "description": d} for t, d in EXAMPLES]}
                ],
            }
        ],
        "permissions": ["identity"],
        "validDomains": [urlsplit(public).hostname or ""],
        "defaultInstallScope": "personal",
    }


def _https(env: Mapping[str, str], setting: str, default: str | None = None) -> str:
    value = env.get(setting, "").strip() or default
    if not value:
        raise PackageError(f"{setting} must be set: the https address where staff and Teams reach AskIT")
    if not value.startswith("https://") or not urlsplit(value).hostname:
        raise PackageError(f"{setting} must be an https URL, got {value!r}")
    return value.rstrip("/")


def build(out: Path, env: Mapping[str, str] = os.environ) -> Path:
    """Write the package; every file at the zip's top level, as Teams requires."""
    content = json.dumps(manifest(env), indent=2, ensure_ascii=False)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", content)
        for icon in ICONS.values():
            package.write(ICONS_DIR / icon, icon)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.tools.teams_package", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        out = build(args.out)
    except PackageError as exc:
        print(f"cannot build the Teams package: {exc}", file=sys.stderr)
        return 2
    print(f"Teams app package: {out}  (Teams admin centre > Manage apps > Upload, or sideload it in Teams)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
