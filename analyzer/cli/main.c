/*
 * main.c - rstscan: picks the mode from the first argument and runs it
 * (cmd.h: one file per mode).
 */

#include <malloc.h>
#include <string.h>

#include "cmd.h"


int
main(int argc, char **argv)
{
    /*
     * Every allocation of 128 KiB or more gets its own mapping, for good:
     * glibc otherwise raises that threshold each time such a block is
     * freed, after which the key tables' arrays grow (realloc by half) in
     * the heap, copying and leaving freed holes that stay resident, where
     * a mapping grows by mremap and is returned whole when freed.  2-6 MiB
     * less peak RSS with 250,000 distinct keys; a few thousand more page
     * faults on a 1 GB log.
     */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);

    /*
     * A heap keeps 4 MiB free at its top when it shrinks (glibc's default
     * is 128 KiB): what one phase frees is then there for the next one,
     * not returned to the kernel and faulted in again page by page (the
     * report's thread takes over the arena of the finished decoding
     * thread, and found it trimmed).  On a 1 GB log: 7,000 page faults
     * down to 5,000, 5-8% less CPU on every bench log, 1-5 MiB more peak
     * RSS (bench/RESULTS.md, session seven).
     */
    mallopt(M_TOP_PAD, 4 * 1024 * 1024);

    if (argc > 1 && strcmp(argv[1], "simulate") == 0) {
        return rs_cmd_simulate(argc - 1, argv + 1);
    }

    /* rstscan merge [OPTIONS] PART...: the same options, shards for files */
    if (argc > 1 && strcmp(argv[1], "merge") == 0) {
        return rs_cmd_report(RS_MODE_MERGE, argc - 1, argv + 1);
    }

    return rs_cmd_report(RS_MODE_SCAN, argc, argv);
}
