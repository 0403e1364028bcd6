/* rstscan simulate: the module's budgets replayed over abort records. */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buckets.h"
#include "options.h"
#include "simulate.h"

/*
 * Parses "simulate ARGS..." as rstscan does (options.c's one table);
 * returns how many FILEs remain, -1 with err on a usage error.
 */
static rs_cli  cli;

static int
parse(rs_sim_config *cfg, char *err, size_t errlen, const char *a0, ...)
{
    static char *argv[16];      /* cli.files points into it */
    int          argc = 1;
    const char  *a;
    va_list      ap;

    argv[0] = (char *) "simulate";
    va_start(ap, a0);
    for (a = a0; a != NULL && argc < 15; a = va_arg(ap, const char *)) {
        argv[argc++] = (char *) a;
    }
    va_end(ap);
    argv[argc] = NULL;

    err[0] = '\0';
    if (rs_cli_parse(&cli, RS_MODE_SIMULATE, argc, argv, err, errlen) != 0
        || rs_cli_sim_config(&cli, cfg, err, errlen) != 0)
    {
        return -1;
    }
    return (int) cli.nfiles;
}

Test(simulate, defaults_are_the_modules)
{
    rs_sim_config  cfg;
    char           err[256];

    cr_assert_eq(parse(&cfg, err, sizeof(err), "access.log", NULL), 1);
    cr_assert_eq(cfg.key.rate, 166);
    cr_assert_eq(cfg.key.burst, 5);
    /* RG_DEFAULT_GLOBAL_FACTOR: twice the per-key 166 and 5 */
    cr_assert_eq(cfg.global.rate, 332);
    cr_assert_eq(cfg.global.burst, 10);
    cr_assert_eq(cfg.key_mode, RS_SIM_KEY_CLIENT);
    cr_assert_eq(cfg.json, 0);
    /* the seven client-side classes, nothing else */
    cr_assert_eq(cfg.classes, 0x7f);
}

Test(simulate, options_set_both_budgets)
{
    rs_sim_config  cfg;
    char           err[256];

    cr_assert_eq(parse(&cfg, err, sizeof(err), "--rate", "2r/s", "--burst=3",
                       "--json", "--key", "none", "a", "b", NULL), 2);
    cr_assert_eq(cfg.key.rate, 2000);
    cr_assert_eq(cfg.key.burst, 3);
    cr_assert_eq(cfg.global.rate, 4000);
    cr_assert_eq(cfg.global.burst, 6);
    cr_assert_eq(cfg.key_mode, RS_SIM_KEY_NONE);
    cr_assert_eq(cfg.json, 1);

    cr_assert_eq(parse(&cfg, err, sizeof(err), "--global-rate", "1r/s",
                       "--global-burst", "0", "--log-format", "$msec",
                       "--", "--rate", NULL), 1);
    cr_assert_eq(cfg.global.rate, 1000);
    cr_assert_eq(cfg.global.burst, 0);
    /* after "--" a FILE, whatever its name; the scanner's options too */
    cr_assert_str_eq(cli.files[0], "--rate");
    cr_assert_str_eq(cli.log_format, "$msec");

    /* simulate's options may follow the FILEs; the FILEs keep their order */
    cr_assert_eq(parse(&cfg, err, sizeof(err), "a", "--burst", "7", "b",
                       "--json", NULL), 2);
    cr_assert_eq(cfg.key.burst, 7);
    cr_assert_eq(cfg.json, 1);
    cr_assert_str_eq(cli.files[0], "a");
    cr_assert_str_eq(cli.files[1], "b");
}

