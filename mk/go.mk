# Native Go: core, adapters, simulator, CLI.

BUILD_TARGETS += build-go
TEST_TARGETS  += test-go
BENCH_TARGETS += bench-go

# A count, not a duration: with a duration, Go 1.26's fuzz coordinator can fail a target with
# a bare "context deadline exceeded" at the deadline when the machine is loaded
# (golang/go#75804, fixed in Go 1.27; seen here on FuzzParseRetryAfter with no input
# written). 20,000 inputs is about what the slowest target ran in the old 3 s.
FUZZTIME ?= 20000x

.PHONY: build-go test-go fuzz bench-go sim deps-go

deps-go: ## download the Go modules
	$(GO) mod download

build-go: deps-go ## build the native binaries into build/bin
	$(GO) build -o $(BUILD)/bin/ ./cmd/...

test-go: deps-go vet ## go vet, the Go tests with -race, and a short run of every fuzz target
	$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory fuzz

fuzz: ## run each Fuzz* target for FUZZTIME (a count of inputs, or a duration such as 30s)
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

bench-go: deps-go ## Go benchmarks (validation, full get against the simulator)
	$(GO) test -run '^$$' -bench . -benchmem ./core/... ./nethttp/... ./sim/...

sim: build-go ## run the LivePerson simulator on SIM_ADDR until Ctrl-C
	$(BUILD)/bin/lpsim -addr $(SIM_ADDR)
