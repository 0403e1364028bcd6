#!/usr/bin/env bash
# configure-module.sh BUILDDIR MODULEDIR - configures the module the way
# Debian builds third-party nginx modules (dh's nginx_mod buildsystem, see
# module/README.md, N1): nginx's configure, run in /usr/share/nginx/src with the
# flags Debian's nginx was built with, so the .so carries the same module
# signature as /usr/sbin/nginx and load_module accepts it.
set -euo pipefail
builddir=$1
moddir=$2
src=${NGX_SRC:-/usr/share/nginx/src}

if [ ! -f "$src/conf_flags" ]; then
    echo "configure-module: $src/conf_flags not found: install nginx-dev (make deps)" >&2
    exit 1
fi

mkdir -p "$builddir"
cd "$src"
# shellcheck disable=SC1091
. ./conf_flags
if ! ./configure \
        --with-cc-opt="$(dpkg-buildflags --get CFLAGS) -fPIC $(dpkg-buildflags --get CPPFLAGS)" \
        --with-ld-opt="$(dpkg-buildflags --get LDFLAGS) -fPIC" \
        "${NGX_CONF_FLAGS[@]}" \
        --add-dynamic-module="$moddir" \
        --builddir="$builddir" > "$builddir/configure.log" 2>&1; then
    tail -n 30 "$builddir/configure.log" >&2
    echo "configure-module: nginx configure failed, see $builddir/configure.log" >&2
    exit 1
fi
echo "configured $moddir against $src (log: $builddir/configure.log)"
