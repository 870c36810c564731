# One command sets everything up and runs the job; one sets up and passes the tests.
VENV ?= .venv
PY := $(VENV)/bin/python
INDEX ?= demo-index

.PHONY: setup demo test lint browser bench clean

setup: $(VENV)/.installed

# torch first, pinned: pip takes the CPU wheel; a bare torch requirement pulls a CUDA build.
$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

demo: setup
	$(VENV)/bin/newsrag ingest samples/corpus samples/wikinews --index $(INDEX)
	$(VENV)/bin/newsrag ask "What did Xi say about arms races?" --index $(INDEX)
	$(VENV)/bin/newsrag ask "How many pilgrims died in the Hajj stampede?" --index $(INDEX)
	$(VENV)/bin/newsrag ask "What did Xi say about Taiwan?" --index $(INDEX)

lint: setup
	$(VENV)/bin/ruff check index rag api tests bench
	$(VENV)/bin/mypy

# Debian's Chromium for the chat page's browser test (installed when run as root).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium not installed: the browser test will be skipped"

test: lint browser
	$(VENV)/bin/pytest

bench: setup
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) bench/ingest_bench.py --articles 300
	$(PY) bench/fusion.py

clean:
	rm -rf $(INDEX) .pytest_cache .mypy_cache .ruff_cache
