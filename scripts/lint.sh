#!/usr/bin/env bash
# lint.sh - the style rules nobody should have to remember:
# layering (core/ never includes nginx, analyzer/ never includes the module,
# analyzer/'s folders include only earlier stages),
# banned functions, long lines, tabs, trailing spaces, // comments in module/.
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
report() { echo "lint: $1"; fail=1; }

c_files() { git ls-files --cached --others --exclude-standard -- "$@" | grep -E '\.[ch]$' || true; }

# layering
while IFS= read -r hit; do report "$hit: core/ must not include an nginx header"; done \
    < <(grep -nE '^\s*#\s*include\s*[<"]ngx_' $(c_files core) /dev/null | cut -d: -f1,2)
while IFS= read -r hit; do report "$hit: analyzer/ must not include a module file"; done \
    < <(grep -nE '^\s*#\s*include\s*[<"](ngx_|.*module/)' $(c_files analyzer) /dev/null | cut -d: -f1,2)

# layering inside analyzer/: a folder includes its own headers and those of
# the folders before it in the Makefile's AN_DIRS (the pipeline's order)
an_dirs=$(sed -n '/^AN_DIRS/,/[^\\]$/p' Makefile | sed 's/^AN_DIRS *:= *//; s/\\//g')
declare -A an_rank an_home
i=0
for d in $an_dirs; do an_rank[$d]=$i; i=$((i + 1)); done
for h in $(c_files analyzer | grep '\.h$'); do an_home[$(basename "$h")]=$(basename "$(dirname "$h")"); done
while IFS= read -r hit; do report "$hit"; done < <(
    for f in $(c_files analyzer); do
        d=$(basename "$(dirname "$f")")
        if [ "$d" = analyzer ]; then
            echo "$f: in no stage folder (AN_DIRS, analyzer/README.md)"
            continue
        fi
        [ -n "${an_rank[$d]:-}" ] || { echo "$f: $d/ is not in AN_DIRS"; continue; }
        grep -nE '^\s*#\s*include\s*"' "$f" | while IFS=: read -r n line; do
            h=$(sed -E 's/.*"(.*)".*/\1/' <<< "$line")
            hd=${an_home[$h]:-}
            if [ -n "$hd" ] && [ "${an_rank[$hd]}" -gt "${an_rank[$d]}" ]; then
                echo "$f:$n: includes $hd/$h, a later stage than $d/"
            fi
        done
    done)

# banned functions (unbounded or unchecked): sprintf strcpy strcat atoi atol strtok gets
while IFS= read -r hit; do report "$hit: banned function"; done \
    < <(grep -nE '(^|[^_[:alnum:]])(sprintf|vsprintf|strcpy|strcat|atoi|atol|strtok|gets)\s*\(' \
            $(c_files core analyzer module) /dev/null | grep -vE ':\s*(/?\*|//)' | cut -d: -f1,2)

# whitespace
while IFS= read -r hit; do report "$hit: trailing white space"; done \
    < <(grep -nE '[[:space:]]+$' $(c_files core analyzer module tests bench) /dev/null | cut -d: -f1,2)
while IFS= read -r hit; do report "$hit: tab (indent with spaces)"; done \
    < <(grep -nP '\t' $(c_files core analyzer module) /dev/null | cut -d: -f1,2)

# nginx conventions in module/: 80 columns, no // comments
while IFS= read -r hit; do report "$hit: longer than 80 columns"; done \
    < <(awk 'length($0) > 80 { print FILENAME ":" FNR }' $(c_files module) /dev/null)
while IFS= read -r hit; do report "$hit: // comment in module code"; done \
    < <(grep -nE '^\s*//|;\s*//' $(c_files module) /dev/null | cut -d: -f1,2)

if [ $fail -eq 0 ]; then
    echo "lint: clean ($(c_files core analyzer module tests bench | wc -l) files)"
fi
exit $fail
