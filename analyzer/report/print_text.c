/*
 * print_text.c - the terminal report.
 */

#include <inttypes.h>
#include <string.h>

#include "print.h"

/* classes the timeline shows side by side */
#define RS_TEXT_TIMELINE_CLASSES  3


static void rs_text_files(const rs_agg *a, FILE *out);
static void rs_text_classes(const rs_report *rep, FILE *out);
static void rs_text_headline(const rs_report *rep, FILE *out);
static void rs_text_tops(const rs_report *rep, FILE *out);
static void rs_text_timeline(const rs_report *rep, FILE *out);
static void rs_text_bursts(const rs_report *rep, const rs_report_opts *o,
    FILE *out);
static const char *rs_size(uint64_t bytes, char *buf, size_t size);


static const char *
rs_size(uint64_t bytes, char *buf, size_t size)
{
    static const char  *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    double              v = (double) bytes;
    int                 u = 0;

    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }

    snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
    return buf;
}


static void
rs_text_files(const rs_agg *a, FILE *out)
{
    size_t  i;
    char    sz[32];

    fprintf(out, "rstscan: %zu file%s, %" PRIu64 " lines, %s (%" PRIu64
            " bytes)\n", a->nfiles, a->nfiles == 1 ? "" : "s", a->lines,
            rs_size(a->bytes, sz, sizeof(sz)), a->bytes);

    for (i = 0; i < a->nfiles; i++) {
        const rs_file  *f = &a->files[i];

        fprintf(out, "  %s: %s%s, %" PRIu64 " lines, %" PRIu64 " bytes, %"
                PRIu64 " unparsed%s%s\n", f->path,
                f->format ? f->format : "-", f->detected ? " (auto)" : "",
                f->lines, f->bytes, f->unparsed, f->error ? "; error: " : "",
                f->error ? f->error : "");

        /* the layout nginx's configuration gave it, said once */
        if (f->layout_src != NULL) {
            fprintf(out, "    read as nginx writes it: %s\n", f->layout_src);
        }
    }

    fprintf(out, "unparsed lines: %" PRIu64 ", limit hits: %" PRIu64 "\n",
            a->unparsed, a->limit_hits);

    for (i = 0; i < a->nlimit_rules; i++) {
        fprintf(out, "  rule %s hit PCRE2's limits on %" PRIu64 " line%s\n",
                a->limit_rules[i].id, a->limit_rules[i].hits,
                a->limit_rules[i].hits == 1 ? "" : "s");
    }
}


static void
rs_text_classes(const rs_report *rep, FILE *out)
{
    size_t  i;

    if (rep->nclasses == 0) {
        size_t  unread = 0;

        for (i = 0; i < rep->agg->nfiles; i++) {
            unread += rep->agg->files[i].unreadable != 0;
        }

        /* a file no parser read is not clean: never "no aborts" alone */
        if (unread > 0) {
            fprintf(out, "\nno aborts found in the files read; %zu file%s"
                    " no parser could read (above)\n", unread,
                    unread == 1 ? "" : "s");
        } else {
            fprintf(out, "\nno aborts found\n");
        }
        return;
    }

    fprintf(out, "\n%-16s %-8s %12s %12s %14s %8s\n", "class", "side",
            "count", "suppressed", "bytes", "share");

    for (i = 0; i < rep->nclasses; i++) {
        const rs_class_report  *c = &rep->classes[i];

        fprintf(out, "%-16s %-8s %12" PRIu64 " %12" PRIu64 " %14" PRIu64
                " %7.2f%%\n", rg_class_name(c->cls),
                rg_side_name(rg_class_side(c->cls)), c->sum.count,
                c->sum.suppressed, c->sum.bytes, c->share * 100.0);
    }

    fprintf(out, "%-16s %-8s %12s %12s %14" PRIu64 " %7.2f%%\n", "all", "",
            "", "", rep->abort_bytes,
            rep->agg->bytes ? 100.0 * (double) rep->abort_bytes
                              / (double) rep->agg->bytes : 0.0);

    rs_text_headline(rep, out);
}


/*
 * One abort of a server shows in its access log and in its error log
 * (a 499 and "client prematurely closed connection"): where a class has
 * records of both kinds of log, the headline counts it once, by the
 * access log's count (every request has its line there; the error log
 * may leave client aborts out by its level).  Printed only then, so a
 * report of one kind of log is unchanged.
 */
static void
rs_text_headline(const rs_report *rep, FILE *out)
{
    size_t    i;
    uint64_t  aborts = 0, lines = 0;
    int       both = 0;
    char      names[512];
    size_t    len = 0;

    names[0] = '\0';

    for (i = 0; i < rep->nclasses; i++) {
        const rs_class_sum  *s = &rep->classes[i].sum;

        lines += s->count;

        if (s->by_log[RS_LOG_ACCESS] == 0 || s->by_log[RS_LOG_ERROR] == 0) {
            aborts += s->count;
            continue;
        }

        aborts += s->by_log[RS_LOG_ACCESS];

        if (len < sizeof(names)) {
            len += (size_t) snprintf(names + len, sizeof(names) - len,
                                     "%s%s", both ? ", " : "",
                                     rg_class_name(rep->classes[i].cls));
        }

        both++;
    }

    if (both == 0) {
        return;
    }

    fprintf(out, "aborts: %" PRIu64 " (%" PRIu64 " records: %s %s in both"
            " the access and the error logs, so each abort there is counted"
            " once, by the access log)\n", aborts, lines, names,
            both == 1 ? "is" : "are");
}


