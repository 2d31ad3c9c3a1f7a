# sdlab: SpaceDock's production web stack on one machine.
#
#   make up      the lab running, healthy, and where everything is
#   make test    everything tested, then the lab torn down (exit code kept)
#
# `make help` lists every target. Compose v2 (`docker compose`) is used if
# installed, else v1 (`docker-compose`); choose with COMPOSE=docker-compose.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PYTHON := $(VENV)/bin/python
LAB    := $(PYTHON) -m lab
PYTEST := $(PYTHON) -m pytest

# The variables a user gives (make swap REF=..., make trace URL=...) reach the
# recipes as environment variables, quoted there ("$$REF"), and are never pasted
# into a recipe's shell text: `REF='main; rm -rf x'` or a URL with backticks or
# $(...) is a value, not a command. Each is also taken literally here, without
# make's own expansion (`$(value)`): a `$` in a value stays a `$`. Only those
# given are exported, so an unset APP still lets .env decide. (VENV, PYTHON, LAB
# and PYTEST are commands, the developer's to override.)
USER_VARIABLES := REF SERVICE URL HOST CODES name how clients swaps args share service quick lab keep yes \
                  scenario good bad find first_parent \
                  APP SPACEDOCK_SRC LAB_ENV_FILE COMPOSE
$(foreach variable,$(USER_VARIABLES),$(if $(filter-out undefined,$(origin $(variable))),\
  $(eval override $(variable) := $$(value $(variable)))$(eval export $(variable))))

.PHONY: help preflight venv base build up down ps logs status swap deploy trace purge cache-clear tls scenario bisect storage \
        unit integration scenarios browser bench cifs lifecycle real-spacedock \
        compose-v1 test test-clean clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z0-9-]+:.*## / {printf "  make %-15s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

preflight: ## check for Docker, a running engine and Compose; say what is missing
	@python3 -m lab.preflight

venv: $(VENV)/.installed ## the lab's tools and tests in .venv (from requirements.txt)

$(VENV)/.installed: requirements.txt
	@echo "lab: creating $(VENV) (the lab's Python tools and tests)"
	@python3 -m venv $(VENV)
	@$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

base: preflight venv ## the bookworm base image: present, else pulled, else debootstrapped
	@$(LAB) base

build: preflight venv ## build every image (docker build, cached; APP=spacedock: also the real SpaceDock's, a branch each)
	@$(LAB) build

up: preflight venv ## build, start, wait until every service is healthy, print the URLs (APP=spacedock: the real SpaceDock)
	@$(LAB) up

down: preflight venv ## remove containers and networks (data volumes and the live choice stay)
	@$(LAB) down

ps: venv ## Compose's view of the containers
	@$(LAB) compose ps --all

# Example: make logs service=ats
# service= is split into words at blanks like args= (below): several names work
logs: venv ## the last 100 log lines of every service, or of service=<name>
	@read -r -d '' -a services <<< "$$service"; \
	$(LAB) compose logs --tail=100 "$${services[@]}"

status: venv ## live and idle production container, versions, health, Celery workers, storage mode
	@$(LAB) status

# Example: make swap, or make swap REF=origin/main
swap: venv ## blue-green swap of sd1a/sd1b (REF=<git ref>: rebuild the idle one from it first); again rolls back
	@$(LAB) swap $(if $(REF),--ref="$$REF")

# Example: make deploy SERVICE=sd2 REF=beta
deploy: venv ## rebuild SERVICE=sd2|sd6 (or the idle sd1a/sd1b) from REF=<git ref> (none: the working tree; APP=spacedock: a SpaceDock commit) and recreate it; also the repair of a broken one
	@if [ -z "$$SERVICE" ]; then echo "make deploy needs SERVICE=sd2, sd6 or the idle production container"; exit 2; fi
	@$(LAB) deploy "$$SERVICE" $(if $(REF),--ref="$$REF")

# Example: make trace URL=http://spacedock.info/static/spacedock.css  (or URL=/path HOST=beta.spacedock.info)
trace: venv ## fetch URL=... through ATS and explain the way it went (layers, cache hit/miss/stale, Age)
	@if [ -z "$$URL" ]; then echo "make trace needs URL=, e.g. make trace URL=http://spacedock.info/"; exit 2; fi
	@$(LAB) trace "$$URL" $(if $(HOST),--host="$$HOST") $(if $(CODES),--codes)

# Example: make purge URL=http://spacedock.info/content/user_2/Some_Mod/Some_Mod-1.0.zip
purge: venv ## PURGE one URL=... from ATS, sent from inside the lab
	@if [ -z "$$URL" ]; then echo "make purge needs URL=, e.g. make purge URL=http://spacedock.info/content/x.zip"; exit 2; fi
	@$(LAB) purge "$$URL" $(if $(HOST),--host="$$HOST")

