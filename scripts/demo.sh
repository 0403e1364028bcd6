#!/usr/bin/env bash
# demo.sh - the main job end to end: the stock nginx with rstguard on
# loopback, real client aborts beside normal requests, then rstscan over
# the logs nginx wrote and over the sample logs shipped in tests/data/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
nginx=${RSTGUARD_NGINX:-/usr/sbin/nginx}
prefix=$(mktemp -d "${TMPDIR:-/tmp}/rstguard-demo.XXXXXX")
chmod 0755 "$prefix"
mkdir -p "$prefix"/{logs,html,tmp,conf}
chmod 0755 "$prefix"/{logs,html,tmp,conf}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
        || echo $((20000 + RANDOM % 20000))
}
port=$(free_port)
upstream_port=$(free_port)
while [ "$upstream_port" = "$port" ]; do upstream_port=$(free_port); done

sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$port|g" \
    -e "s|@UPSTREAM_PORT@|$upstream_port|g" \
    -e "s|@MODULE@|$build/ngx_http_rstguard_module.so|g" \
    "$root/config/demo.conf" > "$prefix/conf/nginx.conf"
head -c 2000000 /dev/zero | tr '\0' 'x' > "$prefix/html/big.bin"
echo "hello" > "$prefix/html/index.html"
chmod 0644 "$prefix/html/"*

stop() {
    if [ -f "$prefix/nginx.pid" ]; then
        kill -QUIT "$(cat "$prefix/nginx.pid")" 2>/dev/null || true
        for _ in $(seq 100); do [ -f "$prefix/nginx.pid" ] || break; sleep 0.05; done
    fi
}
trap 'stop; [ -n "${RSTGUARD_DEMO_KEEP:-}" ] || rm -rf "$prefix"' EXIT

echo "== nginx $("$nginx" -v 2>&1 | sed 's|.*/||') with ngx_http_rstguard_module on 127.0.0.1:$port"
"$nginx" -p "$prefix" -c "$prefix/conf/nginx.conf" -t -q
"$nginx" -p "$prefix" -c "$prefix/conf/nginx.conf"
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/index.html" && break; sleep 0.05; done

echo "== traffic: 20 normal requests, 10 clients giving up while the backend is slow"
for i in $(seq 20); do curl -s -o /dev/null "http://127.0.0.1:$port/index.html"; done
for i in $(seq 10); do
    curl -s -o /dev/null --max-time 0.3 "http://127.0.0.1:$port/app/big.bin" || true
done
sleep 0.5
stop

echo
echo "== rstscan over the logs nginx wrote"
"$build/rstscan" "$prefix/logs/access.log" "$prefix/logs/error.log"
echo
echo "== rstscan over the sample logs in tests/data/samples"
shopt -s nullglob
samples=("$root"/tests/data/samples/*)
if [ ${#samples[@]} -gt 0 ]; then
    "$build/rstscan" "${samples[@]}"
fi
echo
echo "demo done; nothing left running"
