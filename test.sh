#!/usr/bin/env bash
# Runs every test. Needs the .NET 10 SDK and Node 20+; Azurite comes from package.json and is started by the tests.
set -euo pipefail
cd "$(dirname "$0")"
[ -x node_modules/.bin/azurite ] || npm ci --no-audit --no-fund --loglevel=error
# The in-process Durable test host logs every gRPC call at Information; warnings and errors still show.
export Logging__LogLevel__Default="${Logging__LogLevel__Default:-Warning}"
dotnet test --solution PostPurchaseFunctions.sln -c Release "$@"
