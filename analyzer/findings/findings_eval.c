/*
 * findings_eval.c - the thresholds: collected evidence in, findings out
 * (analyzer/README.md `findings`; README "Findings" documents each).
 */

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings_impl.h"
#include "findings_words.h"
#include "simulate.h"
#include "timefmt.h"

/* user_navigation */
#define RS_NAV_MIN_ABORTS      20
#define RS_NAV_MIN_CLIENTS     5
#define RS_NAV_MAX_TOP_SHARE   0.5
#define RS_NAV_MAX_MEDIAN_MS   10000
#define RS_NAV_MIN_BROWSERS    0.5

/* overload */
#define RS_OVL_MIN_MINUTES     5
#define RS_OVL_MIN_ABORTS      20
#define RS_OVL_MIN_R           0.7
#define RS_OVL_PEAKS           RS_FD_PEAKS

/* idle_timeout: a cluster within +-2% of one value */
#define RS_IDLE_MIN_MS         5000
#define RS_IDLE_MIN_RECORDS    5
#define RS_IDLE_MIN_SHARE      0.5
#define RS_IDLE_TOLERANCE      0.02

/* output_buffer */
#define RS_BUF_MIN_SAME        3
#define RS_BUF_MAX_URIS        RS_FD_TRUNCATIONS

/* log_bloat */
#define RS_BLOAT_MIN_SHARE     0.10
#define RS_BLOAT_MIN_RECORDS   5       /* one stray line is no bloat */
#define RS_BLOAT_SIGNATURES    RS_FD_SIGNATURES

#define RS_EVIDENCE_MAX        1024


static double
rs_round(double x, double scale)
{
    return round(x * scale) / scale;
}


/* The minute of sec (its first second), in the offset the log gave. */
static rs_ts
rs_minute(const rs_findings *f, int64_t sec)
{
    rs_ts  ts;

    memset(&ts, 0, sizeof(ts));
    ts.sec = sec;
    ts.off_min = f->off_min;
    ts.has_off = (uint8_t) f->has_off;
    ts.valid = 1;

    return ts;
}


/* A first or last time: unknown (valid 0) while none was seen. */
static rs_ts
rs_minute_or_none(const rs_findings *f, int64_t sec)
{
    rs_ts  none;

    if (sec != INT64_MAX && sec != INT64_MIN) {
        return rs_minute(f, sec);
    }

    memset(&none, 0, sizeof(none));

    return none;
}


/*
 * The server that wrote at least half of the records (not counting what
 * the module held back) of the classes `in` holds, or of cls alone when
 * in is NULL: the advice is in its words.  Any other server is checked
 * before nginx, whose words are also those for a mix.
 */
static rg_server
rs_server_of(const rs_findings *f, rg_class cls, int (*in)(rg_class cls))
{
    uint64_t  n, all;
    int       s, c;

    for (s = RG_SERVER_COUNT - 1; s > RG_SERVER_NGINX; s--) {
        n = 0;
        all = 0;

        for (c = 0; c < RG_CLASS_COUNT; c++) {
            if (in != NULL ? in((rg_class) c) : c == (int) cls) {
                n += f->by_server[c][s];
                all += f->count[c] - f->suppressed[c];
            }
        }

        if (n > 0 && 2 * n >= all) {
            return (rg_server) s;
        }
    }

    return RG_SERVER_NGINX;
}


/* Every class (overload weighs every abort). */
static int
rs_is_any_class(rg_class cls)
{
    (void) cls;

    return 1;
}


/* The client side's classes (what log_bloat weighs). */
static int
rs_is_client_side(rg_class cls)
{
    return rg_class_side(cls) == RG_SIDE_CLIENT;
}


/* The value below which half of the histogram's records lie, in ms. */
static int64_t
rs_median_ms(const uint32_t *bins, int nbins, uint64_t *total)
{
    uint64_t  n, seen;
    int       b;

    n = 0;

    for (b = 0; b < nbins; b++) {
        n += bins[b];
    }

    *total = n;

    if (n == 0) {
        return -1;
    }

    seen = 0;

    for (b = 0; b < nbins; b++) {
        seen += bins[b];

        if (seen * 2 >= n) {
            break;
        }
    }

    return (int64_t) b * RS_FIND_BIN_MS;
}


/* The clients of the navigation classes, as the aggregate counted them. */
typedef struct {
    uint64_t  clients;          /* with at least one navigation abort */
    uint64_t  aborts;           /* theirs, summed */
    uint64_t  top;              /* the busiest one's */
    uint64_t  zone_keys;        /* clients a zone must hold at once */
    int       approximate;      /* the table dropped its smallest keys */
} rs_nav_clients;


