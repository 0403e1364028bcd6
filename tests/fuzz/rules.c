/*
 * rules.c - fuzzes the rule-file loader (rg_ruleset_add_buffer: libyaml,
 * validation, PCRE2 compilation), then rg_ruleset_compile and one match
 * per format with whatever rules the input defined.
 *
 * A bad file must fail with "fuzz.yaml:LINE:COLUMN: ..." (or at least name
 * the file), never crash, leak or hang; a good one must compile and match
 * within the engine's limits.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rg_rules.h"

static const char  fuzz_line[] =
    "recv() failed (104: Connection reset by peer) while sending to client";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int          f;
    size_t       i;
    uint64_t     total;
    rg_error     err;
    rg_fields    fields;
    rg_ruleset  *rs;
    rg_matcher  *m;

    rs = rg_ruleset_create();
    if (rs == NULL) {
        abort();
    }

    memset(&err, 0, sizeof(err));

    if (rg_ruleset_add_buffer(rs, "fuzz.yaml", (const char *) data, size,
                              &err) != 0)
    {
        if (strncmp(err.msg, "fuzz.yaml", 9) != 0) {
            abort();        /* an error must name the file */
        }
        rg_ruleset_destroy(rs);
        return 0;
    }

    if (rg_ruleset_compile(rs, &err) != 0) {
        if (err.msg[0] == '\0') {
            abort();        /* a failure must say why */
        }
        rg_ruleset_destroy(rs);
        return 0;
    }

    m = rg_matcher_create(rs);
    if (m == NULL) {
        abort();
    }

    for (f = 0; f < RG_FIELD_COUNT; f++) {
        fields.f[f].p = fuzz_line;
        fields.f[f].len = sizeof(fuzz_line) - 1;
    }

    for (f = 0; f < RG_FORMAT_COUNT; f++) {
        const rg_rule  *rule = rg_match(m, (rg_format) f, &fields);

        if (rule != NULL && rg_rule_format(rule) != (rg_format) f) {
            abort();        /* a rule answered for another format */
        }
        if (rule != NULL && rg_class_name(rg_rule_class(rule)) == NULL) {
            abort();
        }
    }

    /* every limit hit is some rule's: reports name them */
    total = 0;
    for (i = 0; i < rg_ruleset_count(rs); i++) {
        total += rg_matcher_rule_limit_hits(m, i);
    }
    if (total != rg_matcher_limit_hits(m)) {
        abort();
    }

    rg_matcher_destroy(m);
    rg_ruleset_destroy(rs);

    return 0;
}
