/*
 * findings.c - gathers the evidence for the findings (see findings.h).
 *
 * The tables are uthash (Debian uthash-dev) with its out-of-memory
 * handling made non-fatal: an insert that fails is reported, never an
 * exit.  A full table drops its lighter half (findings_impl.h), so memory
 * stays bounded.
 */

#include <stdlib.h>
#include <string.h>

#define HASH_NONFATAL_OOM  1
#define uthash_nonfatal_oom(obj)  (oom = 1)

#include "findings_impl.h"
#include "rg_find.h"


static int rs_find_times(rs_findings *f, uint32_t **bins, int64_t ms);
static void rs_find_buffers(rs_findings *f, const rs_obs *o);
static int rs_find_navigation(rs_findings *f, const rs_obs *o);
static int rs_find_response(rs_findings *f, const rs_obs *o);
static int rs_find_signature(rs_findings *f, const rs_obs *o);
static void rs_find_alert(rs_findings *f, const rg_alert *a,
    const rs_ts *ts);


rs_findings *
rs_findings_create(void)
{
    int           c;
    rs_findings  *f;

    f = calloc(1, sizeof(rs_findings));
    if (f == NULL) {
        return NULL;
    }

    /* the histograms and the sketch come with the first record that
       needs them (rs_find_bin_add, rs_find_sketch) */
    f->bins_lo = RS_FIND_BINS;
    f->bins_hi = -1;

    for (c = 0; c < RG_CLASS_COUNT; c++) {
        f->first[c] = INT64_MAX;
        f->last[c] = INT64_MIN;
        f->storm[c].first = INT64_MAX;
        f->storm[c].last = INT64_MIN;
        f->storm[c].sec = INT64_MAX;
    }

    return f;
}


void
rs_obs_init(rs_obs *o)
{
    memset(o, 0, sizeof(rs_obs));
    o->cls = RG_CLASS_NONE;
    o->status = -1;
    o->body_bytes = -1;
    o->content_length = -1;
    o->completion = -1;
    o->request_ms = -1;
    o->upstream_ms = -1;
}


int
rs_findings_observe(rs_findings *f, const rs_obs *o)
{
    int              rc;
    rg_class         c;
    rs_find_minute  *m;

    c = o->cls;
    rc = 0;

    f->records++;
    f->bytes += o->bytes;

    /* per minute: an access log's requests, any log's aborts */
    if (o->has_time && (o->access || c != RG_CLASS_NONE)) {
        m = f->last_minute != NULL && f->last_minute->minute == o->sec / 60
            ? f->last_minute : rs_find_minute_get(&f->minutes, o->sec / 60);
        if (m == NULL) {
            return -1;
        }

        f->last_minute = m;
        m->aborts += c != RG_CLASS_NONE;

        if (o->access) {
            m->requests++;

            if (o->upstream_ms >= 0) {
                m->upstream_ms += (uint64_t) o->upstream_ms;
                m->upstream_n++;
            }
        }
    }

    if (o->access && rs_find_response(f, o) != 0) {
        rc = -1;
    }

    if ((int) c < 0 || c >= RG_CLASS_COUNT) {
        return rc;
    }

    f->count[c]++;
    f->cls_bytes[c] += o->bytes;
    f->by_server[c][o->server]++;

    if (f->sample[c].len == 0) {
        rs_find_sample_set(&f->sample[c], o->line, o->line_len);
    }

    if (o->has_time) {
        f->first[c] = o->sec < f->first[c] ? o->sec : f->first[c];
        f->last[c] = o->sec > f->last[c] ? o->sec : f->last[c];
        f->off_min = o->off_min;
        f->has_off = o->has_off;
        f->timed = 1;
    }

    if (rs_find_is_navigation(c) && rs_find_navigation(f, o) != 0) {
        rc = -1;
    }

    if (rs_find_is_idle_kind(c)) {
        if (rs_find_times(f, &f->idle_req, o->request_ms) != 0
            || rs_find_times(f, &f->idle_up, o->upstream_ms) != 0)
        {
            rc = -1;
        }
        f->idle_by_server[o->server] += o->request_ms >= 0;
        f->idle_sessions += o->request_ms >= 0 && o->session;
    }

    if (c == RG_CLASS_TRUNCATED || c == RG_CLASS_BUFFER_OVERFLOW) {
        rs_find_buffers(f, o);
    }

    if (o->signature != NULL && rs_find_signature(f, o) != 0) {
        rc = -1;
    }

    return rc;
}


