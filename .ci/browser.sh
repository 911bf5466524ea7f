#!/usr/bin/env bash
# The browser the Playwright tests drive: Debian's Chromium plus CJK fonts (without them Korean renders
# as empty boxes). Playwright's own browser download cannot work here; the tests point ExecutablePath at
# /usr/bin/chromium. Idempotent: does nothing when Chromium and the Noto CJK fonts are already there.
set -euo pipefail
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present), Noto CJK fonts present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q chromium fonts-noto-cjk
/usr/bin/chromium --version || true
