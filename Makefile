# paxosql: `make demo` runs it, `make test` tests it.
SHELL := /bin/bash
MVN ?= mvn -B -q
JAR := target/paxosql.jar
SEEDS ?= 100000
DEB_PACKAGES := mariadb-server mariadb-client mariadb-backup sysbench python3-pymysql haproxy chromium \
  nftables e2fsprogs
# Debian's nodejs and npm only where no Node.js with npm is installed: a NodeSource nodejs already brings npm,
# and Debian's npm conflicts with it ("nodejs : Conflicts: npm"), which made apt-get refuse the whole list.
NODE_PACKAGES := $(if $(shell command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && echo yes),,nodejs npm)

VERSION := $(shell sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -n 1)
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DIST := target/paxosql-$(VERSION)

.PHONY: deps build dist test-dist test no-leftover-servers test-slow sim chaos bench demo clean

# Installs what the tests and the demo need; we never use Debian's packaged mariadb service.
deps:
	@if command -v mariadbd >/dev/null 2>&1 && command -v sysbench >/dev/null 2>&1 \
	    && command -v haproxy >/dev/null 2>&1 && /usr/bin/python3 -c 'import pymysql' 2>/dev/null \
	    && command -v mariadb-backup >/dev/null 2>&1 && command -v chromium >/dev/null 2>&1 \
	    && command -v npm >/dev/null 2>&1 && command -v nft >/dev/null 2>&1 \
	    && command -v mkfs.ext4 >/dev/null 2>&1; then \
	  echo "deps: MariaDB, sysbench, haproxy, PyMySQL, Chromium, Node.js, nftables and e2fsprogs are installed"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(DEB_PACKAGES) $(NODE_PACKAGES) \
	    && (service mariadb stop || true); \
	else \
	  echo "deps: missing packages; run as root:"; \
	  echo "  sudo apt-get update && sudo apt-get install -y $(DEB_PACKAGES) $(NODE_PACKAGES) && sudo service mariadb stop"; \
	  exit 1; \
	fi
	@# Node's mysql2 for the client compatibility test, at the version package-lock.json pins.
	@if [ ! -d src/test/clients/node_modules/mysql2 ]; then \
	  cd src/test/clients && npm ci --no-audit --no-fund; \
	fi

build:
	$(MVN) package -DskipTests -Dpaxosql.commit=$(COMMIT)

# The release tarball: launcher, jar, config templates for three hosts, the systemd unit, INSTALL.md.
dist: build
	rm -rf $(DIST) $(DIST).tar.gz
	mkdir -p $(DIST)/bin $(DIST)/lib $(DIST)/conf $(DIST)/systemd
	cp dist/bin/* $(DIST)/bin/ && chmod 755 $(DIST)/bin/*
	cp $(JAR) $(DIST)/lib/paxosql.jar
	cp dist/conf/*.yaml $(DIST)/conf/
	cp dist/systemd/* $(DIST)/systemd/
	cp INSTALL.md $(DIST)/
	tar -C target -czf $(DIST).tar.gz paxosql-$(VERSION)
	@echo "built $(DIST).tar.gz"

# The suite must leave no server behind: every mariadbd a test starts lives under /tmp/pxs-*.
test: deps
	mvn -B test
	@$(MAKE) --no-print-directory no-leftover-servers

no-leftover-servers:
	@if pgrep -a -x mariadbd | grep -- '--defaults-file=/tmp/pxs-'; then \
	  echo "FAIL: the test suite left the mariadbd processes above running"; exit 1; \
	else echo "no mariadbd left running by the tests"; fi

test-slow: deps
	mvn -B test -DexcludedGroups= -Dgroups=slow
	@$(MAKE) --no-print-directory test-dist

# INSTALL.md followed in three network namespaces, from the tarball (root; about 2 minutes).
test-dist: dist
	timeout 600 bash dist/test-install.sh $(DIST).tar.gz

# Black-box fault suite: 3 node processes in network namespaces, seeded faults, checked histories (root).
# CHAOS_MINUTES of workload (the run takes ~3 min more); CHAOS_SEED replays a schedule (default: the clock).
CHAOS_MINUTES ?= 10
CHAOS_SEED ?=
CHAOS_SKIP ?=
chaos: deps
	@rm -f target/chaos/last-report.txt
	mvn -B test -Dtest=ChaosSuiteTest -Dchaos.minutes=$(CHAOS_MINUTES) -Dchaos.seed=$(CHAOS_SEED) -Dchaos.skip=$(CHAOS_SKIP); \
	  status=$$?; cat target/chaos/last-report.txt 2>/dev/null; \
	  if pgrep -a -x mariadbd | grep -- '--defaults-file=/tmp/pxs-chaos-'; then \
	    echo "FAIL: the chaos run left the mariadbd processes above running"; exit 1; fi; exit $$status

sim:
	mvn -B test -Dtest='PaxosSimulationTest' -Dpaxosql.sim.seeds=$(SEEDS) -DexcludedGroups=

bench: build
	$(MVN) install -DskipTests
	cd bench && $(MVN) package && java -jar target/benchmarks.jar $(BENCH_ARGS)

demo: deps build
	java -jar $(JAR) demo

clean:
	$(MVN) clean
	cd bench && $(MVN) clean
