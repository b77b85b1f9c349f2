#!/bin/sh
# Installs the Debian packages Talks needs to build, run and test. Idempotent: it asks apt only
# for what is missing, so a second run costs a dpkg query. Needs root (or sudo) for the install.
set -eu

build="gcc make pkg-config libc6-dev libh2o-evloop-dev libnng-dev libmsgpack-dev libmd4c-dev
libmd4c-html0-dev libcurl4-openssl-dev libsodium-dev libsqlite3-dev libssl-dev zlib1g-dev
libjs-bootstrap5 sqlite3 libmbedtls-dev libfreetype-dev fonts-dejavu-core"
# prometheus: for its promtool, which checks the gateway's /metrics page (test_metrics.py). The
# package is the whole server (19 MB), and on a machine run by systemd Debian enables and starts
# its service (port 9090); Debian ships promtool in no smaller package.
# gdb: the integration tests print the threads of a process that does not stop when told.
test="python3 python3-pytest python3-aiosmtpd clang-format curl clang libclang-rt-14-dev
chromium chromium-driver python3-selenium prometheus gdb"

case "${1:-build}" in
build) want=$build ;;
test) want="$build $test" ;;
*) echo "usage: $0 [build|test]" >&2; exit 2 ;;
esac

missing=
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing"
sudo=
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "install-deps: these Debian packages are missing and installing them needs root (no" \
            "sudo here): as root, run: apt-get update && apt-get install -y$missing" >&2
        exit 1
    fi
    sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
# Another apt (an unattended upgrade on a fresh machine) may hold the dpkg lock: wait for it.
lock_wait=${APT_LOCK_TIMEOUT:-600}
apt() {
    if ! $sudo apt-get -o DPkg::Lock::Timeout="$lock_wait" "$@"; then
        echo "install-deps: apt-get $1 failed (another package manager may have held the dpkg" \
            "lock for more than ${lock_wait}s; try again when it is done)" >&2
        exit 1
    fi
}
apt update -q
# shellcheck disable=SC2086
apt install -y -q --no-install-recommends $missing
