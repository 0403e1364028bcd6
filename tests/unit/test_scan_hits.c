/*
 * The literal search run on the decoding thread (scan_hits.h): for every
 * window of whole lines the light path asks about, the queue's answer is
 * rg_prescan_find's, whatever the blocks the decoder saw (one byte, odd
 * sizes, a first block that starts inside a line), and where the decoder
 * could not search (a line longer than the carry, a full queue, the last
 * line without a newline, a block left to the scanner because the decoder
 * was the slower thread) it says so and the scanner searches itself.
 * End to end, a compressed error log reports byte for byte what the plain
 * one does.
 */

#define _GNU_SOURCE

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "agg.h"
#include "print.h"
#include "report.h"
#include "rg_prescan.h"
#include "rg_rules.h"
#include "rgt_tmp.h"
#include "scan.h"
#include "scan_hits.h"

static rg_ruleset  *rules;
static rg_prescan  *ps;
static char         dir[RGT_TMP_DIR_MAX];

static void
setup(void)
{
    rg_error  err;

    rules = rg_ruleset_create();
    cr_assert_eq(rg_ruleset_add_shipped(rules, &err), 0, "%s", err.msg);
    cr_assert_eq(rg_ruleset_compile(rules, &err), 0, "%s", err.msg);
    ps = rg_prescan_create(rules);
    cr_assert_not_null(ps);
    cr_assert_eq(rgt_tmp_make(dir, sizeof(dir), "hits"), 0);
}

static void
teardown(void)
{
    rg_prescan_destroy(ps);
    rg_ruleset_destroy(rules);
    cr_assert_eq(rgt_tmp_remove(dir), 0);
}

TestSuite(scan_hits, .init = setup, .fini = teardown, .timeout = 60);

/* An nginx error log of n lines: every third holds a literal, lines of
   varying length; with `long_at` >= 0, line long_at is a client's reset
   whose request is `long_len` bytes long.  No newline after the last
   line when `open_end`.  The caller frees it. */
static char *
error_log(size_t n, long long_at, size_t long_len, int open_end,
    size_t *len)
{
    size_t  cap = n * 300 + long_len + 300, k = 0, i;
    char   *t = malloc(cap);

    cr_assert_not_null(t);

    for (i = 0; i < n; i++) {
        if ((long) i == long_at) {
            k += (size_t) snprintf(t + k, cap - k, "2026/11/21 10:%02zu:%02zu"
                                   " [info] 1#1: *%zu recv() failed (104: "
                                   "Connection reset by peer) while reading "
                                   "client request line, client: 10.9.9.9, "
                                   "server: s, request: \"GET /", i / 60 % 60,
                                   i % 60, i);
            memset(t + k, 'x', long_len);
            k += long_len;
            t[k++] = '\n';
            continue;
        }

        switch (i % 3) {
        case 0:
            k += (size_t) snprintf(t + k, cap - k,
                "2026/11/21 10:%02zu:%02zu [info] 1#1: *%zu client "
                "prematurely closed connection while sending response to "
                "client, client: 10.0.%zu.%zu, server: s, request: "
                "\"GET /f%zu HTTP/1.1\", host: \"h\"\n", i / 60 % 60, i % 60,
                i, i / 250 % 250, i % 250, i % 17);
            break;
        case 1:
            k += (size_t) snprintf(t + k, cap - k,
                "2026/11/21 10:%02zu:%02zu [notice] 1#1: signal %zu "
                "received%.*s\n", i / 60 % 60, i % 60, i, (int) (i % 40),
                "........................................");
            break;
        default:
            k += (size_t) snprintf(t + k, cap - k,
                "2026/11/21 10:%02zu:%02zu [warn] 1#1: *%zu an upstream "
                "response is buffered to a temporary file\n", i / 60 % 60,
                i % 60, i);
            break;
        }
    }

    if (open_end && k > 0 && t[k - 1] == '\n') {
        k--;
    }

    *len = k;
    return t;
}

