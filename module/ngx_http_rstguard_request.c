/*
 * Copyright (C) rstguard authors
 *
 * ngx_http_rstguard_request.c: the access-log side.  Classifies each main
 * request by the flags nginx leaves on it (module/README.md, N2), watches
 * last_buf in a body filter to catch cut responses of unknown length,
 * and exposes $rstguard_class,
 * $rstguard_missing_bytes and $rstguard_log.  nginx's access log runs
 * before any other log-phase handler, so the request is classified and
 * the limiter decision taken by the first getter that needs them, once per
 * request; the log-phase handler finds them there, or takes them when no
 * access_log asked.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_rstguard.h"

#if (NGX_HTTP_V3 && nginx_version >= 1025000)
/* ngx_quic_get_connection() and ngx_quic_connection_t: "draining" */
#include <ngx_event_quic_connection.h>
#define NGX_HTTP_RSTGUARD_QUIC  1
#endif


typedef struct {
    off_t                        missing;       /* -1: unknown */
    rg_class                     cls;
    unsigned                     last_buf:1;    /* the body filter saw it */
    unsigned                     body:1;        /* ... and body bytes */
    unsigned                     classified:1;
    unsigned                     decided:1;
    unsigned                     log:1;         /* $rstguard_log */
} ngx_http_rstguard_ctx_t;


static ngx_http_rstguard_ctx_t *ngx_http_rstguard_get_ctx(
    ngx_http_request_t *r, ngx_uint_t create);
static void ngx_http_rstguard_ctx_marker(void *data);
static ngx_uint_t ngx_http_rstguard_logging(ngx_http_request_t *r);
static ngx_inline ngx_http_rstguard_ctx_t *ngx_http_rstguard_classified(
    ngx_http_request_t *r);
static ngx_http_rstguard_ctx_t *ngx_http_rstguard_classify_request(
    ngx_http_request_t *r, ngx_http_rstguard_ctx_t *ctx);
static rg_class ngx_http_rstguard_classify(ngx_http_request_t *r,
    ngx_http_rstguard_ctx_t *ctx, off_t missing);
static rg_class ngx_http_rstguard_classify_abort(ngx_http_request_t *r);
#if (NGX_HTTP_RSTGUARD_QUIC)
static rg_class ngx_http_rstguard_classify_quic(ngx_http_request_t *r);
#endif
static off_t ngx_http_rstguard_missing(ngx_http_request_t *r);
static ngx_str_t *ngx_http_rstguard_request_upstream(ngx_http_request_t *r);
static void ngx_http_rstguard_decide_request(ngx_http_request_t *r,
    ngx_http_rstguard_ctx_t *ctx);
