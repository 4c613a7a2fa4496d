# <appengage-chat-button> and the watcher with manners: the accessibility checker its
# Chromium tests use, and the tabs benchmark (requests per minute that N open tabs make).

BENCH_TARGETS += bench-tabs

.PHONY: deps-axe bench-tabs build-example-react

# axe-core, pinned in tests/browser/axe/package-lock.json, apart from the root tooling.
tests/browser/axe/node_modules/.package-lock.json: tests/browser/axe/package.json tests/browser/axe/package-lock.json
	npm ci --no-audit --no-fund --prefix tests/browser/axe
	@touch $@

deps-axe: tests/browser/axe/node_modules/.package-lock.json ## install axe-core for the chat button's accessibility checks

# The Chromium tests include tests/browser/button*.test.mjs, which run axe-core on the
# packed package (tests/browser/button-package.mjs installs the tarball into a fresh project).
test-browser: deps-axe pack

bench-tabs: build-go build-wasm build-browser deps-chromium deps-node-root ## requests per minute N tabs make, old watcher vs the one with manners (BENCHMARKS.md)
	node tests/browser/bench-tabs.mjs

# The React example, built as its README says (npm ci, then esbuild), for its Chromium test.
examples/react/node_modules/.package-lock.json: examples/react/package.json examples/react/package-lock.json
	npm ci --no-audit --no-fund --prefix examples/react
	@touch $@

examples/react/dist/app.js: examples/react/app.jsx examples/react/build.mjs web/button.js $(wildcard web/src/*.js) web/chatapi.wasm examples/react/node_modules/.package-lock.json
	node examples/react/build.mjs

build-example-react: examples/react/dist/app.js ## build the React example (examples/react/dist)

test-browser: build-example-react
