"""`triagebot rapport` (issue 16): the figures of a generated year (fixed seed) against values this test computes
itself from what the generator did and from the cases' raw data; a gemeente's report hides small numbers; no
report contains a case's free text; the HTML is one self-contained file whose charts a real browser shows."""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.config import load_directory, load_profile
from bot.report import vocabulary, write
from models.calendar import AMS
from models.report import HIDDEN, SMALL, report
from models.types import DeadlineState
from tests.harness import clean_env, triagebot_many
from tests.year_of_cases import free_texts

FROM, UNTIL = date(2025, 1, 1), date(2026, 1, 1)
ORGS = {"vt-gelderland-midden": "Veilig Thuis Gelderland-Midden", "lt-arnhem": "Lokaal team Arnhem",
        "lt-ede": "Lokaal team Ede"}
LT_OF = {"Arnhem": "lt-arnhem", "Ede": "lt-ede"}


WORDS = vocabulary(load_directory(None), load_profile("gelderland-midden"))    # the bot's own Dutch


def report_words(vocabulary: str, key: str) -> str:
    """The report's own words as the bot says them (every key must have one); routes and terms stay keys here."""
    return getattr(WORDS, vocabulary)[key] if vocabulary.startswith("rapport_") else key


def whole_year(year, gemeente=None):
    return report(year["states"], year["profile"].calendar, FROM, UNTIL, gemeente=gemeente,
                  org_name=lambda o: ORGS.get(o, o), word=report_words)


def rows(rep, name):
    return rep.tables[name].rows


def workdays(calendar, a, b) -> int:
    """Counted here, day by day: the working days after a's day up to and including b's day."""
    day, end, n = a.astimezone(AMS).date(), b.astimezone(AMS).date(), 0
    while day < end:
        day += timedelta(days=1)
        n += calendar.is_werkdag(day)
    return n


def test_routes_per_gemeente_and_per_month_are_what_the_year_did(year):
    rep = whole_year(year)
    did = [e for e in year["log"] if e[0] == "besluit"]
    gemeenten = {e[1]: e[2] for e in year["log"] if e[0] == "nieuw"}
    expected = Counter((g, route) for _, number, route, _ in did for g in gemeenten[number].split(","))
    assert {(g, route): count for g, route, count in rows(rep, "routes_per_gemeente")} == dict(expected)
    per_month = Counter(f"{e[3]:%Y-%m}" for e in year["log"] if e[0] == "nieuw")
    assert {m: c["meldingen"] for m, c in rep.monthly.items() if "meldingen" in c} == dict(per_month)
    assert sum(count for _, _, count in rows(rep, "routes")) == len(did)


def percentile_90(values: list[int]) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * 0.9
    below = ordered[int(k)]
    return below + (ordered[min(int(k) + 1, len(ordered) - 1)] - below) * (k - int(k))


def test_lead_time_from_melding_to_decision_per_pair_is_the_median_and_90th_percentile(year):
    rep = whole_year(year)
    calendar = year["profile"].calendar
    received = {e[1]: e[3] for e in year["log"] if e[0] == "nieuw"}
    states = {s.number: s for s in year["states"]}
    per_pair: dict[str, list[int]] = {}
    for _, number, _route, _at in (e for e in year["log"] if e[0] == "besluit"):
        s = states[number]
        confirmed = [c.org for h in s.handovers for c in h.confirmations]
        to = ORGS[confirmed[0]] if confirmed else ORGS["vt-gelderland-midden"]
        per_pair.setdefault(to, []).append(workdays(calendar, received[number], s.decision.decided_at))
    got = {r[2]: (r[3], r[4], r[5]) for r in rows(rep, "doorlooptijden") if r[0] == "melding → triagebesluit"}
    assert got == {to: (len(v), round(statistics.median(v), 1), round(percentile_90(v), 1))
                   for to, v in per_pair.items()}
    assert len(got) >= 3          # Veilig Thuis itself and both lokale teams


def test_refused_handovers_per_pair_with_their_outcome(year):
    rep = whole_year(year)
    refused = Counter(("Veilig Thuis Gelderland-Midden", ORGS[LT_OF[g]]) for what, _n, g, _t in year["log"]
                      if what == "weiger")
    got = Counter()
    for van, door, outcome, count in rows(rep, "weigeringen"):
        assert outcome == "later toch bevestigd"          # the generator always asks again and the team confirms
        got[(van, door)] += count
    assert got == refused and sum(refused.values()) > 0


def test_terms_met_per_kind_and_organisation(year):
    rep = whole_year(year)
    on_time, late = Counter(), Counter()
    for s in year["states"]:
        for d in s.deadlines:
            key = d.kind.value, ORGS.get(d.owner, d.owner)
            if d.lapsed_at is not None or (d.state is DeadlineState.GEHAALD and d.met_at > d.due):
                late[key] += 1                 # it ran late, also when it was met or withdrawn afterwards
            elif d.state is DeadlineState.GEHAALD:
                on_time[key] += 1
    got = {(kind, org): (a, b) for kind, org, a, b, _ in rows(rep, "termijnen")}
    assert got == {(kind, org): (on_time[kind, org], late[kind, org]) for kind, org in set(on_time) | set(late)}
    confirmations = [r for r in rows(rep, "termijnen") if r[0] == "bevestiging"]
    assert confirmations and all(r[4] == round(100 * r[2] / (r[2] + r[3]), 1) for r in confirmations)
    assert sum(r[3] for r in confirmations) > 0            # some confirmations came late (12% of them)