static void
rs_text_tops(const rs_report *rep, FILE *out)
{
    static const char  *label[RS_DIM_COUNT] = {
        "top clients", "top URIs", "top upstreams"
    };
    size_t              i, j;
    int                 d;
    char                key[1024];

    for (i = 0; i < rep->nclasses; i++) {
        const rs_class_report  *c = &rep->classes[i];

        for (d = 0; d < RS_DIM_COUNT; d++) {
            if (c->ntop[d] == 0) {
                continue;
            }

            fprintf(out, "\n%s, %s:\n", rg_class_name(c->cls), label[d]);
            for (j = 0; j < c->ntop[d]; j++) {
                fprintf(out, "  %12" PRIu64 "  %s\n", c->top[d][j].count,
                        rs_print_safe(c->top[d][j].key, key, sizeof(key)));
            }
        }
    }

    if (rep->keys_approximate) {
        fprintf(out, "\ntop lists are approximate: more than %d distinct"
                " keys; counts may be up to %" PRIu64 " low\n",
                RS_KEYS_EXACT, rs_report_key_error(rep));
    }
}


/*
 * The busiest classes side by side, one row per minute that has any of
 * them.  The classes' series are sorted, so this is a k-way merge.
 */
static void
rs_text_timeline(const rs_report *rep, FILE *out)
{
    rg_class  cls[RG_CLASS_COUNT], t;
    size_t    pos[RS_TEXT_TIMELINE_CLASSES] = { 0 }, n = 0, i, j;
    int64_t   next;
    char      buf[64];

    for (i = 0; i < rep->nclasses; i++) {
        if (rep->ntimeline[rep->classes[i].cls] > 0) {
            cls[n++] = rep->classes[i].cls;
        }
    }

    /* the classes with the most records first (n is at most 15) */
    for (i = 0; i < n; i++) {
        for (j = i + 1; j < n; j++) {
            if (rep->agg->cls[cls[j]].count > rep->agg->cls[cls[i]].count) {
                t = cls[i];
                cls[i] = cls[j];
                cls[j] = t;
            }
        }
    }

    if (n > RS_TEXT_TIMELINE_CLASSES) {
        n = RS_TEXT_TIMELINE_CLASSES;
    }

    if (n == 0) {
        return;
    }

    fprintf(out, "\ntimeline, per minute:\n  %-22s", "minute");
    for (i = 0; i < n; i++) {
        fprintf(out, " %16s", rg_class_name(cls[i]));
    }
    fputc('\n', out);

    for ( ;; ) {
        const rs_point  *first = NULL;

        for (next = INT64_MAX, i = 0; i < n; i++) {
            if (pos[i] < rep->ntimeline[cls[i]]
                && rep->timeline[cls[i]][pos[i]].minute.sec < next)
            {
                first = &rep->timeline[cls[i]][pos[i]];
                next = first->minute.sec;
            }
        }

        if (first == NULL) {
            break;
        }

        fprintf(out, "  %-22s", rs_time_format(&first->minute, 0, buf,
                                               sizeof(buf)));
        for (i = 0; i < n; i++) {
            uint64_t  v = 0;

            if (pos[i] < rep->ntimeline[cls[i]]
                && rep->timeline[cls[i]][pos[i]].minute.sec == next)
            {
                v = rep->timeline[cls[i]][pos[i]++].count;
            }
            fprintf(out, " %16" PRIu64, v);
        }
        fputc('\n', out);
    }
}


static void
rs_text_bursts(const rs_report *rep, const rs_report_opts *o, FILE *out)
{
    size_t  i;
    char    a[64], b[64], key[1024];

    if (rep->nbursts == 0) {
        return;
    }

    fprintf(out, "\nbursts (one client, at least %" PRIu64 " records of a"
            " class within %" PRId64 "s):\n", o->burst_n, o->burst_seconds);

    for (i = 0; i < rep->nbursts; i++) {
        const rs_burst  *bu = &rep->bursts[i];

        fprintf(out, "  %-16s %-24s %s .. %s  %" PRIu64 "\n",
                rg_class_name(bu->cls),
                rs_print_safe(bu->key, key, sizeof(key)),
                rs_time_format(&bu->start, 1, a, sizeof(a)),
                rs_time_format(&bu->end, 1, b, sizeof(b)), bu->count);
    }
}


int
rs_print_text(const rs_report *rep, const rs_report_opts *o, FILE *out)
{
    rs_text_files(rep->agg, out);
    rs_text_classes(rep, out);
    rs_text_tops(rep, out);
    rs_text_timeline(rep, out);
    rs_text_bursts(rep, o, out);
    rs_print_findings_text(rep->findings, out);

    return ferror(out) ? -1 : 0;
}


const char *
rs_print_safe(const char *s, char *buf, size_t size)
{
    size_t  i;

    for (i = 0; s != NULL && s[i] != '\0' && i + 1 < size; i++) {
        buf[i] = (unsigned char) s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    }
    buf[i] = '\0';

    return buf;
}
