#!/usr/bin/env bash
# The benchmarks (never part of ./test.sh): webhook ingest vs raw Kestrel, the launch burst on both Durable backends
# beside their bare ceiling, 10,000 sleepers on Azure Storage, and BenchmarkDotNet micro-benchmarks of the hot paths.
# Prints one results table per part. Needs what ./test.sh needs (.NET 10 SDK, Node 20+); takes about 1.5 hours on
# 2 cores, most of it the sleepers (parts 1-2 about 12 minutes, micro about 1 minute).
#   ./bench/run.sh                       everything
#   ./bench/run.sh load --only burst     one load part (ingest, burst, sleepers); --burst N, --sleepers N, --sleeper-day-seconds S
#   ./bench/run.sh micro                 only the micro-benchmarks
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
[ -x node_modules/.bin/azurite ] || npm ci --no-audit --no-fund --loglevel=error

# A private in-memory Azurite on its own ports (20100-20102, or BENCH_AZURITE_PORT..+2), so test runs sharing the
# default Azurite cannot skew the figures.
p="${BENCH_AZURITE_PORT:-20100}"
workdir=$(mktemp -d)
(cd "$workdir" && exec node "$OLDPWD/node_modules/azurite/dist/src/azurite.js" --silent --inMemoryPersistence --disableTelemetry \
    --blobHost 127.0.0.1 --blobPort "$p" --queueHost 127.0.0.1 --queuePort $((p + 1)) --tableHost 127.0.0.1 --tablePort $((p + 2)) \
    --skipApiVersionCheck --loose) &
azurite_pid=$!
trap 'kill "$azurite_pid" 2>/dev/null || true; rm -rf "$workdir"' EXIT
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$((p + 2))) 2>/dev/null && break; sleep 0.2; done
key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="   # Azurite's well-known dev key
export BENCH_STORAGE="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$p/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$((p + 1))/devstoreaccount1;TableEndpoint=http://127.0.0.1:$((p + 2))/devstoreaccount1;"

dotnet build bench/PostPurchase.Bench/PostPurchase.Bench.csproj -c Release -v quiet -nologo
bench=bench/PostPurchase.Bench/bin/Release/net10.0/PostPurchase.Bench.dll

part="${1:-all}"
[ $# -gt 0 ] && shift
if [ "$part" = all ] || [ "$part" = load ]; then dotnet "$bench" load "$@"; fi
if [ "$part" = all ] || [ "$part" = micro ]; then
  (cd bench && dotnet "../$bench" micro "$@")   # BenchmarkDotNet writes its reports under bench/BenchmarkDotNet.Artifacts
fi
