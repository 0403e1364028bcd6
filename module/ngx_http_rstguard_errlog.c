
/*
 * Copyright (C) rstguard authors
 *
 * The error-log filter (rstguard_error_log on; module/README.md, N4).
 *
 * Every error-log chain is recorded while merging locations and, in
 * init_module, every node of every chain gets rstguard's writer, which
 * keeps the node's own writer and wdata to call them itself.  One
 * ngx_log_error_core() call hands the same buffer to every node of a
 * chain, so the line is classified and decided once, at the head (node 0),
 * and the decision is reused by the other nodes only when the buffer, its
 * length and its bytes are the very same.  The writer never blocks: the
 * zone is only try-locked; calls from other threads, re-entrant calls and
 * rstguard's own summaries pass untouched.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_rstguard.h"
#include "rg_escape.h"
#include "rg_nginx_error.h"


/* ngx_http_log_error: a log with this handler has an ngx_http_log_ctx_t */
ngx_log_handler_pt  ngx_http_rstguard_http_log_handler;


/* a node's saved writer; wdata of every patched node points to one */
typedef struct ngx_http_rstguard_errlog_node_s
    ngx_http_rstguard_errlog_node_t;

struct ngx_http_rstguard_errlog_node_s {
    ngx_log_writer_pt                writer;    /* NULL: a file node */
    void                            *wdata;
    ngx_log_t                       *head;      /* the chain it belongs to */
    ngx_uint_t                       index;     /* 0 for the head */
    ngx_http_rstguard_errlog_t      *el;
    ngx_log_t                       *log;       /* the node patched */
    ngx_http_rstguard_errlog_node_t *next;      /* every patched node */
};


struct ngx_http_rstguard_errlog_s {
    ngx_array_t                      chains;    /* ngx_log_t *, distinct */
    ngx_http_rstguard_main_conf_t   *rmcf;
    ngx_http_rstguard_errlog_node_t *nodes;
    ngx_cycle_t                     *cycle;     /* whose chains they are */

    /* per process (each worker has its own copy after fork) */
    rg_matcher                      *matcher;
    ngx_uint_t                       matcher_tried;
    /* the matcher's limit hits already added to the zone's counter */
    uint64_t                         limit_hits;
    ngx_http_rstguard_guard_t        guard;
    ngx_uint_t                       busy;

    /*
     * The HTTP/2 pair: the stream of the last RST_STREAM line decided
     * (its connection number and stream id; sid 0: none) and what was
     * decided for it, which the stream's next abort line follows.
     */
    ngx_atomic_uint_t                pair_number;
    ngx_uint_t                       pair_sid;
    ngx_uint_t                       pair_outcome;

    /* the decision for the line being written */
    u_char                          *line;
    size_t                           line_len;
    ngx_uint_t                       pass;
    u_char                          *out;
    size_t                           out_len;
    u_char                           copy[NGX_MAX_ERROR_STR];
    u_char                           escaped[NGX_MAX_ERROR_STR
                                             * RG_ESCAPE_MAX_GROWTH];
};


static void ngx_http_rstguard_errlog_writer(ngx_log_t *log, ngx_uint_t level,
    u_char *buf, size_t len);
static void ngx_http_rstguard_errlog_decide(ngx_http_rstguard_errlog_t *el,
    ngx_log_t *log, ngx_http_rstguard_errlog_node_t *ln, ngx_uint_t level,
    u_char *buf, size_t len);
static ngx_uint_t ngx_http_rstguard_errlog_filter(
    ngx_http_rstguard_errlog_t *el, ngx_log_t *log,
    ngx_http_rstguard_errlog_node_t *ln, ngx_uint_t level, u_char *buf,
    size_t len);
static rg_class ngx_http_rstguard_errlog_classify(
    ngx_http_rstguard_errlog_t *el, ngx_uint_t level, u_char *buf, size_t len,
    rg_nginx_error *pe);