/*
 * From the aggregate's client table: every key's cells of the navigation
 * classes.  Its counts include what the module held back (a summary
 * counts under its key): those were real aborts of that client, and the
 * busiest client is the one the module holds back most, so leaving them
 * out would understate its share; `aborts` counts them too.  Once the
 * table has dropped its smallest keys (more than RS_KEYS_EXACT clients),
 * `clients` is a lower bound and the top share an upper bound.
 */
static void
rs_nav_clients_count(const rs_keytab *t, rs_nav_clients *nc)
{
    size_t           i;
    uint64_t         n;
    const rs_kcell  *c;

    memset(nc, 0, sizeof(rs_nav_clients));
    nc->approximate = t->approximate;

    for (i = 0; i < t->n; i++) {
        n = 0;

        for (c = rs_keytab_first(t, &t->keys[i]); c != NULL;
             c = rs_keytab_next(t, c))
        {
            n += rs_find_is_navigation((rg_class) c->cls) ? c->count : 0;
        }

        nc->clients += n > 0;
        nc->aborts += n;
        nc->top = n > nc->top ? n : nc->top;
    }

    /* a zone keys every client: a table that had to drop keys held
       `limit` of them at once */
    nc->zone_keys = nc->approximate && t->limit > nc->clients ? t->limit
                                                              : nc->clients;
}


static int
rs_eval_navigation(const rs_findings *f, const rs_agg *agg,
    rs_finding_list *l)
{
    int              c, top_cls;
    char             zone[256], evidence[RS_EVIDENCE_MAX], advice[768];
    uint64_t         aborts, timed;
    int64_t          median;
    double           top_share, browsers;
    rs_nav_clients   nc;
    rs_sim_config    cfg;
    rs_sim_result    res;
    rs_finding      *fd;
    rs_server_words  w;

    aborts = 0;
    top_cls = RG_CLASS_CLIENT_CLOSED;

    for (c = 0; c < RG_CLASS_COUNT; c++) {
        if (rs_find_is_navigation((rg_class) c)) {
            aborts += f->count[c];
            top_cls = f->count[c] > f->count[top_cls] ? c : top_cls;
        }
    }

    rs_nav_clients_count(&agg->keys[RS_DIM_CLIENT], &nc);

    top_share = nc.aborts ? (double) nc.top / (double) nc.aborts : 1.0;
    median = rs_median_ms(f->nav_time, f->bins_n, &timed);
    browsers = f->nav_agents ? (double) f->nav_browsers / f->nav_agents : -1;

    if (aborts < RS_NAV_MIN_ABORTS || nc.clients < RS_NAV_MIN_CLIENTS
        || top_share > RS_NAV_MAX_TOP_SHARE
        || (median >= 0 && median > RS_NAV_MAX_MEDIAN_MS)
        || (browsers >= 0 && browsers < RS_NAV_MIN_BROWSERS))
    {
        return 0;
    }

    rs_sim_config_default(&cfg);
    memset(&res, 0, sizeof(res));
    res.peak_keys = nc.zone_keys;

    if (rs_sim_zone_line(&cfg, &res, zone, sizeof(zone)) == 0) {
        return -1;
    }

    snprintf(evidence, sizeof(evidence),
             "%" PRIu64 " client aborts from %s%" PRIu64 " clients, the busiest"
             " with %.0f%% of them; median request time %s%.1f s; %s%.0f%%"
             " browser user agents; e.g. %s", aborts,
             nc.approximate ? "at least " : "", nc.clients,
             top_share * 100, median < 0 ? "unknown " : "",
             median < 0 ? 0.0 : median / 1000.0,
             browsers < 0 ? "unknown " : "", browsers < 0 ? 0 : browsers * 100,
             f->sample[top_cls].text);

    rs_server_words_of(rs_server_of(f, RG_CLASS_NONE, rs_find_is_navigation),
                       &w);

    if (w.navigation != NULL) {
        /* another server's records: nginx's module is no advice for them */
        snprintf(advice, sizeof(advice), "%s", w.navigation);

    } else {
        snprintf(advice, sizeof(advice),
                 "harmless: log these at a bounded rate with the module, in"
                 " http {}: `%s` and `rstguard zone=rstguard;`, then log"
                 " through `access_log /var/log/nginx/access.log combined"
                 " if=$rstguard_log;`", zone);
    }

    fd = rs_finding_add(l, RS_FD_USER_NAVIGATION, (rg_class) top_cls,
        "users leaving pages (Stop, a closed tab, navigating away) close"
        " connections before the response ends", advice, evidence);
    if (fd == NULL) {
        return -1;
    }

    fd->u.nav.aborts = aborts;
    fd->u.nav.clients = nc.clients;
    fd->u.nav.top_client_share = rs_round(top_share, 1000);
    fd->u.nav.median_request_s = median < 0 ? NAN : median / 1000.0;
    fd->u.nav.browser_share = browsers < 0 ? NAN : rs_round(browsers, 1000);

    return 0;
}