/*
 * The light path's walk over t[from..len), as scan_light.c asks: windows
 * of whole lines up to `step` bytes; each answer the queue gives is
 * compared with rg_prescan_find's.  Returns how many it gave; *first_miss
 * is where the queue first said "search yourself" past `from` (len when
 * never).
 */
static size_t
walk(rs_hits *h, const char *t, size_t from, size_t len, size_t step,
    size_t *first_miss)
{
    size_t       pos = from, w, hit, want, answered = 0;
    const char  *nl;

    *first_miss = len;

    while (pos < len) {
        w = len - pos < step ? len - pos : step;
        nl = memrchr(t + pos, '\n', w);
        if (nl == NULL) {
            /* a line longer than the step, or the last one */
            nl = memchr(t + pos, '\n', len - pos);
            w = nl != NULL ? (size_t) (nl + 1 - (t + pos)) : len - pos;
        } else {
            w = (size_t) (nl + 1 - (t + pos));
        }

        want = rg_prescan_find(ps, RG_FORMAT_NGINX_ERROR, t + pos, w);

        if (rs_hits_find(h, pos, w, &hit)) {
            cr_assert_eq(hit, want, "window at %zu (%zu bytes)", pos, w);
            answered++;
        } else if (*first_miss == len) {
            *first_miss = pos;
        }

        if (want == w) {
            pos += w;
        } else {
            nl = memchr(t + pos + want, '\n', w - want);
            pos = nl != NULL ? (size_t) (nl + 1 - t) : len;
        }
    }

    return answered;
}

/* An empty queue of the decoder's search, for an nginx error log. */
static rs_hits *
new_hits(void)
{
    rs_hits  *h = rs_hits_create(ps, RG_FORMAT_NGINX_ERROR);

    cr_assert_not_null(h);

    return h;
}

/* Feeds t[start..len) to the decoder's side in blocks of `block` bytes. */
static void
feed(rs_hits *h, const char *t, size_t start, size_t len, size_t block)
{
    size_t  off, n;

    for (off = start; off < len; off += n) {
        n = len - off < block ? len - off : block;
        rs_hits_block(h, t + off, n, off, RS_HITS_AHEAD);
    }
}

Test(scan_hits, every_answer_is_the_prescan_s_whatever_the_blocks)
{
    static const size_t  blocks[] = { 1, 7, 333, 4096, 65536, 262144 };
    size_t               len, i, got, miss, lines = 0;
    char                *t = error_log(9000, -1, 0, 0, &len);
    rs_hits             *h;

    for (i = 0; i < len; i++) {
        lines += t[i] == '\n';
    }
    cr_assert_eq(lines, 9000);

    for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
        h = new_hits();
        feed(h, t, 0, len, blocks[i]);
        /* 3,000 lines with a literal, each answered from the queue */
        got = walk(h, t, 0, len, 65536, &miss);
        cr_assert_eq(miss, len, "block %zu: not searched from %zu",
                     blocks[i], miss);
        cr_assert_geq(got, 3000, "block %zu: %zu answers", blocks[i], got);
        rs_hits_free(h);
    }

    free(t);
}

/* Lines of t holding "prematurely" (error_log's literal lines). */
static size_t
literal_lines(const char *t)
{
    size_t  n = 0;

    while ((t = strstr(t, "prematurely")) != NULL) {
        n++;
        t++;
    }

    return n;
}

Test(scan_hits, a_first_block_inside_a_line_is_searched_from_the_next)
{
    size_t   len, got, miss, start, from;
    char    *t = error_log(3000, -1, 0, 0, &len);
    rs_hits *h = new_hits();

    /* the decoder saw nothing before `start` (set up late) */
    start = 100000 + 17;
    from = (size_t) ((char *) memchr(t + start, '\n', len - start) + 1 - t);
    feed(h, t, start, len, 4096);

    /* the scanner's windows before `from` are its own to search */
    got = walk(h, t, 0, len, 65536, &miss);
    cr_assert_eq(miss, 0);
    cr_assert_gt(got, 0);

    rs_hits_free(h);
    h = new_hits();
    feed(h, t, start, len, 4096);
    got = walk(h, t, from, len, 65536, &miss);
    cr_assert_eq(miss, len);
    cr_assert_geq(got, literal_lines(t + from));

    rs_hits_free(h);
    free(t);
}

