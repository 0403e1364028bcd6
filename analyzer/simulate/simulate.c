/*
 * simulate.c - `rstscan simulate` (see simulate.h).
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buckets.h"
#include "simulate.h"

/*
 * Bytes of zone per key bucket when sizing the zone line: a limit_req-like
 * node (rbtree node, queue link, bucket, an IPv6 text key) rounded up to
 * its slab class, with room to spare so the zone never evicts live keys.
 */
#define RS_SIM_ZONE_BYTES_PER_KEY  256
#define RS_SIM_ZONE_NAME           "rstguard"

struct rs_sim {
    rs_sim_config  cfg;
    int            failed;
    rs_buckets    *keys;
    rg_bucket      global[RS_SIM_LOGS][RG_CLASS_COUNT];
    rs_sim_result  res;
};


void
rs_sim_config_default(rs_sim_config *cfg)
{
    int  c;

    memset(cfg, 0, sizeof(rs_sim_config));

    rg_rate_parse(RG_DEFAULT_RATE_TEXT, strlen(RG_DEFAULT_RATE_TEXT),
                  &cfg->key.rate);
    cfg->key.burst = RG_DEFAULT_BURST;
    cfg->global.rate = cfg->key.rate * RG_DEFAULT_GLOBAL_FACTOR;
    cfg->global.burst = cfg->key.burst * RG_DEFAULT_GLOBAL_FACTOR;
    cfg->key_mode = RS_SIM_KEY_CLIENT;

    for (c = 0; c < RG_CLASS_COUNT; c++) {
        if (rg_class_is_client_side((rg_class) c)) {
            cfg->classes |= 1u << c;
        }
    }
}


rs_sim *
rs_sim_create(const rs_sim_config *cfg)
{
    rs_sim  *s;

    s = calloc(1, sizeof(rs_sim));
    if (s == NULL) {
        return NULL;
    }

    s->cfg = *cfg;
    s->keys = rs_buckets_create(RS_SIM_MAX_KEYS, &cfg->key);

    if (s->keys == NULL) {
        free(s);
        return NULL;
    }

    return s;
}


int
rs_sim_feed(rs_sim *s, unsigned log, rg_class cls, const char *key,
    size_t keylen, int has_time, uint64_t time_ms, uint64_t bytes)
{
    rg_bucket   *kb;
    rg_verdict   v;

    if ((int) cls < 0 || cls >= RG_CLASS_COUNT || log >= RS_SIM_LOGS) {
        return 0;
    }

    if (s->cfg.key_mode == RS_SIM_KEY_NONE) {
        key = "all";
        keylen = 3;
    }

    if (!(s->cfg.classes & (1u << cls)) || !has_time || keylen == 0) {
        if (s->cfg.classes & (1u << cls)) {
            s->res.untimed += !has_time;
            s->res.unkeyed += has_time && keylen == 0;
        }

        s->res.kept[cls].records++;
        s->res.kept[cls].bytes += bytes;
        return 0;
    }

    kb = rs_buckets_get(s->keys, log, cls, key, keylen, time_ms);
    if (kb == NULL) {
        return -1;
    }

    v = rg_limiter_decide(kb, &s->cfg.key, &s->global[log][cls],
                          &s->cfg.global, time_ms);

    if (v == RG_PASS) {
        s->res.kept[cls].records++;
        s->res.kept[cls].bytes += bytes;

    } else {
        s->res.held[cls].records++;
        s->res.held[cls].bytes += bytes;
    }

    return 0;
}


/* notice and info always; warn and above only for listed classes */
static int
rs_sim_level_decided(const rg_str *level, int explicit_classes)
{
    if ((level->len == 4 && memcmp(level->p, "info", 4) == 0)
        || (level->len == 6 && memcmp(level->p, "notice", 6) == 0))
    {
        return 1;
    }

    return explicit_classes && level->p != NULL
           && !(level->len == 5 && memcmp(level->p, "debug", 5) == 0);
}


