"""A Rasa replica's command line in a container: CORS from the environment, as the launcher's."""

from __future__ import annotations

import pytest

from bot.rasa_replica import replica_argv
from bot.supervisor import LaunchError

RUN = ["run", "--enable-api"]


def test_the_widgets_pages_and_the_public_address_may_call_the_server() -> None:
    env = {
        "ASKIT_WIDGET_ORIGINS": "https://intranet.example,https://staff.example",
        "ASKIT_PUBLIC_URL": "https://askit.example/chat",
    }
    assert replica_argv(RUN, env) == [
        *RUN,
        "--cors",
        "https://intranet.example",
        "https://staff.example",
        "https://askit.example",
    ]


def test_no_page_listed_means_no_cors_and_a_given_cors_is_kept() -> None:
    assert replica_argv(RUN, {}) == RUN
    given = [*RUN, "--cors", "https://other.example"]
    assert replica_argv(given, {"ASKIT_WIDGET_ORIGINS": "https://intranet.example"}) == given


def test_a_bad_origin_stops_the_start_naming_the_setting() -> None:
    with pytest.raises(LaunchError, match="ASKIT_WIDGET_ORIGINS"):
        replica_argv(RUN, {"ASKIT_WIDGET_ORIGINS": "intranet.example/page"})
