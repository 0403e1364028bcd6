/*
 * parse_envoy.c - Envoy's access log in its default format:
 *
 *   [2026-11-21T10:00:00.123Z] "GET /x HTTP/1.1" 0 DC 0 512 4012 - "10.1.2.3"
 *       "curl/8.0" "f1c3..." "example.com" "10.0.0.5:8080"
 *
 * ([%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%
 * %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED%
 * %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
 * "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%"
 * "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"), and Istio's longer default,
 * which puts %RESPONSE_CODE_DETAILS%, %CONNECTION_TERMINATION_DETAILS% and
 * "%UPSTREAM_TRANSPORT_FAILURE_REASON%" after the flags and the downstream
 * peer's address further on.
 *
 * The response flags (DC, UC, UT, URX, UF, SI, ..., comma-separated when
 * several) say who ended the request: they are the message the rules
 * match (rules/envoy.yaml); a response code of 0 means no response was
 * ever started, usually because the client went away.
 *
 * The JSON access log (Istio's `accessLogEncoding: JSON`, Envoy Gateway's
 * and Contour's defaults) is read too: one object a line with the same
 * operators' values under their names ("response_flags", "response_code",
 * "start_time" or "@timestamp", ...).
 */

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"


/* A "quoted" field at p (after spaces): its inside, and what follows it. */
static const char *
rs_envoy_quoted(const char *p, const char *end, rg_str *out)
{
    const char  *q;

    while (p < end && *p == ' ') {
        p++;
    }

    if (p == end || *p != '"') {
        return NULL;
    }

    q = memchr(p + 1, '"', (size_t) (end - p - 1));
    if (q == NULL) {
        return NULL;
    }

    out->p = p + 1;
    out->len = (size_t) (q - p - 1);

    return q + 1;
}


/* A decimal number or "-" (-1); -2 when the token is neither. */
static int64_t
rs_envoy_number(rg_str t)
{
    int64_t  v;

    if (t.len == 1 && t.p[0] == '-') {
        return -1;
    }

    v = rg_str_number(t);

    return v < 0 ? -2 : v;
}


/* The first address of an X-Forwarded-For list, or "" for "-". */
static rg_str
rs_envoy_client(rg_str xff)
{
    const char  *comma;

    if (xff.len == 1 && xff.p[0] == '-') {
        xff.len = 0;
        return xff;
    }

    comma = memchr(xff.p, ',', xff.len);
    if (comma != NULL) {
        xff.len = (size_t) (comma - xff.p);
    }

    return xff;
}


/* The string of the first of the keys obj has as a string ("-" is none). */
static const char *
rs_envoy_key(json_t *obj, const char *const *keys, size_t *len)
{
    json_t  *v;

    for ( ; *keys != NULL; keys++) {
        v = json_object_get(obj, *keys);
        if (json_is_string(v) && json_string_length(v) > 0
            && strcmp(json_string_value(v), "-") != 0)
        {
            *len = json_string_length(v);
            return json_string_value(v);
        }
    }

    *len = 0;
    return NULL;
}


/* A field kept from the first of keys, with the port cut when strip. */
static rg_str
rs_envoy_json_field(rs_parser *ps, size_t *at, json_t *obj,
    const char *const *keys, int strip)
{
    const char  *s, *c;
    size_t       n;

    s = rs_envoy_key(obj, keys, &n);
    if (s != NULL && strip && (c = memrchr(s, ':', n)) != NULL) {
        n = (size_t) (c - s);
    }

    return rs_parse_keep(ps, at, s, n);
}


/* A JSON number, or a number written as a string; -1 otherwise. */
static int64_t
rs_envoy_json_number(json_t *v)
{
    rg_str  t;

    if (json_is_integer(v)) {
        return json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
    }

    if (!json_is_string(v)) {
        return -1;
    }

    t.p = json_string_value(v);
    t.len = json_string_length(v);

    return rg_str_number(t);
}


