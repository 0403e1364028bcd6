/*
 * Configuration errors: every bad argument of the module's directives
 * fails the real `nginx -t` with a message that names it; and the good
 * cases it must accept (the built-in default zone, zone=, the classes
 * list, a rules file added to or replacing the shipped rules).
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rgt_client.h"
#include "rgt_mod.h"
#include "rgt_nginx.h"

static rgt_nginx  ngx;

static void setup(void) { cr_assert_eq(rgt_nginx_init(&ngx), 0); }
static void teardown(void) { rgt_nginx_cleanup(&ngx); }

TestSuite(mod_config, .init = setup, .fini = teardown, .timeout = 60);

/* %s is the http-level part, %s the location part */
#define CONFIG_CONF                                                          \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    access_log off;\n"                                                  \
    "%s\n"                                                                   \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        root @PREFIX@/html;\n"                                          \
    "        location / {\n"                                                 \
    "%s\n"                                                                   \
    "        }\n"                                                            \
    "        location = /status { rstguard_status; }\n"                      \
    "    }\n"                                                                \
    "}\n"


/* writes the config and runs nginx -t; its exit status, output in out */
static int
nginx_t(const char *http, const char *loc, char *out, size_t size)
{
    char  conf[8192];

    snprintf(conf, sizeof(conf), CONFIG_CONF, http, loc);
    cr_assert_eq(rgt_nginx_write_conf(&ngx, conf), 0);

    return rgt_nginx_test_conf(&ngx, out, size);
}


static const struct {
    const char  *name;
    const char  *http;
    const char  *loc;
    const char  *message;       /* must appear in nginx -t's output */
} bad[] = {
    { "unknown class",
      "rstguard_classes client_closed bogus_class;", "",
      "unknown class \"bogus_class\"" },
    { "unknown class in a location",
      "", "rstguard_classes client_rest;",
      "unknown class \"client_rest\"" },
    { "bad rate unit",
      "rstguard_zone zone=z:1m rate=10r/h;", "",
      "invalid rate \"rate=10r/h\"" },
    { "zero rate",
      "rstguard_zone zone=z:1m rate=0r/s;", "",
      "invalid rate \"rate=0r/s\"" },
    { "bad global rate",
      "rstguard_zone zone=z:1m rate=10r/m global_rate=fast;", "",
      "invalid rate \"global_rate=fast\"" },
    { "bad burst",
      "rstguard_zone zone=z:1m rate=10r/m burst=-1;", "",
      "invalid burst value \"burst=-1\"" },
    { "bad global burst",
      "rstguard_zone zone=z:1m rate=10r/m global_burst=many;", "",
      "invalid burst value \"global_burst=many\"" },
    { "zone too small",
      "rstguard_zone zone=z:16k rate=10r/m;", "",
      "zone \"zone=z:16k\" is too small" },
    { "zone without size",
      "rstguard_zone zone=z rate=10r/m;", "",
      "invalid zone size \"zone=z\"" },
    { "zone without rate",
      "rstguard_zone zone=z:1m burst=5;", "",
      "\"rstguard_zone\" must have \"rate\" parameter" },
    { "zone without zone",
      "rstguard_zone rate=10r/m burst=5;", "",
      "\"rstguard_zone\" must have \"zone\" parameter" },
    { "unknown parameter",
      "rstguard_zone zone=z:1m rate=10r/m bust=5;", "",
      "invalid parameter \"bust=5\"" },
    { "key not a variable",
      "rstguard_zone zone=z:1m rate=10r/m key=remote_addr;", "",
      "key \"remote_addr\" is not a variable" },
    { "key not only a variable",
      "rstguard_zone zone=z:1m rate=10r/m key=$;", "",
      "key \"$\" is not a variable" },
    { "duplicate zone",
      "rstguard_zone zone=z:1m rate=10r/m;\n"
      "rstguard_zone zone=z:1m rate=20r/m;", "",
      "duplicate rstguard zone \"z\"" },
    { "two zones and no zone=",
      "rstguard_zone zone=a:1m rate=10r/m;\n"
      "rstguard_zone zone=b:1m rate=20r/m;", "rstguard on;",
      "\"rstguard on\" is ambiguous: 2 rstguard zones are declared" },
    { "two zones, rstguard on at http level",
      "rstguard_zone zone=a:1m rate=10r/m;\n"
      "rstguard_zone zone=b:1m rate=20r/m;\nrstguard on;", "",
      "choose one with \"rstguard zone=NAME\"" },
    { "unknown zone",
      "rstguard_zone zone=a:1m rate=10r/m;", "rstguard zone=nope;",
      "unknown rstguard zone \"nope\"" },
    { "unknown zone and no zones",
      "", "rstguard zone=nope;",
      "unknown rstguard zone \"nope\"" },
    { "bad rstguard value",
      "", "rstguard maybe;",
      "invalid value \"maybe\" in \"rstguard\" directive" },
    { "rstguard_zone in a location",
      "", "rstguard_zone zone=z:1m rate=10r/m;",
      "\"rstguard_zone\" directive is not allowed here" },
    { "rstguard_error_log in a location",
      "", "rstguard_error_log on;",
      "\"rstguard_error_log\" directive is not allowed here" },
    { "bad summary interval",
      "rstguard_summary_interval soon;", "",
      "\"rstguard_summary_interval\" directive invalid value" },
    { "summary keys not a number",
      "rstguard_summary_keys many;", "",
      "\"rstguard_summary_keys\" directive invalid number" },
    { "summary keys above 100",
      "rstguard_summary_keys 101;", "",
      "\"rstguard_summary_keys\" directive must be between 0 and 100" },
    { "alert without a rate",
      "rstguard_alert loud;", "",
      "invalid rate \"loud\" in \"rstguard_alert\", expected Nr/s, Nr/m "
      "or off" },
    { "alert per hour",
      "rstguard_alert 10r/h;", "",
      "invalid rate \"10r/h\"" },
    { "alert of zero",
      "rstguard_alert 0r/s;", "",
      "invalid rate \"0r/s\"" },
    { "duplicate alert",
      "rstguard_alert 10r/s; rstguard_alert 20r/s;", "",
      "\"rstguard_alert\" directive is duplicate" },
    { "alert in a location",
      "", "rstguard_alert 10r/s;",
      "\"rstguard_alert\" directive is not allowed here" },
    { "bad dry run",
      "", "rstguard_dry_run perhaps;",
      "invalid value \"perhaps\" in \"rstguard_dry_run\" directive" },
    { "status with an argument",
      "", "rstguard_status json;",
      "invalid number of arguments in \"rstguard_status\" directive" },
    { "unreadable rules file",
      "rstguard_rules /nonexistent/rstguard-rules.yaml;", "",
      "/nonexistent/rstguard-rules.yaml" },
    { "rules with a bad option",
      "rstguard_rules /nonexistent/rstguard-rules.yaml add;", "",
      "invalid parameter \"add\", it must be \"replace\"" },
};


