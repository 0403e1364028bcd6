#!/usr/bin/env bash
# fuzz.sh BUILDDIR SECONDS [TARGET...] - runs each libFuzzer target built by
# `make fuzz` for SECONDS, seeded from tests/fuzz/corpus/<target>/.
#
# The seeds are replayed first (a crash kept there as a regression input
# fails at once), then the fuzzer explores.  New inputs go to
# BUILDDIR/corpus/<target>/, never into the repository; a crash, leak,
# timeout (> 10 s for one input) or out-of-memory leaves its input in
# BUILDDIR/artifacts/ and fails the run.
set -uo pipefail
TIMEFORMAT='%U %S'
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/${1:-build/fuzz}
seconds=${2:-60}
shift 2 || true

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in "$build"/fuzzers/*; do
        [ -x "$f" ] && targets+=("$(basename "$f")")
    done
fi
if [ ${#targets[@]} -eq 0 ]; then
    echo "fuzz: no targets in $build/fuzzers" >&2
    exit 1
fi

# libFuzzer's own options for every run.  -entropic=0: the entropic
# scheduler's per-feature bookkeeping (InputCorpus::UpdateFeatureFrequency)
# took about half of the CPU time of the scan targets, whose inputs each
# reach thousands of features (replaying one corpus of the auto target:
# 2.17 s CPU with it, 1.04 s without); the classic scheduler runs twice
# the inputs.  FUZZ_FLAGS= (empty) brings entropic back.
read -r -a flags <<< "${FUZZ_FLAGS--entropic=0}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$build/artifacts" "$build/logs"

failed=()
for t in "${targets[@]}"; do
    bin=$build/fuzzers/$t
    seeds=$root/tests/fuzz/corpus/$t
    work=$build/corpus/$t
    log=$build/logs/$t.log
    dict=()
    # the target's own dictionary, else the log phrases
    if [ -f "$root/tests/fuzz/$t.dict" ]; then
        dict=(-dict="$root/tests/fuzz/$t.dict")
    elif [ "$t" != gzip ]; then
        dict=(-dict="$root/tests/fuzz/logs.dict")
    fi
    mkdir -p "$work" "$seeds"

    if [ ! -x "$bin" ]; then
        echo "fuzz: $t: no such target ($bin)" >&2
        failed+=("$t")
        continue
    fi

    # the kept inputs first, each once: regressions fail here
    if ! "$bin" -runs=0 -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="$build/artifacts/$t-" "$seeds" > "$log" 2>&1; then
        echo "fuzz: $t: a kept corpus input fails (log: $log)" >&2
        tail -n 30 "$log" >&2
        failed+=("$t")
        continue
    fi

    echo "fuzz: $t for ${seconds}s ($(find "$seeds" -type f | wc -l) seeds)"
    # the target's own CPU time (user + system), by bash's `time`
    if { time "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
            -max_len=65536 -print_final_stats=1 "${dict[@]}" "${flags[@]}" \
            -artifact_prefix="$build/artifacts/$t-" "$work" "$seeds" \
            >> "$log" 2>&1; } 2> "$build/logs/$t.cpu"; then
        grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+ *DONE' "$log" \
            | tr '\n' ' ' | sed 's/^/      /'
        echo
        # the rates tests/fuzz/README.md records: per CPU second of the
        # target (what survives a shared machine) and per wall second
        # (which includes replaying the seeds, and on a shared machine
        # the time the target waited for a core)
        n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        [ -n "$n" ] && awk -v n="$n" -v s="$seconds" '
            NF == 2 { cpu = $1 + $2 }
            END { printf "      %d inputs in %ds: %d a minute per CPU (%.1f s CPU), %d per wall minute\n",
                  n, s, (cpu > 0 ? n * 60 / cpu : 0), cpu, n * 60 / s }' \
            "$build/logs/$t.cpu"
    else
        echo "fuzz: $t FAILED (log: $log); the input is in $build/artifacts/" >&2
        grep -E 'ERROR|runtime error|Test unit written|SUMMARY' "$log" | head -n 10 >&2
        failed+=("$t")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failing targets: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz: ${#targets[@]} target(s) ran ${seconds}s each without a finding"
