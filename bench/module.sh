#!/usr/bin/env bash
# module.sh - `make bench-module`: what ngx_http_rstguard_module costs on
# ordinary traffic and what it saves under an abort flood, the real
# /usr/sbin/nginx on loopback (bench/README.md).
#
#   1. instructions per request under callgrind: N keepalive requests for a
#      6-byte file, (Ir(N) - Ir(0)) / N, stock vs the same config with the
#      module loaded and enabled (and with every feature on);
#   2. wrk req/s, module vs stock, median of interleaved runs (for the
#      record: wrk scatters +-10% on this machine);
#   3. an abort flood: COUNT aborted requests from ADDRS client addresses
#      (100, 1,000 and 10,000) in SECONDS beside wrk's normal traffic, 2
#      workers, error_log at info: log bytes, summary lines per write, and
#      per class written + suppressed= against the zone and stock nginx;
#   4. a hostile rule: 4 connections requesting a URI whose error-log line
#      makes a rule backtrack to PCRE2's limits, beside normal traffic, with
#      that rule loaded vs without it (the cost guard switches it off).
#
#   BENCH_CG_REQUESTS=5000  BENCH_WRK_ROUNDS=5  BENCH_WRK_SECONDS=4
#   BENCH_FLOOD_ABORTS=20000  BENCH_FLOOD_SECONDS=20
#   BENCH_FLOOD_ADDRS="100 1000 10000"  BENCH_HOSTILE_SECONDS=8
#   BENCH_HOSTILE_ROUNDS=3
#   BENCH_PARTS="1 2 3 4"   (BENCH_PARTS=1: only the instruction counts)
#
# Only loopback; every wait is bounded.  Output is Markdown for RESULTS.md.
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
nginx=${RSTGUARD_NGINX:-/usr/sbin/nginx}
so=${RSTGUARD_MODULE:-$build/ngx_http_rstguard_module.so}
client=$build/benchclient
cg_n=${BENCH_CG_REQUESTS:-5000}
wrk_rounds=${BENCH_WRK_ROUNDS:-5}
wrk_secs=${BENCH_WRK_SECONDS:-4}
flood_n=${BENCH_FLOOD_ABORTS:-20000}
flood_secs=${BENCH_FLOOD_SECONDS:-20}
flood_addrs=${BENCH_FLOOD_ADDRS:-100 1000 10000}
rstscan=$build/rstscan
hostile_secs=${BENCH_HOSTILE_SECONDS:-8}
hostile_rounds=${BENCH_HOSTILE_ROUNDS:-3}
parts=${BENCH_PARTS:-1 2 3 4}

work=$(mktemp -d "${TMPDIR:-/tmp}/rstguard-benchmod.XXXXXX")
chmod 0755 "$work"
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill -KILL "$p" 2> /dev/null || true; done
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# free_port VAR: sets VAR to a port nothing uses, never one handed out
# before in this run
used_ports=" "
flood_notes=()
free_port() {
    local p i
    for ((i = 0; i < 1000; i++)); do
        p=$((20000 + RANDOM % 30000))
        [[ "$used_ports" == *" $p "* ]] && continue
        ss -Htan "sport = :$p" | grep -q . && continue
        used_ports+="$p "
        printf -v "$1" '%s' "$p"
        return 0
    done
    echo "no free port" >&2
    return 1
}

# wait_listen PORT SECONDS: until something listens on 127.0.0.1:PORT,
# without connecting (a probe connection would cost instructions)
wait_listen() {
    local i
    for ((i = 0; i < $2 * 20; i++)); do
        ss -Htln "sport = :$1" | grep -q . && return 0
        sleep 0.05
    done
    echo "nothing listens on port $1 after $2 s" >&2
    return 1
}

