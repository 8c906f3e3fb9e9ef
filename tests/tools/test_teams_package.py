"""`make teams-package`: a zip Teams accepts, its manifest valid against Microsoft's own schema."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import jsonschema
import pytest

from bot.paths import ROOT
from bot.tools.teams_package import ICONS, ICONS_DIR, MANIFEST_VERSION, PackageError, build

SCHEMA = (
    ROOT / f"tests/e2e/node_modules/@microsoft/app-manifest/build/json-schemas/teams/v{MANIFEST_VERSION}"
    "/MicrosoftTeams.schema.json"
)
APP_ID = "0f3a9d6e-5a7b-4c1e-8d2f-6b1e9c0a7d11"
ENV = {"TEAMS_APP_ID": APP_ID, "ASKIT_PUBLIC_URL": "https://askit.sharedict.example/"}


def pixels(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Width, height and RGBA pixels of a PNG this project wrote (one IDAT, filter 0)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (depth, colour) == (8, 6)
    idat_length = struct.unpack(">I", data[33:37])[0]
    raw = zlib.decompress(data[41 : 41 + idat_length])
    stride = 1 + 4 * width
    rows = [raw[r * stride + 1 : (r + 1) * stride] for r in range(height)]
    return width, height, [tuple(row[i : i + 4]) for row in rows for i in range(0, len(row), 4)]


def test_the_package_holds_a_valid_manifest_and_both_icons(tmp_path: Path) -> None:
    out = build(tmp_path / "askit-teams.zip", ENV)
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        color, outline = pixels(package.read("color.png")), pixels(package.read("outline.png"))
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(manifest)
    assert manifest["manifestVersion"] == MANIFEST_VERSION and manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID and bot["scopes"] == ["personal"]
    assert manifest["validDomains"] == ["askit.sharedict.example"]
    assert manifest["developer"]["privacyUrl"] == "https://askit.sharedict.example"
    assert color[:2] == (192, 192) and outline[:2] == (32, 32)
    # The outline icon is white on transparent, as Teams requires, and not empty.
    assert set(outline[2]) == {(255, 255, 255, 255), (0, 0, 0, 0)}
    assert all(p[3] == 255 for p in color[2])


def test_the_package_carries_the_committed_icons(tmp_path: Path) -> None:
    out = build(tmp_path / "askit-teams.zip", ENV)
    with zipfile.ZipFile(out) as package:
        for icon in ICONS.values():
            assert package.read(icon) == (ICONS_DIR / icon).read_bytes(), icon


@pytest.mark.parametrize(
    "env,message",
    [
        ({}, "TEAMS_APP_ID must be the bot's Microsoft App ID"),
        ({"TEAMS_APP_ID": "my-bot"}, "TEAMS_APP_ID must be the bot's Microsoft App ID"),
        ({"TEAMS_APP_ID": APP_ID}, "ASKIT_PUBLIC_URL must be set"),
        ({"TEAMS_APP_ID": APP_ID, "ASKIT_PUBLIC_URL": "http://askit.example"}, "ASKIT_PUBLIC_URL must be an https URL"),
        ({**ENV, "ASKIT_TEAMS_PRIVACY_URL": "ftp://x"}, "ASKIT_TEAMS_PRIVACY_URL must be an https URL"),
    ],
)
def test_a_missing_or_wrong_setting_is_named(env: dict[str, str], message: str, tmp_path: Path) -> None:
    with pytest.raises(PackageError, match=message):
        build(tmp_path / "x.zip", env)
    assert not (tmp_path / "x.zip").exists()


def test_the_make_target_builds_it(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.tools.teams_package", "--out", str(tmp_path / "p.zip")],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), **ENV},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert zipfile.is_zipfile(tmp_path / "p.zip")
    missing = subprocess.run(
        [sys.executable, "-m", "bot.tools.teams_package", "--out", str(tmp_path / "q.zip")],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and "TEAMS_APP_ID" in missing.stderr
