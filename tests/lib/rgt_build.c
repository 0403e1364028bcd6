/*
 * rgt_build.c - the nginx under test, read from `nginx -V` (rgt_build.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rgt_build.h"
#include "rgt_nginx.h"


static rgt_build  rgt_the_build;
static int        rgt_build_read;


/* "nginx version: nginx/1.22.1" (or freenginx/, Angie/): name, version */
static void
rgt_build_parse_version(rgt_build *b, const char *text)
{
    const char  *p, *slash;
    int          part[3] = { 0, 0, 0 }, i;
    size_t       len;

    p = strstr(text, "version: ");
    if (p == NULL) {
        return;
    }

    p += sizeof("version: ") - 1;
    slash = strchr(p, '/');
    if (slash == NULL) {
        return;
    }

    len = (size_t) (slash - p);
    if (len >= sizeof(b->name)) {
        len = sizeof(b->name) - 1;
    }
    memcpy(b->name, p, len);
    b->name[len] = '\0';

    p = slash + 1;
    for (i = 0; i < 3; i++) {
        while (*p >= '0' && *p <= '9' && part[i] < 100000) {
            part[i] = part[i] * 10 + (*p++ - '0');
        }
        if (*p != '.') {
            break;
        }
        p++;
    }

    b->version = RGT_NGX_VERSION(part[0], part[1], part[2]);
}


/* Is the configure argument `arg` among nginx -V's (a whole word)? */
static int
rgt_build_has_arg(const char *text, const char *arg)
{
    const char  *p = text;
    size_t       len = strlen(arg);

    while ((p = strstr(p, arg)) != NULL) {
        if ((p == text || p[-1] == ' ')
            && (p[len] == ' ' || p[len] == '\n' || p[len] == '\0'))
        {
            return 1;
        }
        p += len;
    }

    return 0;
}


/*
 * The stream module: --with-stream builds it in; --with-stream=dynamic
 * leaves a .so in --modules-path (Debian: /usr/lib/nginx/modules, from
 * the package libnginx-mod-stream), else in PREFIX/modules.
 */
static void
rgt_build_stream(rgt_build *b, const char *text)
{
    const char  *p;
    char         dir[400];
    size_t       len;

    if (rgt_build_has_arg(text, "--with-stream")) {
        b->has[RGT_STREAM] = 1;
        return;
    }

    if (!rgt_build_has_arg(text, "--with-stream=dynamic")) {
        return;
    }

    p = strstr(text, "--modules-path=");
    if (p != NULL) {
        p += sizeof("--modules-path=") - 1;
        len = strcspn(p, " \n");
        snprintf(dir, sizeof(dir), "%.*s", (int) len, p);

    } else if ((p = strstr(text, "--prefix=")) != NULL) {
        p += sizeof("--prefix=") - 1;
        len = strcspn(p, " \n");
        snprintf(dir, sizeof(dir), "%.*s/modules", (int) len, p);

    } else {
        return;
    }

    snprintf(b->stream, sizeof(b->stream), "%s/ngx_stream_module.so", dir);
    b->has[RGT_STREAM] = access(b->stream, R_OK) == 0;
}


const rgt_build *
rgt_build_get(void)
{
    rgt_build   *b = &rgt_the_build;
    const char  *nginx, *module;
    char         cmd[1024], *out;
    int          status;

    if (rgt_build_read) {
        return b;
    }

    rgt_build_read = 1;

    nginx = getenv("RSTGUARD_NGINX");
    if (nginx == NULL || nginx[0] == '\0') {
        nginx = "/usr/sbin/nginx";
    }

    /*
     * RSTGUARD_MODULE names the .so under test; empty or "static" says the
     * module is compiled into the binary (--add-module), so no load_module.
     */
    module = getenv("RSTGUARD_MODULE");
    if (module == NULL) {
        module = "build/ngx_http_rstguard_module.so";
    }
    b->module = (module[0] == '\0' || strcmp(module, "static") == 0)
                ? NULL : module;
    b->has[RGT_DYNAMIC] = (b->module != NULL);

    snprintf(cmd, sizeof(cmd), "'%s' -V 2>&1", nginx);
    out = rgt_run(cmd, &status);
    if (out == NULL) {
        return b;
    }

    rgt_build_parse_version(b, out);
    b->has[RGT_HTTP_V2] = rgt_build_has_arg(out, "--with-http_v2_module");
    b->has[RGT_HTTP_V3] = rgt_build_has_arg(out, "--with-http_v3_module");
    b->has[RGT_DEBUG] = rgt_build_has_arg(out, "--with-debug");
    b->has[RGT_THREADS] = rgt_build_has_arg(out, "--with-threads");
    rgt_build_stream(b, out);

    free(out);

    return b;
}


int
rgt_build_version(void)
{
    return rgt_build_get()->version;
}


const char *
rgt_build_missing(rgt_feature feature)
{
    static const char  *why[RGT_FEATURES] = {
        "this nginx has no HTTP/2 (built without --with-http_v2_module)",
        "this nginx has no HTTP/3 (built without --with-http_v3_module)",
        "this nginx logs nothing at debug (built without --with-debug)",
        "this nginx has no thread pools (built without --with-threads)",
        "the module is built into this nginx (RSTGUARD_MODULE=static):"
        " nothing to load",
        "this nginx has no stream module (neither --with-stream nor"
        " --with-stream=dynamic with its .so installed: Debian's package"
        " libnginx-mod-stream)",
    };

    if (feature >= RGT_FEATURES || rgt_build_get()->has[feature]) {
        return NULL;
    }

    return why[feature];
}
