/*
 * summary.c - fuzzes the rstguard summary-line parser (core/rg_summary.c),
 * which decides what rstscan adds back as "suppressed", and the escaping
 * the module writes summaries and filtered lines with (core/rg_escape.c).
 *
 * Oracles beyond "no crash": a line the parser accepts must be exactly
 * what rg_summary_format writes for the values it parsed (so nothing but
 * the module's own grammar is ever accepted), and a line-escaped text must
 * hold no CR or LF.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rg_escape.h"
#include "rg_summary.h"

#define FUZZ_SUMMARY_MAX  8192

static void
fuzz_roundtrip(const char *msg, size_t len, const rg_summary *parsed)
{
    static char  key[FUZZ_SUMMARY_MAX], sample[FUZZ_SUMMARY_MAX];
    static char  out[FUZZ_SUMMARY_MAX * 4 + 512];
    rg_summary   raw = *parsed;
    size_t       n;

    n = rg_summary_unescape(&parsed->key, key, sizeof(key));
    if (n == (size_t) -1) {
        abort();            /* accepted, yet not validly escaped */
    }
    raw.key.p = key;
    raw.key.len = n;

    n = rg_summary_unescape(&parsed->sample, sample, sizeof(sample));
    if (n == (size_t) -1) {
        abort();
    }
    raw.sample.p = sample;
    raw.sample.len = n;

    n = rg_summary_format(out, sizeof(out), &raw);
    if (n != len || memcmp(out, msg, len) != 0) {
        abort();            /* accepted what the module never writes */
    }
}

/* the same oracle for the alert line: accepted means written back whole */
static void
fuzz_alert_roundtrip(const char *msg, size_t len, const rg_alert *parsed)
{
    static char  key[FUZZ_SUMMARY_MAX], ups[FUZZ_SUMMARY_MAX];
    static char  sample[FUZZ_SUMMARY_MAX];
    static char  out[FUZZ_SUMMARY_MAX * 4 + 512];
    rg_alert     raw = *parsed;
    size_t       n;

    n = rg_summary_unescape(&parsed->top_key, key, sizeof(key));
    if (n == (size_t) -1) {
        abort();
    }
    raw.top_key.p = key;
    raw.top_key.len = n;

    n = rg_summary_unescape(&parsed->top_upstream, ups, sizeof(ups));
    if (n == (size_t) -1) {
        abort();
    }
    raw.top_upstream.p = ups;
    raw.top_upstream.len = n;

    n = rg_summary_unescape(&parsed->sample, sample, sizeof(sample));
    if (n == (size_t) -1) {
        abort();
    }
    raw.sample.p = sample;
    raw.sample.len = n;

    n = rg_alert_format(out, sizeof(out), &raw);
    if (n != len || memcmp(out, msg, len) != 0) {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char  esc[FUZZ_SUMMARY_MAX * RG_ESCAPE_MAX_GROWTH];
    char        *line;
    int          level;
    size_t       n, c;
    rg_summary   s;
    rg_alert     a;

    if (size > FUZZ_SUMMARY_MAX) {
        return 0;
    }

    line = malloc(size ? size : 1);
    if (line == NULL) {
        abort();
    }
    memcpy(line, data, size);

    if (rg_summary_parse(line, size, &s) == 0) {
        fuzz_roundtrip(line, size, &s);
    }

    if (rg_alert_parse(line, size, &a) == 0) {
        fuzz_alert_roundtrip(line, size, &a);
    }

    if (rg_summary_parse_line(line, size, &s, &level) == 0) {
        if (level < 0 || level > 8) {
            abort();
        }
        if (s.key.p < line || s.sample.p + s.sample.len > line + size) {
            abort();
        }
    }

    /* the filter's escaping: no line break survives, only the counted
       bytes change, each into at most RG_ESCAPE_MAX_GROWTH bytes */
    n = rg_escape_line(line, size, esc, sizeof(esc));
    c = rg_escape_line_count(line, size);
    if (n == (size_t) -1 || memchr(esc, '\n', n) != NULL
        || memchr(esc, '\r', n) != NULL
        || (c == 0 && (n != size || memcmp(esc, line, size) != 0))
        || (c > 0 && (n <= size || n > size + c * (RG_ESCAPE_MAX_GROWTH - 1))))
    {
        abort();
    }

    free(line);

    return 0;
}
