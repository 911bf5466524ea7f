#!/usr/bin/env bash
# Infrastructure check: restore the Bicep CLI from NuGet, lint and build infra/main.bicep.
# Fails on any error and on any warning (bicep itself exits 0 on warnings, so the output is read).
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet restore tools/bicep/bicep.proj --verbosity quiet
PACKAGES="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
BICEP="$PACKAGES/azure.bicep.commandline.linux-x64/0.49.2/tools/bicep"
chmod +x "$BICEP"
"$BICEP" --version

OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT
status=0

"$BICEP" lint infra/main.bicep >"$OUT" 2>&1 || status=$?
"$BICEP" build infra/main.bicep --outfile infra/bin/main.json >>"$OUT" 2>&1 || status=$?
cat "$OUT"

if [ "$status" -ne 0 ] || grep -Eq '(Warning|Error) ' "$OUT"; then
  echo "bicep: errors or warnings above; infrastructure check failed" >&2
  exit 1
fi
echo "bicep: lint and build clean, compiled to infra/bin/main.json"
