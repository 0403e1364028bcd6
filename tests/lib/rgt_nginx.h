/*
 * rgt_nginx.h - runs the real /usr/sbin/nginx for integration tests.
 *
 * Each instance gets its own temporary prefix (logs/, html/, tmp/), free
 * loopback ports and its own process group, so tests never share state and
 * a crashed test leaves nothing behind once scripts/run-tests.sh sweeps the
 * process groups recorded in $RGT_TMPDIR/pgids.  Every *_temp_path points
 * under the prefix (@TEMP_PATHS@), so the same tests run as root and as an
 * ordinary user.
 */

#ifndef RGT_NGINX_H
#define RGT_NGINX_H

#include <stddef.h>
#include <sys/types.h>

#define RGT_PORTS  4

typedef struct {
    char   prefix[512];
    char   conf[600];
    int    port[RGT_PORTS];
    pid_t  pid;                 /* the master, 0 when not running */
    char  *tmpl;                /* the last template, to re-pick ports */
} rgt_nginx;

/*
 * The usual head of a test config: the module, 2 workers, the error log at
 * info.  Templates may use @PREFIX@, @PORT0@..@PORT3@, @MODULE@,
 * @LOAD_MODULE@ (nothing when the module is built in: rgt_build.h),
 * @LOAD_STREAM@ (the stream module's load_module, when it is a .so),
 * @TEMP_PATHS@ (the five *_temp_path lines, for http{}) and @HTTP2@.
 *
 * @HTTP2@ is written last in a listen directive, before its ';':
 * "listen 127.0.0.1:@PORT1@ sndbuf=32k @HTTP2@;".  It becomes what the
 * running nginx wants ("http2" before 1.25.1, "; http2 on" from 1.25.1,
 * which enables HTTP/2 for the whole server), so no test spells the
 * version-dependent syntax itself.
 */
#define RGT_CONF_HEAD                                                        \
    "@LOAD_MODULE@\n"                                                        \
    "worker_processes 2;\n"                                                  \
    "pid @PREFIX@/nginx.pid;\n"                                              \
    "error_log @PREFIX@/logs/error.log info;\n"                              \
    "events { worker_connections 512; }\n"

/* Creates the prefix and picks free ports; 0 or -1. */
int rgt_nginx_init(rgt_nginx *n);

/* Expands the template and writes it as the config; 0 or -1. */
int rgt_nginx_write_conf(rgt_nginx *n, const char *tmpl);

/* Writes a file under the prefix (html/big.bin, ...); 0 or -1. */
int rgt_nginx_write_file(rgt_nginx *n, const char *rel, const void *data,
    size_t len);

/* Creates a file of `size` bytes under the prefix, filled with a pattern. */
int rgt_nginx_make_file(rgt_nginx *n, const char *rel, size_t size);

/* Runs `nginx -t`; returns its exit status, its output in out. */
int rgt_nginx_test_conf(rgt_nginx *n, char *out, size_t outlen);

/*
 * Starts nginx in the foreground and waits until it has bound its ports
 * (its pid file names it) and PORT0 accepts; 0 or -1.  When another process
 * took one of the ports meanwhile, new ports are picked, the template is
 * expanded again and nginx is started again (a few times).
 */
int rgt_nginx_start(rgt_nginx *n);

/* Sends a signal to the master (SIGHUP reload, SIGUSR1 reopen). */
int rgt_nginx_signal(rgt_nginx *n, int sig);

/*
 * Reloads and waits until the old workers have exited and new ones
 * answer; 0 or -1.
 */
int rgt_nginx_reload(rgt_nginx *n);

/* SIGQUIT, waits for the master (SIGKILL after a timeout); 0 or -1. */
int rgt_nginx_stop(rgt_nginx *n);

/* Stops nginx if running and removes the prefix (kept if RGT_KEEP is set). */
void rgt_nginx_cleanup(rgt_nginx *n);

/* Path of a file under the prefix, in a static buffer per call site. */
const char *rgt_nginx_path(rgt_nginx *n, const char *rel, char *buf,
    size_t size);

/* Reads a file under the prefix, as rgt_read_file; NULL on error. */
char *rgt_nginx_read(rgt_nginx *n, const char *rel);

/* Reads a whole file (NUL-terminated, caller frees); NULL on error. */
char *rgt_read_file(const char *path, size_t *len);

/*
 * Runs a shell command and returns all it wrote to stdout (NUL-terminated,
 * caller frees; NULL on error); *status gets its exit status, or -1 when
 * it did not exit normally.
 */
char *rgt_run(const char *cmd, int *status);

/* Counts the lines of text that contain needle. */
size_t rgt_count_lines(const char *text, const char *needle);

/*
 * Counts nginx's "[notice] PID#TID: exit" lines: one per process that
 * ended normally (a process killed by a signal never writes it).  A
 * worker writes its own to the first file of the main error_log only
 * (nginx's exit log is a copy of that one node); the master to every file.
 */
size_t rgt_count_exit_lines(const char *text);

/* Waits until `path` has at least `lines` lines containing needle. */
int rgt_wait_lines(const char *path, const char *needle, size_t lines,
    int timeout_ms);

/* Sleeps for ms milliseconds. */
void rgt_msleep(int ms);

#endif /* RGT_NGINX_H */