static ngx_uint_t ngx_http_rstguard_errlog_limited(
    ngx_http_rstguard_main_conf_t *rmcf, rg_class cls, ngx_uint_t level);
static ngx_uint_t ngx_http_rstguard_errlog_stream(ngx_http_log_ctx_t *ctx,
    ngx_atomic_uint_t *number);
static ngx_int_t ngx_http_rstguard_errlog_follow(
    ngx_http_rstguard_errlog_t *el, ngx_str_t *key,
    ngx_http_rstguard_note_t *note);
static void ngx_http_rstguard_errlog_limit_hits(
    ngx_http_rstguard_errlog_t *el);
static ngx_int_t ngx_http_rstguard_errlog_matcher(
    ngx_http_rstguard_errlog_t *el);
static void ngx_http_rstguard_errlog_matcher_cleanup(void *data);
static ngx_http_log_ctx_t *ngx_http_rstguard_errlog_http_ctx(
    ngx_log_t *log);
static u_char *ngx_http_rstguard_errlog_escape(u_char *buf, size_t *len,
    u_char *out, size_t size);
static void ngx_http_rstguard_errlog_write_escaped(ngx_log_t *log,
    ngx_http_rstguard_errlog_node_t *ln, ngx_uint_t level, u_char *buf,
    size_t len);
static void ngx_http_rstguard_errlog_write(ngx_log_t *log,
    ngx_http_rstguard_errlog_node_t *ln, ngx_uint_t level, u_char *buf,
    size_t len);
static ngx_http_rstguard_errlog_t *ngx_http_rstguard_errlog_create(
    ngx_pool_t *pool, ngx_http_rstguard_main_conf_t *rmcf);
static ngx_int_t ngx_http_rstguard_errlog_add_chain(
    ngx_http_rstguard_errlog_t *el, ngx_log_t *head);
static ngx_int_t ngx_http_rstguard_errlog_patch(ngx_cycle_t *cycle,
    ngx_http_rstguard_errlog_t *el, ngx_log_t *head);
static void ngx_http_rstguard_errlog_restore(void *data);


/*
 * Is the line written by a thread-pool thread?  Its tid differs from the
 * process's pid; without --with-threads there are no such threads (and no
 * ngx_tid_t).
 */
static ngx_inline ngx_uint_t
ngx_http_rstguard_errlog_in_thread(void)
{
#if (NGX_THREADS)
    return (ngx_tid_t) ngx_log_tid != (ngx_tid_t) ngx_pid;
#else
    return 0;
#endif
}


static void
ngx_http_rstguard_errlog_writer(ngx_log_t *log, ngx_uint_t level, u_char *buf,
    size_t len)
{
    ngx_http_rstguard_errlog_t       *el;
    ngx_http_rstguard_errlog_node_t  *ln;

    ln = log->wdata;

    if (ln == NULL) {
        /* the memory log's pool cleanup cleared it: the log is gone */
        return;
    }

    el = ln->el;

    /* a thread-pool thread is told first: it must not read el at all */
    if (ngx_http_rstguard_errlog_in_thread()
        || el->busy
        || ngx_http_rstguard_summary_emitting(el->rmcf))
    {
        /*
         * A thread-pool thread, re-entrant, or rstguard's own summary:
         * passed undecided, and escaped on the stack, as the shared state
         * belongs to the line being decided (or to the main thread).
         */
        ngx_http_rstguard_errlog_write_escaped(log, ln, level, buf, len);
        return;
    }

    el->busy = 1;

    if (ln->index == 0
        || buf != el->line || len != el->line_len
        || len > sizeof(el->copy) || ngx_memcmp(buf, el->copy, len) != 0)
    {
        ngx_http_rstguard_errlog_decide(el, log, ln, level, buf, len);
    }

    if (el->pass) {
        ngx_http_rstguard_errlog_write(log, ln, level, el->out, el->out_len);
    }

    el->busy = 0;
}


