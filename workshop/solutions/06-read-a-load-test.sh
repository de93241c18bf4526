#!/usr/bin/env bash
# Module 6, the steps as a script: a load-generator run, then the slowest hop of its checkouts (self time on the
# critical path the Shop dashboard computes, summed over the newest 30 checkouts it kept) and the semantic-convention histogram
# that measures that hop, written to workshop/answers/06.txt.
# Usage: workshop/solutions/06-read-a-load-test.sh [endpoints.json]
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/suite.sh"
dll="$repo/load/LoadGenerator/bin/Release/net10.0/Shop.LoadGenerator.dll"
[ -f "$dll" ] || dotnet build "$repo/load/LoadGenerator/LoadGenerator.csproj" -c Release -nologo -clp:ErrorsOnly >&2
log="$repo/load/reports/traces-$(date -u +%Y%m%d-%H%M%S).jsonl"
dotnet "$dll" run --endpoints "$endpoints" --rate 5 --duration 20 --warmup 3 --pool-users 20 --trace-log "$log" >&2

# Per checkout: each span's self time on the critical path, as "service<TAB>span name<TAB>metric<TAB>microseconds".
kept=0
hops() {
  local trace=$1
  local spans path
  [ "$kept" -lt 30 ] || return 0
  spans=$(curl -sf "$DASHBOARD/api/traces/$trace") || return 0   # 404: not kept
  path=$(curl -sf "$DASHBOARD/api/traces/$trace/critical-path") || return 0
  kept=$((kept + 1))
  jq -rn --argjson t "$spans" --argjson p "$path" '
    ($t.data[0] // empty) as $trace
    | ($p.data.selfTime // {}) as $self
    | $trace.spans[]
    | (reduce .tags[] as $tag ({}; .[$tag.key] = ($tag.value | tostring))) as $tags
    | select($self[.spanID] != null)
    | ($tags["span.kind"] // "internal") as $kind
    | (if $kind == "client" and ($tags["db.system.name"] // null) != null then "db_client_operation_duration_seconds"
       elif $kind == "client" and $tags["rpc.system.name"] == "grpc" then "rpc_client_call_duration_seconds"
       elif $kind == "server" and $tags["rpc.system.name"] == "grpc" then "rpc_server_call_duration_seconds"
       elif $kind == "client" then "http_client_request_duration_seconds"
       elif $kind == "server" then "http_server_request_duration_seconds"
       else "" end) as $metric
    | [$trace.processes[.processID].serviceName, .operationName, $metric, $self[.spanID]] | @tsv'
}

sleep 15  # the last checkouts' spans are exported in batches, and the Shop dashboard decides on a trace 5 s after its root
# The newest 30 checkouts the Shop dashboard kept (tail sampling keeps every trace up to 10 a second, a share of the rest).
jq -r 'select(.scenario == "checkout" and .status >= 200 and .status < 300) | .traceId' "$log" | tac \
  | while read -r trace; do hops "$trace"; done \
  | awk -F '\t' '{ total[$1 " " $2] += $4; metric[$1 " " $2] = $3 } END { for (h in total) printf "%d\t%s\t%s\n", total[h], h, metric[h] }' \
  | sort -rn > "$log.hops"
echo "self time on the critical path, summed over the newest 30 checkouts the dashboard kept (µs):" >&2
head -n 5 "$log.hops" >&2
IFS=$'\t' read -r _ hop metric < "$log.hops"
mkdir -p "$repo/workshop/answers"
printf 'hop: %s\nmetric: %s\n' "$hop" "$metric" > "$repo/workshop/answers/06.txt"
rm -f "$log.hops"
cat "$repo/workshop/answers/06.txt" >&2
