/*
 * print_findings.c - the findings section of the terminal report: each
 * finding's kind and class, cause, evidence, advice and the numbers it was
 * decided on (the same JSON the --json report carries).
 */

#include <stdlib.h>

#include "print.h"


void
rs_print_findings_text(const json_t *findings, FILE *out)
{
    size_t   i;
    json_t  *f;
    char    *numbers, cause[1024], evidence[4096];

    if (findings == NULL || json_array_size(findings) == 0) {
        return;
    }

    fprintf(out, "\nfindings\n");

    json_array_foreach(findings, i, f) {
        numbers = json_dumps(json_object_get(f, "numbers"),
                             JSON_COMPACT | JSON_PRESERVE_ORDER
                             | JSON_REAL_PRECISION(6));

        fprintf(out, "  %s (%s): %s\n    evidence: %s\n    advice:   %s\n"
                "    numbers:  %s\n",
                json_string_value(json_object_get(f, "kind")),
                json_string_value(json_object_get(f, "class")),
                rs_print_safe(json_string_value(json_object_get(f, "cause")),
                              cause, sizeof(cause)),
                rs_print_safe(json_string_value(json_object_get(f,
                              "evidence")), evidence, sizeof(evidence)),
                json_string_value(json_object_get(f, "advice")),
                numbers ? numbers : "{}");

        free(numbers);
    }
}
