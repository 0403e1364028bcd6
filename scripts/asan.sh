#!/usr/bin/env bash
# asan.sh BUILDDIR - runs the unit and analyzer suites built with
# -fsanitize=address,undefined (make asan) and fails on any sanitizer report.
#
# Criterion runs each test in a child process and exits 0 even when that
# child printed a LeakSanitizer report, and UBSan only prints "runtime
# error:" and carries on; so the whole output is kept and searched.
# (No strict_string_checks: it flags strndup() of keys that are not
# NUL-terminated, which POSIX allows.)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/${1:-build/asan}
log=$build/asan.log

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export RSTGUARD_RSTSCAN=$build/rstscan
# tests that bound rstscan's memory skip that bound for a sanitized build
export RSTGUARD_SANITIZED=1

status=0
"$root/scripts/run-tests.sh" "$build/tests/unit_tests" > "$log" 2>&1 || status=1

# the integration suites that run rstscan over logs the real nginx wrote,
# with the sanitized rstscan (the suite itself is the normal build)
if [ -x "$root/build/tests/integration_tests" ]; then
    CRITERION_ARGS="--filter @(${RSTGUARD_ASAN_SUITES:-exact_counts|findings_nginx|html_report|injection_hostile_rule|injection_logs|scan_nginx|simulate_module})/*" \
        "$root/scripts/run-tests.sh" "$root/build/tests/integration_tests" \
        >> "$log" 2>&1 || status=1
fi

# the sanitized rstscan over every sample log and fixture the suites use
if [ -d "$root/tests/data" ]; then
    while IFS= read -r -d '' f; do
        for json in "" --json; do
            echo "=== rstscan $json $f" >> "$log"
            "$build/rstscan" $json "$f" >> "$log" 2>&1
            rc=$?
            # 0 clean, 1 fail-on, 2 input error: anything else is a crash
            if [ "$rc" -gt 2 ]; then
                echo "rstscan exited $rc on $f" >> "$log"
                status=1
            fi
        done
    done < <(find "$root/tests/data" -type f -print0 | sort -z)
fi

cat "$log"

reports=$(grep -cE 'AddressSanitizer|LeakSanitizer|runtime error:' "$log")
if [ "$reports" -gt 0 ]; then
    echo "asan: $reports sanitizer report line(s) in $log:" >&2
    grep -nE 'AddressSanitizer|LeakSanitizer|runtime error:' "$log" | head -n 20 >&2
    exit 1
fi
if [ "$status" -ne 0 ]; then
    echo "asan: a suite failed under the sanitizers (log: $log)" >&2
    exit 1
fi
echo "asan: unit and analyzer suites clean under ASan + UBSan (log: $log)"
