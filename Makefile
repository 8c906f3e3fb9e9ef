# AskIT. `make run` starts the assistant; `make test` runs every check. Both set up what is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

RASA_PORT ?= 5005
ACTION_PORT ?= 5055
export ACTION_PORT
export HF_HUB_OFFLINE := 1
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONPATH := $(CURDIR)
# pip installs without compiling (--no-compile: Rasa's environment builds about a minute faster) and
# Python compiles each module the first time it is imported, once, if it may write the cache.
unexport PYTHONDONTWRITEBYTECODE
PIP_INSTALL = pip install --quiet --no-compile
# endpoints.yml reads it; a PostgreSQL URL here scales out (see README).
export TRACKER_DB_URL ?= sqlite:///$(CURDIR)/var/tracker.db
export EVENTS_DB_URL ?= sqlite:///$(CURDIR)/var/events.db

PY310 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python3.10) $(shell command -v python3.10 2>/dev/null))
PY311 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.11*/bin/python3.11) $(shell command -v python3.11 2>/dev/null))

RASA_VENV := .venv-rasa
ACTIONS_VENV := .venv-actions
RASA := $(RASA_VENV)/bin/rasa
APY := $(ACTIONS_VENV)/bin/python
MODEL := models/current.tar.gz
# Tests of code that runs inside the Rasa server run in its environment.
RASA_ENV_TESTS := tests/channels tests/nlu tests/tools tests/bot/test_tracker_store.py tests/bot/test_event_broker.py \
	tests/bot/test_rasa_server.py tests/bot/test_lock_store.py tests/handoff tests/deploy/test_rasa_endpoints.py
