/* HAProxy termination states, rules/README.md "How a record maps to a class". */

#include <criterion/criterion.h>

#include "test_rules_helpers.h"

TestSuite(map_haproxy, .init = trh_shipped_setup, .fini = trh_teardown);


/* Each case's text as the message and as `field`, and its class. */
static void
expect_classes(const char *const (*cases)[2], size_t n, rg_field field)
{
    for (size_t i = 0; i < n; i++) {
        cr_expect_str_eq(trh_class(trh_message(RG_FORMAT_HAPROXY,
                                               cases[i][0], field,
                                               cases[i][0])),
                         cases[i][1], "%s", cases[i][0]);
    }
}


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

    expect_classes(cases, sizeof(cases) / sizeof(cases[0]),
                   RG_FIELD_TERMINATION);
}


/* A connection error's words (no termination state): the message alone. */
Test(map_haproxy, connection_errors)
{
    static const char *const  cases[][2] = {
        { "Connection closed during SSL handshake", "tls_aborted" },
        { "Connection error during SSL handshake", "tls_aborted" },
        { "Timeout during SSL handshake", "client_timeout" },
        /* failures that are no client leaving, and no state */
        { "SSL handshake failure", "none" },
        { "SSL client certificate not trusted", "none" },
        { "Connection closed while waiting for PROXY protocol header",
          "none" },
        { "Connection closed during SSL handshake after 3s", "none" },
    };

    expect_classes(cases, sizeof(cases) / sizeof(cases[0]),
                   RG_FIELD_LINE);
}
