# Clientele: `make help` lists the targets. Every target creates .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv with Clientele and its development tools

demo: $(STAMP) ## Run the demo on an embedded PostgreSQL (no setup needed)
	$(BIN)/clientele demo

test: $(STAMP) ## Run the whole test suite (embedded PostgreSQL unless CLIENTELE_TEST_DATABASE_URL is set)
	$(BIN)/pytest

lint: $(STAMP) ## ruff check, ruff format --check, mypy --strict on src/
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy --strict src

format: $(STAMP) ## Apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

.PHONY: help install demo test lint format
