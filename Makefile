# The billing pipeline. `make run` and `make test` are all a newcomer needs (see README.md).
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?=
PERIOD ?=
RUN_ARGS := $(if $(CONFIG),--config $(CONFIG)) $(if $(PERIOD),--period $(PERIOD))
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

SAMPLE ?= lifecycle
CUSTOMERS ?= 100000
EVENTS ?= 10000000
SEED ?= 1
ROUNDS ?= 7
BENCH_FLAGS ?=
SECONDS ?= 60

.PHONY: deps build run test golden replay bench bench-usage hledger screenshots faults fuzz clean help

help:
	@echo "make run   [CONFIG=path/pipeline.json] [PERIOD=YYYY-MM]   build and run the pipeline (default: pipeline.json)"
	@echo "make test                                               build and run every test"
	@echo "make replay SAMPLE=lifecycle                            replay a sample's runs into samples/SAMPLE/ledger and out"
	@echo "make bench [CUSTOMERS=100000] [EVENTS=10000000]         generate a dataset, time every stage against bare libcsv"
	@echo "           [BENCH_FLAGS=--delete-first]                   (delete the last run's ledger first: room for the one-process run at 100M)"
	@echo "make bench-usage [ROUNDS=7] [CUSTOMERS=…] [EVENTS=…]    ingest alone between runs of bare libcsv: the median ratio"
	@echo "make hledger [SAMPLE=lifecycle]                         check a sample's journal with Debian's hledger (total 0)"
	@echo "make screenshots                                        render a document of each tax sample to out/screenshots/*.png"
	@echo "make faults                                             kill or tear every write of the samples' runs; all must recover"
	@echo "make fuzz [SECONDS=600]                                 libFuzzer + AddressSanitizer over CSV and JSON ingestion"
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
	$(SWIFT) test --skip-build; status=$$?; rm -rf /tmp/billing-test-* /tmp/billing-io-* /tmp/billing-ledger-*; exit $$status

# Regenerates the golden outputs from the current code. Only after checking the new figures.
golden: deps
	$(SWIFT) build
	Tests/golden.sh .build/debug

# Replays samples/$(SAMPLE)/runs ("PERIOD DATASET-FOLDER" per line) on a fresh ledger beside the sample.
replay: build
	rm -rf samples/$(SAMPLE)/ledger samples/$(SAMPLE)/out
	while read -r period folder; do \
		sed "s#\"dataset\": *\"[^\"]*\"#\"dataset\": \"$$folder\"#" samples/$(SAMPLE)/pipeline.json > samples/$(SAMPLE)/.replay.json; \
		.build/release/billing-pipeline --config samples/$(SAMPLE)/.replay.json --period $$period || exit $$?; \
	done < samples/$(SAMPLE)/runs
	rm -f samples/$(SAMPLE)/.replay.json
	@echo "ledger: samples/$(SAMPLE)/ledger   outputs: samples/$(SAMPLE)/out"

# Throughput and memory per stage on a generated dataset (kept in out/bench/ for the next run).
bench: build
	.build/release/billing-bench --customers $(CUSTOMERS) --events $(EVENTS) --seed $(SEED) $(BENCH_FLAGS)

# Ingest alone, ROUNDS times, each between two runs of bare libcsv: the median ratio for the usage
# target (one bench's ratio drifts with the machine). Ingest creates a few hundred files, so the
# wait after a clean-up (for the invoice stage's 300k) is skipped.
bench-usage: build
	.build/release/billing-bench --customers $(CUSTOMERS) --events $(EVENTS) --seed $(SEED) --usage-rounds $(ROUNDS) --no-wait $(BENCH_FLAGS)

# Double-entry check by an independent tool: hledger from Debian's packages (not part of make test).
hledger: replay
	@command -v hledger >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq hledger; }
	@period=$$(tail -n 1 samples/$(SAMPLE)/runs | cut -d' ' -f1); \
	echo "hledger -f samples/$(SAMPLE)/out/$$period/journal.ledger balance"; \
	hledger -f samples/$(SAMPLE)/out/$$period/journal.ledger balance

# Opens the first document of each sample in headless Chromium (Debian's) and saves a PNG of it.
# Chromium and a CJK font are installed here, never by make test.
screenshots: build
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }
	@fc-list 2>/dev/null | grep -qi 'noto.*cjk' || $(SUDO) apt-get install -y -qq fonts-noto-cjk
	mkdir -p out/screenshots
	for s in japan japan-inclusive eu us basic; do \
		$(MAKE) --no-print-directory replay SAMPLE=$$s >/dev/null 2>&1 || exit 1; \
		chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=900,1100 \
			--screenshot=$$PWD/out/screenshots/$$s.png "file://$$PWD/samples/$$s/ledger/invoices/INV-000001.html" 2>/dev/null; \
		echo "out/screenshots/$$s.png"; \
	done

# The full crash-safety sweep (make test runs a 22-point sample of it).
faults: deps
	$(SWIFT) build --build-tests
	BILLING_FAULT_SWEEP=1 $(SWIFT) test --skip-build --filter FaultSweep 2>&1 | grep -E "fault sweep|passed|failed|✘"

# Coverage-guided fuzzing of ingestion, seeded from the samples; findings land in out/fuzz/.
fuzz: deps
	$(SWIFT) build -c release --product billing-fuzz --scratch-path .build-fuzz \
		-Xswiftc -sanitize=fuzzer -Xswiftc -sanitize=address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld 2>&1 | grep -vE "Cannot export local symbol|^\[" || true
	rm -rf out/fuzz/seeds && mkdir -p out/fuzz/corpus out/fuzz/seeds
	i=0; for f in samples/*/*.json samples/*/*.csv samples/*/*/*.csv; do \
		case $$f in */expected/*) continue;; esac; \
		for sel in 0 1 2 3 8 13 4; do i=$$((i+1)); { printf "\\$$(printf %o $$sel)"; cat $$f; } > out/fuzz/seeds/$$i; done; \
	done
	.build-fuzz/release/billing-fuzz out/fuzz/corpus out/fuzz/seeds -max_total_time=$(SECONDS) -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix=out/fuzz/ -print_final_stats=1 2>&1 | grep -E "^#[0-9]+ *DONE|stat::number_of_executed_units|ERROR|SUMMARY|crash-|leak-|timeout-|Done" ; \
	status=$${PIPESTATUS[0]}; ls out/fuzz/ | grep -E "^(crash|leak|timeout|oom)-" && exit 1; exit $$status

clean:
	rm -rf .build ledger out
