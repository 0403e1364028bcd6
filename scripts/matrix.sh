#!/usr/bin/env bash
# matrix.sh [--static DIR] DIR... - builds each nginx source tree with the
# module and runs the integration suite against it; prints one table.
#
# Per tree (a release tarball or a checkout of nginx's repository):
#   build     nginx configured as its users build it (MATRIX_FLAGS, plus
#             --with-http_v3_module from 1.25.0) with the module dynamic
#             (--add-dynamic-module), or static (--add-module) for the tree
#             given with --static; make -j$MATRIX_JOBS; make install into
#             a prefix of its own
#   warnings  "warning:" lines in that build's output (nginx builds with
#             -Werror, so any would also fail the build)
#   nginx -t  a config loading the module with rstguard on and an HTTP/2
#             server: must pass with nothing logged at [warn] or above
#   tests     build/tests/integration_tests against that nginx
#             (RSTGUARD_NGINX, RSTGUARD_MODULE): passed, failed, skipped
#
# Everything is written under $MATRIX_OUT (default /tmp/rstguard-matrix),
# one directory per tree and kind; nothing in the repository.  The suites
# must be built first (make matrix does).  RSTGUARD_COMMIT names the commit
# in the table when the tree is not a git checkout (a snapshot).  Run by hand (CI has no network to
# fetch nginx sources and tests Debian's nginx only).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out_root=${MATRIX_OUT:-/tmp/rstguard-matrix}
jobs=${MATRIX_JOBS:-2}
flags=${MATRIX_FLAGS:---with-compat --with-http_ssl_module --with-http_v2_module --with-threads --with-stream}

static_src=
trees=()
while [ $# -gt 0 ]; do
    case $1 in
        --static) static_src=$2; shift 2 ;;
        *) trees+=("$1"); shift ;;
    esac
done
[ -n "$static_src" ] && trees+=("$static_src")
[ ${#trees[@]} -gt 0 ] || { echo "usage: $0 [--static DIR] DIR..." >&2; exit 2; }

for t in "$root/build/tests/integration_tests" "$root/build/rstscan"; do
    [ -x "$t" ] || { echo "matrix: $t missing: make all tests" >&2; exit 2; }
done

# "1.25.1" -> 1025001 (split on the dots on purpose)
# shellcheck disable=SC2086
vnum() { local IFS=.; set -- $1; echo $(( $1 * 1000000 + $2 * 1000 + ${3:-0} )); }

# the nginx -t config: the module with rstguard on and an HTTP/2 server
write_tconf() {
    local dir=$1 so=$2 version=$3 h2
    if [ "$(vnum "$version")" -ge 1025001 ]; then
        h2="listen 127.0.0.1:8081; http2 on;"
    else
        h2="listen 127.0.0.1:8081 http2;"
    fi
    mkdir -p "$dir/logs"
    {
        [ -n "$so" ] && echo "load_module $so;"
        echo "error_log $dir/logs/error.log info;"
        echo "pid $dir/nginx.pid;"
        echo "events { }"
        echo "http {"
        echo "    access_log off;"
        echo "    rstguard_zone zone=rg:1m rate=10r/m burst=5;"
        echo "    rstguard on;"
        echo "    rstguard_error_log on;"
        echo "    server { listen 127.0.0.1:8080; location = /s { rstguard_status; } }"
        echo "    server { $h2 }"
        echo "}"
    } > "$dir/nginx.conf"
}

rows=()
status=0
last=$(( ${#trees[@]} - 1 ))
for i in "${!trees[@]}"; do
    src=$(cd "${trees[$i]}" && pwd)
    version=$(sed -n 's/^#define NGINX_VERSION *"\(.*\)"/\1/p' "$src/src/core/nginx.h")
    name=$(sed -n 's/^#define NGINX_VER *"\([^/]*\)\/".*/\1/p' "$src/src/core/nginx.h")
    # the --static tree comes last; given also as DIR, it is built twice
    kind=dynamic
    [ -n "$static_src" ] && [ "$i" = "$last" ] && kind=static
    out="$out_root/$name-$version-$kind"
    rm -rf "$out"
    mkdir -p "$out"
    echo "=== $name $version ($kind): $out"

    # MATRIX_FLAGS is a list of words
    # shellcheck disable=SC2206
    args=($flags --prefix="$out/prefix" --builddir="$out/objs")
    [ "$(vnum "$version")" -ge 1025000 ] && args+=(--with-http_v3_module)
    if [ "$kind" = static ]; then
        args+=(--add-module="$root/module")
    else
        args+=(--add-dynamic-module="$root/module")
    fi
    configure=./configure
    [ -x "$src/configure" ] || configure=./auto/configure

    build=ok warnings=- ntest=- passed=- failed=- skipped=-
    if ! (cd "$src" && "$configure" "${args[@]}") > "$out/configure.log" 2>&1; then
        build="configure failed"
    elif ! (cd "$src" && make -j"$jobs" -f "$out/objs/Makefile" \
                && make -f "$out/objs/Makefile" install) > "$out/build.log" 2>&1; then
        build="make failed"
    fi
    [ -f "$out/build.log" ] && warnings=$(grep -c 'warning:' "$out/build.log")

    nginx=$out/prefix/sbin/nginx
    so=
    [ "$kind" = dynamic ] && so=$out/prefix/modules/ngx_http_rstguard_module.so
    if [ "$build" = ok ]; then
        write_tconf "$out/t" "$so" "$version"
        if "$nginx" -t -p "$out/t" -c "$out/t/nginx.conf" > "$out/t/out.log" 2>&1 \
            && ! grep -qE '\[(warn|error|crit|alert|emerg)\]' "$out/t/out.log"; then
            ntest=ok
        else
            ntest=failed
        fi

        RSTGUARD_NGINX=$nginx RSTGUARD_MODULE=${so:-static} \
            CRITERION_ARGS="--verbose" \
            "$root/scripts/run-tests.sh" "$root/build/tests/integration_tests" \
            > "$out/tests.log" 2>&1
        synth=$(grep 'Synthesis:' "$out/tests.log" | tail -n 1)
        passed=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<< "$synth")
        failed=$(sed -n 's/.*Failing: \([0-9]*\) | Crashing: \([0-9]*\).*/\1+\2/p' <<< "$synth")
        failed=$(( ${failed:-0} ))
        # --verbose lists every skip with its reason ("Test is disabled" is
        # Criterion's own word for one left out by a filter)
        skipped=$(grep '\[SKIP\]' "$out/tests.log" | grep -vc 'Test is disabled')
        [ -n "$passed" ] || passed=0
    fi

    [ "$build" = ok ] && [ "$ntest" = ok ] && [ "$failed" = 0 ] || status=1
    rows+=("| $name $version | $kind | $build | $warnings | $ntest | $passed | $failed | $skipped |")
    echo "${rows[-1]}"
done

{
    echo
    echo "rstguard ${RSTGUARD_COMMIT:-$(git -C "$root" rev-parse --short HEAD 2>/dev/null)} on $(date -u +%Y-%m-%d), configure: $flags (+ --with-http_v3_module from 1.25.0)"
    echo
    echo "| nginx | module | build | warnings | nginx -t | passed | failed | skipped |"
    echo "|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
} | tee "$out_root/matrix.md"
echo "logs: $out_root/<nginx>-<version>-<kind>/{configure,build,tests}.log"
exit $status
