/*
 * progress.c - the progress line (see progress.h).
 */

#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

/* a scan shorter than this shows nothing; redraws at most this often */
#define RS_PROGRESS_DELAY_MS   1000
#define RS_PROGRESS_EVERY_MS   200

struct rs_progress {
    FILE         *out;
    rs_clock_fn   clock;
    uint64_t      total;
    uint64_t      start, last;
    int           shown;
    atomic_ullong done;         /* rs_progress_add's total */
    atomic_flag   drawing;
};


static uint64_t
rs_progress_clock(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}


rs_progress *
rs_progress_create(FILE *out, uint64_t total, rs_clock_fn clock)
{
    rs_progress  *p;

    if (out == NULL || !isatty(fileno(out))) {
        return NULL;
    }

    p = calloc(1, sizeof(rs_progress));
    if (p == NULL) {
        return NULL;
    }

    p->out = out;
    p->total = total;
    atomic_init(&p->done, 0);
    atomic_flag_clear(&p->drawing);
    p->clock = clock ? clock : rs_progress_clock;
    p->start = p->clock();

    return p;
}


char *
rs_progress_bytes(uint64_t n, char *buf, size_t size)
{
    static const char  *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };

    int     u;
    double  v;

    v = (double) n;

    for (u = 0; v >= 1024 && u < 4; u++) {
        v /= 1024;
    }

    if (u == 0) {
        snprintf(buf, size, "%" PRIu64 " B", n);

    } else {
        snprintf(buf, size, "%.1f %s", v, unit[u]);
    }

    return buf;
}


void
rs_progress_update(rs_progress *p, uint64_t done)
{
    char      b1[32], b2[32], b3[32];
    uint64_t  now, ms, rate, left;

    if (p == NULL) {
        return;
    }

    now = p->clock();
    ms = now - p->start;

    if (ms < RS_PROGRESS_DELAY_MS
        || (p->shown && now - p->last < RS_PROGRESS_EVERY_MS))
    {
        return;
    }

    p->last = now;
    p->shown = 1;
    rate = done * 1000 / ms;

    /* \r and erase-to-end: the line is redrawn in place */
    fprintf(p->out, "\r\033[Krstscan: %s", rs_progress_bytes(done, b1,
            sizeof(b1)));

    if (p->total >= done && p->total > 0) {
        fprintf(p->out, " of %s (%" PRIu64 "%%)",
                rs_progress_bytes(p->total, b2, sizeof(b2)),
                done * 100 / p->total);
    }

    fprintf(p->out, ", %s/s", rs_progress_bytes(rate, b3, sizeof(b3)));

    if (p->total >= done && p->total > 0 && rate > 0) {
        left = (p->total - done) / rate;
        fprintf(p->out, ", ETA %" PRIu64 ":%02" PRIu64, left / 60, left % 60);
    }

    fflush(p->out);
}


void
rs_progress_add(void *ctx, uint64_t bytes)
{
    rs_progress         *p = ctx;
    unsigned long long   done;

    if (p == NULL) {
        return;
    }

    done = atomic_fetch_add(&p->done, bytes) + bytes;

    if (!atomic_flag_test_and_set(&p->drawing)) {
        rs_progress_update(p, done);
        atomic_flag_clear(&p->drawing);
    }
}


void
rs_progress_clear(rs_progress *p)
{
    if (p != NULL && p->shown) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
    }
}


void
rs_progress_done(rs_progress *p)
{
    if (p == NULL) {
        return;
    }

    if (p->shown) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
    }

    free(p);
}
