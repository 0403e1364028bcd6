/* rstscan's reader: plain, gzip, concatenated gzip, truncated gzip, stdin. */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "reader.h"

static char dir[] = "/tmp/rgt-reader.XXXXXX";

static void setup(void) { cr_assert_not_null(mkdtemp(dir)); }
static void teardown(void)
{
    char  cmd[64];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

static void
write_gz(const char *path, const char *mode, const char *text)
{
    gzFile  gz = gzopen(path, mode);

    cr_assert_not_null(gz);
    cr_assert_eq(gzwrite(gz, text, (unsigned) strlen(text)), (int) strlen(text));
    cr_assert_eq(gzclose(gz), Z_OK);
}

static char *
read_all(rs_reader *r, size_t *len, ssize_t *last)
{
    static char  buf[1 << 20];
    ssize_t      n;

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
