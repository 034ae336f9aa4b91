#!/usr/bin/env bash
# What the real-browser tests need, installed only when missing (idempotent; offline once installed):
#  - Debian's Chromium (Playwright cannot download browsers here), as root or with passwordless sudo;
#  - rasa-webchat from npm into var/npm (git-ignored) for tests/e2e/test_rasa_webchat.py, which checks that an
#    unmodified Rasa widget works against the web app.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WEBCHAT_VERSION="1.0.1"

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo -n"; fi
export DEBIAN_FRONTEND=noninteractive
apt_install() { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "$@" >/dev/null; }

if [[ -x /usr/bin/chromium ]]; then
  echo "browser: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
else
  echo "browser: installing Debian's chromium (about 30 s, ~500 MB)"
  apt_install chromium
  /usr/bin/chromium --version
fi

WEBCHAT="$ROOT/var/npm/node_modules/rasa-webchat"
installed=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$WEBCHAT/package.json" 2>/dev/null || true)
if [[ $installed == "$WEBCHAT_VERSION" && -f $WEBCHAT/lib/index.js ]]; then
  echo "browser: rasa-webchat $installed (var/npm)"
else
  if ! command -v npm >/dev/null; then echo "browser: installing Debian's npm"; apt_install npm; fi
  echo "browser: installing rasa-webchat@$WEBCHAT_VERSION into var/npm (about 20 s)"
  # Only its UMD bundle (lib/index.js) is used: no install scripts, no peer packages.
  npm install --prefix "$ROOT/var/npm" --save-exact --no-audit --no-fund --ignore-scripts --omit=peer --omit=dev \
    "rasa-webchat@$WEBCHAT_VERSION" >/dev/null
  test -f "$WEBCHAT/lib/index.js"
fi
