#!/usr/bin/env bash
# valgrind.sh [--stock] - runs the real nginx with ngx_http_rstguard_module
# under valgrind (memcheck) for a smoke scenario: normal requests, 404s,
# client aborts mid-response and while waiting for an upstream (HTTP/1
# resets and FINs, HTTP/2 stream cancels), an `nginx -s reload` (HUP), a
# log reopen (USR1), more of the same, then a graceful stop.  The main
# error_log has a second file at debug: every process ends (reload, quit)
# logging its pool's debug lines through the chain rstguard patched, and
# each must write its "exit" line there.  Every process valgrind
# followed (master, old and new workers) must report zero errors and no
# definitely-lost block beyond tests/valgrind/nginx.supp, which holds what
# stock nginx and OpenSSL report without the module.
#
# --stock runs the same scenario without the module: the baseline that
# nginx.supp was made from (its logs carry --gen-suppressions blocks).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
nginx=${RSTGUARD_NGINX:-/usr/sbin/nginx}
module=${RSTGUARD_MODULE:-$root/build/ngx_http_rstguard_module.so}
supp=$root/tests/valgrind/nginx.supp
stock=0
[ "${1:-}" = "--stock" ] && stock=1

prefix=$(mktemp -d "${TMPDIR:-/tmp}/rstguard-vg.XXXXXX")
chmod 0755 "$prefix"
mkdir -p "$prefix"/{logs,html,tmp,conf,vg}
chmod 0755 "$prefix"/{logs,html,tmp,conf}
chmod 0777 "$prefix/vg"

traffic=$root/build/rgt_traffic
read -r port h2_port slow_port < <("$traffic" --free-ports 3 | tr '\n' ' ')

if [ $stock -eq 1 ]; then
    load= http= server=
