/*
 * options.c - rstscan's options (see options.h).
 */

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "options.h"
#include "rg_str.h"

/* the Makefile passes the contents of VERSION, the one place it is kept */
#ifndef RS_VERSION
#error "RS_VERSION is not defined: build with the top-level Makefile"
#endif

typedef struct {
    const char  *name;
    const char  *arg;           /* NULL: a flag */
    unsigned     modes;         /* RS_MODE_* bits: where it is an option */
    const char  *help;
} rs_option;

#define RS_MODES_ALL  (RS_MODE_SCAN | RS_MODE_MERGE | RS_MODE_SIMULATE)
#define RS_MODES_REPORT  (RS_MODE_SCAN | RS_MODE_MERGE)

enum {
    RS_OPT_FORMAT = 0, RS_OPT_LOG_FORMAT, RS_OPT_NGINX_CONF, RS_OPT_RULES,
    RS_OPT_NO_DEFAULT,
    RS_OPT_JSON, RS_OPT_TOP, RS_OPT_BURST, RS_OPT_SINCE, RS_OPT_UNTIL,
    RS_OPT_TZ, RS_OPT_FAIL_ON, RS_OPT_PARTIAL, RS_OPT_HTML, RS_OPT_JOBS,
    RS_OPT_VERSION, RS_OPT_HELP,
    /* rstscan simulate's own */
    RS_OPT_RATE, RS_OPT_SIM_BURST, RS_OPT_GLOBAL_RATE, RS_OPT_GLOBAL_BURST,
    RS_OPT_KEY, RS_OPT_CLASSES,
    RS_OPT_COUNT
};

/*
 * The one option table: getopt_long's options of each mode and --help.
 * --burst is two rows: N/SECONDS (a burst in the report) where a report
 * is printed, N (the limiter's burst) in simulate.  simulate accepts the
 * scanner's options too (--format, --since ...), as it always has.
 */
static const rs_option  rs_options[RS_OPT_COUNT] = {
    { "format", "FORMAT", RS_MODES_ALL,
      "auto (default) or one of the formats below" },
    { "log-format", "STRING", RS_MODES_ALL,
      "the nginx log_format of access logs (default: combined)" },
    { "nginx-conf", "FILE|-", RS_MODES_ALL,
      "read each access log in the log_format its"
      " access_log directive names, from nginx.conf and its includes or"
      " from `nginx -T` (-: stdin; default: " RS_NGINX_CONF ", when no"
      " --log-format is given)" },
    { "rules", "FILE|DIR", RS_MODES_ALL, "add rule files (repeatable)" },
    { "no-default-rules", NULL, RS_MODES_ALL,
      "do not load the shipped rules" },
    { "json", NULL, RS_MODES_ALL, "print the report as JSON" },
    { "top", "N", RS_MODES_ALL, "entries per top list (default 10)" },
    { "burst", "N/SECONDS", RS_MODES_REPORT,
      "a burst is N records of one class from one"
      " client within SECONDS (default 10/60)" },
    { "since", "TIME", RS_MODES_ALL,
      "skip records before TIME (2026-11-21 10:00:00)" },
    { "until", "TIME", RS_MODES_ALL, "skip records after TIME" },
    { "tz", "ZONE", RS_MODES_ALL, "zone of timestamps without an offset"
      " (UTC, +01:00, Europe/Berlin)" },
    { "fail-on", "CLASS|bloat=PCT", RS_MODES_ALL,
      "exit 1 when CLASS was seen, or when"
      " aborts are PCT% or more of the log's bytes (repeatable)" },
    { "partial", NULL, RS_MODES_ALL, "print this shard's mergeable state"
      " (JSON) for `rstscan merge`" },
    { "html", "FILE", RS_MODES_ALL,
      "also write the report as one self-contained HTML file" },
    { "jobs", "N", RS_MODES_ALL, "scanning threads (default: the online"
      " CPUs); the output is the same for every N" },
    { "version", NULL, RS_MODES_ALL, "print the version" },
    { "help", NULL, RS_MODES_ALL, "print this help" },

    { "rate", "R", RS_MODE_SIMULATE,
      "the per-client rate, as in nginx (10r/m, 1r/s; default 10r/m)" },
    { "burst", "N", RS_MODE_SIMULATE,
      "the per-client burst (default 5; at most 1000000000)" },
    { "global-rate", "R", RS_MODE_SIMULATE, "the rate per class for all"
      " clients together (default: twice --rate)" },
    { "global-burst", "N", RS_MODE_SIMULATE, "the burst per class for all"
      " clients together (default: twice --burst)" },
    { "key", "client|none", RS_MODE_SIMULATE,
      "a bucket per client address (default) or one for all" },
    { "classes", "C,C...", RS_MODE_SIMULATE, "limit exactly these classes"
      " (default: the client-side ones), as rstguard_classes does" },
};

