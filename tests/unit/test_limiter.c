/* The leaky bucket: limit_req's arithmetic, replayed exactly. */

#include <criterion/criterion.h>
#include <string.h>

#include "rg_limiter.h"

Test(limiter, parses_rates_like_limit_req)
{
    uint64_t  rate;

    cr_assert_eq(rg_rate_parse("10r/s", 5, &rate), 0);
    cr_assert_eq(rate, 10000);
    cr_assert_eq(rg_rate_parse("10r/m", 5, &rate), 0);
    cr_assert_eq(rate, 166);
    cr_assert_eq(rg_rate_parse("1r/m", 4, &rate), 0);
    cr_assert_eq(rate, 16);
    cr_assert_eq(rg_rate_parse("0r/s", 4, &rate), -1);
    cr_assert_eq(rg_rate_parse("10r/h", 5, &rate), -1);
    cr_assert_eq(rg_rate_parse("r/s", 3, &rate), -1);
    cr_assert_eq(rg_rate_parse("10", 2, &rate), -1);
    cr_assert_eq(rg_rate_parse("10r/ss", 6, &rate), -1);
    cr_assert_eq(rg_rate_parse("99999999999999999999r/s", 23, &rate), -1);
}

Test(limiter, formats_rates_back)
{
    char      buf[32];
    uint64_t  rate;

    rg_rate_parse("10r/m", 5, &rate);
    cr_assert_eq(rg_rate_format(rate, buf, sizeof(buf)), 5);
    cr_assert_str_eq(buf, "10r/m");
    rg_rate_parse("25r/s", 5, &rate);
    rg_rate_format(rate, buf, sizeof(buf));
    cr_assert_str_eq(buf, "25r/s");
}

Test(limiter, burst_n_lets_n_plus_one_through_at_once)
{
    rg_limit   lim = { 166, 5 };
    rg_bucket  b;
    int        passed = 0;

    memset(&b, 0, sizeof(b));

    for (int i = 0; i < 20; i++) {
        passed += rg_limiter_decide(&b, &lim, NULL, NULL, 1000) == RG_PASS;
    }

    cr_assert_eq(passed, 6);
    cr_assert_eq(b.excess, 5000);
}

Test(limiter, drains_at_the_rate)
{
    rg_limit   lim = { 1000, 0 };      /* 1r/s, no burst */
    rg_bucket  b;

    memset(&b, 0, sizeof(b));

    cr_assert_eq(rg_limiter_decide(&b, &lim, NULL, NULL, 0), RG_PASS);
    cr_assert_eq(rg_limiter_decide(&b, &lim, NULL, NULL, 500), RG_HOLD_KEY);
    cr_assert_eq(rg_limiter_decide(&b, &lim, NULL, NULL, 999), RG_HOLD_KEY);
    /* a held event changes nothing: the drain still counts from 0 */
    cr_assert_eq(b.last_ms, 0);
    cr_assert_eq(rg_limiter_decide(&b, &lim, NULL, NULL, 1000), RG_PASS);
    cr_assert_eq(b.excess, 0);
    cr_assert_eq(rg_limiter_decide(&b, &lim, NULL, NULL, 1000), RG_HOLD_KEY);

    lim.burst = 2;
    cr_assert_eq(rg_limiter_decide(&b, &lim, NULL, NULL, 1000), RG_PASS);
    cr_assert_eq(rg_limiter_decide(&b, &lim, NULL, NULL, 1000), RG_PASS);
    cr_assert_eq(b.excess, 2000);
    cr_assert_eq(rg_bucket_idle(&b, &lim, 2999), 0);
    cr_assert_eq(rg_bucket_idle(&b, &lim, 3000), 1);
}

Test(limiter, global_budget_limits_many_keys)
{
    rg_limit   key_lim = { 166, 5 }, glob_lim = { 1000, 3 };
    rg_bucket  keys[10], global;
    int        passed = 0, held_global = 0;

    memset(keys, 0, sizeof(keys));
    memset(&global, 0, sizeof(global));

    for (int i = 0; i < 10; i++) {
        rg_verdict  v = rg_limiter_decide(&keys[i], &key_lim, &global,
                                          &glob_lim, 5000);
        passed += v == RG_PASS;
        held_global += v == RG_HOLD_GLOBAL;
    }

    cr_assert_eq(passed, 4);
    cr_assert_eq(held_global, 6);
    /* a key held by the global budget was not charged */
    cr_assert_eq(keys[9].used, 0);
}

Test(limiter, clock_going_backwards_is_clamped)
{
    rg_limit   lim = { 1000, 1 };
    rg_bucket  b;

    memset(&b, 0, sizeof(b));
    cr_assert_eq(rg_limiter_decide(&b, &lim, NULL, NULL, 100000), RG_PASS);
    cr_assert_eq(rg_limiter_decide(&b, &lim, NULL, NULL, 99000), RG_PASS);
    cr_assert_eq(b.excess, 1000);
    cr_assert_eq(rg_limiter_decide(&b, &lim, NULL, NULL, 98000), RG_HOLD_KEY);
}
