/*
 * rstscan's reader: plain, gzip, concatenated gzip, truncated gzip, stdin;
 * corrupt members, CRC and length mismatches, trailing garbage, empty
 * members, member boundaries on the reader's input and output block edges,
 * gzip through a pipe in small writes.
 */

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "reader.h"
#include "rgt_tmp.h"

static char  dir[RGT_TMP_DIR_MAX];

static void
setup(void)
{
    cr_assert_eq(rgt_tmp_make(dir, sizeof(dir), "reader"), 0);
}

static void
teardown(void)
{
    cr_assert_eq(rgt_tmp_remove(dir), 0);
}

static void
write_gz(const char *path, const char *mode, const char *text)
{
    gzFile  gz = gzopen(path, mode);

    cr_assert_not_null(gz);
    cr_assert_eq(gzwrite(gz, text, (unsigned) strlen(text)), (int) strlen(text));
    cr_assert_eq(gzclose(gz), Z_OK);
}

static char  read_all_buf[1 << 20];

static char *
read_all(rs_reader *r, size_t *len, ssize_t *last)
{
    char     *buf = read_all_buf;
    ssize_t   n;

    *len = 0;
    /* small reads exercise the buffer boundaries */
    while ((n = rs_reader_read(r, buf + *len, 7)) > 0) {
        *len += (size_t) n;
    }

    *last = n;
    buf[*len] = '\0';
    return buf;
}

TestSuite(reader, .init = setup, .fini = teardown);

Test(reader, plain_file)
{
    char       path[128], err[256];
    size_t     len;
    ssize_t    last;
    rs_reader *r;
    FILE      *f;

    snprintf(path, sizeof(path), "%s/a.log", dir);
    f = fopen(path, "w");
    fputs("one\ntwo\nthree", f);
    fclose(f);

    r = rs_reader_open(path, err, sizeof(err));
    cr_assert_not_null(r);
    cr_assert_eq(rs_reader_is_gzip(r), 0);
    cr_assert_str_eq(read_all(r, &len, &last), "one\ntwo\nthree");
    cr_assert_eq(last, 0);
    rs_reader_close(r);
}

Test(reader, gzip_and_concatenated_members)
{
    char       path[128], err[256];
    size_t     len;
    ssize_t    last;
    rs_reader *r;

    snprintf(path, sizeof(path), "%s/a.log.gz", dir);
    write_gz(path, "wb", "first member\n");
    write_gz(path, "ab", "second member\n");

    r = rs_reader_open(path, err, sizeof(err));
    cr_assert_not_null(r);
    cr_assert_eq(rs_reader_is_gzip(r), 1);
    cr_assert_str_eq(read_all(r, &len, &last), "first member\nsecond member\n");
    cr_assert_eq(last, 0);
    rs_reader_close(r);
}

Test(reader, truncated_gzip_keeps_what_was_read_and_says_where)
{
    char       path[128], err[256], *full;
    size_t     len, glen;
    ssize_t    last;
    rs_reader *r;
    FILE      *f;
    char       text[20000];

    for (size_t i = 0; i < sizeof(text) - 1; i++) {
        text[i] = (i % 50 == 49) ? '\n' : (char) ('a' + (i * 7) % 26);
    }
    text[sizeof(text) - 1] = '\0';

    snprintf(path, sizeof(path), "%s/t.gz", dir);
    write_gz(path, "wb", text);
    full = malloc(65536);
    f = fopen(path, "rb");
    glen = fread(full, 1, 65536, f);
    fclose(f);
    /* cut the trailer and part of the data */
    f = fopen(path, "wb");
    fwrite(full, 1, glen - 12, f);
    fclose(f);
    free(full);

    r = rs_reader_open(path, err, sizeof(err));
    cr_assert_not_null(r);
    read_all(r, &len, &last);
    cr_assert_eq(last, -1);
    cr_assert(len > 0 && len < strlen(text), "decoded %zu bytes", len);
    cr_assert_not_null(strstr(rs_reader_error(r), "truncated gzip"));
    cr_assert_not_null(strstr(rs_reader_error(r), path));
    rs_reader_close(r);
}

Test(reader, missing_file_and_directory_are_named)
{
    char  path[128], err[256];

    snprintf(path, sizeof(path), "%s/none.log", dir);
    cr_assert_null(rs_reader_open(path, err, sizeof(err)));
    cr_assert_not_null(strstr(err, path));
    cr_assert_not_null(strstr(err, "No such file"));

    cr_assert_null(rs_reader_open(dir, err, sizeof(err)));
    cr_assert_not_null(strstr(err, "is a directory"));
}


