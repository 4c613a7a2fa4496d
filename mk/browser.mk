# In the browser: the classic-script build of the npm package, the dev server, the
# real-Chromium tests (Debian's chromium driven by npm playwright-core) and the start-up
# benchmark. Screenshots and per-run output go under $(BUILD)/.

BUILD_TARGETS += build-browser
TEST_TARGETS  += test-browser
BENCH_TARGETS += bench-browser

CHROMIUM ?= /usr/bin/chromium

.PHONY: build-browser test-browser bench-browser deps-chromium deps-node-root screenshots

deps-chromium: ## install Debian's chromium when it is missing (never a downloaded browser)
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; }
	@$(CHROMIUM) --version 2>/dev/null | grep -v 'unexpected operator' || true

# The root package.json pins the dev tools (playwright-core, esbuild, webpack); npm ci installs them
# exactly as locked, and only when the lock file is newer than the install.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps-node-root: node_modules/.package-lock.json

# The classic-script build bundles the browser entry, the loader and Go's wasm_exec.js into
# one IIFE that defines window.ChatApi.
build-browser: web/dist/chatapi.js ## the script-tag build web/dist/chatapi.js (window.ChatApi)

web/dist/chatapi.js: web/browser-global.js web/browser.js $(wildcard web/src/*.js) web/wasm_exec.js web/package.json web/scripts/build-classic.mjs | build-wasm deps-node-root
	node web/scripts/build-classic.mjs

test-browser: build-go build-wasm build-browser deps-chromium deps-node-root ## the real-Chromium tests (demo, snippet, CSP, reload, simulator down)
	node --test --test-concurrency=1 --test-timeout=180000 tests/browser/*.test.mjs

bench-browser: build-go build-wasm build-browser $(BUILD)/wasm/bare.wasm deps-chromium deps-node-root ## start-up to a ready ChatApi in headless Chromium vs a bare Go wasm
	node tests/browser/bench.mjs

# The README's pictures: a few small PNGs from the last test-browser run, copied to docs/img.
SCREENSHOTS := button-checking button-available button-notavailable button-error demo-top simulator-retries game-launcher-support

screenshots: test-browser ## refresh docs/img from the Chromium tests' screenshots (each must stay under 100 KB)
	@mkdir -p docs/img
	@for n in $(SCREENSHOTS); do \
	  f=$(BUILD)/screenshots/$$n.png; size=$$(stat -c %s $$f); \
	  if [ $$size -ge 102400 ]; then echo "$$f is $$size bytes, over 100 KB" >&2; exit 1; fi; \
	  cp $$f docs/img/$$n.png; echo "docs/img/$$n.png ($$size bytes)"; \
	done