/* Pearson's r over n pairs; 0 when either side does not vary. */
static double
rs_pearson(const double *x, const double *y, size_t n)
{
    size_t  i;
    double  mx, my, sxy, sxx, syy;

    mx = 0;
    my = 0;

    for (i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }

    mx /= (double) n;
    my /= (double) n;
    sxy = 0;
    sxx = 0;
    syy = 0;

    for (i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }

    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0;
}


static int
rs_by_aborts(const void *a, const void *b)
{
    const rs_find_minute  *x = *(rs_find_minute * const *) a;
    const rs_find_minute  *y = *(rs_find_minute * const *) b;

    if (x->aborts != y->aborts) {
        return x->aborts < y->aborts ? 1 : -1;
    }

    return x->minute < y->minute ? -1 : x->minute > y->minute;
}


/*
 * Overload: the share of requests that abort rises with the request rate
 * or with the upstream's response time (a constant share of aborts that
 * merely follows the traffic is users navigating, not overload).
 */
static int
rs_eval_overload(const rs_findings *f, rs_finding_list *l)
{
    size_t            n, nu, i;
    uint64_t          aborts;
    double           *rate, *share, *ushare, *up, r_rate, r_up;
    rs_find_minute   *m, *tmp, **v;
    rs_finding       *fd;
    rs_server_words   w;
    char              evidence[RS_EVIDENCE_MAX];
    int               rc;

    n = HASH_COUNT(f->minutes);

    if (n < RS_OVL_MIN_MINUTES) {
        return 0;
    }

    rc = -1;
    rate = calloc(n, sizeof(double));
    share = calloc(n, sizeof(double));
    ushare = calloc(n, sizeof(double));
    up = calloc(n, sizeof(double));
    v = calloc(n, sizeof(rs_find_minute *));

    if (rate == NULL || share == NULL || ushare == NULL || up == NULL
        || v == NULL)
    {
        goto done;
    }

    n = 0;
    nu = 0;
    aborts = 0;

    HASH_ITER(hh, f->minutes, m, tmp) {
        if (m->requests == 0) {
            continue;
        }

        v[n] = m;
        rate[n] = (double) m->requests;
        share[n] = (double) m->aborts / (double) m->requests;
        aborts += m->aborts;
        n++;

        if (m->upstream_n) {
            up[nu] = (double) m->upstream_ms / (double) m->upstream_n;
            ushare[nu] = share[n - 1];
            nu++;
        }
    }

    rc = 0;

    if (n < RS_OVL_MIN_MINUTES || aborts < RS_OVL_MIN_ABORTS) {
        goto done;
    }

    r_rate = rs_pearson(rate, share, n);
    r_up = nu >= RS_OVL_MIN_MINUTES ? rs_pearson(up, ushare, nu) : 0;

    if (r_rate < RS_OVL_MIN_R && r_up < RS_OVL_MIN_R) {
        goto done;
    }

    qsort(v, n, sizeof(rs_find_minute *), rs_by_aborts);

    snprintf(evidence, sizeof(evidence),
             "over %zu minutes the share of aborted requests rises with the"
             " request rate (r = %.2f) and with the upstream response time"
             " (r = %.2f); the worst minute had %" PRIu64 " aborts in %"
             PRIu64 " requests", n, r_rate, r_up, v[0]->aborts,
             v[0]->requests);

    rs_server_words_of(rs_server_of(f, RG_CLASS_NONE, rs_is_any_class), &w);

    fd = rs_finding_add(l, RS_FD_OVERLOAD, RG_CLASS_CLIENT_CLOSED,
        "the server or its upstream runs out of capacity at peak load:"
        " clients give up and upstreams reset or time out", w.overload,
        evidence);
    if (fd == NULL) {
        rc = -1;
        goto done;
    }

    fd->u.overload.minutes = n;
    fd->u.overload.aborts = aborts;
    fd->u.overload.r_request_rate = rs_round(r_rate, 1000);
    fd->u.overload.r_upstream_time = rs_round(r_up, 1000);

    for (i = 0; i < n && i < RS_OVL_PEAKS; i++) {
        rs_fd_peak  *pk = &fd->u.overload.peak[i];

        pk->minute = rs_minute(f, v[i]->minute * 60);
        pk->requests = v[i]->requests;
        pk->aborts = v[i]->aborts;
        pk->upstream_response_s = v[i]->upstream_n
            ? rs_round((double) v[i]->upstream_ms / v[i]->upstream_n
                       / 1000.0, 1000)
            : NAN;
    }

    fd->u.overload.npeaks = i;

done:

    free(rate);
    free(share);
    free(ushare);
    free(up);
    free(v);

    return rc;
}


