/*
 * shipper.h - the prefix a log shipper puts before the line a server wrote.
 *
 *   Kubernetes / CRI:   2026-11-21T10:00:00.123456789Z stderr F <line>
 *                       (P: a partial line, continued by the next ones up
 *                       to the F line; joined into one record here)
 *   Docker json-file:   {"log":"<line, JSON-escaped>\n","stream":"stderr",
 *                       "time":"..."} (a "log" without the "\n" is a part
 *                       of a line over 16 KiB; joined like CRI's P)
 *   JSON envelopes:     one object a line with the server's line as a
 *                       string member: "log" (Fluent Bit), "message"
 *                       (Filebeat, Vector, Datadog), "MESSAGE"
 *                       (journalctl -o json), "textPayload" (Google
 *                       Cloud Logging); a line end the shipper kept is
 *                       dropped, nothing is joined; a Java logger's own
 *                       JSON (rs_java_json_logger, parse.h) is no envelope
 *   words:              a fixed number of words before the line, the first
 *                       an ISO time or the same word on every line:
 *                         aws logs tail:  2026-11-21T10:00:00.123000+00:00
 *                                         <stream> <line>
 *                         --format short, CloudWatch's export to S3:
 *                                         2026-11-21T10:00:00.123Z <line>
 *                         awslogs get:    <group> <stream> <line>
 *                         docker compose: nginx-1  | <line> (the words
 *                                         may be padded with spaces)
 *   grep:               a file's name glued before the line, as grep
 *                       prints it over several files, with -n its line
 *                       number too: error.log:<line>, error.log:12:<line>
 *   indent:             blanks before every line (lines pasted into a
 *                       document or an issue)
 *
 * The kind is chosen once per file, from its head (detect.c), so a plain
 * log pays one compare per line.  The syslog/journald prefix (syslog.h) is
 * stripped after this one, per line, as before.
 */

#ifndef RS_SHIPPER_H
#define RS_SHIPPER_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    RS_SHIP_NONE = 0,
    RS_SHIP_CRI,
    RS_SHIP_DOCKER,
    RS_SHIP_JSON,
    RS_SHIP_WORDS,
    RS_SHIP_GREP,
    RS_SHIP_INDENT
} rs_ship_kind;

/* The words skipped at most (RS_SHIP_WORDS). */
#define RS_SHIP_MAX_WORDS  3

/* A record is never joined past this: the rest is a record of its own. */
#define RS_SHIP_JOIN_MAX  (1024 * 1024)

typedef struct {
    rs_ship_kind  kind;

    /* RS_SHIP_WORDS: how many, and what the first is */
    unsigned      words;
    int           first_iso;        /* an ISO time; else first[] */
    int           first_any;        /* any word: "[pod/name/container]"
                                       (kubectl logs --prefix), or one
                                       before "|" (docker compose's
                                       replicas "nginx-1", "nginx-2") */
    char          first[128];
    size_t        first_len;

    /* a record joined from parts (CRI P lines, Docker's split lines), or a
       decoded Docker line */
    char         *buf;
    size_t        len, cap;
    int           open;             /* parts held, waiting for the end */
    uint64_t      bytes, lines;     /* the physical lines held */
} rs_shipper;

/* The kind's name for the report ("cri", "docker", "words"); NULL: none. */
const char *rs_ship_name(const rs_shipper *sh);

/*
 * What shipper wrote the lines of head[0..len), from its first lines:
 * sets sh->kind to CRI, DOCKER or JSON when most of them are, else NONE (the
 * words kind is chosen by detect.c, which needs the parsers).
 */
void rs_ship_sniff(rs_shipper *sh, const char *head, size_t len);

/* Sets the words kind: n words, the first as the line at p shows it. */
void rs_ship_words(rs_shipper *sh, unsigned n, const char *p, size_t len);

/*
 * One physical line (without its line end) through the shipper; *p and
 * *len become the record's text.  Returns 1 for a whole record (*bytes
 * and *lines: the physical lines it took, this one included), 0 for a
 * part held until its end, -1 when out of memory.  A line the prefix does
 * not fit is a record as it stands (a continuation line of a multi-line
 * message after `aws logs tail`, a line written to the file by hand).
 * The text may sit in sh->buf, valid until the next call.
 */
int rs_ship_line(rs_shipper *sh, const char **p, size_t *len,
    uint64_t *bytes, uint64_t *lines);

/* The parts still held at the end of the input, as one record (1), or 0. */
int rs_ship_flush(rs_shipper *sh, const char **p, size_t *len,
    uint64_t *bytes, uint64_t *lines);

/*
 * The prefix alone, without state (detection's view of one line): 1 when
 * it fits line[0..len), with *text and *tlen the line behind it (Docker's
 * decoded into out[0..outcap), cut there) and *partial set for a CRI P
 * line or a Docker part; 0 when it does not fit.
 */
int rs_ship_strip(const rs_shipper *sh, const char *line, size_t len,
    char *out, size_t outcap, const char **text, size_t *tlen, int *partial);

void rs_ship_free(rs_shipper *sh);

#endif /* RS_SHIPPER_H */
