/*
 * rg_limiter.c - leaky-bucket arithmetic (see rg_limiter.h).
 */

#include "rg_limiter.h"
#include "rg_str.h"


int
rg_rate_parse(const char *text, size_t len, uint64_t *rate)
{
    size_t    i;
    uint64_t  n, scale;
    rg_str    digits;

    /* n * 1000 below must fit */
    n = 0;
    digits.p = text;
    digits.len = len;
    i = rg_str_digits(digits, UINT64_MAX / 10000, &n);

    if (i == 0 || n == 0 || len - i != 3 || text[i] != 'r'
        || text[i + 1] != '/')
    {
        return -1;
    }

    switch (text[i + 2]) {
    case 's':
        scale = 1;
        break;
    case 'm':
        scale = 60;
        break;
    default:
        return -1;
    }

    /* 1 corresponds to 0.001 events per second, as in limit_req */
    *rate = n * 1000 / scale;

    return *rate == 0 ? -1 : 0;
}


size_t
rg_rate_format(uint64_t rate, char *buf, size_t size)
{
    uint64_t  n;
    char      unit, tmp[24];
    size_t    len, i;

    if (rate % 1000 == 0) {
        n = rate / 1000;
        unit = 's';

    } else {
        /* r/m rates were stored as n * 1000 / 60, rounded down */
        n = (rate * 60 + 999) / 1000;
        unit = 'm';
    }

    len = 0;

    do {
        tmp[len++] = (char) ('0' + n % 10);
        n /= 10;
    } while (n && len < sizeof(tmp));

    if (size < len + 4) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        buf[i] = tmp[len - 1 - i];
    }

    buf[len++] = 'r';
    buf[len++] = '/';
    buf[len++] = unit;
    buf[len] = '\0';

    return len;
}


int64_t
rg_bucket_next_excess(const rg_bucket *b, const rg_limit *lim,
    uint64_t now_ms)
{
    int64_t  ms, excess;

    if (!b->used) {
        return 0;
    }

    ms = (int64_t) (now_ms - b->last_ms);

    /* the same guards limit_req applies to a clock that went backwards */
    if (ms < -60000) {
        ms = 1;

    } else if (ms < 0) {
        ms = 0;
    }

    excess = b->excess - (int64_t) (lim->rate * (uint64_t) ms / 1000) + 1000;

    return excess < 0 ? 0 : excess;
}


rg_verdict
rg_limiter_decide(rg_bucket *key, const rg_limit *key_limit,
    rg_bucket *global, const rg_limit *global_limit, uint64_t now_ms)
{
    int64_t  key_excess, global_excess;

    key_excess = 0;
    global_excess = 0;

    if (key != NULL) {
        key_excess = rg_bucket_next_excess(key, key_limit, now_ms);

        if (key_excess > (int64_t) (key_limit->burst * 1000)) {
            return RG_HOLD_KEY;
        }
    }

    if (global != NULL) {
        global_excess = rg_bucket_next_excess(global, global_limit, now_ms);

        if (global_excess > (int64_t) (global_limit->burst * 1000)) {
            return RG_HOLD_GLOBAL;
        }
    }

    if (key != NULL) {
        key->excess = key_excess;
        key->last_ms = now_ms;
        key->used = 1;
    }

    if (global != NULL) {
        global->excess = global_excess;
        global->last_ms = now_ms;
        global->used = 1;
    }

    return RG_PASS;
}


int
rg_bucket_idle(const rg_bucket *b, const rg_limit *lim, uint64_t now_ms)
{
    int64_t  ms;

    if (!b->used) {
        return 1;
    }

    ms = (int64_t) (now_ms - b->last_ms);

    if (ms < 0) {
        return 0;
    }

    return b->excess - (int64_t) (lim->rate * (uint64_t) ms / 1000) <= 0;
}
