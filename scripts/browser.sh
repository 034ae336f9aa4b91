#!/usr/bin/env bash
# Debian's Chromium for the real-browser tests (Playwright cannot download browsers here).
# Idempotent: does nothing when /usr/bin/chromium exists.
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then echo "browser: $(/usr/bin/chromium --version 2>/dev/null | head -1)"; exit 0; fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo -n"; fi
echo "browser: installing Debian's chromium (about 30 s, ~500 MB)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
