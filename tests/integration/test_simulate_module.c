/*
 * `rstscan simulate` against the module itself: real aborts, at least
 * 50 ms apart, through the stock nginx with a zone, logged with
 * `$msec $rstguard_class $remote_addr $rstguard_log` in one unfiltered
 * access log.  simulate replays that log through core/rg_limiter.h and
 * must predict exactly which aborts the module held back ($rstguard_log
 * 0), class by class, records and bytes.
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rg_class.h"
#include "rgt_client.h"
#include "rgt_nginx.h"
#include "rgt_rstscan.h"

#define BIG_SIZE  (4 * 1024 * 1024)

static rgt_nginx  ngx;

static void setup(void) { cr_assert_eq(rgt_nginx_init(&ngx), 0); }
static void teardown(void) { rgt_nginx_cleanup(&ngx); }

TestSuite(simulate_module, .init = setup, .fini = teardown, .timeout = 90);

#define ZONE  "rate=10r/m burst=2 global_rate=10r/m global_burst=5"

#define SIM_CONF                                                             \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    log_format sim '$msec $rstguard_class $remote_addr $rstguard_log';\n"\
    "    access_log @PREFIX@/logs/sim.log sim;\n"                            \
    "    rstguard_zone zone=z:1m " ZONE " key=$remote_addr;\n"               \
    "    rstguard zone=z;\n"                                                 \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        root @PREFIX@/html;\n"                                          \
    "    }\n"                                                                \
    "}\n"

typedef struct {
    json_int_t  records[2], bytes[2];       /* [0] held, [1] kept */
} tally;

/* What the module decided, from the $rstguard_log column, per class. */
static int
module_tally(const char *log, tally *t)
{
    int          decided, n = 0;
    const char  *p, *nl;

    memset(t, 0, sizeof(tally) * RG_CLASS_COUNT);

    for (p = log; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        cr_assert_not_null(nl);
        /* "$msec $rstguard_class $remote_addr $rstguard_log": an empty
           class leaves two spaces */
        const char *c1 = strchr(p, ' '), *c2 = c1 ? strchr(c1 + 1, ' ') : NULL;
        cr_assert(c1 && c2 && c2 < nl, "%.*s", (int) (nl - p), p);
        decided = nl[-1] - '0';
        cr_assert(decided == 0 || decided == 1, "%.*s", (int) (nl - p), p);
        if (c2 == c1 + 1) {
            continue;
        }
        rg_class c = rg_class_from_name(c1 + 1, (size_t) (c2 - c1 - 1));
        cr_assert_neq(c, RG_CLASS_NONE, "%.*s", (int) (nl - p), p);
        t[c].records[decided]++;
        t[c].bytes[decided] += nl + 1 - p;
        n++;
    }
    return n;
}

Test(simulate_module, predicts_exactly_what_the_module_held_back)
{
    /* 12 resets from three clients, interleaved, then three FINs from a
       fourth: per key, per class and global budgets all come into play */
    static const int  from[] = { 2, 2, 3, 2, 4, 2, 3, 2, 2, 4, 3, 2,
                                 6, 6, 6 };
    char              addr[32], path[600], cmd[2048];
    tally             mod[RG_CLASS_COUNT];
    json_int_t        held = 0, kept = 0;

    cr_assert_eq(rgt_nginx_write_conf(&ngx, SIM_CONF), 0);
    cr_assert_eq(rgt_nginx_make_file(&ngx, "html/big.bin", BIG_SIZE), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);

    for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
        snprintf(addr, sizeof(addr), "127.0.0.%d", from[i]);
        cr_assert_geq(rgt_abort_download(ngx.port[0], addr, "/big.bin",
                                         from[i] == 6 ? RGT_FIN : RGT_RST,
                                         4096, 60),
                      0);
        /* the module decides when nginx logs: keep decisions apart */
        rgt_msleep(60);
    }
    cr_assert_eq(rgt_http_get(ngx.port[0], "127.0.0.5", "/big.bin", NULL, 0),
                 200);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    rgt_nginx_path(&ngx, "logs/sim.log", path, sizeof(path));
    char *log = rgt_read_file(path, NULL);
    cr_assert_not_null(log);
    cr_assert_eq(module_tally(log, mod), 15, "%s", log);
    for (int c = 0; c < RG_CLASS_COUNT; c++) {
        held += mod[c].records[0];
        kept += mod[c].records[1];
    }
    /* both budgets were exercised: some kept, some held */
    cr_assert_geq(kept, 3, "%s", log);
    cr_assert_geq(held, 3, "%s", log);

    int      st;
    json_t  *doc = rgt_rstscan_json(NULL, &st, cmd, sizeof(cmd),
                       "simulate --rate 10r/m --burst 2 --global-rate 10r/m"
                       " --global-burst 5 --json --format nginx-access"
                       " --log-format"
                       " '$msec $rstguard_class $remote_addr $rstguard_log'"
                       " %s", path);
    cr_assert_not_null(doc, "%s", cmd);
    cr_assert_eq(st, 0);

    json_t *classes = json_object_get(doc, "classes");
    for (int c = 0; c < RG_CLASS_COUNT; c++) {
        json_t *o = json_object_get(classes, rg_class_name(c));
        if (mod[c].records[0] + mod[c].records[1] == 0) {
            cr_assert_null(o, "%s", rg_class_name(c));
            continue;
        }
        cr_assert_not_null(o, "%s", rg_class_name(c));
        for (int k = 0; k < 2; k++) {
            json_t *s = json_object_get(o, k ? "kept" : "held");
            cr_assert_eq(json_integer_value(json_object_get(s, "records")),
                         mod[c].records[k], "%s %s\n%s", rg_class_name(c),
                         k ? "kept" : "held", log);
            cr_assert_eq(json_integer_value(json_object_get(s, "bytes")),
                         mod[c].bytes[k], "%s", rg_class_name(c));
        }
    }
    cr_assert_str_eq(json_string_value(json_object_get(doc, "zone_line")),
                     "rstguard_zone zone=rstguard:1m rate=10r/m burst=2"
                     " global_rate=10r/m global_burst=5 key=$remote_addr;");
    json_decref(doc);
    free(log);
}