/* --- gzip members built here, byte for byte ------------------------------ */

typedef struct {
    unsigned char  *p;
    size_t          len;
} blob;

/*
 * One gzip member of text at level (0-9); with extra > 0 its header
 * carries an FEXTRA field of that many bytes, which sets the member's
 * compressed size to the byte without touching the deflate data.
 */
static blob
gz_member(const char *text, size_t len, int level, unsigned extra)
{
    z_stream      zs;
    gz_header     hd;
    blob          b;
    size_t        cap = len + len / 8 + 70000 + 1024;
    static unsigned char  xbuf[65535];

    memset(&zs, 0, sizeof(zs));
    memset(&hd, 0, sizeof(hd));
    cr_assert_eq(deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8,
                              Z_DEFAULT_STRATEGY), Z_OK);
    if (extra > 0) {
        cr_assert(extra <= sizeof(xbuf));
        memset(xbuf, 'x', extra);
        hd.extra = xbuf;
        hd.extra_len = extra;
        hd.os = 3;
        cr_assert_eq(deflateSetHeader(&zs, &hd), Z_OK);
    }

    b.p = malloc(cap);
    cr_assert_not_null(b.p);
    zs.next_in = (unsigned char *) text;
    zs.avail_in = (uInt) len;
    zs.next_out = b.p;
    zs.avail_out = (uInt) cap;
    cr_assert_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    b.len = cap - zs.avail_out;
    deflateEnd(&zs);

    return b;
}

/* Writes the blobs one after the other to path. */
static void
write_blobs(const char *path, const blob *b, int n)
{
    FILE  *f = fopen(path, "wb");

    cr_assert_not_null(f);
    for (int i = 0; i < n; i++) {
        cr_assert_eq(fwrite(b[i].p, 1, b[i].len, f), b[i].len);
    }
    cr_assert_eq(fclose(f), 0);
}

/* Deterministic log-like text: lines of pseudo-random lower-case words. */
static char *
some_text(size_t len, uint32_t seed)
{
    char  *t = malloc(len + 1);

    cr_assert_not_null(t);
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        t[i] = (i % 61 == 60) ? '\n' : (char) ('a' + (seed >> 16) % 26);
    }
    t[len] = '\0';
    return t;
}

/* Reads r to its end in reads of cap bytes into a new buffer. */
static char *
read_by(rs_reader *r, size_t cap, size_t *len, ssize_t *last)
{
    size_t   size = 1 << 20;
    char    *buf = malloc(size);
    ssize_t  n;

    cr_assert_not_null(buf);
    *len = 0;
    for ( ;; ) {
        if (size - *len < cap) {
            size = 2 * size + cap;
            buf = realloc(buf, size);
            cr_assert_not_null(buf);
        }
        n = rs_reader_read(r, buf + *len, cap);
        if (n <= 0) {
            break;
        }
        cr_assert_leq((size_t) n, cap);
        *len += (size_t) n;
    }
    *last = n;
    return buf;
}

/* Opens path and reads it whole with reads of cap bytes. */
static char *
open_read_by(const char *path, size_t cap, size_t *len, ssize_t *last,
    char *error, size_t errlen)
{
    char        err[1536], *buf;
    rs_reader  *r;

    r = rs_reader_open(path, err, sizeof(err));
    cr_assert_not_null(r, "%s", err);
    cr_assert_eq(rs_reader_is_gzip(r), 1);
    buf = read_by(r, cap, len, last);
    snprintf(error, errlen, "%s", rs_reader_error(r));
    rs_reader_close(r);
    return buf;
}

/* The compressed offset a "near compressed byte N" error names. */
static unsigned long long
error_offset(const char *error)
{
    const char  *p = strstr(error, " at compressed byte ");

    cr_assert_not_null(p, "%s", error);
    return strtoull(p + strlen(" at compressed byte "), NULL, 10);
}

/*
 * A checksum that does not match: the damage may be anywhere in the
 * member (often it decodes on into garbage), so none of it is counted and
 * the error names the member; the offset is where the check failed.
 */
