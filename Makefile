# paxosql: `make demo` runs it, `make test` tests it.
SHELL := /bin/bash
MVN ?= mvn -B -q
JAR := target/paxosql.jar
SEEDS ?= 100000
DEB_PACKAGES := mariadb-server mariadb-client mariadb-backup sysbench python3-pymysql haproxy chromium

.PHONY: deps build test no-leftover-servers test-slow sim chaos bench demo clean

# Installs what the tests and the demo need; we never use Debian's packaged mariadb service.
deps:
	@if command -v mariadbd >/dev/null 2>&1 && command -v sysbench >/dev/null 2>&1 \
	    && command -v haproxy >/dev/null 2>&1 && /usr/bin/python3 -c 'import pymysql' 2>/dev/null \
	    && command -v mariadb-backup >/dev/null 2>&1 && command -v chromium >/dev/null 2>&1; then \
	  echo "deps: MariaDB, sysbench, haproxy, PyMySQL and Chromium are installed"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(DEB_PACKAGES) \
	    && (service mariadb stop || true); \
	else \
	  echo "deps: missing packages; run as root:"; \
	  echo "  sudo apt-get update && sudo apt-get install -y $(DEB_PACKAGES) && sudo service mariadb stop"; \
	  exit 1; \
	fi

build:
	$(MVN) package -DskipTests

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

# Black-box fault suite: 3 node processes in network namespaces, seeded faults, checked histories (root).
# CHAOS_MINUTES of workload (the run takes ~3 min more); CHAOS_SEED replays a schedule (default: the clock).
CHAOS_MINUTES ?= 10
CHAOS_SEED ?=
chaos: deps
	@rm -f target/chaos/last-report.txt
	mvn -B test -Dtest=ChaosSuiteTest -Dchaos.minutes=$(CHAOS_MINUTES) -Dchaos.seed=$(CHAOS_SEED); \
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
