/* The progress line: on a terminal only, after a second, then throttled. */

#include <criterion/criterion.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"

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