static int
rs_parse_envoy_json(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out)
{
    static const char *const  k_time[] = { "start_time", "@timestamp",
                                           "timestamp", NULL };
    static const char *const  k_xff[] = { "x_forwarded_for",
                                          "x-forwarded-for", NULL };
    static const char *const  k_peer[] = { "downstream_remote_address",
                                           NULL };
    static const char *const  k_host[] = { "authority", ":authority",
                                           NULL };
    static const char *const  k_up[] = { "upstream_host", NULL };
    static const char *const  k_ua[] = { "user_agent", "user-agent", NULL };
    static const char *const  k_path[] = { "path", "x-envoy-origin-path",
                                           NULL };
    json_error_t  je;
    json_t       *doc, *flags;
    const char   *ts, *part[3];
    char          num[8];
    size_t        at = 0, n;
    int64_t       code;
    rg_str        xff;

    doc = json_loadb(p, len, JSON_REJECT_DUPLICATES, &je);
    flags = json_object_get(doc, "response_flags");
    code = rs_envoy_json_number(json_object_get(doc, "response_code"));
    ts = rs_envoy_key(doc, k_time, &n);

    if (!json_is_string(flags) || json_string_length(flags) == 0
        || code < 0 || code > 999 || ts == NULL
        || rs_time_iso(ts, n, &out->ts) == 0)
    {
        json_decref(doc);
        return -1;
    }
    out->ts.valid = 1;

    out->status = (int) code;
    n = (size_t) snprintf(num, sizeof(num), "%d", out->status);
    out->f.f[RG_FIELD_STATUS] = rs_parse_keep(ps, &at, num, n);
    out->f.f[RG_FIELD_MESSAGE] = rs_parse_keep(ps, &at,
                                     json_string_value(flags),
                                     json_string_length(flags));
    out->f.f[RG_FIELD_TERMINATION] = out->f.f[RG_FIELD_MESSAGE];

    /* a TCP session has no method: written "- - -" as in the text log */
    part[0] = json_string_value(json_object_get(doc, "method"));
    part[1] = rs_envoy_key(doc, k_path, &n);
    part[2] = json_string_value(json_object_get(doc, "protocol"));
    out->f.f[RG_FIELD_REQUEST] = part[0] != NULL
                                 ? rs_scratch_request(ps, &at, part)
                                 : rs_parse_keep(ps, &at, "- - -", 5);

    out->body_bytes = rs_envoy_json_number(json_object_get(doc,
                                                           "bytes_sent"));
    out->request_ms = rs_envoy_json_number(json_object_get(doc, "duration"));

    /* the client: the first X-Forwarded-For address, else the peer */
    xff = rs_envoy_json_field(ps, &at, doc, k_xff, 0);
    if (xff.len > 0) {
        xff = rs_envoy_client(xff);
    }
    out->f.f[RG_FIELD_CLIENT] = xff.len > 0
        ? xff : rs_envoy_json_field(ps, &at, doc, k_peer, 1);
    out->f.f[RG_FIELD_HOST] = rs_envoy_json_field(ps, &at, doc, k_host, 0);
    out->f.f[RG_FIELD_UPSTREAM] = rs_envoy_json_field(ps, &at, doc, k_up, 0);
    out->agent = rs_envoy_json_field(ps, &at, doc, k_ua, 0);

    out->f.f[RG_FIELD_LINE].p = p;
    out->f.f[RG_FIELD_LINE].len = len;

    json_decref(doc);

    return 0;
}