Test(reader, crc_mismatch_counts_nothing_of_the_member)
{
    char        path[128], error[1536], want[512];
    char       *text = some_text(100000, 1);
    blob        m = gz_member(text, 100000, 6, 0);
    size_t      len;
    ssize_t     last;

    /* the trailer is CRC-32 then ISIZE, both little-endian */
    m.p[m.len - 8] ^= 0x01;
    snprintf(path, sizeof(path), "%s/crc.gz", dir);
    write_blobs(path, &m, 1);

    free(open_read_by(path, 7, &len, &last, error, sizeof(error)));
    cr_assert_eq(len, 0);
    cr_assert_eq(last, -1);
    snprintf(want, sizeof(want), "%s: corrupt gzip input: member 1 (from"
             " compressed byte 0): checksum mismatch (the CRC-32 or length in"
             " the trailer, or the header's CRC) at compressed byte %llu"
             " (its trailer: the damage decoded on and lies between the"
             " member's start and there); none of this member is counted,"
             " the 0 bytes decoded before it are", path, error_offset(error));
    cr_assert_str_eq(error, want);
    cr_assert_geq(error_offset(error), m.len - 8);
    cr_assert_leq(error_offset(error), m.len);

    /* the length (ISIZE) checked too */
    m.p[m.len - 8] ^= 0x01;
    m.p[m.len - 1] ^= 0x40;
    write_blobs(path, &m, 1);
    free(open_read_by(path, RS_READER_BLOCK, &len, &last, error,
                      sizeof(error)));
    cr_assert_eq(len, 0);
    cr_assert_eq(last, -1);
    cr_assert_not_null(strstr(error, "checksum mismatch"), "%s", error);
    free(m.p);
    free(text);
}

/*
 * Three members of a real gzip, the second damaged mid-data at a known
 * byte: the first member is handed out whole, nothing after it, and the
 * error names member 2, its start and where decoding failed (ISA-L's
 * position when it gave up: at most a code's few bytes before the damaged
 * byte, and inside the member).
 */
Test(reader, damage_mid_member_names_it_and_counts_what_was_before)
{
    char        path[128], error[1536], *got, head[256];
    char       *text = some_text(300000, 4);
    blob        m[3];
    size_t      len, damaged, caps[] = { 7, RS_READER_BLOCK };
    ssize_t     last;

    for (int i = 0; i < 3; i++) {
        m[i] = gz_member(text + 100000 * i, 100000, 6, 0);
    }
    damaged = m[0].len + m[1].len / 2;
    m[1].p[m[1].len / 2] ^= 0x5a;
    snprintf(path, sizeof(path), "%s/damaged.gz", dir);
    write_blobs(path, m, 3);

    for (size_t c = 0; c < 2; c++) {
        got = open_read_by(path, caps[c], &len, &last, error, sizeof(error));
        cr_assert_eq(len, 100000, "cap %zu: %zu bytes", caps[c], len);
        cr_assert_eq(memcmp(got, text, len), 0);
        cr_assert_eq(last, -1);
        snprintf(head, sizeof(head), "%s: corrupt gzip input: member 2 (from"
                 " compressed byte %zu): ", path, m[0].len);
        cr_assert_eq(strncmp(error, head, strlen(head)), 0, "%s", error);
        cr_assert_not_null(strstr(error, "; none of this member is counted,"
                                  " the 100000 bytes decoded before it are"),
                           "%s", error);
        cr_assert_geq(error_offset(error) + 8, damaged, "%s", error);
        cr_assert_leq(error_offset(error), m[0].len + m[1].len, "%s", error);
        free(got);
    }

    for (int i = 0; i < 3; i++) {
        free(m[i].p);
    }
    free(text);
}

Test(reader, corrupt_second_member_keeps_the_first)
{
    char        path[128], error[1536], *got;
    char       *text = some_text(300000, 2);
    blob        m[2];
    size_t      len;
    ssize_t     last;

    m[0] = gz_member(text, 300000, 6, 0);
    m[1] = gz_member("second\n", 7, 6, 0);
    /* the first deflate block header after the 10-byte gzip header:
       BFINAL 1, BTYPE 11 (reserved) */
    m[1].p[10] = (unsigned char) ((m[1].p[10] & ~0x07) | 0x07);
    snprintf(path, sizeof(path), "%s/bad.gz", dir);
    write_blobs(path, m, 2);

    got = open_read_by(path, 4096, &len, &last, error, sizeof(error));
    cr_assert_eq(len, 300000);
    cr_assert_eq(memcmp(got, text, len), 0);
    cr_assert_eq(last, -1);
    cr_assert_not_null(strstr(error, path), "%s", error);
    cr_assert_not_null(strstr(error, "member 2 (from compressed byte "),
                       "%s", error);
    cr_assert_not_null(strstr(error, "invalid deflate block"), "%s", error);
    cr_assert_geq(error_offset(error), m[0].len + 10);
    cr_assert_leq(error_offset(error), m[0].len + m[1].len);
    free(got);
    free(m[0].p);
    free(m[1].p);
    free(text);
}