/* Decides the line once and keeps what the other nodes need to reuse it. */
static void
ngx_http_rstguard_errlog_decide(ngx_http_rstguard_errlog_t *el,
    ngx_log_t *log, ngx_http_rstguard_errlog_node_t *ln, ngx_uint_t level,
    u_char *buf, size_t len)
{
    el->line = buf;
    el->line_len = len;

    if (len <= sizeof(el->copy)) {
        ngx_memcpy(el->copy, buf, len);

    } else {
        /* never reused: a line this long cannot come from nginx's buffer */
        el->line = NULL;
    }

    el->pass = ngx_http_rstguard_errlog_filter(el, log, ln, level, buf, len);

    if (el->pass) {
        el->out_len = len;
        el->out = ngx_http_rstguard_errlog_escape(buf, &el->out_len,
                                                  el->escaped,
                                                  sizeof(el->escaped));
    }
}


/* outcomes of a decided line, which the second line of its pair follows */
#define NGX_HTTP_RSTGUARD_PAIR_UNCOUNTED  0     /* not limited: passed */
#define NGX_HTTP_RSTGUARD_PAIR_PASSED     1
#define NGX_HTTP_RSTGUARD_PAIR_CONTENDED  2
#define NGX_HTTP_RSTGUARD_PAIR_HELD       3


/* Classifies the line and asks the limiter; returns 1 to write it. */
static ngx_uint_t
ngx_http_rstguard_errlog_filter(ngx_http_rstguard_errlog_t *el,
    ngx_log_t *log, ngx_http_rstguard_errlog_node_t *ln, ngx_uint_t level,
    u_char *buf, size_t len)
{
    rg_class                        cls;
    ngx_int_t                       rc;
    ngx_str_t                       key, sample, upstream;
    ngx_uint_t                      held, sid;
    rg_nginx_error                  pe;
    ngx_atomic_uint_t               number;
    ngx_http_log_ctx_t             *ctx;
    ngx_http_rstguard_note_t        note;
    ngx_http_rstguard_main_conf_t  *rmcf;

    rmcf = el->rmcf;

    if (len > 0 && buf[len - 1] == LF) {
        len--;
    }

    cls = ngx_http_rstguard_errlog_classify(el, level, buf, len, &pe);
    if (cls == RG_CLASS_NONE) {
        return 1;
    }

    ctx = ngx_http_rstguard_errlog_http_ctx(log);

    if (ctx != NULL && ctx->connection->addr_text.len != 0) {
        key = ctx->connection->addr_text;

    } else {
        /* no verified HTTP connection: the line's own "client:" field */
        key.data = (u_char *) pe.fields.f[RG_FIELD_CLIENT].p;
        key.len = (key.data != NULL) ? pe.fields.f[RG_FIELD_CLIENT].len : 0;
    }

    /* the sample: the line from its message on, without "*cid " */
    sample.data = (pe.fields.f[RG_FIELD_MESSAGE].p != NULL)
                  ? (u_char *) pe.fields.f[RG_FIELD_MESSAGE].p : buf;
    sample.len = len - (size_t) (sample.data - buf);

    upstream.data = (u_char *) pe.fields.f[RG_FIELD_UPSTREAM].p;
    upstream.len = (upstream.data != NULL)
                   ? pe.fields.f[RG_FIELD_UPSTREAM].len : 0;

    /* what the zone keeps for the summaries, beside the decision */
    note.chain = ngx_http_rstguard_summary_chain(rmcf, ln->head);
    note.level = level;
    note.sample = &sample;
    note.upstream = &upstream;

    sid = (ctx != NULL) ? ngx_http_rstguard_errlog_stream(ctx, &number) : 0;

    if (sid != 0 && sid == el->pair_sid && number == el->pair_number
        && (cls == RG_CLASS_CLIENT_CLOSED || cls == RG_CLASS_STREAM_CANCELED))
    {
        /*
         * The second line of an HTTP/2 pair: the cancel's decision and
         * class, counted but not charged; one follower per cancel.
         */
        el->pair_sid = 0;
        cls = RG_CLASS_STREAM_CANCELED;
        rc = ngx_http_rstguard_errlog_follow(el, &key, &note);

        if (rc == NGX_DONE) {
            return 1;
        }

    } else {
        if (cls == RG_CLASS_STREAM_CANCELED && sid != 0) {
            /* an RST_STREAM line: the stream's next abort line follows */
            el->pair_sid = sid;
            el->pair_number = number;
            el->pair_outcome = NGX_HTTP_RSTGUARD_PAIR_UNCOUNTED;
        }

        if (!ngx_http_rstguard_errlog_limited(rmcf, cls, level)) {
            return 1;
        }

        rc = ngx_http_rstguard_decide(rmcf, NGX_HTTP_RSTGUARD_LOG_ERROR, cls,
                                      &key, NGX_HTTP_RSTGUARD_TRYLOCK
                                      | (rmcf->dry_run
                                         ? NGX_HTTP_RSTGUARD_DRY_RUN : 0),
                                      &note);

        if (cls == RG_CLASS_STREAM_CANCELED && sid != 0) {
            el->pair_outcome = (rc == NGX_OK) ? NGX_HTTP_RSTGUARD_PAIR_PASSED
                               : (rc == NGX_BUSY)
                                 ? NGX_HTTP_RSTGUARD_PAIR_CONTENDED
                                 : NGX_HTTP_RSTGUARD_PAIR_HELD;
        }
    }

    if (rc != NGX_DECLINED) {
        /* NGX_OK, or NGX_BUSY: passed uncharged and counted as contended */
        held = NGX_HTTP_RSTGUARD_NOTE_PASSED;

    } else {
        held = rmcf->dry_run ? NGX_HTTP_RSTGUARD_NOTE_DRY_RUN
                             : NGX_HTTP_RSTGUARD_NOTE_HELD;
    }

    return held != NGX_HTTP_RSTGUARD_NOTE_HELD;
}


