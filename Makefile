# German report pipeline. The two commands a user needs: `make run` and `make test`.
# Every path is a variable: `make run CORPUS=<dir> OUT=<dir> RULES=<dir>`,
# `make model DATA=<dir>`; SHARED points at the shared data/eval folder.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
CORPUS ?= corpus
OUT    ?= outputs
RULES  ?=
MODEL  ?= auto
WORKERS ?= 1
SHARED ?= ../shared
DATA   ?= $(SHARED)/data
EVAL   ?= $(SHARED)/eval
export PIPELINE_SHARED := $(abspath $(SHARED))

# RULES is a space-separated list of folders (so a rules folder name cannot hold a space);
# CORPUS, OUT and the other paths may.  Exit codes are the CLI's (README); make itself
# reports a failed command as `Error N` and exits 2, so scripts call the CLI directly.
RULES_ARGS := $(foreach r,$(RULES),--rules "$(r)")
STAMP := $(VENV)/.installed

.PHONY: help install run test bench rules-check explain model eval eval-ner eval-lemma \
        eval-entities eval-dates eval-figures bench-model gazetteer clean

help:
	@echo "make run        set up .venv if needed, process $(CORPUS)/ into $(OUT)/"
	@echo "make test       run the test suite"
	@echo "make rules-check  validate the rules (RULES=<dir> adds a user layer)"
	@echo "make bench      pipeline speed/memory benchmark (writes bench/results.json)"
	@echo "make eval       all evaluations (needs SHARED=$(SHARED))"
	@echo "make model      retrain the embedded German model from DATA=$(DATA)"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	"$(PY)" -m pipeline run --corpus "$(CORPUS)" --out "$(OUT)" --model "$(MODEL)" --workers "$(WORKERS)" $(RULES_ARGS)

test: $(STAMP)
	$(PY) -m pytest -q

rules-check: $(STAMP)
	$(PY) -m pipeline rules check $(RULES_ARGS)

bench: $(STAMP)
	$(PY) -m pipeline.bench --data "$(DATA)" --out bench/results.json

eval: eval-ner eval-lemma eval-entities eval-dates eval-figures

eval-entities: $(STAMP)
	$(PY) -m pipeline.evaluation.entities --gold tests/gold $(if $(wildcard $(DATA)/ner/germeval2014/NER-de-dev.tsv),--germeval $(DATA)/ner/germeval2014/NER-de-dev.tsv)

eval-dates: $(STAMP)
	$(PY) -m pipeline.evaluation.dates --eval "$(EVAL)" --data "$(DATA)" --gold tests/gold

eval-figures: $(STAMP)
	$(PY) -m pipeline.evaluation.figures --eval "$(EVAL)" --gold tests/gold

# ---- the embedded model (issue: model) ------------------------------------
model: $(STAMP)
	$(PY) -m pip install --quiet -e ".[train]"
	$(PY) -m pipeline.training train --data "$(DATA)"

eval-ner: $(STAMP)
	$(PY) -m pipeline.training eval-ner --data "$(DATA)"

eval-lemma: $(STAMP)
	$(PY) -m pipeline.training eval-lemma --data "$(DATA)"

bench-model: $(STAMP)
	$(PY) -m pipeline.training bench --data "$(DATA)"

# ---- compiled gazetteer (committed; rebuild after changing the raw data) --
gazetteer: $(STAMP)
	$(PY) -m pipeline.gazetteer build --data "$(DATA)"

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