void
rs_findings_seen(void *ctx, const rs_seen *seen)
{
    rs_findings      *f = ctx;
    rs_obs            o;
    const rs_parsed  *p = seen->parsed;
    rg_str            uri;

    if (seen->suppressed) {
        rs_findings_suppressed(f, seen->cls, seen->suppressed);
        return;
    }

    if (seen->alert != NULL) {
        rs_find_alert(f, seen->alert, &seen->ts);
    }

    rs_obs_init(&o);
    o.cls = seen->cls;
    o.has_time = seen->ts.valid;
    o.sec = seen->ts.sec;
    o.off_min = seen->ts.off_min;
    o.has_off = seen->ts.has_off;
    o.bytes = seen->bytes;
    o.lines = (uint32_t) seen->lines;
    o.access = rg_format_is_access(seen->format);
    o.server = rg_format_server(seen->format);
    o.line = seen->line.p;
    o.line_len = seen->line.len;
    o.signature = seen->cls != RG_CLASS_NONE ? seen->signature.p : NULL;
    o.signature_len = seen->signature.len;

    if (p != NULL) {
        uri = rs_request_path(p->f.f[RG_FIELD_REQUEST]);
        o.uri = uri.p;
        o.uri_len = uri.len;
        o.agent = p->agent.p;
        o.agent_len = p->agent.len;
        o.message = p->f.f[RG_FIELD_MESSAGE].p;
        o.message_len = p->f.f[RG_FIELD_MESSAGE].len;
        o.status = p->status;
        o.partial_reply = p->status == 206
                          || (p->f.f[RG_FIELD_REQUEST].len >= 5
                              && memcmp(p->f.f[RG_FIELD_REQUEST].p, "HEAD ", 5)
                                 == 0);
        o.session = seen->format == RG_FORMAT_HAPROXY
                    && p->f.f[RG_FIELD_STATUS].len == 0;
        o.body_bytes = p->body_bytes;
        o.content_length = p->content_length;
        o.completion = !p->has_completion ? -1
                       : p->f.f[RG_FIELD_COMPLETION].len > 0;
        o.request_ms = p->request_ms;
        o.upstream_ms = p->upstream_ms;
    }

    if (rs_findings_observe(f, &o) != 0) {
        f->lost++;
    }
}


/* The module's alert line: a storm of its class (abort_storm). */
static void
rs_find_alert(rs_findings *f, const rg_alert *a, const rs_ts *ts)
{
    rs_find_storm  one;

    if ((int) a->cls < 0 || a->cls >= RG_CLASS_COUNT) {
        return;
    }

    memset(&one, 0, sizeof(rs_find_storm));
    one.n = 1;
    one.sec = ts->valid ? ts->sec : INT64_MAX;
    one.first = ts->valid ? ts->sec : INT64_MAX;
    one.last = ts->valid ? ts->sec : INT64_MIN;
    one.rate_centi = a->rate_centi;
    one.limit = a->limit;
    one.unit = a->limit_unit;
    one.window = a->window;
    /* the quoted values as the line has them (escaped: printable) */
    rs_find_sample_set(&one.key, a->top_key.p, a->top_key.len);
    rs_find_sample_set(&one.upstream, a->top_upstream.p,
                       a->top_upstream.len);
    rs_find_sample_set(&one.sample, a->sample.p, a->sample.len);

    rs_find_storm_add(&f->storm[a->cls], &one);
}