/* As with zlib before: bytes after the last member are not a member. */
Test(reader, trailing_garbage_is_an_error_after_the_data)
{
    char        path[128], error[1536], *got;
    blob        m[2];
    size_t      len;
    ssize_t     last;
    static unsigned char  junk[] = "this is no gzip member\n";

    m[0] = gz_member("one\ntwo\n", 8, 6, 0);
    m[1].p = junk;
    m[1].len = sizeof(junk) - 1;
    snprintf(path, sizeof(path), "%s/junk.gz", dir);
    write_blobs(path, m, 2);

    got = open_read_by(path, 7, &len, &last, error, sizeof(error));
    cr_assert_eq(len, 8);
    cr_assert_eq(memcmp(got, "one\ntwo\n", 8), 0);
    cr_assert_eq(last, -1);
    cr_assert_not_null(strstr(error, path), "%s", error);
    cr_assert_not_null(strstr(error, "not a gzip member header"), "%s",
                       error);
    free(got);
    free(m[0].p);
}

Test(reader, empty_members_and_a_lone_magic)
{
    char        path[128], error[1536], *got;
    blob        m[3];
    size_t      len;
    ssize_t     last;
    static unsigned char  magic[] = { 0x1f, 0x8b };

    m[0] = gz_member("", 0, 6, 0);
    m[1] = gz_member("mid\n", 4, 6, 0);
    m[2] = gz_member("", 0, 6, 0);
    snprintf(path, sizeof(path), "%s/empty.gz", dir);

    write_blobs(path, m, 1);
    got = open_read_by(path, 7, &len, &last, error, sizeof(error));
    cr_assert_eq(len, 0);
    cr_assert_eq(last, 0);
    cr_assert_str_eq(error, "");
    free(got);

    write_blobs(path, m, 3);
    got = open_read_by(path, 7, &len, &last, error, sizeof(error));
    cr_assert_eq(len, 4);
    cr_assert_eq(memcmp(got, "mid\n", 4), 0);
    cr_assert_eq(last, 0);
    free(got);

    free(m[0].p);
    m[0].p = magic;
    m[0].len = 2;
    write_blobs(path, m, 1);
    got = open_read_by(path, 7, &len, &last, error, sizeof(error));
    cr_assert_eq(len, 0);
    cr_assert_eq(last, -1);
    cr_assert_not_null(strstr(error, "truncated gzip input"), "%s", error);
    cr_assert_not_null(strstr(error, "after 2 compressed bytes (0 bytes"
                              " decoded)"), "%s", error);
    free(got);
    free(m[1].p);
    free(m[2].p);
}

/*
 * A member ends at every position around the end of the first raw read
 * (RS_READER_INBUF): the trailer and the next header split at each of
 * their bytes.  Read in small and in block-sized reads.
 */
Test(reader, member_boundary_on_the_input_buffer_edge)
{
    char        path[128], error[1536], *got, *want;
    char       *text = some_text(380000, 3);
    blob        m[2], base;
    size_t      len, wlen;
    ssize_t     last;
    size_t      caps[] = { 7, RS_READER_BLOCK + 65536 };

    base = gz_member(text, 380000, 6, 0);
    /* FEXTRA adds 2 + extra bytes */
    cr_assert(base.len + 2 + 20 < RS_READER_INBUF - 20
              && RS_READER_INBUF + 20 - base.len - 2 <= 65535,
              "base member of %zu bytes", base.len);
    m[1] = gz_member("the next member\n", 16, 6, 0);
    wlen = 380000 + 16;
    want = malloc(wlen);
    memcpy(want, text, 380000);
    memcpy(want + 380000, "the next member\n", 16);
    snprintf(path, sizeof(path), "%s/edge.gz", dir);

    for (int d = -20; d <= 20; d++) {
        m[0] = gz_member(text, 380000, 6,
                         (unsigned) (RS_READER_INBUF + d - base.len - 2));
        cr_assert_eq(m[0].len, (size_t) (RS_READER_INBUF + d));
        write_blobs(path, m, 2);

        for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
            got = open_read_by(path, caps[c], &len, &last, error,
                               sizeof(error));
            cr_assert_eq(last, 0, "d=%d cap=%zu: %s", d, caps[c], error);
            cr_assert_eq(len, wlen, "d=%d cap=%zu", d, caps[c]);
            cr_assert_eq(memcmp(got, want, wlen), 0, "d=%d", d);
            free(got);
        }
        free(m[0].p);
    }
    free(base.p);
    free(m[1].p);
    free(want);
    free(text);
}

