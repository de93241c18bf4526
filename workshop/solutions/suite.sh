# Sourced by the step scripts: where the suite listens (endpoints.json, the contract for scripts), and a checkout.
# SHOP_ENDPOINTS or the first argument names endpoints.json; default <repo>/.shop/run/endpoints.json.
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
endpoints="${1:-${SHOP_ENDPOINTS:-$repo/.shop/run/endpoints.json}}"
[ -f "$endpoints" ] || { echo "$endpoints does not exist: start the suite (dotnet run --project AppHost)" >&2; exit 2; }
for tool in curl jq; do command -v $tool >/dev/null || { echo "$tool is missing (sudo apt-get install $tool)" >&2; exit 2; }; done
G=$(jq -r .gateway "$endpoints")
DASHBOARD=$(jq -r .dashboard "$endpoints")

# checkout LINES: signs up a user and checks out LINES lines; prints the answer's trace id. A 5xx or a timeout (a cold
# service on a busy machine) is tried again, up to 5 times, with a new Idempotency-Key: a fresh checkout, not a replay.
checkout() {
  local user="" lines answer status attempt
  for attempt in 1 2 3 4 5; do
    user=$(curl -sf --max-time 30 -X POST "$G/api/users" -H 'Content-Type: application/json' \
      -d "{\"name\":\"Workshop Learner\",\"email\":\"learner-$(date +%s%N)@example.com\"}" | jq -r .id) && break
    echo "sign-up failed (attempt $attempt), trying again" >&2; sleep 2
  done
  [ -n "$user" ] || { echo "no user could be signed up at $G" >&2; return 1; }
  lines=$(jq -nc --argjson n "${1:-1}" '[range(1; $n + 1) | {sku: "BOOK-\(.)", quantity: 1, unitPrice: 12.50}]')
  for attempt in 1 2 3 4 5; do
    answer=$(curl -s --max-time 30 -w '\n%{http_code}' -X POST "$G/api/orders" -H 'Content-Type: application/json' \
      -H "Idempotency-Key: workshop-$(date +%s%N)" -d "{\"userId\":\"$user\",\"currency\":\"EUR\",\"lines\":$lines}") || true
    status=${answer##*$'\n'}
    if [[ "$status" =~ ^[1-4] ]]; then echo "${answer%$'\n'*}" | jq -r .traceId; return 0; fi
    echo "checkout answered ${status:-nothing} (attempt $attempt), trying again" >&2; sleep 2
  done
  return 1
}
