#!/usr/bin/env bash
# Browser tests use the system Chromium (playwright cannot download browsers here).
set -euo pipefail
if [ -x /usr/bin/chromium ] || [ -n "${FLOWDECK_CHROMIUM:-}" ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the browser tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "no /usr/bin/chromium and not root with apt: trying playwright install chromium"
  .venv/bin/python -m playwright install chromium
fi