/*
 * Members whose decoded ends fall exactly on the gzip thread's blocks
 * (RS_READER_BLOCK) and one byte either side; stored (level 0) and
 * compressed members.
 */
Test(reader, member_boundary_on_the_output_block_edge)
{
    char        path[128], error[1536], *got, *want;
    size_t      sizes[] = { RS_READER_BLOCK - 1, RS_READER_BLOCK,
                            RS_READER_BLOCK + 1, 2 * RS_READER_BLOCK };
    char       *text = some_text(2 * RS_READER_BLOCK + 1, 4);
    blob        m[3];
    size_t      len, wlen;
    ssize_t     last;

    want = malloc(5 * RS_READER_BLOCK);
    snprintf(path, sizeof(path), "%s/block.gz", dir);

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        for (int level = 0; level <= 6; level += 6) {
            m[0] = gz_member(text, sizes[i], level, 0);
            m[1] = gz_member(text + 1, RS_READER_BLOCK, 9 - level, 0);
            m[2] = gz_member("tail\n", 5, level, 0);
            write_blobs(path, m, 3);

            wlen = 0;
            memcpy(want, text, sizes[i]);
            wlen += sizes[i];
            memcpy(want + wlen, text + 1, RS_READER_BLOCK);
            wlen += RS_READER_BLOCK;
            memcpy(want + wlen, "tail\n", 5);
            wlen += 5;

            got = open_read_by(path, RS_READER_BLOCK + 65536, &len, &last,
                               error, sizeof(error));
            cr_assert_eq(last, 0, "size %zu level %d: %s", sizes[i], level,
                         error);
            cr_assert_eq(len, wlen, "size %zu level %d", sizes[i], level);
            cr_assert_eq(memcmp(got, want, wlen), 0);
            free(got);

            for (int k = 0; k < 3; k++) {
                free(m[k].p);
            }
        }
    }
    free(want);
    free(text);
}

typedef struct {
    int          fd;
    const blob  *b;
} pipe_writer;

static void *
write_slowly(void *arg)
{
    pipe_writer  *w = arg;

    /* writes of 1 to 999 bytes, the first one of a single byte (the
       magic split: once read as plain text): the reader sees short
       reads anywhere */
    for (size_t off = 0, n; off < w->b->len; off += n) {
        n = 1 + (off * 7919) % 999;
        if (n > w->b->len - off) {
            n = w->b->len - off;
        }
        if (write(w->fd, w->b->p + off, n) != (ssize_t) n) {
            break;
        }
        if (off == 0) {
            usleep(20000);      /* the reader's first read gets 1f alone */
        }
    }
    close(w->fd);
    return NULL;
}

Test(reader, gzip_through_a_pipe_in_small_writes)
{
    char         path[64], error[1536], *got;
    char        *text = some_text(200000, 5);
    blob         all, m[2];
    int          fds[2];
    size_t       len;
    ssize_t      last;
    pthread_t    tid;
    pipe_writer  w;

    m[0] = gz_member(text, 150000, 6, 0);
    m[1] = gz_member(text + 150000, 50000, 1, 0);
    all.len = m[0].len + m[1].len;
    all.p = malloc(all.len);
    memcpy(all.p, m[0].p, m[0].len);
    memcpy(all.p + m[0].len, m[1].p, m[1].len);

    cr_assert_eq(pipe(fds), 0);
    w.fd = fds[1];
    w.b = &all;
    cr_assert_eq(pthread_create(&tid, NULL, write_slowly, &w), 0);

    snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[0]);
    got = open_read_by(path, 65536, &len, &last, error, sizeof(error));
    cr_assert_eq(pthread_join(tid, NULL), 0);
    close(fds[0]);

    cr_assert_eq(last, 0, "%s", error);
    cr_assert_eq(len, 200000);
    cr_assert_eq(memcmp(got, text, len), 0);
    free(got);
    free(all.p);
    free(m[0].p);
    free(m[1].p);
    free(text);
}