Test(mod_config, every_bad_argument_fails_nginx_t_naming_it)
{
    char    out[8192];
    size_t  i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(nginx_t(bad[i].http, bad[i].loc, out, sizeof(out)), 1,
                     "%s: nginx -t passed\n%s", bad[i].name, out);
        cr_assert_not_null(strstr(out, bad[i].message),
                           "%s: expected '%s' in\n%s", bad[i].name,
                           bad[i].message, out);
        cr_assert_not_null(strstr(out, "[emerg]"), "%s\n%s", bad[i].name,
                           out);
    }
}


Test(mod_config, invalid_rules_file_fails_with_file_line_column)
{
    char         out[8192], path[600], http[1024];
    const char  *yaml =
        "- id: local.one\n"
        "  format: nginx-error\n"
        "  class: client_reset\n"
        "  match: '^x'\n"
        "- id: local.two\n"
        "  format: nginx-error\n"
        "  class: no_such_class\n"
        "  match: '^y'\n";

    cr_assert_eq(rgt_nginx_write_file(&ngx, "conf/bad.yaml", yaml,
                                      strlen(yaml)), 0);
    rgt_nginx_path(&ngx, "conf/bad.yaml", path, sizeof(path));
    snprintf(http, sizeof(http), "rstguard_rules %s;", path);

    cr_assert_eq(nginx_t(http, "", out, sizeof(out)), 1, "%s", out);

    /* FILE:LINE:COLUMN of the bad value, from the rules engine */
    char  where[700];

    snprintf(where, sizeof(where), "%s:7:", path);
    cr_assert_not_null(strstr(out, where), "%s", out);
    cr_assert_not_null(strstr(out, "no_such_class"), "%s", out);
}


/*
 * Issue 13: "rstguard_summary_interval 0" was accepted and wrote an alert
 * per eviction.  Anything under a second fails, naming file and line.
 */
Test(mod_config, summary_interval_under_a_second_fails)
{
    char         out[8192], where[700], path[600];
    size_t       i;

    static const char  *values[] = { "0", "500ms", "999ms", "0s" };

    rgt_nginx_path(&ngx, "conf/nginx.conf", path, sizeof(path));
    /* nginx names the file and line after the message */
    snprintf(where, sizeof(where), "in %s:", path);

    for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        char  http[128];

        snprintf(http, sizeof(http),
                 "rstguard_error_log on; rstguard_summary_interval %s;",
                 values[i]);
        cr_assert_eq(nginx_t(http, "", out, sizeof(out)), 1,
                     "%s: nginx -t passed\n%s", values[i], out);
        cr_assert_not_null(strstr(out, "\"rstguard_summary_interval\" "
                                       "directive must be at least 1s"),
                           "%s\n%s", values[i], out);
        cr_assert_not_null(strstr(out, where), "%s\n%s", values[i], out);
    }

    cr_assert_eq(nginx_t("rstguard_error_log on; "
                         "rstguard_summary_interval 1s;", "",
                         out, sizeof(out)), 0, "%s", out);
}


