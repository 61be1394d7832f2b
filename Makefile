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
ENGINE ?= local
SCHEDULER ?=
HOST   ?= 127.0.0.1
PORT   ?= 8080
SHARED ?= ../shared
DATA   ?= $(SHARED)/data
EVAL   ?= $(SHARED)/eval
export PIPELINE_SHARED := $(abspath $(SHARED))

# RULES is a space-separated list of folders (so a rules folder name cannot hold a space);
# CORPUS, OUT and the other paths may.  Exit codes are the CLI's (README); make itself
# reports a failed command as `Error N` and exits 2, so scripts call the CLI directly.
RULES_ARGS := $(foreach r,$(RULES),--rules "$(r)")
SCHEDULER_ARGS := $(if $(SCHEDULER),--scheduler "$(SCHEDULER)")
STAMP := $(VENV)/.installed

.PHONY: help install run serve test bench rules-check explain report model eval eval-ner eval-lemma \
        eval-entities eval-dates eval-figures bench-model gazetteer clean

help:
	@echo "make run        set up .venv if needed, process $(CORPUS)/ into $(OUT)/"
	@echo "make serve      HTTP service on $(HOST):$(PORT) (POST /extract, GET /health)"
	@echo "make test       run the test suite"
	@echo "make rules-check  validate the rules (RULES=<dir> adds a user layer)"
	@echo "make report     static HTML review report of OUT=$(OUT) into $(OUT)/report/"
	@echo "make explain    show which rule/model found what: TEXT=\"...\" or DOC=<doc_id> (in CORPUS)"
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
	"$(PY)" -m pipeline run --corpus "$(CORPUS)" --out "$(OUT)" --model "$(MODEL)" --workers "$(WORKERS)" --engine "$(ENGINE)" $(SCHEDULER_ARGS) $(RULES_ARGS)

serve: $(STAMP)
	$(PY) -m pipeline serve --host $(HOST) --port $(PORT) --model $(MODEL) $(RULES_ARGS)

test: $(STAMP)
	$(PY) -m pytest -q

rules-check: $(STAMP)
	$(PY) -m pipeline rules check $(RULES_ARGS)

report: $(STAMP)
	$(PY) -m pip install --quiet -e ".[report]"
	$(PY) -m pipeline report --out $(OUT)

TEXT ?= Landrat Tjark Bartels eröffnete am 8. November 2018 in Hameln über 40 Projekte.
explain: $(STAMP)
	$(PY) -m pipeline explain $(if $(DOC),--doc "$(DOC)" --corpus $(CORPUS),"$(TEXT)") --model $(MODEL) $(RULES_ARGS)

bench: $(STAMP)
	$(PY) -m pipeline.bench --data "$(DATA)" --out bench/results.json

eval: eval-ner eval-lemma eval-entities eval-dates eval-figures

eval-entities: $(STAMP)
	$(PY) -m pipeline.evaluation.entities --gold tests/gold $(if $(wildcard $(DATA)/ner/germeval2014/NER-de-dev.tsv),--germeval $(DATA)/ner/germeval2014/NER-de-dev.tsv)

eval-dates: $(STAMP)
	$(PY) -m pip install --quiet -e ".[eval]"
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
