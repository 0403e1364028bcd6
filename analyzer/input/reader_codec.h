/*
 * reader_codec.h - a compressed input format the reader decodes besides
 * gzip: recognised by its magic bytes, decoded by the reader's inflating
 * thread through this table (reader.c holds the list).  A codec reads its
 * compressed bytes with rs_reader_raw and says what broke, and where, with
 * rs_reader_fail; bytes it decoded before an error are handed out first.
 */

#ifndef RS_READER_CODEC_H
#define RS_READER_CODEC_H

#include <stddef.h>
#include <sys/types.h>

#include "reader.h"

typedef struct {
    const char  *name;                          /* "zstd" */
    /* whether the first n bytes (n >= 4 unless the input is shorter) are
       this format's */
    int        (*magic)(const unsigned char *p, size_t n);
    /* the codec's state; head[0..n) are the bytes already read; NULL when
       out of memory */
    void      *(*open)(rs_reader *r, const unsigned char *head, size_t n);
    /* up to cap decoded bytes; 0 at the clean end, -1 on an error */
    ssize_t    (*decode)(rs_reader *r, void *state, void *buf, size_t cap);
    void       (*close)(void *state);
} rs_codec;

extern const rs_codec  rs_codec_zstd;
extern const rs_codec  rs_codec_utf16;

/* One read(2) of compressed input: bytes, 0 at the end, -1 (error set). */
ssize_t rs_reader_raw(rs_reader *r, void *buf, size_t cap);

/* Marks the input broken; the message should name r's path first. */
void rs_reader_fail(rs_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* RS_READER_CODEC_H */
