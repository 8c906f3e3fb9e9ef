"""The settings the channels share, declared (bot/config.py) and checked once, when Rasa makes the
channels and before it serves: a bad value stops the Rasa server with one line naming it
(bot/rasa_server.py), instead of failing a user's turn later. The two that say where article
links point are declared in articles.py, which reads them; the widget's own are in
widget_config.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.channels.articles import LINK_SETTINGS
from bot.channels.errors import ChannelConfigError
from bot.config import FLAG, TOKEN, Setting, read_settings
from bot.settings import DEV_MODE_SETTING, REST_TOKEN_SETTING

SETTINGS = (
    Setting(
        DEV_MODE_SETTING,
        FLAG,
        "development on one machine: the REST channel needs no token, the demo page signs demo users in",
        default="0",
    ),
    Setting(REST_TOKEN_SETTING, TOKEN, "the bearer token REST clients send (unset: REST is off)", secret=True),
    *LINK_SETTINGS,
)


def channel_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """Every shared setting's value by name, checked; ChannelConfigError names the first bad one."""
    return read_settings(env, SETTINGS, ChannelConfigError)
