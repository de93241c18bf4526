#!/usr/bin/env bash
# AppHost startup benchmark: time from starting the already-built AppHost to everything healthy (endpoints.json
# written), over several runs. The first run starts from an empty state directory (initdb included, "cold"); the
# others reuse it ("warm"), as a developer's second `dotnet run` does. Writes load/reports/apphost-startup-*.{md,json}.
#   load/apphost-startup.sh [RUNS (default 5)] [more AppHost options, e.g. --prometheus false]
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
runs=${1:-5}; shift || true
configuration=${CONFIGURATION:-Release}
dll=AppHost/bin/$configuration/net10.0/Shop.AppHost.dll
[ -f "$dll" ] || { echo "apphost-startup: $dll is missing; run dotnet build Shop.sln -c $configuration first." >&2; exit 1; }
# As `dotnet run --project AppHost` does, the AppHost gets its launch profile's environment (the first profile of
# AppHost/Properties/launchSettings.json: Development and the Aspire dashboard settings), and passes it to what it starts.
command -v jq >/dev/null || { echo "apphost-startup: jq is needed to read the launch profile (apt-get install jq)." >&2; exit 1; }
mapfile -t profile < <(jq -r '.profiles | to_entries[0].value.environmentVariables // {} | to_entries[] | "\(.key)=\(.value)"' AppHost/Properties/launchSettings.json)
for variable in "${profile[@]}"; do export "${variable?}"; done
state=$(mktemp -d /tmp/shop-apphost-bench-XXXXXX); chmod 755 "$state" # the postgres user must reach its data when we are root
trap 'rm -rf "$state"' EXIT
mkdir -p load/reports
stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=()
certificates=()
: >"$state/timeline"
# Median started, healthy and own time per resource over the warm runs, in order of the healthy median.
timeline() {
  awk '$1 == "warm" { s[$2] = s[$2] " " $3; h[$2] = h[$2] " " $4; o[$2] = o[$2] " " ($4 - $3) }
       function median(list,   a, n, i, j, t) {
         n = split(list, a, " "); for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
         return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
       END { for (r in h) printf "%s %.2f %.2f %.2f\n", r, median(s[r]), median(h[r]), median(o[r]) }' "$state/timeline" \
    | sort -k3 -n | awk '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }'
}
for run in $(seq 1 "$runs"); do
  rm -f "$state/run/endpoints.json"
  log="$state/run-$run.log"
  start=$(date +%s%N)
  # The AppHost logs each resource's start and healthy times at Debug (EndpointsFile.cs): the timeline below.
  dotnet "$dll" --state-dir "$state" Logging:LogLevel:Shop.AppHost.EndpointsFile=Debug "$@" >"$log" 2>&1 &
  pid=$!
  while [ ! -f "$state/run/endpoints.json" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "apphost-startup: the AppHost exited before it was ready:" >&2; cat "$log" >&2; exit 1; fi
    sleep 0.05
  done
  ready=$(date +%s%N)
  # DCP's TLS key: the trusted .NET developer certificate, or a new RSA key made at this start (README.md, "DCP's certificate").
  if ps -eo args | grep -q "[s]tart-apiserver --monitor $pid .*--tls-cert-file"; then certificates+=(developer); else certificates+=(generated); fi
  # SIGTERM, not SIGINT: a background job of a script starts with SIGINT ignored. The AppHost exits once DCP
  # stopped everything (DcpPublisher:WaitForResourceCleanup), so the next run finds its ports free.
  kill -TERM "$pid"; wait "$pid" || true
  stopped=$(date +%s%N)
  reported=$(grep -o 'ready in [0-9.]* s' "$log" | grep -o '[0-9.]*' || echo "")
  kind=$([ "$run" = 1 ] && echo cold || echo warm)
  startup=$(awk "BEGIN { printf \"%.2f\", ($ready - $start) / 1e9 }")
  stop=$(awk "BEGIN { printf \"%.2f\", ($stopped - $ready) / 1e9 }")
  echo "run $run ($kind): ready after $startup s (AppHost says $reported s), stopped in $stop s"
  results+=("$run $kind $startup $reported $stop")
  grep -o 'startup: [a-z-]* healthy at [0-9.]* s, started at [0-9.NaN]* s' "$log" \
    | awk -v kind="$kind" '{ print kind, $2, $9, $5 }' >>"$state/timeline" || true
done

warm=$(printf '%s\n' "${results[@]}" | awk '$2 == "warm" { print $3 }' | sort -n)
median=$(echo "$warm" | awk '{ a[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
worst=$(echo "$warm" | tail -1)
case " ${certificates[*]} " in
  *" generated "*" developer "*|*" developer "*" generated "*) dcp_certificate="mixed (${certificates[*]})" ;;
  *" developer "*) dcp_certificate="the trusted .NET developer certificate" ;;
  *) dcp_certificate="a new RSA key made at each start (no trusted .NET developer certificate)" ;;
esac
machine="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ { print $2 }') GiB RAM, load average $(cut -d' ' -f1-3 /proc/loadavg)"
{
  echo "# AppHost startup, $stamp"
  echo
  echo "Machine: $machine. Options: ${*:-(none)}. Launch profile environment: ${profile[*]}"
  echo
  echo "DCP's certificate: $dcp_certificate."
  echo
  echo "| run | state | to all healthy (s) | AppHost's own figure (s) | stop (s) |"
  echo "|---|---|---|---|---|"
  for r in "${results[@]}"; do set -- $r; echo "| $1 | $2 | $3 | $4 | $5 |"; done
  echo
  echo "Warm median $median s, worst ${worst:-n/a} s (target <= 10 s)."
  echo
  echo "Timeline of the warm runs (medians, seconds since the AppHost process started): when each resource's process"
  echo "started (DCP's start time) and when Aspire saw it healthy; \"own\" is the difference, the resource's own time to healthy."
  echo
  echo "| resource | started | healthy | own |"
  echo "|---|---|---|---|"
  timeline
} | tee "load/reports/apphost-startup-$stamp.md"
{
  printf '{"timestamp": "%s", "machine": "%s", "runs": [' "$stamp" "$machine"
  sep=""
  for r in "${results[@]}"; do set -- $r; printf '%s{"run": %s, "state": "%s", "readySeconds": %s, "reportedSeconds": %s, "stopSeconds": %s}' "$sep" "$1" "$2" "$3" "${4:-null}" "$5"; sep=", "; done
  printf '], "warmMedianSeconds": %s, "dcpCertificate": "%s"}\n' "$median" "$dcp_certificate"
} > "load/reports/apphost-startup-$stamp.json"
