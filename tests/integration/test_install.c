/*
 * `make install` lays rstguard out as its users install it: rstscan and the
 * rule files under PREFIX, the module in nginx's modules directory with a
 * Debian load file, all below DESTDIR; and the installed module loads.
 */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rgt_build.h"
#include "rgt_nginx.h"

static rgt_nginx  ngx;

static void setup(void) { cr_assert_eq(rgt_nginx_init(&ngx), 0); }
static void teardown(void) { rgt_nginx_cleanup(&ngx); }

TestSuite(install, .init = setup, .fini = teardown, .timeout = 60);

static mode_t
mode_of(const char *dest, const char *rel)
{
    char         path[1024];
    struct stat  st;

    snprintf(path, sizeof(path), "%s%s", dest, rel);
    cr_assert_eq(lstat(path, &st), 0, "%s is not installed", path);

    return st.st_mode;
}

Test(install, honours_prefix_and_destdir)
{
    char        cmd[2048], dest[700], link[1024], path[1024], *out, *text;
    const char *module;
    int         status;
    mode_t      m;

    snprintf(dest, sizeof(dest), "%s/dest", ngx.prefix);
    /*
     * -o all: install what `make` built; this test must not rebuild.  The
     * module installed is the one under test (RSTGUARD_MODULE), built for
     * the nginx under test; a static build installs make's own .so.
     */
    module = rgt_build_get()->module;
    snprintf(cmd, sizeof(cmd), "make -s -C '%s' -o all install PREFIX=/opt/rg"
             " DESTDIR='%s'%s%s%s 2>&1", getenv("RSTGUARD_ROOT"), dest,
             module ? " MODULE_SO='" : "", module ? module : "",
             module ? "'" : "");
    out = rgt_run(cmd, &status);
    cr_assert_eq(status, 0, "%s", out ? out : "");
    free(out);

    m = mode_of(dest, "/opt/rg/bin/rstscan");
    cr_assert(S_ISREG(m) && (m & 0777) == 0755);
    cr_assert(S_ISREG(mode_of(dest, "/opt/rg/share/rstguard/rules/nginx.yaml")));
    cr_assert(S_ISREG(mode_of(dest, "/opt/rg/share/rstguard/rules/java.yaml")));
    cr_assert(S_ISREG(mode_of(dest, "/opt/rg/share/rstguard/rules/apache.yaml")));
    cr_assert(S_ISREG(mode_of(dest, "/opt/rg/share/rstguard/rules/haproxy.yaml")));
    m = mode_of(dest, "/usr/lib/nginx/modules/ngx_http_rstguard_module.so");
    cr_assert(S_ISREG(m) && (m & 0777) == 0644);

    snprintf(path, sizeof(path), "%s/usr/share/nginx/modules-available/"
             "mod-http-rstguard.conf", dest);
    text = rgt_read_file(path, NULL);
    cr_assert_not_null(text);
    cr_assert_str_eq(text, "load_module modules/ngx_http_rstguard_module.so;\n");
    free(text);

    snprintf(path, sizeof(path), "%s/etc/nginx/modules-enabled/"
             "50-mod-http-rstguard.conf", dest);
    cr_assert(S_ISLNK(mode_of(dest, "/etc/nginx/modules-enabled/"
                                    "50-mod-http-rstguard.conf")));
    ssize_t n = readlink(path, link, sizeof(link) - 1);
    cr_assert(n > 0);
    link[n] = '\0';
    cr_assert_str_eq(link, "/usr/share/nginx/modules-available/"
                           "mod-http-rstguard.conf");

    /* the installed copies work: rstscan runs, the module loads */
    snprintf(cmd, sizeof(cmd), "'%s/opt/rg/bin/rstscan' --json /dev/null", dest);
    out = rgt_run(cmd, &status);
    cr_assert_eq(status, 0, "%s", out ? out : "");
    cr_assert_not_null(strstr(out, "\"lines\": 0"), "%s", out);
    free(out);

    /* a second copy of a built-in module is refused ("already loaded") */
    RGT_NEED(RGT_DYNAMIC);
    snprintf(cmd, sizeof(cmd), "load_module %s/usr/lib/nginx/modules/"
             "ngx_http_rstguard_module.so;\n"
             "pid @PREFIX@/nginx.pid;\n"
             "error_log @PREFIX@/logs/error.log info;\n"
             "events {}\n"
             "http { @TEMP_PATHS@ access_log @PREFIX@/logs/access.log; rstguard on;"
             " server { listen 127.0.0.1:@PORT0@; } }\n", dest);
    cr_assert_eq(rgt_nginx_write_conf(&ngx, cmd), 0);
    char  res[8192];
    cr_assert_eq(rgt_nginx_test_conf(&ngx, res, sizeof(res)), 0, "%s", res);
}
