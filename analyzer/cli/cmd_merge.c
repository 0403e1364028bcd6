/*
 * cmd_merge.c - `rstscan merge`'s inputs: the --partial documents into
 * the aggregate and the findings (see cmd.h); the report is
 * cmd_report.c's, as for a scan.
 */

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "partial.h"
#include "rotate.h"


/*
 * merge: every --partial document, in the order a direct run reads their
 * inputs: by the first input each holds, rotated sets oldest first
 * (rotate.h), others in the order given.  What the report keeps of the
 * first record seen (a finding's example line, the files' order) is then
 * what one direct run keeps, whatever the order the parts were given in.
 * Each document is read twice (for its first input, then to add it), so
 * only one is held at a time, as before.  2 when any failed.
 */
int
rs_cmd_merge_parts(rs_run *run, rs_agg *agg, rs_findings *findings)
{
    char          err[2048], why[1536];
    size_t        i, j, m, n = run->cli.nfiles;
    int           status = 0;
    json_t       *doc;
    char        **first;
    const char  **key, **order;

    first = calloc(n + 1, sizeof(char *));
    key = calloc(n + 1, sizeof(char *));
    order = calloc(n + 1, sizeof(char *));

    if (first == NULL || key == NULL || order == NULL) {
        fprintf(stderr, "rstscan: out of memory\n");
        status = 2;
        goto done;
    }

    for (i = 0; i < n; i++) {
        /* the keys are distinct pointers: each finds its part again */
        key[i] = run->cli.files[i];

        doc = rs_partial_load_file(run->cli.files[i], err, sizeof(err));
        if (doc == NULL) {
            /* said once, here; the part is left out below */
            fprintf(stderr, "rstscan: %s\n", err);
            status = 2;
            key[i] = NULL;
            continue;
        }

        if (rs_partial_first_path(doc) != NULL
            && (first[i] = strdup(rs_partial_first_path(doc))) != NULL)
        {
            key[i] = first[i];
        }
        json_decref(doc);
    }

    for (i = 0, m = 0; i < n; i++) {
        if (key[i] != NULL) {
            order[m++] = key[i];
        }
    }

    if (rs_rotate_order(order, m) != 0) {
        fprintf(stderr, "rstscan: out of memory\n");
        status = 2;
        goto done;
    }

    for (j = 0; j < m; j++) {
        for (i = 0; i < n && key[i] != order[j]; i++) {
            /* void */
        }

        if (i == n) {
            continue;
        }

        doc = rs_partial_load_file(run->cli.files[i], err, sizeof(err));
        if (doc == NULL) {
            /* it changed since the first read */
            fprintf(stderr, "rstscan: %s\n", err);
            status = 2;
            continue;
        }

        if (rs_partial_add(doc, agg, findings, why, sizeof(why)) != 0) {
            fprintf(stderr, "rstscan: %s: %s\n", run->cli.files[i], why);
            status = 2;
        }
        json_decref(doc);
    }

done:

    for (i = 0; first != NULL && i < n; i++) {
        free(first[i]);
    }

    free(first);
    free(key);
    free(order);

    return status;
}
