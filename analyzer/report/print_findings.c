/*
 * print_findings.c - the findings section of the terminal report: each
 * finding's kind and class, cause, evidence, advice and the numbers it was
 * decided on (as the --json report writes them).
 */

#include <stdlib.h>

#include "print.h"


void
rs_print_findings_text(const rs_finding_list *l, FILE *out)
{
    size_t             i;
    const rs_finding  *fd;
    json_t            *json;
    char              *numbers, cause[1024], evidence[4096];

    if (l == NULL || l->n == 0) {
        return;
    }

    fprintf(out, "\nfindings\n");

    for (i = 0; i < l->n; i++) {
        fd = &l->v[i];
        json = rs_json_numbers(l, fd);
        numbers = json ? json_dumps(json, JSON_COMPACT | JSON_PRESERVE_ORDER
                                          | JSON_REAL_PRECISION(6))
                       : NULL;
        json_decref(json);

        fprintf(out, "  %s (%s): %s\n    evidence: %s\n    advice:   %s\n"
                "    numbers:  %s\n", rs_finding_name(fd->kind),
                rg_class_name(fd->cls),
                rs_print_safe(fd->cause, cause, sizeof(cause)),
                rs_print_safe(fd->evidence, evidence, sizeof(evidence)),
                fd->advice, numbers ? numbers : "{}");

        free(numbers);
    }
}
