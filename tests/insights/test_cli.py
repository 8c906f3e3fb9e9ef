"""``python -m bot.insights`` on a generated history: load once, figures, articles; bad settings
get a one-line error naming the file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.insights import cli
from bot.insights.figures import councils_text
from bot.insights.settings import InsightsSettings
from bot.insights.store import InsightsStore
from tests.insights.test_figures import history


def loaded(size: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The back office's database after ``load`` of a generated history of ``size`` conversations."""
    events = history(size=size).log.write(tmp_path / "events.db")
    monkeypatch.setenv("EVENTS_DB_URL", f"sqlite:///{events}")
    monkeypatch.setenv("ASKIT_BACKOFFICE_DB", str(tmp_path / "backoffice.sqlite"))
    assert cli.main(["load"]) == 0
    return tmp_path / "backoffice.sqlite"


def test_load_then_figures_by_council(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    loaded(80, tmp_path, monkeypatch)
    assert " questions, " in capsys.readouterr().out
    assert cli.main(["load"]) == 0 and capsys.readouterr().out.startswith("0 events")  # nothing twice
    assert cli.main(["figures", "--by", "council"]) == 0
    out = capsys.readouterr().out
    assert "riverside" in out and "cost avoided:" in out and "confirmed" in out and "Containment: the share" in out
    assert cli.main(["articles", "--since", "2026-01-01"]) == 0 and "article-0" in capsys.readouterr().out
    assert cli.main(["report", "--month", "2026-10", "--out", str(tmp_path / "reports"), "--no-pdf"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "reports" / "askit-2026-10.html")
    assert cli.main(["report", "--month", "October"]) == 2 and "--month: 'October'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cost_per_contact: {default: {minutes: 12}}", "give either amount, or minutes and per_minute"),
        ("cost_per_contact: {default: {amount: 5}, atlantis: {amount: 3}}", "cost_per_contact.atlantis"),
        ("deflection_days: -1\ncost_per_contact: {default: {amount: 5}}", "deflection_days"),
        ("cost_per_contact: {riverside: {amount: 5}}", "cost_per_contact.default"),
    ],
)
def test_bad_settings_name_the_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "insights.yml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        InsightsSettings.load(path)


def test_gaps_saved_for_the_dashboard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = loaded(120, tmp_path, monkeypatch)
    assert cli.main(["gaps", "--save", "--council", "riverside"]) == 2  # a run is every council's
    assert "--save keeps every council's gaps" in capsys.readouterr().err
    assert InsightsStore.open(database).gap_run() is None
    assert cli.main(["gaps", "--save"]) == 0
    printed = capsys.readouterr().out
    run = InsightsStore.open(database).gap_run()
    assert run is not None and run.gaps and run.since == 0.0 and run.until == float("inf")
    for gap in run.gaps:  # what was printed is what the dashboard will show
        assert f"{gap.size:5}  {gap.label}  ({councils_text(gap.councils)})" in printed
        assert all(f"- {example}" in printed for example in gap.examples)