Test(simulate, bad_options_are_named)
{
    rs_sim_config  cfg;
    char           err[256];

    cr_assert_eq(parse(&cfg, err, sizeof(err), "--rate", "10r/h", "f", NULL), -1);
    cr_assert_str_eq(err, "invalid --rate \"10r/h\": expected a rate such as"
                     " 10r/m or 1r/s");
    cr_assert_eq(parse(&cfg, err, sizeof(err), "--burst", "-1", "f", NULL), -1);
    cr_assert_str_eq(err, "invalid --burst \"-1\": expected a number from 0"
                     " to 1000000000");
    cr_assert_eq(parse(&cfg, err, sizeof(err), "--burst", "1000000001", "f",
                       NULL), -1);
    cr_assert_str_eq(err, "invalid --burst \"1000000001\": expected a number"
                     " from 0 to 1000000000");
    cr_assert_eq(parse(&cfg, err, sizeof(err), "--global-burst",
                       "99999999999999999999", "f", NULL), -1);
    cr_assert_str_eq(err, "invalid --global-burst \"99999999999999999999\":"
                     " expected a number from 0 to 1000000000");
    cr_assert_eq(parse(&cfg, err, sizeof(err), "--global-rate",
                       "99999999999999999999r/s", "f", NULL), -1);
    cr_assert_str_eq(err, "invalid --global-rate \"99999999999999999999r/s\":"
                     " expected a rate such as 100r/m or 10r/s");
    cr_assert_eq(parse(&cfg, err, sizeof(err), "f", "--burst", NULL), -1);
    cr_assert_str_eq(err, "option \"--burst\" needs a value");
    cr_assert_eq(parse(&cfg, err, sizeof(err), "--key", "ip", "f", NULL), -1);
    cr_assert_str_eq(err, "invalid --key \"ip\": expected client or none");
    /* one table: an option of no mode is unknown, a scan's N/SECONDS is
       no simulate burst */
    cr_assert_eq(parse(&cfg, err, sizeof(err), "--rates", "1r/s", "f", NULL),
                 -1);
    cr_assert_str_eq(err, "unknown option \"--rates\"");
    cr_assert_eq(parse(&cfg, err, sizeof(err), "--burst", "10/60", "f", NULL),
                 -1);
    cr_assert_str_eq(err, "invalid --burst \"10/60\": expected a number from"
                     " 0 to 1000000000");
}

static rs_sim *
sim(const char *rate, uint64_t burst, const char *grate, uint64_t gburst,
    rs_sim_key mode)
{
    rs_sim_config  cfg;

    rs_sim_config_default(&cfg);
    cr_assert_eq(rg_rate_parse(rate, strlen(rate), &cfg.key.rate), 0);
    cr_assert_eq(rg_rate_parse(grate, strlen(grate), &cfg.global.rate), 0);
    cfg.key.burst = burst;
    cfg.global.burst = gburst;
    cfg.key_mode = mode;
    return rs_sim_create(&cfg);
}

static void
feed(rs_sim *s, rg_class cls, const char *key, uint64_t ms, uint64_t bytes)
{
    cr_assert_eq(rs_sim_feed(s, RS_SIM_LOG_ACCESS, cls, key, strlen(key), 1,
                             ms, bytes), 0);
}

Test(simulate, one_key_gets_burst_plus_one_then_the_rate)
{
    rs_sim               *s = sim("1r/s", 5, "100r/s", 100, RS_SIM_KEY_CLIENT);
    const rs_sim_result  *r;

    for (int i = 0; i < 20; i++) {
        feed(s, RG_CLASS_CLIENT_RESET, "203.0.113.7", 1000, 100);
    }
    /* 2 s later two more have drained */
    for (int i = 0; i < 5; i++) {
        feed(s, RG_CLASS_CLIENT_RESET, "203.0.113.7", 3000, 100);
    }
    /* another class of the same key has its own bucket */
    feed(s, RG_CLASS_BROKEN_PIPE, "203.0.113.7", 3000, 7);
    /* upstream classes are never held by default */
    for (int i = 0; i < 30; i++) {
        feed(s, RG_CLASS_UPSTREAM_RESET, "203.0.113.7", 3000, 10);
    }

    r = rs_sim_get_result(s);
    cr_assert_eq(r->kept[RG_CLASS_CLIENT_RESET].records, 8);
    cr_assert_eq(r->kept[RG_CLASS_CLIENT_RESET].bytes, 800);
    cr_assert_eq(r->held[RG_CLASS_CLIENT_RESET].records, 17);
    cr_assert_eq(r->held[RG_CLASS_CLIENT_RESET].bytes, 1700);
    cr_assert_eq(r->kept[RG_CLASS_BROKEN_PIPE].records, 1);
    cr_assert_eq(r->kept[RG_CLASS_UPSTREAM_RESET].records, 30);
    cr_assert_eq(r->held[RG_CLASS_UPSTREAM_RESET].records, 0);
    cr_assert_eq(r->peak_keys, 2);
    rs_sim_free(s);
}

/* one client_closed from each of n clients at the same moment */
static const rs_sim_result *
flood(rs_sim *s, int n)
{
    char  key[32];

    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "198.51.100.%d", i);
        feed(s, RG_CLASS_CLIENT_CLOSED, key, 5000, 1);
    }
    return rs_sim_get_result(s);
}