static ngx_int_t ngx_http_rstguard_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_rstguard_log_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_rstguard_class_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_rstguard_missing_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_rstguard_log_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_variable_t  ngx_http_rstguard_vars[] = {

    { ngx_string("rstguard_class"), NULL,
      ngx_http_rstguard_class_variable, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("rstguard_missing_bytes"), NULL,
      ngx_http_rstguard_missing_variable, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("rstguard_log"), NULL,
      ngx_http_rstguard_log_variable, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


/*
 * Where a request that is no abort, once classified, points its ctx slot
 * instead of at a ctx of its own: the class is then worked out once per
 * request (by the first getter, found again by the others and by the
 * log-phase handler) and an ordinary request still allocates nothing.
 * Shared by every such request and never written: classified and decided
 * are set, and the body filter does not run once a request is logged.
 * [0]: the promised length is unknown, [1]: nothing is missing.
 */
static ngx_http_rstguard_ctx_t  ngx_http_rstguard_ordinary[2] = {
    { -1, RG_CLASS_NONE, 0, 0, 1, 1, 1 },
    { 0, RG_CLASS_NONE, 0, 0, 1, 1, 1 }
};


/*
 * A request gets a ctx only when it has something to remember: a body
 * that went out without last_buf (yet), or an abort class and its
 * decision.  An ordinary request allocates nothing (module/README.md,
 * "The request path's cost").  Internal redirects zero r->ctx, so the ctx
 * is also hung on the request pool as a cleanup with a marker handler,
 * where it survives them; only a redirected request (r->internal) can
 * have lost its ctx that way.
 */

static ngx_http_rstguard_ctx_t *
ngx_http_rstguard_get_ctx(ngx_http_request_t *r, ngx_uint_t create)
{
    ngx_pool_cleanup_t       *cln;
    ngx_http_rstguard_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_rstguard_module);
    if (ctx) {
        return ctx;
    }

    if (r->internal) {
        for (cln = r->pool->cleanup; cln; cln = cln->next) {
            if (cln->handler == ngx_http_rstguard_ctx_marker) {
                ngx_http_set_ctx(r, cln->data, ngx_http_rstguard_module);
                return cln->data;
            }
        }
    }

    if (!create) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_rstguard_ctx_t));
    if (cln == NULL) {
        return NULL;
    }

    ctx = cln->data;
    ngx_memzero(ctx, sizeof(ngx_http_rstguard_ctx_t));
    ctx->cls = RG_CLASS_NONE;
    ctx->missing = -1;
    ctx->log = 1;

    cln->handler = ngx_http_rstguard_ctx_marker;

    ngx_http_set_ctx(r, ctx, ngx_http_rstguard_module);

    return ctx;
}


static void
ngx_http_rstguard_ctx_marker(void *data)
{
    /* only marks the ctx; the pool frees it */
}


/*
 * The request's fate is known only once it is being logged:
 * ngx_http_free_request() sets this action just before the log phase.
 */

static ngx_uint_t
ngx_http_rstguard_logging(ngx_http_request_t *r)
{
    char               *a;
    static const char   action[] = "logging request";
    /* nginx's own string, once seen: then one comparison of pointers */
    static char        *known;

    if (r != r->main) {
        return 0;
    }

    a = r->connection->log->action;

    if (a == known && a != NULL) {
        return 1;
    }

    if (a == NULL || ngx_strcmp(a, action) != 0) {
        return 0;
    }

    known = a;

    return 1;
}


/*
 * NULL unless rstguard is on where the request ended and it is logged.
 * The first call classifies; the others find the answer in the ctx slot.
 * A request that is no abort keeps no ctx of its own: the slot points at
 * ngx_http_rstguard_ordinary.  Only the rare one that is no abort yet sent
 * less than it promised (a 1xx, or output that failed on nginx's side)
 * gets a ctx for its missing bytes, as an abort does.
 */

static ngx_inline ngx_http_rstguard_ctx_t *
ngx_http_rstguard_classified(ngx_http_request_t *r)
{
    ngx_http_rstguard_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_rstguard_module);

    /* only set below, while this (main) request is logged */
    if (ctx != NULL && ctx->classified) {
        return ctx;
    }

    return ngx_http_rstguard_classify_request(r, ctx);
}


static ngx_http_rstguard_ctx_t *
ngx_http_rstguard_classify_request(ngx_http_request_t *r,
    ngx_http_rstguard_ctx_t *ctx)
{
    off_t                          missing;
    rg_class                       cls;
    ngx_http_rstguard_loc_conf_t  *rlcf;

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rstguard_module);

    if (!rlcf->enable || !ngx_http_rstguard_logging(r)) {
        return NULL;
    }

    if (ctx == NULL && r->internal) {
        /* a redirect may have zeroed the slot */
        ctx = ngx_http_rstguard_get_ctx(r, 0);
    }

    missing = ngx_http_rstguard_missing(r);
    cls = ngx_http_rstguard_classify(r, ctx, missing);

    if (ctx == NULL) {
        if (cls == RG_CLASS_NONE && missing <= 0) {
            ctx = &ngx_http_rstguard_ordinary[missing == 0];
            ngx_http_set_ctx(r, ctx, ngx_http_rstguard_module);
            return ctx;
        }

        ctx = ngx_http_rstguard_get_ctx(r, 1);
        if (ctx == NULL) {
            return NULL;
        }
    }

    ctx->classified = 1;
    ctx->missing = missing;
    ctx->cls = cls;

    return ctx;
}