/* The bins b*(1-2%) .. b*(1+2%), clamped to the nbins a histogram has. */
static void
rs_window(int b, int nbins, int *lo, int *hi)
{
    *lo = (int) floor(b * (1 - RS_IDLE_TOLERANCE));
    *hi = (int) ceil(b * (1 + RS_IDLE_TOLERANCE));
    *hi = *hi < nbins ? *hi : nbins - 1;
}


/*
 * The densest +-2% window of a time histogram of nbins bins (those past
 * it are zero: a window centred there holds a part of the one centred on
 * the last bin, which comes first and wins, as nbins is at least
 * RS_FIND_BINS_MIN, past the 5 s bin), at 5 s or more: its record count,
 * and in value_ms the mean of the times inside it.
 */
static uint64_t
rs_cluster(const uint32_t *bins, int nbins, uint64_t *total,
    double *value_ms)
{
    int        b, lo, hi, best_b;
    uint64_t  *sum, best, w;
    double     acc;

    *total = 0;
    if (nbins == 0) {
        return 0;
    }

    sum = malloc((size_t) (nbins + 1) * sizeof(uint64_t));
    if (sum == NULL) {
        return 0;
    }

    sum[0] = 0;
    for (b = 0; b < nbins; b++) {
        sum[b + 1] = sum[b] + bins[b];
    }

    *total = sum[nbins];
    best = 0;
    best_b = -1;

    for (b = RS_IDLE_MIN_MS / RS_FIND_BIN_MS; b < nbins; b++) {
        rs_window(b, nbins, &lo, &hi);
        w = sum[hi + 1] - sum[lo];

        if (w > best) {
            best = w;
            best_b = b;
        }
    }

    free(sum);

    if (best_b < 0) {
        return 0;
    }

    rs_window(best_b, nbins, &lo, &hi);
    acc = 0;

    for (b = lo; b <= hi; b++) {
        acc += (double) bins[b] * b * RS_FIND_BIN_MS;
    }

    *value_ms = acc / (double) best;

    return best;
}


static int
rs_eval_idle(const rs_findings *f, rs_finding_list *l)
{
    int              which, c, top_cls, srv;
    uint64_t         records, timed;
    double           value, share;
    char             evidence[RS_EVIDENCE_MAX], advice[768];
    const char      *field, *name;
    rs_finding      *fd;
    rs_server_words  w;

    for (which = 0; which < 2; which++) {
        timed = 0;
        value = 0;
        records = rs_cluster(which ? f->idle_up : f->idle_req, f->bins_n,
                             &timed, &value);
        share = timed ? (double) records / (double) timed : 0;

        if (records < RS_IDLE_MIN_RECORDS || share < RS_IDLE_MIN_SHARE) {
            continue;
        }

        top_cls = RG_CLASS_CLIENT_RESET;

        for (c = 0; c < RG_CLASS_COUNT; c++) {
            if (rs_find_is_idle_kind((rg_class) c)
                && f->count[c] > f->count[top_cls])
            {
                top_cls = c;
            }
        }

        /* the server whose times these mostly are: its words */
        for (srv = RG_SERVER_COUNT - 1; srv > RG_SERVER_NGINX; srv--) {
            if (2 * f->idle_by_server[srv] >= timed) {
                break;
            }
        }

        rs_server_words_of((rg_server) srv, &w);
        field = w.time_field[which];
        name = w.time_name[which];

        /* HAProxy's TCP log times the whole session (Tt) where its HTTP
           log has Ta */
        if (which == 0 && w.session_field != NULL
            && 2 * f->idle_sessions >= f->idle_by_server[srv])
        {
            field = w.session_field;
            name = w.session_name;
        }

        snprintf(evidence, sizeof(evidence),
                 "%" PRIu64 " of %" PRIu64 " resets and timeouts (%.0f%%) end"
                 " after %.1f s (+-2%%) of %s; e.g. %s", records, timed,
                 share * 100, value / 1000, name,
                 f->sample[top_cls].text);

        /* the format is the words table's; HAProxy's names the side */
        snprintf(advice, sizeof(advice), w.idle_advice, value / 1000,
                 rg_class_side((rg_class) top_cls) == RG_SIDE_CLIENT
                 ? "client" : "server");

        fd = rs_finding_add(l, RS_FD_IDLE_TIMEOUT, (rg_class) top_cls,
                            w.idle_cause, advice, evidence);
        if (fd == NULL) {
            return -1;
        }

        fd->u.idle.field = field;
        fd->u.idle.value_s = rs_round(value / 1000, 10);
        fd->u.idle.records = records;
        fd->u.idle.timed = timed;
        fd->u.idle.share = rs_round(share, 1000);

        return 0;
    }

    return 0;
}


