# mwedition: `make demo` builds the shipped editions; `make check` runs every test.
# Both install what they need (apt-get, as root) on a fresh Debian 12 machine.

SHELL        := /bin/bash
GO           ?= go
BIN          := out/bin/mwedition
export MWEDITION_CACHE ?= $(CURDIR)/.cache/mwedition
FUZZTIME     ?= 15s
# Without a cap, the fuzzer spends a short run minimising its first finding.
FUZZFLAGS    := -fuzztime=$(FUZZTIME) -fuzzminimizetime=20x
# Debian packages the tests and benchmarks use.
DEPS         := git gnupg ca-certificates time dpkg-dev lintian rpm rpmlint mmdebstrap \
                docker-registry skopeo umoci libarchive-tools python3
# The dnf repository test: createrepo_c to compare metadata with, dnf to install from it, a
# static shell for scriptlets in dnf's empty install root.
DEPS         += createrepo-c dnf busybox-static
# make reprotest: Debian's reprotest and what its variations run (disorderfs for file order,
# faketime, the locales it switches to, diffoscope to compare, sudo for user and host names).
DEPS         += reprotest disorderfs faketime locales-all diffoscope-minimal sudo
# README.md's pictures: Graphviz renders docs/*.dot, and the README test compares the SVG.
DEPS         += graphviz
# The composer oracle test: Debian's composer (2.5.5) resolving against a static repository;
# php-zip unpacks the zip dists without the unzip binary.
DEPS         += composer php-cli php-zip

.PHONY: all build deps corpus demo check test unit e2e readme reprotest fuzz vet fmt bench clean help

all: build

help: ## list targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

build: ## build the mwedition binary into out/bin
	# -buildvcs=auto: `mwedition version` names the commit, whatever GOFLAGS says.
	CGO_ENABLED=0 $(GO) build -buildvcs=auto -trimpath -o $(BIN) ./builder

deps: ## install the Debian packages tests need (only those missing)
	@missing=$$(for p in $(DEPS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

corpus: build deps ## put the real MediaWiki 1.39.17 release into the cache (upstream, else Debian's source package)
	@if ! $(BIN) fetch --quiet 2>/dev/null; then \
	  echo "releases.wikimedia.org unreachable: taking the same bytes from Debian's source package"; \
	  tests/mediawiki-from-debian.sh $(BIN); \
	  $(BIN) fetch; \
	fi

demo: corpus ## build the shipped editions (core, knowledge-base, enterprise)
	$(BIN) validate
	$(BIN) plan | tail -n 1
	$(BIN) build
	@echo "out/manifest.json:" && head -c 600 out/manifest.json && echo " ..."

vet:
	@test -z "$$(gofmt -l builder internal tests)" || { gofmt -l builder internal tests; echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	$(GO) vet -tags e2e ./tests/...

unit: ## unit tests (race detector on)
	$(GO) test -race -count=1 ./...

fuzz: ## short runs of every fuzz target
	$(GO) test -run=XXX -fuzz=FuzzParseConstraint $(FUZZFLAGS) ./internal/semver
	$(GO) test -run=XXX -fuzz=FuzzParseVersion $(FUZZFLAGS) ./internal/semver
	$(GO) test -run=XXX -fuzz=FuzzLoad $(FUZZFLAGS) ./internal/load
	$(GO) test -run=XXX -fuzz='^FuzzExtract$$' $(FUZZFLAGS) ./internal/archive
	$(call fuzz_one,FuzzExtractZip,./internal/archive,1500x)
	$(GO) test -run=XXX -fuzz=FuzzParseInstalled $(FUZZFLAGS) ./internal/sbom
	$(GO) test -run=XXX -fuzz=FuzzParse $(FUZZFLAGS) ./internal/releasediff
	$(GO) test -run=XXX -fuzz=FuzzScan $(FUZZFLAGS) ./internal/composer/autoload
	for f in FuzzParseManifest FuzzParseIndex FuzzParseMetadata FuzzMinify FuzzParseInstalled FuzzResolve; do \
	  $(GO) test -run=XXX -fuzz="^$$f\$$" $(FUZZFLAGS) ./internal/composer || exit 1; \
	done

e2e: corpus ## end-to-end tests on the real MediaWiki 1.39.17 release, through the binary
	MWEDITION_BIN=$(CURDIR)/$(BIN) $(GO) test -tags e2e -count=1 -timeout 45m -v ./tests/ 2>&1 | tee out/e2e.log | grep -E '^(=== RUN|--- |PASS|FAIL|ok)' ; test $${PIPESTATUS[0]} -eq 0

readme: corpus ## rewrite README.md's sample outputs and docs/*.svg from the binary and Graphviz (review with git diff)
	MWEDITION_BIN=$(CURDIR)/$(BIN) $(GO) test -tags e2e -count=1 -run '^TestREADME' ./tests/ -update

reprotest: corpus ## reprotest builds the core edition twice under varied conditions: 0 differences
	tests/reprotest.sh $(BIN)

check: deps build vet unit fuzz e2e reprotest ## everything CI runs
	@echo "make check: all passed"

bench: corpus ## cold, no-op and one-component-changed builds of the real tree: wall time and peak RSS
	tests/bench.sh $(BIN)

clean:
	rm -rf out/bin out/manifest.json out/e2e.log out/bench out/reprotest
