/*
 * reader.c - plain and gzip input for rstscan (see reader.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "reader.h"

#define RS_READER_INBUF  (256 * 1024)

/* gzip is inflated by a thread of its own into a ring of blocks, so
   decompression and parsing run on both cores */
#define RS_PREFETCH_BLOCKS  4
#define RS_PREFETCH_BLOCK   (1024 * 1024)

typedef struct {
    char     *data;
    ssize_t   len;              /* bytes, 0 at the end, -1 on an error */
    size_t    pos;              /* bytes handed out */
    int       full;
} rs_block;

typedef struct {
    pthread_t        tid;
    pthread_mutex_t  lock;
    pthread_cond_t   cond;
    rs_block         blocks[RS_PREFETCH_BLOCKS];
    unsigned         head;      /* the block the reader takes next */
    unsigned         tail;      /* the block the inflater fills next */
    int              stop;
    int              done;      /* the consumer saw the end or an error */
} rs_prefetch;

struct rs_reader {
    int            fd;
    int            gzip;
    int            eof;             /* no more raw input */
    int            failed;
    int            stream_end;      /* the last gzip member ended cleanly */
    uint64_t       raw_offset;
    uint64_t       limit;           /* raw bytes left to read (a range) */
    z_stream       zs;
    unsigned char *in;
    size_t         in_len;          /* bytes of `in` holding raw input */
    rs_prefetch   *pf;              /* gzip: the inflating thread */
    char           path[1024];
    char           error[1280];
};


static ssize_t rs_reader_fill(rs_reader *r);
static ssize_t rs_reader_inflate(rs_reader *r, void *buf, size_t cap);
static ssize_t rs_reader_sys(rs_reader *r, void *buf, size_t cap);
static rs_reader *rs_reader_new(int fd, const char *path, char *err,
    size_t errlen);
static int rs_prefetch_start(rs_reader *r);
static void *rs_prefetch_run(void *arg);
static ssize_t rs_prefetch_read(rs_reader *r, void *buf, size_t cap);
static void rs_prefetch_stop(rs_reader *r);


rs_reader *
rs_reader_open(const char *path, char *err, size_t errlen)
{
    int          fd;
    rs_reader   *r;

    if (strcmp(path, "-") == 0) {
        fd = STDIN_FILENO;

    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd == -1) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return NULL;
        }
    }

    r = rs_reader_new(fd, path, err, errlen);
    if (r == NULL) {
        return NULL;
    }

    /* the first bytes decide: gzip magic 1f 8b, else plain */
    if (rs_reader_fill(r) < 0) {
        snprintf(err, errlen, "%s", r->error);
        rs_reader_close(r);
        return NULL;
    }

    if (r->in_len >= 2 && r->in[0] == 0x1f && r->in[1] == 0x8b) {
        r->gzip = 1;

        /* 15 + 16: a gzip wrapper only, with the largest window */
        if (inflateInit2(&r->zs, 15 + 16) != Z_OK) {
            snprintf(err, errlen, "%s: cannot start gzip decoder", path);
            r->gzip = 0;
            rs_reader_close(r);
            return NULL;
        }

        r->zs.next_in = r->in;
        r->zs.avail_in = (uInt) r->in_len;

        /* without a thread the same inflate runs in the caller's */
        rs_prefetch_start(r);
    }

    return r;
}


rs_reader *
rs_reader_open_range(const char *path, uint64_t off, uint64_t len,
    char *err, size_t errlen)
{
    int         fd;
    rs_reader  *r;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }

    if (lseek(fd, (off_t) off, SEEK_SET) == (off_t) -1) {
        snprintf(err, errlen, "%s: cannot seek to byte %llu: %s", path,
                 (unsigned long long) off, strerror(errno));
        close(fd);
        return NULL;
    }

    r = rs_reader_new(fd, path, err, errlen);
    if (r != NULL) {
        r->limit = len;
        r->raw_offset = off;
    }

    return r;
}


/* A reader of fd (closed on failure); NULL with err set. */
static rs_reader *
rs_reader_new(int fd, const char *path, char *err, size_t errlen)
{
    struct stat  st;
    rs_reader   *r;

    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory", path);
        if (fd != STDIN_FILENO) {
            close(fd);
        }
        return NULL;
    }

    r = calloc(1, sizeof(rs_reader));
    if (r == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        if (fd != STDIN_FILENO) {
            close(fd);
        }
        return NULL;
    }

    r->fd = fd;
    r->limit = UINT64_MAX;
    snprintf(r->path, sizeof(r->path), "%s",
             fd == STDIN_FILENO ? "(stdin)" : path);

    r->in = malloc(RS_READER_INBUF);
    if (r->in == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        rs_reader_close(r);
        return NULL;
    }

    return r;
}