Test(scan_hits, a_line_longer_than_the_carry_is_left_to_the_scanner)
{
    size_t       len, got, miss, long_start, long_end;
    char        *t = error_log(4000, 2000, RS_HITS_CARRY + 5000, 0, &len);
    rs_hits     *h = new_hits();
    const char  *p;

    feed(h, t, 0, len, 65536);

    /* the long line starts where line 2,000 does */
    p = t;
    for (int i = 0; i < 2000; i++) {
        p = memchr(p, '\n', len - (size_t) (p - t)) + 1;
    }
    long_start = (size_t) (p - t);

    long_end = (size_t) ((char *) memchr(p, '\n', len - long_start) + 1 - t);

    got = walk(h, t, 0, len, 65536, &miss);
    cr_assert_eq(miss, long_start, "first unsearched at %zu, line at %zu",
                 miss, long_start);
    cr_assert_geq(got, 660);

    /* the search goes on from the line after it (one window of 1 byte is
       one line) */
    rs_hits_free(h);
    h = new_hits();
    feed(h, t, 0, len, 65536);
    got = walk(h, t, long_end, len, 1, &miss);
    cr_assert_eq(miss, len, "not searched from %zu (the line ends at %zu)",
                 miss, long_end);
    cr_assert_geq(got, literal_lines(t + long_end));

    rs_hits_free(h);
    free(t);
}

Test(scan_hits, the_last_line_without_a_newline_is_the_scanner_s)
{
    size_t       len, got, miss;
    char        *t = error_log(600, -1, 0, 1, &len);
    rs_hits     *h = new_hits();
    const char  *last = memrchr(t, '\n', len) + 1;

    feed(h, t, 0, len, 5000);
    got = walk(h, t, 0, len, 4096, &miss);
    cr_assert_eq(miss, (size_t) (last - t));
    cr_assert_gt(got, 0);

    rs_hits_free(h);
    free(t);
}

Test(scan_hits, a_full_queue_leaves_the_rest_to_the_scanner)
{
    size_t   len, got, miss, n = RS_HITS_QUEUE * 3 + 3000;
    char    *t = error_log(n, -1, 0, 0, &len);
    rs_hits *h = new_hits();

    /* the scanner far behind: more lines with a literal than the queue
       holds are decoded before it asks */
    feed(h, t, 0, len, 262144);
    got = walk(h, t, 0, len, 65536, &miss);
    cr_assert_lt(miss, len);
    cr_assert_gt(miss, 0);
    cr_assert_gt(got, 0);

    rs_hits_free(h);
    free(t);
}

/*
 * Blocks left to the scanner (the decoder was the slower thread): each
 * line is asked about alone, in order, as the decoder goes on (the ranges
 * of searched lines wrap around their queue).  A line is answered exactly
 * when every block it touches was searched and it starts at or after the
 * first whole line of its run of searched blocks (the input's first block
 * excepted); the answer is rg_prescan_find's.
 */
static int
searched(size_t b)
{
    return b % 3 != 1;
}

/* Where the decoder's range holding byte `at` of t starts, or SIZE_MAX
   when `at` is in a block left to the scanner. */
static size_t
range_start(const char *t, size_t len, size_t at, size_t block)
{
    size_t       b = at / block, first = b;
    const char  *nl;

    if (!searched(b)) {
        return SIZE_MAX;
    }

    while (first > 0 && searched(first - 1)) {
        first--;
    }

    if (first == 0) {
        return 0;
    }

    /* the log's lines are shorter than a block: each holds a newline */
    nl = memchr(t + first * block, '\n', len - first * block);
    cr_assert(nl != NULL && nl < t + (first + 1) * block);
    return (size_t) (nl + 1 - t);
}

