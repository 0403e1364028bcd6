/*
 * The Debian packages `make deb` builds (build/deb/, made by make check
 * before the suites run) install with apt-get as a Debian 12 user
 * installs them: the module enabled in /etc/nginx/modules-enabled the way
 * Debian's own libnginx-mod-* are, `nginx -t` accepts `rstguard on;` with
 * that load file and a request is classified, rstscan prints the version
 * and its manual page is found; purging both leaves the system's nginx as
 * it was (its packages' dpkg status, the modules directories' contents).
 *
 * It changes the system, so it runs only as root and only when neither
 * package is installed already (then it would remove an operator's copy);
 * otherwise it is skipped with the reason.  And lintian names no tag.
 */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rgt_client.h"
#include "rgt_mod.h"
#include "rgt_nginx.h"

#define MOD_PKG    "libnginx-mod-http-rstguard"
#define TOOLS_PKG  "rstguard-tools"
#define LOAD_FILE  "/usr/share/nginx/modules-available/mod-http-rstguard.conf"
#define ENABLED    "/etc/nginx/modules-enabled/50-mod-http-rstguard.conf"

/*
 * What of the system's nginx the packages may touch: every nginx package's
 * dpkg status and version, and the three directories' entries with their
 * type, link target and size.
 */
#define SNAPSHOT                                                             \
    "dpkg-query -W -f='${db:Status-Abbrev}|${binary:Package}|${Version}\\n'" \
    " | grep -i nginx | grep -v '^[up]n' | LC_ALL=C sort;"                   \
    " for d in /etc/nginx/modules-enabled /usr/lib/nginx/modules"            \
    " /usr/share/nginx/modules-available; do echo \"== $d\";"                \
    " if [ -d \"$d\" ]; then find \"$d\" -mindepth 1 -printf '%P %y %l %s\\n'" \
    " | LC_ALL=C sort; else echo missing; fi; done"

#define APT                                                                  \
    "DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600"      \
    " -y -q --no-install-recommends"

static rgt_nginx  ngx;
static int        installed;    /* purge in teardown */

static void
setup(void)
{
    cr_assert_eq(rgt_nginx_init(&ngx), 0);
}

static void
purge(void)
{
    char  *out;
    int    status;

    out = rgt_run(APT " purge " MOD_PKG " " TOOLS_PKG " 2>&1", &status);
    if (status != 0) {
        cr_log_error("apt-get purge failed: %s", out ? out : "");
    }
    free(out);
    installed = status != 0;
}

static void
teardown(void)
{
    rgt_nginx_cleanup(&ngx);
    if (installed) {
        purge();
    }
}

TestSuite(deb_install, .init = setup, .fini = teardown, .timeout = 600);


static char *
run_ok(const char *cmd)
{
    char  *out;
    int    status;

    out = rgt_run(cmd, &status);
    cr_assert_not_null(out, "%s", cmd);
    cr_assert_eq(status, 0, "%s:\n%s", cmd, out);

    return out;
}


/* "ii " when dpkg has it installed, or another status (or "") */
static char *
dpkg_status(const char *pkg)
{
    char  cmd[256];
    int   status;

    snprintf(cmd, sizeof(cmd), "dpkg-query -W -f='${db:Status-Abbrev}' %s"
             " 2>/dev/null", pkg);

    return rgt_run(cmd, &status);
}


/* build/deb/PKG_VERSION_ARCH.deb, which must exist */
static void
deb_path(const char *pkg, const char *version, const char *arch, char *path,
    size_t size)
{
    struct stat  st;

    snprintf(path, size, "%s/deb/%s_%s_%s.deb", getenv("RSTGUARD_BUILD"), pkg,
             version, arch);
    cr_assert_eq(stat(path, &st), 0, "%s is missing: run make deb", path);
}