void
rs_find_storm_add(rs_find_storm *dst, const rs_find_storm *src)
{
    int  wins;

    if (src->n == 0) {
        return;
    }

    wins = dst->n == 0 || src->rate_centi > dst->rate_centi
           || (src->rate_centi == dst->rate_centi
               && (src->sec < dst->sec
                   || (src->sec == dst->sec
                       && strcmp(src->sample.text, dst->sample.text) < 0)));

    dst->n += src->n;
    dst->first = src->first < dst->first ? src->first : dst->first;
    dst->last = src->last > dst->last ? src->last : dst->last;

    if (wins) {
        dst->rate_centi = src->rate_centi;
        dst->sec = src->sec;
        dst->limit = src->limit;
        dst->unit = src->unit;
        dst->window = src->window;
        dst->key = src->key;
        dst->upstream = src->upstream;
        dst->sample = src->sample;
    }
}


void
rs_findings_total_bytes(rs_findings *f, uint64_t bytes)
{
    f->bytes = bytes;
}


uint64_t
rs_findings_lost(const rs_findings *f)
{
    return f->lost;
}


void
rs_findings_suppressed(rs_findings *f, rg_class cls, uint64_t n)
{
    if ((int) cls < 0 || cls >= RG_CLASS_COUNT) {
        return;
    }

    f->count[cls] += n;
    f->suppressed[cls] += n;
}


static int
rs_find_times(rs_findings *f, uint32_t **bins, int64_t ms)
{
    int64_t  b;

    if (ms < 0) {
        return 0;
    }

    b = ms / RS_FIND_BIN_MS;
    b = b < RS_FIND_BINS ? b : RS_FIND_BINS - 1;

    return rs_find_bin_add(f, bins, (int32_t) b, 1);
}


int
rs_find_bin_add(rs_findings *f, uint32_t **bins, int32_t b, uint32_t n)
{
    int32_t     i, cap;
    uint32_t  **h[3], *p;

    if (b >= f->bins_n) {
        /* doubling from RS_FIND_BINS_MIN: a few reallocations per
           collector, never more bins than the longest time needs twice */
        cap = f->bins_n > 0 ? f->bins_n : RS_FIND_BINS_MIN;
        while (cap <= b) {
            cap *= 2;
        }
        cap = cap < RS_FIND_BINS ? cap : RS_FIND_BINS;

        h[0] = &f->nav_time;
        h[1] = &f->idle_req;
        h[2] = &f->idle_up;

        for (i = 0; i < 3; i++) {
            p = realloc(*h[i], (size_t) cap * sizeof(uint32_t));
            if (p == NULL) {
                return -1;      /* the smaller ones still hold bins_n */
            }
            memset(p + f->bins_n, 0,
                   (size_t) (cap - f->bins_n) * sizeof(uint32_t));
            *h[i] = p;
        }

        f->bins_n = cap;
    }

    (*bins)[b] += n;

    f->bins_lo = b < f->bins_lo ? b : f->bins_lo;
    f->bins_hi = b > f->bins_hi ? b : f->bins_hi;

    return 0;
}


rs_find_cell *
rs_find_sketch(rs_findings *f)
{
    if (f->sketch == NULL) {
        f->sketch = calloc(2 * RS_FIND_SKETCH, sizeof(rs_find_cell));
    }

    return f->sketch;
}


/*
 * A navigation abort's request time and user agent.  Its client is not
 * kept here: the aggregate counts every abort per client already (its
 * client table), and a second table here cost a malloc and a 56-byte
 * uthash handle per client, once per scanning thread (97 MiB peak with
 * 250,000 aborting clients on two threads).
 */
static int
rs_find_navigation(rs_findings *f, const rs_obs *o)
{
    int  rc = rs_find_times(f, &f->nav_time, o->request_ms);

    if (o->agent != NULL && o->agent_len > 0
        && !(o->agent_len == 1 && o->agent[0] == '-'))
    {
        f->nav_agents++;
        /* every mainstream browser's User-Agent starts so; bots rarely */
        f->nav_browsers += o->agent_len >= 8
                           && memcmp(o->agent, "Mozilla/", 8) == 0;
    }

    return rc;
}


/*
 * Output-buffer truncation without the module's fields: the body sizes of
 * every response that did not end with the user leaving (an empty
 * $request_completion, 499, 408) and that was meant to carry the whole
 * body: a 206 (a range: a PDF reader or a video player fetching pieces of
 * one file at many sizes) or a HEAD says nothing about a cut.
 */
