"""The README's three analyst questions, run as written (SQL and pandas) on the seeds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import pipeline
from pipeline.cli import main

REPO = Path(__file__).resolve().parents[2]


def _blocks() -> tuple[list[str], list[str]]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Three analyst questions", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, re.S), re.findall(r"```python\n(.*?)```", section, re.S)


@pytest.fixture(scope="module")
def seed_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("questions")
    assert main(["run", "--corpus", str(REPO / "corpus"), "--out", str(out), "--quiet"]) == 0
    return out


def test_readme_has_three_questions_in_sql_and_pandas():
    sql, py = _blocks()
    assert len(sql) == 3 and len(py) == 3


def test_sql_answers(seed_out):
    people, initiatives, timeline = _blocks()[0]
    con = pipeline.connect(seed_out)
    rows = con.execute(people).fetchall()
    assert ("Tjark Bartels", "Landrat") in {(r[0], r[1]) for r in rows}
    rows = con.execute(initiatives).fetchall()
    assert ("004_b558a796c9db3dcc", "über 2.113 Initiativen", ">", 2113.0, None) in rows
    rows = con.execute(timeline).fetchall()
    by_doc = [r for r in rows if r[0] == "000_f50a456bb0825fba"]
    assert by_doc and [r[1] for r in by_doc] == sorted(r[1] for r in by_doc)
    con.close()


def test_pandas_answers(seed_out):
    ns = {"t": pipeline.load(seed_out)}
    for block in _blocks()[1]:
        exec(block, ns)  # noqa: S102 - the README's own code
    people = ns["people"]
    assert ((people.person == "Tjark Bartels") & (people.role == "Landrat")).any()
    ini = ns["initiatives"]
    row = ini[ini.text == "über 2.113 Initiativen"].iloc[0]
    assert (row.qualifier, row.value) == (">", 2113.0)
    tl = ns["timeline"]
    for _, g in tl.groupby("doc_id"):
        assert g["begin"].is_monotonic_increasing
    # pandas and SQL agree
    con = pipeline.connect(seed_out)
    assert len(tl) == len(con.execute(_blocks()[0][2]).fetchall())
    assert len(ini) == len(con.execute(_blocks()[0][1]).fetchall())
    con.close()
