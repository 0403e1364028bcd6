/*
 * auto.c - fuzzes rstscan with --format auto (fuzz_scan.h): format
 * detection on the input's first bytes, then whichever parser it chose,
 * the rules, the aggregate, the report and its printers.  The findings,
 * simulate's replay and the HTML page are the `findings` target's (they
 * cost far more per input).
 */

#include "fuzz.h"
#include "fuzz_scan.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char  err[1024];

    if (fuzz_scan(data, size, -1, NULL, 0, err, sizeof(err)) != 0) {
        abort();
    }

    return 0;
}
