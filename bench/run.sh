#!/usr/bin/env bash
# run.sh - `make bench`: rstscan's throughput and memory against the tools
# an SRE would otherwise use, measured in the same run on the same files.
#
#   BENCH_SIZE=1G     size of each generated log (200M for a quick run)
#   BENCH_SEED=1      generator seed
#   BENCH_REPS=3      runs per measurement (the best is reported)
#   BENCH_KEYS=250000 distinct aborting clients in the memory run
#   BENCH_GEN_ONLY=1  only generate the logs
#
# The logs are generated under build/bench/ by build/loggen and reused while
# the generator and its parameters are unchanged.  Every file is read once
# right before its runs, so all figures are from the page cache: this
# measures the programs, not the disk.  Output is Markdown, ready for bench/RESULTS.md.
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
dir=$build/bench
size=${BENCH_SIZE:-1G}
seed=${BENCH_SEED:-1}
reps=${BENCH_REPS:-3}
keys=${BENCH_KEYS:-250000}
rstscan=${RSTSCAN:-$build/rstscan}
loggen=$build/loggen
phrases='client prematurely closed connection|Connection reset by peer|Broken pipe|client timed out|client canceled stream'

mkdir -p "$dir"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rstguard-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# --- the logs ---------------------------------------------------------------

# gen NAME ARGS...: build/bench/NAME.log (+ .gz) unless the same generator
# already wrote it with the same arguments; the generator's summary is kept
# in NAME.stats.
gen() {
    local name=$1; shift
    local stamp
    stamp="$(md5sum < "$root/bench/loggen.c" | cut -c1-32) $*"
    if [ -f "$dir/$name.log.gz" ] && [ "$(cat "$dir/$name.params" 2>/dev/null)" = "$stamp" ]; then
        return
    fi
    echo "generating build/bench/$name.log ($*)" >&2
    rm -f "$dir/$name.params"
    "$loggen" "$@" > "$dir/$name.log" 2> "$dir/$name.stats"
    gzip -6 -c "$dir/$name.log" > "$dir/$name.log.gz"
    echo "$stamp" > "$dir/$name.params"
}

gen "error-$size" --type error --size "$size" --seed "$seed" &
gen "access-$size" --type access --size "$size" --seed "$seed" &
wait
gen "keys-error" --type error --size 150M --seed "$seed" --clients "$keys" --abort-pct 80 --distinct &
gen "keys-access" --type access --size 150M --seed "$seed" --clients "$keys" --abort-pct 80 --distinct &
wait
# the same keys at 14% aborts: the file is split over both threads
gen "keys-split" --type error --size 600M --seed "$seed" --clients "$keys" --abort-pct 15 --distinct

# the error log as logrotate's `compresscmd zstd` writes it (default level
# 3), for the zstd rows; made once beside the .gz
if [ ! -f "$dir/error-$size.log.zst" ] || [ "$dir/error-$size.log.zst" -ot "$dir/error-$size.log" ]; then
    zstd -q -f -3 -c "$dir/error-$size.log" > "$dir/error-$size.log.zst"
fi

# BENCH_GEN_ONLY=1: prepare the logs now, measure later
[ -z "${BENCH_GEN_ONLY:-}" ] || exit 0

err=$dir/error-$size.log
acc=$dir/access-$size.log

# --- measuring --------------------------------------------------------------

# run OUTFILE CMD...: runs the command BENCH_REPS times with stdout to
# OUTFILE; sets best (seconds), median, rss (KiB, of the best run), rc.
run() {
    local out=$1; shift
    local i t0 t1 times=() rsss=()
    rc=0
    for ((i = 0; i < reps; i++)); do
        t0=$EPOCHREALTIME
        /usr/bin/time -f '%M' -o "$tmp/rss" "$@" > "$out" 2> "$tmp/stderr" || rc=$?
        t1=$EPOCHREALTIME
        times+=("$(echo "$t1 - $t0" | bc -l)")
        rsss+=("$(tail -n 1 "$tmp/rss" | tr -dc 0-9)")
    done
    best=$(printf '%s\n' "${times[@]}" | sort -g | head -n 1)
    median=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(((reps + 1) / 2))p")
    rss=$(printf '%s\n' "${rsss[@]}" | sort -n | tail -n 1)
}

