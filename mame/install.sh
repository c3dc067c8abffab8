#!/usr/bin/env bash
# Installs what aiomame needs from Debian/Ubuntu: MAME (0.251 or later; the plugin needs no Lua
# C module), dasm (rom/basket/build.py assembles the bundled 2600 game with it), and Chromium
# with its driver (tests/test_web.py plays and watches in a real headless browser).
# Idempotent; prints the MAME version.
set -euo pipefail
packages=(mame dasm chromium chromium-driver)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install.sh: run as root (or install sudo)" >&2; exit 1; }
    SUDO=sudo
fi
installed=$(dpkg-query -W -f='${Status}\n' "${packages[@]}" 2>/dev/null | grep -c "install ok installed" || true)
if [ "$installed" -eq "${#packages[@]}" ]; then
    echo "install.sh: ${packages[*]} already installed"
else
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi
mame=$(command -v mame || echo /usr/games/mame)
echo "MAME $("$mame" -version) at $mame"
