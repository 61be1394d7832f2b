"""The visual review report: `python -m pipeline report --out OUT` -> `OUT/report/`.

A static site built from a run's tables (`pipeline.load`), viewable offline:

- `index.html`: corpus counts, top people / places / organisations with their roles,
  a timeline of dated expressions (by `dates.begin`), figure kinds and units, the errors
  table, and the list of documents;
- `doc/<doc>.html`: the document's text with every mention, date and figure highlighted;
  each highlight's tooltip (and the tables under the text) shows the canonical form or
  value, the unit, the begin/end, and the rule or source that produced it.

Charts are plotly figures; plotly.js is written once into `report/assets/` (no CDN), so
the site works without a network.  Pages are Jinja2 templates (`templates/`, autoescaped).
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pandas as pd

TEMPLATES = Path(__file__).parent / "templates"
KIND_ORDER = ("mention", "date", "figure")


class ReportError(Exception):
    """The report cannot be built (one-line message for the CLI)."""


def doc_page_name(doc_id: str) -> str:
    """A file name for a document page: `2024/hamm` -> `2024__hamm.html` (deterministic)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", lambda m: "__" if m.group(0) == "/" else f"~{ord(m.group(0)):x}", doc_id)
    return f"{safe}.html"


def _env():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["page"] = doc_page_name
    env.filters["fmt"] = _fmt
    return env


def _fmt(v) -> str:
    if v is None or (not isinstance(v, (list, str)) and pd.isna(v)):
        return ""
    if isinstance(v, list):
        return ", ".join(map(str, v))
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d %H:%M") if (v.hour or v.minute) else v.strftime("%Y-%m-%d")
    return str(v)


# --------------------------------------------------------------------------- highlighting
def annotations(rows: dict[str, list[dict]]) -> list[dict]:
    """Every highlight of one document (its rows per table): kind, offsets, CSS class, tooltip."""
    out = []
    for kind, table in (("mention", "mentions"), ("date", "dates"), ("figure", "figures")):
        for r in rows.get(table) or ():
            if kind == "mention":
                cls, tip = f"m-{r['label']}", [f"{r['label']}: {r['canonical']}", f"entity {r['entity_id']}",
                                               f"source {_fmt(r.get('source'))}"]
                if _fmt(r.get("role")):
                    tip.append(f"role {r['role']}")
            elif kind == "date":
                cls, tip = f"d-{r['type']}", [f"{r['type']}: {_fmt(r['value']) or '(unresolved)'}",
                                              f"begin {_fmt(r['begin'])} end {_fmt(r['end'])}".strip(),
                                              f"rule {_fmt(r.get('rule'))}"]
                if _fmt(r.get("modifier")):
                    tip.append(f"modifier {r['modifier']}")
            else:
                value = _fmt(r["value"]) + (f"–{_fmt(r['value_max'])}" if _fmt(r.get("value_max")) else "")
                cls, tip = f"f-{r['kind']}", [f"{r['kind']}: {r['qualifier']} {value} {_fmt(r.get('unit'))}".strip(),
                                              f"rule {_fmt(r.get('rule'))}"]
            out.append({"kind": kind, "start": int(r["start_char"]), "end": int(r["end_char"]),
                        "cls": cls, "tip": " · ".join(t for t in tip if t and not t.endswith(" "))})
    return sorted(out, key=lambda a: (a["start"], -a["end"], KIND_ORDER.index(a["kind"])))


def highlight(text: str, anns: list[dict]) -> str:
    """The text as HTML with `<mark>` around every annotated stretch.

    Overlapping annotations (a date inside a figure, a place inside an organisation) are
    cut at every boundary: each piece is marked with the classes and tooltips of all the
    annotations covering it, so nothing is hidden and the HTML stays well-formed."""
    cuts = sorted({0, len(text), *(a["start"] for a in anns), *(a["end"] for a in anns)})
    parts = []
    for lo, hi in zip(cuts, cuts[1:]):
        piece = html.escape(text[lo:hi])
        cover = [a for a in anns if a["start"] <= lo and hi <= a["end"]]
        if not cover or not piece:
            parts.append(piece)
            continue
        classes = " ".join(dict.fromkeys(["hl", *(a["kind"] for a in cover), *(a["cls"] for a in cover)]))
        tip = html.escape("\n".join(a["tip"] for a in cover), quote=True)
        parts.append(f'<mark class="{classes}" title="{tip}">{piece}</mark>')
    return "".join(parts)


