#!/usr/bin/env bash
# configure-module.sh BUILDDIR MODULEDIR - runs nginx's configure in the nginx
# source tree $NGX_SRC (default /usr/share/nginx/src, Debian's nginx-dev) with
# the module added as a dynamic module, so that the .so carries the same
# module signature as the nginx that will load it.
#
# The configure arguments come from, in this order:
#   1. $NGX_SRC/conf_flags: Debian's nginx-dev ships the flags its nginx was
#      built with (how dh's nginx_mod buildsystem builds third-party modules,
#      module/README.md, N1);
#   2. otherwise the target binary's own `nginx -V` ($NGINX, default
#      /usr/sbin/nginx), with --with-compat added, its --add-module,
#      --add-dynamic-module and --with-*=dynamic arguments left out (other
#      modules: their sources or libraries need not be here).
#
# A module configured with fewer features than the nginx that loads it
# (say no --with-http_v2_module) loads, because --with-compat makes the
# signatures agree, but then reads structures the way the smaller build lays
# them out: HTTP/2 cancels are not seen.  Hence the binary's own arguments.
set -euo pipefail
builddir=$1
moddir=$2
src=${NGX_SRC:-/usr/share/nginx/src}
nginx=${NGINX:-/usr/sbin/nginx}

die() { echo "configure-module: $*" >&2; exit 1; }

[ -d "$src/src/core" ] || die "$src is not an nginx source tree (set NGX_SRC)"

# a release tarball has ./configure, a checkout of nginx's repository
# auto/configure; both are run from the top of the tree
if [ -x "$src/configure" ]; then
    configure=./configure
elif [ -f "$src/auto/configure" ]; then
    configure=./auto/configure
else
    die "no configure or auto/configure in $src"
fi

# the nginx version a source tree builds, from src/core/nginx.h
src_version() {
    sed -n 's/^#define NGINX_VERSION *"\(.*\)"/\1/p' "$1/src/core/nginx.h"
}

args=()
if [ -f "$src/conf_flags" ]; then
    # shellcheck disable=SC1091
    . "$src/conf_flags"
    args=(--with-cc-opt="$(dpkg-buildflags --get CFLAGS) -fPIC $(dpkg-buildflags --get CPPFLAGS)"
          --with-ld-opt="$(dpkg-buildflags --get LDFLAGS) -fPIC"
          "${NGX_CONF_FLAGS[@]}")
    from="$src/conf_flags"
else
    [ -x "$nginx" ] || die "$src has no conf_flags and $nginx is not an nginx binary: set NGINX=/path/to/the/nginx that will load the module"
    # Debian's and Ubuntu's nginx are patched (Debian adds a bit-field to
    # ngx_connection_t): upstream headers would load and read wrong bits.
    # nginx.org's packages are plain upstream builds and pass.
    if pkg=$(dpkg -S "$(readlink -f "$nginx")" 2>/dev/null) \
        && dpkg-query -W -f '${Maintainer}' "${pkg%%:*}" 2>/dev/null | grep -qiE 'debian|ubuntu'
    then
        die "$nginx comes from the distribution's package ${pkg%%:*}: build against that package's own source tree (apt-get install nginx-dev; NGX_SRC=/usr/share/nginx/src), not $src"
    fi
    info=$("$nginx" -V 2>&1) || die "$nginx -V failed: $info"
    bin_version=$(printf '%s\n' "$info" | sed -n 's|^nginx version: [^/]*/\([0-9.]*\).*|\1|p')
    if [ "$bin_version" != "$(src_version "$src")" ]; then
        die "$nginx is $bin_version but $src is $(src_version "$src"): nginx loads only modules built from its own version's source"
    fi
    line=$(printf '%s\n' "$info" | sed -n 's/^configure arguments: //p')
    # nginx -V prints the arguments as the shell got them (quoted where they
    # held spaces); eval splits them the same way again
    eval "set -- $line"
    compat=0
    for a in "$@"; do
        case $a in
            # other modules' sources are not here, and dynamic ones are
            # their own .so files: none of them changes what ours sees
            --add-module=*|--add-dynamic-module=*|--with-*=dynamic)
                echo "configure-module: leaving out $a (not needed for the module)" >&2 ;;
            --builddir=*) ;;
            --with-compat) compat=1; args+=("$a") ;;
            *) args+=("$a") ;;
        esac
    done
    [ "$compat" = 1 ] || args+=(--with-compat)
    from="$nginx -V"
fi

mkdir -p "$builddir"
cd "$src"
if ! "$configure" "${args[@]}" \
        --add-dynamic-module="$moddir" \
        --builddir="$builddir" > "$builddir/configure.log" 2>&1; then
    tail -n 30 "$builddir/configure.log" >&2
    die "nginx configure failed, see $builddir/configure.log"
fi
echo "configured $moddir against $src with the arguments of $from (log: $builddir/configure.log)"
