/*
 * scan_split.c - two threads over one plain file (see scan_split.h).
 */

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "scan_split.h"

typedef struct {
    rs_scanner   *sc;
    rs_file       file;         /* this half's counts */
    const char   *path;
    rg_format     format;
    uint64_t      off, len;
} rs_half;


static void *rs_half_run(void *arg);
static uint64_t rs_split_point(rs_scanner *sc, const char *path,
    uint64_t size);


static void *
rs_half_run(void *arg)
{
    rs_half  *h = arg;

    rs_scan_range(h->sc, &h->file, h->path, h->format, h->off, h->len);

    return NULL;
}


/*
 * Where the second half starts: the first line after the middle that
 * begins a timed record of the format (a Java record's first line, an
 * nginx line with its time), so no record spans the cut and every line
 * of the second half has a timed line before it in its own half, as
 * --since/--until want.  0 when none is found within RS_SPLIT_SEEK bytes:
 * no split.
 */
static uint64_t
rs_split_point(rs_scanner *sc, const char *path, uint64_t size)
{
    char      buf[RS_SPLIT_WINDOW];
    uint64_t  pos = size / 2, start;
    ssize_t   n;
    char     *nl;
    int       fd;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        return 0;
    }

    while (pos < size && pos < size / 2 + RS_SPLIT_SEEK) {
        n = pread(fd, buf, sizeof(buf), (off_t) pos);
        if (n <= 0) {
            break;
        }

        nl = memchr(buf, '\n', (size_t) n);
        if (nl == NULL) {
            pos += (uint64_t) n;
            continue;
        }

        start = pos + (uint64_t) (nl - buf) + 1;
        n = start < size ? pread(fd, buf, sizeof(buf), (off_t) start) : 0;
        if (n <= 0) {
            break;
        }

        nl = memchr(buf, '\n', (size_t) n);
        if (rs_scan_starts_record(sc, buf,
                                  nl ? (size_t) (nl - buf) : (size_t) n))
        {
            close(fd);
            return start;
        }

        pos = start;
    }

    close(fd);
    return 0;
}


void
rs_scan_split(rs_scanner *sc, const char *path, uint64_t size)
{
    char             err[256];
    rs_half          h[2];
    rs_file         *f = rs_scanner_file(sc);
    uint64_t         cut;
    pthread_t        tid;
    pthread_mutex_t  lock;
    rs_scan_config   cfg2;
    int              started = 0, locked = 0, i;

    cut = rs_split_point(sc, path, size);

    memset(h, 0, sizeof(h));
    for (i = 0; i < 2; i++) {
        h[i].path = path;
        h[i].format = rs_scanner_format(sc);
    }

    h[0].sc = sc;
    h[0].len = size;

    /* the second half gets its own observer context, merged back below */
    cfg2 = *rs_scanner_config(sc);
    cfg2.observe_ctx = cut > 0 && cfg2.observe != NULL
                       ? cfg2.observe_fork(cfg2.observe_ctx) : NULL;

    locked = cut > 0 && (cfg2.observe == NULL || cfg2.observe_ctx != NULL)
             && pthread_mutex_init(&lock, NULL) == 0;

    if (locked) {
        h[1].sc = rs_scanner_create(&cfg2, rs_scanner_agg(sc), err,
                                    sizeof(err));
        if (h[1].sc != NULL) {
            rs_scanner_set_lock(sc, &lock);
            rs_scanner_set_lock(h[1].sc, &lock);
            h[0].len = cut;
            h[1].off = cut;
            h[1].len = size - cut;
            started = pthread_create(&tid, NULL, rs_half_run, &h[1]) == 0;
            if (!started) {
                h[0].len = size;
            }
        }
    }

    rs_half_run(&h[0]);

    if (started) {
        pthread_join(tid, NULL);
    }

    if (h[1].sc != NULL) {
        rs_scanner_set_lock(sc, NULL);
        rs_scanner_destroy(h[1].sc);
    }

    if (locked) {
        pthread_mutex_destroy(&lock);
    }

    if (cfg2.observe_ctx != NULL
        && cfg2.observe_join(rs_scanner_config(sc)->observe_ctx,
                             cfg2.observe_ctx) != 0)
    {
        rs_file_set(&h[1].file.error, "out of memory");
    }

    /* the halves' counts and the first error, in file order */
    for (i = 0; i < (started ? 2 : 1); i++) {
        f->lines += h[i].file.lines;
        f->bytes += h[i].file.bytes;
        f->unparsed += h[i].file.unparsed;
        if (h[i].file.error != NULL && f->error == NULL) {
            rs_file_set(&f->error, h[i].file.error);
        }
        rs_file_set(&h[i].file.error, NULL);
    }
}