cache-clear: venv ## empty ATS's cache at once (new cache generation; no restart)
	@$(LAB) cache clear

tls: venv ## the lab CA for ATS's TLS port, and how to trust it in a browser and in curl
	@$(LAB) tls

# Examples: make scenario; make scenario name=purge-wrong-path; make scenario name=storage-away how=paused
scenario: venv ## the scenario list; name=<scenario>|all plays a production bug (then its fix) or a fault on the running lab
	@$(LAB) scenario $(if $(name),"$$name") $(if $(how),--how="$$how") $(if $(clients),--clients="$$clients") \
	  $(if $(swaps),--swaps="$$swaps") $(if $(yes),--yes)

# Example: make bisect scenario=stale-after-reupload good=ac7b6e2 bad=a5b8167 find=fix
bisect: venv ## APP=spacedock: git bisect run over SpaceDock with scenario=<name>'s symptom as the test, good=<older> bad=<newer> (find=fix: the commit that took it away; first_parent=1: the merge that brought it)
	@if [ -z "$$scenario" ] || [ -z "$$good" ] || [ -z "$$bad" ]; then \
	  echo "make bisect needs scenario=, good= and bad=, e.g. make bisect scenario=delete-version-500 good=9269de0 bad=6517c0e"; exit 2; fi
	@$(LAB) bisect "$$scenario" --good="$$good" --bad="$$bad" $(if $(find),--find="$$find") \
	  $(if $(first_parent),--first-parent)

# Example: make storage args="ls -r user_2"
# args= is a list of words split at blanks (spaces, tabs, newlines) by bash's
# `read -a`: no quotes, no globbing, nothing run, so a word cannot hold a blank
# (python -m lab storage takes such a name as one argument).
storage: venv ## the storage box over SMB3 + encryption: args="ls|put|get|rm ..." (share=beta|alpha)
	@read -r -d '' -a words <<< "$$args"; \
	$(LAB) storage $(if $(share),--share="$$share") "$${words[@]}"

unit: venv ## unit tests; no Docker needed
	@$(PYTEST) tests/unit

# On your own lab each of these says what it changes and asks first (yes=1: go on without asking)
integration: venv ## integration tests against your running lab (make up first; make test uses its own)
	@$(LAB) confirm integration $(if $(yes),--yes) && $(PYTEST) tests/integration

scenarios: venv ## the scenario catalogue's tests against the running lab (each bug shown, then gone with its fix)
	@$(PYTEST) tests/scenarios

# Example: make bench quick=1
bench: venv ## measure every path side by side on the running lab: bench-results/<time>/ (quick=1: under a minute; lab=1: make up timed too)
	@$(LAB) bench $(if $(quick),--quick) $(if $(lab),--lab) $(if $(yes),--yes)

# Example: make cifs quick=1
cifs: venv ## production's kernel CIFS mount of the storage box in a QEMU VM: reads, coherence, outage (quick=1: mount and read back)
	@$(LAB) cifs $(if $(quick),--quick)

browser: venv ## the browser tests: Debian's Chromium in a container, against the running lab
	@$(LAB) browser

lifecycle: venv ## `make up` twice is harmless, `make down` leaves nothing (your lab: brought back up afterwards)
	@$(LAB) confirm lifecycle $(if $(yes),--yes) && $(PYTEST) tests/lifecycle

# Example: make real-spacedock SPACEDOCK_SRC=../SpaceDock
real-spacedock: venv ## the real SpaceDock's pass: make up APP=spacedock (from SPACEDOCK_SRC), then tests/spacedock
	@APP=spacedock $(LAB) up && APP=spacedock $(PYTEST) tests/spacedock tests/scenarios/test_catalogue.py

# Example: LAB_ENV_FILE=.lab/test/lab.env make compose-v1   (make test does)
compose-v1: venv ## with Compose v1: up, then the routing tests (skipped if docker-compose is missing)
	@if ! command -v docker-compose >/dev/null; then \
	  echo "lab: docker-compose (Compose v1) is not installed; skipping the Compose v1 pass"; exit 0; fi; \
	COMPOSE=docker-compose $(LAB) up && COMPOSE=docker-compose $(PYTEST) -m routing tests/integration

# Example: make test keep=1
test: preflight venv ## everything, in a lab of its own beside yours, removed afterwards (keep=1: left up)
	@$(LAB) test $(if $(keep),--keep)

test-clean: venv ## remove the test lab that make test keep=1 left up
	@$(LAB) test --remove

clean: venv ## down (and the test lab), then remove the data volumes, every image the lab builds (not the base), .venv, .lab and artifacts
	@$(LAB) clean || echo "lab: Docker's part of make clean did not all work (above); the local files go anyway"
	@rm -rf $(VENV) .lab artifacts
