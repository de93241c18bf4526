#!/usr/bin/env bash
# Module 1, the steps as a script: one checkout, then its trace in both dashboards. Prints the trace id last.
# Usage: workshop/solutions/01-follow-a-checkout.sh [endpoints.json]
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/suite.sh"

trace=$(checkout 2)
echo "checkout traced as $trace" >&2
ASPIRE=$(jq -r .aspire.dashboard "$endpoints"); KEY=$(jq -r .aspire.apiKey "$endpoints")
for _ in $(seq 60); do   # exporters batch for a few seconds; the Shop dashboard forwards to the Aspire dashboard
  shop=$(curl -s "$DASHBOARD/api/traces/$trace" | jq -r '[.data[0].processes[]?.serviceName] | unique | join(",")')
  aspire=$(curl -s -H "x-api-key: $KEY" "$ASPIRE/api/telemetry/traces/$trace" | jq -r '[.data.resourceSpans[]?.resource.attributes[] | select(.key == "service.name") | .value.stringValue] | unique | join(",")' 2>/dev/null || true)
  [[ "$shop" == *payments* && "$aspire" == *payments* ]] && break
  sleep 1
done
echo "Shop dashboard: $shop; Aspire dashboard: $aspire" >&2
curl -s "$DASHBOARD/api/traces/$trace" | jq -r '.data[0] as $t | $t.spans[] | select(any(.tags[]; .key == "db.system.name")) | "database span: \($t.processes[.processID].serviceName) \(.operationName)"' >&2
echo "$trace"