/* ctx, when there is one, says what the body filter saw */

static rg_class
ngx_http_rstguard_classify(ngx_http_request_t *r, ngx_http_rstguard_ctx_t *ctx,
    off_t missing)
{
    ngx_uint_t  status;

    status = r->headers_out.status;

    /*
     * "return 444" sets c->timedout.  An upgraded connection (101) never
     * ends a body, and however its tunnel ends (reset, FIN, send_timeout:
     * c->timedout again) that is how a WebSocket ends, not an abort.
     */
    if (status == NGX_HTTP_CLOSE || r->err_status == NGX_HTTP_CLOSE
        || status == NGX_HTTP_SWITCHING_PROTOCOLS)
    {
        return RG_CLASS_NONE;
    }

    if (!r->request_complete) {
        return ngx_http_rstguard_classify_abort(r);
    }

    if (r->header_only || status == NGX_HTTP_NO_CONTENT
        || status == NGX_HTTP_NOT_MODIFIED || status < NGX_HTTP_OK)
    {
        return RG_CLASS_NONE;
    }

    /* completed "normally": a Content-Length shortfall or no last_buf */

    if (missing > 0 || (ctx != NULL && ctx->body && !ctx->last_buf)) {
        return RG_CLASS_TRUNCATED;
    }

    return RG_CLASS_NONE;
}


static rg_class
ngx_http_rstguard_classify_abort(ngx_http_request_t *r)
{
#if (NGX_HTTP_RSTGUARD_QUIC)
    rg_class           cls;
#endif
    ngx_connection_t  *c;

    c = r->connection;

    if (c->timedout && (c->read->timedout || c->write->timedout)) {
        return RG_CLASS_CLIENT_TIMEOUT;
    }

#if (NGX_HTTP_RSTGUARD_QUIC)
    if (c->quic) {
        cls = ngx_http_rstguard_classify_quic(r);

        if (cls != RG_CLASS_NONE || c->close) {
            return cls;
        }
    }
#endif

    if (!c->error) {
        return RG_CLASS_NONE;
    }

#if (NGX_HTTP_V2)
    /* RST_STREAM sets the stream's fake connection's error alone */
    if (r->stream && !r->stream->connection->connection->error
        && !c->read->eof)
    {
        return RG_CLASS_STREAM_CANCELED;
    }
#endif

    if (c->read->eof || c->read->error) {
        return c->read->error ? RG_CLASS_CLIENT_RESET : RG_CLASS_CLIENT_CLOSED;
    }

    if (c->write->error) {
        return RG_CLASS_BROKEN_PIPE;
    }

    /* an output filter failed, or aio: not the client's doing */
    return RG_CLASS_NONE;
}


#if (NGX_HTTP_RSTGUARD_QUIC)

/*
 * An HTTP/3 request's connection is a QUIC stream's fake connection, and
 * nginx sets neither c->error nor c->read->eof on it when the client goes
 * away (module/README.md, N7).  What it does set:
 *
 * - the whole QUIC connection closes (ngx_quic_close_streams()): c->close,
 *   both events' error, and the request is terminated with no status of
 *   its own.  The parent connection's read event is timedout when the idle
 *   timer fired (ngx_quic_input_handler(), "quic client timed out"); the
 *   QUIC connection is "draining" when the client sent CONNECTION_CLOSE or
 *   a stateless reset (ngx_quic_handle_frames(), ngx_quic_handle_packet()).
 *   Any other close is nginx's own (shutdown, an error): no abort.
 * - the client reset its sending side (RESET_STREAM): recv_state
 *   RESET_RECVD / RESET_READ, only ever set by the client's frame.
 * - the client asked nginx to stop sending (STOP_SENDING): nginx resets its
 *   sending side, send_state RESET_SENT and c->write->error.  nginx resets
 *   it itself only on a request it cannot parse ("client sent invalid
 *   header / body"), which it answers with 400: not an abort.
 */

