/*
 * findings.c - fuzzes what watches a scan beyond the aggregate: rstscan
 * --format auto with the findings and simulate's replay observing it and
 * the HTML page checked (fuzz_scan.h).  Slower per input than the other
 * targets by design: every report's findings evaluate fixed tables of
 * about 1.5 MB (36,000 time bins per kind, a 32 Ki-cell sketch), so this
 * target runs hundreds of inputs a second where `auto` runs thousands.
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
