# keepalived-ts: `make` installs what is missing and builds; `make test` runs everything.
SHELL := /bin/bash
NPX := npx --no-install

.PHONY: all deps build native test test-ipvs clean demo bench install uninstall

all: build

deps:
	@./scripts/install-deps.sh

native: deps
	cd native && $(NPX) node-gyp rebuild >/dev/null

build: deps
	@test -f native/build/Release/keepalived_native.node || $(MAKE) native
	$(NPX) tsc -b

test: build
	$(NPX) tap

# IPVS runs only in a VM here (the host kernel has no IPVS); make test includes it too.
test-ipvs: build
	conformance/vm/setup.sh
	$(NPX) tap conformance/dist/test/vm*.test.js conformance/dist/test/ipvs-*.test.js

demo: build
	@if [ -x conformance/demo.sh ]; then conformance/demo.sh; else echo "make demo: not available yet (issue 4)"; exit 1; fi

bench: build
	@for b in bench/*/run.sh; do [ -x "$$b" ] && "$$b"; done

install: build
	./scripts/install.sh install

uninstall:
	./scripts/install.sh uninstall

clean:
	rm -rf native/build node_modules/.install-stamp
	find . -name dist -type d -prune -not -path './node_modules/*' -exec rm -rf {} +
	find . -name '*.tsbuildinfo' -not -path './node_modules/*' -delete
