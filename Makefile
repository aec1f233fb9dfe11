# pushspec: run "make help" for the targets.

SHELL := /bin/bash
GO ?= go
GINKGO := $(GO) run github.com/onsi/ginkgo/v2/ginkgo
PUSHSPEC := $(GO) run ./cmd/pushspec

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
# SENDERS are the senders of conformance-all.
SENDERS ?= pushspec webpush-go node-web-push
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
deps: ## download the Go modules and the adapters' npm packages
	$(GO) mod download
	@if [ ! -d senders/node-web-push/node_modules ]; then \
		echo "npm ci --prefix senders/node-web-push"; \
		npm ci --prefix senders/node-web-push --no-audit --no-fund --loglevel=error; fi

.PHONY: conformance
conformance: deps ## run every suite against SENDER; reports in reports/out/SENDER_NAME; exit 1 on a broken MUST
	@mkdir -p $(OUT)/$(SENDER_NAME)
	@rm -f $(OUT)/$(SENDER_NAME)/report.json $(OUT)/$(SENDER_NAME)/junit.xml
	-PUSHSPEC_SENDER='$(SENDER)' $(GINKGO) -r --keep-going --no-color --succinct \
		--output-dir=$(OUT)/$(SENDER_NAME) --json-report=report.json --junit-report=junit.xml \
		$(GINKGO_FLAGS) ./suites
	$(PUSHSPEC) report $(OUT)/$(SENDER_NAME)

.PHONY: conformance-all
conformance-all: deps ## run SENDERS through every suite, write reports/out/index.html; exit 0 when every run completed
	@status=0; for s in $(SENDERS); do \
		$(MAKE) --no-print-directory conformance SENDER=$$s SENDER_NAME=$$s || true; \
		if [ ! -s $(OUT)/$$s/report.json ]; then echo "$$s: the run did not complete"; status=1; fi; \
	done; \
	$(PUSHSPEC) report --fail-on error $(OUT) || status=1; exit $$status

.PHONY: unit
unit: ## unit tests of every package (the suites run in conformance)
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

.PHONY: known-faults
known-faults: ## run webpush-go and compare its non-PASS verdicts with senders/testdata
	@mkdir -p $(OUT)
	@if $(MAKE) --no-print-directory conformance SENDER=webpush-go \
		> $(OUT)/webpush-go.log 2>&1; then \
		echo "webpush-go passed, but it has known faults"; exit 1; fi
	$(PUSHSPEC) report --verdicts $(OUT)/webpush-go | grep -v ' PASS$$' \
		| diff -u senders/testdata/webpush-go.verdicts - \
		&& echo "webpush-go: exactly its known faults were found"

.PHONY: serve-smoke
serve-smoke: ## drive `pushspec serve --tls` with curl and a plain Node sender
	bash examples/serve-smoke.sh

.PHONY: test
test: vet unit conformance known-faults serve-smoke fuzz ## everything CI runs

.PHONY: clean
clean: ## remove reports/out
	rm -rf $(OUT)