/* One read(2) of at most cap bytes (and what is left of a range). */
static ssize_t
rs_reader_sys(rs_reader *r, void *buf, size_t cap)
{
    ssize_t  n;

    if (cap > r->limit) {
        cap = (size_t) r->limit;
    }

    if (cap == 0) {
        return 0;
    }

    for ( ;; ) {
        n = read(r->fd, buf, cap);

        if (n >= 0) {
            r->limit -= (uint64_t) n;
            /* atomic: a progress line may read it from another thread */
            __atomic_fetch_add(&r->raw_offset, (uint64_t) n,
                               __ATOMIC_RELAXED);
            return n;
        }

        if (errno != EINTR) {
            snprintf(r->error, sizeof(r->error), "%s: read error at byte %llu:"
                     " %s", r->path, (unsigned long long) r->raw_offset,
                     strerror(errno));
            r->failed = 1;
            return -1;
        }
    }
}


/* Appends raw input after what is already buffered; -1 on a read error. */
static ssize_t
rs_reader_fill(rs_reader *r)
{
    ssize_t  n;

    n = rs_reader_sys(r, r->in + r->in_len, RS_READER_INBUF - r->in_len);

    if (n < 0) {
        return -1;
    }

    if (n == 0) {
        r->eof = 1;
    }

    r->in_len += (size_t) n;

    return n;
}


ssize_t
rs_reader_read(rs_reader *r, void *buf, size_t cap)
{
    size_t  n;

    if (r->pf != NULL) {
        return rs_prefetch_read(r, buf, cap);
    }

    if (r->failed) {
        return -1;
    }

    if (r->gzip) {
        return rs_reader_inflate(r, buf, cap);
    }

    /* plain input goes straight into the caller's buffer, once the bytes
       read to sniff for gzip are handed out */
    if (r->in_len == 0) {
        return r->eof ? 0 : rs_reader_sys(r, buf, cap);
    }

    n = r->in_len < cap ? r->in_len : cap;
    memcpy(buf, r->in, n);
    memmove(r->in, r->in + n, r->in_len - n);
    r->in_len -= n;

    return (ssize_t) n;
}


static ssize_t
rs_reader_inflate(rs_reader *r, void *buf, size_t cap)
{
    int  rc;

    r->zs.next_out = buf;
    r->zs.avail_out = (uInt) (cap > UINT32_MAX ? UINT32_MAX : cap);

    while (r->zs.avail_out == cap) {

        if (r->zs.avail_in == 0) {
            if (r->eof) {
                if (r->stream_end) {
                    return 0;
                }

                snprintf(r->error, sizeof(r->error), "%s: truncated gzip"
                         " input: the stream ends without its trailer after"
                         " %llu compressed bytes (%lu bytes decoded)",
                         r->path, (unsigned long long) r->raw_offset,
                         r->zs.total_out);
                r->failed = 1;
                return -1;
            }

            r->in_len = 0;
            if (rs_reader_fill(r) < 0) {
                return -1;
            }

            r->zs.next_in = r->in;
            r->zs.avail_in = (uInt) r->in_len;
            continue;
        }

        if (r->stream_end) {
            /* another member follows (cat a.gz b.gz) */
            if (inflateReset(&r->zs) != Z_OK) {
                r->failed = 1;
                return -1;
            }
            r->stream_end = 0;
        }

        rc = inflate(&r->zs, Z_NO_FLUSH);

        if (rc == Z_STREAM_END) {
            r->stream_end = 1;
            continue;
        }

        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            snprintf(r->error, sizeof(r->error), "%s: corrupt gzip input"
                     " near compressed byte %llu: %s", r->path,
                     (unsigned long long) (r->raw_offset - r->zs.avail_in),
                     r->zs.msg ? r->zs.msg : "inflate failed");
            r->failed = 1;
            /* what was decoded in this call is still handed out */
            return (ssize_t) (cap - r->zs.avail_out) > 0
                   ? (ssize_t) (cap - r->zs.avail_out) : -1;
        }
    }

    return (ssize_t) (cap - r->zs.avail_out);
}


const char *
rs_reader_error(const rs_reader *r)
{
    return r->error;
}


int
rs_reader_is_gzip(const rs_reader *r)
{
    return r->gzip;
}


const char *
rs_reader_path(const rs_reader *r)
{
    return r->path;
}


uint64_t
rs_reader_raw_offset(const rs_reader *r)
{
    return __atomic_load_n(&r->raw_offset, __ATOMIC_RELAXED);
}