typedef struct {
    const rs_find_key  *uri;
    int64_t             size;
    uint64_t            count;
    int64_t             largest;
} rs_cut;


static int
rs_by_count(const void *a, const void *b)
{
    const rs_cut  *x = a, *y = b;
    int            c;

    if (x->count != y->count) {
        return x->count < y->count ? 1 : -1;
    }

    /* then by URI and size: qsort is not stable, and the order must not
       depend on the table's (a merged scan's differs from a direct one's) */
    c = strcmp(x->uri->key, y->uri->key);

    return c != 0 ? c : (x->size > y->size) - (x->size < y->size);
}


/*
 * URIs with at least 3 responses of one exact 4 KiB multiple under 1 MiB
 * while another response for the URI was larger; most responses first.
 * Returns the (URI, size) pairs found (all of them, *cuts holds at most
 * max) and in *uris how many URIs they are.
 */
static size_t
rs_cuts(const rs_findings *f, rs_cut *cuts, size_t max, size_t *uris)
{
    int           i, cut;
    size_t        n;
    rs_find_key  *u, *tmp;

    n = 0;
    *uris = 0;

    HASH_ITER(hh, f->uris, u, tmp) {
        const rs_find_sizes  *z = &u->u.uri;
        int64_t               largest, size;

        largest = rs_find_largest(f, u->key, u->hh.keylen);
        cut = 0;

        for (i = 0; i < RS_FIND_URI_SIZES; i++) {
            size = (int64_t) z->pages[i] * RS_FIND_PAGE;

            if (z->count[i] < RS_BUF_MIN_SAME || largest <= size) {
                continue;
            }

            /* a URI cut at two sizes is one URI */
            *uris += cut == 0;
            cut = 1;

            if (n < max) {
                cuts[n].uri = u;
                cuts[n].size = size;
                cuts[n].count = z->count[i];
                cuts[n].largest = largest;

            } else {
                /* keep the largest counts: replace the smallest held */
                qsort(cuts, max, sizeof(rs_cut), rs_by_count);

                if (z->count[i] > cuts[max - 1].count) {
                    cuts[max - 1].uri = u;
                    cuts[max - 1].size = size;
                    cuts[max - 1].count = z->count[i];
                    cuts[max - 1].largest = largest;
                }
            }

            n++;
        }
    }

    qsort(cuts, n < max ? n : max, sizeof(rs_cut), rs_by_count);

    return n;
}


/* The URIs cut at one size into l->trunc; -1 when out of memory. */
static int
rs_eval_truncations(const rs_findings *f, rs_finding_list *l)
{
    size_t          n, i, uris;
    rs_cut          cuts[RS_BUF_MAX_URIS];
    rs_truncation  *t;

    n = rs_cuts(f, cuts, RS_BUF_MAX_URIS, &uris);

    for (i = 0; i < n && i < RS_BUF_MAX_URIS; i++) {
        t = &l->trunc[l->ntrunc];
        t->uri = strdup(cuts[i].uri->key);
        if (t->uri == NULL) {
            return -1;
        }

        l->ntrunc++;
        rs_finding_text_fix(t->uri);
        t->count = cuts[i].count;
        t->size = cuts[i].size;
        t->largest = cuts[i].largest;
        snprintf(t->evidence, sizeof(t->evidence),
                 "%" PRIu64 " responses stop at exactly %" PRId64 " bytes (%"
                 PRId64 " x 4096) while the largest was %" PRId64 " bytes",
                 t->count, t->size, t->size / 4096, t->largest);
    }

    return 0;
}