/* the options that also have a one-letter form */
static const char  rs_option_letter[RS_OPT_COUNT] = {
    [RS_OPT_JOBS] = 'j',
};


static void rs_usage_rows(FILE *out, unsigned modes, unsigned skip);
static int rs_resolve_values(rs_run *run, char *err, size_t errlen);
static int rs_resolve_burst(rs_run *run, char *err, size_t errlen);
static int rs_parse_classes(const char *text, uint32_t *mask);
static int rs_resolve_rules(rs_run *run, char *err, size_t errlen);
static int rs_resolve_fail_on(rs_run *run, char *err, size_t errlen);
static int rs_resolve_nginx_conf(rs_run *run, char *err, size_t errlen);


void
rs_usage(FILE *out)
{
    size_t  i;

    fprintf(out, "usage: rstscan [OPTIONS] FILE...   (FILE may be -,"
            " plain, gzip or zstd)\n"
            "       rstscan merge [OPTIONS] PART.json...   (of --partial)\n"
            "       rstscan simulate [--rate R] [--burst N] [--global-rate R]"
            " [--global-burst N]\n"
            "                        [--key client|none] [--classes C,C...]"
            " [--json] [OPTIONS] FILE...\n\n");

    rs_usage_rows(out, RS_MODE_SCAN, 0);

    fprintf(out, "\nsimulate (its own options; of the above all but"
            " --burst N/SECONDS):\n");
    rs_usage_rows(out, RS_MODE_SIMULATE, RS_MODE_SCAN);

    /* the format table is the one list of formats (core/rg_format.c) */
    fprintf(out, "\nformats:");
    for (i = 0; i < RG_FORMAT_COUNT; i++) {
        fprintf(out, " %s", rg_formats[i].name);
    }
    fprintf(out, "\n");

    fprintf(out, "\nexit status: 0 clean, 1 a --fail-on condition held,"
            " 2 usage or input error\n");
}


/* The rows of the table that are options of `modes` and not of `skip`. */
static void
rs_usage_rows(FILE *out, unsigned modes, unsigned skip)
{
    char    left[64];
    size_t  i;

    for (i = 0; i < RS_OPT_COUNT; i++) {
        if (!(rs_options[i].modes & modes) || (rs_options[i].modes & skip)) {
            continue;
        }

        snprintf(left, sizeof(left), "%c%c%c --%s%s%s",
                 rs_option_letter[i] ? '-' : ' ',
                 rs_option_letter[i] ? rs_option_letter[i] : ' ',
                 rs_option_letter[i] ? ',' : ' ', rs_options[i].name,
                 rs_options[i].arg ? " " : "",
                 rs_options[i].arg ? rs_options[i].arg : "");
        fprintf(out, "  %-30s %s\n", left, rs_options[i].help);
    }
}


void
rs_version(FILE *out)
{
    fprintf(out, "rstscan %s\n", RS_VERSION);
}


