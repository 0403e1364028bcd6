/*
 * rg_java.c - one class per Java record (see rg_java.h).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* memmem */
#endif

#include <string.h>

#include "rg_java.h"


#define RG_BIT(c)  (1u << (c))

/*
 * Frames and exceptions that put a record on the response path: Tomcat's,
 * Jetty's (EofException is its "the client's connection ended", often
 * without an HttpOutput frame when the flush was asynchronous),
 * Undertow's response conduit and servlet stream, and Spring 6.1's
 * wrapper of a failed write to the response (logged on one line, with no
 * frames at all), Reactor Netty's HTTP server (WebFlux; Spring Boot
 * shortens the logger to "r.n.http.server."), WebLogic's servlet
 * container and WebSphere's web container (its ClosedConnectionException
 * is its ClientAbortException).
 */
static const char *const  rg_java_response_path[] = {
    "org.apache.catalina.connector.OutputBuffer",
    "org.apache.coyote",
    "org.eclipse.jetty.server.HttpOutput",
    "org.eclipse.jetty.io.EofException",
    "io.undertow.server.protocol.http.HttpResponseConduit",
    "io.undertow.servlet.spec.ServletOutputStreamImpl",
    "AsyncRequestNotUsableException",
    "reactor.netty.http.server.",
    "r.n.http.server.",
    "weblogic.servlet.internal.",
    "com.ibm.ws.webcontainer.",
    "ClosedConnectionException",
};


void
rg_java_record_reset(rg_java_record *rec)
{
    /* the first-line buffer is overwritten, not cleared: 4 KiB per record
       would cost more than the rest of the work */
    rec->classes = 0;
    memset(rec->rules, 0, sizeof(rec->rules));
    rec->response_path = 0;
    rec->client_abort = 0;
    rec->lines = 0;
    rec->first_len = 0;
}


static int
rg_java_has(const char *line, size_t len, const char *needle)
{
    return memmem(line, len, needle, strlen(needle)) != NULL;
}


/* Looks for the markers the record does not have yet. */
static void
rg_java_markers(rg_java_record *rec, const char *line, size_t len)
{
    size_t  i;

    if (!rec->client_abort && rg_java_has(line, len, "ClientAbortException")) {
        rec->client_abort = 1;
        rec->response_path = 1;
    }

    for (i = 0; !rec->response_path
                && i < sizeof(rg_java_response_path) / sizeof(char *); i++)
    {
        rec->response_path = rg_java_has(line, len, rg_java_response_path[i]);
    }
}


const rg_rule *
rg_java_record_line(rg_java_record *rec, rg_matcher *m, const char *line,
    size_t len, int is_first)
{
    const rg_rule  *rule;
    rg_fields       f;
    rg_class        cls;

    if (len > RG_SUBJECT_CAP) {
        len = RG_SUBJECT_CAP;
    }

    if (is_first) {
        rg_java_record_reset(rec);
        memcpy(rec->first, line, len);
        rec->first_len = len;
    }

    rec->lines++;

    memset(&f, 0, sizeof(f));
    f.f[RG_FIELD_MESSAGE].p = line;
    f.f[RG_FIELD_MESSAGE].len = len;
    f.f[RG_FIELD_LINE] = f.f[RG_FIELD_MESSAGE];
    f.f[RG_FIELD_RECORD].p = rec->first;
    f.f[RG_FIELD_RECORD].len = rec->first_len;

    rg_java_markers(rec, line, len);

    rule = rg_match(m, RG_FORMAT_JAVA, &f);
    if (rule != NULL) {
        cls = rg_rule_class(rule);
        if (!(rec->classes & RG_BIT(cls))) {
            rec->classes |= RG_BIT(cls);
            rec->rules[cls] = rule;
        }
    }

    return rule;
}


/* The classes that count, after the reset and timeout rules. */
static uint32_t
rg_java_effective(const rg_java_record *rec, const rg_rule **reset_rule)
{
    uint32_t  c = rec->classes;

    *reset_rule = rec->rules[RG_CLASS_UPSTREAM_RESET];

    if ((c & RG_BIT(RG_CLASS_CLIENT_TIMEOUT)) && !rec->client_abort) {
        c &= ~RG_BIT(RG_CLASS_CLIENT_TIMEOUT);
    }

    if ((c & RG_BIT(RG_CLASS_CLIENT_RESET)) && !rec->response_path) {
        c &= ~RG_BIT(RG_CLASS_CLIENT_RESET);
        if (!(c & RG_BIT(RG_CLASS_UPSTREAM_RESET))) {
            *reset_rule = rec->rules[RG_CLASS_CLIENT_RESET];
        }
        c |= RG_BIT(RG_CLASS_UPSTREAM_RESET);
    }

    return c;
}


rg_class
rg_java_record_class(const rg_java_record *rec)
{
    const rg_rule  *r;
    uint32_t        c = rg_java_effective(rec, &r);
    int             i;

    /* client_closed is the bare ClientAbortException: the fallback */
    for (i = 0; i < RG_CLASS_COUNT; i++) {
        if (i != RG_CLASS_CLIENT_CLOSED && (c & RG_BIT(i))) {
            return (rg_class) i;
        }
    }

    return (c & RG_BIT(RG_CLASS_CLIENT_CLOSED)) ? RG_CLASS_CLIENT_CLOSED
                                                : RG_CLASS_NONE;
}


const rg_rule *
rg_java_record_rule(const rg_java_record *rec)
{
    const rg_rule  *reset;
    rg_class        cls = rg_java_record_class(rec);

    if (cls == RG_CLASS_NONE) {
        return NULL;
    }

    rg_java_effective(rec, &reset);

    return cls == RG_CLASS_UPSTREAM_RESET ? reset : rec->rules[cls];
}
