# <appengage-chat-button> and the watcher with manners: the accessibility checker its
# Chromium tests use, and the tabs benchmark (requests per minute that N open tabs make).

BENCH_TARGETS += bench-tabs

.PHONY: deps-axe bench-tabs

# axe-core, pinned in tests/browser/axe/package-lock.json, apart from the root tooling.
tests/browser/axe/node_modules/.package-lock.json: tests/browser/axe/package.json tests/browser/axe/package-lock.json
	npm ci --no-audit --no-fund --prefix tests/browser/axe
	@touch $@

deps-axe: tests/browser/axe/node_modules/.package-lock.json ## install axe-core for the chat button's accessibility checks

# The Chromium tests include tests/browser/button*.test.mjs, which run axe-core.
test-browser: deps-axe

bench-tabs: build-go build-wasm build-browser deps-chromium deps-node-root ## requests per minute N tabs make, old watcher vs the one with manners (BENCHMARKS.md)
	node tests/browser/bench-tabs.mjs
