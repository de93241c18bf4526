#!/usr/bin/env bash
# Module 2, the steps as a script: half of payments' charges fail, checkouts keep coming until Prometheus' SLO alert
# reaches Alertmanager and the Shop dashboard's root-cause report names payments; prints one failing trace of the
# report last. The fault stays set (the check reads it); undo it with {"failureRate":0}.
# Usage: workshop/solutions/02-break-payments.sh [endpoints.json]   (DEADLINE=seconds, default 600)
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/suite.sh"
PAYMENTS=$(jq -r .services.payments.http "$endpoints"); TOKEN=$(jq -r .paymentsAdminToken "$endpoints")
ALERTMANAGER=$(jq -r '.alertmanager // empty' "$endpoints")
[ -n "$ALERTMANAGER" ] || { echo "no alertmanager in $endpoints: install prometheus and prometheus-alertmanager" >&2; exit 2; }

curl -sf -X PUT "$PAYMENTS/admin/faults" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"failureRate":0.5}' >&2 && echo >&2

deadline=$(( $(date +%s) + ${DEADLINE:-600} ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  for _ in 1 2 3 4 5; do checkout 1 >/dev/null; done
  alert=$(curl -s "$ALERTMANAGER/api/v2/alerts?active=true" | jq -r '[.[] | select(.labels.alertname == "ErrorBudgetBurn" and .labels.service == "payments")] | length')
  failing=$(curl -s "$DASHBOARD/api/alerts" | jq -r '[.data[]? | select(.report.cause.service? == "payments") | .report.traceSamples[] | select(.error) | .traceId][0] // empty')
  echo "$(date +%T) alerts for payments in Alertmanager: $alert; failing trace in the report: ${failing:-none yet}" >&2
  if [ "$alert" -gt 0 ] && [ -n "$failing" ]; then echo "$failing"; exit 0; fi
  sleep 2
done
echo "no alert for payments within ${DEADLINE:-600} s" >&2
exit 1
