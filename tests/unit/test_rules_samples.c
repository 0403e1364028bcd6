/*
 * The sample logs of tests/data/samples (the demo's inputs) through the
 * shipped rules: exact counts per class, so the samples and the rules stay
 * true to each other.  Only nginx-error lines and Java records go through
 * core's own parsers; for the other formats the test cuts out the one field
 * the rules need (the scanner's parsers are tested in its own suites).
 */

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "test_rules_helpers.h"

TestSuite(rules_samples, .init = trh_shipped_setup, .fini = trh_teardown);

typedef struct {
    size_t  cls[RG_CLASS_COUNT];
    size_t  none;
    size_t  records;
} tally;

/* Cuts the fields out of one line; 0, or -1 when the line does not parse. */
typedef int (*cut_fn)(const char *line, size_t len, rg_fields *f);

static char  buf[64 * 1024];


static void
count(tally *t, rg_class cls)
{
    t->records++;
    if (cls == RG_CLASS_NONE) {
        t->none++;
    } else {
        t->cls[cls]++;
    }
}


static FILE *
open_sample(const char *name)
{
    char   rel[256];
    FILE  *f;

    snprintf(rel, sizeof(rel), "samples/%s", name);
    f = fopen(trh_data(rel), "r");
    cr_assert_not_null(f, "%s", trh_data(rel));

    return f;
}


static size_t
next_line(FILE *f)
{
    size_t  len;

    if (fgets(buf, sizeof(buf), f) == NULL) {
        return (size_t) -1;
    }

    len = strlen(buf);
    cr_assert(len > 0 && buf[len - 1] == '\n', "line too long");
    buf[--len] = '\0';

    return len;
}


static tally
scan(const char *name, rg_format format, cut_fn cut)
{
    tally           t = { { 0 }, 0, 0 };
    rg_fields       f;
    size_t          len;
    const rg_rule  *r;
    FILE           *in = open_sample(name);

    while ((len = next_line(in)) != (size_t) -1) {
        memset(&f, 0, sizeof(f));
        cr_assert_eq(cut(buf, len, &f), 0, "%s: does not parse: %s", name, buf);
        r = rg_match(trh_m, format, &f);
        count(&t, r ? rg_rule_class(r) : RG_CLASS_NONE);
    }

    fclose(in);

    return t;
}


static void
expect(const tally *t, size_t none, const size_t want[RG_CLASS_COUNT])
{
    for (int c = 0; c < RG_CLASS_COUNT; c++) {
        cr_expect_eq(t->cls[c], want[c], "%s: %zu, want %zu",
                     rg_class_name((rg_class) c), t->cls[c], want[c]);
    }
    cr_expect_eq(t->none, none, "none: %zu, want %zu", t->none, none);
}


static int
cut_nginx_error(const char *line, size_t len, rg_fields *f)
{
    static rg_nginx_error  e;

    if (rg_nginx_error_parse(line, len, &e) != 0) {
        return -1;
    }
    *f = e.fields;

    return 0;
}


Test(rules_samples, nginx_error_log)
{
    static const size_t  want[RG_CLASS_COUNT] = {
        [RG_CLASS_CLIENT_CLOSED] = 15,
        [RG_CLASS_CLIENT_RESET] = 12,
        [RG_CLASS_BROKEN_PIPE] = 8,
        [RG_CLASS_CLIENT_TIMEOUT] = 4,
        [RG_CLASS_STREAM_CANCELED] = 3,
        [RG_CLASS_TLS_ABORTED] = 6,
        [RG_CLASS_UPSTREAM_RESET] = 3,
        [RG_CLASS_UPSTREAM_CLOSED] = 2,
        [RG_CLASS_UPSTREAM_REFUSED] = 3,
        [RG_CLASS_UPSTREAM_TIMEOUT] = 3,
        [RG_CLASS_TRUNCATED] = 2,
        [RG_CLASS_BUFFER_OVERFLOW] = 3
    };
    tally   t = scan("nginx-error.log", RG_FORMAT_NGINX_ERROR, cut_nginx_error);

    cr_expect_eq(t.records, 161);
    expect(&t, 97, want);
}


/* combined: the status follows the quoted request. */
static int
cut_access(const char *line, size_t len, rg_fields *f)
{
    const char  *q = strstr(line, "\" ");

    (void) len;
    if (q == NULL || strlen(q) < 5) {
        return -1;
    }
    f->f[RG_FIELD_MESSAGE] = (rg_str) { q + 2, 3 };
    f->f[RG_FIELD_STATUS] = f->f[RG_FIELD_MESSAGE];

    return 0;
}


