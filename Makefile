# mwedition: `make demo` builds the shipped editions; `make check` runs every test.
# Both install what they need (apt-get, as root) on a fresh Debian 12 machine.

SHELL        := /bin/bash
GO           ?= go
BIN          := out/bin/mwedition
export MWEDITION_CACHE ?= $(CURDIR)/.cache/mwedition
# Each fuzz target runs a fixed number of inputs (sized to about 15 s each here), not a
# wall-clock budget: Go 1.26's coordinator can fail a duration-bounded run with "context
# deadline exceeded" and no crasher when a loaded machine starves a worker at the deadline
# (go.dev/issue/75804, fixed in Go 1.27). FUZZTIME=10m replaces every count with a duration
# for a longer local run.
FUZZTIME     ?=
# Without a cap, the fuzzer spends a short run minimising its first finding.
fuzz_one = $(GO) test -run=XXX -fuzz='^$(1)$$' -fuzztime=$(or $(FUZZTIME),$(3)) -fuzzminimizetime=20x $(2)
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
# Debian's archive keys (/usr/share/keyrings/debian-archive-keyring.gpg): the Debian
# archive test verifies bookworm's InRelease with them.
DEPS         += debian-archive-keyring
# sigstore's cosign CLI, the oracle the image-signing tests verify with (tests/cosign_test.go):
# built from the Go module proxy at this version into a directory of its own, which make e2e
# and make bench hand the tests as COSIGN.
COSIGN_VERSION := v2.6.5
COSIGN         := $(CURDIR)/out/tools/cosign-$(COSIGN_VERSION)/cosign

.PHONY: all build deps corpus demo check test unit e2e readme reprotest fuzz vet fmt bench clean help

all: build

help: ## list targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

build: ## build the mwedition binary into out/bin
	# -buildvcs=auto: `mwedition version` names the commit, whatever GOFLAGS says.
	CGO_ENABLED=0 $(GO) build -buildvcs=auto -trimpath -o $(BIN) ./builder

deps: ## install the Debian packages tests need (only those missing) and the cosign CLI
	@missing=$$(for p in $(DEPS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@# The module version the binary was built from, as the Go toolchain recorded it.
	@if ! $(GO) version -m $(COSIGN) 2>/dev/null | grep -Eq '^[[:space:]]+mod[[:space:]]+github.com/sigstore/cosign/v2[[:space:]]+$(COSIGN_VERSION)[[:space:]]'; then \
	  echo "installing cosign $(COSIGN_VERSION) into $(dir $(COSIGN))"; \
	  GOBIN=$(dir $(COSIGN)) $(GO) install github.com/sigstore/cosign/v2/cmd/cosign@$(COSIGN_VERSION); \
	fi

corpus: build deps ## put the real MediaWiki 1.39.17 and 1.43.9 releases into the cache (upstream, else Debian's source package)
	@if ! $(BIN) fetch --quiet 2>/dev/null; then \
	  echo "releases.wikimedia.org unreachable: taking the same bytes from Debian's source package"; \
	  tests/mediawiki-from-debian.sh $(BIN); \
	  $(BIN) fetch; \
	fi
	@# The 1.43 line's core is Debian's own tarball, on deb.debian.org: fetch reaches it once
	@# the line has a lock; until then the script takes it from the recipe.
	@if [ -f lines/1.43/editions.lock ]; then $(BIN) -C lines/1.43 fetch; else tests/mediawiki-1.43-from-debian.sh $(BIN); fi

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
	$(call fuzz_one,FuzzParseConstraint,./internal/semver,100000x)
	$(call fuzz_one,FuzzParseVersion,./internal/semver,200000x)
	$(call fuzz_one,FuzzLoad,./internal/load,5000x)
	$(call fuzz_one,FuzzExtract,./internal/archive,1500x)
	$(call fuzz_one,FuzzExtractZip,./internal/archive,1500x)
	$(call fuzz_one,FuzzParseInstalled,./internal/sbom,40000x)
	$(call fuzz_one,FuzzParse,./internal/releasediff,60000x)
	$(call fuzz_one,FuzzScan,./internal/composer/autoload,300000x)
	$(call fuzz_one,FuzzParseManifest,./internal/composer,100000x)
	$(call fuzz_one,FuzzParseIndex,./internal/composer,200000x)
	$(call fuzz_one,FuzzParseMetadata,./internal/composer,50000x)
	$(call fuzz_one,FuzzMinify,./internal/composer,50000x)
	$(call fuzz_one,FuzzParseInstalled,./internal/composer,50000x)
	$(call fuzz_one,FuzzResolve,./internal/composer,5000x)
	$(call fuzz_one,FuzzApply,./internal/patch,30000x)
	$(call fuzz_one,FuzzVerifyInRelease,./internal/debarchive,20000x)
	$(call fuzz_one,FuzzParsePackages,./internal/debarchive,20000x)
	$(call fuzz_one,FuzzParseSources,./internal/debarchive,20000x)
	$(call fuzz_one,FuzzParse,./internal/policy,90000x)
	$(call fuzz_one,FuzzLoadPrivateKey,./internal/cosign,20000x)

e2e: corpus ## end-to-end tests on the real MediaWiki 1.39.17 release, through the binary
	MWEDITION_BIN=$(CURDIR)/$(BIN) COSIGN=$(COSIGN) $(GO) test -tags e2e -count=1 -parallel 4 -timeout 75m -v ./tests/ 2>&1 | tee out/e2e.log | grep -E '^(=== RUN|--- |PASS|FAIL|ok)' ; test $${PIPESTATUS[0]} -eq 0

readme: corpus ## rewrite README.md's sample outputs and docs/*.svg from the binary and Graphviz (review with git diff)
	MWEDITION_BIN=$(CURDIR)/$(BIN) $(GO) test -tags e2e -count=1 -run '^TestREADME' ./tests/ -update

reprotest: corpus ## reprotest builds the core edition twice under varied conditions: 0 differences
	tests/reprotest.sh $(BIN)

check: deps build vet unit fuzz e2e reprotest ## everything CI runs
	@echo "make check: all passed"

bench: corpus ## cold, no-op and one-component-changed builds of the real tree: wall time and peak RSS
	COSIGN=$(COSIGN) tests/bench.sh $(BIN)

clean:
	rm -rf out/bin out/manifest.json out/e2e.log out/bench out/reprotest
