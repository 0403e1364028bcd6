/*
 * Hostile lines through rstscan, as a user runs it: a Java record deeper
 * than 10,000 lines or bigger than 1 MiB, an 8 MiB line, a gzip bomb, NUL
 * and CR bytes.  Each is read to its end in bounded time and memory (under
 * 64 MiB, analyzer/README.md), every byte is counted, records past their
 * limits count as limit hits, and the real aborts around them still count.
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zlib.h>

#include "rgt_nginx.h"
#include "rgt_tmp.h"

#define TOMCAT_HEAD                                                          \
    "21-Nov-2026 10:00:00.123 SEVERE [http-nio-8080-exec-1] "                \
    "org.apache.catalina.core.StandardWrapperValve.invoke "                  \
    "Servlet.service() threw exception\n"                                    \
    "org.apache.catalina.connector.ClientAbortException: "                   \
    "java.io.IOException: Broken pipe\n"
#define TOMCAT_NEXT                                                          \
    "21-Nov-2026 10:00:01.000 INFO [main] org.example.App ok\n"
#define NGINX_RESET                                                          \
    "2026/11/21 10:00:01 [info] 1#1: *2 recv() failed (104: Connection "    \
    "reset by peer) while reading client request line, client: 10.0.0.1, "  \
    "server: _\n"

static char  dir[RGT_TMP_DIR_MAX];

static void
setup(void)
{
    cr_assert_eq(rgt_tmp_make(dir, sizeof(dir), "lines"), 0);
}

static void
teardown(void)
{
    cr_assert_eq(rgt_tmp_remove(dir), 0);
}

TestSuite(hostile_lines, .init = setup, .fini = teardown, .timeout = 60);

static FILE *
create(const char *name, char *path, size_t size)
{
    FILE  *f;

    snprintf(path, size, "%s/%s", dir, name);
    f = fopen(path, "w");
    cr_assert_not_null(f);

    return f;
}

/* rstscan --json --format F PATH; asserts exit 0 and a peak RSS < 64 MiB. */
static json_t *
scan(const char *format, const char *path)
{
    char           cmd[1024], *out;
    int            st;
    json_t        *j;
    json_error_t   je;
    struct rusage  ru;

    snprintf(cmd, sizeof(cmd), "'%s' --json --format %s '%s'",
             getenv("RSTGUARD_RSTSCAN"), format, path);
    out = rgt_run(cmd, &st);
    cr_assert_not_null(out);
    cr_assert_eq(st, 0, "%s", out);

    /* the largest child this test process waited for: rstscan (a
       sanitized build, make asan, carries ASan's shadow memory: no bound) */
    cr_assert_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
    if (getenv("RSTGUARD_SANITIZED") == NULL) {
        cr_expect_lt(ru.ru_maxrss, 64 * 1024, "rstscan peaked at %ld KiB",
                     ru.ru_maxrss);
    }

    j = json_loads(out, 0, &je);
    cr_assert_not_null(j, "%s: %s", je.text, out);
    free(out);

    return j;
}

static long long
num(json_t *j, const char *key)
{
    return json_integer_value(json_object_get(j, key));
}

static long long
class_count(json_t *j, const char *cls)
{
    return json_integer_value(json_object_get(json_object_get(
        json_object_get(j, "classes"), cls), "count"));
}

/*
 * A ClientAbortException record with `frames` stack frames of `pad` extra
 * bytes each: past its limit it stops, counts one limit hit, and keeps its
 * class.
 */
static void
java_over_limit(const char *name, int frames, size_t pad)
{
    static char  padding[2048];
    char         path[256];
    FILE        *f = create(name, path, sizeof(path));
    json_t      *j;

    cr_assert_lt(pad, sizeof(padding));
    memset(padding, 'x', pad);
    padding[pad] = '\0';
    fputs(TOMCAT_HEAD, f);
    for (int i = 0; i < frames; i++) {
        fprintf(f, "\tat com.example.Deep.f%d(Deep.java:%d) %s\n", i, i,
                padding);
    }
    fputs(TOMCAT_NEXT, f);
    cr_assert_eq(fclose(f), 0);

    j = scan("java", path);
    cr_expect_eq(num(j, "lines"), frames + 3);
    cr_expect_eq(num(j, "limit_hits"), 1);
    cr_expect_eq(class_count(j, "broken_pipe"), 1);
    json_decref(j);
}

/* 12,000 stack frames: the record stops at 10,000 lines. */
Test(hostile_lines, a_java_record_deeper_than_10000_lines)
{
    java_over_limit("deep.log", 12000, 0);
}

/* 2,000 frames of 1 KiB: the record stops at 1 MiB. */
Test(hostile_lines, a_java_record_bigger_than_1_mib)
{
    java_over_limit("big.log", 2000, 1000);
}

