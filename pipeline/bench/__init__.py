"""`make bench`: speed, memory and robustness of the whole pipeline as ratios measured in one
run (issue 16, "Done when"), written to `bench/results.json` and printed with PASS/FAIL.

Machines here are shared and noisy, so absolute seconds mean little; each figure is a ratio
of two measurements taken close together: the pipeline against the bare model (`nlp.pipe`
of the same spaCy model), a fresh pipeline process against a fresh `spacy.load`, a large
run against a small one, two workers against one, a rerun against a clean run. Sections
(`--only A,C`): A throughput, B start-up, C memory scaling, D parallelism (local pool and
Dask), E incremental rerun, F `kill -9` of a worker. See `sections.py`.

    python -m pipeline.bench --data ../shared/data --out bench/results.json [--scale quick|full]
"""
