# pushspec: run "make help" for the targets.

SHELL := /bin/bash
GO ?= go
GINKGO := $(GO) run github.com/onsi/ginkgo/v2/ginkgo
PUSHSPEC_BIN := bin/pushspec
PUSHSPEC := $(GO) build -o $(PUSHSPEC_BIN) ./cmd/pushspec && $(PUSHSPEC_BIN)

# SENDER is the sender under test: pushspec (ours, in process), an adapter in
# senders/ (webpush-go, node-web-push, example-python), or any adapter command
# (senders/PROTOCOL.md).
SENDER ?= pushspec
KNOWN_SENDERS := pushspec webpush-go node-web-push example-python
# SENDER_NAME names the report directory: SENDER for a known sender, else the
# adapter's directory (or its file name when it has none).
sender_dir = $(notdir $(patsubst %/,%,$(dir $(lastword $(SENDER)))))
sender_file = $(basename $(notdir $(lastword $(SENDER))))
SENDER_NAME ?= $(if $(filter $(SENDER),$(KNOWN_SENDERS)),$(SENDER),$(if \
	$(filter .,$(sender_dir)),$(sender_file),$(sender_dir)))
# SENDERS are the senders of conformance-all; LIBRARIES those with known faults.
SENDERS ?= pushspec webpush-go node-web-push
LIBRARIES := webpush-go node-web-push
OUT ?= reports/out
# FUZZTIME is how long each fuzz target runs in make test.
FUZZTIME ?= 10s
# GINKGO_FLAGS are passed to ginkgo, e.g. GINKGO_FLAGS=--label-filter=vapid.aud.origin
GINKGO_FLAGS ?=
# BENCH_COUNT and BENCHTIME set how often and how long make bench runs each benchmark.
BENCH_COUNT ?= 6
BENCHTIME ?= 1s
# LOAD_FLAGS are added to pushspec load by make load and make load-compare.
LOAD_FLAGS ?=
VEGETA := $(GO) run github.com/tsenart/vegeta/v12@v12.13.0

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "} {printf "  %-16s %s\n", $$1, $$2}'

.PHONY: deps
deps: ## download the Go modules (and the npm packages when SENDER needs them)
	$(GO) mod download
	@if [ "$(SENDER)" = node-web-push ]; then $(MAKE) --no-print-directory node-deps; fi

.PHONY: node-deps
node-deps: ## install npm web-push for senders/node-web-push (pinned in its package-lock.json)
	@command -v npm >/dev/null || { echo "npm is needed for node-web-push: apt-get install nodejs npm"; exit 1; }
	@if [ ! -d senders/node-web-push/node_modules/web-push ]; then \
		echo "npm ci --prefix senders/node-web-push"; \
		npm ci --prefix senders/node-web-push --no-audit --no-fund --loglevel=error; fi

.PHONY: chromium
chromium: ## install Debian's chromium for the browser suite, unless it (or PUSHSPEC_CHROME) is there
	@if [ -n "$$PUSHSPEC_CHROME" ] || command -v chromium >/dev/null; then :; else \
		echo "installing chromium"; apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi

