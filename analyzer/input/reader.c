/*
 * reader.c - plain and gzip input for rstscan (see reader.h).
 *
 * gzip is inflated with Intel ISA-L (isal_inflate, streaming, ISAL_GZIP:
 * it parses each member's header and checks its CRC-32 and length): on
 * this workload it inflates about 3 times as fast as zlib's inflate
 * (bench/RESULTS.md), which decides how close a .gz scan comes to
 * `gzip -dc`.  ISA-L picks the best code the CPU has at run time (its
 * AVX2/BMI2 decoder on this machine, a plain one elsewhere), so one build
 * runs on any x86-64; zlib is no longer needed here.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <isa-l/igzip_lib.h>

#include <stdarg.h>

#include "gzip_probe.h"
#include "reader.h"
#include "reader_codec.h"

/* The other compressed formats, by their magic bytes (reader_codec.h). */
static const rs_codec *const  rs_codecs[] = { &rs_codec_zstd,
                                              &rs_codec_utf16 };

#define RS_NCODECS  (sizeof(rs_codecs) / sizeof(rs_codecs[0]))

/* gzip is inflated by a thread of its own into a ring of blocks, so
   decompression and parsing run on both cores.  ISA-L inflates about
   four times as fast as the scan parses, so the ring is nearly always
   full: 8 x 256 KiB keeps 2 MiB ahead for when the inflater is not
   scheduled, and a block is still in cache when it is copied out (as
   fast as 4 x 1 MiB, with 2 MiB less resident) */
#define RS_PREFETCH_BLOCKS  8
#define RS_PREFETCH_BLOCK   RS_READER_BLOCK

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
    unsigned         nfull;     /* blocks filled, not all handed out */
    uint64_t         decoded;   /* bytes decoded (the inflater's) */
    rs_block_fn      on_block;  /* rs_reader_on_block's, under lock */
    void            *on_block_ctx;
    int              room_wait; /* the inflater waits for room */
    int              stop;
    int              done;      /* the consumer saw the end or an error */
} rs_prefetch;

struct rs_reader {
    int            fd;
    int            gzip;
    int            eof;             /* no more raw input */
    int            failed;
    uint64_t       raw_offset;
    uint64_t       limit;           /* raw bytes left to read (a range) */
    uint64_t       decoded;         /* gzip: bytes inflated, all members */
    const unsigned char  *mem;      /* an input in memory (fd is -1) */
    size_t         mem_len;
    const unsigned char  *mem_all;  /* all of it, for the probe */
    size_t         mem_all_len;
    int            regular;         /* fd is a regular file */
    int            once;            /* no member check (open_once) */
    int            damaged;         /* a member proved damaged */
    /* gzip: the member being decoded, and whether it was checked first
       (gzip_probe.h: when the input can be read twice) */
    struct {
        unsigned        n;          /* from 1 */
        uint64_t        start;      /* its first compressed byte */
        uint64_t        before;     /* bytes decoded from the members
                                       before it */
        int             probed;
        rs_gzip_probe  *probe;
    } member;
    struct inflate_state  *is;      /* gzip: ISA-L's stream (87 KiB) */
    unsigned char *in;
    size_t         in_len;          /* bytes of `in` holding raw input */
    size_t         in_cap;          /* RS_READER_INBUF, less in memory */
    rs_prefetch   *pf;              /* gzip: the inflating thread */
    const rs_codec *codec;          /* another format's decoder, or NULL */
    void          *codec_state;
    char           path[1024];
    char           error[1280];
};


static ssize_t rs_reader_fill(rs_reader *r);
static ssize_t rs_reader_inflate(rs_reader *r, void *buf, size_t cap);
static ssize_t rs_reader_inflate_into(rs_reader *r, void *buf, size_t cap);
static ssize_t rs_reader_refill(rs_reader *r);
static void rs_reader_next_member(rs_reader *r, size_t produced);
static int rs_reader_probe(rs_reader *r, size_t produced);
static ssize_t rs_reader_gzip_error(rs_reader *r, int rc, size_t produced);
static ssize_t rs_reader_sys(rs_reader *r, void *buf, size_t cap);
static ssize_t rs_reader_decode(rs_reader *r, void *buf, size_t cap);
static rs_reader *rs_reader_new(int fd, const char *path, size_t in_cap,
    char *err, size_t errlen);
