"""Training tooling for the embedded German pipeline `de_reports_sm`.

`python -m pipeline.training train|experiment|eval-ner|eval-lemma|bench --data DIR`
(see `__main__.py`); converters in `convert.py`, corpus recipes in `corpora.py`,
spaCy config in `config.cfg`.
"""
