/*
 * scan_files.c - the inputs of a run, each apart until its commit (see
 * scan_files.h).
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "scan_files.h"
#include "scan_split.h"

/* How far the inputs taken may run ahead of the commits: an input done
   but not committed holds its whole aggregate. */
#define RS_FILES_AHEAD  2

typedef struct {
    const char    *path;
    rs_agg         agg;         /* this input's counts */
    void          *ctx;         /* its observer context; NULL: the run's */
    int            rc;          /* rs_scan_path_once's */
    int            big;         /* a plain file to split (scan_split.h) */
    int            done;
} rs_job;

typedef struct {
    const rs_scan_config  *cfg;         /* the run's */
    rs_agg                *run;
    rs_job                *job;
    size_t                 n;
    size_t                 next;        /* the input to take next */
    size_t                 joined;      /* inputs committed, in order */
    size_t                 ahead;
    int                    once;        /* gzip read once, dropped if
                                           damaged (scan_files.h) */
    int                    status;      /* 1: an input failed */
    int                    oom;         /* a commit ran out of memory */
    rs_files_done_fn       done;
    void                  *done_ctx;
    pthread_mutex_t        lock;        /* next, joined, the commits */
    pthread_cond_t         moved;       /* joined moved on */
} rs_files;

typedef struct {
    rs_files              *fs;
    rs_scanner            *sc;
    rs_scan_config         cfg;         /* the run's, with an input's ctx
                                           and its share of the threads */
} rs_fworker;


static void rs_files_segment(rs_files *fs, rs_fworker *w, pthread_t *tid,
    size_t from, size_t to, size_t nw, int threads);
static void *rs_files_run(void *arg);
static void rs_files_scan(rs_fworker *w, rs_job *job);
static void rs_files_commit(rs_files *fs, rs_job *job);


int
rs_scan_files(const rs_scan_config *cfg, rs_agg *run, const char *const *paths,
    size_t n, rs_files_done_fn done, void *done_ctx, char *err,
    size_t errlen)
{
    rs_files     fs;
    rs_fworker  *w;
    pthread_t   *tid;
    size_t       i, nw, end;
    uint64_t     size;

    memset(&fs, 0, sizeof(fs));
    fs.cfg = cfg;
    fs.run = run;
    fs.n = n;
    fs.done = done;
    fs.done_ctx = done_ctx;
    /* an observer that cannot fork and drop a context sees every record
       in order (simulate): one worker, each member checked first */
    fs.once = cfg->observe == NULL
              || (cfg->observe_fork != NULL && cfg->observe_free != NULL);

    nw = fs.once && cfg->threads > 1 ? (size_t) cfg->threads : 1;
    nw = nw > n ? (n > 0 ? n : 1) : nw;
    fs.ahead = nw + RS_FILES_AHEAD;

    fs.job = calloc(n > 0 ? n : 1, sizeof(rs_job));
    w = calloc(nw, sizeof(rs_fworker));
    tid = calloc(nw, sizeof(pthread_t));

    if (fs.job == NULL || w == NULL || tid == NULL
        || pthread_mutex_init(&fs.lock, NULL) != 0)
    {
        snprintf(err, errlen, "out of memory");
        free(fs.job);
        free(w);
        free(tid);
        return -1;
    }

    if (pthread_cond_init(&fs.moved, NULL) != 0) {
        snprintf(err, errlen, "out of memory");
        pthread_mutex_destroy(&fs.lock);
        free(fs.job);
        free(w);
        free(tid);
        return -1;
    }

    for (i = 0; i < n; i++) {
        fs.job[i].path = paths[i];
        fs.job[i].big = nw > 1 && rs_reader_plain_file(paths[i], &size)
                        && size >= RS_SPLIT_MIN;
        rs_agg_init_limit(&fs.job[i].agg, cfg->key_limit);
    }

    for (i = 0; i < nw; i++) {
        w[i].fs = &fs;
        w[i].cfg = *cfg;
        w[i].sc = rs_scanner_create(&w[i].cfg, run, err, errlen);
        if (w[i].sc == NULL) {
            break;
        }
    }

    if (w[0].sc == NULL) {
        fs.status = -1;
        goto done;
    }

    /* a worker whose scanner could not be made is simply not started */
    nw = i;

    /*
     * A large plain file is read alone, cut into chunks for every thread
     * (scan_split.h); the inputs between two such files are read by the
     * workers, one each.  A run of one large file and small rotated ones
     * (error.log beside error.log.1.gz ...) splits the large one as it
     * would alone, instead of leaving it to one thread.
     */
    for (i = 0; i < n; i = end) {
        if (fs.job[i].big) {
            end = i + 1;
            rs_files_segment(&fs, w, tid, i, end, 1, cfg->threads);
            continue;
        }

        for (end = i + 1; end < n && !fs.job[end].big; end++) {
            /* void */
        }

        rs_files_segment(&fs, w, tid, i, end, end - i < nw ? end - i : nw,
                         nw > 1 ? 1 : cfg->threads);
    }

    if (fs.oom) {
        snprintf(err, errlen, "out of memory");
        fs.status = -1;
    }

done:

    /* the rules that hit PCRE2's limits go to the run's aggregate, named
       in worker order */
    for (i = 0; i < nw && w[i].sc != NULL; i++) {
        rs_scanner_set_agg(w[i].sc, run);
        rs_scanner_destroy(w[i].sc);
    }

    for (i = 0; i < n; i++) {
        rs_agg_free(&fs.job[i].agg);
    }

    pthread_cond_destroy(&fs.moved);
    pthread_mutex_destroy(&fs.lock);
    free(fs.job);
    free(w);
    free(tid);

    return fs.status;
}