/*
 * Counts the second line of a pair the way its cancel was decided, without
 * charging a budget: NGX_OK (passed), NGX_BUSY (passed, contended),
 * NGX_DECLINED (held, or would be under dry run), or NGX_DONE when the
 * cancel was not a limited line (then neither is this one).
 */
static ngx_int_t
ngx_http_rstguard_errlog_follow(ngx_http_rstguard_errlog_t *el,
    ngx_str_t *key, ngx_http_rstguard_note_t *note)
{
    ngx_uint_t                      flags;
    ngx_http_rstguard_main_conf_t  *rmcf;

    rmcf = el->rmcf;
    flags = rmcf->dry_run ? NGX_HTTP_RSTGUARD_DRY_RUN : 0;

    switch (el->pair_outcome) {

    case NGX_HTTP_RSTGUARD_PAIR_PASSED:
        return ngx_http_rstguard_decide(rmcf, NGX_HTTP_RSTGUARD_LOG_ERROR,
                                        RG_CLASS_STREAM_CANCELED, key,
                                        flags | NGX_HTTP_RSTGUARD_UNLIMITED,
                                        NULL);

    case NGX_HTTP_RSTGUARD_PAIR_CONTENDED:
        if (rmcf->zone->sh != NULL) {
            (void) ngx_atomic_fetch_add(&rmcf->zone->sh->counters.contended
                                        [NGX_HTTP_RSTGUARD_LOG_ERROR], 1);
        }
        return NGX_BUSY;

    case NGX_HTTP_RSTGUARD_PAIR_HELD:
        return ngx_http_rstguard_decide(rmcf, NGX_HTTP_RSTGUARD_LOG_ERROR,
                                        RG_CLASS_STREAM_CANCELED, key,
                                        flags | NGX_HTTP_RSTGUARD_TRYLOCK
                                        | NGX_HTTP_RSTGUARD_FOLLOW_HELD,
                                        note);

    default:
        return NGX_DONE;
    }
}