/* Hands the decoder's side the block at off, with the scanner one block
   short of RS_HITS_AHEAD behind when searched() says no; its length. */
static size_t
feed_block(rs_hits *h, const char *t, size_t len, size_t off, size_t block)
{
    size_t  n = len - off < block ? len - off : block;

    rs_hits_block(h, t + off, n, off,
                  searched(off / block) ? RS_HITS_AHEAD : RS_HITS_AHEAD - 1);

    return n;
}

static int
expect_answer(const char *t, size_t len, size_t ls, size_t le, size_t block)
{
    size_t  start = range_start(t, len, ls, block), b;

    if (start == SIZE_MAX || ls < start) {
        return 0;
    }

    for (b = ls / block; b <= (le - 1) / block; b++) {
        if (!searched(b)) {
            return 0;
        }
    }

    return 1;
}

Test(scan_hits, blocks_left_to_the_scanner_are_its_own_to_search)
{
    size_t       len, block = 256, off, n, pos = 0, ls, le, hit, want;
    size_t       answered = 0, expected = 0, ranges = 0;
    char        *t = error_log(30000, -1, 0, 0, &len);
    rs_hits     *h = new_hits();
    const char  *nl;

    for (off = 0; off < len; off += n) {
        n = feed_block(h, t, len, off, block);
        ranges += off > 0 && searched(off / block)
                  && !searched(off / block - 1);

        /* the lines that end in what was decoded */
        while (pos < len
               && (nl = memchr(t + pos, '\n', len - pos)) != NULL
               && (size_t) (nl + 1 - t) <= off + n)
        {
            ls = pos;
            le = (size_t) (nl + 1 - t);
            want = rg_prescan_find(ps, RG_FORMAT_NGINX_ERROR, t + ls, le - ls);

            if (expect_answer(t, len, ls, le, block)) {
                expected++;
                cr_assert_eq(rs_hits_find(h, ls, le - ls, &hit), 1,
                             "line at %zu", ls);
                cr_assert_eq(hit, want, "line at %zu", ls);
                answered++;
            } else {
                cr_assert_eq(rs_hits_find(h, ls, le - ls, &hit), 0,
                             "line at %zu", ls);
            }

            pos = le;
        }
    }

    cr_assert_eq(pos, len);
    cr_assert_gt(ranges, RS_HITS_RANGES, "%zu ranges", ranges);
    cr_assert_eq(answered, expected);
    /* most lines touch one block or two, two in three blocks are searched */
    cr_assert_gt(answered, 30000 / 4, "%zu of 30,000 lines", answered);

    rs_hits_free(h);
    free(t);
}

/* The scanner far behind: the decoder opens no range past the queue of
   ranges, and the lines of the ranges it did open are answered. */
Test(scan_hits, a_full_queue_of_ranges_leaves_the_rest_to_the_scanner)
{
    size_t       len, block = 256, off, n, opened = 0, last_open = 0;
    size_t       got, miss;
    char        *t = error_log(30000, -1, 0, 0, &len);
    rs_hits     *h = new_hits();
    const char  *nl;

    for (off = 0; off < len; off += n) {
        n = feed_block(h, t, len, off, block);

        /* where the decoder opened a range, as long as the queue had room
           (every block holds a newline: range_start) */
        if (searched(off / block) && (off == 0 || !searched(off / block - 1))
            && opened < RS_HITS_RANGES)
        {
            opened++;
            nl = off == 0 ? t - 1 : memchr(t + off, '\n', n);
            last_open = (size_t) (nl + 1 - t);
        }
    }

    cr_assert_eq(opened, RS_HITS_RANGES);

    /* the last range opened is answered from its start, nothing after it
       (the blocks after the range are left or not opened) */
    got = walk(h, t, last_open, len, 1, &miss);
    cr_assert_gt(got, 0);
    cr_assert_gt(miss, last_open);
    nl = memchr(t + miss, '\n', len - miss);
    cr_assert_not_null(nl);
    got = walk(h, t, miss, len, 1, &miss);
    cr_assert_eq(got, 0, "answered past the last range");

    rs_hits_free(h);
    free(t);
}