Test(mod_config, good_configurations_pass_nginx_t)
{
    char        out[8192], path[600], http[1024];
    const char  *yaml =
        "- id: local.only\n"
        "  format: nginx-error\n"
        "  class: client_reset\n"
        "  match: '^local only'\n";

    static const struct { const char *http, *loc; } good[] = {
        { "rstguard on;", "" },
        { "", "rstguard on;" },
        { "rstguard_zone zone=a:1m rate=10r/m;\n"
          "rstguard_zone zone=b:64k rate=2r/s burst=0 global_rate=1r/s "
          "global_burst=3 key=$binary_remote_addr;",
          "rstguard zone=b; rstguard_classes truncated client_reset;" },
        { "rstguard_zone zone=a:1m rate=10r/m;", "rstguard on;" },
        { "rstguard_zone zone=a:1m rate=10r/m;\n"
          "rstguard_zone zone=b:1m rate=20r/m;\nrstguard zone=b;",
          "rstguard on;" },
        { "rstguard_error_log on; rstguard_summary_interval 5s;",
          "rstguard off; rstguard_dry_run on;" },
        { "rstguard_error_log on; rstguard_summary_interval 1s; "
          "rstguard_summary_keys 0; rstguard_alert 600r/m;", "" },
        { "rstguard_summary_keys 100; rstguard_alert off;", "rstguard on;" },
    };

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        cr_assert_eq(nginx_t(good[i].http, good[i].loc, out, sizeof(out)), 0,
                     "%s %s\n%s", good[i].http, good[i].loc, out);
    }

    cr_assert_eq(rgt_nginx_write_file(&ngx, "conf/local.yaml", yaml,
                                      strlen(yaml)), 0);
    rgt_nginx_path(&ngx, "conf/local.yaml", path, sizeof(path));

    snprintf(http, sizeof(http), "rstguard_rules %s;", path);
    cr_assert_eq(nginx_t(http, "", out, sizeof(out)), 0, "%s", out);

    snprintf(http, sizeof(http), "rstguard_rules %s replace;", path);
    cr_assert_eq(nginx_t(http, "", out, sizeof(out)), 0, "%s", out);
}


Test(mod_config, rstguard_on_without_zone_uses_the_builtin_default)
{
    char    out[8192];
    json_t *doc, *z;

    (void) out;
    cr_assert_eq(nginx_t("", "rstguard on;", out, sizeof(out)), 0, "%s", out);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);

    doc = rgt_mod_status(&ngx);
    cr_assert_not_null(doc);

    z = json_object_get(json_object_get(doc, "zones"), "rstguard_default");
    cr_assert_not_null(z);
    cr_assert_str_eq(json_string_value(json_object_get(z, "rate")), "10r/m");
    cr_assert_eq(json_integer_value(json_object_get(z, "burst")), 5);
    /* RG_DEFAULT_GLOBAL_FACTOR (2) times rate and burst */
    cr_assert_str_eq(json_string_value(json_object_get(z, "global_rate")),
                     "20r/m");
    cr_assert_eq(json_integer_value(json_object_get(z, "global_burst")), 10);
    cr_assert_eq(json_object_size(json_object_get(doc, "zones")), 1);
    json_decref(doc);

    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
}


/* config/rstguard.conf, as a user drops it into conf.d/, passes nginx -t */
Test(mod_config, shipped_example_passes_nginx_t)
{
    char    src[600], out[8192], conf[2048], *text, *p;
    size_t  len;
    FILE   *f;

    snprintf(src, sizeof(src), "%s/config/rstguard.conf",
             getenv("RSTGUARD_ROOT"));
    text = rgt_read_file(src, &len);
    cr_assert_not_null(text, "%s", src);

    /* its logs go under the prefix instead of /var/log/nginx */
    rgt_nginx_path(&ngx, "conf/rstguard.conf", src, sizeof(src));
    f = fopen(src, "w");
    cr_assert_not_null(f);

    for (char *line = text; *line; line = p) {
        p = strchr(line, '\n');
        p = p ? p + 1 : line + strlen(line);

        char  *at = strstr(line, "/var/log/nginx/");

        if (at != NULL && at < p) {
            fprintf(f, "%.*s%s/logs/%.*s", (int) (at - line), line,
                    ngx.prefix, (int) (p - at - 15), at + 15);
        } else {
            fprintf(f, "%.*s", (int) (p - line), line);
        }
    }

    fclose(f);
    free(text);

    snprintf(conf, sizeof(conf), "%s",
             RGT_CONF_HEAD
             "http {\n"
             "    @TEMP_PATHS@\n"
             "    include @PREFIX@/conf/rstguard.conf;\n"
             "    server { listen 127.0.0.1:@PORT0@; }\n"
             "}\n");
    cr_assert_eq(rgt_nginx_write_conf(&ngx, conf), 0);
    cr_assert_eq(rgt_nginx_test_conf(&ngx, out, sizeof(out)), 0, "%s", out);
}