/*
 * The class of an abort line, or RG_CLASS_NONE: not an abort, or not in a
 * process that serves requests.
 */
static rg_class
ngx_http_rstguard_errlog_classify(ngx_http_rstguard_errlog_t *el,
    ngx_uint_t level, u_char *buf, size_t len, rg_nginx_error *pe)
{
    rg_class                        cls;
    const rg_rule                  *rule;
    ngx_http_rstguard_main_conf_t  *rmcf;

    rmcf = el->rmcf;

    /*
     * Only a process that serves requests decides: the summary table
     * exists from init_process on (workers, or master_process off), when
     * ngx_cycle is this cycle.  The master and startup lines just pass.
     */
    if (level >= NGX_LOG_DEBUG || rmcf->summary == NULL || rmcf->zone == NULL
        || rmcf->rules == NULL)
    {
        return RG_CLASS_NONE;
    }

    if (el->matcher == NULL
        && (el->matcher_tried
            || ngx_http_rstguard_errlog_matcher(el) != NGX_OK))
    {
        return RG_CLASS_NONE;
    }

    if (rg_nginx_error_parse((const char *) buf, len, pe) != 0) {
        return RG_CLASS_NONE;
    }

    if (el->guard.noff) {
        /* some rule is switched off: back on when its window ends */
        ngx_http_rstguard_guard_tick(&el->guard, el->matcher);
    }

    rule = rg_match(el->matcher, RG_FORMAT_NGINX_ERROR, &pe->fields);

    ngx_http_rstguard_errlog_limit_hits(el);

    if (rule == NULL) {
        return RG_CLASS_NONE;
    }

    cls = rg_rule_class(rule);

    return (cls < 0 || cls >= RG_CLASS_COUNT) ? RG_CLASS_NONE : cls;
}


/*
 * Whether a line of this class and level may be held back: a limited
 * class, below warn unless named.
 */
static ngx_uint_t
ngx_http_rstguard_errlog_limited(ngx_http_rstguard_main_conf_t *rmcf,
    rg_class cls, ngx_uint_t level)
{
    return ngx_http_rstguard_mask_has(rmcf->classes, cls)
           && (level > NGX_LOG_WARN
               || ngx_http_rstguard_mask_has(rmcf->explicit_classes, cls));
}


/*
 * Adds the limit hits the process's matcher counted since the last line to
 * the zone, where every worker's hits add up.
 */
static void
ngx_http_rstguard_errlog_limit_hits(ngx_http_rstguard_errlog_t *el)
{
    uint64_t                    hits;
    ngx_http_rstguard_zone_t   *zone;

    hits = rg_matcher_limit_hits(el->matcher);
    zone = el->rmcf->zone;

    if (hits == el->limit_hits || zone->sh == NULL) {
        return;
    }

    (void) ngx_atomic_fetch_add(&zone->sh->counters.limit_hits,
                                (ngx_atomic_int_t) (hits - el->limit_hits));
    el->limit_hits = hits;

    ngx_http_rstguard_guard_hits(&el->guard, el->rmcf, el->matcher);
}


