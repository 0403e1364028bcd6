/*
 * options.h - rstscan's command line, in two stages:
 *
 *   argv -> rs_cli (validated raw values) -> rs_run (compiled rules, scan
 *   configuration, report options, --fail-on conditions)
 *
 * One table (options.c) drives getopt_long and generates --help.
 */

#ifndef RS_OPTIONS_H
#define RS_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "nginxconf.h"
#include "report.h"
#include "rg_rules.h"
#include "scan.h"
#include "simulate.h"

#define RS_MAX_RULE_PATHS  64
/* scanning threads at most (-j) */
#define RS_MAX_JOBS        256
#define RS_MAX_FAIL_ON     32
/* the bounds of --top N and --burst N/SECONDS */
#define RS_MAX_TOP         1000000
#define RS_MAX_BURST_N     1000000000
#define RS_MAX_BURST_SECONDS  100000000

/* what rstscan is asked to do: its first argument "merge", "simulate",
   or neither (a scan) */
typedef enum {
    RS_MODE_SCAN = 1,
    RS_MODE_MERGE = 2,
    RS_MODE_SIMULATE = 4
} rs_mode;

typedef struct {
    rs_mode       mode;
    int           json;
    int           help;
    int           version;      /* --version */
    int           no_default_rules;
    int           partial;      /* --partial: print the mergeable state */
    const char   *html;         /* --html FILE */
    const char   *jobs;         /* -j N */
    const char   *format;
    const char   *log_format;
    const char   *nginx_conf;   /* --nginx-conf FILE|- */
    const char   *rules[RS_MAX_RULE_PATHS];
    size_t        nrules;
    const char   *top;
    const char   *burst;        /* N/SECONDS; simulate: N */
    /* simulate's: --rate, --global-rate, --global-burst, --key, --classes */
    const char   *rate, *global_rate, *global_burst, *key, *classes;
    const char   *since, *until, *tz;
    const char   *fail_on[RS_MAX_FAIL_ON];
    size_t        nfail_on;
    const char  **files;        /* into argv */
    size_t        nfiles;
} rs_cli;

typedef struct {
    int      bloat;             /* 1: bloat=PCT, 0: a class */
    rg_class cls;
    double   pct;
} rs_fail_on;

typedef struct {
    rs_cli          cli;
    rs_scan_config  scan;
    rs_report_opts  report;
    rg_ruleset     *rules;
    rs_fail_on      fail_on[RS_MAX_FAIL_ON];
    size_t          nfail_on;
    rs_nginxconf   *nginx_conf;     /* --nginx-conf, or the system's */
    rs_sim_config   sim;            /* simulate's budgets */
} rs_run;

/*
 * argv -> cli, the options of `mode` (argv[0] is the program or the mode's
 * name).  0, or -1 with err (usage errors: unknown option, missing value,
 * no input).
 */
int rs_cli_parse(rs_cli *cli, rs_mode mode, int argc, char **argv,
    char *err, size_t errlen);

/* cli -> run: values checked (simulate's into run->sim), rules loaded and
   compiled; 0 or -1 + err. */
int rs_run_resolve(rs_run *run, char *err, size_t errlen);
void rs_run_free(rs_run *run);

/* simulate's options of cli (the limiter's budgets, the key, the classes)
   into cfg; 0 or -1 + err naming the option and its value. */
int rs_cli_sim_config(const rs_cli *cli, rs_sim_config *cfg, char *err,
    size_t errlen);

/* Whether a --fail-on condition holds for the report. */
int rs_fail_on_holds(const rs_run *run, const rs_report *rep);

void rs_usage(FILE *out);

/* "rstscan VERSION" and a newline. */
void rs_version(FILE *out);

#endif /* RS_OPTIONS_H */
