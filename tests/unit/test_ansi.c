/*
 * Terminal color codes in a log's text (analyzer/detect/ansi.c): which
 * sequences are taken out, and which heads are said to carry them.
 */

#include <criterion/criterion.h>
#include <string.h>

#include "ansi.h"


/* in without its sequences, as a string */
static const char *
strip(const char *in)
{
    static char  out[256];
    size_t       n;

    n = rs_ansi_strip(in, strlen(in), out);
    cr_assert_leq(n, strlen(in));
    out[n] = '\0';

    return out;
}


Test(ansi, sequences_are_taken_out_and_the_text_kept)
{
    /* SGR colors, one or several parameters, and a reset without any */
    cr_expect_str_eq(strip("\033[2m10:15:32\033[0;39m \033[1;31mERROR\033[m x"),
                     "10:15:32 ERROR x");
    /* other CSI sequences: erase the line, move the cursor */
    cr_expect_str_eq(strip("a\033[2Kb\033[10;20Hc\033[?25ld"), "abcd");
    /* OSC 8 hyperlinks, ended by BEL and by ESC \ */
    cr_expect_str_eq(strip("see \033]8;;http://x/\007docs\033]8;;\007."),
                     "see docs.");
    cr_expect_str_eq(strip("\033]8;;http://x/\033\\docs\033]8;;\033\\!"),
                     "docs!");
    /* ESC and the one byte after it (a charset switch) */
    cr_expect_str_eq(strip("\033(Bplain"), "plain");
    /* cut by the end of the text: the rest of the sequence goes */
    cr_expect_str_eq(strip("end\033[38;5"), "end");
    cr_expect_str_eq(strip("end\033"), "end");
    cr_expect_str_eq(strip("end\033]8;;http://x"), "end");
    /* a CSI whose next byte is no final byte ends where it is */
    cr_expect_str_eq(strip("\033[31\nnext"), "\nnext");
    /* nothing to take out */
    cr_expect_str_eq(strip("2026/11/21 10:00:00 [info] 1#1: x"),
                     "2026/11/21 10:00:00 [info] 1#1: x");
    cr_expect_str_eq(strip(""), "");
}


Test(ansi, a_head_with_sequences_raw_or_json_escaped)
{
    const char  *yes[] = { "a\n\033[31mERROR\033[0m\n",
                           "x \033]8;;u\007",
                           "{\"log\":\"\\u001b[2m2026\\u001b[0m\\n\"}",
                           "{\"MESSAGE\":\"\\u001B[31mERROR\"}" };
    const char  *no[] = { "plain\n", "a lone \033 and \033(B\n",
                          "{\"log\":\"\\u001a[\"}", "\\u001b", "" };
    size_t       i;

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        cr_expect(rs_ansi_seen(yes[i], strlen(yes[i])), "%zu", i);
    }
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        cr_expect(!rs_ansi_seen(no[i], strlen(no[i])), "%zu", i);
    }
}
