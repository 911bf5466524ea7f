#!/usr/bin/env bash
# Runs the whole post-purchase journey locally on the bundled Stripe samples (about 30 s once built):
# installs and starts a private Azurite (in memory, ports 20000-20002), starts the app (SelfHost on
# http://localhost:7071) with one day compressed to four seconds, sends the two Checkout samples signed
# with the local secret, and prints each journey's timeline. Buyer clicks come from a scripted buyer.
set -euo pipefail
cd "$(dirname "$0")"

[ -x node_modules/.bin/azurite ] || npm ci --no-audit --no-fund --loglevel=error

# A busy port means another demo (or an Azurite) is running: the demo would talk to its storage instead of a fresh one.
for port in 20000 20001 20002 7071; do
  if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
    echo "Port $port is in use (another ./demo.sh or Azurite?). Stop it and run ./demo.sh again." >&2
    exit 1
  fi
done

rm -rf .demo && mkdir -p .demo
node_modules/.bin/azurite --silent --inMemoryPersistence --skipApiVersionCheck \
  --blobHost 127.0.0.1 --blobPort 20000 --queueHost 127.0.0.1 --queuePort 20001 --tableHost 127.0.0.1 --tablePort 20002 \
  > .demo/azurite.log 2>&1 &
azurite_pid=$!
trap 'kill $azurite_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/20002) 2>/dev/null && break; sleep 0.1; done

storage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:20000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:20001/devstoreaccount1;TableEndpoint=http://127.0.0.1:20002/devstoreaccount1;"
echo "Building…"
dotnet build SelfHost -c Release --nologo > .demo/build.log 2>&1 || { cat .demo/build.log; exit 1; }
root=$PWD
env CrmTables="$storage" Durable__StorageConnection="$storage" \
  SendGrid__OutboxPath="$root/.demo/outbox" Slack__SinkPath="$root/.demo/slack-alerts.jsonl" \
  Demo__SamplesPath="$root/Functions.Tests/Fixtures/samples" \
  Logging__LogLevel__Default=Warning 'Logging__LogLevel__DurableTask.AzureStorage=Error' \
  dotnet run --project SelfHost -c Release --no-build -- --demo