# wait_exit PID SECONDS: until the process is gone (SIGKILL after)
wait_exit() {
    local i
    for ((i = 0; i < $2 * 20; i++)); do
        kill -0 "$1" 2> /dev/null || { wait "$1" 2> /dev/null || true; return 0; }
        sleep 0.05
    done
    kill -KILL "$1" 2> /dev/null || true
    wait "$1" 2> /dev/null || true
    echo "process $1 did not exit in $2 s: killed" >&2
    return 1
}

# prefix NAME: a fresh nginx prefix with the static files
prefix() {
    local p=$work/$1
    rm -rf "$p"
    mkdir -p "$p"/{logs,html,tmp,conf}
    printf 'hello\n' > "$p/html/index.html"
    head -c 1048576 /dev/zero | tr '\0' 'x' > "$p/html/big.bin"
    chmod -R a+rX "$p"
    echo "$p"
}

temp_paths() {
    local t
    for t in client_body proxy fastcgi uwsgi scgi; do
        echo "    ${t}_temp_path $1/tmp/$t;"
    done
}

# conf VARIANT PREFIX PORT [PORT2] [MODE]: writes PREFIX/conf/nginx.conf
#   variants: stock, module (loaded, `rstguard on;`), full (zone, error-log
#   filter, access_log if=$rstguard_log)
#   modes: cg (master_process off, for callgrind), wrk, flood
conf() {
    local variant=$1 p=$2 port=$3 port2=${4:-0} mode=${5:-wrk}
    local load="" http="" ifvar="" level=info
    case $variant in
        module) load="load_module $so;"; http="    rstguard on;" ;;
        full|flood)
            load="load_module $so;"
            http="    rstguard_zone zone=bench:10m rate=10r/m burst=5;
    rstguard on;
    rstguard_error_log on;"
            ifvar=" if=\$rstguard_log" ;;
    esac
    {
        echo "$load"
        if [ "$mode" = cg ]; then
            echo "daemon off;"
            echo "master_process off;"
        else
            echo "daemon off;"
            echo "worker_processes $([ "$mode" = flood ] && echo 2 || echo 1);"
        fi
        echo "pid $p/nginx.pid;"
        echo "error_log $p/logs/error.log $level;"
        echo "events { worker_connections 4096; }"
        echo "http {"
        temp_paths "$p"
        echo "    default_type application/octet-stream;"
        echo "    keepalive_requests 1000000;"
        echo "    sendfile on;"
        [ -n "$http" ] && echo "$http"
        if [ "$mode" = flood ]; then
            echo "    server {"
            echo "        listen 127.0.0.1:$port sndbuf=32k;"
            echo "        root $p/html;"
            echo "        access_log $p/logs/flood-access.log combined$ifvar;"
            echo "    }"
            echo "    server {"
            echo "        listen 127.0.0.1:$port2;"
            echo "        root $p/html;"
            echo "        access_log $p/logs/normal-access.log combined$ifvar;"
            # normal traffic is not limited: the access summaries are then
            # the flood server's alone (wrk cuts a few requests at its end)
            [ "$variant" = stock ] || echo "        rstguard off;"
            [ "$variant" = stock ] || echo "        location = /rstguard-status { rstguard_status; access_log off; }"
            echo "    }"
        else
            echo "    server {"
            echo "        listen 127.0.0.1:$port;"
            echo "        root $p/html;"
            echo "        access_log $p/logs/access.log combined$ifvar;"
            echo "    }"
        fi
        echo "}"
    } > "$p/conf/nginx.conf"
}

# check_conf PREFIX: nginx -t; prints the error and fails if rejected
check_conf() {
    local out
    if ! out=$("$nginx" -p "$1" -c "$1/conf/nginx.conf" -t 2>&1); then
        echo "$out" | grep -v 'test failed' | head -n 2 | sed 's/^nginx: //' | tr '\n' ' '
        return 1
    fi
}

echo "## make bench-module, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "- module at $(git -C "$root" rev-parse --short HEAD); $("$nginx" -v 2>&1 | sed 's|.*/||'); $(valgrind --version 2>/dev/null || echo 'no valgrind'); $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)"
echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- 1. callgrind: instructions per request -----------------------------------

