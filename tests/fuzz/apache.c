/*
 * apache.c - fuzzes rstscan's Apache paths end to end (fuzz_scan.h): every
 * input is scanned as an Apache 2.4 error log and as an access log
 * (combined, with and without %X).
 */

#include "fuzz.h"
#include "fuzz_scan.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char  err[1024];

    if (fuzz_scan(data, size, RG_FORMAT_APACHE_ERROR, NULL, 0, err,
                  sizeof(err)) != 0
        || fuzz_scan(data, size, RG_FORMAT_APACHE_ACCESS, NULL, 0, err,
                     sizeof(err)) != 0)
    {
        abort();
    }

    return 0;
}
