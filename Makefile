# Build and test harness for the cloudflare.magic_transit collection.  `make help` lists the targets.
#
# Two controllers are tested:
#   main    .venv         Python >= 3.12, ansible-core 2.21  (requirements-dev.txt)
#   compat  .venv-compat  Python 3.11,    ansible-core 2.19  (tests/requirements-compat.txt)
# Interpreters are discovered by hack/find_python.sh (force one with PYTHON_MAIN=... / PYTHON_COMPAT=...).
# Tests never run in the working tree: every stage first mirrors it to
#   .build/collections/ansible_collections/<namespace>/<name>/
# (ansible-test insists on that layout and rejects a symlink) and runs there.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
BUILD := $(ROOT)/.build
NAMESPACE := $(shell sed -n 's/^namespace:[[:space:]]*//p' '$(ROOT)/galaxy.yml')
NAME := $(shell sed -n 's/^name:[[:space:]]*//p' '$(ROOT)/galaxy.yml')
COLLECTIONS := $(BUILD)/collections
COPY := $(COLLECTIONS)/ansible_collections/$(NAMESPACE)/$(NAME)
VENV := $(ROOT)/.venv
VENV_COMPAT := $(ROOT)/.venv-compat
REQ_MAIN := $(ROOT)/requirements-dev.txt
REQ_COMPAT := $(ROOT)/tests/requirements-compat.txt
REQ_FALLBACK := $(BUILD)/requirements-fallback.txt
# ansible-test gets its own HOME: its venvs, its pip bootstrap cache and pip's cache stay in .build/.
TEST_HOME := $(BUILD)/home
# ansible-lint (ansible-compat) caches under XDG_CACHE_HOME.
LINT_CACHE := $(BUILD)/cache
# Ansible's own ~/.ansible (tmp, default collections/roles paths) for tests, lint and the demo.
export ANSIBLE_HOME := $(BUILD)/ansible-home

# Extra arguments, e.g.  make units PYTEST_ARGS='-k client -x'   make demo DEMO_ARGS=-v
PYTEST_ARGS ?=
SANITY_ARGS ?=
LINT_ARGS ?=
DEMO_ARGS ?=
# In CI (CI=true) a missing controller is an error, never a skipped run.
STRICT ?= $(if $(filter true 1 yes,$(CI)),1,)

STAGES := sanity units integration reliability lint changelog-lint docs-lint

# Interpreter discovery, evaluated once and only by the targets that need it.
PY_MAIN = $(eval PY_MAIN := $(shell PYTHON_MAIN='$(PYTHON_MAIN)' '$(ROOT)/hack/find_python.sh' main))$(PY_MAIN)
PY_COMPAT = $(eval PY_COMPAT := $(shell PYTHON_COMPAT='$(PYTHON_COMPAT)' '$(ROOT)/hack/find_python.sh' compat))$(PY_COMPAT)
# full: both controllers; fallback: no Python >= 3.12, everything on 3.11 + ansible-core 2.19
MODE = $(if $(PY_MAIN),full,$(if $(PY_COMPAT),fallback,none))
MAIN_PYTHON = $(if $(PY_MAIN),$(PY_MAIN),$(PY_COMPAT))
MAIN_REQS = $(if $(PY_MAIN),$(REQ_MAIN),$(REQ_FALLBACK))

# --- recipe helpers (each recipe is one bash script: .ONESHELL) --------------------------------
# $(call stage,description): banner now, "passed/FAILED in Ns" when the recipe ends.
define stage
_t0=$$(date +%s)
trap '_rc=$$?; if [ $$_rc -eq 0 ]; then _s=passed; else _s="FAILED (exit $$_rc)"; fi; printf "<<< %s: %s in %ss\n" "$@" "$$_s" "$$(( $$(date +%s) - _t0 ))"' EXIT
printf '\n>>> %s: %s\n' '$@' '$(1)'
run() { printf '+ %s\n' "$$*"; "$$@"; }
endef

define loud
printf '\n!!! %s\n' $(1) >&2
endef

.PHONY: help test test-live $(STAGES) venv venv-main venv-compat python-info check-python sync get-pip-shim demo screenshots bench docs clean distclean