# pair CMD_A... -- CMD_B...: the two commands taken in turn, 2 × BENCH_REPS
# runs each, stdout discarded; sets pair_a and pair_b (best seconds).  A
# ratio of two rows measured a minute apart moves with the machine (rg
# alone took 0.25 s to 0.31 s on the same file within an hour); taken in
# turn, both see the same minute.
pair() {
    local i t0 t1 a=() b=() ca=() cb=() in_b=0 x
    for x in "$@"; do
        if [ "$x" = -- ]; then in_b=1; elif [ "$in_b" = 0 ]; then ca+=("$x"); else cb+=("$x"); fi
    done
    for ((i = 0; i < 2 * reps; i++)); do
        t0=$EPOCHREALTIME; "${ca[@]}" > /dev/null 2>&1 || true; t1=$EPOCHREALTIME
        a+=("$(echo "$t1 - $t0" | bc -l)")
        t0=$EPOCHREALTIME; "${cb[@]}" > /dev/null 2>&1 || true; t1=$EPOCHREALTIME
        b+=("$(echo "$t1 - $t0" | bc -l)")
    done
    pair_a=$(printf '%s\n' "${a[@]}" | sort -g | head -n 1)
    pair_b=$(printf '%s\n' "${b[@]}" | sort -g | head -n 1)
}

mbs() { printf '%.1f' "$(echo "scale=6; $1 / 1000000 / $2" | bc -l)"; }
ratio() { printf '%.3f' "$(echo "scale=6; $1 / $2" | bc -l)"; }
bytes_of() { stat -c %s "$1"; }
warm() { cat "$@" > /dev/null; }

# row TOOL FILE BYTES CMD...: one table row; remembers the throughput in
# tput[TOOL:FILE], left empty when the tool failed (exit status above 1, or
# rstscan without a JSON report): a failed run is never a figure.
declare -A tput rss_plain rss_gz
row() {
    local tool=$1 file=$2 bytes=$3 out=$tmp/out; shift 3
    # cat, gzip -dc and zstd -dc are timed as `... > /dev/null`; a report
    # is kept
    case $tool in cat|gzip*|zstd*) out=/dev/null ;; esac
    : > "$tmp/out"
    run "$out" "$@"
    local note="" failed=0
    if [ "$rc" -gt 1 ]; then
        failed=1
        note="exit $rc: $(head -c 100 "$tmp/stderr" | tr '\n|' '  ')"
    elif [ "$tool" = "rstscan --json" ] && ! jq -e .lines "$tmp/out" > /dev/null 2>&1; then
        failed=1
        note="no JSON report: $(head -c 100 "$tmp/out" | tr '\n|' '  ')"
    fi
    if [ "$failed" = 1 ]; then
        tput[$tool:$file]=""
        printf '| %s | %s | — | — | failed | %s | %s |\n' "$tool" "$file" "$((rss / 1024))" "$note"
    else
        tput[$tool:$file]=$(mbs "$bytes" "$best")
        printf '| %s | %s | %.3f | %.3f | %s | %s | |\n' "$tool" "$file" "$best" "$median" \
            "${tput[$tool:$file]}" "$((rss / 1024))"
    fi
    cp "$tmp/out" "$tmp/out.$tool.$file"
}

have() { command -v "$1" > /dev/null 2>&1; }

# --- the report -----------------------------------------------------------