static rg_class
ngx_http_rstguard_classify_quic(ngx_http_request_t *r)
{
    ngx_connection_t       *c, *pc;
    ngx_quic_stream_t      *qs;
    ngx_quic_connection_t  *qc;

    c = r->connection;
    qs = c->quic;
    pc = qs->parent;

    if (c->close) {

        if (pc->read->timedout) {
            return RG_CLASS_CLIENT_TIMEOUT;
        }

        qc = ngx_quic_get_connection(pc);

        if (qc != NULL && qc->draining) {
            return RG_CLASS_CLIENT_CLOSED;
        }

        return RG_CLASS_NONE;
    }

    if (qs->recv_state == NGX_QUIC_STREAM_RECV_RESET_RECVD
        || qs->recv_state == NGX_QUIC_STREAM_RECV_RESET_READ)
    {
        return RG_CLASS_STREAM_CANCELED;
    }

    if ((qs->send_state == NGX_QUIC_STREAM_SEND_RESET_SENT
         || qs->send_state == NGX_QUIC_STREAM_SEND_RESET_RECVD)
        && r->headers_out.status != NGX_HTTP_BAD_REQUEST
        && r->err_status != NGX_HTTP_BAD_REQUEST)
    {
        return RG_CLASS_STREAM_CANCELED;
    }

    /* anything else reads as on TCP: a FIN before the whole body is eof */
    return RG_CLASS_NONE;
}

#endif


/* promised minus sent body bytes; -1 when the promise is unknown */

static off_t
ngx_http_rstguard_missing(ngx_http_request_t *r)
{
    off_t  expected, body;

    expected = r->header_only ? 0 : r->headers_out.content_length_n;

    if (expected < 0) {
        return -1;
    }

    body = r->connection->sent - (off_t) r->header_size;

    if (body < 0) {
        body = 0;
    }

    return (expected > body) ? expected - body : 0;
}


static void
ngx_http_rstguard_decide_request(ngx_http_request_t *r,
    ngx_http_rstguard_ctx_t *ctx)
{
    ngx_int_t                       rc;
    ngx_str_t                       key;
    ngx_uint_t                      flags;
    ngx_http_rstguard_note_t        note;
    ngx_http_rstguard_zone_t       *zone;
    ngx_http_rstguard_loc_conf_t   *rlcf;

    if (ctx->decided || ctx->cls == RG_CLASS_NONE) {
        return;
    }

    ctx->decided = 1;

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rstguard_module);
    zone = rlcf->zone;

    if (!rlcf->enable || zone == NULL) {
        return;
    }

    flags = rlcf->dry_run ? NGX_HTTP_RSTGUARD_DRY_RUN : 0;

    if (ngx_http_complex_value(r, &zone->key, &key) != NGX_OK) {
        key.len = 0;
    }

    if (key.len == 0 || !ngx_http_rstguard_mask_has(rlcf->classes, ctx->cls)) {
        flags |= NGX_HTTP_RSTGUARD_UNLIMITED;
    }

    /* access-log summaries go to the http-level error log (chain 0) */
    note.chain = 0;
    note.level = NGX_LOG_INFO;
    note.sample = &r->request_line;
    note.upstream = ngx_http_rstguard_request_upstream(r);

    rc = ngx_http_rstguard_zone_decide(zone, NGX_HTTP_RSTGUARD_LOG_ACCESS,
                                       ctx->cls, &key, flags, &note);

    if (rc == NGX_DECLINED && !(flags & NGX_HTTP_RSTGUARD_UNLIMITED)) {
        ctx->log = rlcf->dry_run ? 1 : 0;
    }
}