static rs_reader *rs_reader_sniff(rs_reader *r, int thread, char *err,
    size_t errlen);
static int rs_prefetch_start(rs_reader *r);
static void *rs_prefetch_run(void *arg);
static ssize_t rs_prefetch_read(rs_reader *r, void *buf, size_t cap);
static void rs_prefetch_stop(rs_reader *r);


static rs_reader *rs_reader_open_file(const char *path, int once, char *err,
    size_t errlen);


rs_reader *
rs_reader_open(const char *path, char *err, size_t errlen)
{
    return rs_reader_open_file(path, 0, err, errlen);
}


rs_reader *
rs_reader_open_once(const char *path, char *err, size_t errlen)
{
    return rs_reader_open_file(path, 1, err, errlen);
}


static rs_reader *
rs_reader_open_file(const char *path, int once, char *err, size_t errlen)
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

    r = rs_reader_new(fd, path, RS_READER_INBUF, err, errlen);
    if (r == NULL) {
        return NULL;
    }

    /* before the inflating thread starts: it reads the flag */
    r->once = once;

    return rs_reader_sniff(r, 1, err, errlen);
}


rs_reader *
rs_reader_open_memory(const char *name, const void *data, size_t len,
    char *err, size_t errlen)
{
    rs_reader  *r;

    /* a small input gets a small buffer: no large allocation (a mapping
       of its own under ASan) per fuzz input */
    r = rs_reader_new(-1, name, len + 2 < RS_READER_INBUF ? len + 2
                                                           : RS_READER_INBUF,
                      err, errlen);
    if (r == NULL) {
        return NULL;
    }

    r->mem = data;
    r->mem_len = len;
    r->mem_all = data;
    r->mem_all_len = len;

    return rs_reader_sniff(r, 0, err, errlen);
}


/*
 * Reads the first bytes and sets the reader up for what they are; with
 * `thread`, gzip is inflated by a thread of its own.  r is closed on
 * failure.
 */
static rs_reader *
rs_reader_sniff(rs_reader *r, int thread, char *err, size_t errlen)
{
    /* the first bytes decide: gzip magic 1f 8b, a codec's (zstd's
       28 b5 2f fd), else plain; a pipe may hand over a single byte first,
       so read until there are four */
    while (r->in_len < 4 && !r->eof) {
        if (rs_reader_fill(r) < 0) {
            snprintf(err, errlen, "%s", r->error);
            rs_reader_close(r);
            return NULL;
        }
    }

    if (r->in_len >= 2 && r->in[0] == 0x1f && r->in[1] == 0x8b) {
        r->gzip = 1;

        r->is = malloc(sizeof(struct inflate_state));
        if (r->is == NULL) {
            snprintf(err, errlen, "%s: out of memory", r->path);
            rs_reader_close(r);
            return NULL;
        }

        r->member.n = 1;
        r->member.start = r->raw_offset - r->in_len;

        isal_inflate_init(r->is);
        /* the gzip wrapper: header parsed, CRC-32 and ISIZE checked */
        r->is->crc_flag = ISAL_GZIP;
        r->is->next_in = r->in;
        r->is->avail_in = (uint32_t) r->in_len;

        /* without a thread the same inflate runs in the caller's */
        if (thread) {
            rs_prefetch_start(r);
        }
        return r;
    }

    for (size_t i = 0; i < RS_NCODECS; i++) {
        if (rs_codecs[i]->magic(r->in, r->in_len)) {
            r->codec_state = rs_codecs[i]->open(r, r->in, r->in_len);
            if (r->codec_state == NULL) {
                snprintf(err, errlen, "%s: out of memory", r->path);
                rs_reader_close(r);
                return NULL;
            }
            r->codec = rs_codecs[i];
            r->in_len = 0;      /* the codec holds them */
            if (thread) {
                rs_prefetch_start(r);
            }
            break;
        }
    }

    return r;
}


