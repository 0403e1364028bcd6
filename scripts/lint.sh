#!/usr/bin/env bash
# lint.sh - the style rules nobody should have to remember (STYLE.md):
# layering (core/ never includes nginx, analyzer/ never includes the module),
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