/*
 * Only the trailer cut (1 to 8 of its bytes): every byte of the data is
 * still decoded and handed out, in small and in block-sized reads, before
 * the error says how much was decoded.
 */
Test(reader, truncated_trailer_still_yields_every_byte)
{
    char        path[128], error[1536], *got, want[512];
    char       *text = some_text(500000, 6);
    blob        m = gz_member(text, 500000, 6, 0);
    size_t      len, full = m.len;
    ssize_t     last;
    size_t      caps[] = { 7, RS_READER_BLOCK };

    snprintf(path, sizeof(path), "%s/cut.gz", dir);

    for (size_t cut = 1; cut <= 8; cut++) {
        m.len = full - cut;
        write_blobs(path, &m, 1);

        for (size_t c = 0; c < 2; c++) {
            got = open_read_by(path, caps[c], &len, &last, error,
                               sizeof(error));
            cr_assert_eq(len, 500000, "cut %zu cap %zu", cut, caps[c]);
            cr_assert_eq(memcmp(got, text, len), 0);
            cr_assert_eq(last, -1);
            snprintf(want, sizeof(want), "%s: truncated gzip input: the"
                     " stream ends without its trailer after %zu compressed"
                     " bytes (500000 bytes decoded)", path, m.len);
            cr_assert_str_eq(error, want);
            free(got);
        }
    }
    free(m.p);
    free(text);
}

/*
 * Read once (rs_reader_open_once, what rstscan does first): a CRC
 * mismatch in member 2 of 3 is found at its trailer, after member 2's
 * bytes were handed out (the caller drops them: scan_files.h), and
 * rs_reader_damaged says so; a file cut short is no damage (every byte it
 * holds was decoded right), and an intact one reads like rs_reader_open.
 */
Test(reader, read_once_hands_out_the_damaged_member_and_says_damaged)
{
    char        path[128], err[1536], *got, *whole;
    char       *text = some_text(300000, 7);
    blob        m[3];
    size_t      len, wlen;
    ssize_t     last;
    rs_reader  *r;

    for (int i = 0; i < 3; i++) {
        m[i] = gz_member(text + 100000 * i, 100000, 6, 0);
    }
    snprintf(path, sizeof(path), "%s/once.gz", dir);

    /* intact: the same bytes both ways, no damage */
    write_blobs(path, m, 3);
    r = rs_reader_open_once(path, err, sizeof(err));
    cr_assert_not_null(r, "%s", err);
    whole = read_by(r, RS_READER_BLOCK, &wlen, &last);
    cr_assert_eq(last, 0);
    cr_assert_eq(wlen, 300000);
    cr_assert_eq(memcmp(whole, text, wlen), 0);
    cr_assert_eq(rs_reader_damaged(r), 0);
    rs_reader_close(r);
    free(whole);

    /* member 2's CRC-32 wrong: its data decodes, then the error */
    m[1].p[m[1].len - 8] ^= 0x01;
    write_blobs(path, m, 3);
    r = rs_reader_open_once(path, err, sizeof(err));
    cr_assert_not_null(r, "%s", err);
    got = read_by(r, 7, &len, &last);
    cr_assert_eq(last, -1);
    cr_assert_eq(len, 200000, "%zu bytes", len);
    cr_assert_eq(memcmp(got, text, len), 0);
    cr_assert_eq(rs_reader_damaged(r), 1);
    cr_assert_not_null(strstr(rs_reader_error(r), "member 2 (from compressed"
                              " byte "), "%s", rs_reader_error(r));
    rs_reader_close(r);
    free(got);

    /* checked, the same file hands out member 1 alone */
    r = rs_reader_open(path, err, sizeof(err));
    cr_assert_not_null(r, "%s", err);
    got = read_by(r, 7, &len, &last);
    cr_assert_eq(last, -1);
    cr_assert_eq(len, 100000);
    cr_assert_eq(rs_reader_damaged(r), 1);
    rs_reader_close(r);
    free(got);

    /* cut inside member 3's trailer: truncated, not damaged */
    m[1].p[m[1].len - 8] ^= 0x01;
    m[2].len -= 3;
    write_blobs(path, m, 3);
    r = rs_reader_open_once(path, err, sizeof(err));
    cr_assert_not_null(r, "%s", err);
    got = read_by(r, RS_READER_BLOCK, &len, &last);
    cr_assert_eq(last, -1);
    cr_assert_eq(len, 300000);
    cr_assert_eq(rs_reader_damaged(r), 0);
    cr_assert_not_null(strstr(rs_reader_error(r), "truncated gzip input"),
                       "%s", rs_reader_error(r));
    rs_reader_close(r);
    free(got);

    for (int i = 0; i < 3; i++) {
        free(m[i].p);
    }
    free(text);
}


