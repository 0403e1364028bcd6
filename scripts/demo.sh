#!/usr/bin/env bash
# demo.sh - the main job end to end: the stock nginx with rstguard on
# loopback, an abort flood from several client addresses beside normal
# requests (build/rgt_traffic), the flood held back in the logs (line counts,
# the rstguard_status counters, the summary lines), then rstscan over the
# logs nginx wrote and over the sample logs shipped in tests/data/.
# Leaves no process running, even on failure or Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
nginx=${RSTGUARD_NGINX:-/usr/sbin/nginx}
traffic=$build/rgt_traffic
normal=${RSTGUARD_DEMO_NORMAL:-300}
aborts=${RSTGUARD_DEMO_ABORTS:-3000}
down=20

prefix=$(mktemp -d "${TMPDIR:-/tmp}/rstguard-demo.XXXXXX")
# as root the workers run as nobody: they must read the prefix
chmod 0755 "$prefix"
mkdir -p "$prefix"/{logs,html,tmp,conf}
chmod 0755 "$prefix"/{logs,html,tmp,conf}

master=
traffic_pid=
stop() {
    [ -n "$master" ] || return 0
    kill -QUIT "$master" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$master" 2>/dev/null || break; sleep 0.05; done
    # daemonized nginx leads its own process group: workers go with it
    kill -KILL -- "-$master" 2>/dev/null || true
    master=
}
cleanup() {
    if [ -n "$traffic_pid" ]; then
        kill -TERM "$traffic_pid" 2>/dev/null || true
        wait "$traffic_pid" 2>/dev/null || true
    fi
    stop
    [ -n "${RSTGUARD_DEMO_KEEP:-}" ] && echo "logs kept in $prefix" || rm -rf "$prefix"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r port h2_port upstream_port down_port < <("$traffic" --free-ports 4)

sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$port|g" -e "s|@H2_PORT@|$h2_port|g" \
    -e "s|@UPSTREAM_PORT@|$upstream_port|g" -e "s|@DOWN_PORT@|$down_port|g" \
    -e "s|@MODULE@|$build/ngx_http_rstguard_module.so|g" \
    "$root/config/demo.conf" > "$prefix/conf/nginx.conf"
echo "hello" > "$prefix/html/index.html"
chmod 0644 "$prefix/html/index.html"

echo "== nginx $("$nginx" -v 2>&1 | sed 's|.*/||') with ngx_http_rstguard_module on" \
     "127.0.0.1:$port (HTTP/1.1) and :$h2_port (h2c), config/demo.conf:"
grep -E '^\s*(rstguard|access_log|error_log)' "$prefix/conf/nginx.conf" | sed "s|$prefix|\$PREFIX|g"
"$nginx" -p "$prefix" -c "$prefix/conf/nginx.conf" -t -q
"$nginx" -p "$prefix" -c "$prefix/conf/nginx.conf"
for _ in $(seq 100); do [ -s "$prefix/nginx.pid" ] && break; sleep 0.05; done
master=$(cat "$prefix/nginx.pid")
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/index.html" && break; sleep 0.05; done

echo
echo "== traffic: $normal normal requests beside $aborts clients giving up while the"
echo "   backend is slow (TCP RST, FIN and HTTP/2 stream cancels) from 127.0.0.2-127.0.0.9"
traffic_rc=0
# in the background so a TERM is handled at once (bash defers traps while a
# foreground child runs); cleanup ends it
"$traffic" --port "$port" --h2-port "$h2_port" --upstream-port "$upstream_port" \
    --normal "$normal" --aborts "$aborts" --kind mix --from 127.0.0.2-127.0.0.9 \
    --path /index.html --abort-path /slow --concurrency 16 --duration 60 &
traffic_pid=$!
wait "$traffic_pid" || traffic_rc=$?
traffic_pid=
echo
echo "== and $down requests to a backend that is down (server faults, never held back)"
for _ in $(seq "$down"); do
    curl -s -o /dev/null "http://127.0.0.1:$port/down" || true
done
# the last aborts are still being logged; status first, then stop nginx
sleep 0.5

echo
echo "== rstguard_status counters, the same in every worker (JSON at /rstguard_status;"
echo "   here ?format=prometheus, the lines that are not 0)"
metrics=$(curl -s "http://127.0.0.1:$port/rstguard_status?format=prometheus" || true)
grep -v '^#' <<< "$metrics" | grep -v ' 0$' | sed 's/^/  /' || true
held=$(grep 'outcome="suppressed"' <<< "$metrics" | awk '{ n += $NF } END { print n + 0 }')
# every abort line the error log was asked to write, held back or not
# (a line that met a busy zone passes uncounted, as "contended")
asked=$(grep 'log="error"' <<< "$metrics" \
    | grep -E 'outcome="(passed|suppressed)"|^rstguard_contended_total' \
    | awk '{ n += $NF } END { print n + 0 }')
stop

logs=$prefix/logs
# the log_format of config/demo.conf, its quoted pieces joined
log_format() {
    sed -n "/log_format rstguard/,/;/p" "$root/config/demo.conf" \
        | grep -o "'[^']*'" | tr -d "'" | tr -d '\n'
}
count() { if [ -f "$1" ]; then grep -c -- "${2:-}" "$1" || true; else echo 0; fi; }
echo
echo "== what nginx wrote"
printf '  %-34s %8s lines\n' \
    "access log, unlimited (reference)" "$(count "$logs/access-unlimited.log")" \
    "access log, if=\$rstguard_log"     "$(count "$logs/access.log")" \
    "  of which 499"                    "$(count "$logs/access.log" '" 499 ')" \
    "  of which 200"                    "$(count "$logs/access.log" '" 200 ')" \
    "  of which 502"                    "$(count "$logs/access.log" '" 502 ')" \
    "error log"                         "$(count "$logs/error.log")" \
    "  client-abort lines, unfiltered"  "$asked" \
    "  client-abort lines"              "$(grep -v 'rstguard: log=' "$logs/error.log" | grep -cE 'epoll_wait\(\) reported|client canceled stream' || true)" \
    "  upstream connect() failed (111)"  "$(count "$logs/error.log" 'connect() failed (111')" \
    "  rstguard summary lines"          "$(count "$logs/error.log" 'rstguard: log=')"
echo
echo "== rstguard summary lines (first 5)"
summaries=$(grep -- 'rstguard: log=' "$logs/error.log" || true)
if [ -n "$summaries" ]; then
    # a here-string, not a pipe: head closing early must not fail the demo
    head -5 <<< "$summaries" | sed 's/^/  /'
    echo "  ... $(wc -l <<< "$summaries") summary lines account for" \
         "$(grep -o 'suppressed=[0-9]*' <<< "$summaries" | awk -F= '{ n += $2 } END { print n + 0 }')" \
         "lines held back; rstguard_status said $held"
else
    echo "  (none)"
fi

echo
echo "== rstscan over the logs an operator would have (access.log, error.log): the"
echo "   summary lines let it count what rstguard held back"
# the demo's log_format, so rstscan reads the access log as nginx's
"$build/rstscan" --top 3 --log-format "$(log_format)" "$logs/access.log" "$logs/error.log"
echo
echo "== rstscan over the sample logs in tests/data/samples"
shopt -s nullglob
samples=("$root"/tests/data/samples/*)
if [ ${#samples[@]} -gt 0 ]; then
    "$build/rstscan" --top 3 "${samples[@]}"
else
    echo "  (no samples yet)"
fi
echo
if [ "$traffic_rc" -ne 0 ]; then
    echo "demo: rgt_traffic reported failures (exit $traffic_rc)" >&2
    exit 1
fi
echo "demo done; nothing left running"
