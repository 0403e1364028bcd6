/* The progress line: on a terminal only, after a second, then throttled. */

#include <criterion/criterion.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "progress.h"
#include "rgt_tmp.h"

static uint64_t  now_ms;

static uint64_t fake_clock(void) { return now_ms; }

/* Everything the terminal received so far. */
static size_t
drain(int master, char *buf, size_t cap)
{
    size_t   n = 0;
    ssize_t  r;

    fflush(NULL);
    while (n < cap - 1 && (r = read(master, buf + n, cap - 1 - n)) > 0) {
        n += (size_t) r;
        if (r < 64) {
            break;
        }
    }
    buf[n] = '\0';
    return n;
}

Test(progress, shows_bytes_rate_and_eta_on_a_terminal)
{
    int           master, slave;
    struct termios  tio;
    char          buf[4096];
    FILE         *tty;

    cr_assert_eq(openpty(&master, &slave, NULL, NULL, NULL), 0);
    /* raw: the line arrives as written, no \n -> \r\n translation */
    tcgetattr(slave, &tio);
    cfmakeraw(&tio);
    tcsetattr(slave, TCSANOW, &tio);
    tty = fdopen(slave, "w");
    cr_assert_not_null(tty);

    now_ms = 5000;
    rs_progress *p = rs_progress_create(tty, 400 << 20, fake_clock);
    cr_assert_not_null(p);

    /* the first second shows nothing */
    now_ms = 5900;
    rs_progress_update(p, 90 << 20);
    now_ms = 7000;
    rs_progress_update(p, 100 << 20);
    drain(master, buf, sizeof(buf));
    cr_assert_str_eq(buf, "\r\033[Krstscan: 100.0 MiB of 400.0 MiB (25%),"
                     " 50.0 MiB/s, ETA 0:06");

    /* throttled: nothing within 200 ms of the last line */
    now_ms = 7100;
    rs_progress_update(p, 110 << 20);
    now_ms = 7200;
    rs_progress_update(p, 120 << 20);
    drain(master, buf, sizeof(buf));
    cr_assert_str_eq(buf, "\r\033[Krstscan: 120.0 MiB of 400.0 MiB (30%),"
                     " 54.5 MiB/s, ETA 0:05");  /* 120 MiB in 2.2 s */

    rs_progress_done(p);
    drain(master, buf, sizeof(buf));
    cr_assert_str_eq(buf, "\r\033[K");
    fclose(tty);
    close(master);
}

Test(progress, nothing_when_not_a_terminal)
{
    FILE  *f = tmpfile();

    cr_assert_null(rs_progress_create(f, 100, fake_clock));
    /* NULL is accepted everywhere */
    rs_progress_update(NULL, 10);
    rs_progress_done(NULL);
    cr_assert_eq(ftell(f), 0);
    fclose(f);
}

Test(progress, formats_sizes)
{
    char  b[32];

    cr_assert_str_eq(rs_progress_bytes(1023, b, sizeof(b)), "1023 B");
    cr_assert_str_eq(rs_progress_bytes(1536, b, sizeof(b)), "1.5 KiB");
    cr_assert_str_eq(rs_progress_bytes(3ULL << 30, b, sizeof(b)), "3.0 GiB");
}

/*
 * rstscan itself: under a terminal a scan that lasts over a second shows
 * the line on stderr; with stderr redirected, nothing.  The input comes
 * through a pipe that stalls 1.3 s mid-way, so the scan is "long" without
 * a large file.
 */
static void
write_log(const char *path, int lines)
{
    FILE  *f = fopen(path, "w");

    cr_assert_not_null(f);
    for (int i = 0; i < lines; i++) {
        fprintf(f, "2026/11/21 10:00:%02d [info] 12#12: *%d client"
                " prematurely closed connection while sending response to"
                " client, client: 198.51.100.%d, server: _\n", i % 60, i,
                i % 200);
    }
    fclose(f);
}

Test(progress, rstscan_on_a_terminal_and_redirected)
{
    char   dir[RGT_TMP_DIR_MAX], cmd[2048], buf[65536];
    int    master, status;
    pid_t  pid;
    size_t n = 0;
    ssize_t r;

    cr_assert_eq(rgt_tmp_make(dir, sizeof(dir), "progress"), 0);
    snprintf(cmd, sizeof(cmd), "%s/a.log", dir);
    write_log(cmd, 70000);

    snprintf(cmd, sizeof(cmd), "{ head -n 10 %s/a.log; sleep 1.3;"
             " cat %s/a.log; } | '%s' --format nginx-error - > /dev/null",
             dir, dir, getenv("RSTGUARD_RSTSCAN"));

    pid = forkpty(&master, NULL, NULL, NULL);
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *) NULL);
        _exit(127);
    }
    while (n < sizeof(buf) - 1
           && (r = read(master, buf + n, sizeof(buf) - 1 - n)) > 0)
    {
        n += (size_t) r;
    }
    buf[n] = '\0';
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", buf);
    close(master);

    /* bytes and a rate (stdin: no total, so no ETA), erased at the end */
    cr_assert_not_null(strstr(buf, "\r\033[Krstscan: "), "%s", buf);
    cr_assert_not_null(strstr(buf, " MiB, "), "%s", buf);
    cr_assert_not_null(strstr(buf, "/s"), "%s", buf);
    cr_assert_null(strstr(buf, "ETA"), "%s", buf);
    cr_assert_eq(strcmp(buf + n - 4, "\r\033[K"), 0, "%s", buf);

    /* the same scan with stderr in a file: not a byte of progress */
    snprintf(cmd, sizeof(cmd), "{ head -n 10 %s/a.log; sleep 1.3;"
             " cat %s/a.log; } | '%s' --format nginx-error - > /dev/null"
             " 2> %s/err.txt", dir, dir, getenv("RSTGUARD_RSTSCAN"), dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s/err.txt", dir);
    FILE *e = fopen(cmd, "r");
    cr_assert_not_null(e);
    n = fread(buf, 1, sizeof(buf) - 1, e);
    fclose(e);
    cr_assert_eq(n, 0, "%.*s", (int) n, buf);

    cr_assert_eq(rgt_tmp_remove(dir), 0);
}