/* UTF-16 code units of s (ASCII) in the order big-endian or not. */
static size_t
put_ascii16(unsigned char *p, const char *s, int be)
{
    size_t  n = 0;

    for ( ; *s != '\0'; s++, n += 2) {
        p[n + (be ? 1 : 0)] = (unsigned char) *s;
        p[n + (be ? 0 : 1)] = 0;
    }

    return n;
}

static size_t
put_unit16(unsigned char *p, unsigned u, int be)
{
    p[be ? 1 : 0] = (unsigned char) (u & 0xff);
    p[be ? 0 : 1] = (unsigned char) (u >> 8);

    return 2;
}

/*
 * UTF-16 with a byte order mark (Windows PowerShell's `>`), little- and
 * big-endian: read as UTF-8.  720 KB of U+1F600 and "a" (a surrogate
 * pair every 6 bytes, so a read of the file ends between a pair's units),
 * then a lone surrogate and an odd last byte, each read as U+FFFD.
 * Nothing before or after is lost, also when read a byte or two at a
 * time.
 */
Test(reader, utf16_text_is_read_as_utf8)
{
    static unsigned char  text[800000];
    static char           want[700000];
    char                  path[128], err[256];
    size_t                n, w, len;
    ssize_t               last;
    rs_reader            *r;
    FILE                 *f;

    for (int be = 0; be <= 1; be++) {
        n = put_unit16(text, 0xfeff, be);
        w = 0;

        /* the pairs start at 2 + 6k: the reader's 256 KiB reads end at
           4 mod 6, between a pair's two units */
        for (int i = 0; i < 120000; i++) {
            n += put_unit16(text + n, 0xd83d, be);
            n += put_unit16(text + n, 0xde00, be);
            n += put_ascii16(text + n, "a", be);
            memcpy(want + w, "\xf0\x9f\x98\x80" "a", 5);
            w += 5;
        }

        n += put_ascii16(text + n, "\r\n", be);
        n += put_unit16(text + n, 0xe9, be);
        memcpy(want + w, "\r\n\xc3\xa9", 4);
        w += 4;

        n += put_unit16(text + n, 0xdc00, be);
        n += put_ascii16(text + n, "end\n", be);
        memcpy(want + w, "\xef\xbf\xbd" "end\n", 7);
        w += 7;

        text[n++] = 'z';
        memcpy(want + w, "\xef\xbf\xbd", 3);
        w += 3;
        want[w] = '\0';

        snprintf(path, sizeof(path), "%s/u16-%d.log", dir, be);
        f = fopen(path, "w");
        cr_assert_not_null(f);
        cr_assert_eq(fwrite(text, 1, n, f), n);
        fclose(f);

        r = rs_reader_open(path, err, sizeof(err));
        cr_assert_not_null(r, "%s", err);
        read_all(r, &len, &last);
        cr_assert_eq(len, w, "%s: %zu bytes, want %zu",
                     be ? "big-endian" : "little-endian", len, w);
        cr_assert_eq(memcmp(read_all_buf, want, w), 0);
        cr_assert_eq(last, 0);
        rs_reader_close(r);

        /* in memory there is no decoding thread: the caller's reads of
           1, 2 and 3 bytes, smaller than a character, reach the codec */
        r = rs_reader_open_memory("u16", text, n, err, sizeof(err));
        cr_assert_not_null(r, "%s", err);
        len = 0;
        while ((last = rs_reader_read(r, read_all_buf + len,
                                      1 + len % 3)) > 0)
        {
            len += (size_t) last;
        }
        cr_assert_eq(last, 0);
        cr_assert_eq(len, w, "in memory: %zu bytes, want %zu", len, w);
        cr_assert_eq(memcmp(read_all_buf, want, w), 0);
        rs_reader_close(r);
    }
}