/* The process's matcher, made on its first line (after fork). */
static ngx_int_t
ngx_http_rstguard_errlog_matcher(ngx_http_rstguard_errlog_t *el)
{
    ngx_pool_cleanup_t  *cln;

    el->matcher_tried = 1;

    cln = ngx_pool_cleanup_add(ngx_cycle->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    el->matcher = rg_matcher_create(el->rmcf->rules);
    if (el->matcher == NULL) {
        return NGX_ERROR;
    }

    if (ngx_http_rstguard_guard_init(&el->guard, el->rmcf, el->matcher,
                                     ngx_cycle->log)
        != NGX_OK)
    {
        rg_matcher_destroy(el->matcher);
        el->matcher = NULL;
        return NGX_ERROR;
    }

    /*
     * runs before the ruleset's own cleanup and the writer's restore,
     * both registered earlier
     */
    cln->handler = ngx_http_rstguard_errlog_matcher_cleanup;
    cln->data = el;

    return NGX_OK;
}


static void
ngx_http_rstguard_errlog_matcher_cleanup(void *data)
{
    ngx_http_rstguard_errlog_t  *el = data;

    ngx_http_rstguard_guard_free(&el->guard);
    rg_matcher_destroy(el->matcher);

    /* a line logged by a later cleanup is not classified any more */
    el->matcher = NULL;
}


/*
 * The HTTP log context of the connection whose log this is, or NULL.
 * Only the first node of a line carries the connection's context, and
 * only an HTTP connection's context is an ngx_http_log_ctx_t: its log
 * handler is ngx_http_log_error (static in nginx), learnt by the body
 * filter from a request, or here from a connection of this cycle whose
 * listening socket is http's; the contexts of HTTP/2 streams, whose fake
 * connections live outside the connections array, carry it too.
 */
static ngx_http_log_ctx_t *
ngx_http_rstguard_errlog_http_ctx(ngx_log_t *log)
{
    u_char              *p, *start, *end;
    ngx_connection_t    *c;
    ngx_http_log_ctx_t  *ctx;

    if (log->data == NULL || log->handler == NULL) {
        return NULL;
    }

    ctx = log->data;

    if (log->handler != ngx_http_rstguard_http_log_handler) {
        c = ctx->connection;

        start = (u_char *) ngx_cycle->connections;
        end = start + ngx_cycle->connection_n * sizeof(ngx_connection_t);
        p = (u_char *) c;

        if (p < start || p >= end
            || (size_t) (p - start) % sizeof(ngx_connection_t) != 0
            || c->log != log || c->listening == NULL
            || c->listening->handler != ngx_http_init_connection)
        {
            return NULL;
        }

        ngx_http_rstguard_http_log_handler = log->handler;
    }

    return (ctx->connection != NULL) ? ctx : NULL;
}


/*
 * The HTTP/2 stream a line was logged for: its id, and in *number the
 * connection's number (a stream id is unique within its connection, and
 * a connection number within the worker's life); 0 when the line is not
 * a stream's.
 */
static ngx_uint_t
ngx_http_rstguard_errlog_stream(ngx_http_log_ctx_t *ctx,
    ngx_atomic_uint_t *number)
{
#if (NGX_HTTP_V2)
    ngx_http_request_t  *r;

    /* ngx_http_free_request() clears ctx->request */
    r = ctx->request;

    if (r != NULL && r->stream != NULL && r->stream->node != NULL) {
        *number = ctx->connection->number;
        return r->stream->node->id;
    }
#endif

    return 0;
}


/*
 * The line as it will be written: CR, LF (but the final one) and ESC
 * escaped, so a decoded URI cannot start a forged line.  Returns buf
 * itself when nothing needs escaping, else out (size bytes) holding the
 * escaped line; *len is updated.
 */
static u_char *
ngx_http_rstguard_errlog_escape(u_char *buf, size_t *len, u_char *out,
    size_t size)
{
    size_t  body, n;

    body = (*len > 0 && buf[*len - 1] == LF) ? *len - 1 : *len;

    if (rg_escape_line_count((const char *) buf, body) == 0) {
        return buf;
    }

    n = rg_escape_line((const char *) buf, body, (char *) out, size - 1);

    if (n == (size_t) -1) {
        /* only a line longer than nginx's own buffer gets here */
        return buf;
    }

    out[n++] = LF;
    *len = n;

    return out;
}


static void
ngx_http_rstguard_errlog_write_escaped(ngx_log_t *log,
    ngx_http_rstguard_errlog_node_t *ln, ngx_uint_t level, u_char *buf,
    size_t len)
{
    u_char  out[NGX_MAX_ERROR_STR * RG_ESCAPE_MAX_GROWTH];

    buf = ngx_http_rstguard_errlog_escape(buf, &len, out, sizeof(out));

    ngx_http_rstguard_errlog_write(log, ln, level, buf, len);
}


/* What ngx_log_error_core() would have done for this node. */
static void
ngx_http_rstguard_errlog_write(ngx_log_t *log,
    ngx_http_rstguard_errlog_node_t *ln, ngx_uint_t level, u_char *buf,
    size_t len)
{
    ssize_t    n;
    ngx_log_t  orig;

    if (ln->writer != NULL) {
        /* syslog, memory: their writer reads its own state from wdata */
        orig = *log;
        orig.writer = ln->writer;
        orig.wdata = ln->wdata;
        ln->writer(&orig, level, buf, len);
        return;
    }

    if (log->file == NULL || ngx_time() == log->disk_full_time) {
        /* on ENOSPC nginx skips the file for the rest of that second */
        return;
    }

    /* file->fd read now, so a reopen (USR1) takes effect at once */
    n = ngx_write_fd(log->file->fd, buf, len);

    if (n == -1 && ngx_errno == NGX_ENOSPC) {
        log->disk_full_time = ngx_time();
    }
}


ngx_int_t
ngx_http_rstguard_errlog_record(ngx_conf_t *cf)
{
    ngx_http_core_loc_conf_t       *clcf;
    ngx_http_rstguard_main_conf_t  *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_rstguard_module);
    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (rmcf->errlog == NULL) {
        rmcf->errlog = ngx_http_rstguard_errlog_create(cf->pool, rmcf);
        if (rmcf->errlog == NULL) {
            return NGX_ERROR;
        }
    }

    return ngx_http_rstguard_errlog_add_chain(rmcf->errlog, clcf->error_log);
}


