/*
 * rg_rules_bounds.c - a rule file's bounds, checked before it is loaded,
 * and libyaml's errors at the byte they are about.
 *
 * libyaml's scanner keeps one possible "simple key" per open flow
 * collection and re-checks all of them at every token, so `[[[[...` costs
 * time quadratic in its depth (200,000 levels ran for minutes).  The event
 * parser below stops at the first collection deeper than
 * RG_RULES_DEPTH_MAX, while the scanner has read at most a line (1024
 * characters for a simple key) past it; only a file inside every bound is
 * then built into a document and compiled.
 *
 * libyaml's reader reports a NUL or invalid UTF-8 with a byte offset and
 * no line (its mark says 1:1); the offset is turned into the line and
 * column libyaml would have named: lines end at LF, CR, CR LF, NEL, LS
 * and PS, columns count characters.
 */

#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "rg_rules_impl.h"


/* The 1-based line and column (in characters) of byte `off` of UTF-8. */
static void
rg_bounds_position(const char *buf, size_t len, size_t off,
    unsigned long *line, unsigned long *column)
{
    const unsigned char  *p = (const unsigned char *) buf;
    size_t                i;

    *line = 1;
    *column = 1;

    if (off > len) {
        off = len;
    }

    for (i = 0; i < off; i++) {
        if (p[i] == '\n' || (p[i] == '\r' && (i + 1 >= len || p[i + 1] != '\n'))
            || (p[i] == 0xc2 && i + 1 < len && p[i + 1] == 0x85)
            || (p[i] == 0xe2 && i + 2 < len && p[i + 1] == 0x80
                && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)))
        {
            /* the break's last byte moves to the next line */
            i += p[i] == 0xc2 ? 1 : p[i] == 0xe2 ? 2 : 0;
            (*line)++;
            *column = 1;

        } else if ((p[i] & 0xc0) != 0x80 && p[i] != '\r') {
            (*column)++;
        }
    }
}


void
rg_rules_yaml_error(const char *name, const struct yaml_parser_s *p,
    const char *buf, size_t len, rg_error *err)
{
    unsigned long  line, column;
    size_t         off;

    if (p->error == YAML_MEMORY_ERROR) {
        rg_error_set(err, "%s: out of memory", name);
        return;
    }

    if (p->error == YAML_READER_ERROR) {
        if (p->encoding != YAML_UTF8_ENCODING
            && p->encoding != YAML_ANY_ENCODING)
        {
            /* UTF-16: the offset counts its bytes, not UTF-8's */
            rg_error_set(err, "%s:1:1: %s (byte 0x%02X at offset %lu of the"
                         " UTF-16 text); rule files are UTF-8", name,
                         p->problem, (unsigned) p->problem_value,
                         (unsigned long) p->problem_offset);
            return;
        }

        /* a bad trailing octet is named at the character it breaks */
        off = p->problem_offset;
        if (strstr(p->problem, "trailing") != NULL) {
            while (off > 0 && off <= len && off - 1 < len
                   && ((unsigned char) buf[off - 1] & 0xc0) == 0x80)
            {
                off--;
            }
            off -= off > 0;
        }

        rg_bounds_position(buf, len, off, &line, &column);

        if (p->problem_value < 0) {
            /* the text ends inside a character */
            rg_error_set(err, "%s:%lu:%lu: %s", name, line, column,
                         p->problem);
            return;
        }

        rg_error_set(err, "%s:%lu:%lu: %s (byte 0x%02X)", name, line, column,
                     p->problem, (unsigned) p->problem_value & 0xff);
        return;
    }

    rg_error_set(err, "%s:%lu:%lu: %s%s%s", name,
                 (unsigned long) p->problem_mark.line + 1,
                 (unsigned long) p->problem_mark.column + 1,
                 p->problem ? p->problem : "invalid YAML",
                 p->context ? " " : "", p->context ? p->context : "");
}


static void
rg_bounds_error(const char *name, const yaml_mark_t *m, rg_error *err,
    const char *what, long limit)
{
    rg_error_set(err, "%s:%lu:%lu: %s %ld", name,
                 (unsigned long) m->line + 1, (unsigned long) m->column + 1,
                 what, limit);
}


int
rg_rules_check_bounds(const char *name, const char *buf, size_t len,
    size_t before, rg_error *err)
{
    yaml_parser_t   parser;
    yaml_event_t    ev;
    unsigned long   line, column;
    size_t          depth = 0, rules = before;
    int             rc = 0, done = 0, list = 0, item;

    if (len > RG_RULE_FILE_MAX) {
        rg_bounds_position(buf, len, RG_RULE_FILE_MAX, &line, &column);
        rg_error_set(err, "%s:%lu:%lu: the file is larger than %d MiB, the"
                     " limit of a rule file", name, line, column,
                     RG_RULE_FILE_MAX >> 20);
        return -1;
    }

    if (!yaml_parser_initialize(&parser)) {
        rg_error_set(err, "%s: out of memory", name);
        return -1;
    }

    yaml_parser_set_input_string(&parser, (const unsigned char *) buf, len);

    while (!done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            rg_rules_yaml_error(name, &parser, buf, len, err);
            rc = -1;
            break;
        }

        /* a node right inside a document's top list is a rule */
        item = depth == 1 && list
               && (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_ALIAS_EVENT
                   || ev.type == YAML_SEQUENCE_START_EVENT
                   || ev.type == YAML_MAPPING_START_EVENT);

        if (item && ++rules > RG_RULES_MAX) {
            rg_bounds_error(name, &ev.start_mark, err,
                            "too many rules: a ruleset holds at most",
                            RG_RULES_MAX);
            rc = -1;
        }

        switch (ev.type) {
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (++depth == 1) {
                list = ev.type == YAML_SEQUENCE_START_EVENT;
            }
            if (depth > RG_RULES_DEPTH_MAX && rc == 0) {
                rg_bounds_error(name, &ev.start_mark, err,
                                "nested too deep: rule files nest at most",
                                RG_RULES_DEPTH_MAX);
                rc = -1;
            }
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        default:
            break;
        }

        yaml_event_delete(&ev);

        if (rc != 0) {
            break;
        }
    }

    yaml_parser_delete(&parser);

    return rc;
}