.PHONY: proto
proto: ## regenerate fakes/fcm/internal/gcmpb from its .proto files (installs protoc if missing)
	@command -v protoc >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler >/dev/null; }
	protoc --plugin=protoc-gen-go=$$($(GO) tool -n protoc-gen-go) --go_out=. \
		--go_opt=paths=source_relative fakes/fcm/internal/gcmpb/*.proto

# run-suites runs every sender suite against sender $(1) with reports in
# OUT/$(2); a failing spec is the report's business, not make's.
define run-suites
	@mkdir -p $(OUT)/$(2)
	@rm -f $(OUT)/$(2)/report.json $(OUT)/$(2)/junit.xml
	PUSHSPEC_SENDER='$(1)' $(GINKGO) -r --keep-going --no-color --succinct \
		--skip-package=service,load --output-dir=$(OUT)/$(2) --json-report=report.json \
		--junit-report=junit.xml $(GINKGO_FLAGS) ./suites || true

endef

.PHONY: conformance
conformance: deps chromium ## run every suite against SENDER; reports in reports/out/SENDER_NAME; exit 1 on a broken MUST
	$(call run-suites,$(SENDER),$(SENDER_NAME))
	$(PUSHSPEC) report $(OUT)/$(SENDER_NAME)

# PROFILE is the push service profile of make service: rfc, fcm, mozilla, apple, wns.
PROFILE ?= rfc

.PHONY: service
service: deps ## hold the fake push service (PROFILE) to RFC 8030: reports in reports/out/service-PROFILE
	@mkdir -p $(OUT)/service-$(PROFILE)
	@rm -f $(OUT)/service-$(PROFILE)/report.json
	-PUSHSPEC_PROFILE=$(PROFILE) $(GINKGO) --keep-going --no-color --succinct \
		--output-dir=$(OUT)/service-$(PROFILE) --json-report=report.json \
		--junit-report=junit.xml $(GINKGO_FLAGS) ./suites/service
	$(PUSHSPEC) report $(OUT)/service-$(PROFILE)

.PHONY: conformance-all
conformance-all: deps node-deps chromium ## run SENDERS through every suite, write reports/out/index.html; exit 0 when every run completed
	$(foreach s,$(SENDERS),$(call run-suites,$(s),$(s)))
	$(PUSHSPEC) report --fail-on incomplete --index $(OUT)/index.html $(addprefix $(OUT)/,$(SENDERS))


.PHONY: unit
unit: chromium ## unit tests of every package (the suites run in conformance)
	$(GO) test $$($(GO) list ./... | grep -v /suites/)

.PHONY: vet
vet: ## go vet and gofmt
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then \
		echo "not gofmt-clean:"; echo "$$out"; exit 1; fi

.PHONY: fuzz
fuzz: ## run every fuzz target for FUZZTIME each
	$(GO) test ./checks -run '^$$' -fuzz '^FuzzInspect$$' -fuzztime $(FUZZTIME)
	$(GO) test ./webpush -run '^$$' -fuzz '^FuzzDecrypt$$' -fuzztime $(FUZZTIME)
	$(GO) test ./webpush -run '^$$' -fuzz '^FuzzParseToken$$' -fuzztime $(FUZZTIME)
	$(GO) test ./webpush -run '^$$' -fuzz '^FuzzRecipient$$' -fuzztime $(FUZZTIME)
	$(GO) test ./fakes/pushservice -run '^$$' -fuzz '^FuzzControlAPI$$' -fuzztime $(FUZZTIME)
	$(GO) test ./loadgen -run '^$$' -fuzz '^FuzzParseSubscriptions$$' -fuzztime $(FUZZTIME)
	$(GO) test ./loadgen -run '^$$' -fuzz '^FuzzParseShard$$' -fuzztime $(FUZZTIME)
	$(GO) test ./loadgen -run '^$$' -fuzz '^FuzzParseModes$$' -fuzztime $(FUZZTIME)
	$(GO) test ./loadgen -run '^$$' -fuzz '^FuzzAddResults$$' -fuzztime $(FUZZTIME)
	$(GO) test ./cmd/pushspec -run '^$$' -fuzz '^FuzzParseTarget$$' -fuzztime $(FUZZTIME)
	$(GO) test ./fakes/fcm -run '^$$' -fuzz '^FuzzReadFrame$$' -fuzztime $(FUZZTIME)
	$(GO) test ./fakes/fcm -run '^$$' -fuzz '^FuzzParseRegistration$$' -fuzztime $(FUZZTIME)

.PHONY: known-faults
known-faults: node-deps ## run each library and compare its non-PASS verdicts with senders/testdata/*.verdicts
	@mkdir -p $(OUT); status=0; for s in $(LIBRARIES); do \
		if $(MAKE) --no-print-directory conformance SENDER=$$s > $(OUT)/$$s.log 2>&1; then \
			echo "$$s: passed, but it has known faults"; status=1; continue; fi; \
		$(PUSHSPEC_BIN) report --verdicts $(OUT)/$$s | grep -v ' PASS$$' \
			| diff -u senders/testdata/$$s.verdicts - \
			&& echo "$$s: exactly its known faults were found" || status=1; \
	done; exit $$status

.PHONY: broken-adapters
broken-adapters: ## check that crashing, hanging and garbled adapters FAIL with a clear reason
	bash senders/testdata/broken/check.sh

.PHONY: example-python
example-python: ## unit-test the stdlib Python adapter and run it through every suite but the browser's
	cd senders/example-python && python3 -m unittest -q
	$(MAKE) --no-print-directory conformance SENDER=example-python GINKGO_FLAGS='--label-filter=!browser' 

.PHONY: serve-smoke
serve-smoke: ## drive `pushspec serve --tls` with curl and a plain Node sender
	bash examples/serve-smoke.sh

.PHONY: bench
bench: ## benchmark the hot path against webpush-go and the crypto floor in one run; print the ratios
	@mkdir -p $(OUT)/bench
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) -benchtime $(BENCHTIME) \
		./benchmarks | tee $(OUT)/bench/bench.txt
	$(GO) tool benchstat -col '/sender@(webpush-go pushspec)' -filter '.name:Send' \
		$(OUT)/bench/bench.txt
	$(GO) run ./benchmarks/benchratio $(OUT)/bench/bench.txt | tee $(OUT)/bench/ratio.txt

.PHONY: bench-quick
bench-quick: ## make bench in seconds: the benchmarks run and the ratios print (numbers not to trust)
	$(MAKE) --no-print-directory bench BENCH_COUNT=1 BENCHTIME=300x

.PHONY: load
load: chromium ## a 10 s load run against the fake; reports in reports/out/load; load.html checked in Chromium
	@mkdir -p $(OUT)/load
	$(PUSHSPEC) load --duration 10s --rate 1000 --out $(OUT)/load $(LOAD_FLAGS)
	$(VEGETA) report $(OUT)/load/results.bin
	PUSHSPEC_LOAD_HTML=$(abspath $(OUT)/load/load.html) PUSHSPEC_REQUIRE_CHROMIUM=1 \
		$(GO) test -count=1 -run '^TestLoadHTMLInChromium$$' -v ./loadgen

.PHONY: load-compare
load-compare: ## the three modes at full speed against the fake, one run; ratios in reports/out/load-compare
	@mkdir -p $(OUT)/load-compare
	$(PUSHSPEC) load --mode constant,pre-encrypted,inline --rate 0 --requests 40000 \
		--queue 40000 --duration 30s --skip-inspection --out $(OUT)/load-compare $(LOAD_FLAGS)

.PHONY: load-suite
load-suite: ## the load suite: no message lost or doubled at a steady rate; the fake's capacity
	@mkdir -p $(OUT)/load-suite
	$(GINKGO) -v --no-color --output-dir=$(OUT)/load-suite --json-report=report.json \
		--junit-report=junit.xml ./suites/load

.PHONY: test
test: vet unit conformance service known-faults broken-adapters example-python serve-smoke \
	load-suite load bench-quick fuzz ## everything CI runs

.PHONY: clean
clean: ## remove reports/out and bin
	rm -rf $(OUT) bin
