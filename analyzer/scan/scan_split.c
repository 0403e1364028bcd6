/*
 * scan_split.c - threads over one plain file (see scan_split.h).
 */

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scan_split.h"

typedef struct {
    uint64_t      off, len;
    rs_file       file;         /* this chunk's counts */
    void         *ctx;          /* its observer context; NULL: none */
    rs_held       held;         /* its records, until the chunks before
                                   are in the aggregate */
    int           done;
} rs_chunk;

typedef struct {
    const char            *path;
    rg_format              format;
    const rs_scan_config  *cfg;         /* the run's: observer, main ctx */
    rs_chunk              *chunk;
    size_t                 n;
    size_t                 next;        /* the chunk to hand out next */
    size_t                 joined;      /* chunks joined, in file order */
    size_t                 ahead;       /* how far next may run ahead */
    size_t                 head;        /* the first chunk not all in the
                                           aggregate (under agg_lock) */
    int                    failed;      /* out of memory */
    rs_agg                *agg;
    pthread_mutex_t       *agg_lock;
    pthread_mutex_t        lock;        /* the four fields above */
    pthread_cond_t         moved;       /* joined moved on */
    rs_batch_spare         spare;       /* the chunks' (under agg_lock) */
} rs_split;

typedef struct {
    rs_split              *sp;
    rs_scanner            *sc;
    rs_scan_config         cfg;         /* the run's, with a chunk's ctx */
} rs_worker;


static void *rs_worker_run(void *arg);
static void rs_split_done(rs_split *sp, rs_chunk *ch);
static size_t rs_split_chunks(rs_scanner *sc, const char *path,
    uint64_t size, rs_chunk *chunk, size_t max);
static uint64_t rs_split_point(rs_scanner *sc, int fd, uint64_t from,
    uint64_t size);


/*
 * Takes the next chunk while there is one, scans it with its own observer
 * context, and joins the contexts of every chunk done in file order.  A
 * thread more than sp->ahead chunks ahead of the joins waits, so at most
 * that many contexts are held.
 */
static void *
rs_worker_run(void *arg)
{
    rs_worker  *w = arg;
    rs_split   *sp = w->sp;
    rs_chunk   *ch;
    size_t      i;

    for ( ;; ) {
        pthread_mutex_lock(&sp->lock);
        while (sp->next < sp->n && sp->next >= sp->joined + sp->ahead) {
            pthread_cond_wait(&sp->moved, &sp->lock);
        }
        i = sp->next < sp->n ? sp->next++ : sp->n;
        pthread_mutex_unlock(&sp->lock);

        if (i == sp->n) {
            return NULL;
        }

        ch = &sp->chunk[i];

        if (sp->cfg->observe != NULL) {
            ch->ctx = sp->cfg->observe_fork(sp->cfg->observe_ctx);
            if (ch->ctx == NULL) {
                rs_file_set(&ch->file.error, "out of memory");
            }
        }

        if (ch->ctx != NULL || sp->cfg->observe == NULL) {
            w->cfg.observe_ctx = ch->ctx;
            rs_scanner_set_held(w->sc, &ch->held);
            rs_scan_range(w->sc, &ch->file, sp->path, sp->format, ch->off,
                          ch->len);
            rs_scanner_set_held(w->sc, NULL);
        }

        rs_split_done(sp, ch);
    }
}


/*
 * Marks ch done; joins every done chunk next in file order, and lets the
 * records of those and of the first chunk not done yet into the aggregate
 * (batch.h, rs_held): it takes them in file order.
 */
static void
rs_split_done(rs_split *sp, rs_chunk *ch)
{
    rs_chunk  *j;

    pthread_mutex_lock(&sp->lock);

    ch->done = 1;

    pthread_mutex_lock(sp->agg_lock);
    while (sp->head < sp->n) {
        j = &sp->chunk[sp->head];
        if (rs_held_release(&j->held, sp->agg) != 0) {
            sp->failed = 1;
        }
        if (!j->done) {
            break;
        }
        sp->head++;
    }
    pthread_mutex_unlock(sp->agg_lock);

    while (sp->joined < sp->n && sp->chunk[sp->joined].done) {
        j = &sp->chunk[sp->joined++];

        if (j->ctx != NULL
            && sp->cfg->observe_join(sp->cfg->observe_ctx, j->ctx) != 0)
        {
            sp->failed = 1;
        }
        j->ctx = NULL;
    }

    pthread_cond_broadcast(&sp->moved);
    pthread_mutex_unlock(&sp->lock);
}


/*
 * Cuts the file into chunks of about RS_SPLIT_CHUNK bytes (at least two),
 * each starting at a timed record of the format (rs_split_point); returns
 * how many (1: no cut found).
 */
static size_t
rs_split_chunks(rs_scanner *sc, const char *path, uint64_t size,
    rs_chunk *chunk, size_t max)
{
    uint64_t  step, cut, start = 0, each;
    size_t    n = 0, k, want;
    int       fd;

    each = rs_scanner_config(sc)->split_chunk;
    want = (size_t) (size / (each ? each : RS_SPLIT_CHUNK));
    want = want < 2 ? 2 : want > max ? max : want;
    step = size / want;

    fd = open(path, O_RDONLY | O_CLOEXEC);

    for (k = 1; k < want && fd != -1; k++) {
        cut = rs_split_point(sc, fd, k * step, size);
        if (cut > start) {
            chunk[n].off = start;
            chunk[n].len = cut - start;
            n++;
            start = cut;
        }
    }

    if (fd != -1) {
        close(fd);
    }

    chunk[n].off = start;
    chunk[n].len = size - start;

    return n + 1;
}


