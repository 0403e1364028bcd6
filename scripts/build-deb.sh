#!/usr/bin/env bash
# build-deb.sh OUTDIR - builds the Debian packages (debian/) from a copy of
# the tree in OUTDIR/rstguard-VERSION, so the checkout stays as it is, and
# leaves the .debs, .changes and .buildinfo in OUTDIR with lintian's
# verdict in OUTDIR/lintian.txt.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$1
version=$(cat "$root/VERSION")
src="$out/rstguard-$version"

mkdir -p "$out"
out=$(cd "$out" && pwd)
src="$out/rstguard-$version"
rm -rf "$src" "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo "$out/lintian.txt"
mkdir -p "$src"

# the tracked files and the new ones not ignored (never build/): the same
# set a fresh clone with the work in progress would have
(cd "$root" && git ls-files -z --cached --others --exclude-standard 2>/dev/null \
    | tar --null -cf - -T - 2>/dev/null) | tar -xf - -C "$src" \
    || (cd "$root" && tar --exclude=./build -cf - .) | tar -xf - -C "$src"

echo "dpkg-buildpackage in $src (log: $out/build.log)"
# two jobs: the machine this is built for has two cores
jobs=$(nproc); [ "$jobs" -le 2 ] || jobs=2
if ! (cd "$src" && dpkg-buildpackage -b -us -uc -j"$jobs") > "$out/build.log" 2>&1; then
    tail -n 40 "$out/build.log" >&2
    echo "build-deb: dpkg-buildpackage failed, see $out/build.log" >&2
    exit 1
fi
rm -rf "$src"

# lintian over the binary packages and the .changes/.buildinfo; the tags
# that remain are explained in debian/README.source or an overrides file
changes=$(ls "$out"/rstguard_"$version"_*.changes)
if command -v lintian >/dev/null; then
    # (its own remarks, such as running as root, go to stderr, not here)
    lintian --info --display-info --pedantic "$changes" > "$out/lintian.txt" \
        2> "$out/lintian.stderr" || true
    cat "$out/lintian.txt"
fi
ls -1 "$out"/*.deb
