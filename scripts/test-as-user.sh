#!/usr/bin/env bash
# test-as-user.sh SUITE... - when run as root, runs the given suites again as
# an ordinary user (nobody), so a test that only passes as root (temp paths
# under /var/lib/nginx, files only root can read) fails here.  The checkout
# may sit below a directory that user cannot enter (a 0700 mktemp -d, /root),
# so the tracked files and the built programs are staged in a 0755 copy.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
user=${RSTGUARD_TEST_USER:-nobody}

if [ "$(id -u)" -ne 0 ]; then
    exit 0                      # already an ordinary user: make check ran as one
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/rstguard-as-$user.XXXXXX")
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"

(cd "$root" && git ls-files -z --cached --others --exclude-standard 2>/dev/null | tar --null -cf - -T - 2>/dev/null) | tar -xf - -C "$stage" \
    || (cd "$root" && tar --exclude=./build -cf - .) | tar -xf - -C "$stage"
mkdir -p "$stage/build/tests"
find "$root/build" -maxdepth 1 -type f \( -name '*.so' -o -perm -u+x \) -exec cp -p {} "$stage/build/" \;
suites=()
for s in "$@"; do
    cp -p "$s" "$stage/build/tests/"
    suites+=("$stage/build/tests/$(basename "$s")")
done
chmod -R a+rX "$stage"

echo "=== again as user '$user' (uid $(id -u "$user"))"
# from the staged copy: the checkout's own directory may be one the user
# cannot enter, and a test's shell would start there
cd "$stage"
setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups \
    env HOME=/tmp TMPDIR=/tmp "$stage/scripts/run-tests.sh" "${suites[@]}"
