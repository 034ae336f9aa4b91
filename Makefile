# shopbot: the front door. `make run` and `make test` work from a fresh clone.
SHELL := /bin/bash
STORE ?= knowledge/demo_store
TAU_STORE ?= ../shared/datasets/tau_retail
export SHOPBOT_STORE_DIR := $(abspath $(STORE))
export RASA_TELEMETRY_ENABLED := false
export RASA_CACHE_DIRECTORY := $(CURDIR)/var/rasa-cache
export PYTHONPATH := $(CURDIR)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TF_CPP_MIN_LOG_LEVEL := 2

PY := .venv-actions/bin/python
RASA := .venv-rasa/bin/rasa
RASA_PY := .venv-rasa/bin/python

.PHONY: help setup lookups ingest train validate run chat stop bench test test-unit test-stories test-e2e browser eval eval-smoke conformance staff-user reset-db audit clean
help:
	@echo "make run [STORE=dir]   set up everything, ingest, train if needed, start the bot"
	@echo "make test              all tests (units, services, actions, Rasa validation + stories, end to end)"
	@echo "make chat              talk to the bot in this terminal (starts it if needed)"
	@echo "make eval              intent understanding on Bitext utterances -> reports/intents.md"
	@echo "make conformance       tau-bench retail order tasks (dev + train sample) -> reports/conformance.md"
	@echo "make reset-db          reseed the orders database from the store (audit: make audit)"
	@echo "make staff-user NAME=x a staff account for the console at http://localhost:8000/staff"
	@echo "make setup | ingest | train | validate | stop | clean"

setup:
	@bash scripts/setup.sh

lookups: setup
	@$(PY) -m bot.knowledge.lookups

ingest: setup
	@$(PY) -m bot.knowledge.ingest

train: lookups
	@$(RASA) train --out models --quiet

validate: lookups
	@$(RASA) data validate --quiet

run: ingest train
	@bash scripts/run.sh

chat: ingest train
	@curl -sf localhost:5005/status >/dev/null || bash scripts/run.sh --background
	@$(PY) -m bot.chat

bench: ingest train
	@curl -sf localhost:5005/status >/dev/null || bash scripts/run.sh --background
	@$(PY) -m bench.turns

staff-user: setup  # make staff-user NAME=alice (password from SHOPBOT_STAFF_PASSWORD or typed)
	@$(PY) -m bot.web.staff_users add $(NAME)

reset-db: setup
	@$(PY) -m bot.commerce_db reset --store $(STORE)

audit: setup
	@$(PY) -m bot.commerce_db audit --store $(STORE)

BITEXT ?= ../shared/datasets/bitext_customer_support
eval: train  # intent understanding on Bitext (all 4,514 utterances) -> reports/intents.md + plot
	@$(RASA_PY) eval/intents.py --bitext $(BITEXT) --model models --out reports

eval-smoke: train  # the same on a 200-utterance sample, into var/ (run by make test; numbers not asserted)
	@$(RASA_PY) eval/intents.py --bitext $(BITEXT) --model models --out var/eval-smoke --limit 200

conformance: train
	@SHOPBOT_TAU_STORE=$(abspath $(TAU_STORE)) SHOPBOT_CONFORMANCE=all $(PY) -m pytest -q \
	  tests/e2e/test_order_conformance.py; echo "report: reports/conformance.md"

stop:
	@-kill $$(cat var/run/actions.pid var/run/rasa.pid var/run/web.pid 2>/dev/null) 2>/dev/null; rm -f var/run/*.pid

test: validate test-unit train test-stories test-e2e eval-smoke

test-unit: setup
	@$(PY) -m pytest -q tests/unit tests/services tests/actions tests/web

browser:
	@bash scripts/browser.sh

test-stories: train
	@$(RASA) test core --stories tests/test_stories.yml --model models --out var/results/stories \
	  --fail-on-prediction-errors

test-e2e: train browser
	@SHOPBOT_TAU_STORE=$(abspath $(TAU_STORE)) $(PY) -m pytest -q tests/e2e

clean:
	rm -rf models var data/generated