Test(deb_install, install_enable_use_and_purge)
{
    char   version[64], arch[32], mod_deb[512], tools_deb[512], cmd[4096];
    char   link[512], res[8192], *before, *after, *out, *v;
    int    status;

    if (geteuid() != 0) {
        cr_skip_test("installing packages needs root (apt-get install);"
                     " make test runs this suite as root first");
    }

    out = dpkg_status(MOD_PKG);
    v = dpkg_status(TOOLS_PKG);
    cr_assert(out != NULL && v != NULL);
    if (strncmp(out, "ii", 2) == 0 || strncmp(v, "ii", 2) == 0) {
        free(out);
        free(v);
        cr_skip_test(MOD_PKG " or " TOOLS_PKG " is installed on this system;"
                     " the test would remove it: purge it to run the test");
    }
    free(out);
    free(v);

    snprintf(cmd, sizeof(cmd), "%s/VERSION", getenv("RSTGUARD_ROOT"));
    v = rgt_read_file(cmd, NULL);
    cr_assert_not_null(v);
    snprintf(version, sizeof(version), "%.*s", (int) strcspn(v, "\n"), v);
    free(v);
    out = run_ok("dpkg --print-architecture");
    snprintf(arch, sizeof(arch), "%.*s", (int) strcspn(out, "\n"), out);
    free(out);
    deb_path(MOD_PKG, version, arch, mod_deb, sizeof(mod_deb));
    deb_path(TOOLS_PKG, version, arch, tools_deb, sizeof(tools_deb));

    before = run_ok(SNAPSHOT);

    /* --- install, as the README tells a Debian 12 user --- */
    installed = 1;
    snprintf(cmd, sizeof(cmd), APT " install '%s' '%s' 2>&1", mod_deb,
             tools_deb);
    free(run_ok(cmd));

    out = dpkg_status(MOD_PKG);
    cr_assert_str_eq(out, "ii ");
    free(out);
    out = dpkg_status(TOOLS_PKG);
    cr_assert_str_eq(out, "ii ");
    free(out);

    /* the nginx ABI dh_nginx computed from nginx-dev, which nginx provides */
    out = run_ok("dpkg-query -W -f='${Depends}' " MOD_PKG);
    cr_assert_not_null(strstr(out, "nginx-abi-"), "%s", out);
    free(out);

    /* enabled as Debian enables modules: a link to the load file */
    ssize_t n = readlink(ENABLED, link, sizeof(link) - 1);
    cr_assert_gt(n, 0, ENABLED " is not a symbolic link");
    link[n] = '\0';
    cr_assert_str_eq(link, LOAD_FILE);
    out = rgt_read_file(LOAD_FILE, NULL);
    cr_assert_not_null(out);
    cr_assert_str_eq(out, "load_module modules/ngx_http_rstguard_module.so;\n");
    free(out);

    /*
     * nginx with the system's modules-enabled, under the test's own prefix:
     * load_module's relative path is taken from the prefix, so the prefix
     * gets the link Debian's prefix (/usr/share/nginx) has to the modules.
     */
    snprintf(cmd, sizeof(cmd), "ln -s /usr/lib/nginx/modules '%s/modules'",
             ngx.prefix);
    free(run_ok(cmd));
    cr_assert_eq(rgt_nginx_write_conf(&ngx,
        "include /etc/nginx/modules-enabled/*.conf;\n"
        "pid @PREFIX@/nginx.pid;\n"
        "error_log @PREFIX@/logs/error.log info;\n"
        "events {}\n"
        "http {\n"
        "    @TEMP_PATHS@\n"
        "    log_format rg 'c=$rstguard_class s=$status';\n"
        "    access_log @PREFIX@/logs/access.log rg;\n"
        "    rstguard on;\n"
        "    server {\n"
        "        listen 127.0.0.1:@PORT0@;\n"
        "        location = /status { rstguard_status; }\n"
        "    }\n"
        "}\n"), 0);
    status = rgt_nginx_test_conf(&ngx, res, sizeof(res));
    cr_assert_eq(status, 0, "%s", res);
    cr_assert_not_null(strstr(res, "test is successful"), "%s", res);

    /* and it runs: the status endpoint answers from the packaged module */
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
    out = rgt_mod_get(ngx.port[0], "/status", &status);
    cr_assert_not_null(out);
    cr_assert_eq(status, 200, "%s", out);
    cr_assert_not_null(strstr(out, "\"zones\""), "%s", out);
    free(out);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    /* --- rstguard-tools --- */
    out = run_ok("/usr/bin/rstscan --version");
    snprintf(cmd, sizeof(cmd), "rstscan %s\n", version);
    cr_assert_str_eq(out, cmd);
    free(out);

    out = run_ok("man -w rstscan");
    cr_assert_str_eq(out, "/usr/share/man/man1/rstscan.1.gz\n");
    free(out);
    out = run_ok("LC_ALL=C.UTF-8 MANWIDTH=80 man rstscan 2>&1 | grep -c"
                 " -e '^EXIT STATUS' -e '^OPTIONS'");
    cr_assert_str_eq(out, "2\n");
    free(out);

    /* the installed rule files are the compiled-in ones: the same report */
    snprintf(cmd, sizeof(cmd), "cd '%s/tests/data/samples' && /usr/bin/rstscan"
             " --json nginx-error.log apache-error.log > '%s/a.json' &&"
             " /usr/bin/rstscan --json --no-default-rules --rules"
             " /usr/share/rstguard/rules nginx-error.log apache-error.log"
             " > '%s/b.json' && cmp '%s/a.json' '%s/b.json' && grep -c"
             " '\"count\"' '%s/a.json'", getenv("RSTGUARD_ROOT"), ngx.prefix,
             ngx.prefix, ngx.prefix, ngx.prefix, ngx.prefix);
    out = run_ok(cmd);
    cr_assert_neq(strcmp(out, "0\n"), 0, "the sample reports count nothing");
    free(out);

    /* --- purge: the system's nginx is as it was --- */
    purge();
    cr_assert_eq(installed, 0, "apt-get purge failed");
    out = dpkg_status(MOD_PKG);
    cr_assert(out != NULL && strncmp(out, "ii", 2) != 0, "%s", out);
    free(out);

    after = run_ok(SNAPSHOT);
    cr_assert_str_eq(after, before, "the system's nginx changed:\nbefore:\n%s"
                     "after:\n%s", before, after);
    free(before);
    free(after);
}


/*
 * make deb ran lintian (--info --pedantic) over the .changes, the .debs
 * and the .buildinfo into build/deb/lintian.txt: it must name no tag
 * (debian/README.source says why there are no overrides).
 */
Test(deb_install, lintian_reports_no_tag)
{
    char   path[512], *text;

    snprintf(path, sizeof(path), "%s/deb/lintian.txt",
             getenv("RSTGUARD_BUILD"));
    text = rgt_read_file(path, NULL);
    if (text == NULL && geteuid() != 0) {
        cr_skip_test("%s is missing: as an ordinary user the packages are"
                     " not built (make check builds and checks them in its"
                     " root run)", path);
    }
    cr_assert_not_null(text, "%s is missing: run make deb (with lintian"
                       " installed)", path);
    cr_assert_str_eq(text, "", "lintian:\n%s", text);
    free(text);
}
