/* The class taxonomy: one table, in core/README.md's order, with its sides. */

#include <criterion/criterion.h>
#include <string.h>

#include "rg_class.h"

Test(class, table_is_in_design_order)
{
    static const char *const  expect[] = {
        "client_closed", "client_reset", "broken_pipe", "conn_aborted",
        "client_timeout", "stream_canceled", "tls_aborted", "upstream_reset",
        "upstream_closed", "upstream_refused", "upstream_timeout",
        "truncated", "buffer_overflow", "socket_closed", "bind_in_use"
    };

    cr_assert_eq(RG_CLASS_COUNT, 15);

    for (int i = 0; i < RG_CLASS_COUNT; i++) {
        cr_assert_str_eq(rg_classes[i].name, expect[i]);
        cr_assert_eq((int) rg_classes[i].cls, i);
        cr_assert_str_eq(rg_class_name((rg_class) i), expect[i]);
    }
}

Test(class, lookup_by_name_is_exact)
{
    cr_assert_eq(rg_class_from_name("client_reset", 12), RG_CLASS_CLIENT_RESET);
    cr_assert_eq(rg_class_from_name("bind_in_use", 11), RG_CLASS_BIND_IN_USE);
    cr_assert_eq(rg_class_from_name("client_rese", 11), RG_CLASS_NONE);
    cr_assert_eq(rg_class_from_name("Client_reset", 12), RG_CLASS_NONE);
    cr_assert_eq(rg_class_from_name("client_resetx", 13), RG_CLASS_NONE);
    cr_assert_null(rg_class_name(RG_CLASS_NONE));
    cr_assert_null(rg_class_name(RG_CLASS_COUNT));
}

Test(class, sides)
{
    int  client = 0;

    for (int i = 0; i < RG_CLASS_COUNT; i++) {
        client += rg_class_is_client_side((rg_class) i);
    }

    cr_assert_eq(client, 7);
    cr_assert_str_eq(rg_side_name(rg_class_side(RG_CLASS_TLS_ABORTED)), "client");
    cr_assert_str_eq(rg_side_name(rg_class_side(RG_CLASS_UPSTREAM_TIMEOUT)),
                     "upstream");
    cr_assert_str_eq(rg_side_name(rg_class_side(RG_CLASS_TRUNCATED)), "server");
    cr_assert_str_eq(rg_side_name(rg_class_side(RG_CLASS_SOCKET_CLOSED)), "local");
    cr_assert_eq(rg_class_is_client_side(RG_CLASS_NONE), 0);
}

/* the traits the findings group classes by, exactly these classes */
Test(class, traits)
{
    char  nav[256] = "", idle[256] = "";

    for (int i = 0; i < RG_CLASS_COUNT; i++) {
        if (rg_class_has((rg_class) i, RG_TRAIT_NAVIGATION)) {
            strcat(nav, rg_class_name((rg_class) i));
            strcat(nav, " ");
        }
        if (rg_class_has((rg_class) i, RG_TRAIT_IDLE)) {
            strcat(idle, rg_class_name((rg_class) i));
            strcat(idle, " ");
        }
    }

    cr_assert_str_eq(nav, "client_closed client_reset broken_pipe"
                     " conn_aborted stream_canceled ");
    cr_assert_str_eq(idle, "client_closed client_reset conn_aborted"
                     " client_timeout upstream_reset upstream_closed"
                     " upstream_timeout ");
    cr_assert_eq(rg_class_has(RG_CLASS_NONE, RG_TRAIT_IDLE), 0);
    cr_assert_eq(rg_class_has(RG_CLASS_CLIENT_RESET, 0), 0);
    cr_assert_eq(rg_class_has(RG_CLASS_CLIENT_RESET,
                              RG_TRAIT_NAVIGATION | RG_TRAIT_IDLE), 1);
    cr_assert_eq(rg_class_has(RG_CLASS_BROKEN_PIPE,
                              RG_TRAIT_NAVIGATION | RG_TRAIT_IDLE), 0);
}