/* One 8 MiB line: held to its first 64 KiB, every byte still counted. */
#define LONG_HEAD  "2026/11/21 10:00:00 [info] 1#1: *1 "
Test(hostile_lines, an_8_mib_line_then_an_abort)
{
    char     path[256];
    FILE    *f = create("long.log", path, sizeof(path));
    json_t  *j;
    long     n = 8L << 20;

    fputs(LONG_HEAD, f);
    for (long i = 0; i < n; i++) {
        fputc('a', f);
    }
    fputc('\n', f);
    fputs(NGINX_RESET, f);
    cr_assert_eq(fclose(f), 0);

    j = scan("nginx-error", path);
    cr_expect_eq(num(j, "lines"), 2);
    cr_expect_eq(num(j, "bytes"), (long) strlen(LONG_HEAD) + n + 1
                                  + (long) strlen(NGINX_RESET));
    cr_expect_eq(class_count(j, "client_reset"), 1);
    json_decref(j);
}

/* 256 MiB of zeros in 1 MiB of gzip: inflated in bounded memory. */
Test(hostile_lines, a_gzip_bomb)
{
    static char  zeros[1 << 20];
    char         path[256];
    gzFile       gz;
    json_t      *j;

    snprintf(path, sizeof(path), "%s/bomb.log.gz", dir);
    gz = gzopen(path, "wb1");
    cr_assert_not_null(gz);
    for (int i = 0; i < 256; i++) {
        cr_assert_eq(gzwrite(gz, zeros, sizeof(zeros)), (int) sizeof(zeros));
    }
    cr_assert_eq(gzwrite(gz, "\n" NGINX_RESET, 1 + strlen(NGINX_RESET)),
                 1 + (int) strlen(NGINX_RESET));
    cr_assert_eq(gzclose(gz), Z_OK);

    j = scan("nginx-error", path);
    cr_expect_eq(num(j, "bytes"), (256LL << 20) + 1
                                  + (long) strlen(NGINX_RESET));
    cr_expect_eq(num(j, "lines"), 2);
    cr_expect_eq(class_count(j, "client_reset"), 1);
    json_decref(j);
}

/* NUL bytes and lone CRs are ordinary bytes; CRLF counts both bytes. */
Test(hostile_lines, nul_and_cr_bytes)
{
    static const char  text[] = "a\0b\r\n\r\r\n\0\n";
    char               path[256];
    FILE              *f = create("nul.log", path, sizeof(path));
    json_t            *j;

    cr_assert_eq(fwrite(text, 1, sizeof(text) - 1, f), sizeof(text) - 1);
    fputs(NGINX_RESET, f);
    cr_assert_eq(fclose(f), 0);

    j = scan("nginx-error", path);
    cr_expect_eq(num(j, "lines"), 4);
    cr_expect_eq(num(j, "bytes"), (long) (sizeof(text) - 1
                                          + strlen(NGINX_RESET)));
    cr_expect_eq(class_count(j, "client_reset"), 1);
    json_decref(j);
}

/*
 * A Java message that carries terminal escape sequences (ESC [31m to
 * recolour, ESC ]0; ... BEL to retitle).  When the file's head has some,
 * they are taken out of the text before it is parsed (a colored log,
 * ansi.h); when they first come later, the text report quotes them with
 * every control byte as '?'.  Either way nothing reaches the operator's
 * terminal.
 */
Test(hostile_lines, escape_sequences_never_reach_the_terminal)
{
    char   path[256], cmd[1024], *out;
    int    st, later;

    for (later = 0; later < 2; later++) {
        FILE  *f = create(later ? "esc-later.log" : "esc.log", path,
                          sizeof(path));

        /* past the head rs_ansi_seen looks at (64 KiB) */
        for (int i = 0; later && i < 800; i++) {
            fprintf(f, "21-Nov-2026 09:59:00.%03d INFO [main] com.example.App"
                    " started a worker of the pool, %d of 800, all fine\n",
                    i % 1000, i + 1);
        }
        for (int i = 1; i <= 6; i++) {
            fprintf(f, "21-Nov-2026 10:00:0%d.123 SEVERE [http-nio-8080-exec-1] "
                    "com.example.Api.call failed for /x\033[31mRED\033[0m\n"
                    "java.net.SocketException: Socket is closed \033]0;pwned\007\n"
                    "\tat java.net.Socket.getOutputStream(Socket.java:943)\n", i);
        }
        cr_assert_eq(fclose(f), 0);

        snprintf(cmd, sizeof(cmd), "'%s' --format java '%s'",
                 getenv("RSTGUARD_RSTSCAN"), path);
        out = rgt_run(cmd, &st);
        cr_assert_not_null(out);
        cr_assert_eq(st, 0, "%s", out);
        cr_expect_null(strchr(out, '\033'), "%s", out);
        cr_expect_null(strchr(out, '\007'), "%s", out);
        cr_expect_not_null(strstr(out, later ? "/x?[31mRED?[0m" : "/xRED\n"),
                           "%s", out);
        cr_expect_not_null(strstr(out, "socket_misuse"), "%s", out);
        free(out);
    }
}
