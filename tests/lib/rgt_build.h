/*
 * rgt_build.h - what the nginx under test is: its version, whether the
 * module is built in (static) or loaded (dynamic), and the features the
 * tests depend on.  Read once from `$RSTGUARD_NGINX -V`.
 *
 * The integration tests run against any nginx from 1.22 on (make matrix):
 * configs are written for the running version through the template
 * placeholders of rgt_nginx.h (@LOAD_MODULE@, @HTTP2@), and a test that
 * needs a feature the build lacks says so and is skipped (RGT_NEED).
 */

#ifndef RGT_BUILD_H
#define RGT_BUILD_H

/* nginx_version of a release: 1.25.1 is 1025001 */
#define RGT_NGX_VERSION(a, b, c)  ((a) * 1000000 + (b) * 1000 + (c))

typedef enum {
    RGT_HTTP_V2 = 0,
    RGT_HTTP_V3,
    RGT_DEBUG,                  /* --with-debug: debug-level lines */
    RGT_THREADS,                /* --with-threads: thread pools, aio threads */
    RGT_DYNAMIC,                /* the module is a .so given to load_module */
    RGT_STREAM,                 /* the stream module: built in, or its .so
                                   where --modules-path says */
    RGT_FEATURES
} rgt_feature;

typedef struct {
    int          version;       /* RGT_NGX_VERSION, 0 when unknown */
    char         name[32];      /* "nginx", "freenginx", ... */
    int          has[RGT_FEATURES];
    const char  *module;        /* the .so under test, NULL when static */
    char         stream[512];   /* the stream module's .so; "": built in
                                   or absent (has[RGT_STREAM]) */
} rgt_build;

/* The nginx under test (runs `nginx -V` on the first call). */
const rgt_build *rgt_build_get(void);

/* The running nginx's version, as RGT_NGX_VERSION. */
int rgt_build_version(void);

/* Why a test needing feature cannot run here, or NULL when it can. */
const char *rgt_build_missing(rgt_feature feature);

/*
 * Skips the calling test, with the reason printed, when the build lacks
 * the feature.  For Criterion tests (the header does not include it).
 */
#define RGT_NEED(feature)                                                    \
    do {                                                                     \
        const char  *rgt_why_ = rgt_build_missing(feature);                  \
        if (rgt_why_ != NULL) {                                              \
            cr_skip_test("%s", rgt_why_);                                    \
        }                                                                    \
    } while (0)

#endif /* RGT_BUILD_H */
