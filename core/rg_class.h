/*
 * rg_class.h - the abort class taxonomy (rules/README.md).
 *
 * One table, used everywhere: rules name a class, counters and JSON keys
 * use its name, the module's $rstguard_class variable prints it.  The enum
 * order is the order of the table in core/README.md and it is meaningful: when a
 * Java record matches several classes, the one that comes first wins.
 */

#ifndef RG_CLASS_H
#define RG_CLASS_H

#include <stddef.h>

typedef enum {
    RG_CLASS_CLIENT_CLOSED = 0,
    RG_CLASS_CLIENT_RESET,
    RG_CLASS_BROKEN_PIPE,
    RG_CLASS_CONN_ABORTED,
    RG_CLASS_CLIENT_TIMEOUT,
    RG_CLASS_STREAM_CANCELED,
    RG_CLASS_TLS_ABORTED,
    RG_CLASS_UPSTREAM_RESET,
    RG_CLASS_UPSTREAM_CLOSED,
    RG_CLASS_UPSTREAM_REFUSED,
    RG_CLASS_UPSTREAM_TIMEOUT,
    RG_CLASS_TRUNCATED,
    RG_CLASS_BUFFER_OVERFLOW,
    RG_CLASS_SOCKET_CLOSED,
    RG_CLASS_BIND_IN_USE,
    RG_CLASS_COUNT,
    RG_CLASS_NONE = -1          /* not an abort */
} rg_class;

typedef enum {
    RG_SIDE_CLIENT = 0,
    RG_SIDE_UPSTREAM,
    RG_SIDE_SERVER,
    RG_SIDE_LOCAL
} rg_side;

/* what rstscan's findings read of a class (rg_class_info.traits) */
/* a user leaving a page (Stop, a closed tab): user_navigation counts it */
#define RG_TRAIT_NAVIGATION  0x01
/* may end at a fixed idle timeout of something in between: idle_timeout */
#define RG_TRAIT_IDLE        0x02

typedef struct {
    rg_class     cls;
    const char  *name;          /* "client_reset" */
    rg_side      side;
    const char  *evidence;      /* one line of typical evidence, for reports */
    unsigned     traits;        /* RG_TRAIT_* */
} rg_class_info;

/* The whole table, indexed by rg_class. */
extern const rg_class_info rg_classes[RG_CLASS_COUNT];

/* Returns NULL for RG_CLASS_NONE or an out-of-range value. */
const char *rg_class_name(rg_class cls);

/* Exact, case-sensitive lookup; RG_CLASS_NONE when the name is unknown. */
rg_class rg_class_from_name(const char *name, size_t len);

const char *rg_side_name(rg_side side);

rg_side rg_class_side(rg_class cls);

/* Client-side classes are the expected noise the module limits by default. */
int rg_class_is_client_side(rg_class cls);

/* Whether the class has every RG_TRAIT_* bit of traits (0 for none). */
int rg_class_has(rg_class cls, unsigned traits);

#endif /* RG_CLASS_H */
