"""`make run` starts the back office beside the two servers: with --dev, or once its sign-in is configured."""

from __future__ import annotations

from bot.launcher import BACKOFFICE_SECRET_SETTING, INSIGHTS_LOAD_SETTING, Stack, _banner, dev_settings


def test_the_back_office_runs_on_loopback_with_its_secret_in_the_environment_only() -> None:
    stack = Stack(backoffice_port=5999, dev=True, extra_env={BACKOFFICE_SECRET_SETTING: "k" * 43})
    command = stack.backoffice_command()
    assert command[1:] == ["-m", "bot.backoffice", "--host", "127.0.0.1", "--port", "5999", "--dev"]
    assert stack.env()[BACKOFFICE_SECRET_SETTING] == "k" * 43 and "k" * 43 not in " ".join(command)
    banner = _banner(stack, dev=True)
    assert "Back office:           http://127.0.0.1:5999/" in banner and "http://127.0.0.1:5999/dev/signin" in banner


def test_without_a_port_there_is_no_back_office() -> None:
    assert "Back office" not in _banner(Stack(), dev=False)
    assert "--dev" not in Stack(backoffice_port=5999).backoffice_command()


def test_make_run_loads_the_insights_every_minute_unless_told_otherwise() -> None:
    assert dev_settings({})[INSIGHTS_LOAD_SETTING] == "60"
    assert dev_settings({INSIGHTS_LOAD_SETTING: "300"})[INSIGHTS_LOAD_SETTING] == "300"
    made, given = dev_settings({}), dev_settings({BACKOFFICE_SECRET_SETTING: "configured-key"})
    assert len(made[BACKOFFICE_SECRET_SETTING]) >= 32 and given[BACKOFFICE_SECRET_SETTING] == "configured-key"