/*
 * Where a chunk starts: the first line after `from` that begins a timed
 * record of the format (a Java record's first line, an nginx line with
 * its time), so no record spans a cut and every line of a chunk has a
 * timed line before it in its own chunk, as --since/--until want.  0 when
 * none is found within RS_SPLIT_SEEK bytes: no cut there.
 */
static uint64_t
rs_split_point(rs_scanner *sc, int fd, uint64_t from, uint64_t size)
{
    char      buf[RS_SPLIT_WINDOW];
    uint64_t  pos = from, start;
    ssize_t   n;
    char     *nl;

    while (pos < size && pos < from + RS_SPLIT_SEEK) {
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
            return start;
        }

        pos = start;
    }

    return 0;
}


void
rs_scan_split(rs_scanner *sc, const char *path, uint64_t size)
{
    char              err[256];
    rs_chunk          chunk[RS_SPLIT_CHUNKS_MAX];
    rs_worker        *w;
    rs_split          sp;
    rs_file          *f = rs_scanner_file(sc);
    pthread_t        *tid;
    pthread_mutex_t   agg_lock;
    size_t            i, nw, started = 0;

    memset(chunk, 0, sizeof(chunk));
    memset(&sp, 0, sizeof(sp));
    sp.path = path;
    sp.format = rs_scanner_format(sc);
    sp.cfg = rs_scanner_config(sc);
    sp.chunk = chunk;
    /* the cuts depend on the file alone, never on the thread count, so
       every -j joins the same chunks in the same order */
    sp.n = rs_split_chunks(sc, path, size, chunk, RS_SPLIT_CHUNKS_MAX);
    sp.agg = rs_scanner_agg(sc);
    sp.agg_lock = &agg_lock;
    chunk[0].held.live = 1;
    for (i = 0; i < sp.n; i++) {
        chunk[i].held.spare = &sp.spare;
    }

    nw = (size_t) (sp.cfg->threads > 1 ? sp.cfg->threads : 1);
    nw = nw > sp.n ? sp.n : nw;
    /* each worker may run this far ahead of the joins: one chunk in hand
       per worker and two more, so no worker waits on a slow neighbour */
    sp.ahead = nw + 2 > RS_SPLIT_AHEAD ? nw + 2 : RS_SPLIT_AHEAD;

    w = calloc(nw, sizeof(rs_worker));
    tid = calloc(nw, sizeof(pthread_t));
    if (w == NULL || tid == NULL) {
        free(w);
        free(tid);
        rs_file_set(&f->error, "out of memory");
        return;
    }

    /*
     * The workers take the chunks in turn, each with a scanner of its own
     * (matcher, parser: the per-line work runs on every core), into the
     * one aggregate under agg_lock (batch.h); a worker that is slowed
     * down (a busy machine) simply takes fewer chunks.  With one thread,
     * or one chunk, this thread scans them all.
     */
    if (pthread_mutex_init(&sp.lock, NULL) != 0
        || pthread_cond_init(&sp.moved, NULL) != 0
        || pthread_mutex_init(&agg_lock, NULL) != 0)
    {
        rs_file_set(&f->error, "cannot start a thread");
        free(w);
        free(tid);
        return;
    }

    for (i = 0; i < nw; i++) {
        w[i].sp = &sp;
        w[i].cfg = *sp.cfg;
        w[i].cfg.log_format = rs_scanner_layout(sc);
        w[i].sc = rs_scanner_create(&w[i].cfg, rs_scanner_agg(sc), err,
                                    sizeof(err));
        if (w[i].sc == NULL) {
            break;
        }
    }

    if (w[0].sc == NULL) {
        rs_file_set(&f->error, err);
        goto done;
    }

    /* a worker whose scanner could not be made is simply not started */
    nw = i;

    for (i = 1; i < nw; i++) {
        rs_scanner_set_lock(w[0].sc, &agg_lock);
        rs_scanner_set_lock(w[i].sc, &agg_lock);
        if (pthread_create(&tid[i], NULL, rs_worker_run, &w[i]) != 0) {
            break;
        }
        started = i;
    }

    rs_worker_run(&w[0]);

    for (i = 1; i <= started; i++) {
        pthread_join(tid[i], NULL);
    }

    /* the chunks' counts and the first error, in file order */
    for (i = 0; i < sp.n; i++) {
        f->lines += chunk[i].file.lines;
        f->bytes += chunk[i].file.bytes;
        f->unparsed += chunk[i].file.unparsed;
        f->abort_lines += chunk[i].file.abort_lines;
        if (chunk[i].file.error != NULL && f->error == NULL) {
            rs_file_set(&f->error, chunk[i].file.error);
        }
        rs_file_set(&chunk[i].file.error, NULL);
    }

    if (sp.failed && f->error == NULL) {
        rs_file_set(&f->error, "out of memory");
    }

done:

    for (i = 0; i < nw; i++) {
        rs_scanner_destroy(w[i].sc);
    }
    for (i = 0; i < sp.n; i++) {
        rs_held_free(&chunk[i].held);
    }
    rs_batch_spare_free(&sp.spare);
    free(w);
    free(tid);

    pthread_mutex_destroy(&agg_lock);
    pthread_cond_destroy(&sp.moved);
    pthread_mutex_destroy(&sp.lock);
}
