#!/usr/bin/env bash
# run-tests.sh SUITE... - runs each Criterion suite binary and fails if any
# suite fails.  Integration suites find the module, nginx and rstscan
# through the RSTGUARD_* variables set here.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export RSTGUARD_ROOT=$root
# empty or "static": the module is built into $RSTGUARD_NGINX (no load_module)
export RSTGUARD_MODULE=${RSTGUARD_MODULE-$root/build/ngx_http_rstguard_module.so}
export RSTGUARD_NGINX=${RSTGUARD_NGINX:-/usr/sbin/nginx}
export RSTGUARD_RSTSCAN=${RSTGUARD_RSTSCAN:-$root/build/rstscan}
export RSTGUARD_BUILD=$root/build

# every nginx a test starts records its process group here, so whatever a
# crashed test left running is swept below
export RGT_TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/rgt.XXXXXX")
chmod 0755 "$RGT_TMPDIR"
sweep() {
    if [ -f "$RGT_TMPDIR/pgids" ]; then
        while read -r pg; do kill -KILL -- "-$pg" 2>/dev/null || true; done < "$RGT_TMPDIR/pgids"
    fi
    [ -n "${RGT_KEEP:-}" ] || rm -rf "$RGT_TMPDIR"
}
trap sweep EXIT

status=0
for suite in "$@"; do
    echo "=== $(basename "$suite")"
    # integration suites start nginx; one test at a time keeps timing honest
    jobs=2
    case "$suite" in *integration*) jobs=1 ;; esac
    if ! "$suite" --jobs="$jobs" ${CRITERION_ARGS:-}; then
        status=1
    fi
done
exit $status