Test(rules_samples, nginx_access_log)
{
    static const size_t  want[RG_CLASS_COUNT] = {
        [RG_CLASS_CLIENT_CLOSED] = 8,
        [RG_CLASS_CLIENT_TIMEOUT] = 2
    };
    tally   t = scan("nginx-access.log", RG_FORMAT_NGINX_ACCESS, cut_access);

    cr_expect_eq(t.records, 200);
    expect(&t, 190, want);
}


/* [date] [module:level] [pid N:tid N] message */
static int
cut_apache(const char *line, size_t len, rg_fields *f)
{
    const char  *p = line, *m = NULL, *colon;
    int          i;

    (void) len;
    for (i = 0; i < 3; i++) {
        if (*p != '[' || (p = strstr(p, "] ")) == NULL) {
            return -1;
        }
        p += 2;
        if (i == 0) {
            m = p + 1;
        }
    }

    colon = strchr(m, ':');
    if (colon == NULL) {
        return -1;
    }
    f->f[RG_FIELD_MODULE] = (rg_str) { m, (size_t) (colon - m) };
    f->f[RG_FIELD_MESSAGE] = (rg_str) { p, strlen(p) };

    return 0;
}


Test(rules_samples, apache_error_log)
{
    static const size_t  want[RG_CLASS_COUNT] = {
        [RG_CLASS_CLIENT_RESET] = 3,
        [RG_CLASS_BROKEN_PIPE] = 3,
        [RG_CLASS_CLIENT_TIMEOUT] = 2,
        [RG_CLASS_UPSTREAM_RESET] = 4,
        [RG_CLASS_UPSTREAM_REFUSED] = 3,
        [RG_CLASS_UPSTREAM_TIMEOUT] = 2
    };
    tally   t = scan("apache-error.log", RG_FORMAT_APACHE_ERROR, cut_apache);

    cr_expect_eq(t.records, 40);
    expect(&t, 23, want);
}


/* ... status bytes - - TERM conns ... */
static int
cut_haproxy(const char *line, size_t len, rg_fields *f)
{
    const char  *p = strstr(line, " - - ");

    (void) len;
    if (p == NULL || strlen(p) < 9) {
        return -1;
    }
    f->f[RG_FIELD_MESSAGE] = (rg_str) { p + 5, 4 };
    f->f[RG_FIELD_TERMINATION] = f->f[RG_FIELD_MESSAGE];

    return 0;
}


Test(rules_samples, haproxy_log)
{
    static const size_t  want[RG_CLASS_COUNT] = {
        [RG_CLASS_CLIENT_CLOSED] = 11,
        [RG_CLASS_CLIENT_TIMEOUT] = 5,
        [RG_CLASS_UPSTREAM_CLOSED] = 2,
        [RG_CLASS_TRUNCATED] = 2,
        [RG_CLASS_UPSTREAM_TIMEOUT] = 4,
        [RG_CLASS_UPSTREAM_REFUSED] = 2
    };
    tally   t = scan("haproxy.log", RG_FORMAT_HAPROXY, cut_haproxy);

    cr_expect_eq(t.records, 106);
    expect(&t, 80, want);
}


/* Tomcat records start with "21-Nov-2026 10:00:00.123 ". */
static int
starts_record(const char *line)
{
    return strlen(line) > 24 && line[2] == '-' && line[6] == '-'
           && line[11] == ' ' && line[20] == '.';
}


Test(rules_samples, tomcat_catalina_log)
{
    static rg_java_record  rec;
    static const size_t    want[RG_CLASS_COUNT] = {
        [RG_CLASS_CLIENT_CLOSED] = 2,
        [RG_CLASS_CLIENT_RESET] = 3,
        [RG_CLASS_BROKEN_PIPE] = 5,
        [RG_CLASS_CLIENT_TIMEOUT] = 2,
        [RG_CLASS_UPSTREAM_RESET] = 2,
        [RG_CLASS_UPSTREAM_REFUSED] = 1,
        [RG_CLASS_BUFFER_OVERFLOW] = 1
    };
    size_t                 len, lines = 0;
    tally                  t = { { 0 }, 0, 0 };
    FILE                  *in = open_sample("tomcat-catalina.log");

    while ((len = next_line(in)) != (size_t) -1) {
        if (starts_record(buf) && lines > 0) {
            count(&t, rg_java_record_class(&rec));
        }
        cr_assert(lines > 0 || starts_record(buf));
        rg_java_record_line(&rec, trh_m, buf, len, starts_record(buf));
        lines++;
    }
    count(&t, rg_java_record_class(&rec));
    fclose(in);

    cr_expect_eq(lines, 227);
    cr_expect_eq(t.records, 47);
    expect(&t, 31, want);
}
