/*
 * apache.c - fuzzes rstscan's Apache paths end to end (fuzz_scan.h): the
 * first byte's low bit picks the format the rest is scanned as, 1 an
 * Apache 2.4 error log, 0 an access log (combined, with and without %X);
 * the seeds start with "1" and "0".  Both used to scan every input, which
 * cost twice the time per input without reaching more: an input that
 * one format finds nothing in still runs its whole pipeline, and the
 * fuzzer now keeps coverage per format.
 */

#include "fuzz.h"
#include "fuzz_scan.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char  err[1024];

    if (size == 0) {
        return 0;
    }

    if (fuzz_scan(data + 1, size - 1,
                  (data[0] & 1) ? RG_FORMAT_APACHE_ERROR
                                : RG_FORMAT_APACHE_ACCESS,
                  NULL, 0, err, sizeof(err)) != 0)
    {
        abort();
    }

    return 0;
}
