/*
 * auto.c - fuzzes rstscan with --format auto (fuzz_scan.h): format
 * detection on the input's first bytes, then whichever parser it chose,
 * with the findings and simulate's replay watching and the HTML page
 * checked (the other targets leave those out: they cost 8 times more).
 */

#include "fuzz.h"
#include "fuzz_scan.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char  err[1024];

    if (fuzz_scan(data, size, -1, NULL, 1, err, sizeof(err)) != 0) {
        abort();
    }

    return 0;
}
