/*
 * html.c - the --html report (see html.h).  Every text that comes from a
 * log goes through rs_html_text(), which escapes the five HTML special
 * characters and replaces control bytes, so a hostile log line cannot add
 * markup to the page.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "print.h"
#include "timefmt.h"

#define RS_SVG_W      960
#define RS_SVG_H      300
#define RS_SVG_LEFT   56
#define RS_SVG_RIGHT  180
#define RS_SVG_TOP    16
#define RS_SVG_BOTTOM 40

/* one colour per class, in rg_class order (readable on white) */
static const char  *rs_colors[RG_CLASS_COUNT] = {
    "#1f77b4", "#d62728", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31",
    "#843c39", "#7b4173", "#3182bd"
};

static const char  *rs_dim_names[RS_DIM_COUNT] = {
    "clients", "URIs", "upstreams"
};


static void
rs_html_text(FILE *out, const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        unsigned char  c = (unsigned char) s[i];

        switch (c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:
            fputc(c < 0x20 || c == 0x7f ? '?' : c, out);
        }
    }
}


static void
rs_html_str(FILE *out, const char *s)
{
    if (s != NULL) {
        rs_html_text(out, s, strlen(s));
    }
}


static void
rs_html_head(FILE *out)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
          "<meta charset=\"utf-8\">\n<title>rstscan report</title>\n"
          "<style>\n"
          "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\n"
          "table{border-collapse:collapse;margin:.5em 0 1.5em}\n"
          "th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;"
          "vertical-align:top}\n"
          "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
          "th{background:#f3f3f3}\n"
          ".finding{border-left:4px solid #d62728;padding:.2em 1em;"
          "margin:1em 0;background:#fafafa}\n"
          "code{font-size:12px;word-break:break-all}\n"
          "svg text{font:11px system-ui,sans-serif}\n"
          "</style>\n</head>\n<body>\n<h1>rstscan report</h1>\n", out);
}


static void
rs_html_files(FILE *out, const rs_agg *a)
{
    size_t  i;

    fprintf(out, "<p>%" PRIu64 " lines, %" PRIu64 " bytes, %" PRIu64
            " unparsed, %" PRIu64 " limit hits.</p>\n"
            "<table id=\"files\">\n<tr><th>input</th><th>format</th>"
            "<th>lines</th><th>bytes</th><th>unparsed</th><th>error</th>"
            "</tr>\n", a->lines, a->bytes, a->unparsed, a->limit_hits);

    for (i = 0; i < a->nfiles; i++) {
        const rs_file  *f = &a->files[i];

        fputs("<tr><td>", out);
        rs_html_str(out, f->path);
        fputs("</td><td>", out);
        rs_html_str(out, f->format);
        fprintf(out, "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%"
                PRIu64 "</td><td class=\"n\">%" PRIu64 "</td><td>", f->lines,
                f->bytes, f->unparsed);
        rs_html_str(out, f->error);
        fputs("</td></tr>\n", out);
    }

    fputs("</table>\n", out);
}


static void
rs_html_classes(FILE *out, const rs_report *rep)
{
    size_t  i;

    fputs("<h2>Aborts by class</h2>\n<table id=\"classes\">\n<tr><th>class"
          "</th><th>side</th><th>count</th><th>suppressed</th><th>bytes</th>"
          "<th>share</th></tr>\n", out);

    for (i = 0; i < rep->nclasses; i++) {
        const rs_class_report  *c = &rep->classes[i];

        fprintf(out, "<tr><td><span style=\"color:%s\">&#9632;</span> %s"
                "</td><td>%s</td><td class=\"n\">%" PRIu64 "</td>"
                "<td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
                "</td><td class=\"n\">%.2f%%</td></tr>\n",
                rs_colors[c->cls], rg_class_name(c->cls),
                rg_side_name(rg_class_side(c->cls)), c->sum.count,
                c->sum.suppressed, c->sum.bytes, c->share * 100);
    }

    fputs("</table>\n", out);
}


/* Where a minute and a count fall in the chart. */
static void
rs_html_xy(int64_t sec, uint64_t count, int64_t lo, int64_t hi, uint64_t top,
    double *x, double *y)
{
    double  pw, ph;

    pw = RS_SVG_W - RS_SVG_LEFT - RS_SVG_RIGHT;
    ph = RS_SVG_H - RS_SVG_TOP - RS_SVG_BOTTOM;
    sec = sec < lo ? lo : sec > hi ? hi : sec;

    *x = RS_SVG_LEFT + (hi > lo ? (double) (sec - lo) / (double) (hi - lo)
                                  * pw : pw / 2);
    *y = RS_SVG_TOP + ph - (double) count / (double) top * ph;
}


