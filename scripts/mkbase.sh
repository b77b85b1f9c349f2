#!/bin/sh
# Makes the Docker base image `debian:bookworm-slim` from Debian's own packages, for machines
# that cannot pull from an image registry: debootstrap (minbase), slimmed like the official
# bookworm-slim (no apt caches or lists, docs, man pages, locales), then `docker import`.
# Idempotent: does nothing when the image is already there (pulled or made earlier).
#
#   scripts/mkbase.sh [TAG]        (default debian:bookworm-slim; `make image-base` runs it)
#
# Needs root (or sudo) for debootstrap; installs debootstrap with apt-get when it is missing.
# The mirror is the one this machine's apt uses. Takes 1-3 minutes; the image is about 75 MB.
set -eu
TAG=${1:-debian:bookworm-slim}

if docker image inspect "$TAG" >/dev/null 2>&1; then
    echo "mkbase: $TAG is already there"
    exit 0
fi

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
if ! command -v debootstrap >/dev/null 2>&1 && [ ! -x /usr/sbin/debootstrap ]; then
    echo "mkbase: installing debootstrap"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap
fi

# The mirror this machine's apt already uses (deb822 sources first, then sources.list).
SOURCES=/etc/apt/sources.list.d/debian.sources
MIRROR=
[ -f "$SOURCES" ] && MIRROR=$(sed -n 's/^URIs: *\([^ ]*\/debian\)\/*$/\1/p' "$SOURCES" | head -n1)
[ -n "$MIRROR" ] || MIRROR=$(sed -n 's/^deb  *\(\[[^]]*\]  *\)\{0,1\}\([^ ]*\/debian\)\/* .*/\2/p' \
    /etc/apt/sources.list 2>/dev/null | head -n1)
[ -n "$MIRROR" ] || MIRROR=http://deb.debian.org/debian

R=$(mktemp -d /tmp/talks-rootfs.XXXXXX)
trap '$sudo rm -rf "$R"' EXIT INT TERM
echo "mkbase: debootstrap bookworm from $MIRROR into $R"
$sudo debootstrap --variant=minbase bookworm "$R" "$MIRROR" >"$R.log" 2>&1 \
    || { tail -n 30 "$R.log"; rm -f "$R.log"; exit 1; }
rm -f "$R.log"

# apt sources inside the image: the host's deb822 file (bookworm, -updates, -security) when
# there is one, else debootstrap's "bookworm main" plus the security suite.
if [ -f "$SOURCES" ]; then
    $sudo rm -f "$R/etc/apt/sources.list"
    $sudo cp "$SOURCES" "$R/etc/apt/sources.list.d/"
fi
$sudo sh -s "$R" <<'SLIM'
set -eu
R=$1
cat > "$R/etc/apt/apt.conf.d/docker-clean" <<'X'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
X
echo 'Acquire::Languages "none";' > "$R/etc/apt/apt.conf.d/docker-no-languages"
echo 'APT::Install-Recommends "false"; APT::Install-Suggests "false";' > "$R/etc/apt/apt.conf.d/docker-no-recommends"
cat > "$R/etc/dpkg/dpkg.cfg.d/docker-slim" <<'X'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
X
find "$R/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$R/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$R/usr/share/man/"* "$R/usr/share/info/"* "$R/var/cache/apt/archives/"*.deb \
       "$R/var/cache/apt/"*.bin "$R/var/lib/apt/lists/"*
find "$R/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
rm -f "$R/etc/resolv.conf" "$R/etc/hostname"   # docker provides both at run time
SLIM

$sudo tar -C "$R" -c . | docker import --change 'CMD ["bash"]' --change 'ENV LANG=C.UTF-8' - "$TAG" >/dev/null
echo "mkbase: made $TAG ($(docker image inspect -f '{{.Size}}' "$TAG" | awk '{printf "%.1f MB", $1/1e6}'))"