/* the address of the last upstream peer tried, for alerts, or NULL */
static ngx_str_t *
ngx_http_rstguard_request_upstream(ngx_http_request_t *r)
{
    ngx_http_upstream_state_t  *state;

    if (r->upstream_states == NULL || r->upstream_states->nelts == 0) {
        return NULL;
    }

    state = r->upstream_states->elts;

    return state[r->upstream_states->nelts - 1].peer;
}


static ngx_int_t
ngx_http_rstguard_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_uint_t                     last, body;
    ngx_chain_t                   *cl;
    ngx_http_rstguard_ctx_t       *ctx;
    ngx_http_rstguard_loc_conf_t  *rlcf;

    if (ngx_http_rstguard_http_log_handler == NULL) {
        /* every HTTP connection's log has nginx's HTTP log handler */
        ngx_http_rstguard_http_log_handler = r->connection->log->handler;
    }

    if (r != r->main || in == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_rstguard_module);

    if (ctx == NULL && in->next == NULL && in->buf->last_buf
        && !r->internal)
    {
        /* the whole body in one buffer, as a static file's: see below */
        return ngx_http_next_body_filter(r, in);
    }

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rstguard_module);

    if (!rlcf->enable) {
        return ngx_http_next_body_filter(r, in);
    }

    last = 0;
    body = 0;

    for (cl = in; cl; cl = cl->next) {
        if (cl->buf->last_buf) {
            last = 1;
        }

        if (ngx_buf_size(cl->buf) > 0) {
            body = 1;
        }
    }

    if (ctx == NULL && r->internal) {
        ctx = ngx_http_rstguard_get_ctx(r, 0);
    }

    if (ctx == NULL) {
        /*
         * Nothing to remember yet, or the body ended in this very call
         * (a small response): no ctx, the request is not cut.
         */
        if (last || !body) {
            return ngx_http_next_body_filter(r, in);
        }

        ctx = ngx_http_rstguard_get_ctx(r, 1);
    }

    if (ctx && !ctx->classified) {
        ctx->last_buf |= last;
        ctx->body |= body;
    }

    return ngx_http_next_body_filter(r, in);
}


static ngx_int_t
ngx_http_rstguard_log_handler(ngx_http_request_t *r)
{
    ngx_http_rstguard_ctx_t  *ctx;

    ctx = ngx_http_rstguard_classified(r);

    if (ctx != NULL && ctx->cls != RG_CLASS_NONE) {
        ngx_http_rstguard_decide_request(r, ctx);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_rstguard_class_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    const char               *name;
    ngx_http_rstguard_ctx_t  *ctx;

    ctx = ngx_http_rstguard_classified(r);

    name = (ctx != NULL) ? rg_class_name(ctx->cls) : NULL;

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    v->data = (u_char *) (name ? name : "");
    v->len = name ? ngx_strlen(name) : 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_rstguard_missing_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                   *p;
    ngx_http_rstguard_ctx_t  *ctx;

    ctx = ngx_http_rstguard_classified(r);

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    v->data = (u_char *) "";
    v->len = 0;

    if (ctx == NULL || ctx->missing < 0) {
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, NGX_OFF_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->data = p;
    v->len = ngx_sprintf(p, "%O", ctx->missing) - p;

    return NGX_OK;
}


static ngx_int_t
ngx_http_rstguard_log_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_rstguard_ctx_t  *ctx;

    ctx = ngx_http_rstguard_classified(r);

    if (ctx != NULL && ctx->cls != RG_CLASS_NONE) {
        ngx_http_rstguard_decide_request(r, ctx);
    }

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    v->len = 1;
    v->data = (u_char *) ((ctx == NULL || ctx->log) ? "1" : "0");

    return NGX_OK;
}


ngx_int_t
ngx_http_rstguard_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_rstguard_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_rstguard_request_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_rstguard_log_handler;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_rstguard_body_filter;

    return NGX_OK;
}
