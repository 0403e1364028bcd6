/*
 * print_json_findings.c - the JSON printer's part for the findings
 * (finding.h): the `findings` and `truncations` members of the --json
 * report, and a finding's `numbers`, which the text and HTML reports show
 * as JSON too.  The one place a finding becomes JSON.
 */

#include <math.h>
#include <string.h>

#include "partial.h"
#include "print.h"


static json_t *rs_json_time(const rs_ts *ts);
static json_t *rs_json_real_or_null(double x);
static json_t *rs_json_peaks(const rs_finding *fd);
static json_t *rs_json_signatures(const rs_finding *fd);


/* "2026-11-21T10:05" (with "+01:00" when the log gave an offset), or null */
static json_t *
rs_json_time(const rs_ts *ts)
{
    char  buf[48];

    return ts->valid ? json_string(rs_time_format(ts, 0, buf, sizeof(buf)))
                     : json_null();
}


static json_t *
rs_json_real_or_null(double x)
{
    return isnan(x) ? json_null() : json_real(x);
}


static json_t *
rs_json_peaks(const rs_finding *fd)
{
    json_t            *arr = json_array();
    const rs_fd_peak  *pk;
    size_t             i;

    for (i = 0; arr != NULL && i < fd->u.overload.npeaks; i++) {
        pk = &fd->u.overload.peak[i];
        json_array_append_new(arr, json_pack("{s:o,s:I,s:I,s:o}",
            "minute", rs_json_time(&pk->minute),
            "requests", (json_int_t) pk->requests,
            "aborts", (json_int_t) pk->aborts,
            "upstream_response_s",
                rs_json_real_or_null(pk->upstream_response_s)));
    }

    return arr;
}


static json_t *
rs_json_signatures(const rs_finding *fd)
{
    json_t                 *arr = json_array();
    const rs_fd_signature  *sg;
    size_t                  i;

    for (i = 0; arr != NULL && i < fd->u.bloat.nsigs; i++) {
        sg = &fd->u.bloat.sig[i];
        json_array_append_new(arr, json_pack("{s:o,s:I,s:I,s:I}",
            "signature", rs_json_bytes(sg->signature, strlen(sg->signature)),
            "records", (json_int_t) sg->records,
            "lines", (json_int_t) sg->lines,
            "bytes", (json_int_t) sg->bytes));
    }

    return arr;
}


json_t *
rs_json_truncations(const rs_finding_list *l)
{
    json_t               *arr = json_array();
    const rs_truncation  *t;
    size_t                i;

    for (i = 0; arr != NULL && l != NULL && i < l->ntrunc; i++) {
        t = &l->trunc[i];

        if (json_array_append_new(arr, json_pack("{s:o,s:I,s:[I],s:I,s:s}",
                "uri", rs_json_bytes(t->uri, strlen(t->uri)),
                "count", (json_int_t) t->count,
                "sizes", (json_int_t) t->size,
                "largest", (json_int_t) t->largest,
                "evidence", t->evidence)) != 0)
        {
            json_decref(arr);
            return NULL;
        }
    }

    return arr;
}


json_t *
rs_json_numbers(const rs_finding_list *l, const rs_finding *fd)
{
    switch (fd->kind) {

    case RS_FD_USER_NAVIGATION:
        return json_pack("{s:I,s:I,s:f,s:o,s:o}",
            "aborts", (json_int_t) fd->u.nav.aborts,
            "clients", (json_int_t) fd->u.nav.clients,
            "top_client_share", fd->u.nav.top_client_share,
            "median_request_s", rs_json_real_or_null(fd->u.nav.median_request_s),
            "browser_share", rs_json_real_or_null(fd->u.nav.browser_share));

    case RS_FD_OVERLOAD:
        return json_pack("{s:I,s:I,s:f,s:f,s:o}",
            "minutes", (json_int_t) fd->u.overload.minutes,
            "aborts", (json_int_t) fd->u.overload.aborts,
            "r_request_rate", fd->u.overload.r_request_rate,
            "r_upstream_time", fd->u.overload.r_upstream_time,
            "peak_minutes", rs_json_peaks(fd));

    case RS_FD_ABORT_STORM:
        return json_pack("{s:I,s:f,s:I,s:s,s:I,s:o,s:o}",
            "alerts", (json_int_t) fd->u.storm.alerts,
            "max_rate", fd->u.storm.max_rate,
            "limit", (json_int_t) fd->u.storm.limit,
            "limit_unit", fd->u.storm.unit == 'm' ? "r/m" : "r/s",
            "window_s", (json_int_t) fd->u.storm.window_s,
            "first", rs_json_time(&fd->u.storm.first),
            "last", rs_json_time(&fd->u.storm.last));

    case RS_FD_IDLE_TIMEOUT:
        return json_pack("{s:s,s:f,s:I,s:I,s:f}",
            "field", fd->u.idle.field,
            "value_s", fd->u.idle.value_s,
            "records", (json_int_t) fd->u.idle.records,
            "timed", (json_int_t) fd->u.idle.timed,
            "share", fd->u.idle.share);

    case RS_FD_BUFFER_CUT:
        return json_pack("{s:I,s:o}", "uris", (json_int_t) fd->u.cut.uris,
                         "truncations", rs_json_truncations(l));

    case RS_FD_BUFFER_RECORDS:
        return json_pack("{s:I}",
                         "records", (json_int_t) fd->u.records.records);

    case RS_FD_BUFFER_SHORT:
        return json_pack("{s:I,s:I}",
            "records", (json_int_t) fd->u.records.records,
            "missing_bytes", (json_int_t) fd->u.records.missing_bytes);

    case RS_FD_LOG_BLOAT:
        return json_pack("{s:I,s:I,s:I,s:f,s:o}",
            "records", (json_int_t) fd->u.bloat.records,
            "abort_bytes", (json_int_t) fd->u.bloat.abort_bytes,
            "total_bytes", (json_int_t) fd->u.bloat.total_bytes,
            "share", fd->u.bloat.share,
            "stack_traces", rs_json_signatures(fd));

    default:
        return json_pack("{s:I,s:o,s:o}",
            "records", (json_int_t) fd->u.local.records,
            "first", rs_json_time(&fd->u.local.first),
            "last", rs_json_time(&fd->u.local.last));
    }
}


json_t *
rs_json_findings(const rs_finding_list *l)
{
    json_t            *arr = json_array();
    const rs_finding  *fd;
    size_t             i;

    for (i = 0; arr != NULL && l != NULL && i < l->n; i++) {
        fd = &l->v[i];

        /* cause and evidence quote log text, which need not be UTF-8 */
        if (json_array_append_new(arr, json_pack("{s:s,s:s,s:o,s:s,s:o,s:o}",
                "kind", rs_finding_name(fd->kind),
                "class", rg_class_name(fd->cls),
                "cause", rs_json_bytes(fd->cause, strlen(fd->cause)),
                "advice", fd->advice,
                "evidence", rs_json_bytes(fd->evidence, strlen(fd->evidence)),
                "numbers", rs_json_numbers(l, fd))) != 0)
        {
            json_decref(arr);
            return NULL;
        }
    }

    return arr;
}