def _records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts (missing values None), fast: one pass per column, not per row."""
    cols = {c: df[c].astype(object).where(df[c].notna(), None).tolist() for c in df.columns}
    return [dict(zip(cols, vals)) for vals in zip(*cols.values())] if len(df) else []


# --------------------------------------------------------------------------- charts
def _plot_html(fig) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False, "responsive": True})


def timeline_chart(tables: dict[str, pd.DataFrame], max_docs: int = 60) -> str | None:
    import plotly.express as px

    d = tables["dates"]
    d = d[d["begin"].notna()]
    if d.empty:
        return None
    docs = d.doc_id.value_counts().head(max_docs).index
    d = d[d.doc_id.isin(docs)].copy()
    d["doc"] = d["doc_id"].astype(str)
    d["what"] = d["text"].astype(str) + " → " + d["value"].astype(str)
    fig = px.scatter(d.sort_values(["doc", "begin"]), x="begin", y="doc", color="type", hover_name="what",
                     hover_data={"end": True, "doc": False}, title="Dated expressions by begin",
                     height=max(300, 28 * len(docs) + 150))
    fig.update_layout(yaxis_title=None, xaxis_title="begin", margin=dict(l=10, r=10, t=50, b=10))
    return _plot_html(fig)


def figures_chart(tables: dict[str, pd.DataFrame]) -> str | None:
    import plotly.express as px

    f = tables["figures"]
    if f.empty:
        return None
    counts = f["kind"].value_counts().rename_axis("kind").reset_index(name="figures")
    fig = px.bar(counts, x="kind", y="figures", title="Figures by kind", height=320)
    fig.update_layout(margin=dict(l=10, r=10, t=50, b=10))
    return _plot_html(fig)


# --------------------------------------------------------------------------- pages
def top_entities(tables: dict[str, pd.DataFrame], label: str, n: int = 15) -> list[dict]:
    e = tables["entities"]
    e = e[e.label == label].sort_values(["n_docs", "n_mentions", "canonical"], ascending=[False, False, True]).head(n)
    return _records(e)


def build_report(out_dir: str | Path, dest: str | Path | None = None) -> Path:
    """Write the report site for the run in `out_dir` (default `OUT/report/`); returns its index."""
    from ..api import load

    out = Path(out_dir)
    try:
        tables = load(out)
    except FileNotFoundError as exc:
        raise ReportError(str(exc)) from None
    try:
        import plotly.offline
    except ImportError:
        raise ReportError("the report needs plotly: pip install 'de-report-pipeline[report]'") from None
    site = Path(dest) if dest else out / "report"
    if site.exists():
        shutil.rmtree(site)
    (site / "assets").mkdir(parents=True)
    (site / "doc").mkdir()
    (site / "assets" / "plotly.min.js").write_text(plotly.offline.get_plotlyjs(), encoding="utf-8")
    shutil.copy(TEMPLATES / "report.css", site / "assets" / "report.css")

    env = _env()
    docs = tables["documents"]
    counts = {name: len(df) for name, df in tables.items()}
    counts["tokens"] = int(docs["n_tokens"].sum()) if len(docs) else 0
    per_doc = {name: tables[name].groupby("doc_id").size().to_dict() if len(tables[name]) else {}
               for name in ("mentions", "dates", "figures")}
    f = tables["figures"]
    units = (f[f.unit.notna()].groupby(["kind", "unit"]).size().sort_values(ascending=False).head(20)
             .rename("n").reset_index().to_dict("records")) if len(f) else []
    index = env.get_template("index.html").render(
        counts=counts, docs=_records(docs), per_doc=per_doc,
        people=top_entities(tables, "PER"), places=top_entities(tables, "LOC"), orgs=top_entities(tables, "ORG"),
        timeline=timeline_chart(tables), figures_chart=figures_chart(tables), units=units,
        errors=_records(tables["errors"]), out=str(out),
    )
    (site / "index.html").write_text(index, encoding="utf-8")

    doc_tpl = env.get_template("document.html")
    by_doc: dict[str, dict[str, list[dict]]] = {}
    for name in ("metadata", "mentions", "roles", "dates", "figures"):
        for r in _records(tables[name]):
            by_doc.setdefault(r["doc_id"], {}).setdefault(name, []).append(r)
    for doc in _records(docs):
        rows = by_doc.get(doc["doc_id"], {})
        anns = annotations(rows)
        page = doc_tpl.render(doc=doc, body=highlight(doc["text"], anns), rows=rows,
                              n={k: sum(a["kind"] == k for a in anns) for k in KIND_ORDER})
        (site / "doc" / doc_page_name(doc["doc_id"])).write_text(page, encoding="utf-8")
    return site / "index.html"