help: ## show this help
	@printf 'cloudflare.magic_transit build harness (collection %s.%s)\n\n' '$(NAMESPACE)' '$(NAME)'
	printf 'usage: make TARGET [PYTEST_ARGS=...] [SANITY_ARGS=...] [LINT_ARGS=...] [DEMO_ARGS=...]\n\n'
	grep -E '^[a-z-]+:.*## ' '$(ROOT)/Makefile' | sed -E 's/^([a-z-]+):.*## (.*)/  \1\t\2/' | expand -t 20
	printf '\nmake test runs: %s (all of them; exit code non-zero if any failed).\n' '$(STAGES)'
	printf 'Set FAIL_FAST=1 to stop at the first failing stage; PYTHON_MAIN / PYTHON_COMPAT force interpreters.\n'

test: venv ## the whole gate: sanity units integration reliability lint changelog-lint docs-lint
	@failed=""
	summary=""
	t_all=$$(date +%s)
	for s in $(STAGES); do
	    t0=$$(date +%s)
	    if $(MAKE) -f '$(ROOT)/Makefile' "$$s"; then r=passed; else r=FAILED; failed="$$failed $$s"; fi
	    summary="$$summary$$(printf '  %-16s %-7s %5ss' "$$s" "$$r" "$$(( $$(date +%s) - t0 ))")"$$'\n'
	    if [ -n "$$failed" ] && [ -n "$(FAIL_FAST)" ]; then break; fi
	done
	printf '\n=== make test summary (%ss in all)\n%s' "$$(( $$(date +%s) - t_all ))" "$$summary"
	if [ -n "$$failed" ]; then printf '=== FAILED:%s\n' "$$failed"; exit 1; fi
	printf '=== all stages passed\n'

# --- interpreters and venvs ---------------------------------------------------------------------

python-info: ## show which interpreters were found and how they will be used
	@printf 'needs: Python >= 3.12 for the main controller (ansible-core 2.21) and Python 3.11 for the compat controller (ansible-core 2.19)\n'
	printf 'main   (>= 3.12): %s\n' '$(or $(PY_MAIN),NOT FOUND)'
	printf 'compat (3.11)   : %s\n' '$(or $(PY_COMPAT),NOT FOUND)'
	printf 'mode            : %s\n' '$(MODE)'

# Prerequisite of everything that needs a venv: one line when all is well, loud otherwise.
check-python:
	@if [ -n '$(PYTHON_MAIN)' ] && [ -z '$(PY_MAIN)' ]; then echo 'PYTHON_MAIN is set but unusable: failing.' >&2; exit 1; fi
	if [ -n '$(PYTHON_COMPAT)' ] && [ -z '$(PY_COMPAT)' ]; then echo 'PYTHON_COMPAT is set but unusable: failing.' >&2; exit 1; fi
	case '$(MODE)' in
	full)
	    printf 'python: main controller %s (needs >= 3.12), compat controller %s (needs 3.11)\n' '$(PY_MAIN)' '$(or $(PY_COMPAT),NOT FOUND)' ;;
	fallback)
	    $(call loud,'NO PYTHON >= 3.12 FOUND: running EVERYTHING on Python 3.11 ($(PY_COMPAT)) with ansible-core 2.19.')
	    printf '!!! ansible-core 2.21 is NOT tested. Install Python 3.12+ (e.g. pyenv install 3.12) or set PYTHON_MAIN=/path/to/python3.12.\n\n' >&2
	    if [ -n '$(STRICT)' ]; then echo 'CI requires both controllers: failing.' >&2; exit 1; fi ;;
	*)
	    $(call loud,'NO USABLE PYTHON FOUND: need Python >= 3.12 (preferred) or 3.11 (with the venv and ensurepip modules).')
	    printf '!!! Install one (Debian: apt install python3.11-venv; or pyenv install 3.12) or set PYTHON_MAIN=/path/to/python.\n\n' >&2
	    exit 1 ;;
	esac

venv: venv-main venv-compat ## create/refresh both venvs (rebuilt whenever their requirements change)

venv-main: check-python
	@if [ '$(MODE)' = fallback ]; then
	    mkdir -p '$(BUILD)'
	    { grep -v '^ansible-core[=<>~! ]' '$(REQ_MAIN)'; grep '^ansible-core' '$(REQ_COMPAT)'; } > '$(REQ_FALLBACK).tmp'
	    mv '$(REQ_FALLBACK).tmp' '$(REQ_FALLBACK)'
	fi
	'$(ROOT)/hack/venv.sh' '$(VENV)' '$(MAIN_PYTHON)' '$(MAIN_REQS)'