# cg_ir VARIANT N [HEADER...]: sets ir, the total Ir of nginx serving N
# keepalive requests (runs in this shell, so the cleanup trap knows its pid)
cg_ir() {
    local v=$1 n=$2 p port pid
    shift 2
    ir=""
    p=$(prefix "cg-$v-$n")
    free_port port
    conf "$v" "$p" "$port" 0 cg
    valgrind --tool=callgrind --callgrind-out-file="$p/callgrind.out" \
        "$nginx" -p "$p" -c "$p/conf/nginx.conf" > "$p/valgrind.log" 2>&1 &
    pid=$!; pids+=("$pid")
    wait_listen "$port" 120 || { kill -KILL "$pid"; return 1; }
    "$client" keepalive "$port" "$n" /index.html "$@" > "$p/client.log" \
        || { kill -KILL "$pid"; return 1; }
    sleep 1
    kill -QUIT "$pid"
    wait_exit "$pid" 120
    ir=$(sed -n 's/^summary: *//p' "$p/callgrind.out" | head -n 1)
    [ -n "$ir" ]
}

# cg_table TITLE [HEADER...]: one table, the three configs
cg_table() {
    local title=$1 v why per vs stock_per="" ir0 irn
    shift
    echo
    echo "$title"
    echo
    echo "| config | Ir(0) | Ir($cg_n) | Ir per request | vs stock |"
    echo "|---|---|---|---|---|"
    for v in stock module full; do
        p=$(prefix "cgcheck-$v"); conf "$v" "$p" 1 0 cg
        if ! why=$(check_conf "$p"); then
            echo "| $v | — | — | — | not run: $why |"
            continue
        fi
        if ! cg_ir "$v" 0 "$@" || ! ir0=$ir || ! cg_ir "$v" "$cg_n" "$@" || ! irn=$ir; then
            echo "| $v | — | — | — | callgrind run failed |"
            continue
        fi
        per=$(printf '%.1f' "$(echo "scale=3; ($irn - $ir0) / $cg_n" | bc -l)")
        if [ "$v" = stock ]; then stock_per=$per; vs="1.000"
        elif [ -n "$stock_per" ]; then vs=$(printf '%.3f' "$(echo "scale=6; $per / $stock_per" | bc -l)")
        else vs="—"; fi
        echo "| $v | $ir0 | $irn | $per | **$vs** |"
    done
}

if [[ " $parts " == *" 1 "* ]]; then
    echo
    echo "### 1. Instructions per request (callgrind)"
    echo
    echo "\`daemon off; master_process off; keepalive_requests 1000000;\`, error_log at info, a combined access log,"
    echo "$cg_n GET requests for a 6-byte file over one keepalive connection (build/benchclient);"
    echo "Ir per request = (Ir($cg_n) − Ir(0)) / $cg_n, valgrind --tool=callgrind, SIGQUIT, the \`summary:\` line."
    echo "stock = no module; module = \`load_module\` + \`rstguard on;\` (built-in zone); full = also"
    echo "\`rstguard_zone zone=bench:10m rate=10r/m burst=5; rstguard_error_log on;\` and \`access_log ... if=\$rstguard_log\`."
    echo "Target: module ≤ 1.02 × stock."
    cg_table "Request with a Host header only (\`GET /index.html HTTP/1.1\`, the setting of the ≈13,200 reference):"
    cg_table "Request with curl's headers (\`User-Agent: curl/7.88.1\`, \`Accept: */*\`):" \
        "User-Agent: curl/7.88.1" "Accept: */*"
fi

# --- 2. wrk: req/s, interleaved ------------------------------------------------

