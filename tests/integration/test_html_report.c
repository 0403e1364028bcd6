/*
 * The --html report rendered by a real browser: headless Chromium (Debian
 * `chromium`, installed by `make test`) loads the page offline and dumps
 * the DOM it built; the chart, its series and the tables must be there,
 * a hostile URI must stay text, and the page must name no external asset.
 */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rgt_nginx.h"
#include "rgt_tmp.h"

static char  dir[RGT_TMP_DIR_MAX];

static void
setup(void)
{
    cr_assert_eq(rgt_tmp_make(dir, sizeof(dir), "html"), 0);
}

static void
teardown(void)
{
    cr_assert_eq(rgt_tmp_remove(dir), 0);
}

TestSuite(html_report, .init = setup, .fini = teardown, .timeout = 120);

/* Output of a shell command run in dir (malloc'd); asserts exit 0. */
static char *
run(const char *cmd)
{
    char    full[4096], buf[8192];
    char   *out = NULL;
    size_t  len = 0, n;
    FILE   *p, *m = open_memstream(&out, &len);

    snprintf(full, sizeof(full), "cd '%s' && %s", dir, cmd);
    p = popen(full, "r");
    cr_assert_not_null(p);
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
        fwrite(buf, 1, n, m);
    }
    cr_assert_eq(pclose(p), 0, "%s", full);
    fclose(m);
    return out;
}

static size_t
count(const char *hay, const char *needle)
{
    size_t  n = 0;

    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

Test(html_report, chromium_renders_the_chart_and_the_tables)
{
    char   path[512], cmd[2048];
    FILE  *f;

    /* a cut JSP page, 499s over three minutes, a URI with markup in it */
    snprintf(path, sizeof(path), "%s/access.log", dir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 4; i++) {
        fprintf(f, "192.0.2.%d - - [21/Nov/2026:10:0%d:00 +0000] \"GET"
                " /report.jsp HTTP/1.1\" 200 %d \"-\" \"Mozilla/5.0\"\n",
                i, i, i == 3 ? 52000 : 8192);
    }
    for (int i = 0; i < 9; i++) {
        fprintf(f, "198.51.100.%d - - [21/Nov/2026:10:0%d:30 +0000] \"GET"
                " /video.mp4 HTTP/1.1\" 499 0 \"-\" \"Mozilla/5.0\"\n",
                i % 3, i / 3);
    }
    fprintf(f, "203.0.113.5 - - [21/Nov/2026:10:02:40 +0000] \"GET"
            " /<script>alert(1)</script> HTTP/1.1\" 408 0 \"-\" \"-\"\n");
    fclose(f);

    snprintf(cmd, sizeof(cmd), "'%s' --format nginx-access --html report.html"
             " access.log > /dev/null", getenv("RSTGUARD_RSTSCAN"));
    free(run(cmd));

    snprintf(path, sizeof(path), "%s/report.html", dir);
    char *page = rgt_read_file(path, NULL);
    cr_assert_not_null(page);
    /* self-contained: nothing to fetch, nothing to run */
    cr_assert_null(strstr(page, "src="), "%s", page);
    cr_assert_null(strstr(page, "href="), "%s", page);
    cr_assert_null(strstr(page, "url("), "%s", page);
    cr_assert_null(strstr(page, "<script"), "%s", page);
    free(page);

    /* HOME and the profile in dir: the same test runs as nobody */
    snprintf(cmd, sizeof(cmd), "HOME='%s' timeout 90 chromium --headless"
             " --no-sandbox --disable-gpu --disable-background-networking"
             " --no-first-run --user-data-dir='%s/profile' --dump-dom"
             " 'file://%s/report.html' 2>/dev/null", dir, dir, dir);
    char *dom = run(cmd);

    /* the chart: two series (client_closed, client_timeout) with markers */
    cr_assert_not_null(strstr(dom, "<svg id=\"timeline\""), "%s", dom);
    cr_assert_eq(count(dom, "<polyline class=\"series\""), 2, "%s", dom);
    cr_assert_not_null(strstr(dom, "data-class=\"client_closed\""));
    cr_assert_eq(count(dom, "<circle class=\"pt\""), 4, "%s", dom);
    cr_assert_not_null(strstr(dom, ">2026-11-21T10:00+00:00</text>"), "%s", dom);
    cr_assert_not_null(strstr(dom, ">2026-11-21T10:02+00:00</text>"), "%s", dom);

    /* the tables: a header row plus one row per class, offender, cut URI */
    cr_assert_not_null(strstr(dom, "<table id=\"classes\">"), "%s", dom);
    cr_assert_not_null(strstr(dom, "<table id=\"top-clients\">"), "%s", dom);
    cr_assert_not_null(strstr(dom, "<code>198.51.100.0</code></td>"
                              "<td class=\"n\">3</td>"), "%s", dom);
    cr_assert_not_null(strstr(dom, "<table id=\"truncations\">"), "%s", dom);
    cr_assert_not_null(strstr(dom, "<tr><td><code>/report.jsp</code></td>"
                              "<td class=\"n\">3</td><td class=\"n\">8192"
                              "</td><td class=\"n\">52000</td>"), "%s", dom);

    /* findings with their evidence and numbers */
    cr_assert_not_null(strstr(dom, "<section id=\"findings\">"), "%s", dom);
    cr_assert_not_null(strstr(dom, "<h3>output_buffer <small>(truncated)"),
                       "%s", dom);
    cr_assert_not_null(strstr(dom, "<th>uris</th><td><code>1</code>"),
                       "%s", dom);

    /* the hostile URI stayed text: the browser made no element of it */
    cr_assert_null(strstr(dom, "<script>alert"), "%s", dom);
    cr_assert_not_null(strstr(dom, "/&lt;script&gt;alert(1)&lt;/script&gt;"),
                       "%s", dom);
    free(dom);
}