/*
 * Inputs [from, to), every one before them committed, read by nw workers
 * with `threads` threads each (more than one splits a large plain file).
 */
static void
rs_files_segment(rs_files *fs, rs_fworker *w, pthread_t *tid, size_t from,
    size_t to, size_t nw, int threads)
{
    size_t  i, started = 0;

    fs->next = from;
    fs->n = to;

    for (i = 0; i < nw; i++) {
        w[i].cfg.threads = threads;
    }

    for (i = 1; i < nw; i++) {
        if (pthread_create(&tid[i], NULL, rs_files_run, &w[i]) != 0) {
            break;
        }
        started = i;
    }

    rs_files_run(&w[0]);

    for (i = 1; i <= started; i++) {
        pthread_join(tid[i], NULL);
    }
}


/*
 * Takes the next input while there is one, scans it apart and commits
 * every input done next in order.  A worker more than fs->ahead inputs
 * ahead of the commits waits, so at most that many aggregates are held.
 */
static void *
rs_files_run(void *arg)
{
    rs_fworker  *w = arg;
    rs_files    *fs = w->fs;
    size_t       i;

    for ( ;; ) {
        pthread_mutex_lock(&fs->lock);
        while (fs->next < fs->n && fs->next >= fs->joined + fs->ahead) {
            pthread_cond_wait(&fs->moved, &fs->lock);
        }
        i = fs->next < fs->n ? fs->next++ : fs->n;
        pthread_mutex_unlock(&fs->lock);

        if (i == fs->n) {
            return NULL;
        }

        rs_files_scan(w, &fs->job[i]);
        rs_files_commit(fs, &fs->job[i]);
    }
}


/*
 * One input into its own aggregate and observer context.  Read once
 * first; when a gzip member proved damaged, what was counted is dropped
 * and the input read again, each member checked before it is counted.
 */
static void
rs_files_scan(rs_fworker *w, rs_job *job)
{
    const rs_scan_config  *cfg = w->fs->cfg;
    int                    once = w->fs->once, damaged;

    for ( ;; ) {
        job->ctx = NULL;
        if (cfg->observe != NULL && cfg->observe_fork != NULL) {
            job->ctx = cfg->observe_fork(cfg->observe_ctx);
            if (job->ctx == NULL) {
                rs_file  *f = rs_agg_file(&job->agg, job->path);

                if (f != NULL) {
                    rs_file_set(&f->error, "out of memory");
                }
                job->rc = -1;
                return;
            }
        }

        w->cfg.observe_ctx = job->ctx != NULL ? job->ctx : cfg->observe_ctx;
        rs_scanner_set_agg(w->sc, &job->agg);

        job->rc = rs_scan_path_once(w->sc, job->path, once, &damaged);

        if (!once || !damaged) {
            return;
        }

        rs_agg_free(&job->agg);
        rs_agg_init_limit(&job->agg, cfg->key_limit);
        if (job->ctx != NULL) {
            cfg->observe_free(job->ctx);
        }
        once = 0;
    }
}


/* Marks job done; commits every done input next in order. */
static void
rs_files_commit(rs_files *fs, rs_job *job)
{
    rs_job  *j;
    size_t   entry;

    pthread_mutex_lock(&fs->lock);

    job->done = 1;

    while (fs->joined < fs->n && fs->job[fs->joined].done) {
        j = &fs->job[fs->joined++];
        /* the input's entry (none when out of memory before it) */
        entry = j->agg.nfiles > 0 ? fs->run->nfiles + 1 : 0;

        if (rs_agg_take(fs->run, &j->agg) != 0) {
            fs->oom = 1;
        }

        if (j->ctx != NULL
            && fs->cfg->observe_join(fs->cfg->observe_ctx, j->ctx) != 0)
        {
            fs->oom = 1;
        }
        j->ctx = NULL;

        if (j->rc != 0) {
            fs->status = 1;
        }

        if (fs->done != NULL && entry > 0 && entry <= fs->run->nfiles) {
            fs->done(fs->done_ctx, &fs->run->files[entry - 1], j->rc != 0);
        }
    }

    pthread_cond_broadcast(&fs->moved);
    pthread_mutex_unlock(&fs->lock);
}
