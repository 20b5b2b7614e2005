# Quick start:  make demo   (set up, run the live monitor on a replay of the bundled demo session)
#               make test   (set up, run the whole test suite)
# Also:         make bench  (the researchers' benchmark, writes benchmarks/RESULTS.md; bench-quick: minutes)
VENV ?= .venv
PY := $(VENV)/bin/python
SYSTEM_PACKAGES := libsndfile1 libportaudio2 espeak-ng sox pulseaudio pulseaudio-utils libasound2-plugins xvfb chromium chromium-driver

.PHONY: setup system demo lint test bench bench-quick clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,bench]'
	touch $@

# System libraries (Debian/Ubuntu, as root); skipped when already present or not root.
system:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "note: missing system packages: $$missing (install them with apt-get as root)"; fi; \
	fi

demo: system setup
	$(VENV)/bin/talkbalance live --replay recordings/demo/practice_session.flac --speed 4 \
	  --config configs/peer-support.toml --out recordings/demo_session

lint: setup
	$(VENV)/bin/ruff check talkbalance benchmarks tests
	$(VENV)/bin/mypy

test: system setup lint
	$(PY) -m pytest -q

bench: system setup
	$(PY) -m benchmarks

bench-quick: system setup
	$(PY) -m benchmarks --quick

clean:
	rm -rf $(VENV) recordings/demo_session recordings/demo_analysis