static void
rs_html_point(FILE *out, int64_t sec, uint64_t count, int64_t lo, int64_t hi,
    uint64_t top)
{
    double  x, y;

    rs_html_xy(sec, count, lo, hi, top, &x, &y);
    fprintf(out, "%.1f,%.1f ", x, y);
}


/* The per-minute chart: one polyline per class over a shared time axis. */
static void
rs_html_chart(FILE *out, const rs_report *rep)
{
    int       c, n;
    size_t    i;
    int64_t   lo = INT64_MAX, hi = INT64_MIN;
    uint64_t  top = 0;
    char      t1[48], t2[48];
    rs_ts     first = { 0, 0, 0, 0 }, last = first;

    for (c = 0; c < RG_CLASS_COUNT; c++) {
        for (i = 0; i < rep->ntimeline[c]; i++) {
            const rs_point  *p = &rep->timeline[c][i];

            if (p->minute.sec < lo) {
                lo = p->minute.sec;
                first = p->minute;
            }
            if (p->minute.sec > hi) {
                hi = p->minute.sec;
                last = p->minute;
            }
            top = p->count > top ? p->count : top;
        }
    }

    fprintf(out, "<h2>Aborts per minute</h2>\n<svg id=\"timeline\""
            " xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
            " viewBox=\"0 0 %d %d\" role=\"img\">\n<title>aborts per minute"
            " by class</title>\n", RS_SVG_W, RS_SVG_H, RS_SVG_W, RS_SVG_H);

    if (top == 0) {
        fputs("<text x=\"20\" y=\"40\">no timed abort records</text>\n"
              "</svg>\n", out);
        return;
    }

    /* axes, the count scale and the first and last minute */
    fprintf(out, "<g class=\"axes\" stroke=\"#888\"><line x1=\"%d\" y1=\"%d\""
            " x2=\"%d\" y2=\"%d\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\""
            " y2=\"%d\"/></g>\n", RS_SVG_LEFT, RS_SVG_TOP, RS_SVG_LEFT,
            RS_SVG_H - RS_SVG_BOTTOM, RS_SVG_LEFT, RS_SVG_H - RS_SVG_BOTTOM,
            RS_SVG_W - RS_SVG_RIGHT, RS_SVG_H - RS_SVG_BOTTOM);
    fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%" PRIu64
            "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n",
            RS_SVG_LEFT - 4, RS_SVG_TOP + 10, top, RS_SVG_LEFT - 4,
            RS_SVG_H - RS_SVG_BOTTOM);
    fprintf(out, "<text x=\"%d\" y=\"%d\">%s</text><text x=\"%d\" y=\"%d\""
            " text-anchor=\"end\">%s</text>\n", RS_SVG_LEFT,
            RS_SVG_H - RS_SVG_BOTTOM + 16, rs_time_format(&first, 0, t1,
            sizeof(t1)), RS_SVG_W - RS_SVG_RIGHT,
            RS_SVG_H - RS_SVG_BOTTOM + 16, rs_time_format(&last, 0, t2,
            sizeof(t2)));

    n = 0;

    for (c = 0; c < RG_CLASS_COUNT; c++) {
        if (rep->ntimeline[c] == 0) {
            continue;
        }

        fprintf(out, "<polyline class=\"series\" data-class=\"%s\""
                " fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\""
                " points=\"", rg_class_name((rg_class) c), rs_colors[c]);

        for (i = 0; i < rep->ntimeline[c]; i++) {
            const rs_point  *p = &rep->timeline[c][i];
            int64_t          prev, next;

            /* a minute without records is a zero, not a slope */
            prev = i ? rep->timeline[c][i - 1].minute.sec : INT64_MIN;
            next = i + 1 < rep->ntimeline[c]
                   ? rep->timeline[c][i + 1].minute.sec : INT64_MAX;

            if (prev != INT64_MIN && p->minute.sec - prev > 60) {
                rs_html_point(out, p->minute.sec - 60, 0, lo, hi, top);
            }

            rs_html_point(out, p->minute.sec, p->count, lo, hi, top);

            if (next != INT64_MAX && next - p->minute.sec > 60) {
                rs_html_point(out, p->minute.sec + 60, 0, lo, hi, top);
            }
        }

        fputs("\"/>\n", out);

        /* markers, so a minute on its own still shows */
        for (i = 0; i < rep->ntimeline[c] && rep->ntimeline[c] <= 500; i++) {
            double  x, y;

            rs_html_xy(rep->timeline[c][i].minute.sec,
                       rep->timeline[c][i].count, lo, hi, top, &x, &y);
            fprintf(out, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\""
                    " r=\"2.5\" fill=\"%s\"/>\n", x, y, rs_colors[c]);
        }

        fprintf(out, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>\n",
                RS_SVG_W - RS_SVG_RIGHT + 10, RS_SVG_TOP + 12 + 16 * n,
                rs_colors[c], rg_class_name((rg_class) c));
        n++;
    }

    fputs("</svg>\n", out);
}