# wrk_rps PORT SECONDS [CONNS]: requests per second, or empty
wrk_rps() {
    wrk -t1 -c"${3:-8}" -d"$2"s "http://127.0.0.1:$1/index.html" 2> /dev/null \
        | sed -n 's/^Requests\/sec: *//p'
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR) print (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

if [[ " $parts " == *" 2 "* ]]; then
    echo
    echo "### 2. wrk req/s, module vs stock (for the record)"
    echo
    ps=$(prefix wrk-stock); pm=$(prefix wrk-module)
    free_port port_s; free_port port_m
    conf stock "$ps" "$port_s"; conf module "$pm" "$port_m"
    if ! why=$(check_conf "$pm"); then
        echo "not run: $why"
    else
        "$nginx" -p "$ps" -c "$ps/conf/nginx.conf" > /dev/null 2>&1 & pid_s=$!; pids+=("$pid_s")
        "$nginx" -p "$pm" -c "$pm/conf/nginx.conf" > /dev/null 2>&1 & pid_m=$!; pids+=("$pid_m")
        wait_listen "$port_s" 10; wait_listen "$port_m" 10
        wrk_rps "$port_s" 1 > /dev/null; wrk_rps "$port_m" 1 > /dev/null
        rs=(); rm_=(); ratios=()
        for ((i = 1; i <= wrk_rounds; i++)); do
            # ABBA order, so a drift in the machine's load does not favour one
            if ((i % 2)); then a=$(wrk_rps "$port_s" "$wrk_secs"); b=$(wrk_rps "$port_m" "$wrk_secs")
            else b=$(wrk_rps "$port_m" "$wrk_secs"); a=$(wrk_rps "$port_s" "$wrk_secs"); fi
            rs+=("$a"); rm_+=("$b"); ratios+=("$(printf '%.3f' "$(echo "scale=6; $b / $a" | bc -l)")")
        done
        kill -QUIT "$pid_s" "$pid_m"; wait_exit "$pid_s" 10; wait_exit "$pid_m" 10
        echo "\`wrk -t1 -c8 -d${wrk_secs}s\`, /index.html (6 bytes), one worker each, both servers up, $wrk_rounds rounds in ABBA order."
        echo
        echo "| round | stock req/s | module req/s | ratio |"
        echo "|---|---|---|---|"
        for ((i = 0; i < wrk_rounds; i++)); do
            echo "| $((i + 1)) | ${rs[i]} | ${rm_[i]} | ${ratios[i]} |"
        done
        echo "| **median** | $(printf '%s\n' "${rs[@]}" | median) | $(printf '%s\n' "${rm_[@]}" | median) | **$(printf '%s\n' "${ratios[@]}" | median)** |"
    fi
fi

# --- 3. the abort flood -------------------------------------------------------

# flood VARIANT ADDRS: runs the flood; sets f_err f_acc f_norm f_rps
# f_client f_lines (abort lines in the error log), f_summ (rstguard summary
# lines), f_per_write (the most summary lines one write left: lines of one
# second), f_classes (per class and log: what rstscan counts, i.e. lines
# written + suppressed=)
flood() {
    local p port port2 pid wrk_out
    p=$(prefix "flood-$1-$2")
    free_port port; free_port port2
    conf "$1" "$p" "$port" "$port2" flood
    check_conf "$p" > "$p/why" || return 1
    "$nginx" -p "$p" -c "$p/conf/nginx.conf" > /dev/null 2>&1 & pid=$!; pids+=("$pid")
    wait_listen "$port" 10; wait_listen "$port2" 10
    wrk -t1 -c4 -d"${flood_secs}"s "http://127.0.0.1:$port2/index.html" > "$p/wrk.out" 2>&1 &
    wrk_pid=$!
    f_client=$("$client" abort "$port" "$flood_n" "$2" "$flood_secs" /big.bin) || true
    wait_exit "$wrk_pid" $((flood_secs + 30)) || true
    sleep 1
    f_status=""
    [ "$1" = stock ] || f_status=$(curl -s --max-time 5 "http://127.0.0.1:$port2/rstguard-status" || true)
    kill -QUIT "$pid"; wait_exit "$pid" 30 || true
    f_rps=$(sed -n 's/^Requests\/sec: *//p' "$p/wrk.out")
    f_err=$(stat -c %s "$p/logs/error.log")
    f_acc=$(stat -c %s "$p/logs/flood-access.log")
    f_norm=$(stat -c %s "$p/logs/normal-access.log")
    # abort lines nginx wrote; summary lines quote a sample, so they are
    # counted apart
    f_lines=$(grep -v 'rstguard: log=' "$p/logs/error.log" \
        | grep -c -E 'client prematurely closed connection|Connection reset by peer|Broken pipe' || true)
    f_summ=$(grep -c 'rstguard: log=' "$p/logs/error.log" || true)
    f_summ_bytes=$(grep 'rstguard: log=' "$p/logs/error.log" | wc -c)
    f_per_write=$(grep 'rstguard: log=' "$p/logs/error.log" | cut -c1-19 \
        | sort | uniq -c | sort -rn | awk 'NR == 1 {print $1} END {if (!NR) print 0}')
    f_acc_lines=$(wc -l < "$p/logs/flood-access.log")
    # per class: error-log lines written (rstscan over the log without the
    # summaries), the error summaries' suppressed=, and the zone's counters
    f_classes=$( (grep -v 'rstguard: ' "$p/logs/error.log" || true) \
        | "$rstscan" --json - 2> /dev/null \
        | jq -r '.classes | to_entries[] | "\(.key) \(.value.count)"' 2> /dev/null | sort || true)
    f_held=$( (grep -o 'rstguard: log=error class=[a-z_]* key="[^"]*" keys=[0-9]* suppressed=[0-9]*' \
        "$p/logs/error.log" || true) | sed 's/.*class=\([a-z_]*\) .*suppressed=/\1 /' \
        | awk '{s[$1] += $2} END {for (c in s) print c, s[c]}' | sort)
    f_seen=""
    [ -z "$f_status" ] || f_seen=$(echo "$f_status" | jq -r '.zones.bench as $z
        | ($z.lines.error | to_entries[] | select(.value.seen > 0)
           | "\(.key) \(.value.passed) \(.value.suppressed)"),
          "contended \($z.contended.error)"' 2> /dev/null)
    # the access log (combined: no class): lines + access summaries' suppressed=
    f_acc_total=$(( f_acc_lines + $( (grep -o 'rstguard: log=access class=[a-z_]* key="[^"]*" keys=[0-9]* suppressed=[0-9]*' \
        "$p/logs/error.log" || true) | awk -F'suppressed=' '{s += $2} END {print s + 0}') ))
    return 0
}

red() { printf '%.2f' "$(echo "scale=6; 100 - 100 * $1 / $2" | bc -l)"; }

if [[ " $parts " == *" 3 "* ]]; then
    echo
    echo "### 3. Abort flood: $flood_n aborted requests in ${flood_secs} s from 100, 1,000 and 10,000 addresses"
    echo
    echo "nginx with 2 workers, error_log at info. Flood (build/benchclient abort): each client of 127.0.0.10 onwards"
    echo "asks for a 1 MiB file on a \`listen ... sndbuf=32k\` server with a 4 KiB receive buffer, reads the first bytes"
    echo "and resets. Beside it, normal traffic: \`wrk -t1 -c4 -d${flood_secs}s\` for /index.html on a second server"
    echo "with its own access log. With the module: \`rstguard_zone zone=bench:10m rate=10r/m burst=5\` (default"
    echo "global budget), \`rstguard on; rstguard_error_log on;\` and \`access_log ... combined if=\$rstguard_log\`"
    echo "(the normal server says \`rstguard off;\`); summaries at the default interval (60 s) and keys (10). *per write* = the most summary"
    echo "lines of one second (one writer writes an interval's lines at once); bound 2 logs × classes × 11."
    echo "*exact* = the flood access log's lines + the access summaries' suppressed= equal stock's lines (one per"
    echo "aborted request; the combined format carries no class), and in the error log, per class, the summaries'"
    echo "suppressed= equal the zone's held count and lines written + suppressed= equal every line nginx handed the"
    echo "filter (the zone's passed + suppressed, plus the contended lines). Stock's own error-log lines are shown"
    echo "beside: real resets end as client_reset or broken_pipe by timing, so two runs never split the same way."
    echo
    echo "| addresses | error.log stock → module | reduction | flood access log stock → module | reduction | summary lines (bytes) | per write (bound) | normal req/s ratio | exact |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for addrs in $flood_addrs; do
        if ! flood stock "$addrs"; then
            echo "| $addrs | not run: $(cat "$work/flood-stock-$addrs/why") |||||||"
            continue
        fi
        s_err=$f_err s_acc=$f_acc s_rps=$f_rps s_classes=$f_classes s_client=$f_client
        s_acc_total=$f_acc_total
        if ! flood flood "$addrs"; then
            echo "| $addrs | with the module: not run: $(cat "$work/flood-flood-$addrs/why") |||||||"
            continue
        fi
        ncls=$(printf '%s\n%s\n' "$f_classes" "$f_held" | awk 'NF {print $1}' | sort -u | grep -c . || true)
        # per class: written + held = the zone's passed + suppressed, the
        # contended lines (written uncharged, not in a class) on top
        sum_log=$(printf '%s\n%s\n' "$f_classes" "$f_held" | awk 'NF {s += $2} END {print s + 0}')
        sum_zone=$(echo "$f_seen" | awk '$1 == "contended" {s += $2; next} NF {s += $2 + $3} END {print s + 0}')
        held_log=$(echo "$f_held" | awk 'NF {s += $2} END {print s + 0}')
        held_zone=$(echo "$f_seen" | awk '$1 != "contended" && NF {s += $3} END {print s + 0}')
        if [ "$sum_log" = "$sum_zone" ] && [ "$held_log" = "$held_zone" ] \
            && [ "$f_acc_total" = "$s_acc_total" ]; then exact="yes"
        else exact="**no**"; fi
        echo "| $addrs | $s_err → $f_err | $(red "$f_err" "$s_err") % | $s_acc → $f_acc | $(red "$f_acc" "$s_acc") % | $f_summ ($f_summ_bytes) | $f_per_write (≤ $((2 * ncls * 11))) | $(printf '%.3f' "$(echo "scale=6; $f_rps / $s_rps" | bc -l)") | $exact |"
        flood_notes+=("- $addrs addresses: stock ${s_client#abort: }; module ${f_client#abort: }. Error log: stock lines per class {$(echo "$s_classes" | tr '\n' ',')}; module lines written {$(echo "$f_classes" | tr '\n' ',')}, summaries' suppressed= {$(echo "$f_held" | tr '\n' ',')} ($sum_log in all); the zone's (passed, suppressed) {$(echo "$f_seen" | tr '\n' ',')} ($sum_zone in all). Flood access log: stock $s_acc_total lines; module lines + access summaries' suppressed= $f_acc_total.")
    done
    echo
    printf '%s\n' "${flood_notes[@]}"
    echo
    echo "Target: error-log and access-log bytes ≥ 99.5% less; summary lines per write ≤ 2 × classes × (keys + 1); exact."
fi

# --- 4. a hostile rule ----------------------------------------------------------

# hostile RULES: runs the attack beside normal traffic; RULES is "bad" (the
# backtracking rule loaded) or "none"; sets h_norm h_attack (requests)
hostile() {
    local p port pid as
    p=$(prefix "hostile-$1")
    free_port port
    printf '%s\n' "- id: hostile.backtrack" "  format: nginx-error" \
        "  class: client_closed" "  match: '^open\\(\\) \"[^\"]*/(a+)+\"\\)'" \
        > "$p/hostile.yaml"
    [ "$1" = bad ] || : > "$p/hostile.yaml"
    {
        echo "load_module $so;"
        echo "daemon off;"
        echo "worker_processes 2;"
        echo "pid $p/nginx.pid;"
        echo "error_log $p/logs/error.log info;"
        echo "events { worker_connections 4096; }"
        echo "http {"
        temp_paths "$p"
        echo "    access_log off;"
        echo "    rstguard_zone zone=bench:10m rate=10r/m burst=5;"
        echo "    rstguard_error_log on;"
        [ "$1" = bad ] && echo "    rstguard_rules $p/hostile.yaml;"
        echo "    server { listen 127.0.0.1:$port; root $p/html; }"
        echo "}"
    } > "$p/conf/nginx.conf"
    check_conf "$p" > "$p/why" || return 1
    "$nginx" -p "$p" -c "$p/conf/nginx.conf" > /dev/null 2>&1 & pid=$!; pids+=("$pid")
    wait_listen "$port" 10
    as=$(printf 'a%.0s' $(seq 200))
    wrk -t1 -c4 -d"${hostile_secs}"s "http://127.0.0.1:$port/$as" > "$p/attack.out" 2>&1 &
    local apid=$!
    wrk -t1 -c4 -d"${hostile_secs}"s "http://127.0.0.1:$port/index.html" > "$p/normal.out" 2>&1
    wait_exit "$apid" 30 || true
    kill -QUIT "$pid"; wait_exit "$pid" 30 || true
    h_norm=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$p/normal.out")
    h_attack=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$p/attack.out")
    h_lat=$(sed -n 's/^ *Latency *\([^ ]*\).*/\1/p' "$p/normal.out")
    h_alerts=$(grep -c 'rstguard: rule "hostile.backtrack"' "$p/logs/error.log" || true)
}

if [[ " $parts " == *" 4 "* ]]; then
    echo
    echo "### 4. A hostile rule: 4 attacking connections beside normal traffic, ${hostile_secs} s"
    echo
    echo "nginx with 2 workers, error_log at info, \`rstguard_error_log on\`. Attack: \`wrk -t1 -c4\` for a URI of 200 a's"
    echo "(a 404 whose \`open() ... failed\` line the rule \`'^open\\(\\) \"[^\"]*/(a+)+\"\\)'\` backtracks on to PCRE2's"
    echo "limits); normal traffic: \`wrk -t1 -c4\` for /index.html, both for ${hostile_secs} s. With the rule loaded by"
    echo "\`rstguard_rules\` vs without it (the same attack). The cost guard switches the rule off after 5 limit hits"
    echo "per worker and interval (default 60 s)."
    echo
    echo "$hostile_rounds rounds, the two runs of a round in ABBA order (the machine's load moves wrk's figures)."
    echo
    echo "| round | normal requests without / with the rule | ratio | normal latency without / with | attacking requests without / with | guard alerts |"
    echo "|---|---|---|---|---|---|"
    h_ratios=()
    for ((i = 1; i <= hostile_rounds; i++)); do
        if ((i % 2)); then order="none bad"; else order="bad none"; fi
        for r in $order; do
            if ! hostile "$r"; then
                echo "| $i | not run: $(cat "$work/hostile-$r/why") | | | | |"
                continue 2
            fi
            eval "r_${r}_norm=\$h_norm r_${r}_attack=\$h_attack r_${r}_lat=\$h_lat r_${r}_alerts=\$h_alerts"
        done
        ratio=$(printf '%.3f' "$(echo "scale=6; $r_bad_norm / $r_none_norm" | bc -l)")
        h_ratios+=("$ratio")
        echo "| $i | $r_none_norm / $r_bad_norm | $ratio | $r_none_lat / $r_bad_lat | $r_none_attack / $r_bad_attack | $r_bad_alerts |"
    done
    echo
    echo "Median ratio: **$(printf '%s\n' "${h_ratios[@]}" | median)**. Target: normal requests within 10% of the run without the rule."
fi

echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
