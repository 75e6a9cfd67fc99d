# Livestall: `make run` serves the app with demo data; `make test` passes the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= sqlite
PYTEST_ARGS ?=

.PHONY: install system-deps run run-cluster demo test test-webrtc test-postgres clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

system-deps:
	bash scripts/install-system-deps.sh

# The demo's live show streams, sells and chats while it serves; `make run LIVESTALL_DEMO_LIVE=false` leaves it still.
LIVESTALL_DEMO_LIVE ?= true
run: install
	$(BIN)/livestall demo
	LIVESTALL_DEMO_LIVE=$(LIVESTALL_DEMO_LIVE) $(BIN)/livestall serve

# PostgreSQL, Redis, one app process per core (WORKERS=N to choose) and nginx on
# http://127.0.0.1:$(CLUSTER_PORT), with the demo world; Ctrl-C stops them all.
CLUSTER_PORT ?= 8080
WORKERS ?=
run-cluster: install system-deps
	$(BIN)/livestall cluster --port $(CLUSTER_PORT) $(if $(WORKERS),--workers $(WORKERS)) --demo

demo: install
	$(BIN)/livestall demo

test: install system-deps
	LIVESTALL_TEST_DATABASE=$(DB) $(BIN)/python -m pytest $(PYTEST_ARGS)
ifeq ($(DB)$(PYTEST_ARGS),sqlite)
	$(MAKE) test-webrtc
endif

# The WebRTC tests, in a network namespace of their own so that their media stays on this machine.
test-webrtc: install system-deps
	scripts/private-network $(BIN)/python -m pytest -m private_network tests/media

test-postgres:
	$(MAKE) test DB=postgresql

clean:
	rm -rf $(VENV) var .pytest_cache