ssize_t
rs_reader_raw(rs_reader *r, void *buf, size_t cap)
{
    ssize_t  n = rs_reader_sys(r, buf, cap);

    if (n == 0) {
        r->eof = 1;
    }

    return n;
}


void
rs_reader_fail(rs_reader *r, const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(r->error, sizeof(r->error), fmt, ap);
    va_end(ap);
    r->failed = 1;
}


/* Decoded bytes of a compressed input: gzip's, or the codec's. */
static ssize_t
rs_reader_decode(rs_reader *r, void *buf, size_t cap)
{
    if (r->codec != NULL) {
        return r->codec->decode(r, r->codec_state, buf, cap);
    }

    return rs_reader_inflate(r, buf, cap);
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

    r = rs_reader_new(fd, path, RS_READER_INBUF, err, errlen);
    if (r != NULL) {
        r->limit = len;
        r->raw_offset = off;
    }

    return r;
}


/* A reader of fd (closed on failure); NULL with err set. */
static rs_reader *
rs_reader_new(int fd, const char *path, size_t in_cap, char *err,
    size_t errlen)
{
    struct stat  st;
    rs_reader   *r;

    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
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
    r->regular = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    r->limit = UINT64_MAX;
    snprintf(r->path, sizeof(r->path), "%s",
             fd == STDIN_FILENO ? "(stdin)" : path);

    r->in_cap = in_cap;
    r->in = malloc(in_cap);
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

    if (r->mem != NULL || r->fd < 0) {
        n = (ssize_t) (cap < r->mem_len ? cap : r->mem_len);
        if (n > 0) {
            memcpy(buf, r->mem, (size_t) n);
            r->mem += n;
            r->mem_len -= (size_t) n;
        }
        r->limit -= (uint64_t) n;
        r->raw_offset += (uint64_t) n;
        return n;
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

    n = rs_reader_sys(r, r->in + r->in_len, r->in_cap - r->in_len);

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

    if (r->gzip || r->codec != NULL) {
        return rs_reader_decode(r, buf, cap);
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


/*
 * Inflates into buf until it is full, the input ends or breaks, or more
 * raw input would have to be read while something is already decoded
 * (a pipe then gets what it sent so far).  Returns the bytes decoded, 0
 * at the clean end of the last member, -1 on an error; bytes decoded
 * before an error are returned first and the error by the next call.
 */
static ssize_t
rs_reader_inflate(rs_reader *r, void *buf, size_t cap)
{
    ssize_t  n;

    n = rs_reader_inflate_into(r, buf, cap > UINT32_MAX ? UINT32_MAX : cap);

    if (n > 0) {
        r->decoded += (uint64_t) n;
    }

    return n;
}


static ssize_t
rs_reader_inflate_into(rs_reader *r, void *buf, size_t cap)
{
    int                    rc;
    size_t                 produced;
    uint32_t               out_before, in_before;
    struct inflate_state  *is = r->is;

    is->next_out = buf;
    is->avail_out = (uint32_t) cap;

    for ( ;; ) {
        produced = cap - is->avail_out;

        if (is->avail_out == 0) {
            return (ssize_t) produced;
        }

        if (!r->member.probed && rs_reader_probe(r, produced) != 0) {
            return produced > 0 ? (ssize_t) produced : -1;
        }

        if (is->block_state == ISAL_BLOCK_FINISH) {
            if (is->avail_in == 0) {
                if (produced > 0 || r->eof) {
                    return (ssize_t) produced;
                }
                if (rs_reader_refill(r) <= 0) {
                    /* the end after a whole member, or a read error */
                    return r->failed ? -1 : 0;
                }
            }

            rs_reader_next_member(r, produced);
            continue;
        }

        out_before = is->avail_out;
        in_before = is->avail_in;

        /* called with no input too: ISA-L may still hold decoded bytes
           that did not fit the last output buffer */
        rc = isal_inflate(is);

        if (rc != ISAL_DECOMP_OK) {
            return rs_reader_gzip_error(r, rc, cap - is->avail_out);
        }

        if (is->avail_out != out_before || is->avail_in != in_before
            || is->block_state == ISAL_BLOCK_FINISH)
        {
            continue;
        }

        /* no progress: ISA-L needs more input */
        if (is->avail_in != 0) {
            return rs_reader_gzip_error(r, ISAL_INVALID_BLOCK, produced);
        }

        if (produced > 0) {
            return (ssize_t) produced;
        }

        if (r->eof) {
            snprintf(r->error, sizeof(r->error), "%s: truncated gzip"
                     " input: the stream ends without its trailer after"
                     " %llu compressed bytes (%llu bytes decoded)",
                     r->path, (unsigned long long) r->raw_offset,
                     (unsigned long long) r->decoded);
            r->failed = 1;
            return -1;
        }

        if (rs_reader_refill(r) < 0) {
            return -1;
        }
    }
}


/*
 * Replaces the used-up raw input by the next read(2) and points ISA-L at
 * it.  Returns the bytes read, 0 at the end of the file, -1 on an error.
 */
static ssize_t
rs_reader_refill(rs_reader *r)
{
    ssize_t  n;

    r->in_len = 0;
    n = rs_reader_fill(r);

    r->is->next_in = r->in;
    r->is->avail_in = (uint32_t) r->in_len;

    return n;
}


/* Another member follows the one that ended (cat a.gz b.gz); produced:
   bytes decoded by this read so far. */
static void
rs_reader_next_member(rs_reader *r, size_t produced)
{
    uint8_t   *next = r->is->next_in;
    uint32_t   avail = r->is->avail_in;

    isal_inflate_reset(r->is);
    r->is->crc_flag = ISAL_GZIP;
    r->is->next_in = next;
    r->is->avail_in = avail;

    r->member.n++;
    r->member.start = r->raw_offset - avail;
    r->member.before = r->decoded + produced;
    r->member.probed = 0;
}


/*
 * Checks the member about to be decoded, when the input can be read
 * twice (gzip_probe.h).  A damaged member is not decoded at all: the
 * error names it, where decoding failed, and what was counted (every
 * member before it).  A member cut short is decoded as far as it goes
 * (nothing after a cut can be garbage) and the truncation reported at
 * its end, as for a pipe.  0, or -1 with the error set.
 */
static int
rs_reader_probe(rs_reader *r, size_t produced)
{
    rs_gzip_damage  d;
    int             rc;

    r->member.probed = 1;

    if (r->once || (r->mem_all == NULL && !r->regular)) {
        return 0;
    }

    if (r->member.probe == NULL) {
        r->member.probe = rs_gzip_probe_create();
        if (r->member.probe == NULL) {
            return 0;                   /* decoded unchecked, as a pipe */
        }
    }

    rc = rs_gzip_probe_member(r->member.probe, r->fd, r->mem_all,
                              r->mem_all_len, r->member.start, &d);
    if (rc == 0 || (rc == 1 && d.rc == 1)) {
        return 0;
    }

    if (rc < 0) {
        snprintf(r->error, sizeof(r->error), "%s: read error at byte %llu:"
                 " %s", r->path, (unsigned long long) r->member.start,
                 strerror(errno));

    } else {
        snprintf(r->error, sizeof(r->error), "%s: corrupt gzip input:"
                 " member %u (from compressed byte %llu): %s at compressed"
                 " byte %llu%s; none of this member is counted, the %llu"
                 " bytes decoded before it are", r->path, r->member.n,
                 (unsigned long long) r->member.start, rs_gzip_what(d.rc),
                 (unsigned long long) d.at,
                 d.rc == ISAL_INCORRECT_CHECKSUM
                 ? " (its trailer: the damage decoded on and lies between"
                   " the member's start and there)" : "",
                 (unsigned long long) (r->decoded + produced));
        r->damaged = 1;
    }

    r->failed = 1;

    return -1;
}


/*
 * Records a broken stream: ISA-L's code said in words, and where.  The
 * bytes decoded before it (produced) are still handed out.
 */
static ssize_t
rs_reader_gzip_error(rs_reader *r, int rc, size_t produced)
{
    /* an input read once (a pipe, or rs_reader_open_once): what was
       decoded before the failure was handed out already */
    snprintf(r->error, sizeof(r->error), "%s: corrupt gzip input: member"
             " %u (from compressed byte %llu): %s near compressed byte"
             " %llu; read once (a pipe), what it decoded before is counted",
             r->path, r->member.n, (unsigned long long) r->member.start,
             rs_gzip_what(rc),
             (unsigned long long) (r->raw_offset - r->is->avail_in));
    r->failed = 1;
    r->damaged = 1;

    return produced > 0 ? (ssize_t) produced : -1;
}


int
rs_reader_plain_file(const char *path, uint64_t *size)
{
    unsigned char  head[4];
    struct stat    st;
    ssize_t        n;
    size_t         i;
    int            fd;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        return 0;
    }

    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return 0;
    }

    n = pread(fd, head, sizeof(head), 0);
    close(fd);
    if (n < 0) {
        return 0;
    }

    if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
        return 0;
    }

    for (i = 0; i < RS_NCODECS; i++) {
        if (rs_codecs[i]->magic(head, (size_t) n)) {
            return 0;
        }
    }

    *size = (uint64_t) st.st_size;

    return 1;
}


