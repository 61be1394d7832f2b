"""Brown-cluster "static vectors" for the tok2vec (a cheap stand-in for word vectors).

spacy-lookups-data ships ``de_lexeme_cluster`` (Brown clusters of ~1M German word forms,
750 distinct cluster ids, the id being the cluster's bit path read as an integer).
spaCy's ``MultiHashEmbed`` cannot read ``Lexeme.cluster`` directly, so we turn the
clusters into a tiny static-vectors table that the built-in ``StaticVectors`` layer
uses (``include_static_vectors = true``), no custom code at load time:

* one row per cluster (750 rows x `dim`), shared by all words of that cluster;
* the row of a cluster is the sum of fixed random vectors of its bit-path prefixes
  (lengths 2, 4, ..., 16), so clusters that are close in the Brown tree get similar
  vectors; the learned projection in ``StaticVectors`` does the rest;
* only the `top_n` most frequent words (``de_lexeme_prob``) are kept, to keep the
  packaged model small (the key table is most of the size).

Needs spacy-lookups-data at training time only (it is in the ``train`` extra).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy


def _table(name: str) -> dict:
    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / f"de_{name}.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def cluster_rows(cluster_ids, dim: int = 64, seed: int = 0,
                 prefix_lengths=(1, 2, 3, 4, 6, 8, 10, 12, 14, 16)) -> numpy.ndarray:
    """One vector per cluster id: sum of random vectors of its bit-path prefixes."""
    rng = numpy.random.default_rng(seed)
    proto: dict[tuple[int, str], numpy.ndarray] = {}
    rows = numpy.zeros((len(cluster_ids), dim), dtype="float32")
    for i, cid in enumerate(cluster_ids):
        path = bin(int(cid))[2:]
        n = 0
        for L in prefix_lengths:
            if L > len(path):
                break
            key = (L, path[:L])
            if key not in proto:
                proto[key] = rng.standard_normal(dim).astype("float32")
            rows[i] += proto[key]
            n += 1
        key = (99, path)  # the cluster itself
        if key not in proto:
            proto[key] = rng.standard_normal(dim).astype("float32")
        rows[i] += proto[key]
        rows[i] /= numpy.sqrt(n + 1)
    return rows


def build_vectors_model(out: Path, top_n: int = 300_000, dim: int = 64) -> Path:
    """Save a blank German pipeline whose vocab holds the cluster vectors (for
    ``[initialize] vectors = <out>``).  Cached: rebuilt only when missing."""
    import spacy
    from spacy.strings import hash_string
    from spacy.vectors import Vectors

    out = Path(out)
    marker = out / f"built-{top_n}-{dim}"
    if marker.exists():
        return out
    clusters = _table("lexeme_cluster")
    prob = _table("lexeme_prob")
    words = sorted((w for w in clusters), key=lambda w: prob.get(w, -99.0), reverse=True)[:top_n]
    ids = sorted({clusters[w] for w in words})
    row_of = {c: i for i, c in enumerate(ids)}
    nlp = spacy.blank("de")
    vectors = Vectors(data=cluster_rows(ids, dim=dim), name="de_brown_clusters")
    for w in words:
        vectors.add(hash_string(w), row=row_of[clusters[w]])
    nlp.vocab.vectors = vectors
    nlp.to_disk(out)
    marker.write_text(json.dumps({"words": len(words), "clusters": len(ids), "dim": dim}))
    return out