int
rs_cli_parse(rs_cli *cli, rs_mode mode, int argc, char **argv, char *err,
    size_t errlen)
{
    struct option  longopts[RS_OPT_COUNT + 1];
    int            i, n, c;

    memset(cli, 0, sizeof(rs_cli));
    memset(longopts, 0, sizeof(longopts));
    cli->mode = mode;

    for (i = 0, n = 0; i < RS_OPT_COUNT; i++) {
        if (!(rs_options[i].modes & mode)) {
            continue;
        }
        longopts[n].name = rs_options[i].name;
        longopts[n].has_arg = rs_options[i].arg ? required_argument
                                                : no_argument;
        longopts[n].val = 1000 + i;
        n++;
    }

    optind = 1;
    opterr = 0;

    /*
     * A scan's options end at the first FILE ("+"); simulate's may follow
     * the FILEs too, as its own parser always allowed (getopt moves the
     * FILEs, in their order, behind the options).
     */
    while ((c = getopt_long(argc, argv,
                            mode == RS_MODE_SIMULATE ? "j:" : "+j:",
                            longopts, NULL))
           != -1)
    {
        if (c == 'j') {
            c = 1000 + RS_OPT_JOBS;
        }

        switch (c - 1000) {
        case RS_OPT_FORMAT: cli->format = optarg; break;
        case RS_OPT_LOG_FORMAT: cli->log_format = optarg; break;
        case RS_OPT_NGINX_CONF: cli->nginx_conf = optarg; break;
        case RS_OPT_NO_DEFAULT: cli->no_default_rules = 1; break;
        case RS_OPT_JSON: cli->json = 1; break;
        case RS_OPT_TOP: cli->top = optarg; break;
        case RS_OPT_BURST: cli->burst = optarg; break;
        case RS_OPT_SINCE: cli->since = optarg; break;
        case RS_OPT_UNTIL: cli->until = optarg; break;
        case RS_OPT_TZ: cli->tz = optarg; break;
        case RS_OPT_PARTIAL: cli->partial = 1; break;
        case RS_OPT_HTML: cli->html = optarg; break;
        case RS_OPT_JOBS: cli->jobs = optarg; break;
        case RS_OPT_VERSION: cli->version = 1; return 0;
        case RS_OPT_HELP: cli->help = 1; return 0;
        case RS_OPT_RATE: cli->rate = optarg; break;
        case RS_OPT_SIM_BURST: cli->burst = optarg; break;
        case RS_OPT_GLOBAL_RATE: cli->global_rate = optarg; break;
        case RS_OPT_GLOBAL_BURST: cli->global_burst = optarg; break;
        case RS_OPT_KEY: cli->key = optarg; break;
        case RS_OPT_CLASSES: cli->classes = optarg; break;

        case RS_OPT_RULES:
            if (cli->nrules == RS_MAX_RULE_PATHS) {
                snprintf(err, errlen, "too many --rules");
                return -1;
            }
            cli->rules[cli->nrules++] = optarg;
            break;

        case RS_OPT_FAIL_ON:
            if (cli->nfail_on == RS_MAX_FAIL_ON) {
                snprintf(err, errlen, "too many --fail-on");
                return -1;
            }
            cli->fail_on[cli->nfail_on++] = optarg;
            break;

        default:
            if (optopt >= 1000 || optopt == 'j') {
                snprintf(err, errlen, "option \"%s\" needs a value",
                         argv[optind - 1]);
            } else {
                snprintf(err, errlen, "unknown option \"%s\"",
                         argv[optind - 1]);
            }
            return -1;
        }
    }

    cli->files = (const char **) argv + optind;
    cli->nfiles = (size_t) (argc - optind);

    if (cli->nfiles == 0) {
        snprintf(err, errlen, "no input given (use - for stdin)");
        return -1;
    }

    return 0;
}