Test(simulate, global_budget_limits_a_flood_of_clients)
{
    rs_sim               *s = sim("10r/m", 5, "1r/s", 3, RS_SIM_KEY_CLIENT);
    const rs_sim_result  *r = flood(s, 10);

    cr_assert_eq(r->kept[RG_CLASS_CLIENT_CLOSED].records, 4);
    cr_assert_eq(r->held[RG_CLASS_CLIENT_CLOSED].records, 6);
    rs_sim_free(s);
}

/*
 * The default global budget (burst 10) takes 11 events at once however
 * many clients send them: each of 30 fresh keys could pass its first, the
 * class's bucket passes 0, 1000, ... 10000 and holds the 12th onwards.
 * Two clients bursting at once: A's 6 (its own burst 5) and B's first 5
 * fill the same 11; B's sixth is held by the global budget.
 */
Test(simulate, default_global_budget_is_two_clients_worth)
{
    rs_sim_config         cfg;
    rs_sim               *s;
    const rs_sim_result  *r;

    rs_sim_config_default(&cfg);
    s = rs_sim_create(&cfg);
    r = flood(s, 30);
    cr_assert_eq(r->kept[RG_CLASS_CLIENT_CLOSED].records, 11);
    cr_assert_eq(r->held[RG_CLASS_CLIENT_CLOSED].records, 19);
    rs_sim_free(s);

    s = rs_sim_create(&cfg);
    for (int i = 0; i < 24; i++) {
        feed(s, RG_CLASS_CLIENT_RESET, i < 12 ? "A" : "B", 1000, 1);
    }
    r = rs_sim_get_result(s);
    cr_assert_eq(r->kept[RG_CLASS_CLIENT_RESET].records, 11);
    cr_assert_eq(r->held[RG_CLASS_CLIENT_RESET].records, 13);
    rs_sim_free(s);
}

Test(simulate, key_none_shares_one_bucket)
{
    rs_sim               *s = sim("10r/m", 2, "100r/s", 100, RS_SIM_KEY_NONE);
    const rs_sim_result  *r = flood(s, 10);

    cr_assert_eq(r->kept[RG_CLASS_CLIENT_CLOSED].records, 3);
    cr_assert_eq(r->held[RG_CLASS_CLIENT_CLOSED].records, 7);
    cr_assert_eq(r->peak_keys, 1);
    rs_sim_free(s);
}

Test(simulate, key_none_needs_a_map_and_empty_keys_are_never_limited)
{
    rs_sim               *s = sim("10r/m", 0, "100r/s", 100, RS_SIM_KEY_CLIENT);
    rs_sim_config         cfg;
    const rs_sim_result  *r;
    char                  line[256];

    feed(s, RG_CLASS_CLIENT_RESET, "", 10, 1);
    feed(s, RG_CLASS_CLIENT_RESET, "", 10, 1);
    r = rs_sim_get_result(s);
    cr_assert_eq(r->kept[RG_CLASS_CLIENT_RESET].records, 2);
    cr_assert_eq(r->unkeyed, 2);

    /* r points into s: free s only after its last use (make asan) */
    rs_sim_config_default(&cfg);
    cfg.key_mode = RS_SIM_KEY_NONE;
    cr_assert_gt(rs_sim_zone_line(&cfg, r, line, sizeof(line)), 0);
    rs_sim_free(s);
    cr_assert_str_eq(line, "rstguard_zone zone=rstguard:1m rate=10r/m"
                     " burst=5 key=$rstguard_all;");
    cr_assert_str_eq(RS_SIM_KEY_NONE_MAP,
                     "map $remote_addr $rstguard_all { default all; }");
}

Test(simulate, logs_have_separate_budgets_and_untimed_records_are_kept)
{
    rs_sim               *s = sim("10r/m", 0, "100r/s", 100, RS_SIM_KEY_CLIENT);
    const rs_sim_result  *r;

    cr_assert_eq(rs_sim_feed(s, RS_SIM_LOG_ACCESS, RG_CLASS_CLIENT_RESET,
                             "a", 1, 1, 0, 1), 0);
    cr_assert_eq(rs_sim_feed(s, RS_SIM_LOG_ERROR, RG_CLASS_CLIENT_RESET,
                             "a", 1, 1, 0, 1), 0);
    cr_assert_eq(rs_sim_feed(s, RS_SIM_LOG_ERROR, RG_CLASS_CLIENT_RESET,
                             "a", 1, 1, 0, 1), 0);
    cr_assert_eq(rs_sim_feed(s, RS_SIM_LOG_ERROR, RG_CLASS_CLIENT_RESET,
                             "a", 1, 0, 0, 1), 0);

    r = rs_sim_get_result(s);
    cr_assert_eq(r->kept[RG_CLASS_CLIENT_RESET].records, 3);
    cr_assert_eq(r->held[RG_CLASS_CLIENT_RESET].records, 1);
    cr_assert_eq(r->untimed, 1);
    rs_sim_free(s);
}

