# The two commands of the README: `make run` and `make test`. Both need only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WEB_PORT ?= 8000
export WEB_PORT

.PHONY: run test lint format migrate demo bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

migrate: $(STAMP)
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

run: demo
	@echo ""
	@echo "Retry Admin is starting: http://127.0.0.1:$(WEB_PORT)/  (Ctrl-C stops web, worker and beat)"
	@echo ""
	@# Ctrl-C stops honcho, which stops web, worker and beat: an exit by SIGINT (130) or SIGTERM (143) is
	@# the normal way out, not an error for make to report.
	@$(BIN)/honcho start -f Procfile; status=$$?; \
	if [ $$status -ne 0 ] && [ $$status -ne 130 ] && [ $$status -ne 143 ]; then exit $$status; fi; \
	echo "Retry Admin stopped."

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var
