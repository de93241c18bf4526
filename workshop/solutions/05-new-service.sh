#!/usr/bin/env bash
# Module 5, the steps as a script, before the build: the template makes Inventory (gRPC, items in memory) and adds it
# and its tests to Shop.sln, the AppHost gets the project reference, and 05-new-service.patch adds the hand-written
# part: the AppHost line, orders' reference to inventory, and orders reserving each order in it over gRPC before the
# charge. Then build, restart the suite, check out once and run ./workshop/check 5.
# Usage: workshop/solutions/05-new-service.sh   (SHOP_TEMPLATE_HIVE=DIR keeps dotnet new's template cache in DIR, not yours)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/../.."
hive=()
[ -z "${SHOP_TEMPLATE_HIVE:-}" ] || hive=(--debug:custom-hive "$SHOP_TEMPLATE_HIVE")
[ ! -e src/Inventory ] || { echo "src/Inventory exists already: this module's service was made before" >&2; exit 2; }

dotnet new install ./templates/Shop.Templates "${hive[@]}"
dotnet new shop-service -n Inventory --api grpc --database false "${hive[@]}"
dotnet add AppHost/AppHost.csproj reference src/Inventory/Inventory.csproj
git apply --verbose workshop/solutions/05-new-service.patch
echo "Inventory is made and called from orders: build (dotnet build Shop.sln -c Release), restart the suite, check out once, then ./workshop/check 5"
