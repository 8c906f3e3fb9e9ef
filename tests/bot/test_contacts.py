"""The desk's phone line and hours, and who handles what it does not, as contacts.yml sets them."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest

from bot.contacts import Contacts
from bot.paths import KNOWLEDGE_BASE_DIR
from bot.servicedesk.errors import ConfigError

LONDON = zoneinfo.ZoneInfo("Europe/London")
SHIPPED = Contacts.load(KNOWLEDGE_BASE_DIR / "contacts.yml")
MINIMAL = """
service_desk:
  phone: 01632 960000
  hours: {monday: 08:00-18:00, tuesday: 08:00-18:00}
  bank_holidays: [2026-12-28]
"""


def at(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def load(tmp_path: Path, text: str) -> Contacts:
    path = tmp_path / "contacts.yml"
    path.write_text(text)
    return Contacts.load(path)


@pytest.mark.parametrize(
    "now,said",
    [
        (at(2026, 11, 30, 14, 0), "open now, until 18:00"),  # a Monday afternoon
        (at(2026, 11, 30, 7, 59), "closed now; it opens at 08:00 today"),
        (at(2026, 11, 30, 18, 0), "closed now; it opens at 08:00 tomorrow"),
        (at(2026, 12, 4, 18, 30), "closed now; it opens at 08:00 on Monday 7 December"),  # Friday evening
        (at(2026, 12, 5, 11, 0), "closed now; it opens at 08:00 on Monday 7 December"),  # Saturday
        # Christmas Eve evening: Christmas Day and the substitute Boxing Day are bank holidays
        (at(2026, 12, 24, 19, 0), "closed now; it opens at 08:00 on Tuesday 29 December"),
        (at(2026, 12, 25, 12, 0), "closed now; it opens at 08:00 on Tuesday 29 December"),
        # British Summer Time: 08:00 local is 07:00 UTC
        (dt.datetime(2027, 6, 1, 7, 30, tzinfo=dt.timezone.utc), "open now, until 18:00"),
    ],
)
def test_the_desk_says_whether_it_is_open_and_when_it_next_opens(now: dt.datetime, said: str) -> None:
    assert SHIPPED.desk(None).when(now) == said
    assert SHIPPED.desk(None).at(now).open is said.startswith("open")


def test_a_council_gets_its_own_number_and_response_times_and_the_shared_rest() -> None:
    southmere, riverside, shared = SHIPPED.desk("southmere"), SHIPPED.desk("riverside"), SHIPPED.desk(None)
    assert (shared.phone, southmere.phone, riverside.phone) == ("01632 960000", "01632 960401", "01632 960000")
    assert riverside.response_times["P3"] == "within 2 working days"
    assert riverside.response_times["P2"] == shared.response_times["P2"] == "within 4 working hours"
    assert SHIPPED.desk("no-such-council") is shared
    line = southmere.line(at(2026, 12, 5, 11, 0))
    assert (line.phone, line.open, line.urgent_phone) == ("01632 960401", False, "01632 960999")


def test_a_not_it_entry_sends_staff_to_their_own_councils_team() -> None:
    northbrook = SHIPPED.team_for("hr-pay-and-pensions", "northbrook")
    assert northbrook is not None and northbrook.name == "Northbrook Payroll"
    assert northbrook.ways == ("01632 960211", "https://intranet.northbrook.example/pay")
    shared = SHIPPED.team_for("hr-pay-and-pensions", None)
    assert shared is not None and shared.name == "your council's payroll team"
    assert SHIPPED.team_for("personal-devices-and-accounts", "northbrook") is None  # not listed: its text only


def test_the_shipped_file_names_only_real_councils_and_not_it_entries() -> None:
    from bot.knowledge import KnowledgeConfig
    from bot.knowledge.articles import read_articles

    config = KnowledgeConfig.load({})
    elsewhere = {a.id for a in read_articles(config.articles_dir)[0] if a.elsewhere}
    SHIPPED.check_entries(config.tenants, elsewhere)
    assert set(SHIPPED.elsewhere) <= elsewhere


def test_a_desk_closed_for_a_long_time_says_closed_without_a_date(tmp_path: Path) -> None:
    contacts = load(tmp_path, "service_desk: {phone: 01632 960000, hours: {}}")
    assert contacts.desk(None).when(at(2026, 11, 30, 12, 0)) == "closed just now"


@pytest.mark.parametrize(
    "text,named",
    [
        ("service_desk: {hours: {}}", "service_desk.phone: is missing (the service desk's phone number)"),
        (
            MINIMAL.replace("08:00-18:00,", "8am-6pm,"),
            "service_desk.hours.monday: must be opening hours such as 08:00-18:00, got '8am-6pm'",
        ),
        (
            MINIMAL.replace("08:00-18:00,", "18:00-08:00,"),
            "service_desk.hours.monday: must close after it opens, such as 08:00-18:00, got '18:00-08:00'",
        ),
        (
            MINIMAL.replace("monday:", "mondy:"),
            "service_desk.hours.mondy: must be a weekday: monday, tuesday, "
            "wednesday, thursday, friday, saturday, sunday, got 'mondy'",
        ),
        (
            MINIMAL.replace("01632 960000", "call us"),
            "service_desk.phone: must be a phone number such as 01632 960000, got 'call us'",
        ),
        (
            MINIMAL + "  timezone: Europe/Londn\n",
            "service_desk.timezone: must be a time zone such as Europe/London, got 'Europe/Londn'",
        ),
        (
            MINIMAL + "  response_times: {P5: soon}\n",
            "service_desk.response_times.P5: must be one of P1, P2, P3, P4, got 'P5'",
        ),
        (
            MINIMAL + "elsewhere: {hr-pay-and-pensions: payrol}\n",
            "elsewhere.hr-pay-and-pensions: 'payrol' is not one of the teams listed under teams",
        ),
        (
            MINIMAL + "tenants: {northbrook: {teams: {hr: {name: HR}}}}\n",
            "tenants.northbrook.teams.hr: is not one of the teams listed under teams",
        ),
        (
            MINIMAL + "tenants: {northbrook: {service_desk: {name: X}}}\n",
            "tenants.northbrook.service_desk.name: is not a known field",
        ),
        (
            MINIMAL + "teams: {hr: {phone: 01632 960210}}\n",
            "teams.hr.name: is missing (who staff are sent to, as the bot names them)",
        ),
    ],
)
def test_a_bad_contacts_file_names_the_field(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load(tmp_path, text)
    assert str(raised.value) == f"{tmp_path / 'contacts.yml'}: {named}"


def test_unknown_councils_and_entries_are_refused_at_start_up(tmp_path: Path) -> None:
    contacts = load(
        tmp_path,
        MINIMAL + "teams: {hr: {name: HR}}\nelsewhere: {hr-pay: hr}\ntenants: {eastwick: {}}\n",
    )
    with pytest.raises(ConfigError, match=r"contacts.yml: tenants.eastwick: is not a tenant of tenants.yml$"):
        contacts.check_entries({"northbrook"}, None)
    with pytest.raises(ConfigError, match=r"contacts.yml: elsewhere.hr-pay: is not an article of kind: elsewhere$"):
        contacts.check_entries(None, {"hr-pay-and-pensions"})
