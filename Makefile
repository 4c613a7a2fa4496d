# appengage — the one entry point for every task. `make help` lists the targets.
#
# Each area keeps its targets in mk/<area>.mk and adds itself to the aggregate lists below,
# so `make build`, `make test` and `make bench` always cover everything.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO        ?= go
GOROOT    := $(shell $(GO) env GOROOT)
BUILD     := build
SIM_ADDR  ?= 127.0.0.1:8081
PORT      ?= 8080

BUILD_TARGETS :=
TEST_TARGETS  :=
BENCH_TARGETS :=

include $(sort $(wildcard mk/*.mk))

.PHONY: help build test bench vet clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

build: $(BUILD_TARGETS) ## build everything (Go binaries, wasm, npm package)

test: $(TEST_TARGETS) ## run every test: Go, wasm, Node, Chromium, workerd
	@echo "make test: all suites passed"

bench: $(BENCH_TARGETS) ## run the benchmarks recorded in BENCHMARKS.md

vet: ## go vet, native and js/wasm
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./core/... ./jsbridge/... ./wasm/...

clean: ## remove build output
	rm -rf $(BUILD) web/dist
