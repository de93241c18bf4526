#!/usr/bin/env bash
# Runs every test of Shop on this machine: installs what is missing (Debian packages, npm
# packages), builds the solution, runs each test project, and ends with "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$(readlink -f "$0")")"
root=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DEBIAN_FRONTEND=noninteractive
results="$root/TestResults"
passed=0 failed=0 skipped=0

summary() { echo "$passed passed, $failed failed, $skipped skipped"; }
die() { echo "test.sh: $*" >&2; failed=$((failed + 1)); summary; exit 1; }

# 1. System packages: PostgreSQL server, Prometheus + promtool, Alertmanager, Chromium, Node.js, jq.
missing=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
command -v jq >/dev/null 2>&1 || missing+=(jq)   # the workshop's step scripts (tests/Workshop.Tests)
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]}"
  [ "$(id -u)" = 0 ] || die "need root (or sudo) to apt-get install ${missing[*]}"
  # Keep package post-install scripts from starting system daemons: tests start their own, on free ports.
  policy=/usr/sbin/policy-rc.d; created_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1; fi
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rc=$?
  [ $created_policy = 1 ] && rm -f "$policy"
  [ $rc = 0 ] || die "apt-get install ${missing[*]} failed"
fi

# 2. npm packages for the interop peers and tools (locked versions, no browser downloads).
for dir in tests/interop; do
  if [ -f "$dir/package.json" ] && [ ! -d "$dir/node_modules" ]; then
    echo "==> npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in $dir failed"
  fi
done

# 3. Build once, then run every test project.
echo "==> dotnet build"
dotnet build Shop.sln -c Release -nologo -clp:ErrorsOnly || die "build failed"

rm -rf "$results"
# vstest kills a test host 100 ms after the run unless told otherwise; the hosts stop their PostgreSQL
# cluster and remove its directory on ProcessExit, which can take longer on a busy machine.
export VSTEST_TESTHOST_SHUTDOWN_TIMEOUT=10000
mapfile -t projects < <(dotnet sln Shop.sln list | grep -E '\.Tests\.csproj$' | sort)
for project in "${projects[@]}"; do
  name=$(basename "$project" .csproj)
  echo "==> $name"
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" --blame-hang-timeout 10m
done

# 4. Count outcomes from the TRX reports (one per project).
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
done
# A project that crashed before writing its report counts as a failure.
reports=$(ls "$results"/*.trx 2>/dev/null | wc -l)
[ "$reports" -lt "${#projects[@]}" ] && failed=$((failed + ${#projects[@]} - reports))
summary
[ "$failed" = 0 ]
