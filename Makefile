# Flowdeck: `make run` (the whole stack) and `make test` (the whole suite).
# Without DATABASE_URL / REDIS_URL, embedded PostgreSQL and Redis are started
# from pip wheels (data in .flowdeck/) and stopped on exit.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STACK  := $(PY) -m flowdeck.devstack exec --
PYTEST_ARGS ?=

.PHONY: run test setup frontend frontend-test chromium services-stop clean manage

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

ifneq ($(wildcard frontend/package.json),)
frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

frontend: frontend/node_modules/.installed
	cd frontend && npm run build

frontend-test: frontend/node_modules/.installed
	cd frontend && npm test
else
frontend frontend-test:
	@echo "no frontend/ yet"
endif

setup: $(VENV)/.installed frontend

chromium:
	scripts/ensure-chromium.sh

# supervisord restarts whichever process dies (flowdeck/supervisord.conf names them).
# The demo: flowdeck.settings plus the shop (flowdeck/settings_shop.py). Every process counts its metrics
# in PROMETHEUS_MULTIPROC_DIR (emptied at start, as prometheus-client asks); /metrics adds them up.
run: setup
	export DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-flowdeck.settings_shop} \
	       FLOWDECK_PORT=$${FLOWDECK_PORT:-8000} FLOWDECK_SHOP_PORT=$${FLOWDECK_SHOP_PORT:-8001} \
	       FLOWDECK_STATE_DIR=$${FLOWDECK_STATE_DIR:-$(CURDIR)/.flowdeck}; \
	export FLOWDECK_SHOP_URL=$${FLOWDECK_SHOP_URL:-http://127.0.0.1:$$FLOWDECK_SHOP_PORT}; \
	export PROMETHEUS_MULTIPROC_DIR=$${PROMETHEUS_MULTIPROC_DIR:-$$FLOWDECK_STATE_DIR/prometheus}; \
	mkdir -p "$$PROMETHEUS_MULTIPROC_DIR" && rm -f "$$PROMETHEUS_MULTIPROC_DIR"/*.db; \
	exec $(STACK) sh -c '$(PY) manage.py flowdeck_setup && $(PY) manage.py shop_demo && exec $(VENV)/bin/supervisord -n -c flowdeck/supervisord.conf'

# manage.py from a second terminal, against the services `make run` started (bin/flowdeck):
# make manage ARGS="drf_create_token admin"
manage: $(VENV)/.installed
	bin/flowdeck $(ARGS)

test: setup chromium frontend-test
	$(STACK) $(PY) -m pytest $(PYTEST_ARGS)

services-stop:
	$(PY) -m flowdeck.devstack stop

clean: services-stop
	rm -rf .flowdeck $(VENV) frontend/node_modules frontend/dist
