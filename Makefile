# One task runner for setup, the demo, tests, lint and benchmarks.
VENV := .venv/bin
PYTEST_ARGS ?= -n 2

.PHONY: setup setup-test demo serve test lint bench screenshots clean

setup:
	bash scripts/setup.sh

setup-test:
	bash scripts/setup.sh --for-tests

demo: setup
	$(VENV)/lodestar demo

serve: setup
	$(VENV)/lodestar serve

lint:
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/mypy
	$(VENV)/lint-imports

test: setup-test lint
	$(VENV)/pytest $(PYTEST_ARGS)

bench: setup
	$(VENV)/python -m bench

screenshots: setup-test
	LODESTAR_SCREENSHOTS=1 $(VENV)/pytest tests/web -k screenshot -p no:xdist

clean:
	rm -rf lodestar-data bench-data .pytest_cache .mypy_cache .ruff_cache