static int
rs_find_response(rs_findings *f, const rs_obs *o)
{
    rs_find_key  *u;
    uint64_t      h;
    uint32_t      size;

    if (o->completion == 1 && o->content_length > 0 && o->body_bytes >= 0
        && o->body_bytes < o->content_length && o->status >= 200
        && o->status < 300)
    {
        f->cl_short++;
        f->cl_short_bytes += (uint64_t) (o->content_length - o->body_bytes);
    }

    if (o->uri == NULL || o->body_bytes < 0 || o->completion == 0
        || o->status == 499 || o->status == 408 || o->status < 200
        || o->status >= 300 || o->partial_reply)
    {
        return 0;
    }

    /* a response above 4 KiB raises its URI's two cells of the sketch */
    if (o->body_bytes > RS_FIND_PAGE) {
        h = rs_find_hash(o->uri, o->uri_len);
        size = o->body_bytes > UINT32_MAX ? UINT32_MAX
                                          : (uint32_t) o->body_bytes;
        if (rs_find_sketch(f) == NULL) {
            return -1;
        }
        rs_find_cell_raise(&f->sketch[h & (RS_FIND_SKETCH - 1)], size,
                           (uint32_t) (h >> 48) | 1);
        rs_find_cell_raise(&f->sketch[RS_FIND_SKETCH + ((h >> 16)
                           & (RS_FIND_SKETCH - 1))], size,
                           (uint32_t) (h >> 48) | 1);
    }

    /* only a page multiple can be a cut: those URIs get an exact tally */
    if (o->body_bytes <= 0 || o->body_bytes % RS_FIND_PAGE != 0
        || o->body_bytes >= RS_FIND_MAX_BYTES)
    {
        return 0;
    }

    u = rs_find_bounded_get(f, 1, o->uri, o->uri_len);
    if (u == NULL) {
        return -1;
    }

    u->n++;
    rs_find_uri_add(u, o->body_bytes, 1);

    return 0;
}


void
rs_find_uri_add(rs_find_key *u, int64_t size, uint64_t count)
{
    int             i, slot;
    uint8_t         pages;
    rs_find_sizes  *z = &u->u.uri;

    if (size <= 0 || size % RS_FIND_PAGE != 0 || size >= RS_FIND_MAX_BYTES) {
        return;
    }

    pages = (uint8_t) (size / RS_FIND_PAGE);

    /* a URI with more than a few distinct page multiples has no one cut */
    slot = -1;

    for (i = 0; i < RS_FIND_URI_SIZES; i++) {
        if (z->count[i] > 0 && z->pages[i] == pages) {
            z->count[i] += count;
            return;
        }

        if (z->count[i] == 0 && slot < 0) {
            slot = i;
        }
    }

    if (slot >= 0 && count > 0) {
        z->pages[slot] = pages;
        z->count[slot] = count;
    }
}


static void
rs_find_buffers(rs_findings *f, const rs_obs *o)
{
    rs_buf_kind  k;

    if (o->cls == RG_CLASS_TRUNCATED) {
        if (!o->access) {
            f->up_cut++;

            if (f->cut_sample.len == 0) {
                rs_find_sample_set(&f->cut_sample, o->line, o->line_len);
            }
        }

        return;
    }

    /* the message names the buffer; a Java record says it in its
       exception line, not in its first line */
    k = o->message != NULL ? rs_find_buffer_kind(o->message, o->message_len)
                           : RS_BUF_OTHER;

    if (k == RS_BUF_OTHER && o->signature != NULL) {
        k = rs_find_buffer_kind(o->signature, o->signature_len);
    }

    if (k == RS_BUF_OTHER && o->line != NULL) {
        k = rs_find_buffer_kind(o->line, o->line_len);
    }
    f->buf[k]++;

    if (f->buf_sample[k].len == 0) {
        rs_find_sample_set(&f->buf_sample[k], o->line, o->line_len);
    }
}