static void
rs_html_tops(FILE *out, const rs_report *rep)
{
    size_t  i, k;
    int     d;

    for (d = 0; d < RS_DIM_COUNT; d++) {
        fprintf(out, "<h2>Top %s</h2>\n<table id=\"top-%s\">\n<tr>"
                "<th>class</th><th>%s</th><th>count</th></tr>\n",
                rs_dim_names[d], d == RS_DIM_CLIENT ? "clients"
                : d == RS_DIM_URI ? "uris" : "upstreams", rs_dim_names[d]);

        for (i = 0; i < rep->nclasses; i++) {
            const rs_class_report  *c = &rep->classes[i];

            for (k = 0; k < c->ntop[d]; k++) {
                fprintf(out, "<tr><td>%s</td><td><code>",
                        rg_class_name(c->cls));
                rs_html_str(out, c->top[d][k].key);
                fprintf(out, "</code></td><td class=\"n\">%" PRIu64
                        "</td></tr>\n", c->top[d][k].count);
            }
        }

        fputs("</table>\n", out);
    }
}


static void
rs_html_truncations(FILE *out, const rs_finding_list *l)
{
    size_t               i;
    const rs_truncation  *t;

    fputs("<h2>Truncated URIs</h2>\n<table id=\"truncations\">\n<tr><th>URI"
          "</th><th>responses</th><th>cut at</th><th>largest</th>"
          "<th>evidence</th></tr>\n", out);

    for (i = 0; l != NULL && i < l->ntrunc; i++) {
        t = &l->trunc[i];
        fputs("<tr><td><code>", out);
        rs_html_str(out, t->uri);
        fprintf(out, "</code></td><td class=\"n\">%" PRIu64 "</td>"
                "<td class=\"n\">%" PRId64 "</td><td class=\"n\">%" PRId64
                "</td><td>", t->count, t->size, t->largest);
        rs_html_str(out, t->evidence);
        fputs("</td></tr>\n", out);
    }

    fputs("</table>\n", out);
}


static void
rs_html_findings(FILE *out, const rs_finding_list *l)
{
    size_t             i;
    const rs_finding  *fd;
    json_t            *numbers, *v;
    const char        *key;
    char              *s;

    fputs("<h2>Findings</h2>\n<section id=\"findings\">\n", out);

    if (l == NULL || l->n == 0) {
        fputs("<p>No finding: nothing in these logs passed a threshold."
              "</p>\n", out);
    }

    for (i = 0; l != NULL && i < l->n; i++) {
        fd = &l->v[i];
        fputs("<div class=\"finding\"><h3>", out);
        rs_html_str(out, rs_finding_name(fd->kind));
        fputs(" <small>(", out);
        rs_html_str(out, rg_class_name(fd->cls));
        fputs(")</small></h3>\n<p><b>Cause:</b> ", out);
        rs_html_str(out, fd->cause);
        fputs("</p>\n<p><b>Evidence:</b> ", out);
        rs_html_str(out, fd->evidence);
        fputs("</p>\n<p><b>Advice:</b> ", out);
        rs_html_str(out, fd->advice);
        fputs("</p>\n<table class=\"numbers\">\n", out);

        /* each number as the JSON report writes it */
        numbers = rs_json_numbers(l, fd);

        json_object_foreach(numbers, key, v) {
            s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY
                              | JSON_REAL_PRECISION(6));
            fputs("<tr><th>", out);
            rs_html_str(out, key);
            fputs("</th><td><code>", out);
            rs_html_str(out, s);
            fputs("</code></td></tr>\n", out);
            free(s);
        }

        json_decref(numbers);
        fputs("</table></div>\n", out);
    }

    fputs("</section>\n", out);
}


int
rs_print_html(const rs_report *rep, FILE *out)
{
    rs_html_head(out);
    rs_html_files(out, rep->agg);
    rs_html_classes(out, rep);
    rs_html_chart(out, rep);
    rs_html_tops(out, rep);
    rs_html_truncations(out, rep->findings);
    rs_html_findings(out, rep->findings);
    fputs("</body>\n</html>\n", out);

    return ferror(out) ? -1 : 0;
}