static int
rs_eval_cut_uris(const rs_findings *f, rs_finding_list *l)
{
    size_t       n, uris;
    rs_cut       cuts[RS_BUF_MAX_URIS];
    char         evidence[RS_EVIDENCE_MAX], dropped[160];
    rs_finding  *fd;

    n = rs_cuts(f, cuts, RS_BUF_MAX_URIS, &uris);

    if (n == 0) {
        return 0;
    }

    snprintf(dropped, sizeof(dropped), "; more URIs had page-sized"
             " responses than are kept, so each count may be short by up to"
             " %" PRIu64, f->uris_dropped);

    snprintf(evidence, sizeof(evidence),
             "%zu URI%s at one exact size: %" PRIu64 " responses for %s"
             " end at %" PRId64 " bytes (%" PRId64 " x 4 KiB) while the"
             " largest was %" PRId64 " bytes%s", uris,
             uris == 1 ? " stops" : "s stop", cuts[0].count, cuts[0].uri->key,
             cuts[0].size, cuts[0].size / 4096, cuts[0].largest,
             f->uris_dropped ? dropped : "");

    fd = rs_finding_add(l, RS_FD_BUFFER_CUT, RG_CLASS_TRUNCATED,
        "responses are cut at the size of an output buffer: the buffer was"
        " flushed, then the page failed and the rest was never sent",
        "find the error logged after the first flush and raise the buffer"
        " above the largest page: a JSP page's `buffer` (default 8kb, e.g."
        " <%@ page buffer=\"64kb\" %>), the servlet response buffer"
        " (setBufferSize), or the proxy buffers in front",
        evidence);
    if (fd == NULL) {
        return -1;
    }

    fd->u.cut.uris = uris;

    return 0;
}


/* A finding whose numbers are a record count (and missing bytes). */
static int
rs_add_records(rs_finding_list *l, rs_finding_kind kind, rg_class cls,
    const char *cause, const char *advice, const char *evidence,
    uint64_t records, uint64_t missing)
{
    rs_finding  *fd;

    fd = rs_finding_add(l, kind, cls, cause, advice, evidence);
    if (fd == NULL) {
        return -1;
    }

    fd->u.records.records = records;
    fd->u.records.missing_bytes = missing;

    return 0;
}


static int
rs_eval_buffers(const rs_findings *f, rs_finding_list *l)
{
    static const char  *setting[RS_BUF_KINDS] = {
        "proxy_buffer_size (fastcgi_buffer_size, uwsgi_buffer_size for"
        " those upstreams): the response header did not fit",
        "proxy_buffers and proxy_busy_buffers_size (or"
        " proxy_max_temp_file_size): the response body spilled to disk",
        "the JSP page's `buffer` attribute (<%@ page buffer=\"64kb\" %>;"
        " the default is 8kb)",
        "the servlet response buffer (response.setBufferSize, or the JSP"
        " page's `buffer`): the response was committed before the error",
        "the buffer named in the message"
    };

    int   k;
    char  evidence[RS_EVIDENCE_MAX], advice[512];

    for (k = 0; k < RS_BUF_KINDS; k++) {
        if (f->buf[k] == 0) {
            continue;
        }

        snprintf(evidence, sizeof(evidence), "%" PRIu64 " record%s; e.g. %s",
                 f->buf[k], f->buf[k] == 1 ? "" : "s", f->buf_sample[k].text);
        snprintf(advice, sizeof(advice), "raise %s", setting[k]);

        if (rs_add_records(l, RS_FD_BUFFER_RECORDS, RG_CLASS_BUFFER_OVERFLOW,
                   "a response outgrew its buffer", advice, evidence,
                   f->buf[k], 0) != 0)
        {
            return -1;
        }
    }

    if (f->up_cut) {
        snprintf(evidence, sizeof(evidence), "%" PRIu64 " record%s; e.g. %s",
                 f->up_cut, f->up_cut == 1 ? "" : "s", f->cut_sample.text);

        if (rs_add_records(l, RS_FD_BUFFER_RECORDS, RG_CLASS_TRUNCATED,
                   "the upstream closed the connection in the middle of the"
                   " response body, so the client got a cut response",
                   "look in the upstream's own log at these times for the"
                   " error after its output buffer was flushed; check its"
                   " timeouts and proxy_read_timeout", evidence,
                   f->up_cut, 0) != 0)
        {
            return -1;
        }
    }

    if (f->cl_short) {
        snprintf(evidence, sizeof(evidence),
                 "%" PRIu64 " responses logged $request_completion OK with"
                 " fewer body bytes than their Content-Length (%" PRIu64
                 " bytes missing in all)", f->cl_short, f->cl_short_bytes);

        return rs_add_records(l, RS_FD_BUFFER_SHORT, RG_CLASS_TRUNCATED,
            "responses promised a Content-Length they did not deliver: the"
            " upstream stopped sending after the headers were out",
            "find the upstream errors at these times; raise the buffer the"
            " upstream flushes before it fails", evidence,
            f->cl_short, f->cl_short_bytes);
    }

    return 0;
}


static int
rs_by_bytes(const void *a, const void *b)
{
    const rs_find_key  *x = *(rs_find_key * const *) a;
    const rs_find_key  *y = *(rs_find_key * const *) b;

    if (x->u.sig.bytes != y->u.sig.bytes) {
        return x->u.sig.bytes < y->u.sig.bytes ? 1 : -1;
    }

    return strcmp(x->key, y->key);
}