static int
rs_find_signature(rs_findings *f, const rs_obs *o)
{
    rs_find_key  *k;

    k = rs_find_bounded_get(f, 0, o->signature, o->signature_len);
    if (k == NULL) {
        return -1;
    }

    k->n++;
    k->u.sig.lines += o->lines;
    k->u.sig.bytes += o->bytes;

    return 0;
}


rs_find_key *
rs_find_key_get(rs_find_key **head, uint64_t *n, const char *p, size_t len)
{
    int           oom;
    rs_find_key  *k;

    if (len > RS_FIND_SAMPLE) {
        len = RS_FIND_SAMPLE;
    }

    HASH_FIND(hh, *head, p, len, k);

    if (k != NULL) {
        return k;
    }

    k = calloc(1, sizeof(rs_find_key) + len + 1);
    if (k == NULL) {
        return NULL;
    }

    memcpy(k->key, p, len);

    oom = 0;
    HASH_ADD_KEYPTR(hh, *head, k->key, len, k);

    if (oom) {
        free(k);
        return NULL;
    }

    (*n)++;

    return k;
}


static int
rs_u64_cmp(const void *a, const void *b)
{
    uint64_t  x = *(const uint64_t *) a, y = *(const uint64_t *) b;

    return (x > y) - (x < y);
}


static uint64_t
rs_find_weight(const rs_find_key *k, int uris)
{
    return uris ? k->n : k->u.sig.bytes;
}


/* What a key costs, as the URIs' byte bound counts it. */
static uint64_t
rs_find_cost(size_t len)
{
    return sizeof(rs_find_key) + len + 1;
}


/*
 * Drops the keys whose weight is at most the median: every key that stays
 * is exact but for at most *dropped lost to an earlier drop of it (a
 * record weighs 1 or more, so *dropped stays 0 while nothing went).
 */
static int
rs_find_prune(rs_findings *f, int uris)
{
    size_t         i, n;
    uint64_t      *w, threshold, *dropped;
    rs_find_key  **head, *k, *tmp;

    head = uris ? &f->uris : &f->sigs;
    dropped = uris ? &f->uris_dropped : &f->sigs_dropped;
    n = HASH_COUNT(*head);
    w = malloc((n ? n : 1) * sizeof(uint64_t));
    if (w == NULL) {
        return -1;
    }

    i = 0;

    HASH_ITER(hh, *head, k, tmp) {
        w[i++] = rs_find_weight(k, uris);
    }

    qsort(w, n, sizeof(uint64_t), rs_u64_cmp);
    threshold = n ? w[(n - 1) / 2] : 0;
    free(w);

    HASH_ITER(hh, *head, k, tmp) {
        if (rs_find_weight(k, uris) > threshold) {
            continue;
        }

        HASH_DELETE(hh, *head, k);

        if (uris) {
            f->uris_n--;
            f->uris_bytes -= rs_find_cost(k->hh.keylen);
        } else {
            f->sigs_n--;
        }

        free(k);
    }

    *dropped = threshold > *dropped ? threshold : *dropped;
    *dropped += *dropped == 0;

    return 0;
}


rs_find_key *
rs_find_bounded_get(rs_findings *f, int uris, const char *p, size_t len)
{
    rs_find_key  **head = uris ? &f->uris : &f->sigs, *k;
    uint64_t      *n = uris ? &f->uris_n : &f->sigs_n;
    int            full;

    if (len > RS_FIND_SAMPLE) {
        len = RS_FIND_SAMPLE;
    }

    HASH_FIND(hh, *head, p, len, k);

    if (k != NULL) {
        return k;
    }

    /* URIs are bounded by bytes too (rs_find_cost) */
    full = uris ? *n >= RS_FIND_MAX_URIS
                  || f->uris_bytes + rs_find_cost(len) > RS_FIND_URI_BYTES
                : *n >= RS_FIND_MAX_SIGS;

    if (full && rs_find_prune(f, uris) != 0) {
        return NULL;
    }

    k = rs_find_key_get(head, n, p, len);
    if (uris && k != NULL) {
        f->uris_bytes += rs_find_cost(len);
    }

    return k;
}


/*
 * Eight bytes at a time, each word multiplied in and folded (a
 * wyhash-like mix): this runs once per request, so it must not walk
 * URIs byte by byte.
 */
