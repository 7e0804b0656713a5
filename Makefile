# fleetc — every check a developer or CI runs. `make test` is the one CI runs.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
export GOTOOLCHAIN := local
GO ?= go

.PHONY: all build example test unit lint golden e2e e2e-tools bench fuzz mutants clean

# The packages that start goroutines: `make unit` runs their tests again
# under the race detector.
RACE_PKGS := ./renderer ./renderer/config ./renderer/tree ./renderer/diff ./internal/rendercache ./internal/cli

all: build

build: ## build bin/fleetc
	$(GO) build -o bin/fleetc ./cmd/fleetc

example: ## render the bundled example fleet into out/example
	$(GO) run ./cmd/fleetc render --repo fixtures/example --out out/example

# `make test` runs the three phases at the same time (the e2e phase mostly
# waits on processes it started; the others keep the cores busy meanwhile),
# each into its own log under $(TEST_LOGS). A phase that passes prints its
# summary (the go test package lines), one that fails its whole log; the
# target fails if any phase did. `make lint unit e2e` runs them one by one.
TEST_LOGS ?= out/test-logs
test: ## every check: vet, gofmt, unit + golden + CLI tests, real kube-apiserver and Flux, the boot tier
	@mkdir -p $(TEST_LOGS); \
	phases="e2e unit lint"; \
	for p in $$phases; do \
		( start=$$(date +%s); rc=0; $(MAKE) --no-print-directory $$p >$(TEST_LOGS)/$$p.log 2>&1 || rc=$$?; \
		  echo "$$rc $$(( $$(date +%s) - start ))" >$(TEST_LOGS)/$$p.status ) & \
	done; \
	wait; \
	failed=""; \
	for p in $$phases; do \
		read -r rc secs <$(TEST_LOGS)/$$p.status; \
		if [ "$$rc" = 0 ]; then \
			echo "=== $$p: ok in $${secs}s ($(TEST_LOGS)/$$p.log)"; \
			grep -E '^(ok|FAIL|---|e2e-)' $(TEST_LOGS)/$$p.log | grep -v 'no test files' || true; \
		else \
			echo "=== $$p: FAILED (exit $$rc) in $${secs}s; its log:"; cat $(TEST_LOGS)/$$p.log; failed="$$failed $$p"; \
		fi; \
	done; \
	if [ -n "$$failed" ]; then echo "make test: failed:$$failed"; exit 1; fi; \
	echo "make test: every phase passed"

unit: ## unit, golden and CLI (testscript) tests; then -race on the packages with goroutines
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race -short $(RACE_PKGS)

lint: ## gofmt and go vet
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './test/e2e/tools/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	GOOS=darwin $(GO) vet ./renderer/disk ./internal/rendercache # the packages with per-OS files
	GOOS=windows $(GO) build ./renderer/disk ./internal/rendercache # (its tests use FIFOs)
	cd test/e2e && $(GO) vet ./...

golden: ## rewrite golden files (review the diff, then commit)
	$(GO) test -count=1 ./... -update

e2e-tools: ## build etcd, kube-apiserver and the Flux controllers into the cache (once)
	bash hack/e2e-tools.sh

# The e2e tests run in parallel (t.Parallel), E2E_PARALLEL at a time (go
# test's default is GOMAXPROCS). More at once does not go faster on 2
# cores: the API servers starve and waits run into their timeouts. The
# boots take one of the four boot networks each (harness.AcquireNetwork).
E2E_PARALLEL ?= 3
e2e: ## apply the rendered example to a real kube-apiserver, sync it with real Flux, boot its control planes
	bash hack/e2e-deps.sh
	bin=$$(bash hack/e2e-tools.sh) && cd test/e2e && FLEETC_E2E_BIN="$$bin" $(GO) test -count=1 -timeout 40m -parallel $(E2E_PARALLEL) ./...

bench: ## benchmarks on generated fleets of 100, 1,000 and 10,000 clusters (SIZES, BENCH_OUT: see hack/bench.sh)
	bash hack/bench.sh

fuzz: ## fuzz the loader, the patches, the output folder, the seen memo and the YAML output (read back by three parsers) for a while each (FUZZTIME=1m)
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime $${FUZZTIME:-1m} ./renderer/
	$(GO) test -run '^$$' -fuzz FuzzPatchContainment -fuzztime $${FUZZTIME:-1m} ./renderer/patch/
	$(GO) test -run '^$$' -fuzz FuzzWriteState -fuzztime $${FUZZTIME:-1m} ./renderer/disk/
	$(GO) test -run '^$$' -fuzz FuzzDecodeSeen -fuzztime $${FUZZTIME:-1m} ./renderer/disk/
	$(GO) test -run '^$$' -fuzz FuzzLabels -fuzztime $${FUZZTIME:-1m} ./renderer/encode/

mutants: ## delete/invert each validation rule and security setting in turn; fails listing survivors
	$(GO) run ./hack/mutants

clean:
	rm -rf bin out
