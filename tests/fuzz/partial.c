/*
 * partial.c - fuzzes `rstscan merge`'s reader: any JSON document is added
 * to an aggregate and a findings collector (partial.h), which must reject
 * or absorb it, then the report is built and the findings judged.
 */

#include <jansson.h>
#include <stdlib.h>

#include "fuzz.h"
#include "partial.h"
#include "report.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char             err[1024];
    json_t          *doc;
    rs_finding_list *out;
    rs_agg           agg;
    rs_report        rep;
    rs_findings     *f;
    rs_report_opts   o = { .top = 10, .burst_n = 10, .burst_seconds = 60 };

    doc = json_loadb((const char *) data, size, JSON_REJECT_DUPLICATES, NULL);
    if (doc == NULL) {
        return 0;
    }

    f = rs_findings_create();
    if (f == NULL) {
        abort();
    }

    rs_agg_init(&agg);

    if (rs_partial_add(doc, &agg, f, err, sizeof(err)) == 0) {
        if (rs_report_build(&rep, &agg, &o) == 0) {
            rs_report_free(&rep);
        }

        out = rs_findings_build(f, &agg);
        rs_finding_list_free(out);
    }

    rs_agg_free(&agg);
    rs_findings_free(f);
    json_decref(doc);

    return 0;
}