void
rs_sim_seen(void *ctx, const rs_seen *seen)
{
    rs_sim        *s = ctx;
    unsigned       log;
    uint64_t       ms;
    const rg_str  *client;

    /* a summary stands for lines that were never written: not replayed */
    if (seen->cls == RG_CLASS_NONE || seen->suppressed) {
        return;
    }

    log = rg_format_is_access(seen->format) ? RS_SIM_LOG_ACCESS
                                            : RS_SIM_LOG_ERROR;

    client = seen->parsed ? &seen->parsed->f.f[RG_FIELD_CLIENT] : NULL;
    ms = (uint64_t) seen->ts.sec * 1000 + (seen->ms > 0 ? seen->ms : 0);

    /*
     * The module's error-log filter decides [notice] and [info] lines;
     * a line at warn or above only when rstguard_classes lists its class,
     * and never a debug line.
     */
    if (seen->format == RG_FORMAT_NGINX_ERROR && seen->parsed != NULL
        && !rs_sim_level_decided(&seen->parsed->f.f[RG_FIELD_LEVEL],
                                 s->cfg.explicit_classes))
    {
        s->res.kept[seen->cls].records++;
        s->res.kept[seen->cls].bytes += seen->bytes;
        return;
    }

    if (rs_sim_feed(s, log, seen->cls, client && client->p ? client->p : "",
                    client && client->p ? client->len : 0, seen->ts.valid,
                    ms, seen->bytes)
        != 0)
    {
        s->failed = 1;
    }
}


int
rs_sim_failed(const rs_sim *s)
{
    return s->failed;
}


const rs_sim_result *
rs_sim_get_result(rs_sim *s)
{
    s->res.evicted = rs_buckets_forced(s->keys);
    s->res.peak_keys = rs_buckets_peak(s->keys);

    return &s->res;
}


size_t
rs_sim_zone_line(const rs_sim_config *cfg, const rs_sim_result *res,
    char *buf, size_t size)
{
    char      rate[32], grate[48], gburst[48];
    uint64_t  mib;
    int       n;

    mib = ((uint64_t) res->peak_keys * RS_SIM_ZONE_BYTES_PER_KEY
           + (1 << 20) - 1) >> 20;

    if (mib == 0) {
        mib = 1;
    }

    grate[0] = '\0';
    gburst[0] = '\0';

    if (rg_rate_format(cfg->key.rate, rate, sizeof(rate)) == 0) {
        return 0;
    }

    if (cfg->global_rate_set) {
        memcpy(grate, " global_rate=", 13);

        if (rg_rate_format(cfg->global.rate, grate + 13, sizeof(grate) - 13)
            == 0)
        {
            return 0;
        }
    }

    if (cfg->global_burst_set) {
        snprintf(gburst, sizeof(gburst), " global_burst=%" PRIu64,
                 cfg->global.burst);
    }

    n = snprintf(buf, size,
                 "rstguard_zone zone=" RS_SIM_ZONE_NAME ":%" PRIu64 "m"
                 " rate=%s burst=%" PRIu64 "%s%s key=%s;",
                 mib, rate, cfg->key.burst, grate, gburst,
                 cfg->key_mode == RS_SIM_KEY_NONE ? RS_SIM_KEY_NONE_VAR
                                                  : "$remote_addr");

    return n < 0 || (size_t) n >= size ? 0 : (size_t) n;
}


/* "rstguard_classes client_reset upstream_reset;" */
static const char *
rs_sim_classes_line(const rs_sim_config *cfg, char *buf, size_t size)
{
    int     c;
    size_t  n;

    n = (size_t) snprintf(buf, size, "rstguard_classes");

    for (c = 0; c < RG_CLASS_COUNT && n < size; c++) {
        if ((cfg->classes >> c) & 1) {
            n += (size_t) snprintf(buf + n, size - n, " %s",
                                   rg_class_name((rg_class) c));
        }
    }

    if (n + 1 < size) {
        buf[n++] = ';';
        buf[n] = '\0';
    }

    return buf;
}


static json_t *
rs_sim_tally_json(const rs_sim_tally *t)
{
    return json_pack("{s:I,s:I}", "records", (json_int_t) t->records,
                     "bytes", (json_int_t) t->bytes);
}