/*
 * A bucket expired the way limit_req expires nodes comes back fresh, so it
 * takes one more event than the drained bucket it replaced would have.
 */
Test(simulate, idle_buckets_expire_like_limit_req_nodes)
{
    for (int other = 0; other <= 1; other++) {
        rs_sim               *s = sim("1r/m", 1, "100r/s", 100,
                                      RS_SIM_KEY_CLIENT);
        const rs_sim_result  *r;

        feed(s, RG_CLASS_CLIENT_RESET, "A", 0, 1);
        feed(s, RG_CLASS_CLIENT_RESET, "A", 1, 1);
        if (other) {
            /* a new key 63 s later expires A: unused 60 s and drained */
            feed(s, RG_CLASS_CLIENT_RESET, "B", 63000, 1);
        }
        for (int i = 0; i < 3; i++) {
            feed(s, RG_CLASS_CLIENT_RESET, "A", 63000, 1);
        }

        r = rs_sim_get_result(s);
        cr_assert_eq(r->kept[RG_CLASS_CLIENT_RESET].records,
                     other ? 5 : 3, "other=%d", other);
        cr_assert_eq(r->held[RG_CLASS_CLIENT_RESET].records,
                     other ? 1 : 2, "other=%d", other);
        rs_sim_free(s);
    }
}

Test(simulate, a_full_table_evicts_the_oldest_key)
{
    rg_limit     lim = { 1000, 0 };
    rs_buckets  *t = rs_buckets_create(2, &lim);
    rg_bucket   *a, *b;

    a = rs_buckets_get(t, 0, RG_CLASS_CLIENT_RESET, "a", 1, 0);
    a->used = 1;
    b = rs_buckets_get(t, 0, RG_CLASS_CLIENT_RESET, "b", 1, 0);
    b->used = 1;
    /* "a" is used again, so "b" is the oldest */
    cr_assert_eq(rs_buckets_get(t, 0, RG_CLASS_CLIENT_RESET, "a", 1, 1), a);
    rs_buckets_get(t, 0, RG_CLASS_CLIENT_RESET, "c", 1, 2);
    cr_assert_eq(rs_buckets_count(t), 2);
    cr_assert_eq(rs_buckets_forced(t), 1);
    cr_assert_eq(rs_buckets_get(t, 0, RG_CLASS_CLIENT_RESET, "a", 1, 3), a);
    cr_assert_eq(rs_buckets_get(t, 0, RG_CLASS_CLIENT_RESET, "b", 1, 3)->used,
                 0);
    rs_buckets_free(t);
}

Test(simulate, prints_json_with_the_zone_line)
{
    rs_sim               *s = sim("10r/m", 1, "100r/m", 10, RS_SIM_KEY_CLIENT);
    rs_sim_config         cfg;
    const rs_sim_result  *r;
    char                 *buf = NULL;
    size_t                len = 0;
    FILE                 *out;
    json_error_t          jerr;
    json_t               *doc, *expect;

    rs_sim_config_default(&cfg);
    rg_rate_parse("100r/m", 6, &cfg.global.rate);
    cfg.key.burst = 1;
    cfg.global.burst = 10;
    cfg.global_rate_set = 1;
    cfg.global_burst_set = 1;
    cfg.json = 1;

    for (int i = 0; i < 4; i++) {
        feed(s, RG_CLASS_BROKEN_PIPE, "::1", 10, 50);
    }
    feed(s, RG_CLASS_TRUNCATED, "::1", 10, 70);

    r = rs_sim_get_result(s);
    out = open_memstream(&buf, &len);
    cr_assert_eq(rs_sim_print(out, &cfg, r), 0);
    fclose(out);

    doc = json_loads(buf, 0, &jerr);
    cr_assert_not_null(doc, "%s: %s", jerr.text, buf);
    expect = json_pack("{s:{s:{s:{s:i,s:i},s:{s:i,s:i},s:b},"
                       "s:{s:{s:i,s:i},s:{s:i,s:i},s:b}},"
                       "s:s,s:i,s:i,s:i}",
        "classes",
          "broken_pipe", "kept", "records", 2, "bytes", 100,
                         "held", "records", 2, "bytes", 100, "limited", 1,
          "truncated", "kept", "records", 1, "bytes", 70,
                       "held", "records", 0, "bytes", 0, "limited", 0,
        "zone_line", "rstguard_zone zone=rstguard:1m rate=10r/m burst=1"
                     " global_rate=100r/m global_burst=10 key=$remote_addr;",
        "untimed", 0, "unkeyed", 0, "evicted", 0);
    cr_assert(json_equal(doc, expect), "%s", buf);
    json_decref(doc);
    json_decref(expect);
    free(buf);
    rs_sim_free(s);
}