venv-compat: check-python
	@case '$(MODE)' in
	full)
	    if [ -n '$(PY_COMPAT)' ]; then
	        '$(ROOT)/hack/venv.sh' '$(VENV_COMPAT)' '$(PY_COMPAT)' '$(REQ_COMPAT)'
	    else
	        $(call loud,'NO PYTHON 3.11 FOUND: the compat controller (ansible-core 2.19) will NOT be tested.')
	        if [ -n '$(STRICT)' ]; then echo 'CI requires both controllers: failing.' >&2; exit 1; fi
	    fi ;;
	fallback) echo 'venv .venv-compat: not needed (the main venv already is the 3.11 / ansible-core 2.19 controller)' ;;
	esac

# --- the build copy -------------------------------------------------------------------------------

# The copy gets an empty git repository of its own: ansible-test lists content with
# `git ls-files --cached --others --exclude-standard` from the nearest .git upwards, and would
# otherwise find this checkout's .git, where .build/ is ignored, and test nothing.
sync: venv-main
	@'$(VENV)/bin/python' '$(ROOT)/hack/sync_tree.py' '$(ROOT)' '$(COPY)'
	if [ ! -d '$(COPY)/.git' ]; then git init --quiet '$(COPY)'; fi

# ansible-test --venv downloads get-pip.py from a host that may be unreachable; give it an offline one.
get-pip-shim: venv-main
	@'$(VENV)/bin/python' '$(ROOT)/hack/get_pip_offline.py' --install-cache '$(TEST_HOME)/.ansible/test/cache'

# --- stages -------------------------------------------------------------------------------------

