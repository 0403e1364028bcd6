/*
 * caddy.c - fuzzes rstscan's caddy path end to end (fuzz_scan.h):
 * every input is a log file scanned with --format caddy.
 */

#include "fuzz.h"
#include "fuzz_scan.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char  err[1024];

    if (fuzz_scan(data, size, RG_FORMAT_CADDY, NULL, 0, err, sizeof(err))
        != 0)
    {
        abort();            /* no layout: the scanner must start */
    }

    return 0;
}