int
rs_parse_envoy(rs_parser *ps, const char *p, size_t len, rs_parsed *out)
{
    const char  *end = p + len, *q, *rb;
    rg_str       code, flags, t, num[4], quoted[5];
    int64_t      v;
    size_t       n, i;

    rs_parsed_reset(out);

    if (len >= 2 && p[0] == '{') {
        return rs_parse_envoy_json(ps, p, len, out);
    }

    /* [START_TIME] */
    if (len < 30 || p[0] != '[') {
        return -1;
    }
    rb = memchr(p, ']', len < 40 ? len : 40);
    if (rb == NULL
        || rs_time_iso(p + 1, (size_t) (rb - p - 1), &out->ts)
           != (size_t) (rb - p - 1))
    {
        return -1;
    }
    out->ts.valid = 1;

    q = rs_envoy_quoted(rb + 1, end, &out->f.f[RG_FIELD_REQUEST]);
    if (q == NULL
        || (q = rs_token(q, end, &code)) == NULL
        || (q = rs_token(q, end, &flags)) == NULL)
    {
        return -1;
    }

    v = rs_envoy_number(code);
    if (v < 0 || v > 999 || flags.len == 0) {
        return -1;
    }
    out->status = (int) v;

    /* Istio: RESPONSE_CODE_DETAILS, CONNECTION_TERMINATION_DETAILS and a
       quoted failure reason come before the byte counts; both details
       may be "-" (a TCP session), so a quote after two tokens tells */
    if ((q = rs_token(q, end, &num[0])) == NULL
        || (q = rs_token(q, end, &num[1])) == NULL)
    {
        return -1;
    }
    i = 2;
    rb = q;
    while (rb < end && *rb == ' ') {
        rb++;
    }
    if (rb < end && *rb == '"') {
        if ((q = rs_envoy_quoted(q, end, &t)) == NULL) {
            return -1;
        }
        i = 0;
    }

    /* BYTES_RECEIVED BYTES_SENT DURATION UPSTREAM-SERVICE-TIME */
    for (; i < 4; i++) {
        if ((q = rs_token(q, end, &num[i])) == NULL) {
            return -1;
        }
    }
    for (i = 0; i < 4; i++) {
        if (rs_envoy_number(num[i]) == -2) {
            return -1;
        }
    }

    /* "XFF" "USER-AGENT" "REQUEST-ID" "AUTHORITY" "UPSTREAM_HOST" */
    for (n = 0; n < 5; n++) {
        const char  *r = rs_envoy_quoted(q, end, &quoted[n]);

        if (r == NULL) {
            break;
        }
        q = r;
    }
    if (n < 2) {
        return -1;
    }

    out->body_bytes = rs_envoy_number(num[1]);
    out->request_ms = rs_envoy_number(num[2]);
    out->f.f[RG_FIELD_MESSAGE] = flags;
    out->f.f[RG_FIELD_TERMINATION] = flags;
    out->f.f[RG_FIELD_STATUS] = code;
    out->f.f[RG_FIELD_CLIENT] = rs_envoy_client(quoted[0]);
    out->agent = quoted[1];
    if (n >= 4 && !(quoted[3].len == 1 && quoted[3].p[0] == '-')) {
        out->f.f[RG_FIELD_HOST] = quoted[3];
    }
    if (n >= 5 && !(quoted[4].len == 1 && quoted[4].p[0] == '-')) {
        out->f.f[RG_FIELD_UPSTREAM] = quoted[4];
    }

    /* Istio: the downstream peer (ip:port) is the 4th token after the
       quoted fields, the client when X-Forwarded-For was not set */
    if (out->f.f[RG_FIELD_CLIENT].len == 0) {
        for (i = 0; i < 4 && q != NULL; i++) {
            q = rs_token(q, end, &t);
        }
        if (q != NULL && t.len > 0 && t.p[0] != '-') {
            rb = memrchr(t.p, ':', t.len);
            out->f.f[RG_FIELD_CLIENT].p = t.p;
            out->f.f[RG_FIELD_CLIENT].len = rb ? (size_t) (rb - t.p) : t.len;
        }
    }

    if (out->f.f[RG_FIELD_CLIENT].len == 0) {
        out->f.f[RG_FIELD_CLIENT].p = NULL;
    }

    out->f.f[RG_FIELD_LINE].p = p;
    out->f.f[RG_FIELD_LINE].len = len;

    return 0;
}
