/* HAProxy termination states, rules/README.md "How a record maps to a class". */

#include <criterion/criterion.h>

#include "test_rules_helpers.h"

TestSuite(map_haproxy, .init = trh_shipped_setup, .fini = trh_teardown);


Test(map_haproxy, termination_state)
{
    static const char *const  cases[][2] = {
        { "CD--", "client_closed" }, { "CR--", "client_closed" },
        { "CH--", "client_closed" }, { "CC--", "client_closed" },
        { "CQ--", "client_closed" }, { "CD-N", "client_closed" },
        { "cD--", "client_timeout" }, { "cR--", "client_timeout" },
        { "cH--", "client_timeout" },
        { "SH--", "upstream_closed" }, { "SD--", "truncated" },
        { "sC--", "upstream_timeout" }, { "sH--", "upstream_timeout" },
        { "sD--", "upstream_timeout" }, { "SC--", "upstream_refused" },
        /* normal ends and proxy-side decisions are no aborts */
        { "----", "none" }, { "--NI", "none" }, { "--VN", "none" },
        { "PR--", "none" }, { "LR--", "none" }, { "RC--", "none" },
        { "IH--", "none" }, { "cC--", "none" }, { "SR--", "none" },
        /* option tcplog writes two letters */
        { "CD", "client_closed" }, { "cD", "client_timeout" },
        { "SD", "truncated" }, { "sD", "upstream_timeout" },
        { "SC", "upstream_refused" }, { "--", "none" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cr_expect_str_eq(trh_class(trh_message(RG_FORMAT_HAPROXY,
                                               cases[i][0],
                                               RG_FIELD_TERMINATION,
                                               cases[i][0])),
                         cases[i][1], "%s", cases[i][0]);
    }
}
