# tracetrack.aws — the two commands are `make deploy` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

ENV ?= local
VENV ?= .venv
PLAYBOOK_ARGS ?=
EMULATOR_PORT ?= 5100
export EMULATOR_PORT

BIN := $(CURDIR)/$(VENV)/bin
PY := $(BIN)/python
COLLECTION_LINK := .local/collections/ansible_collections/tracetrack/aws
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(BIN):$(PATH)
export PYTHONPATH := $(CURDIR)/emulator
# Modules run on this controller with the venv's Python started warm (scripts/warm_python.py: boto3, botocore's models
# and ansible-core's module side imported once); the inventories use it when TRACETRACK_MODULE_PYTHON names it.
export TRACETRACK_VENV := $(CURDIR)/$(VENV)
export TRACETRACK_MODULE_PYTHON := $(CURDIR)/scripts/module-python
export ANSIBLE_PYTHON_INTERPRETER := $(TRACETRACK_MODULE_PYTHON)
comma := ,
# PROFILE=1: every ansible-playbook run (deploy, plan, the tests' runs...) ends with its slowest tasks.
ifeq ($(PROFILE),1)
export ANSIBLE_CALLBACKS_ENABLED := ansible.posix.profile_tasks$(if $(ANSIBLE_CALLBACKS_ENABLED),$(comma)$(ANSIBLE_CALLBACKS_ENABLED))
export PROFILE_TASKS_TASK_OUTPUT_LIMIT ?= 25
endif

.PHONY: help venv system-deps link deploy credentials smoke plan audit cost ee teardown emulator-up emulator-down emulator-status \
        image base-image registry-up registry-down registry-status \
        test test-extended lint sanity units emulator-test system-test molecule app-test build-check clean

help:
	@echo "make deploy [ENV=local|dev|staging|production]   provision the stack for one environment"
	@echo "make test                                        the tests and quality gates of every change (PROFILE=1: slowest tasks of each run)"
	@echo "make test-extended                               other environments and the seed examples side by side, each role's molecule scenario (CI runs it too)"
	@echo "make teardown ENV=... [CONFIRM=<env>]            remove what the collection created"
	@echo "make credentials ENV=...                         how to sign in (local: prints the administrator's password)"
	@echo "make smoke ENV=...                               a browser signs in, scans and looks up on the deployed environment"
	@echo "make plan ENV=...                                what site.yml would change (check mode), per resource"
	@echo "make audit ENV=...                               check a deployed environment against the security baseline"
	@echo "make cost ENV=...                                monthly cost estimate of an environment (no AWS call)"
	@echo "make ee                                          execution environment build context (EE_BUILD=1: the image)"
	@echo "make emulator-up | emulator-down                 the local AWS emulator (ENV=local)"
	@echo "make image                                       build the application image (podman, buildah or docker)"
	@echo "make registry-up | registry-down                 the local loopback image registry"

venv:
	@scripts/bootstrap.sh

system-deps:
	@scripts/system-deps.sh $(SYSTEM_PROFILE)

link:
	@mkdir -p $(dir $(COLLECTION_LINK))
	@ln -sfn $(CURDIR) $(COLLECTION_LINK)

emulator-up: venv
	@echo "==> starting the local AWS emulator on 127.0.0.1:$(EMULATOR_PORT)"
	@$(PY) -m tracetrack_emulator start --local-environment

emulator-down:
	@if [ -x $(PY) ]; then $(PY) -m tracetrack_emulator stop; else echo "emulator not running"; fi

emulator-status: venv
	@$(PY) -m tracetrack_emulator status

image: venv
	@scripts/build-image.sh

base-image:
	@scripts/containers/base-image.sh

registry-up:
	@scripts/containers/registry.sh start

registry-down:
	@scripts/containers/registry.sh stop

registry-status:
	@scripts/containers/registry.sh status

deploy: venv link
	@if [ "$(ENV)" = local ]; then scripts/system-deps.sh container; fi
	@scripts/deploy.sh $(ENV) playbooks/site.yml playbooks/deploy.yml $(PLAYBOOK_ARGS)

# Check mode with diff; the tracetrack.aws.plan callback sums up, per resource, what would change.
plan: venv link
	@ANSIBLE_CALLBACKS_ENABLED=tracetrack.aws.plan$${ANSIBLE_CALLBACKS_ENABLED:+,$$ANSIBLE_CALLBACKS_ENABLED} scripts/deploy.sh $(ENV) playbooks/site.yml --check --diff $(PLAYBOOK_ARGS)

# How to sign in: the local environment's administrator password; elsewhere the secret's name and the AWS CLI command.
credentials: venv link
	@scripts/deploy.sh $(ENV) playbooks/credentials.yml $(PLAYBOOK_ARGS)

# A real browser signs in and scans on the deployed environment (tests/smoke), then a scanner device through the API.
smoke: venv link
	@scripts/smoke.sh $(ENV) $(PLAYBOOK_ARGS)

audit: venv link
	@scripts/deploy.sh $(ENV) playbooks/audit.yml $(PLAYBOOK_ARGS)

# No AWS call: inventories/<env> over the roles' defaults, priced with data/prices/<region>.yml.
cost: venv link
	@test -f inventories/$(ENV)/hosts.yml || { echo "ERROR: no inventory for ENV=$(ENV)" >&2; exit 2; }
	@echo "==> ansible-playbook -i inventories/$(ENV) playbooks/cost.yml $(PLAYBOOK_ARGS)"
	@ansible-playbook -i inventories/$(ENV) playbooks/cost.yml $(PLAYBOOK_ARGS)

ee: venv
	@scripts/ee.sh

teardown: venv link
	@scripts/deploy.sh $(ENV) playbooks/teardown.yml $(if $(CONFIRM),-e confirm_teardown=$(CONFIRM)) $(PLAYBOOK_ARGS)

test: venv link system-deps
	@scripts/test.sh

test-extended: venv link system-deps
	@scripts/test.sh extended molecule

lint sanity units emulator-test system-test molecule app-test build-check extended: venv link
	@scripts/test.sh $@

clean: emulator-down
	@if [ -x $(PY) ]; then scripts/module-python --stop; fi
	@scripts/containers/registry.sh stop-all
	@if command -v podman >/dev/null; then . scripts/containers/env.sh && podman rm -af >/dev/null; fi
	rm -rf .local tests/output collections
