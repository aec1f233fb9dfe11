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

.PHONY: conformance
conformance: deps ## run every suite against SENDER; reports in reports/out/SENDER_NAME; exit 1 on a broken MUST
	@mkdir -p $(OUT)/$(SENDER_NAME)
	@rm -f $(OUT)/$(SENDER_NAME)/report.json $(OUT)/$(SENDER_NAME)/junit.xml
	-PUSHSPEC_SENDER='$(SENDER)' $(GINKGO) -r --keep-going --no-color --succinct \
		--skip-package=service --output-dir=$(OUT)/$(SENDER_NAME) --json-report=report.json \
		--junit-report=junit.xml $(GINKGO_FLAGS) ./suites
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
conformance-all: deps node-deps ## run SENDERS through every suite, write reports/out/index.html; exit 0 when every run completed
	@status=0; for s in $(SENDERS); do \
		$(MAKE) --no-print-directory conformance SENDER=$$s SENDER_NAME=$$s || true; \
		if [ ! -s $(OUT)/$$s/report.json ]; then echo "$$s: the run did not complete"; status=1; fi; \
	done; \
	$(PUSHSPEC) report --fail-on incomplete --index $(OUT)/index.html \
		$(addprefix $(OUT)/,$(SENDERS)) || status=1; exit $$status

.PHONY: chromium
chromium: ## install Debian's Chromium when it is missing (the HTML report is checked in it)
	@command -v chromium >/dev/null || { echo "apt-get install -y chromium"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

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
example-python: ## unit-test the stdlib Python adapter and run it through every suite
	cd senders/example-python && python3 -m unittest -q
	$(MAKE) --no-print-directory conformance SENDER=example-python

.PHONY: serve-smoke
serve-smoke: ## drive `pushspec serve --tls` with curl and a plain Node sender
	bash examples/serve-smoke.sh

.PHONY: test
test: vet unit conformance service known-faults broken-adapters example-python serve-smoke fuzz ## everything CI runs

.PHONY: clean
clean: ## remove reports/out and bin
	rm -rf $(OUT) bin
