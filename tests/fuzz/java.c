/*
 * java.c - fuzzes rstscan's java path end to end (fuzz_scan.h): every input
 * is a log file scanned with --format java: records start at a Tomcat,
 * Logback or Log4j timestamp and fold every other line (stack frames,
 * "Caused by:") up to 1 MiB or 10,000 lines.
 */

#include "fuzz.h"
#include "fuzz_scan.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char  err[1024];

    if (fuzz_scan(data, size, RG_FORMAT_JAVA, NULL, 0, err, sizeof(err))
        != 0)
    {
        abort();            /* no layout: the scanner must start */
    }

    return 0;
}
