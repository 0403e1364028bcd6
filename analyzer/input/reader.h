/*
 * reader.h - one input of rstscan: a file or stdin, plain, gzip or zstd.
 *
 * The reader hands out uncompressed bytes; it knows nothing of lines or
 * records.  gzip is recognised by its magic bytes, not by the file name,
 * and concatenated gzip members (as `cat a.gz b.gz` makes) are read through.
 * A truncated or corrupt gzip stream (bad deflate data, a CRC-32 or length
 * that does not match a member's trailer, bytes after the last member that
 * are no gzip member) is an error that says where it broke; every byte
 * decoded before that point has already been returned.  zstd is read the
 * same way (reader_zstd.c, through reader_codec.h's table).
 */

#ifndef RS_READER_H
#define RS_READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct rs_reader  rs_reader;

/*
 * Compressed bytes taken per read(2), and the uncompressed bytes the gzip
 * thread inflates per hand-off (a read returns at most one such block).
 * The tests put gzip member boundaries on these edges.
 */
#define RS_READER_INBUF  (256 * 1024)
#define RS_READER_BLOCK  (256 * 1024)

/*
 * Opens path ("-" is stdin).  Returns NULL with a message in err (which
 * names the file) when it cannot be opened, is a directory or unreadable.
 */
rs_reader *rs_reader_open(const char *path, char *err, size_t errlen);

/*
 * The same, but a gzip file is inflated once, unchecked: damage is found
 * only where decoding fails (often at a member's trailer), after what the
 * member decoded before was handed out.  rs_reader_damaged() then says
 * so, and a caller that must count nothing of a damaged member drops what
 * it counted of this input and reads it again with rs_reader_open, which
 * checks each member before handing out a byte of it (gzip_probe.h).
 * Damage is rare; the check inflates every member twice.
 */
rs_reader *rs_reader_open_once(const char *path, char *err, size_t errlen);

/*
 * Opens bytes [off, off + len) of a plain file, for scanning one file in
 * parallel ranges; no gzip detection.  NULL with err set, as above.
 */
rs_reader *rs_reader_open_range(const char *path, uint64_t off, uint64_t len,
    char *err, size_t errlen);

/*
 * A reader of len bytes at data (kept by the caller until the close),
 * named `name` in errors: plain or gzip as a file would be, inflated in
 * the caller's thread.  The fuzz targets read their inputs this way.
 */
rs_reader *rs_reader_open_memory(const char *name, const void *data,
    size_t len, char *err, size_t errlen);

/*
 * Reads up to cap uncompressed bytes.  Returns the count, 0 at the end of
 * the input, or -1 on an error (rs_reader_error() says what and where).
 */
ssize_t rs_reader_read(rs_reader *r, void *buf, size_t cap);

const char *rs_reader_error(const rs_reader *r);
/* After rs_reader_read returned -1: whether a gzip member proved damaged
   (bad deflate data, a checksum, no member header) rather than cut short
   or unreadable. */
int rs_reader_damaged(const rs_reader *r);
/* Whether the input is compressed (gzip, or a codec's: zstd). */
int rs_reader_is_gzip(const rs_reader *r);
const char *rs_reader_path(const rs_reader *r);

/* Compressed bytes consumed so far (equal to the output for plain input). */
uint64_t rs_reader_raw_offset(const rs_reader *r);

/*
 * A function the reader's decoding thread (gzip, zstd) runs on every block
 * it decodes from now on, in order, before the block is handed out:
 * fn(ctx, data, len, off, ahead), off the offset of data[0] in the
 * decoded input.  For work on the bytes that the consumer would do
 * anyway, done on the other core (scan_hits.h); whatever fn records of a
 * block is visible to the consumer once rs_reader_read handed out a byte
 * of it.  `ahead` is how many blocks decoded before this one the consumer
 * has not finished: 0 when it waits for this one, so fn can leave its
 * work to the consumer when the decoding thread is the slower one.  The
 * blocks decoded before the call (a few MiB) are not seen.  Returns 0, or
 * -1 when the reader has no such thread (plain input, memory).
 */
typedef void (*rs_block_fn)(void *ctx, const char *data, size_t len,
    uint64_t off, unsigned ahead);
int rs_reader_on_block(rs_reader *r, rs_block_fn fn, void *ctx);

void rs_reader_close(rs_reader *r);

/*
 * Whether path is a regular file of plain text: not gzip nor a codec's
 * by its first bytes (what rs_reader_open would decode).  1 with its size
 * in *size, 0 otherwise (compressed, not regular, unreadable).
 */
int rs_reader_plain_file(const char *path, uint64_t *size);

#endif /* RS_READER_H */
