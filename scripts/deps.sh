#!/usr/bin/env bash
# deps.sh - installs the Debian packages rstguard needs to build, test and
# run its demo.  As root it runs apt-get; otherwise it prints the command.
set -euo pipefail

packages=(
    gcc make pkg-config dpkg-dev curl procps
    nginx nginx-dev
    # the stream module (TCP proxying) as Debian ships it, for the tests of
    # its lines (tests/integration/test_stream_proxy.c)
    libnginx-mod-stream
    libpcre2-dev libyaml-dev libjansson-dev
    # zlib writes the gzip files the unit tests read
    zlib1g-dev
    # rstscan inflates gzip input with Intel ISA-L (libisal2 at run time)
    libisal-dev libisal2
    # and zstd input with libzstd (libzstd1 at run time); zstd writes the
    # .zst files the tests read
    libzstd-dev zstd
    libcriterion-dev libnghttp2-dev
    uthash-dev
    # make deb (dpkg-buildpackage, dh_nginx from nginx-dev) and its checks:
    # lintian, man for the manual page, promtool (package prometheus) for
    # the shipped Prometheus rules and the status endpoint's text
    build-essential debhelper lintian man-db prometheus
    # large, needed by the tests only: the HTML report test renders the
    # report in headless Chromium (make test runs this script, so CI has it)
    chromium
)
# extra packages a target needs on top (make bench, make fuzz, ...)
packages+=(${RSTGUARD_EXTRA_PACKAGES:-})

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "rstguard needs these Debian packages: ${missing[*]}" >&2
    echo "run as root:  apt-get update && $cmd" >&2
    exit 1
fi

echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