uint64_t
rs_find_hash(const char *p, size_t len)
{
    uint64_t  h = 0x9e3779b97f4a7c15ULL ^ len, w;
    size_t    i;

    for (i = 0; i + 8 <= len; i += 8) {
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 31;
    }

    w = 0;
    memcpy(&w, p + i, len - i);
    h = (h ^ w) * 0x94d049bb133111ebULL;

    return h ^ (h >> 29);
}


void
rs_find_cell_raise(rs_find_cell *c, uint32_t size, uint32_t fp)
{
    if (size > c->size || (size == c->size && fp > c->fp)) {
        c->size = size;
        c->fp = fp;
    }
}


/* The URI's largest body above 4 KiB from a cell it owns; 0: unknown. */
int64_t
rs_find_largest(const rs_findings *f, const char *uri, size_t len)
{
    uint64_t             h = rs_find_hash(uri, len);
    uint32_t             fp = (uint32_t) (h >> 48) | 1;
    const rs_find_cell  *a, *b;

    if (f->sketch == NULL) {
        return 0;               /* no body above 4 KiB was seen */
    }

    a = &f->sketch[h & (RS_FIND_SKETCH - 1)];
    b = &f->sketch[RS_FIND_SKETCH + ((h >> 16) & (RS_FIND_SKETCH - 1))];

    return a->fp == fp ? a->size : b->fp == fp ? b->size : 0;
}


rs_find_minute *
rs_find_minute_get(rs_find_minute **head, int64_t minute)
{
    int              oom;
    rs_find_minute  *m;

    HASH_FIND(hh, *head, &minute, sizeof(int64_t), m);

    if (m != NULL) {
        return m;
    }

    m = calloc(1, sizeof(rs_find_minute));
    if (m == NULL) {
        return NULL;
    }

    m->minute = minute;

    oom = 0;
    HASH_ADD(hh, *head, minute, sizeof(int64_t), m);

    if (oom) {
        free(m);
        return NULL;
    }

    return m;
}


void
rs_find_sample_set(rs_find_sample *s, const char *p, size_t len)
{
    if (p == NULL) {
        return;
    }

    if (len > sizeof(s->text) - 1) {
        len = sizeof(s->text) - 1;
    }

    memcpy(s->text, p, len);
    s->text[len] = '\0';
    s->len = len;
}


/* the class table says which classes the findings group (rg_class.c) */
int
rs_find_is_navigation(rg_class cls)
{
    return rg_class_has(cls, RG_TRAIT_NAVIGATION);
}


int
rs_find_is_idle_kind(rg_class cls)
{
    return rg_class_has(cls, RG_TRAIT_IDLE);
}


rs_buf_kind
rs_find_buffer_kind(const char *p, size_t len)
{
    static const struct {
        const char   *needle;
        rs_buf_kind   kind;
    } kinds[] = {
        { "too big header", RS_BUF_HEADER },
        { "buffered to a temporary file", RS_BUF_TEMP_FILE },
        { "JSP Buffer overflow", RS_BUF_JSP },
        { "been committed", RS_BUF_COMMITTED },
    };

    size_t  i;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (rg_find(p, p + len, kinds[i].needle, strlen(kinds[i].needle))) {
            return kinds[i].kind;
        }
    }

    return RS_BUF_OTHER;
}


static void
rs_find_free_keys(rs_find_key **head)
{
    rs_find_key  *k, *tmp;

    HASH_ITER(hh, *head, k, tmp) {
        HASH_DELETE(hh, *head, k);
        free(k);
    }
}


void
rs_findings_free(rs_findings *f)
{
    rs_find_minute  *m, *mtmp;

    if (f == NULL) {
        return;
    }

    rs_find_free_keys(&f->sigs);
    rs_find_free_keys(&f->uris);

    HASH_ITER(hh, f->minutes, m, mtmp) {
        HASH_DELETE(hh, f->minutes, m);
        free(m);
    }

    free(f->nav_time);
    free(f->idle_req);
    free(f->idle_up);
    free(f->sketch);
    free(f);
}
