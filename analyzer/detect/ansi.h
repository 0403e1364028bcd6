/*
 * ansi.h - the terminal's color codes some servers write into their logs.
 *
 * Spring Boot colors its console lines when `spring.output.ansi.enabled`
 * is `always` (or it thinks stdout is a terminal), and so do Quarkus, many
 * Node and Python loggers and `docker logs` of a container run with -t:
 *
 *   ESC[2m2026-12-01 10:15:32.123ESC[0;39m ESC[31mERROR ... : message
 *
 * The codes sit inside the server's text, where no parser expects them
 * (a Docker or journald envelope carries them JSON-escaped, and they
 * reappear once the line is decoded).  They are taken out of a record's
 * text before it is parsed, in detection and in the scan; the scan looks
 * for them in every line of a file whose head had some (rs_ansi_seen), and
 * elsewhere in a line that starts with ESC, so a log without colors pays
 * one compare a line.
 */

#ifndef RS_ANSI_H
#define RS_ANSI_H

#include <stddef.h>

/* Whether head[0..len) holds an escape sequence, raw ("ESC[") or as a
   JSON envelope escapes it ("\u001b["). */
int rs_ansi_seen(const char *head, size_t len);

/*
 * Copies p[0..len) to out without its escape sequences: a CSI sequence
 * (ESC '[' parameter and intermediate bytes, a final byte; SGR colors are
 * these), an OSC sequence (ESC ']' up to BEL or ESC '\', terminal
 * hyperlinks), or another escape sequence (ESC, intermediate bytes, one
 * final byte: "ESC ( B").  A sequence cut by the end of the text is
 * dropped.  Returns the bytes written, at most len.
 */
size_t rs_ansi_strip(const char *p, size_t len, char *out);

#endif /* RS_ANSI_H */