/* The Java stack traces with the most bytes, into fd; -1: no memory. */
static int
rs_signatures(const rs_findings *f, rs_finding *fd)
{
    size_t            n, i;
    rs_find_key     **v, *k, *tmp;
    rs_fd_signature  *sg;

    n = HASH_COUNT(f->sigs);
    v = calloc(n + 1, sizeof(rs_find_key *));

    if (v == NULL) {
        return -1;
    }

    n = 0;

    HASH_ITER(hh, f->sigs, k, tmp) {
        v[n++] = k;
    }

    qsort(v, n, sizeof(rs_find_key *), rs_by_bytes);

    for (i = 0; i < n && i < RS_BLOAT_SIGNATURES; i++) {
        sg = &fd->u.bloat.sig[i];
        sg->signature = strdup(v[i]->key);
        if (sg->signature == NULL) {
            free(v);
            return -1;
        }

        fd->u.bloat.nsigs++;
        rs_finding_text_fix(sg->signature);
        sg->records = v[i]->n;
        sg->lines = v[i]->u.sig.lines;
        sg->bytes = v[i]->u.sig.bytes;
    }

    free(v);

    return 0;
}


static int
rs_eval_bloat(const rs_findings *f, rs_finding_list *l)
{
    int              c, top_cls;
    uint64_t         bytes, records;
    double           share;
    char             evidence[RS_EVIDENCE_MAX], sigs[256];
    rs_finding      *fd;
    rs_server_words  w;

    bytes = 0;
    records = 0;
    top_cls = RG_CLASS_CLIENT_CLOSED;

    /* only what is harmless to hold back: the client side's aborts;
       upstream and server classes are faults, never bloat to silence */
    for (c = 0; c < RG_CLASS_COUNT; c++) {
        if (rg_class_side((rg_class) c) != RG_SIDE_CLIENT) {
            continue;
        }
        bytes += f->cls_bytes[c];
        records += f->count[c] - f->suppressed[c];
        top_cls = f->cls_bytes[c] > f->cls_bytes[top_cls] ? c : top_cls;
    }

    share = f->bytes ? (double) bytes / (double) f->bytes : 0;

    if (share < RS_BLOAT_MIN_SHARE || records < RS_BLOAT_MIN_RECORDS) {
        return 0;
    }

    sigs[0] = '\0';

    if (f->sigs != NULL && f->sigs_dropped == 0) {
        snprintf(sigs, sizeof(sigs), "; Java stack traces of aborts lead,"
                 " see numbers");

    } else if (f->sigs != NULL) {
        snprintf(sigs, sizeof(sigs), "; Java stack traces of aborts lead,"
                 " see numbers (more than %d distinct exception lines: the"
                 " largest are listed, each short by at most %" PRIu64
                 " bytes)", RS_FIND_MAX_SIGS, f->sigs_dropped);
    }

    snprintf(evidence, sizeof(evidence),
             "%" PRIu64 " client abort records take %" PRIu64 " of the log's %"
             PRIu64 " bytes (%.1f%%)%s", records, bytes, f->bytes,
             share * 100, sigs);

    rs_server_words_of(rs_server_of(f, RG_CLASS_NONE, rs_is_client_side),
                       &w);

    fd = rs_finding_add(l, RS_FD_LOG_BLOAT, (rg_class) top_cls,
        "harmless aborts are logged in full, over and over", w.bloat,
        evidence);
    if (fd == NULL) {
        return -1;
    }

    fd->u.bloat.records = records;
    fd->u.bloat.abort_bytes = bytes;
    fd->u.bloat.total_bytes = f->bytes;
    fd->u.bloat.share = rs_round(share, 10000);

    return rs_signatures(f, fd);
}


/*
 * abort_storm: the module wrote an alert line (rstguard_alert RATE) for a
 * class whose server-wide rate passed RATE; it holds the lines back, so
 * the alert is what keeps a storm visible.  One finding per class, with
 * the alert of the highest rate as its evidence.
 */