Test(simulate, prints_a_text_table)
{
    rs_sim               *s = sim("10r/m", 0, "100r/m", 10, RS_SIM_KEY_CLIENT);
    rs_sim_config         cfg;
    char                 *buf = NULL;
    size_t                len = 0;
    FILE                 *out;

    rs_sim_config_default(&cfg);
    cfg.key.burst = 0;
    feed(s, RG_CLASS_CLIENT_CLOSED, "a", 10, 5);
    feed(s, RG_CLASS_CLIENT_CLOSED, "a", 10, 5);

    out = open_memstream(&buf, &len);
    cr_assert_eq(rs_sim_print(out, &cfg, rs_sim_get_result(s)), 0);
    fclose(out);
    cr_assert_str_eq(buf,
        "class                      kept     kept bytes         held     held bytes\n"
        "client_closed                 1              5            1              5\n"
        "total                         1              5            1              5\n"
        "\n"
        "to limit like this, in http {}:\n"
        "    rstguard_zone zone=rstguard:1m rate=10r/m burst=0"
        " key=$remote_addr;\n"
        "    rstguard zone=rstguard;\n");
    free(buf);
    rs_sim_free(s);
}

/* --classes is rstguard_classes: those classes, and only those, limited */
Test(simulate, classes_replace_the_client_side_default)
{
    rs_sim_config  cfg;
    char           err[256], *buf = NULL;
    size_t         len = 0;

    cr_assert_eq(parse(&cfg, err, sizeof(err), "--classes",
                       "upstream_reset,client_closed", "--burst", "0",
                       "--json", "f", NULL), 1);
    cr_assert_eq(cfg.classes, (1u << RG_CLASS_UPSTREAM_RESET)
                              | (1u << RG_CLASS_CLIENT_CLOSED));
    cr_assert_eq(cfg.explicit_classes, 1);
    cr_assert_eq(parse(&cfg, err, sizeof(err), "--classes", "reset", "f",
                       NULL), -1);
    cr_assert_str_eq(err, "invalid --classes \"reset\": expected class names"
                     " separated by commas");
    cr_assert_eq(parse(&cfg, err, sizeof(err), "--classes=upstream_reset,",
                       "--burst", "0", "--json", "f", NULL), 1);

    rs_sim *s = rs_sim_create(&cfg);
    for (int i = 0; i < 3; i++) {
        feed(s, RG_CLASS_UPSTREAM_RESET, "10.0.0.1", 10, 1);
        feed(s, RG_CLASS_CLIENT_RESET, "10.0.0.1", 10, 1);
    }
    const rs_sim_result *r = rs_sim_get_result(s);
    /* burst 0: the listed upstream class is held after its first record,
       the client class is no longer limited at all */
    cr_assert_eq(r->kept[RG_CLASS_UPSTREAM_RESET].records, 1);
    cr_assert_eq(r->held[RG_CLASS_UPSTREAM_RESET].records, 2);
    cr_assert_eq(r->kept[RG_CLASS_CLIENT_RESET].records, 3);
    cr_assert_eq(r->held[RG_CLASS_CLIENT_RESET].records, 0);

    FILE *out = open_memstream(&buf, &len);
    cr_assert_eq(rs_sim_print(out, &cfg, r), 0);
    fclose(out);
    cr_assert_not_null(strstr(buf, "\"classes_line\": \"rstguard_classes"
                              " upstream_reset;\""), "%s", buf);
    cr_assert_not_null(strstr(buf, "\"client_reset\": {\n      \"kept\": {\n"
                              "        \"records\": 3,\n        \"bytes\": 3\n"
                              "      },\n      \"held\": {\n        \"records\""
                              ": 0,\n        \"bytes\": 0\n      },\n      "
                              "\"limited\": false"), "%s", buf);
    free(buf);
    rs_sim_free(s);
}