int
rs_run_resolve(rs_run *run, char *err, size_t errlen)
{
    time_t     now = time(NULL);
    struct tm  tm;

    memset(&run->scan, 0, sizeof(rs_scan_config));
    run->scan.format = -1;
    run->scan.threads = 1;
    run->scan.log_format = run->cli.log_format;
    run->scan.tz = run->cli.tz;
    gmtime_r(&now, &tm);
    run->scan.year = tm.tm_year + 1900;

    if (rs_resolve_values(run, err, errlen) != 0
        || rs_resolve_fail_on(run, err, errlen) != 0
        || rs_resolve_rules(run, err, errlen) != 0)
    {
        return -1;
    }

    run->scan.rules = run->rules;

    if (rs_resolve_nginx_conf(run, err, errlen) != 0) {
        return -1;
    }

    return 0;
}


/*
 * --nginx-conf FILE|-; without it and without --log-format, the system's
 * nginx.conf when there is one ($RSTSCAN_NGINX_CONF names another, for
 * tests), matched by path only and dropped when it cannot be read.
 */
static int
rs_resolve_nginx_conf(rs_run *run, char *err, size_t errlen)
{
    const char  *sys = getenv("RSTSCAN_NGINX_CONF");
    char         msg[1536];

    if (run->cli.nginx_conf != NULL) {
        run->nginx_conf = rs_nginxconf_load(run->cli.nginx_conf, msg,
                                            sizeof(msg));
        if (run->nginx_conf == NULL) {
            snprintf(err, errlen, "invalid --nginx-conf: %s", msg);
            return -1;
        }
        run->scan.nginx_conf_by_name = 1;

    } else if (run->cli.log_format == NULL) {
        sys = sys != NULL ? sys : RS_NGINX_CONF;
        if (*sys != '\0' && access(sys, R_OK) == 0) {
            run->nginx_conf = rs_nginxconf_load(sys, msg, sizeof(msg));
        }
    }

    run->scan.nginx_conf = run->nginx_conf;

    return 0;
}


