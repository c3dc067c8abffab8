#!/usr/bin/env bash
# The MAME-version matrix: run a command in a Debian chroot that has that release's own MAME.
#
#   bash mame/matrix.sh SUITE [-- COMMAND ...]
#
# SUITE is a Debian suite: trixie (MAME 0.276), sid (0.289), or bookworm (0.251, as the host).
# The first run builds the chroot (debootstrap --variant=minbase, then MAME, Python and a venv
# at /opt/venv) under $AIOMAME_MATRIX_DIR (default: .matrix/ in this repository, git-ignored);
# later runs reuse it. The repository is bind-mounted at /aiomame and COMMAND runs there.
# Without a COMMAND: install this checkout with its test extras into the venv, then run
# README's test command. Needs root. All mounts live in a private mount namespace, so nothing
# stays mounted when the command ends, however it ends.
set -euo pipefail

usage() { echo "usage: bash mame/matrix.sh SUITE [-- COMMAND ...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
suite=$1; shift
if [ $# -gt 0 ]; then
    [ "$1" = "--" ] || usage
    shift
fi
case $suite in
    bookworm|trixie|forky|sid) ;;
    *) echo "matrix.sh: unknown suite '$suite'; valid: bookworm, trixie, forky, sid" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "matrix.sh: needs root (debootstrap, chroot, mounts)" >&2; exit 1; }

repo=$(cd "$(dirname "$0")/.." && pwd)
base=${AIOMAME_MATRIX_DIR:-$repo/.matrix}
root=$base/$suite
# What a ready chroot holds; a chroot built from another recipe is built again.
recipe="v1 mame dasm python3 python3-venv ca-certificates chromium chromium-driver"

mirror() {  # the host's Debian mirror (the one apt already reaches), else Debian's own
    local uri
    uri=$(grep -hoE '^(URIs:|deb) +[a-z]+://[^ ]+' /etc/apt/sources.list.d/*.sources \
          /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)
    echo "${uri:-http://deb.debian.org/debian}"
}

# Runs "$@" inside the chroot, with /proc, /sys, /dev and a private /dev/shm mounted in a
# mount namespace of its own.
in_chroot() {
    unshare --mount --propagation private -- bash -euo pipefail -c '
        root=$1 repo=$2; shift 2
        mount -t proc proc "$root/proc"
        mount -t sysfs sys "$root/sys"
        mount --rbind /dev "$root/dev"
        mount -t tmpfs -o mode=1777 shm "$root/dev/shm"
        mkdir -p "$root/aiomame"
        mount --bind "$repo" "$root/aiomame"
        exec chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 CI="${CI:-}" \
            PATH=/opt/venv/bin:/usr/local/bin:/usr/bin:/bin:/usr/games \
            PIP_CERT=/etc/ssl/certs/host-ca.crt SSL_CERT_FILE=/etc/ssl/certs/host-ca.crt \
            PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore \
            "$@"' _ "$root" "$repo" "$@"
}

build() {
    command -v debootstrap >/dev/null || {
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
    }
    echo "matrix.sh: building the $suite chroot in $root" >&2
    rm -rf "$root"
    mkdir -p "$root"
    unshare --mount --propagation private -- \
        debootstrap --variant=minbase "$suite" "$root" "$(mirror)" >"$base/$suite.log" 2>&1 || {
        tail -n 20 "$base/$suite.log" >&2
        echo "matrix.sh: debootstrap of $suite failed (log: $base/$suite.log)" >&2
        exit 1
    }
    # sid's Release file can be past its Valid-Until date on a snapshot mirror.
    echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99aiomame"
    # pip inside reaches PyPI the way the host does: same CA bundle, same pip settings.
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/host-ca.crt" 2>/dev/null \
        || { mkdir -p "$root/etc/ssl/certs"; cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/host-ca.crt"; }
    [ -f /etc/pip.conf ] && cp /etc/pip.conf "$root/etc/pip.conf"
    in_chroot bash -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends ${recipe#v1 } >/dev/null \
        && python3 -m venv /opt/venv" >>"$base/$suite.log" 2>&1 || {
        tail -n 20 "$base/$suite.log" >&2
        echo "matrix.sh: installing MAME and Python in the $suite chroot failed" >&2
        exit 1
    }
    echo "$recipe" >"$root/.aiomame-recipe"
}

mkdir -p "$base"
if [ "$(cat "$root/.aiomame-recipe" 2>/dev/null)" != "$recipe" ]; then
    build
fi
echo "matrix.sh: $suite: MAME $(chroot "$root" /usr/games/mame -version)" >&2

if [ $# -eq 0 ]; then
    # README's test command, on this checkout installed as a user would install it.
    set -- bash -c 'cd /aiomame && pip install -q ".[test]" && pytest -p no:cacheprovider'
fi
in_chroot bash -c 'cd /aiomame && exec "$@"' _ "$@"
