# The npm package as users get it: `make pack` builds what the package needs and writes the
# tarball into build/; the tests install that tarball into fresh projects outside the
# repository (tests/consumers/) and check it with @arethetypeswrong/cli and publint.

TEST_TARGETS += test-pack test-consumers

PACK_VERSION := $(shell sed -n 's/^  "version": "\(.*\)",/\1/p' web/package.json)
TARBALL      := $(BUILD)/appengage-$(PACK_VERSION).tgz
# Everything `files` in web/package.json lists (button.* once the element exists).
PACK_FILES   := web/package.json web/index.cjs web/browser.js web/browser-global.js \
                $(wildcard web/*.d.ts) web/chatapi.wasm.d.cts web/index.d.cts web/global.d.cts web/browser.cjs $(wildcard web/src/*.js) $(wildcard web/button.js web/button.d.ts) web/button.cjs web/button.d.cts \
                web/chatapi.wasm web/wasm_exec.js web/dist/chatapi.js web/dist/node.mjs web/README.md web/LICENSE web/LICENSE-go

.PHONY: pack package-files test-pack test-consumers

# The package's Node entry, web/dist/node.mjs: src/node.js and its modules in one file, so a
# cold start reads one module file instead of ten (docs/benchmarks/wasm.md).
BUILD_TARGETS += build-node
.PHONY: build-node
build-node: web/dist/node.mjs ## the package's Node entry web/dist/node.mjs (src/node.js bundled with its modules)

web/dist/node.mjs: $(wildcard web/src/*.js) web/wasm_exec.js web/package.json web/scripts/build-node.mjs | build-wasm deps-node-root
	node web/scripts/build-node.mjs

package-files: build-wasm build-browser build-node web/index.d.cts web/global.d.cts web/button.d.cts web/LICENSE-go ## what the npm package carries besides its sources (wasm, wasm_exec.js, dist/, the .d.cts twins, Go's license)

# Generated, never committed (STYLE.md): the CommonJS twins of the declarations…
web/index.d.cts web/global.d.cts web/button.d.cts &: web/index.d.ts web/global.d.ts web/button.d.ts web/scripts/types-cts.mjs
	node web/scripts/types-cts.mjs

# …and the license of the Go code the package carries, from the toolchain that built it.
web/LICENSE-go: $(GOROOT)/LICENSE
	{ echo "The Go runtime and standard library compiled into chatapi.wasm, and wasm_exec.js (also inside"; \
	  echo "dist/chatapi.js, dist/chatapi.min.js and dist/node.mjs), come from the Go distribution under this license:"; \
	  echo; cat $<; } > $@

pack: $(TARBALL) ## the npm package tarball, build/appengage-VERSION.tgz (what `npm install` of it gets)

# prepack (web/scripts/prepack.mjs) would run make package-files itself; here make already has.
$(TARBALL): $(PACK_FILES) | package-files
	@mkdir -p $(BUILD)
	cd web && APPENGAGE_PREPACK_BUILT=1 npm pack --silent --pack-destination ../$(BUILD) >/dev/null
	@echo "pack: $@ ($$(du -k $@ | cut -f1) KB)"

test-pack: pack deps-node-root ## the tarball's contents, @arethetypeswrong/cli and publint on it
	node --test --test-concurrency=1 tests/consumers/pack.test.mjs

# Each consumer test installs the tarball (npm's cache, pinned toolchain versions) into its
# own project under the system temp folder, builds it as docs/js.md / docs/browser.md say and
# asks the simulator; the browser ones run in Debian's Chromium.
test-consumers: pack build-go deps-chromium deps-node-root ## the packed tarball in Node ESM/CJS, TypeScript, esbuild, Vite, webpack, workers, script tag
	node --test --test-concurrency=1 --test-timeout=600000 $(filter-out tests/consumers/pack.test.mjs,$(wildcard tests/consumers/*.test.mjs))