COUNTS = {"aantal", "op tijd", "te laat", "totaal", "eigenaar", "leidinggevende of gedragswetenschapper", "gemeente"}


def test_a_gemeentes_report_hides_every_count_below_five(year, tmp_path):
    rep = whole_year(year, gemeente="Ede")
    assert rep.suppressed
    cells = [r[i] for t in rep.tables.values() for r in t.rows for i, h in enumerate(t.headers)
             if h in COUNTS and not (t.name == "routes_per_gemeente" and h == "gemeente")]
    assert cells and all(c == HIDDEN or c == 0 or c >= SMALL for c in cells)
    assert HIDDEN in cells                                   # this year has small combinations in Ede
    for r in rows(rep, "doorlooptijden"):
        assert (r[3] == HIDDEN) == (r[4] == "" and r[5] == "")     # no median over fewer than five
    full = whole_year(year)
    assert not any(cell == HIDDEN for t in full.tables.values() for r in t.rows for cell in r)   # VT's own: all
    written = write(rep, tmp_path / "ede", "Ede", WORDS)
    monthly = (tmp_path / "ede" / "per_maand.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert not [c for line in monthly for c in line.split(";")[1:] if c.isdigit() and 0 < int(c) < SMALL]
    assert "Kleine aantallen zijn verborgen" in written.html.read_text(encoding="utf-8")


def test_no_report_contains_a_cases_free_text(year, tmp_path):
    texts = free_texts(year["states"])
    assert "hoort bij een ander team" in texts              # the generator's reasons are there to be found
    for gemeente in (None, "Arnhem"):
        written = write(whole_year(year, gemeente), tmp_path / (gemeente or "alles"), "Rapport", WORDS)
        for path in [written.html, *written.csvs]:
            content = path.read_text(encoding="utf-8")
            assert not [t for t in texts if t in content], path.name


def test_the_html_is_one_file_with_every_chart_embedded(year, tmp_path):
    written = write(whole_year(year), tmp_path / "r", "Rapport", WORDS)
    html = written.html.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html) and "<script" not in html
    images = re.findall(r'<img src="data:image/png;base64,', html)
    assert len(images) == len(written.pngs) == 5
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in written.pngs)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHECK = """<script>
addEventListener("load", () => {
  const seen = [...document.images].map(
    i => i.complete && i.naturalWidth > 100 && i.getBoundingClientRect().width > 100);
  document.body.setAttribute("data-charts", seen.length + ":" + seen.filter(Boolean).length);
});
</script></body>"""


@pytest.mark.skipif(CHROMIUM is None,
                    reason="Chromium ontbreekt (Debian: apt-get install chromium); CI installeert het")
def test_a_real_browser_shows_every_chart(year, tmp_path):
    written = write(whole_year(year), tmp_path / "r", "Rapport", WORDS)
    page = tmp_path / "gecontroleerd.html"       # a copy with a check added; the report itself has no script
    page.write_text(written.html.read_text(encoding="utf-8").replace("</body>", CHECK), encoding="utf-8")
    ran = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000",
                          "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    found = re.search(r'data-charts="(\d+):(\d+)"', ran.stdout)
    assert found, ran.stderr[-2000:]
    assert found.group(1) == found.group(2) == "5"


def test_the_command_writes_the_report_and_answers_mistakes_in_dutch(year, tmp_path):
    out = tmp_path / "uit"
    ok, unknown, backwards = triagebot_many([
        (["rapport", "--db", year["url"], "--van", "2025-01-01", "--tot", "2026-01-01", "--gemeente", "ede",
          "--uitvoer", str(out)], clean_env()),
        (["rapport", "--db", year["url"], "--van", "2025-01-01", "--tot", "2026-01-01", "--gemeente", "Utrecht"],
         clean_env()),
        (["rapport", "--db", year["url"], "--van", "2025-06-01", "--tot", "2025-01-01"], clean_env())])
    assert ok.returncode == 0 and "Kleine aantallen (onder 5) zijn verborgen" in ok.stdout, ok.text
    assert (out / "rapport.html").is_file() and len(list(out.glob("*.png"))) == 5
    assert unknown.returncode == 2 and "De gemeente 'Utrecht' staat niet in de adressenlijst" in unknown.text
    assert backwards.returncode == 2 and "ligt niet na --van" in backwards.text
    assert "Traceback" not in unknown.text + backwards.text
    assert Path(out / "per_maand.csv").read_text(encoding="utf-8").startswith("maand;")
