/*
 * core/rg_str.h's decimal reader, the one every parser of core and the
 * analyzer uses: digits only, the bound checked before it can overflow,
 * and what each caller builds on it (rates, summary numbers, times).
 */

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "rg_limiter.h"
#include "rg_str.h"

static rg_str
S(const char *s)
{
    rg_str  v;

    v.p = s;
    v.len = strlen(s);
    return v;
}

Test(str_number, digits_at_the_start_and_how_many)
{
    uint64_t  v = 7;

    cr_assert_eq(rg_str_digits(S("123abc"), 1000, &v), 3);
    cr_assert_eq(v, 123);
    cr_assert_eq(rg_str_digits(S("0"), 0, &v), 1);
    cr_assert_eq(v, 0);
    v = 7;
    cr_assert_eq(rg_str_digits(S("abc"), 1000, &v), 0);
    cr_assert_eq(rg_str_digits(S("-1"), 1000, &v), 0);
    cr_assert_eq(rg_str_digits(S(""), 1000, &v), 0);
    /* nothing read: *out untouched */
    cr_assert_eq(v, 7);
}

Test(str_number, the_bound_is_inclusive_and_checked_before_overflow)
{
    uint64_t  v = 0;

    cr_assert_eq(rg_str_digits(S("1000"), 1000, &v), 4);
    cr_assert_eq(v, 1000);
    cr_assert_eq(rg_str_digits(S("1001"), 1000, &v), 0);
    cr_assert_eq(rg_str_digits(S("10000"), 1000, &v), 0);
    cr_assert_eq(rg_str_digits(S("5"), 4, &v), 0);

    /* UINT64_MAX itself, then one more, then a digit more */
    cr_assert_eq(rg_str_digits(S("18446744073709551615"), UINT64_MAX, &v),
                 20);
    cr_assert_eq(v, UINT64_MAX);
    cr_assert_eq(rg_str_digits(S("18446744073709551616"), UINT64_MAX, &v),
                 0);
    cr_assert_eq(rg_str_digits(S("184467440737095516150"), UINT64_MAX, &v),
                 0);
    cr_assert_eq(rg_str_digits(S("99999999999999999999999"), UINT64_MAX,
                               &v), 0);

    /* leading zeros are no value */
    cr_assert_eq(rg_str_digits(S("0000000000000000000000042"), 42, &v), 25);
    cr_assert_eq(v, 42);
}

Test(str_number, whole_strings_only)
{
    uint64_t  v = 0;

    cr_assert_eq(rg_str_uint(S("256"), 256, &v), 0);
    cr_assert_eq(v, 256);
    cr_assert_eq(rg_str_uint(S("257"), 256, &v), -1);
    cr_assert_eq(rg_str_uint(S("25 "), 256, &v), -1);
    cr_assert_eq(rg_str_uint(S(" 25"), 256, &v), -1);
    cr_assert_eq(rg_str_uint(S("+1"), 256, &v), -1);
    cr_assert_eq(rg_str_uint(S(""), 256, &v), -1);
    cr_assert_eq(rg_str_uint((rg_str) { NULL, 0 }, 256, &v), -1);
    cr_assert_eq(rg_str_uint_cstr("12", 12, &v), 0);
    cr_assert_eq(v, 12);
    cr_assert_eq(rg_str_uint_cstr("13", 12, &v), -1);
    cr_assert_eq(rg_str_uint_cstr("1x", 12, &v), -1);
}

Test(str_number, number_takes_at_most_18_digits)
{
    cr_assert_eq(rg_str_number(S("404")), 404);
    cr_assert_eq(rg_str_number(S("999999999999999999")), 999999999999999999);
    cr_assert_eq(rg_str_number(S("1000000000000000000")), -1);
    cr_assert_eq(rg_str_number(S("9223372036854775808")), -1);
    cr_assert_eq(rg_str_number(S("4o4")), -1);
    cr_assert_eq(rg_str_number(S("")), -1);
}

/* "Nr/s" and "Nr/m": N * 1000 must fit 64 bits, and nothing overflows */
Test(str_number, rates_are_bounded)
{
    uint64_t  rate = 0;

    cr_assert_eq(rg_rate_parse("1844674407370955r/s", 19, &rate), 0);
    cr_assert_eq(rate, 1844674407370955000ULL);
    cr_assert_eq(rg_rate_parse("1844674407370956r/s", 19, &rate), -1);
    cr_assert_eq(rg_rate_parse("18446744073709551616r/s", 23, &rate), -1);
    cr_assert_eq(rg_rate_parse("010r/m", 6, &rate), 0);
    cr_assert_eq(rate, 166);
}