static ngx_http_rstguard_errlog_t *
ngx_http_rstguard_errlog_create(ngx_pool_t *pool,
    ngx_http_rstguard_main_conf_t *rmcf)
{
    ngx_http_rstguard_errlog_t  *el;

    el = ngx_pcalloc(pool, sizeof(ngx_http_rstguard_errlog_t));
    if (el == NULL) {
        return NULL;
    }

    if (ngx_array_init(&el->chains, pool, 8, sizeof(ngx_log_t *)) != NGX_OK) {
        return NULL;
    }

    el->rmcf = rmcf;

    return el;
}


static ngx_int_t
ngx_http_rstguard_errlog_add_chain(ngx_http_rstguard_errlog_t *el,
    ngx_log_t *head)
{
    ngx_uint_t   i;
    ngx_log_t  **chains, **p;

    if (head == NULL) {
        return NGX_OK;
    }

    chains = el->chains.elts;

    for (i = 0; i < el->chains.nelts; i++) {
        if (chains[i] == head) {
            return NGX_OK;
        }
    }

    p = ngx_array_push(&el->chains);
    if (p == NULL) {
        return NGX_ERROR;
    }

    *p = head;

    return NGX_OK;
}


ngx_int_t
ngx_http_rstguard_errlog_init_module(ngx_cycle_t *cycle)
{
    ngx_uint_t                      i;
    ngx_log_t                     **chains;
    ngx_listening_t                *ls;
    ngx_pool_cleanup_t             *cln;
    ngx_http_rstguard_errlog_t     *el;
    ngx_http_rstguard_main_conf_t  *rmcf;

    rmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_rstguard_module);

    if (rmcf == NULL || !rmcf->error_log) {
        return NGX_OK;
    }

    if (rmcf->errlog == NULL) {
        rmcf->errlog = ngx_http_rstguard_errlog_create(cycle->pool, rmcf);
        if (rmcf->errlog == NULL) {
            return NGX_ERROR;
        }
    }

    el = rmcf->errlog;
    el->cycle = cycle;

    /*
     * Registered after load_module's own cleanup (which unloads the
     * module's code), so it runs before it: pool cleanups run last added
     * first.
     */
    cln = ngx_pool_cleanup_add(cycle->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_rstguard_errlog_restore;
    cln->data = el;

    /* main error_log (also after http{}) and http{}'s own */
    if (ngx_http_rstguard_errlog_add_chain(el, &cycle->new_log) != NGX_OK
        || ngx_http_rstguard_errlog_add_chain(el,
                           ngx_http_rstguard_http_error_log(cycle)) != NGX_OK)
    {
        return NGX_ERROR;
    }

    chains = el->chains.elts;

    for (i = 0; i < el->chains.nelts; i++) {
        if (ngx_http_rstguard_errlog_patch(cycle, el, chains[i]) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    /*
     * ngx_configure_listening_sockets() copied each chain head into
     * ls->log before init_module: new connections start from that copy.
     */
    ls = cycle->listening.elts;

    for (i = 0; i < cycle->listening.nelts; i++) {
        if (ls[i].logp != NULL
            && ls[i].logp->writer == ngx_http_rstguard_errlog_writer)
        {
            ls[i].log.writer = ls[i].logp->writer;
            ls[i].log.wdata = ls[i].logp->wdata;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_rstguard_errlog_patch(ngx_cycle_t *cycle,
    ngx_http_rstguard_errlog_t *el, ngx_log_t *head)
{
    ngx_uint_t                        index;
    ngx_log_t                        *log;
    ngx_http_rstguard_errlog_node_t  *ln;

    index = 0;

    for (log = head; log != NULL; log = log->next) {

        if (log->writer == ngx_http_rstguard_errlog_writer) {
            index++;
            continue;
        }

        ln = ngx_palloc(cycle->pool, sizeof(ngx_http_rstguard_errlog_node_t));
        if (ln == NULL) {
            return NGX_ERROR;
        }

        ln->writer = log->writer;
        ln->wdata = log->wdata;
        ln->head = head;
        ln->index = index++;
        ln->el = el;
        ln->log = log;
        ln->next = el->nodes;
        el->nodes = ln;

        log->writer = ngx_http_rstguard_errlog_writer;
        log->wdata = ln;
    }

    return NGX_OK;
}


/*
 * The cycle pool's cleanup: every patched log gets its own writer and
 * wdata back.  nginx keeps logging through a cycle's logs while it
 * destroys that cycle's pool (ngx_destroy_pool() logs "run cleanup" and
 * "free" at debug level, after the cleanups ran), and the last cleanup of
 * that pool, load_module's, unloads the module: a writer left in place
 * would then be a call into unmapped code (a worker's graceful exit at
 * "debug" died of SIGSEGV that way).  Restored here, before the unload,
 * nginx writes those last lines itself, unfiltered.
 */
static void
ngx_http_rstguard_errlog_restore(void *data)
{
    ngx_http_rstguard_errlog_t  *el = data;

    ngx_uint_t                        i;
    ngx_listening_t                  *ls;
    ngx_http_rstguard_errlog_node_t  *ln;

    /* the listening sockets' copies first: they point to the nodes */
    ls = el->cycle->listening.elts;

    for (i = 0; i < el->cycle->listening.nelts; i++) {
        if (ls[i].log.writer == ngx_http_rstguard_errlog_writer) {
            ln = ls[i].log.wdata;
            ls[i].log.writer = ln->writer;
            ls[i].log.wdata = ln->wdata;
        }
    }

    for (ln = el->nodes; ln != NULL; ln = ln->next) {
        ln->log->writer = ln->writer;
        ln->log->wdata = ln->wdata;
    }

    el->nodes = NULL;
}


ngx_array_t *
ngx_http_rstguard_errlog_chains(ngx_http_rstguard_errlog_t *el)
{
    return &el->chains;
}