sanity: venv-main sync get-pip-shim ## ansible-test sanity --venv (no ignore files, ever)
	@$(call stage,ansible-test sanity)
	cd '$(COPY)'
	shopt -s nullglob
	ignores=(tests/sanity/ignore-*.txt)
	if [ $${#ignores[@]} -gt 0 ]; then
	    echo "sanity: ignore files are not allowed here, fix the findings instead: $${ignores[*]}" >&2
	    exit 1
	fi
	pyver=$$('$(VENV)/bin/python' -c 'import sys; print("%d.%d" % sys.version_info[:2])')
	# HOME: keep ansible-test's venvs and caches out of the user's home.
	# PATH: the venv first, so `python3.X` is a real interpreter and never a pyenv shim.
	export HOME='$(TEST_HOME)' PATH='$(VENV)/bin':"$$PATH"
	run ansible-test sanity --venv --python "$$pyver" --truncate 0 $(SANITY_ARGS)

units: venv-main sync ## pytest tests/unit tests/simulator and the property tests (main controller)
	@$(call stage,unit and simulator tests)
	run '$(ROOT)/hack/ensure_chromium.sh'  # the HTML report is tested in headless Chromium: installed when missing, never skipped
	cd '$(COPY)'
	run '$(VENV)/bin/python' -m pytest tests/unit tests/simulator tests/reliability/test_properties.py tests/reliability/test_planner_properties.py $(PYTEST_ARGS)

integration: venv sync ## pytest tests/integration on the main and the compat controller, side by side
	@$(call stage,integration tests)
	cd '$(COPY)'
	rc=0
	# Each run mostly waits on one ansible-playbook at a time, so the two controllers run side by side (CI has
	# 2 cores), each in a temporary folder of its own; the compat run's output is printed after the main run's.
	compat_log='$(BUILD)/integration-compat.log'
	compat_pid=
	if [ '$(MODE)' = full ] && [ -x '$(VENV_COMPAT)/bin/python' ] && [ -n '$(PY_COMPAT)' ]; then
	    '$(VENV_COMPAT)/bin/python' -m pytest tests/integration --basetemp='$(BUILD)/pytest-integration-compat' $(PYTEST_ARGS) \
	        > "$$compat_log" 2>&1 &
	    compat_pid=$$!
	elif [ '$(MODE)' = full ]; then
	    $(call loud,'compat controller (Python 3.11 / ansible-core 2.19) NOT tested: no Python 3.11 found.')
	fi
	run '$(VENV)/bin/python' -m pytest tests/integration --basetemp='$(BUILD)/pytest-integration' $(PYTEST_ARGS) || rc=$$?
	if [ -n "$$compat_pid" ]; then
	    wait "$$compat_pid" || rc=$$?
	    printf '\n>>> integration: on the compat controller (%s), run alongside\n' "ansible-core $$('$(VENV_COMPAT)/bin/python' -c 'import ansible.release as r; print(r.__version__)')"
	    cat "$$compat_log"
	fi
	exit $$rc

reliability: venv-main sync ## pytest tests/reliability: faults, rate-limit block, concurrency, bad input, secrets
	@$(call stage,reliability tests)
	cd '$(COPY)'
	run '$(VENV)/bin/python' -m pytest tests/reliability --ignore=tests/reliability/test_properties.py --ignore=tests/reliability/test_planner_properties.py $(PYTEST_ARGS)

lint: venv-main sync ## ansible-lint --profile production on roles/ playbooks/ examples/
	@$(call stage,ansible-lint)
	cd '$(COPY)'
	paths=()
	for d in roles playbooks examples; do if [ -e "$$d" ]; then paths+=("$$d"); fi; done
	if [ $${#paths[@]} -eq 0 ]; then echo 'lint: nothing to lint: no roles/, playbooks/ or examples/' >&2; exit 1; fi
	export ANSIBLE_COLLECTIONS_PATH='$(COLLECTIONS)' XDG_CACHE_HOME='$(LINT_CACHE)' PATH='$(VENV)/bin':"$$PATH"
	color=(); if [ ! -t 1 ]; then color=(--nocolor); fi
	run ansible-lint --offline --profile production "$${color[@]}" $(LINT_ARGS) "$${paths[@]}"

changelog-lint: venv-main sync ## antsibull-changelog lint (fragments and changelogs/changelog.yaml)
	@$(call stage,antsibull-changelog lint)
	cd '$(COPY)'
	run '$(VENV)/bin/antsibull-changelog' lint
	if [ -f changelogs/changelog.yaml ]; then
	    run '$(VENV)/bin/antsibull-changelog' lint-changelog-yaml changelogs/changelog.yaml
	fi

docs-lint: venv-main sync ## antsibull-docs lint-collection-docs --plugin-docs (plugin docs and guides)
	@$(call stage,antsibull-docs lint)
	'$(ROOT)/hack/docs.sh' lint '$(VENV)' '$(COPY)'

docs: venv-main sync ## build the HTML documentation site offline into .build/docs/build/html
	@$(call stage,documentation site)
	'$(ROOT)/hack/docs.sh' build '$(VENV)' '$(COPY)' '$(BUILD)/docs'

# --- the live lane: a real account, opt-in only (never part of make test) ---------------------------

test-live: venv-main sync ## opt-in: tests/live against a real account (MAGIC_LIVE_TESTS=1 + token, account, ids)
	@$(call stage,live lane (tests/live) against a real account)
	if [ "$${MAGIC_LIVE_TESTS:-}" != 1 ]; then
	    echo 'test-live: opt-in only. Set MAGIC_LIVE_TESTS=1, CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID, MAGIC_LIVE_INTERCONNECT_ID and MAGIC_LIVE_CONNECTOR_ID (README, Development).' >&2
	    exit 1
	fi
	printf 'API: %s\n' "$${CLOUDFLARE_BASE_URL:-https://api.cloudflare.com/client/v4}"
	cd '$(COPY)'
	run '$(VENV)/bin/python' -m pytest tests/live -p no:cacheprovider --basetemp='$(BUILD)/pytest-live' $(PYTEST_ARGS)

# --- the demo -----------------------------------------------------------------------------------

demo: venv-main sync ## build + install the collection, run examples/demo.yml --diff against the simulator
	@$(call stage,demo against the simulator)
	'$(ROOT)/hack/demo.sh' '$(VENV)' '$(COPY)' $(DEMO_ARGS)

screenshots: demo ## run the demo, then screenshot its report and calendar into docs/images/ (headless Chromium)
	@'$(ROOT)/hack/screenshots.sh' '$(BUILD)/demo/report' '$(ROOT)/docs/images'

# --- the benchmark (numbers, never a pass/fail on time) -------------------------------------------

bench: venv-main sync ## fleet maintenance windows: API calls and wall time; writes docs/performance.md
	@$(call stage,benchmark against the simulator)
	cd '$(COPY)'
	run '$(VENV)/bin/python' '$(COPY)/hack/bench.py' '$(COPY)' '$(BUILD)/collections' '$(ROOT)/docs/performance.md'

# --- housekeeping -------------------------------------------------------------------------------

clean: ## remove .build/ (copies, caches, ansible-test venvs, demo state)
	@rm -rf '$(BUILD)'
	echo 'removed .build/'

distclean: clean ## clean, and remove .venv and .venv-compat too
	@rm -rf '$(VENV)' '$(VENV_COMPAT)'
	echo 'removed .venv/ and .venv-compat/'