echo "## make bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "- command: \`BENCH_SIZE=$size BENCH_REPS=$reps make bench\`; rstscan at $(git -C "$root" rev-parse --short HEAD)"
echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/^Mem/ {print $2}') GiB RAM; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
# (sed -n 1p reads everything: head would make the tool die of SIGPIPE)
echo "- versions: $(grep --version | sed -n 1p); $(have rg && rg --version | sed -n 1p || echo 'rg not installed'); $(have goaccess && goaccess --version | sed -n '1{s/ - / /;s/\.$//;p}' || echo 'goaccess not installed'); $(gzip --version | sed -n 1p)"
for f in "error-$size" "access-$size" keys-error keys-access keys-split; do
    echo "- \`$f.log\`: $(bytes_of "$dir/$f.log") bytes ($(bytes_of "$dir/$f.log.gz") gzip -6); $(sed 's/^loggen: //' "$dir/$f.stats")"
done
echo "- every file read once right before its runs (page cache); best of $reps runs, LC_ALL=C; MB = 10^6 bytes"
echo
echo "| tool | file | best s | median s | MB/s | max RSS MiB | note |"
echo "|---|---|---|---|---|---|---|"

eb=$(bytes_of "$err")
ab=$(bytes_of "$acc")

for f in error access; do
    path=$err; b=$eb
    [ "$f" = access ] && { path=$acc; b=$ab; }
    # right before its runs: a file read minutes earlier may be out of the
    # page cache again (this machine's proactive reclaim pages it out)
    warm "$path" "$path.gz"
    row cat "$f" "$b" cat "$path"
    row "grep -c -E" "$f" "$b" grep -c -E "$phrases" "$path"
    if have rg; then
        row "rg -c" "$f" "$b" rg -c "$phrases" "$path"
    fi
    row "gzip -dc" "$f.gz" "$b" gzip -dc "$path.gz"
    row "rstscan --json" "$f" "$b" "$rstscan" --json "$path"
    rss_plain[$f]=$rss
    row "rstscan --json" "$f.gz" "$b" "$rstscan" --json "$path.gz"
    rss_gz[$f]=$rss
    if [ "$f" = error ]; then
        warm "$path.zst"
        row "zstd -dc" "$f.zst" "$b" zstd -dc "$path.zst"
        row "rstscan --json" "$f.zst" "$b" "$rstscan" --json "$path.zst"
    fi
done

# the ratio to rg, measured in turn (pair): the target's figure
pair_rg="" pair_rs=""
if have rg; then
    warm "$err"
    pair rg -c "$phrases" "$err" -- "$rstscan" --json "$err"
    pair_rg=$pair_a pair_rs=$pair_b
    printf '| rg -c, in turn with rstscan | error | %.3f | | %s | | %s runs each, alternating |\n' \
        "$pair_rg" "$(mbs "$eb" "$pair_rg")" "$((2 * reps))"
    printf '| rstscan --json, in turn with rg | error | %.3f | | %s | | |\n' \
        "$pair_rs" "$(mbs "$eb" "$pair_rs")"
fi

# the ratio to zstd -dc, measured in turn too: zstd's own best moved between
# 0.83 s and 1.24 s on this machine from one minute to the next
warm "$err.zst"
pair zstd -dc "$err.zst" -- "$rstscan" --json "$err.zst"
pair_zs=$pair_a pair_rz=$pair_b
printf '| zstd -dc, in turn with rstscan | error.zst | %.3f | | %s | | %s runs each, alternating |\n' \
    "$pair_zs" "$(mbs "$eb" "$pair_zs")" "$((2 * reps))"
printf '| rstscan --json, in turn with zstd -dc | error.zst | %.3f | | %s | | |\n' \
    "$pair_rz" "$(mbs "$eb" "$pair_rz")"

if have goaccess; then
    # one run: GoAccess takes about a minute a gigabyte
    saved_reps=$reps; reps=1
    warm "$acc"
    row goaccess access "$ab" goaccess "$acc" --log-format=COMBINED --no-progress -o "$tmp/goaccess.json"
    reps=$saved_reps
fi

# memory with many distinct keys
keyrss=0 splitrss=0
for f in keys-error keys-access keys-split; do
    saved_reps=$reps; reps=1
    warm "$dir/$f.log"
    row "rstscan --json" "$f" "$(bytes_of "$dir/$f.log")" "$rstscan" --json "$dir/$f.log"
    reps=$saved_reps
    if [ "$f" = keys-split ]; then splitrss=$rss; else [ "$rss" -gt "$keyrss" ] && keyrss=$rss; fi
done

# --- did rstscan count what the generator wrote? ------------------------------

echo
echo "Correctness check (client-side abort records found by rstscan vs abort lines written by loggen):"
echo
for f in error access error.gz access.gz error.zst keys-error keys-access keys-split; do
    out=$tmp/out.rstscan\ --json.$f
    case $f in keys-*) stats=$dir/$f.stats ;; *) stats=$dir/${f%.*}-$size.stats ;; esac
    want=$(sed -E 's/.* ([0-9]+) abort lines.*/\1/' "$stats")
    if got=$(jq '[.classes[]? | select(.side == "client") | .count] | add // 0' "$out" 2>/dev/null); then
        lines=$(jq '.lines' "$out")
        echo "- $f: rstscan $got client-side aborts in $lines lines; loggen wrote $want"
    else
        echo "- $f: rstscan printed no JSON report ($(head -c 100 "$out" | tr '\n' ' '))"
    fi
done

# --- against the targets --------------------------------------------------

# verdict EXPR [INPUTS...]: met / NOT met, or "not measured" when one of
# the figures it needs is missing (the tool failed or is not installed)
verdict() {
    local expr=$1 v; shift
    for v in "$@"; do [ -n "$v" ] || { echo "not measured"; return; }; done
    if [ "$(echo "$expr" | bc -l)" = 1 ]; then echo met; else echo "NOT met"; fi
}
ratio_or_dash() { if [ -n "$1" ] && [ -n "$2" ]; then ratio "$1" "$2"; else echo "—"; fi; }
rs_e=${tput[rstscan --json:error]}; rs_a=${tput[rstscan --json:access]}
rs_eg=${tput[rstscan --json:error.gz]}; rs_ag=${tput[rstscan --json:access.gz]}
gz_e=${tput[gzip -dc:error.gz]}; gz_a=${tput[gzip -dc:access.gz]}
rg_e=${tput[rg -c:error]:-}; ga=${tput[goaccess:access]:-}
peak=$(printf '%s\n' "${rss_plain[@]}" "${rss_gz[@]}" | sort -n | tail -n 1)
scan_ok=$rs_e$rs_a$rs_eg$rs_ag

echo
echo "| target | measured | verdict |"
echo "|---|---|---|"
echo "| error log ≥ 1000 MB/s | ${rs_e:-—} MB/s | $(verdict "$rs_e >= 1000" "$rs_e") |"
r=$(ratio_or_dash "$pair_rg" "$pair_rs")
s3() { if [ -n "$1" ]; then printf '%.3f' "$1"; else echo "—"; fi; }
echo "| error log ≥ 0.40 × rg -c, taken in turn (rg $(s3 "$pair_rg") s, rstscan $(s3 "$pair_rs") s) | $r × | $(verdict "$r >= 0.40" "$pair_rg" "$pair_rs" "$rs_e") |"
r=$(ratio_or_dash "$rs_e" "$rg_e")
echo "| (the same from the rows above, measured apart: ${rg_e:-—} MB/s) | $r × | |"
echo "| access log ≥ 500 MB/s | ${rs_a:-—} MB/s | $(verdict "$rs_a >= 500" "$rs_a") |"
r=$(ratio_or_dash "$rs_a" "$ga")
echo "| access log ≥ 25 × GoAccess (${ga:-—} MB/s) | $r × | $(verdict "$r >= 25" "$rs_a" "$ga") |"
r=$(ratio_or_dash "$rs_eg" "$gz_e")
echo "| error.gz ≥ 0.90 × gzip -dc ($gz_e MB/s) | $r × (${rs_eg:-—} MB/s) | $(verdict "$r >= 0.90" "$rs_eg" "$gz_e") |"
r=$(ratio_or_dash "$rs_ag" "$gz_a")
echo "| access.gz ≥ 0.90 × gzip -dc ($gz_a MB/s) | $r × (${rs_ag:-—} MB/s) | $(verdict "$r >= 0.90" "$rs_ag" "$gz_a") |"
rs_ez=${tput[rstscan --json:error.zst]:-}; zs_e=${tput[zstd -dc:error.zst]:-}
r=$(ratio_or_dash "$pair_zs" "$pair_rz")
echo "| error.zst ≥ 0.90 × zstd -dc, taken in turn (zstd $(s3 "$pair_zs") s, rstscan $(s3 "$pair_rz") s) | $r × | $(verdict "$r >= 0.90" "$pair_zs" "$pair_rz" "$rs_ez") |"
r=$(ratio_or_dash "$rs_ez" "$zs_e")
echo "| (the same from the rows above, measured apart: ${zs_e:-—} MB/s) | $r × (${rs_ez:-—} MB/s) | |"
echo "| peak RSS < 64 MiB, $size logs | $((peak / 1024)) MiB | $(verdict "$peak < 65536" "$scan_ok") |"
echo "| peak RSS < 64 MiB, $keys distinct keys | $((keyrss / 1024)) MiB | $(verdict "$keyrss < 65536" "${tput[rstscan --json:keys-error]}${tput[rstscan --json:keys-access]}") |"
echo "| peak RSS < 64 MiB, $keys distinct keys on two threads (keys-split) | $((splitrss / 1024)) MiB | $(verdict "$splitrss < 65536" "${tput[rstscan --json:keys-split]}") |"
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