static int
rs_sim_print_json(FILE *out, const rs_sim_config *cfg,
    const rs_sim_result *res, const char *zone)
{
    int      c, rc;
    char     line[512];
    json_t  *root, *classes, *o;

    root = json_object();
    classes = json_object();

    if (root == NULL || classes == NULL) {
        json_decref(root);
        json_decref(classes);
        return -1;
    }

    json_object_set_new(root, "classes", classes);

    for (c = 0; c < RG_CLASS_COUNT; c++) {
        if (res->kept[c].records + res->held[c].records == 0) {
            continue;
        }

        o = json_pack("{s:o,s:o,s:b}",
                      "kept", rs_sim_tally_json(&res->kept[c]),
                      "held", rs_sim_tally_json(&res->held[c]),
                      "limited", (cfg->classes >> c) & 1);

        if (o == NULL || json_object_set_new(classes, rg_class_name(c), o)) {
            json_decref(root);
            return -1;
        }
    }

    json_object_set_new(root, "zone_line", json_string(zone));
    if (cfg->key_mode == RS_SIM_KEY_NONE) {
        json_object_set_new(root, "map_line",
                            json_string(RS_SIM_KEY_NONE_MAP ";"));
    }

    if (cfg->explicit_classes) {
        json_object_set_new(root, "classes_line",
                            json_string(rs_sim_classes_line(cfg, line,
                                                            sizeof(line))));
    }

    json_object_set_new(root, "untimed",
                        json_integer((json_int_t) res->untimed));
    json_object_set_new(root, "unkeyed",
                        json_integer((json_int_t) res->unkeyed));
    json_object_set_new(root, "evicted",
                        json_integer((json_int_t) res->evicted));

    rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);

    if (rc != 0 || fputc('\n', out) == EOF) {
        return -1;
    }

    return 0;
}


static void
rs_sim_print_text(FILE *out, const rs_sim_config *cfg,
    const rs_sim_result *res, const char *zone)
{
    int           c;
    char          line[512];
    rs_sim_tally  kept, held;

    memset(&kept, 0, sizeof(kept));
    memset(&held, 0, sizeof(held));

    fprintf(out, "%-18s %12s %14s %12s %14s\n", "class", "kept", "kept bytes",
            "held", "held bytes");

    for (c = 0; c < RG_CLASS_COUNT; c++) {
        if (res->kept[c].records + res->held[c].records == 0) {
            continue;
        }

        fprintf(out, "%-18s %12" PRIu64 " %14" PRIu64 " %12" PRIu64
                " %14" PRIu64 "%s\n", rg_class_name(c),
                res->kept[c].records, res->kept[c].bytes,
                res->held[c].records, res->held[c].bytes,
                (cfg->classes >> c) & 1 ? "" : "  (not limited)");

        kept.records += res->kept[c].records;
        kept.bytes += res->kept[c].bytes;
        held.records += res->held[c].records;
        held.bytes += res->held[c].bytes;
    }

    fprintf(out, "%-18s %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %14" PRIu64
            "\n", "total", kept.records, kept.bytes, held.records, held.bytes);

    if (res->untimed) {
        fprintf(out, "%" PRIu64 " records had no time and were counted as"
                " kept\n", res->untimed);
    }

    if (res->evicted) {
        fprintf(out, "%" PRIu64 " live key buckets were evicted (more than %d"
                " keys): the figures are approximate\n", res->evicted,
                RS_SIM_MAX_KEYS);
    }

    if (res->unkeyed) {
        fprintf(out, "%" PRIu64 " records had no client and were counted as"
                " kept (the module never limits an empty key)\n",
                res->unkeyed);
    }

    fprintf(out, "\nto limit like this, in http {}:\n");

    if (cfg->key_mode == RS_SIM_KEY_NONE) {
        fprintf(out, "    %s;\n", RS_SIM_KEY_NONE_MAP);
    }

    fprintf(out, "    %s\n    rstguard zone=" RS_SIM_ZONE_NAME ";\n", zone);

    if (cfg->explicit_classes) {
        fprintf(out, "    %s\n", rs_sim_classes_line(cfg, line,
                                                       sizeof(line)));
    }
}


int
rs_sim_print(FILE *out, const rs_sim_config *cfg, const rs_sim_result *res)
{
    char  zone[256];

    if (rs_sim_zone_line(cfg, res, zone, sizeof(zone)) == 0) {
        return -1;
    }

    if (cfg->json) {
        return rs_sim_print_json(out, cfg, res, zone);
    }

    rs_sim_print_text(out, cfg, res, zone);

    return ferror(out) ? -1 : 0;
}


void
rs_sim_free(rs_sim *s)
{
    if (s == NULL) {
        return;
    }

    rs_buckets_free(s->keys);
    free(s);
}