static int
rs_eval_storms(const rs_findings *f, rs_finding_list *l)
{
    int                   c;
    const rs_find_storm  *st;
    const char           *cause;
    char                  evidence[RS_EVIDENCE_MAX], advice[512];
    rs_finding           *fd;

    for (c = 0; c < RG_CLASS_COUNT; c++) {
        st = &f->storm[c];
        if (st->n == 0) {
            continue;
        }

        cause = c == RG_CLASS_CLIENT_CLOSED || c == RG_CLASS_CLIENT_TIMEOUT
                ? "a wave of clients giving up: responses got slow, most"
                  " often a slow or overloaded backend"
                : c == RG_CLASS_CLIENT_RESET || c == RG_CLASS_CONN_ABORTED
                  || c == RG_CLASS_BROKEN_PIPE
                ? "a wave of connections torn down: an overloaded server, or"
                  " a firewall, NAT or balancer in the path dropping them"
                : "a wave of aborts of one class, far above its usual rate";

        snprintf(evidence, sizeof(evidence),
                 "the module raised %" PRIu64 " alert%s for %s; the highest"
                 " %" PRIu64 ".%02" PRIu64 "/s against a limit of %" PRIu64
                 "r/%c over %" PRIu64 " s, top key \"%s\", top upstream"
                 " \"%s\"; e.g. %s", st->n, st->n == 1 ? "" : "s",
                 rg_class_name((rg_class) c), st->rate_centi / 100,
                 st->rate_centi % 100, st->limit, st->unit, st->window,
                 st->key.text, st->upstream.text, st->sample.text);

        snprintf(advice, sizeof(advice),
                 "the lines are held back, the storm is not harmless: look"
                 " at the minutes of the alerts%s%s%s; raise rstguard_alert"
                 " only if this rate is normal for the site",
                 st->upstream.len > 0 ? " and at the upstream named ("
                                      : "",
                 st->upstream.text, st->upstream.len > 0
                 ? ": its response times and errors)" : "");

        fd = rs_finding_add(l, RS_FD_ABORT_STORM, (rg_class) c, cause, advice,
                    evidence);
        if (fd == NULL) {
            return -1;
        }

        fd->u.storm.alerts = st->n;
        fd->u.storm.max_rate = (double) st->rate_centi / 100.0;
        fd->u.storm.limit = st->limit;
        fd->u.storm.unit = st->unit;
        fd->u.storm.window_s = st->window;
        fd->u.storm.first = rs_minute_or_none(f, st->first);
        fd->u.storm.last = rs_minute_or_none(f, st->last);
    }

    return 0;
}


static int
rs_eval_local(const rs_findings *f, rs_finding_list *l, rg_class cls,
    rs_finding_kind kind, const char *cause, const char *advice)
{
    char         evidence[RS_EVIDENCE_MAX];
    rs_finding  *fd;

    if (f->count[cls] == 0) {
        return 0;
    }

    snprintf(evidence, sizeof(evidence), "%" PRIu64 " record%s; e.g. %s",
             f->count[cls], f->count[cls] == 1 ? "" : "s",
             f->sample[cls].text);

    fd = rs_finding_add(l, kind, cls, cause, advice, evidence);
    if (fd == NULL) {
        return -1;
    }

    fd->u.local.records = f->count[cls];
    fd->u.local.first = rs_minute_or_none(f, f->first[cls]);
    fd->u.local.last = rs_minute_or_none(f, f->last[cls]);

    return 0;
}


rs_finding_list *
rs_findings_build(const rs_findings *f, const rs_agg *agg)
{
    rs_finding_list  *l;
    rs_server_words   down;

    rs_server_words_of(rs_server_of(f, RG_CLASS_UPSTREAM_REFUSED, NULL),
                       &down);
    l = calloc(1, sizeof(rs_finding_list));

    if (l == NULL
        || rs_eval_truncations(f, l) != 0
        || rs_eval_navigation(f, agg, l) != 0
        || rs_eval_overload(f, l) != 0
        || rs_eval_storms(f, l) != 0
        || rs_eval_idle(f, l) != 0
        || rs_eval_cut_uris(f, l) != 0
        || rs_eval_buffers(f, l) != 0
        || rs_eval_bloat(f, l) != 0
        || rs_eval_local(f, l, RG_CLASS_UPSTREAM_REFUSED, RS_FD_BACKEND_DOWN,
               "the upstream refused connections: it was down, restarting,"
               " or not listening on that address",
               down.backend_down)
        || rs_eval_local(f, l, RG_CLASS_BIND_IN_USE, RS_FD_PORT_IN_USE,
               "a server could not bind its port: another process (often an"
               " old instance that did not exit) holds it",
               "find the holder (ss -ltnp) and stop it before starting; use"
               " SO_REUSEADDR; make the service manager wait for the old"
               " process to exit")
        || rs_eval_local(f, l, RG_CLASS_SOCKET_CLOSED, RS_FD_SOCKET_MISUSE,
               "the program used a socket it had already closed: a bug, not"
               " a network problem",
               "find the code path that closes the socket (or returns it to"
               " a pool) and then uses it again; the stack trace names it"))
    {
        rs_finding_list_free(l);
        return NULL;
    }

    return l;
}

