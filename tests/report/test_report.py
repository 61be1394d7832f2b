"""The review report: static site from a run, highlights with tooltips, offline charts,
rendered in a real headless Chromium (skipped with the reason when it is not installed)."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.report import doc_page_name, highlight

REPO = Path(__file__).resolve().parents[2]
SEED = "004_b558a796c9db3dcc"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report_out")
    assert main(["run", "--corpus", str(REPO / "corpus"), "--out", str(out), "--quiet"]) == 0
    assert main(["report", "--out", str(out)]) == 0
    return out / "report"


def test_site_layout_and_offline_assets(report):
    assert (report / "index.html").exists() and (report / "doc" / f"{SEED}.html").exists()
    assert (report / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    for page in [report / "index.html", *sorted((report / "doc").glob("*.html"))]:
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=\"https?://", html), page  # nothing fetched at view time
    index = (report / "index.html").read_text(encoding="utf-8")
    assert "Tjark Bartels" in index and "Landrat" in index  # top people with roles
    assert 'id="timeline"' in index and 'id="figure-kinds"' in index and 'id="errors"' in index


def test_document_page_highlights_with_tooltips(report):
    page = (report / "doc" / f"{SEED}.html").read_text(encoding="utf-8")
    assert re.search(r'<mark class="hl mention m-PER" title="PER: Marc Herter[^"]*role Oberbürgermeister[^"]*">Marc Herter</mark>', page)
    assert re.search(r'<mark class="hl figure f-count" title="count: &gt; 2113 Initiative[^"]*rule count[^"]*">über 2.113 Initiativen</mark>', page)
    assert re.search(r'<mark class="hl date d-DATE" title="DATE: 2011[^"]*begin 2011-01-01 end 2012-01-01[^"]*">seit 2011</mark>', page)


def test_overlapping_annotations_stay_well_formed():
    text = "seit März 2025 in Hamm"
    anns = [{"kind": "date", "start": 0, "end": 14, "cls": "d-DATE", "tip": "DATE"},
            {"kind": "figure", "start": 5, "end": 22, "cls": "f-count", "tip": "count <b>"}]
    out = highlight(text, anns)
    assert out.count("<mark") == out.count("</mark>") == 3
    assert re.sub(r"<[^>]+>", "", out) == text
    assert 'title="DATE\ncount &lt;b&gt;"' in out and "<b>" not in out


def test_page_names_are_safe_and_distinct():
    assert doc_page_name("2024/nested/bericht") == "2024__nested__bericht.html"
    assert doc_page_name("a b") != doc_page_name("a_b")


def test_report_without_a_run_is_bad_input(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["report", "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert "no run.json" in capsys.readouterr().err


def _chromium(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
         "--virtual-time-budget=8000", "--window-size=1280,1600", *extra, url],
        capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs Debian's chromium)")
def test_report_renders_in_headless_chromium(report, tmp_path):
    index, doc = (report / "index.html").as_uri(), (report / "doc" / f"{SEED}.html").as_uri()
    dom = _chromium(index, tmp_path / "profile1", "--dump-dom").stdout
    # plotly.js ran from report/assets and drew both charts as SVG
    assert dom.count('class="plotly-graph-div') >= 2 and 'class="main-svg"' in dom, dom[:500]
    assert "Tjark Bartels" in dom
    dom = _chromium(doc, tmp_path / "profile2", "--dump-dom").stdout
    marks = re.findall(r'<mark class="hl ([^"]+)" title="([^"]+)"', dom)
    kinds = {c.split()[0] for c, _ in marks}
    assert {"mention", "date", "figure"} <= kinds, kinds
    assert any("canonical" not in t and "Hamm" in t for _, t in marks)
    for name, url in (("index", index), ("seed-press-release", doc)):
        shot = tmp_path / f"report-{name}.png"
        _chromium(url, tmp_path / f"profile-{name}", f"--screenshot={shot}")
        assert shot.exists() and shot.stat().st_size > 10_000  # kept in the test's tmp folder


@st.composite
def _text_and_spans(draw):
    text = draw(st.text(alphabet=st.sampled_from("Hamm <&>\"'ä 2025\n"), max_size=40))
    spans = draw(st.lists(st.tuples(st.integers(0, len(text)), st.integers(0, len(text))), max_size=6))
    anns = [{"kind": k, "start": min(a, b), "end": max(a, b), "cls": "c", "tip": "t<&\">"}
            for (a, b), k in zip(spans, ["mention", "date", "figure"] * 2)]
    return text, anns


@given(_text_and_spans())
def test_highlight_keeps_the_text_and_balances_marks(case):
    text, anns = case
    out = highlight(text, anns)
    assert html.unescape(re.sub(r"<[^>]+>", "", out)) == text
    assert out.count("<mark ") == out.count("</mark>")
    assert "<&" not in out