RASA_DATA := config.yml domain.yml $(wildcard data/*.yml)

.PHONY: help setup system-deps run test checks lint typecheck pytest-actions pytest-unit pytest-e2e pytest-rasa validate \
	pytest-e2e-shared pytest-e2e-own \
	story-test index model shell clean \
	kb kb-calibrate kb-eval teams-package

help:
	@echo "make run    start the assistant (sets everything up first) and print the chat URL"
	@echo "make test   run every check: ruff, mypy, pytest, rasa data validate, rasa test"
	@echo "make index  rebuild the knowledge-base index;  make model  retrain Rasa if its data changed"
	@echo "make kb ARGS='validate|stats|search \"vpn down\"'   the knowledge-base command line"
	@echo "make kb-calibrate  choose thresholds on the dev questions;  make kb-eval  score the test questions"
	@echo "make teams-package  the Teams app package (TEAMS_APP_ID=... ASKIT_PUBLIC_URL=https://...); see docs/teams.md"

$(RASA_VENV)/.installed: requirements/rasa.txt requirements/rasa-dev.txt requirements/rasa.lock
	@test -n "$(PY310)" || { echo "Python 3.10 not found: install it (e.g. 'pyenv install 3.10.13') or run 'make PY310=/path/to/python3.10'" >&2; exit 1; }
	@echo "creating $(RASA_VENV) with $(PY310) (about 2-3 minutes)"
	rm -rf $(RASA_VENV) && $(PY310) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/$(PIP_INSTALL) -r requirements/rasa.txt -r requirements/rasa-dev.txt -c requirements/rasa.lock
	touch $@

$(ACTIONS_VENV)/.installed: requirements/actions.txt requirements/dev.txt requirements/actions.lock
	@test -n "$(PY311)" || { echo "Python 3.11 not found: install it (e.g. 'pyenv install 3.11.7') or run 'make PY311=/path/to/python3.11'" >&2; exit 1; }
	@echo "creating $(ACTIONS_VENV) with $(PY311) (about 1-2 minutes)"
	rm -rf $(ACTIONS_VENV) && $(PY311) -m venv $(ACTIONS_VENV)
	# torch first and alone: the CPU wheel; letting another package pull it would fetch CUDA.
	$(ACTIONS_VENV)/bin/$(PIP_INSTALL) torch==2.13.0
	$(ACTIONS_VENV)/bin/$(PIP_INSTALL) -r requirements/actions.txt -r requirements/dev.txt -c requirements/actions.lock
	touch $@

setup: $(RASA_VENV)/.installed $(ACTIONS_VENV)/.installed

# Debian packages the tests use: a real PostgreSQL server for the tracker-store test, Redis and
# HAProxy for the scale-out tests (two replicas behind a balancer, sharing a lock store), a real
# Request Tracker 5 (SQLite, standalone server) for the ticketing integration test, and Chromium
# for the web-widget tests (Playwright drives /usr/bin/chromium; it downloads no browser; the insights
# report prints its PDF with it), poppler-utils to look at that PDF's pages, and RabbitMQ for the
# insights' events through a message broker (tests/rabbitmq_server.py starts its own node). debconf
# is told first that RT must not create a database of its own (the tests make theirs in a temp folder).
SYSTEM_PACKAGES := postgresql redis-server haproxy request-tracker5 rt5-db-sqlite rt5-standalone chromium poppler-utils \
	rabbitmq-server
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages: $$missing"; \
	    echo 'request-tracker5 request-tracker5/dbconfig-install boolean false' | debconf-set-selections; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing Debian packages: $$missing (install them, or run make as root)" >&2; exit 1; fi; \
	fi

# npm packages the tests use, exactly as package-lock.json pins them: axe-core for the widget's
# accessibility test, Microsoft's Teams manifest schemas for the Teams package test, Microsoft's
# Adaptive Cards renderer and the Teams host config for the Teams card test, and oidc-provider, the
# real OpenID provider the back office signs in with in its tests. The designer package is only read
# for its host config: its peers (an editor and a templating engine) are not installed.
NPM_TEST_DEPS := tests/e2e/node_modules/.installed
$(NPM_TEST_DEPS): tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --legacy-peer-deps --no-audit --no-fund --loglevel=error
	touch $@

index: $(ACTIONS_VENV)/.installed
	$(APY) -m bot.knowledge build

KB_QUESTIONS := benchmarks/data/kb-questions
kb: $(ACTIONS_VENV)/.installed
	$(APY) -m bot.knowledge $(ARGS)

# Thresholds are chosen on the dev split only; the test split only ever measures them.
kb-calibrate: index
	$(APY) -m bot.knowledge calibrate --queries $(KB_QUESTIONS)-dev.jsonl --thresholds-out knowledge_base/thresholds.yml

kb-eval: index
	mkdir -p var && $(APY) -m bot.knowledge eval --queries $(KB_QUESTIONS)-test.jsonl --output var/kb-eval-test.jsonl

model: $(MODEL)
$(MODEL): $(RASA_VENV)/.installed $(RASA_DATA)
	$(RASA) train --config config.yml --domain domain.yml --data data --out models --fixed-model-name current

run: setup index $(MODEL)
	$(APY) -m bot.launcher --dev --rasa-port $(RASA_PORT) --action-port $(ACTION_PORT) --model $(MODEL)

# Chat in the terminal with the AskIT that 'make run' started (its REST channel; bot/terminal_chat.py).
shell:
	@python3 -m bot.terminal_chat

lint: $(ACTIONS_VENV)/.installed
	$(ACTIONS_VENV)/bin/ruff check .

# Code that runs inside the Rasa server is checked in its own environment (Python 3.10, with Rasa).
RASA_MYPY := --config-file "" --python-version 3.10 --ignore-missing-imports --disallow-untyped-defs \
	--warn-unused-ignores --warn-redundant-casts --no-implicit-optional
typecheck: $(ACTIONS_VENV)/.installed $(RASA_VENV)/.installed
	$(ACTIONS_VENV)/bin/mypy
	$(RASA_VENV)/bin/mypy $(RASA_MYPY) bot/channels bot/nlu bot/tracker_store.py bot/event_broker.py bot/lock_store.py bot/handoff \
		benchmarks/nlu_length.py $(RASA_ENV_TESTS)

# The action-server environment's tests: those that start no Rasa server (a real PostgreSQL and
# Request Tracker among them), and the end-to-end ones, which need the trained model. Those spend
# most of their time waiting for servers to start, so they run as two processes side by side: the
# tests on the shared stacks (tests/e2e/conftest.py), and those marked own_stack.
pytest-actions: pytest-unit pytest-e2e
pytest-unit: $(ACTIONS_VENV)/.installed system-deps $(NPM_TEST_DEPS) index
	$(ACTIONS_VENV)/bin/pytest tests -p no:cacheprovider --ignore=tests/e2e $(RASA_ENV_TESTS:%=--ignore=%)
pytest-e2e: pytest-e2e-shared pytest-e2e-own
E2E_NEEDS := $(ACTIONS_VENV)/.installed system-deps $(NPM_TEST_DEPS) index $(MODEL)
pytest-e2e-shared: $(E2E_NEEDS)
	$(ACTIONS_VENV)/bin/pytest tests/e2e -p no:cacheprovider -m "not own_stack"
pytest-e2e-own: $(E2E_NEEDS)
	$(ACTIONS_VENV)/bin/pytest tests/e2e -p no:cacheprovider -m own_stack

pytest-rasa: $(RASA_VENV)/.installed $(NPM_TEST_DEPS)
	$(RASA_VENV)/bin/pytest $(RASA_ENV_TESTS) -p no:cacheprovider

validate: $(RASA_VENV)/.installed
	$(RASA) data validate --config config.yml --domain domain.yml --data data

story-test: $(MODEL)
	$(RASA) test core --model $(MODEL) --stories tests/stories --endpoints endpoints.yml --out results/stories --fail-on-prediction-errors --no-plot

# Each job's output is shown whole when it ends. First what everything needs: the environments
# side by side, then the model, which trains alone (DIET keeps both cores busy). Then three jobs at
# a time: the two end-to-end processes, which mostly wait for servers to start, and the checks and
# other tests one after another beside them.
test:
	@$(MAKE) --no-print-directory -j2 --output-sync=target $(MODEL) index system-deps $(NPM_TEST_DEPS)
	@$(MAKE) --no-print-directory -j3 --output-sync=target checks
checks: pytest-e2e-shared pytest-e2e-own pytest-unit typecheck lint pytest-rasa validate story-test

# The Teams app package to sideload or upload (docs/teams.md): needs TEAMS_APP_ID and ASKIT_PUBLIC_URL.
teams-package:
	python3 -m bot.tools.teams_package --out dist/askit-teams.zip

clean:
	rm -rf models results var dist $(RASA_VENV) $(ACTIONS_VENV) knowledge_base/index tests/e2e/node_modules
