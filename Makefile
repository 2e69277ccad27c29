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

.PHONY: demo test venv collection unit integration compat molecule sanity lint bench bench-npm bench-hawkbit bench-fleet bench-floor clean

$(BIN)/ansible-playbook: tests/requirements.txt requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r tests/requirements.txt
	touch $@

venv: $(BIN)/ansible-playbook

# The oldest supported ansible-core, for `make compat`.
COMPAT := .venv-2.16
$(COMPAT)/bin/ansible-playbook: requirements.txt
	$(PYTHON) -m venv $(COMPAT)
	$(COMPAT)/bin/pip install --quiet 'ansible-core>=2.16,<2.17' pytest -r requirements.txt
	touch $@

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
	$(BIN)/python -m pytest tests/integration -q

compat: $(COMPAT)/bin/ansible-playbook collection
	$(COMPAT)/bin/python -m pytest tests/integration -q

molecule: venv collection
	tests/run-molecule.sh

sanity: venv
	tests/run-sanity.sh

lint: venv collection
	$(BIN)/ansible-lint --profile production

test: venv collection
	tests/install-system-deps.sh
	tests/support/ssh/ensure-sshd.sh
	$(BIN)/python -m pytest tests/unit tests/integration -q
	$(MAKE) --no-print-directory compat
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory molecule
	$(MAKE) --no-print-directory sanity

bench: venv collection
	$(BIN)/python bench/survey.py

bench-npm: venv collection
	$(BIN)/python bench/npm_upload.py

bench-hawkbit: venv collection
	$(BIN)/python bench/hawkbit_download.py

# DEVICES=1000 FORKS=... SECONDS=5 make bench-fleet
bench-fleet: venv collection
	$(BIN)/python bench/fleet.py --devices $(or $(DEVICES),500) $(if $(FORKS),--forks $(FORKS)) --seconds $(or $(SECONDS),5)

# the device work without Ansible's per-host tasks, against one debug task per host
bench-floor: venv collection
	$(BIN)/python bench/work_floor.py --devices $(or $(DEVICES),500) --seconds $(or $(SECONDS),5)

clean:
	rm -rf .build tests/output $(VENV) $(COMPAT)
