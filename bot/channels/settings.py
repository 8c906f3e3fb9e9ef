"""The settings the channels share, declared (bot/config.py) and checked once, when Rasa makes the
channels and before it serves: a bad value stops the Rasa server with one line naming it
(bot/rasa_server.py), instead of failing a user's turn later. The widget's own are in
widget_config.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.channels.articles import ARTICLE_URL_SETTING, ID_PLACEHOLDER, PUBLIC_URL_SETTING
from bot.channels.errors import ChannelConfigError
from bot.config import FLAG, TOKEN, URL, Setting, kind, read_settings
from bot.settings import DEV_MODE_SETTING, REST_TOKEN_SETTING


def _is_template(value: Any) -> bool:
    try:
        URL.check(str(value).replace(ID_PLACEHOLDER, "x"))
    except ValueError:
        return False
    return ID_PLACEHOLDER in str(value)


ARTICLE_URL_TEMPLATE = kind(f"an http(s) URL containing {ID_PLACEHOLDER}", _is_template)

SETTINGS = (
    Setting(
        DEV_MODE_SETTING,
        FLAG,
        "development on one machine: the REST channel needs no token, the demo page signs demo users in",
        default="0",
    ),
    Setting(REST_TOKEN_SETTING, TOKEN, "the bearer token REST clients send (unset: REST is off)", secret=True),
    Setting(PUBLIC_URL_SETTING, URL, "the server's address as staff reach it (behind a proxy), for article links"),
    Setting(ARTICLE_URL_SETTING, ARTICLE_URL_TEMPLATE, "where article pages are, if not on this server"),
)


def channel_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """Every shared setting's value by name, checked; ChannelConfigError names the first bad one."""
    return read_settings(env, SETTINGS, ChannelConfigError)
