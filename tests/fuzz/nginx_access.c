/*
 * nginx_access.c - fuzzes rstscan's nginx access-log path end to end
 * (fuzz_scan.h) with the default `combined` layout and with a layout that
 * logs $request_completion and $sent_http_content_length (what truncation
 * is detected from); the first input byte picks one, so both layouts keep
 * their own coverage.  Custom layouts themselves: the log_format target.
 */

#include "fuzz.h"
#include "fuzz_scan.h"

static const char  *fuzz_layouts[] = {
    NULL,
    "$remote_addr - $remote_user [$time_local] \"$request\" $status "
    "$body_bytes_sent \"$http_referer\" \"$http_user_agent\" "
    "rt=$request_time uct=\"$upstream_connect_time\" "
    "c=$request_completion cl=$sent_http_content_length "
    "up=$upstream_addr us=$upstream_status host=$host",
    "$time_iso8601 $remote_addr $status $bytes_sent $request_length "
    "\"$request\" $request_completion"
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char  err[1024];
    int   which;

    if (size == 0) {
        return 0;
    }

    which = data[0] % (sizeof(fuzz_layouts) / sizeof(fuzz_layouts[0]));

    if (fuzz_scan(data + 1, size - 1, RG_FORMAT_NGINX_ACCESS,
                  fuzz_layouts[which], 0, err, sizeof(err)) != 0)
    {
        abort();            /* valid layouts: the scanner must start */
    }

    return 0;
}
