/*
 * rg_java.h - gives a Java / Tomcat record (a log line and its stack trace)
 * one class, as rules/README.md "Java / Tomcat" says.
 *
 * The scanner folds physical lines into records; for each record it calls
 * rg_java_record_line() on every physical line in order (is_first on the
 * first), then rg_java_record_class().  The java rules run on each line
 * (message = line = that line, record = the record's first line); the
 * record then takes:
 *   - client_closed (a bare ClientAbortException) only when nothing more
 *     specific matched, otherwise the matched class that comes first in the
 *     class table (rg_class order);
 *   - a client_reset match ("Connection reset", "forcibly closed by the
 *     remote host") is client_reset only when the record is on the response
 *     path (it mentions ClientAbortException,
 *     org.apache.catalina.connector.OutputBuffer, org.apache.coyote or
 *     org.eclipse.jetty.server.HttpOutput), else upstream_reset (a JDBC or
 *     HTTP-client read);
 *   - a client_timeout match (SocketTimeoutException) counts only inside a
 *     ClientAbortException; elsewhere it is a read timeout of the
 *     application's own, not a client abort.
 * No allocation: the record is a plain struct, one per scanning thread.
 */

#ifndef RG_JAVA_H
#define RG_JAVA_H

#include <stddef.h>
#include <stdint.h>

#include "rg_rules.h"

typedef struct {
    uint32_t         classes;       /* bit (1 << rg_class) per matched class */
    const rg_rule   *rules[RG_CLASS_COUNT];  /* first rule of each class */
    int              response_path;
    int              client_abort;  /* ClientAbortException seen */
    size_t           lines;
    size_t           first_len;
    char             first[RG_SUBJECT_CAP];  /* the first line, capped */
} rg_java_record;

/* Empties the record (rg_java_record_line with is_first does it too). */
void rg_java_record_reset(rg_java_record *rec);

/*
 * Runs the java rules on one physical line (without its newline) and notes
 * what it says; is_first starts a new record.  Returns the rule that
 * matched this line, or NULL.
 */
const rg_rule *rg_java_record_line(rg_java_record *rec, rg_matcher *m,
    const char *line, size_t len, int is_first);

/* The record's class, RG_CLASS_NONE when it is no abort. */
rg_class rg_java_record_class(const rg_java_record *rec);

/* The rule behind that class (its advice, its id), NULL when none. */
const rg_rule *rg_java_record_rule(const rg_java_record *rec);

#endif /* RG_JAVA_H */
