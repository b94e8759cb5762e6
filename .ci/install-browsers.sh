#!/usr/bin/env bash
# Install the real browser engines the differential tests drive (Chromium, Firefox ESR, WebKitGTK),
# Xvfb for WebKit, the en_US.UTF-8 locale WebKit needs for a normal Accept-Language, and the Python
# drivers into the given venv. Idempotent and non-interactive; exits non-zero on any failure.
# Usage: .ci/install-browsers.sh [VENV]   (default: .venv)
# Never runs `playwright install`: Playwright drives the Debian /usr/bin/chromium.
set -euo pipefail
VENV="${1:-.venv}"
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi

PKGS=(chromium chromium-driver firefox-esr webkit2gtk-driver xvfb locales)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

if ! locale -a 2>/dev/null | grep -qi '^en_US\.utf-\?8$'; then
  if [ -f /etc/locale.gen ] && grep -q '^# *en_US.UTF-8 UTF-8' /etc/locale.gen; then
    $SUDO sed -i 's/^# *en_US.UTF-8 UTF-8/en_US.UTF-8 UTF-8/' /etc/locale.gen
  elif ! grep -q '^en_US.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null; then
    echo 'en_US.UTF-8 UTF-8' | $SUDO tee -a /etc/locale.gen >/dev/null
  fi
  $SUDO locale-gen
fi

if [ ! -x "$VENV/bin/pip" ]; then
  echo "install-browsers: no pip in venv '$VENV'" >&2
  exit 1
fi
"$VENV/bin/pip" install --quiet playwright marionette-driver selenium

# Check that everything is there.
for b in /usr/bin/chromium /usr/bin/firefox-esr /usr/bin/WebKitWebDriver /usr/bin/Xvfb; do
  [ -x "$b" ] || { echo "install-browsers: $b missing" >&2; exit 1; }
done
"$VENV/bin/python" -c "import playwright.sync_api, marionette_driver.marionette, selenium.webdriver"
echo "install-browsers: ok"
