"""A new input format as a plugin: the `.eml` example (docs/plugin-example.md)."""

from __future__ import annotations

import pandas as pd

from pipeline.cli import main

MAIL = """From: Pressestelle Stadt Hamm <presse@example.org>
To: Redaktion <redaktion@example.org>
Subject: Neue Radwege in Hamm
Date: Fri, 14 Mar 2025 09:30:00 +0100
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit

Sehr geehrte Damen und Herren,

die Stadt Hamm plant mehr als 40 neue Radwege. Oberbürgermeister Marc Herter stellt die
Pläne am kommenden Montag vor.
"""


def _corpus(tmp_path, **extra: str):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "radwege.eml").write_bytes(MAIL.encode("utf-8"))
    for name, text in extra.items():
        (corpus / name.replace("_", ".")).write_text(text, encoding="utf-8")
    return corpus


def test_eml_plugin_reads_mail(tmp_path):
    corpus = _corpus(tmp_path, ignoriert_eml_bak="kein Dokument")
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text('plugins: [pipeline.plugins.eml]\ningest:\n  extensions: [".txt", ".eml"]\n', encoding="utf-8")
    out = tmp_path / "o"
    assert main(["run", "--corpus", str(corpus), "--out", str(out), "--quiet", "--config", str(cfg), "--model", "blank"]) == 0
    doc = pd.read_parquet(out / "documents.parquet").iloc[0]
    assert (doc["doc_id"], doc["format"], doc["title"]) == ("radwege", "eml", "Neue Radwege in Hamm")
    assert (str(doc["doc_date"]), doc["doc_date_source"]) == ("2025-03-14", "eml")  # a DATE (contract v2)
    assert doc["text"].startswith("Sehr geehrte Damen und Herren,")
    dates = pd.read_parquet(out / "dates.parquet")
    assert dates["value"].tolist() == ["2025-03-17"]  # `am kommenden Montag` from the mail's date
    meta = pd.read_parquet(out / "metadata.parquet")
    assert ("author", "Pressestelle Stadt Hamm <presse@example.org>") in set(zip(meta.key, meta.value))


def test_without_the_plugin_eml_is_not_read(tmp_path):
    corpus = _corpus(tmp_path, a_txt="Die Stadt Hamm plant Radwege.")
    out = tmp_path / "o"
    assert main(["run", "--corpus", str(corpus), "--out", str(out), "--quiet", "--model", "blank"]) == 0
    assert pd.read_parquet(out / "documents.parquet")["doc_id"].tolist() == ["a"]
