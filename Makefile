# fleetops.upgrade: `make demo` runs an upgrade against a simulated fleet, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
COLLECTIONS := $(CURDIR)/.build/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/fleetops/upgrade
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := false
export ANSIBLE_HOST_KEY_CHECKING := false
export ANSIBLE_LOCAL_TEMP := $(CURDIR)/.build/ansible-tmp
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: demo test test-latest venv collection unit integration compat molecule sanity lint lock bench bench-npm bench-hawkbit bench-fleet bench-floor clean

# Every test venv installs the versions locked in tests/constraints/ (made by `make lock` from tests/requirements.txt
# and tests/requirements-compat.txt), so an upstream release cannot change a fresh clone's tests.
# `make test-latest` runs the same suite on the newest releases instead (LOCKED=no, venvs of their own).
LOCKED ?= yes
VENV_SUFFIX := $(if $(filter no,$(LOCKED)),-latest,)
constraints = $(if $(filter no,$(LOCKED)),,-c tests/constraints/$(1).txt)

$(BIN)/ansible-playbook: tests/requirements.txt requirements.txt tests/constraints/main.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r tests/requirements.txt $(call constraints,main)
	touch $@

venv: $(BIN)/ansible-playbook

# pytest-xdist runs the tests of make test, integration and compat on one worker per core: they mostly wait on
# simulated devices and ansible-playbook runs. --dist loadfile keeps a file's tests on one worker, in order, so a
# module fixture (a simulator, an sshd, a playbook run whose results several tests read) is set up once. make test
# names tests/integration first: files are handed out in that order, so the long integration files start early and
# the many short unit files fill the end (unit first left one worker alone for minutes on the last long file).
# PYTEST_XDIST= runs them in one process, as before.
PYTEST_XDIST ?= -n auto --dist loadfile

# The fleet, status and AWX runner integration tests again on other ansible-core minors (`make compat`), each with
# the Python it needs; a version whose Python is not on this machine is skipped with the reason.
COMPAT_CORES := 2.16:3.11 2.20:3.12 2.21:3.13
# (the controller-path and batch tests run on the main venv only, to keep make test under 30 minutes on 2 cores)
COMPAT_TESTS := tests/integration/test_upgrade_playbook.py tests/integration/test_fleet_rollout.py \
	tests/integration/test_fleet_plumbing.py tests/integration/test_fleet_plan_checks.py \
	tests/integration/test_status_drift.py tests/integration/test_awx_runner.py

collection:
	mkdir -p $(dir $(COLLECTION_LINK)) .build/ansible-tmp
	ln -sfn $(CURDIR) $(COLLECTION_LINK)

demo: venv collection
	$(BIN)/python examples/demo.py

unit: venv collection
	$(BIN)/python -m pytest tests/unit -q

integration: venv collection
	tests/install-system-deps.sh
	tests/support/ssh/ensure-sshd.sh
	$(BIN)/python -m pytest tests/integration -q $(PYTEST_XDIST)

compat: collection
	@for pair in $(COMPAT_CORES); do \
	  core=$${pair%%:*}; \
	  venv=$$(tests/compat-venv.sh $$core $${pair##*:} $(if $(filter no,$(LOCKED)),latest)); rc=$$?; \
	  if [ $$rc -eq 3 ]; then echo "compat: SKIPPED ansible-core $$core: $$venv"; continue; fi; \
	  [ $$rc -eq 0 ] || exit $$rc; \
	  echo "=== compat: ansible-core $$($$venv/bin/python -c 'import ansible; print(ansible.__version__)') ($$venv)"; \
	  $$venv/bin/python -m pytest $(COMPAT_TESTS) -q -p no:cacheprovider $(PYTEST_XDIST) || exit 1; \
	done

# Regenerate the locks after changing tests/requirements*.txt (uv resolves for each Python without installing it).
lock:
	$(PYTHON) -m venv .build/uv && .build/uv/bin/pip install --quiet uv
	.build/uv/bin/uv pip compile --quiet --no-header --upgrade --python-version 3.11 tests/requirements.txt -o tests/constraints/main.txt
	@for pair in $(COMPAT_CORES); do core=$${pair%%:*}; \
	  echo "ansible-core==$$core.*" > .build/uv/core.txt; \
	  .build/uv/bin/uv pip compile --quiet --no-header --upgrade --python-version $${pair##*:} tests/requirements-compat.txt \
	    -c .build/uv/core.txt -o tests/constraints/core-$$core.txt || exit 1; \
	done

molecule: venv collection
	tests/run-molecule.sh

sanity: venv
	tests/run-sanity.sh

lint: venv collection
	$(BIN)/ansible-lint --profile production

test: venv collection
	tests/install-system-deps.sh
	tests/support/ssh/ensure-sshd.sh
	$(BIN)/python -m pytest tests/integration tests/unit -q $(PYTEST_XDIST)
	$(MAKE) --no-print-directory compat
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory molecule
	$(MAKE) --no-print-directory sanity

test-latest:
	$(MAKE) test LOCKED=no VENV=.venv-latest

bench: venv collection
	$(BIN)/python bench/survey.py

bench-npm: venv collection
	$(BIN)/python bench/npm_upload.py

bench-hawkbit: venv collection
	$(BIN)/python bench/hawkbit_download.py

# DEVICES=1000 FORKS=... SECONDS=5 RUNS=a CORE=2.21 make bench-fleet (CORE: one of COMPAT_CORES; default the main
# venv's; RUNS: which of the runs a, b, c of bench/fleet.py, default all)
bench-fleet: venv collection
	$(if $(CORE),$$(tests/compat-venv.sh $(CORE) $(lastword $(subst :, ,$(filter $(CORE):%,$(COMPAT_CORES)))))/bin/python,$(BIN)/python) bench/fleet.py --devices $(or $(DEVICES),500) $(if $(FORKS),--forks $(FORKS)) --seconds $(or $(SECONDS),5) $(if $(RUNS),--runs $(RUNS))

# the device work without Ansible's per-host tasks, against one debug task per host
bench-floor: venv collection
	$(BIN)/python bench/work_floor.py --devices $(or $(DEVICES),500) --seconds $(or $(SECONDS),5)

clean:
	rm -rf .build tests/output .venv .venv-latest .venv-core*
