# make run: build everything, start the LivePerson simulator and the demo's static server on
# 127.0.0.1, print the demo's URL, and keep both running until Ctrl-C.
# PORT (default 8080) is the demo, SIM_PORT (default 8081) the simulator; logs go to
# $(BUILD)/run/.

SIM_PORT    ?= 8081
RUN_ACCOUNT ?= 12345678
# The start-up check asks as its own account, so the demo's first page shows one visitor.
RUN_CHECK_ACCOUNT ?= makerun_check
RUN_LOGS    := $(BUILD)/run

.PHONY: run

# wait_listening LOG PID NAME HINT: wait for "NAME: listening on URL" as the first line of LOG.
define wait_listening
for i in $$(seq 100); do \
  grep -q '^$(3): listening on ' "$(1)" && break; \
  kill -0 $(2) 2>/dev/null || { cat "$(1)" >&2; echo "make run: $(3) did not start ($(4))" >&2; exit 1; }; \
  sleep 0.1; \
done; \
grep -q '^$(3): listening on ' "$(1)" || { cat "$(1)" >&2; echo "make run: $(3) did not print its address" >&2; exit 1; }
endef

run: build build-example-react ## build everything, start the simulator and the demo on 127.0.0.1:PORT (default 8080), until Ctrl-C
	@mkdir -p $(RUN_LOGS); \
	$(BUILD)/bin/lpsim -addr 127.0.0.1:$(SIM_PORT) >$(RUN_LOGS)/lpsim.log 2>&1 & sim=$$!; \
	dev=; \
	trap 'kill -TERM $$sim $$dev 2>/dev/null || true; wait 2>/dev/null || true' EXIT; \
	trap 'echo; echo "make run: stopped"; exit 0' INT TERM; \
	$(call wait_listening,$(RUN_LOGS)/lpsim.log,$$sim,lpsim,is port $(SIM_PORT) free? try SIM_PORT=...); \
	simurl=$$(sed -n 's/^lpsim: listening on //p' $(RUN_LOGS)/lpsim.log | head -n1); \
	echo "The CLI asks the simulator for an engagement with LivePerson's documented example:"; \
	echo "  $(BUILD)/bin/appengage get --account $(RUN_CHECK_ACCOUNT) --csds $$simurl --request testdata/seed-request.json"; \
	$(BUILD)/bin/appengage get --account $(RUN_CHECK_ACCOUNT) --csds $$simurl --request testdata/seed-request.json; \
	$(BUILD)/bin/devserver -addr 127.0.0.1:$(PORT) -sim "$$simurl" -account $(RUN_ACCOUNT) \
	  -demo web/demo -pkg web -mount /examples/=examples \
	  -mount /examples/electron/node_modules/appengage/=web \
	  -mount /examples/game-launcher/node_modules/appengage/=web \
	  >$(RUN_LOGS)/devserver.log 2>&1 & dev=$$!; \
	$(call wait_listening,$(RUN_LOGS)/devserver.log,$$dev,devserver,is port $(PORT) free? try PORT=...); \
	url=$$(sed -n 's/^devserver: listening on //p' $(RUN_LOGS)/devserver.log | head -n1); \
	echo; \
	echo "  Demo (Click to Chat, live):  $$url/"; \
	echo "  Script-tag build:            $$url/classic.html"; \
	echo "  Game-launcher example:       $$url/examples/game-launcher/index.html?account=$(RUN_ACCOUNT)&sim=$$simurl"; \
	echo "  Electron renderer example:   $$url/examples/electron/renderer/index.html?account=$(RUN_ACCOUNT)&sim=$$simurl"; \
	echo "  React example:               $$url/examples/react/index.html?account=$(RUN_ACCOUNT)&sim=$$simurl"; \
	echo "  Simulator:                   $$simurl  (account $(RUN_ACCOUNT); stats: $$simurl/sim/v1/stats?account=$(RUN_ACCOUNT))"; \
	echo "  CLI against it:              $(BUILD)/bin/appengage get --account $(RUN_ACCOUNT) --csds $$simurl --request testdata/seed-request.json"; \
	echo "  Logs:                        $(RUN_LOGS)/"; \
	echo; \
	echo "Press Ctrl-C to stop."; \
	while kill -0 $$sim 2>/dev/null && kill -0 $$dev 2>/dev/null; do sleep 1; done; \
	echo "make run: a server stopped; see $(RUN_LOGS)/" >&2; exit 1