/* --- end to end ---------------------------------------------------------- */

/* The --json of one scan of file, without its "files" entry (the path),
   and its count of class cls in *n; the caller frees it. */
static char *
json_without_files(const char *file, rg_class cls, uint64_t *n)
{
    rs_scan_config  cfg = { .format = -1, .year = 2026, .threads = 1 };
    rs_report_opts  o = { .top = 5, .burst_n = 3, .burst_seconds = 60 };
    rs_report       rep;
    rs_scanner     *sc;
    rs_agg          agg;
    json_t         *doc;
    json_error_t    e;
    char            err[256], *text = NULL, *out;
    size_t          len = 0;
    FILE           *f;

    cfg.rules = rules;
    rs_agg_init(&agg);
    sc = rs_scanner_create(&cfg, &agg, err, sizeof(err));
    cr_assert_not_null(sc, "%s", err);
    cr_assert_eq(rs_scan_path(sc, file), 0, "%s", file);
    rs_scanner_destroy(sc);
    *n = agg.cls[cls].count;

    cr_assert_eq(rs_report_build(&rep, &agg, &o), 0);
    f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    cr_assert_eq(rs_print_json(&rep, f), 0);
    fclose(f);
    rs_report_free(&rep);
    rs_agg_free(&agg);

    doc = json_loads(text, 0, &e);
    cr_assert_not_null(doc, "%s", e.text);
    free(text);
    cr_assert_eq(json_object_del(doc, "files"), 0);
    out = json_dumps(doc, JSON_SORT_KEYS | JSON_INDENT(1));
    json_decref(doc);
    cr_assert_not_null(out);

    return out;
}

/*
 * 60,000 lines (about 8 MiB, some 30 of the reader's blocks, most cut
 * inside a line), a line longer than the carry near the end and no
 * newline after the last: the zstd and the gzip file report byte for byte
 * what the plain file does (read without the decoder's search).
 */
Test(scan_hits, a_compressed_error_log_reports_what_the_plain_one_does)
{
    size_t   len;
    char    *t = error_log(60000, 55000, RS_HITS_CARRY + 10, 1, &len);
    char     cmd[1024], name[3][RGT_TMP_DIR_MAX + 16], *plain, *zst, *gz;
    uint64_t closed, gz_closed, reset;
    FILE    *f;
    gzFile   g;

    snprintf(name[0], sizeof(name[0]), "%s/error.log", dir);
    snprintf(name[1], sizeof(name[1]), "%s/error.log.zst", dir);
    snprintf(name[2], sizeof(name[2]), "%s/error.log.gz", dir);

    f = fopen(name[0], "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(t, 1, len, f), len);
    fclose(f);

    snprintf(cmd, sizeof(cmd), "zstd -q -f -o '%s' '%s'", name[1], name[0]);
    cr_assert_eq(system(cmd), 0, "%s", cmd);

    g = gzopen(name[2], "wb");
    cr_assert_not_null(g);
    cr_assert_eq(gzwrite(g, t, (unsigned) len), (int) len);
    cr_assert_eq(gzclose(g), Z_OK);

    plain = json_without_files(name[0], RG_CLASS_CLIENT_CLOSED, &closed);
    zst = json_without_files(name[1], RG_CLASS_CLIENT_RESET, &reset);
    gz = json_without_files(name[2], RG_CLASS_CLIENT_CLOSED, &gz_closed);

    cr_assert_str_eq(zst, plain);
    cr_assert_str_eq(gz, plain);
    /* 20,000 closes and the long line's reset */
    cr_assert_eq(closed, 20000);
    cr_assert_eq(gz_closed, 20000);
    cr_assert_eq(reset, 1);

    free(plain);
    free(zst);
    free(gz);
    free(t);
}
