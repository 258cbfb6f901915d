# The billing pipeline. `make run` and `make test` are all a newcomer needs (see README.md).
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?=
PERIOD ?=
RUN_ARGS := $(if $(CONFIG),--config $(CONFIG)) $(if $(PERIOD),--period $(PERIOD))
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build run test golden clean help

help:
	@echo "make run   [CONFIG=path/pipeline.json] [PERIOD=YYYY-MM]   build and run the pipeline (default: pipeline.json)"
	@echo "make test                                               build and run every test"
	@echo "make golden                                             rewrite samples/*/expected/ (review the diff by hand!)"

# libcsv is the one C dependency (Debian's libcsv-dev); install it when it is missing.
deps:
	@if [ ! -f /usr/include/csv.h ]; then \
		echo "installing libcsv-dev"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libcsv-dev; \
	fi

build: deps
	$(SWIFT) build -c release

run: build
	.build/release/billing-pipeline $(RUN_ARGS)

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Regenerates the golden outputs from the current code. Only after checking the new figures.
golden: deps
	$(SWIFT) build
	Tests/golden.sh .build/debug

clean:
	rm -rf .build ledger out