static int
rs_resolve_values(rs_run *run, char *err, size_t errlen)
{
    rs_cli       *cli = &run->cli;
    uint64_t      v;
    char          msg[512];
    rs_tz         tz;
    rs_parser    *ps;

    if (cli->format != NULL && strcmp(cli->format, "auto") != 0) {
        run->scan.format = rg_format_from_name(cli->format,
                                               strlen(cli->format));
        if (run->scan.format < 0) {
            snprintf(err, errlen, "unknown --format \"%s\"", cli->format);
            return -1;
        }
    }

    /* a thread per online CPU: inputs are read that many at once and
       large plain files cut into chunks the threads take in turn
       (scan_files.h, scan_split.h) */
    v = (uint64_t) sysconf(_SC_NPROCESSORS_ONLN);
    if (cli->jobs != NULL
        && (rg_str_uint_cstr(cli->jobs, RS_MAX_JOBS, &v) != 0 || v == 0))
    {
        snprintf(err, errlen, "invalid -j \"%s\": expected a number from 1"
                 " to %d", cli->jobs, RS_MAX_JOBS);
        return -1;
    }
    run->scan.threads = v == 0 ? 1 : v > RS_MAX_JOBS ? RS_MAX_JOBS : (int) v;

    run->report.top = 10;
    if (cli->top != NULL) {
        if (rg_str_uint_cstr(cli->top, RS_MAX_TOP, &v) != 0) {
            snprintf(err, errlen, "invalid --top \"%s\": expected a number"
                     " from 0 to %d", cli->top, RS_MAX_TOP);
            return -1;
        }
        run->report.top = (size_t) v;
    }

    if (cli->mode == RS_MODE_SIMULATE
        ? rs_cli_sim_config(cli, &run->sim, err, errlen)
        : rs_resolve_burst(run, err, errlen))
    {
        return -1;
    }

    if (cli->since != NULL && rs_time_parse_arg(cli->since, &run->scan.since))
    {
        snprintf(err, errlen, "invalid --since \"%s\": expected a time such"
                 " as 2026-11-21 10:00:00", cli->since);
        return -1;
    }

    if (cli->until != NULL && rs_time_parse_arg(cli->until, &run->scan.until))
    {
        snprintf(err, errlen, "invalid --until \"%s\": expected a time such"
                 " as 2026-11-21 10:00:00", cli->until);
        return -1;
    }

    if (cli->tz != NULL) {
        if (rs_tz_init(&tz, cli->tz, err, errlen) != 0) {
            return -1;
        }
        rs_tz_apply(&tz, &run->scan.since);
        rs_tz_apply(&tz, &run->scan.until);
    }

    /* a bad layout is a usage error before any input is read */
    ps = malloc(sizeof(rs_parser));
    if (ps == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (rs_parser_init(ps, cli->log_format, msg, sizeof(msg)) != 0) {
        snprintf(err, errlen, "invalid --log-format: %s", msg);
        free(ps);
        return -1;
    }
    free(ps);

    return 0;
}


/* --burst N/SECONDS of a report: the digits of N, a slash, SECONDS. */
static int
rs_resolve_burst(rs_run *run, char *err, size_t errlen)
{
    const char  *burst = run->cli.burst;
    uint64_t     v;
    size_t       n;
    rg_str       num;

    run->report.burst_n = 10;
    run->report.burst_seconds = 60;
    if (burst == NULL) {
        return 0;
    }

    num.p = burst;
    num.len = strlen(burst);
    n = rg_str_digits(num, RS_MAX_BURST_N, &run->report.burst_n);
    num.p += n;
    num.len -= n;
    if (n == 0 || run->report.burst_n == 0 || num.len < 2 || *num.p != '/') {
        goto bad_burst;
    }
    num.p++;
    num.len--;
    if (rg_str_uint(num, RS_MAX_BURST_SECONDS, &v) != 0 || v == 0) {
        goto bad_burst;
    }
    run->report.burst_seconds = (int64_t) v;

    return 0;

bad_burst:

    snprintf(err, errlen, "invalid --burst \"%s\": expected N/SECONDS such"
             " as 10/60 (N from 1 to %d, SECONDS from 1 to %d)", burst,
             RS_MAX_BURST_N, RS_MAX_BURST_SECONDS);
    return -1;
}


/* Global budgets not given follow the per-key ones, as in the module. */
int
rs_cli_sim_config(const rs_cli *cli, rs_sim_config *cfg, char *err,
    size_t errlen)
{
    rs_sim_config_default(cfg);
    cfg->json = cli->json;

    if (cli->rate != NULL
        && rg_rate_parse(cli->rate, strlen(cli->rate), &cfg->key.rate) != 0)
    {
        snprintf(err, errlen, "invalid --rate \"%s\": expected a rate such as"
                 " 10r/m or 1r/s", cli->rate);
        return -1;
    }

    if (cli->burst != NULL
        && rg_str_uint_cstr(cli->burst, RS_SIM_MAX_BURST, &cfg->key.burst))
    {
        snprintf(err, errlen, "invalid --burst \"%s\": expected a number from"
                 " 0 to %d", cli->burst, RS_SIM_MAX_BURST);
        return -1;
    }

    if (cli->global_rate != NULL) {
        if (rg_rate_parse(cli->global_rate, strlen(cli->global_rate),
                          &cfg->global.rate) != 0)
        {
            snprintf(err, errlen, "invalid --global-rate \"%s\": expected a"
                     " rate such as 100r/m or 10r/s", cli->global_rate);
            return -1;
        }
        cfg->global_rate_set = 1;
    }

    if (cli->global_burst != NULL) {
        if (rg_str_uint_cstr(cli->global_burst, RS_SIM_MAX_BURST,
                             &cfg->global.burst) != 0)
        {
            snprintf(err, errlen, "invalid --global-burst \"%s\": expected a"
                     " number from 0 to %d", cli->global_burst,
                     RS_SIM_MAX_BURST);
            return -1;
        }
        cfg->global_burst_set = 1;
    }

    if (cli->key != NULL) {
        if (strcmp(cli->key, "client") == 0) {
            cfg->key_mode = RS_SIM_KEY_CLIENT;

        } else if (strcmp(cli->key, "none") == 0) {
            cfg->key_mode = RS_SIM_KEY_NONE;

        } else {
            snprintf(err, errlen, "invalid --key \"%s\": expected client or"
                     " none", cli->key);
            return -1;
        }
    }

    if (cli->classes != NULL) {
        if (rs_parse_classes(cli->classes, &cfg->classes) != 0) {
            snprintf(err, errlen, "invalid --classes \"%s\": expected class"
                     " names separated by commas", cli->classes);
            return -1;
        }
        cfg->explicit_classes = 1;
    }

    if (!cfg->global_rate_set) {
        cfg->global.rate = cfg->key.rate * RG_DEFAULT_GLOBAL_FACTOR;
    }

    if (!cfg->global_burst_set) {
        cfg->global.burst = cfg->key.burst * RG_DEFAULT_GLOBAL_FACTOR;
    }

    return 0;
}


/* "client_reset,upstream_reset" -> their bits; -1 for an unknown name. */
static int
rs_parse_classes(const char *text, uint32_t *mask)
{
    const char  *p, *e;
    rg_class     c;
    uint32_t     m = 0;

    for (p = text; *p; p = *e ? e + 1 : e) {
        e = strchr(p, ',');
        e = e ? e : p + strlen(p);
        c = rg_class_from_name(p, (size_t) (e - p));

        if (c == RG_CLASS_NONE) {
            return -1;
        }

        m |= 1u << c;
    }

    if (m == 0) {
        return -1;
    }

    *mask = m;

    return 0;
}


static int
rs_resolve_fail_on(rs_run *run, char *err, size_t errlen)
{
    size_t       i;
    const char  *s;
    char        *end;

    for (i = 0; i < run->cli.nfail_on; i++) {
        rs_fail_on  *f = &run->fail_on[run->nfail_on++];

        s = run->cli.fail_on[i];
        memset(f, 0, sizeof(rs_fail_on));

        if (strncmp(s, "bloat=", 6) == 0) {
            f->bloat = 1;
            f->pct = strtod(s + 6, &end);
            if (end == s + 6 || *end != '\0' || f->pct < 0 || f->pct > 100) {
                snprintf(err, errlen, "invalid --fail-on \"%s\": bloat=PCT"
                         " needs a percentage from 0 to 100", s);
                return -1;
            }
            continue;
        }

        f->cls = rg_class_from_name(s, strlen(s));
        if (f->cls == RG_CLASS_NONE) {
            snprintf(err, errlen, "invalid --fail-on \"%s\": not a class nor"
                     " bloat=PCT", s);
            return -1;
        }
    }

    return 0;
}


static int
rs_resolve_rules(rs_run *run, char *err, size_t errlen)
{
    rg_error  e;
    size_t    i;

    run->rules = rg_ruleset_create();
    if (run->rules == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    if (!run->cli.no_default_rules
        && rg_ruleset_add_shipped(run->rules, &e) != 0)
    {
        goto failed;
    }

    for (i = 0; i < run->cli.nrules; i++) {
        if (rg_ruleset_add_path(run->rules, run->cli.rules[i], &e) != 0) {
            goto failed;
        }
    }

    if (rg_ruleset_compile(run->rules, &e) != 0) {
        goto failed;
    }

    return 0;

failed:

    snprintf(err, errlen, "%s", e.msg);
    return -1;
}


void
rs_run_free(rs_run *run)
{
    rg_ruleset_destroy(run->rules);
    run->rules = NULL;
    rs_nginxconf_free(run->nginx_conf);
    run->nginx_conf = NULL;
}


int
rs_fail_on_holds(const rs_run *run, const rs_report *rep)
{
    size_t  i;
    double  bloat;

    bloat = rep->agg->bytes ? 100.0 * (double) rep->abort_bytes
                              / (double) rep->agg->bytes : 0.0;

    for (i = 0; i < run->nfail_on; i++) {
        const rs_fail_on  *f = &run->fail_on[i];

        if (f->bloat ? (rep->agg->bytes > 0 && bloat >= f->pct)
                     : rep->agg->cls[f->cls].count > 0)
        {
            return 1;
        }
    }

    return 0;
}