const char *
rs_reader_error(const rs_reader *r)
{
    return r->error;
}


int
rs_reader_damaged(const rs_reader *r)
{
    return r->damaged;
}


int
rs_reader_is_gzip(const rs_reader *r)
{
    return r->gzip || r->codec != NULL;
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

    rs_gzip_probe_free(r->member.probe);
    free(r->is);

    if (r->codec != NULL) {
        r->codec->close(r->codec_state);
    }

    if (r->fd != STDIN_FILENO && r->fd >= 0) {
        close(r->fd);
    }

    free(r->in);
    free(r);
}


/*
 * The inflating thread.  It owns the ISA-L stream, the fd and r->error
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
    rs_block_fn   fn;
    void         *fn_ctx;
    unsigned      ahead;

    for ( ;; ) {
        pthread_mutex_lock(&pf->lock);
        b = &pf->blocks[pf->tail];

        /*
         * When the ring is full, wait until half of it is free: woken for
         * every block handed out, this thread slept and woke four
         * thousand times a GB, each a futex call and a context switch on
         * both sides, which cost the scanning thread, the slower one, a
         * tenth of a second a GB.
         */
        if (b->full && !pf->stop) {
            pf->room_wait = 1;
            while (pf->nfull > RS_PREFETCH_BLOCKS / 2 && !pf->stop) {
                pthread_cond_wait(&pf->cond, &pf->lock);
            }
            pf->room_wait = 0;
        }
        if (pf->stop) {
            pthread_mutex_unlock(&pf->lock);
            return NULL;
        }
        fn = pf->on_block;
        fn_ctx = pf->on_block_ctx;
        pthread_mutex_unlock(&pf->lock);

        n = r->failed ? -1 : rs_reader_decode(r, b->data, RS_PREFETCH_BLOCK);

        /* before the block is handed out: the consumer finds what the
           function made of a block with the block */
        if (n > 0 && fn != NULL) {
            pthread_mutex_lock(&pf->lock);
            ahead = pf->nfull;
            pthread_mutex_unlock(&pf->lock);

            fn(fn_ctx, b->data, (size_t) n, pf->decoded, ahead);
        }
        if (n > 0) {
            pf->decoded += (uint64_t) n;
        }

        pthread_mutex_lock(&pf->lock);
        b->len = n;
        b->pos = 0;
        b->full = 1;
        pf->nfull++;
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
        pf->nfull--;
        pf->head = (pf->head + 1) % RS_PREFETCH_BLOCKS;
        if (pf->room_wait && pf->nfull <= RS_PREFETCH_BLOCKS / 2) {
            pthread_cond_broadcast(&pf->cond);
        }
        pthread_mutex_unlock(&pf->lock);
    }

    return (ssize_t) n;
}


int
rs_reader_on_block(rs_reader *r, rs_block_fn fn, void *ctx)
{
    rs_prefetch  *pf = r->pf;

    if (pf == NULL) {
        return -1;
    }

    pthread_mutex_lock(&pf->lock);
    pf->on_block = fn;
    pf->on_block_ctx = ctx;
    pthread_mutex_unlock(&pf->lock);

    return 0;
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