else
    load="load_module $module;"
    http=$(sed -n 's/^# http: //p' "$root/tests/valgrind/module.conf" | tr '\n' ' ')
    server=$(sed -n 's/^# server: //p' "$root/tests/valgrind/module.conf" | tr '\n' ' ')
    http=${http//@ROOT@/$root}
    http=${http//@PREFIX@/$prefix}
fi
sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$port|g" \
    -e "s|@H2_PORT@|$h2_port|g" -e "s|@SLOW_PORT@|$slow_port|g" \
    -e "s|@MODULE_LOAD@|$load|" -e "s|@MODULE_HTTP@|$http|" \
    -e "s|@MODULE_SERVER@|$server|" \
    "$root/tests/valgrind/nginx.conf.in" > "$prefix/conf/nginx.conf"
# big enough that an abort lands mid-response (sndbuf=32k on the listener)
head -c 4000000 /dev/zero | tr '\0' 'x' > "$prefix/html/big.bin"
echo hello > "$prefix/html/index.html"
chmod 0644 "$prefix/html/"*

vgpid=
cleanup() {
    [ -n "$vgpid" ] && kill -KILL "$vgpid" 2>/dev/null
    [ -n "${RSTGUARD_VG_KEEP:-}" ] || rm -rf "$prefix"
}
trap cleanup EXIT

"$nginx" -p "$prefix" -c "$prefix/conf/nginx.conf" -t -q || exit 1

valgrind --tool=memcheck --trace-children=yes --leak-check=full \
    --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --track-origins=yes --num-callers=30 --vgdb=no --gen-suppressions=all \
    --suppressions="$supp" --log-file="$prefix/vg/vg.%p.log" \
    "$nginx" -p "$prefix" -c "$prefix/conf/nginx.conf" &
vgpid=$!

get() { curl -s -o /dev/null -w '%{http_code}' --max-time 20 "http://127.0.0.1:$port$1"; }
wait_up() {
    for _ in $(seq 300); do
        [ "$(get /index.html)" = 200 ] && return 0
        sleep 0.2
    done
    echo "valgrind: nginx did not answer on port $port" >&2
    exit 1
}
traffic() {
    local i
    for i in $(seq 10); do get /index.html > /dev/null; get /missing > /dev/null; done
    # slow readers that give up: nginx sees the reset mid-response
    for i in $(seq 8); do
        curl -s -o /dev/null --limit-rate 20k --max-time 0.5 "http://127.0.0.1:$port/big.bin"
    done
    # upstream refused (nothing listens behind /app/ but nginx itself... the
    # upstream is this server, so /app/ works and exercises the proxy path)
    for i in $(seq 3); do get /app/index.html > /dev/null; done
    curl -s -o /dev/null --max-time 0.5 --limit-rate 20k "http://127.0.0.1:$port/app/big.bin"
    # HTTP/1 resets and FINs and HTTP/2 stream cancels while nginx waits for
    # a slow upstream, from 4 client addresses
    "$traffic" --port "$port" --h2-port "$h2_port" --normal 4 --aborts 12 \
        --kind mix --clients 4 --path /index.html --abort-path /slow \
        --abort-delay 300 --concurrency 2 --duration 60 \
        --upstream-port "$slow_port" --upstream-delay 20000 > /dev/null \
        || { echo "valgrind: rgt_traffic failed" >&2; exit 1; }
    if [ $stock -eq 0 ]; then
        [ "$(get /status)" = 200 ] || { echo "valgrind: /status failed" >&2; exit 1; }
        [ "$(get '/status?format=prometheus')" = 200 ] \
            || { echo "valgrind: /status?format=prometheus failed" >&2; exit 1; }
    fi
}
workers() { grep -c 'start worker process' "$prefix/logs/error.log"; }

wait_up
echo "valgrind: nginx up on 127.0.0.1:$port ($([ $stock -eq 1 ] && echo stock || echo "with $module"))"
traffic
echo "valgrind: reload"
before=$(workers)
kill -HUP "$(cat "$prefix/nginx.pid")"
for _ in $(seq 300); do [ "$(workers)" -gt "$before" ] && break; sleep 0.2; done
sleep 2
wait_up
traffic
kill -USR1 "$(cat "$prefix/nginx.pid")"
sleep 1
traffic
echo "valgrind: stop"
kill -QUIT "$(cat "$prefix/nginx.pid")"
for _ in $(seq 600); do kill -0 "$vgpid" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$vgpid" 2>/dev/null; then
    echo "valgrind: nginx did not stop" >&2
    exit 1
fi
wait "$vgpid"

status=0
logs=("$prefix"/vg/vg.*.log)
echo "valgrind: ${#logs[@]} processes traced"
for l in "${logs[@]}"; do
    summary=$(grep 'ERROR SUMMARY' "$l" | tail -n 1)
    if ! grep -q 'ERROR SUMMARY: 0 errors' "$l"; then
        echo "valgrind: $(basename "$l"): $summary" >&2
        cat "$l" >&2
        status=1
    fi
done
if grep -q 'exited on signal' "$prefix/logs/error.log"; then
    echo "valgrind: a worker exited on a signal:" >&2
    grep 'exited on signal' "$prefix/logs/error.log" >&2
    status=1
fi
# a worker writes "exit" to the head of the main chain (debug.log); one
# killed by a signal never does.  Every worker started, and the master.
started=$(grep -cE "start worker process [0-9]+" "$prefix/logs/error.log")
exits=$(grep -cE '\[notice\] [0-9]+#[0-9]+: exit$' "$prefix/logs/debug.log")
echo "valgrind: $started workers started, $exits exit lines at debug"
if [ "$exits" -ne $((started + 1)) ]; then
    echo "valgrind: expected $((started + 1)) exit lines in debug.log" >&2
    status=1
fi
if grep -q 'exited on signal' "$prefix/logs/debug.log"; then
    echo "valgrind: a worker exited on a signal (debug.log)" >&2
    status=1
fi
if [ ${#logs[@]} -lt 3 ]; then
    echo "valgrind: expected the master and two generations of workers" >&2
    status=1
fi
aborts=$(grep -cE '\((104|32): ' "$prefix/logs/error.log")
echo "valgrind: $aborts abort lines in the error log"
summaries=$(grep -c 'rstguard: log=' "$prefix/logs/error.log")
echo "valgrind: $summaries rstguard summary lines"
if [ $stock -eq 0 ] && [ "$summaries" -eq 0 ]; then
    echo "valgrind: the module wrote no summary: it held nothing back" >&2
    status=1
fi
if [ "$aborts" -eq 0 ]; then
    echo "valgrind: the scenario made no client aborts" >&2
    status=1
fi
if [ "$status" -ne 0 ]; then
    exit 1
fi
echo "valgrind: zero errors, zero definite leaks in ${#logs[@]} processes"