void
rs_reader_close(rs_reader *r)
{
    if (r == NULL) {
        return;
    }

    rs_prefetch_stop(r);

    if (r->gzip) {
        inflateEnd(&r->zs);
    }

    if (r->fd != STDIN_FILENO && r->fd >= 0) {
        close(r->fd);
    }

    free(r->in);
    free(r);
}


/*
 * The inflating thread.  It owns the zlib stream, the fd and r->error
 * until it publishes its last block (end or error); the mutex orders that
 * before the reader looks at them.
 */
static int
rs_prefetch_start(rs_reader *r)
{
    rs_prefetch  *pf;
    int           i;

    pf = calloc(1, sizeof(rs_prefetch));
    if (pf == NULL) {
        return -1;
    }

    for (i = 0; i < RS_PREFETCH_BLOCKS; i++) {
        pf->blocks[i].data = malloc(RS_PREFETCH_BLOCK);
        if (pf->blocks[i].data == NULL) {
            goto failed;
        }
    }

    if (pthread_mutex_init(&pf->lock, NULL) != 0) {
        goto failed;
    }

    if (pthread_cond_init(&pf->cond, NULL) != 0) {
        pthread_mutex_destroy(&pf->lock);
        goto failed;
    }

    r->pf = pf;

    if (pthread_create(&pf->tid, NULL, rs_prefetch_run, r) != 0) {
        pthread_cond_destroy(&pf->cond);
        pthread_mutex_destroy(&pf->lock);
        r->pf = NULL;
        goto failed;
    }

    return 0;

failed:

    for (i = 0; i < RS_PREFETCH_BLOCKS; i++) {
        free(pf->blocks[i].data);
    }
    free(pf);

    return -1;
}


static void *
rs_prefetch_run(void *arg)
{
    rs_reader    *r = arg;
    rs_prefetch  *pf = r->pf;
    rs_block     *b;
    ssize_t       n;

    for ( ;; ) {
        pthread_mutex_lock(&pf->lock);
        b = &pf->blocks[pf->tail];
        while (b->full && !pf->stop) {
            pthread_cond_wait(&pf->cond, &pf->lock);
        }
        if (pf->stop) {
            pthread_mutex_unlock(&pf->lock);
            return NULL;
        }
        pthread_mutex_unlock(&pf->lock);

        n = r->failed ? -1 : rs_reader_inflate(r, b->data, RS_PREFETCH_BLOCK);

        pthread_mutex_lock(&pf->lock);
        b->len = n;
        b->pos = 0;
        b->full = 1;
        pf->tail = (pf->tail + 1) % RS_PREFETCH_BLOCKS;
        pthread_cond_broadcast(&pf->cond);
        pthread_mutex_unlock(&pf->lock);

        if (n <= 0) {
            return NULL;
        }
    }
}


static ssize_t
rs_prefetch_read(rs_reader *r, void *buf, size_t cap)
{
    rs_prefetch  *pf = r->pf;
    rs_block     *b;
    size_t        n;

    pthread_mutex_lock(&pf->lock);
    b = &pf->blocks[pf->head];
    while (!b->full) {
        pthread_cond_wait(&pf->cond, &pf->lock);
    }
    pthread_mutex_unlock(&pf->lock);

    if (b->len <= 0) {
        /* the end or the error stays: every later read returns it too */
        pf->done = 1;
        return b->len;
    }

    n = (size_t) b->len - b->pos;
    if (n > cap) {
        n = cap;
    }

    memcpy(buf, b->data + b->pos, n);
    b->pos += n;

    if (b->pos == (size_t) b->len) {
        pthread_mutex_lock(&pf->lock);
        b->full = 0;
        pf->head = (pf->head + 1) % RS_PREFETCH_BLOCKS;
        pthread_cond_broadcast(&pf->cond);
        pthread_mutex_unlock(&pf->lock);
    }

    return (ssize_t) n;
}


static void
rs_prefetch_stop(rs_reader *r)
{
    rs_prefetch  *pf = r->pf;
    int           i;

    if (pf == NULL) {
        return;
    }

    pthread_mutex_lock(&pf->lock);
    pf->stop = 1;
    pthread_cond_broadcast(&pf->cond);
    pthread_mutex_unlock(&pf->lock);
    pthread_join(pf->tid, NULL);

    pthread_cond_destroy(&pf->cond);
    pthread_mutex_destroy(&pf->lock);
    for (i = 0; i < RS_PREFETCH_BLOCKS; i++) {
        free(pf->blocks[i].data);
    }
    free(pf);
    r->pf = NULL;
}
