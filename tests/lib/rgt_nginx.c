/*
 * rgt_nginx.c - runs the real nginx for integration tests (rgt_nginx.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rgt_build.h"
#include "rgt_client.h"
#include "rgt_nginx.h"
#include "rgt_tmp.h"


static int rgt_pick_ports(rgt_nginx *n);
static int rgt_start_once(rgt_nginx *n);
static int rgt_bound(rgt_nginx *n, pid_t pid);


static const char *
rgt_env(const char *name, const char *def)
{
    const char  *v = getenv(name);

    return (v != NULL && v[0] != '\0') ? v : def;
}


void
rgt_msleep(int ms)
{
    struct timespec  ts;

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long) (ms % 1000) * 1000000L;

    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
        /* go on sleeping */
    }
}


/*
 * A free loopback port below the kernel's ephemeral range (32768+), so the
 * client sockets of concurrent test runs never take it between the check
 * here and nginx's bind(); rgt_nginx_start() still retries on EADDRINUSE.
 */
static int
rgt_free_port(void)
{
    static unsigned     seed;
    int                 fd, port, try, one = 1;
    struct sockaddr_in  sin;

    if (seed == 0) {
        seed = (unsigned) getpid() ^ (unsigned) time(NULL);
    }

    for (try = 0; try < 200; try++) {
        port = 20000 + (int) (rand_r(&seed) % 12000);

        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd == -1) {
            return -1;
        }

        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        memset(&sin, 0, sizeof(sin));
        sin.sin_family = AF_INET;
        sin.sin_port = htons((unsigned short) port);
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

        if (bind(fd, (struct sockaddr *) &sin, sizeof(sin)) == 0) {
            close(fd);
            return port;
        }

        close(fd);
    }

    return -1;
}


static int
rgt_mkdir(const char *prefix, const char *rel)
{
    char  path[PATH_MAX];

    snprintf(path, sizeof(path), "%s/%s", prefix, rel);

    if (mkdir(path, 0755) == -1 && errno != EEXIST) {
        return -1;
    }

    /* as root, workers run as nobody and must read the prefix */
    return chmod(path, 0755);
}


int
rgt_nginx_init(rgt_nginx *n)
{
    const char  *tmp;

    memset(n, 0, sizeof(*n));

    tmp = rgt_env("RGT_TMPDIR", rgt_env("TMPDIR", "/tmp"));
    snprintf(n->prefix, sizeof(n->prefix), "%s/nginx.XXXXXX", tmp);

    if (mkdtemp(n->prefix) == NULL || chmod(n->prefix, 0755) == -1) {
        return -1;
    }

    if (rgt_mkdir(n->prefix, "logs") || rgt_mkdir(n->prefix, "html")
        || rgt_mkdir(n->prefix, "tmp") || rgt_mkdir(n->prefix, "conf"))
    {
        return -1;
    }

    snprintf(n->conf, sizeof(n->conf), "%s/conf/nginx.conf", n->prefix);

    return rgt_pick_ports(n);
}


static int
rgt_pick_ports(rgt_nginx *n)
{
    int  i, j;

    for (i = 0; i < RGT_PORTS; i++) {
        do {
            n->port[i] = rgt_free_port();
            for (j = 0; j < i; j++) {
                if (n->port[j] == n->port[i]) {
                    n->port[i] = 0;
                }
            }
        } while (n->port[i] == 0);

        if (n->port[i] < 0) {
            return -1;
        }
    }

    return 0;
}


/* Appends s to the buffer; -1 when it does not fit. */
static int
rgt_append(char *buf, size_t size, size_t *len, const char *s, size_t slen)
{
    if (*len + slen + 1 > size) {
        return -1;
    }

    memcpy(buf + *len, s, slen);
    *len += slen;
    buf[*len] = '\0';

    return 0;
}


/*
 * The HTTP/2 part of a listen line for the running nginx: before 1.25.1 a
 * listen parameter; from 1.25.1 that parameter is deprecated (a [warn] the
 * exact-log tests would see) and the server-level "http2 on;" replaces it,
 * so the placeholder closes the listen directive and adds it.  Nothing
 * when nginx has no HTTP/2 (the tests that need it are skipped).
 */
static const char *
rgt_http2(void)
{
    if (rgt_build_missing(RGT_HTTP_V2) != NULL) {
        return "";
    }

    return rgt_build_version() >= RGT_NGX_VERSION(1, 25, 1)
           ? "; http2 on" : "http2";
}


static int
rgt_expand(rgt_nginx *n, const char *tmpl, char *out, size_t size)
{
    size_t       len = 0, vlen;
    const char  *p, *end, *module;
    char         name[64], value[4096];

    module = rgt_build_get()->module;

    for (p = tmpl; *p; p++) {
        end = (*p == '@') ? strchr(p + 1, '@') : NULL;

        if (end == NULL || (size_t) (end - p - 1) >= sizeof(name)) {
            if (rgt_append(out, size, &len, p, 1) != 0) {
                return -1;
            }
            continue;
        }

        memcpy(name, p + 1, (size_t) (end - p - 1));
        name[end - p - 1] = '\0';
        value[0] = '\0';

        if (strcmp(name, "PREFIX") == 0) {
            snprintf(value, sizeof(value), "%s", n->prefix);

        } else if (strcmp(name, "MODULE") == 0) {
            snprintf(value, sizeof(value), "%s", module ? module : "");

        } else if (strcmp(name, "LOAD_MODULE") == 0) {
            /* a static build has the module already: no load_module */
            if (module != NULL) {
                snprintf(value, sizeof(value), "load_module %s;", module);
            }

        } else if (strcmp(name, "LOAD_STREAM") == 0) {
            /* the stream module's .so, when it is one */
            if (rgt_build_get()->stream[0] != '\0') {
                snprintf(value, sizeof(value), "load_module %s;",
                         rgt_build_get()->stream);
            }

        } else if (strcmp(name, "HTTP2") == 0) {
            snprintf(value, sizeof(value), "%s", rgt_http2());

        } else if (strcmp(name, "TEMP_PATHS") == 0) {
            snprintf(value, sizeof(value),
                     "client_body_temp_path %s/tmp/body;\n"
                     "proxy_temp_path %s/tmp/proxy;\n"
                     "fastcgi_temp_path %s/tmp/fastcgi;\n"
                     "uwsgi_temp_path %s/tmp/uwsgi;\n"
                     "scgi_temp_path %s/tmp/scgi;\n",
                     n->prefix, n->prefix, n->prefix, n->prefix, n->prefix);

        } else if (strncmp(name, "PORT", 4) == 0 && name[4] >= '0'
                   && name[4] < '0' + RGT_PORTS && name[5] == '\0')
        {
            snprintf(value, sizeof(value), "%d", n->port[name[4] - '0']);

        } else {
            /* not a placeholder: copy the '@' and go on */
            if (rgt_append(out, size, &len, p, 1) != 0) {
                return -1;
            }
            continue;
        }

        vlen = strlen(value);
        if (rgt_append(out, size, &len, value, vlen) != 0) {
            return -1;
        }

        p = end;
    }

    return 0;
}


int
rgt_nginx_write_conf(rgt_nginx *n, const char *tmpl)
{
    size_t  size = strlen(tmpl) * 2 + 65536;
    char   *buf;
    int     rc;

    if (n->tmpl != tmpl) {
        free(n->tmpl);
        n->tmpl = strdup(tmpl);
    }

    buf = malloc(size);
    if (buf == NULL) {
        return -1;
    }

    buf[0] = '\0';

    rc = rgt_expand(n, tmpl, buf, size);
    if (rc == 0) {
        rc = rgt_nginx_write_file(n, "conf/nginx.conf", buf, strlen(buf));
    }

    free(buf);

    return rc;
}


int
rgt_nginx_write_file(rgt_nginx *n, const char *rel, const void *data,
    size_t len)
{
    char  path[PATH_MAX];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", n->prefix, rel);

    f = fopen(path, "w");
    if (f == NULL) {
        return -1;
    }

    if (len && fwrite(data, 1, len, f) != len) {
        fclose(f);
        return -1;
    }

    if (fclose(f) != 0) {
        return -1;
    }

    return chmod(path, 0644);
}


int
rgt_nginx_make_file(rgt_nginx *n, const char *rel, size_t size)
{
    char    path[PATH_MAX], block[65536];
    size_t  i, left;
    FILE   *f;

    for (i = 0; i < sizeof(block); i++) {
        block[i] = (char) ('a' + i % 26);
    }

    snprintf(path, sizeof(path), "%s/%s", n->prefix, rel);

    f = fopen(path, "w");
    if (f == NULL) {
        return -1;
    }

    for (left = size; left > 0; left -= i) {
        i = left < sizeof(block) ? left : sizeof(block);
        if (fwrite(block, 1, i, f) != i) {
            fclose(f);
            return -1;
        }
    }

    if (fclose(f) != 0) {
        return -1;
    }

    return chmod(path, 0644);
}


const char *
rgt_nginx_path(rgt_nginx *n, const char *rel, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", n->prefix, rel);
    return buf;
}


char *
rgt_nginx_read(rgt_nginx *n, const char *rel)
{
    char  path[1024];

    return rgt_read_file(rgt_nginx_path(n, rel, path, sizeof(path)), NULL);
}


/* Runs nginx with extra arguments, output into out; returns exit status. */
static int
rgt_nginx_run(rgt_nginx *n, const char *arg, char *out, size_t outlen)
{
    int    pfd[2], status;
    pid_t  pid;
    size_t len = 0;
    ssize_t r;

    if (pipe(pfd) == -1) {
        return -1;
    }

    pid = fork();
    if (pid == -1) {
        return -1;
    }

    if (pid == 0) {
        dup2(pfd[1], STDOUT_FILENO);
        dup2(pfd[1], STDERR_FILENO);
        close(pfd[0]);
        close(pfd[1]);
        execl(rgt_env("RSTGUARD_NGINX", "/usr/sbin/nginx"), "nginx",
              "-p", n->prefix, "-c", n->conf, arg, (char *) NULL);
        _exit(127);
    }

    close(pfd[1]);

    while ((r = read(pfd[0], out + len, outlen - len - 1)) > 0) {
        len += (size_t) r;
        if (len + 1 >= outlen) {
            break;
        }
    }

    out[len] = '\0';
    close(pfd[0]);

    if (waitpid(pid, &status, 0) == -1) {
        return -1;
    }

    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}


int
rgt_nginx_test_conf(rgt_nginx *n, char *out, size_t outlen)
{
    return rgt_nginx_run(n, "-t", out, outlen);
}


/* Records the process group so run-tests.sh can sweep it after a crash. */
static void
rgt_record_pgid(pid_t pgid)
{
    char        path[PATH_MAX];
    const char *dir = getenv("RGT_TMPDIR");
    FILE       *f;

    if (dir == NULL) {
        return;
    }

    snprintf(path, sizeof(path), "%s/pgids", dir);

    f = fopen(path, "a");
    if (f != NULL) {
        fprintf(f, "%d\n", (int) pgid);
        fclose(f);
    }
}


static int
rgt_port_ready(int port)
{
    int  fd = rgt_connect(port, NULL, 0);

    if (fd == -1) {
        return 0;
    }

    close(fd);
    return 1;
}


static int
rgt_start_once(rgt_nginx *n)
{
    int    i, fd, status;
    pid_t  pid;
    char   path[PATH_MAX];

    pid = fork();
    if (pid == -1) {
        return -1;
    }

    if (pid == 0) {
        setpgid(0, 0);
        snprintf(path, sizeof(path), "%s/logs/stderr.log", n->prefix);
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd != -1) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        execl(rgt_env("RSTGUARD_NGINX", "/usr/sbin/nginx"), "nginx",
              "-p", n->prefix, "-c", n->conf, "-g", "daemon off;",
              (char *) NULL);
        _exit(127);
    }

    setpgid(pid, pid);
    n->pid = pid;
    rgt_record_pgid(pid);

    for (i = 0; i < 500; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            n->pid = 0;
            return -1;
        }

        if (rgt_bound(n, pid) && rgt_port_ready(n->port[0])) {
            return 0;
        }

        rgt_msleep(10);
    }

    rgt_nginx_stop(n);

    return -1;
}


/* True once nginx has bound every port: it writes its pid file after. */
static int
rgt_bound(rgt_nginx *n, pid_t pid)
{
    char   path[PATH_MAX], *text;
    int    ours;

    if (n->tmpl != NULL && strstr(n->tmpl, "pid @PREFIX@/nginx.pid") == NULL) {
        return 1;               /* a custom pid path: the port check decides */
    }

    snprintf(path, sizeof(path), "%s/nginx.pid", n->prefix);
    text = rgt_read_file(path, NULL);
    ours = text != NULL && atoi(text) == (int) pid;
    free(text);

    return ours;
}


static int
rgt_port_taken(rgt_nginx *n)
{
    char   path[PATH_MAX], *text;
    int    taken;

    snprintf(path, sizeof(path), "%s/logs/stderr.log", n->prefix);
    text = rgt_read_file(path, NULL);
    taken = text != NULL && strstr(text, "Address already in use") != NULL;
    free(text);

    return taken;
}


int
rgt_nginx_start(rgt_nginx *n)
{
    int   attempt;
    char  path[PATH_MAX];

    for (attempt = 0; attempt < 5; attempt++) {
        if (rgt_start_once(n) == 0) {
            return 0;
        }

        if (n->tmpl == NULL || !rgt_port_taken(n)) {
            return -1;
        }

        /* another test took a port between the check and bind(): again */
        snprintf(path, sizeof(path), "%s/logs/stderr.log", n->prefix);
        if (truncate(path, 0) == -1) {
            return -1;
        }
        snprintf(path, sizeof(path), "%s/logs/error.log", n->prefix);
        if (truncate(path, 0) == -1 && errno != ENOENT) {
            return -1;
        }

        if (rgt_pick_ports(n) != 0 || rgt_nginx_write_conf(n, n->tmpl) != 0) {
            return -1;
        }
    }

    return -1;
}


int
rgt_nginx_signal(rgt_nginx *n, int sig)
{
    if (n->pid == 0) {
        return -1;
    }

    return kill(n->pid, sig);
}


/* Counts the worker processes of the master (children in /proc). */
static int
rgt_count_children(pid_t ppid, char *names, size_t size)
{
    char  path[PATH_MAX], *buf;
    FILE *f;
    int   count = 0;
    size_t len;

    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int) ppid,
             (int) ppid);

    f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }

    buf = names;
    len = fread(buf, 1, size - 1, f);
    buf[len] = '\0';
    fclose(f);

    for (char *p = buf; *p; p++) {
        if (*p >= '0' && *p <= '9' && (p == buf || p[-1] == ' ')) {
            count++;
        }
    }

    return count;
}


int
rgt_nginx_reload(rgt_nginx *n)
{
    char  before[1024], now[1024];
    int   i;

    if (rgt_count_children(n->pid, before, sizeof(before)) < 0
        || rgt_nginx_signal(n, SIGHUP) == -1)
    {
        return -1;
    }

    /* done when none of the old worker pids is a child any more */
    for (i = 0; i < 1000; i++) {
        rgt_msleep(10);

        if (rgt_count_children(n->pid, now, sizeof(now)) < 0) {
            return -1;
        }

        int   old_left = 0;
        char *save, *tok, copy[1024];

        snprintf(copy, sizeof(copy), "%s", before);

        for (tok = strtok_r(copy, " \n", &save); tok != NULL;
             tok = strtok_r(NULL, " \n", &save))
        {
            char  needle[32];

            snprintf(needle, sizeof(needle), " %s ", tok);

            char  padded[1100];
            snprintf(padded, sizeof(padded), " %s ", now);

            if (strstr(padded, needle) != NULL) {
                old_left = 1;
            }
        }

        if (!old_left && rgt_port_ready(n->port[0])) {
            return 0;
        }
    }

    return -1;
}


int
rgt_nginx_stop(rgt_nginx *n)
{
    int    i, status;
    pid_t  pid = n->pid;

    if (pid == 0) {
        return 0;
    }

    kill(pid, SIGQUIT);

    for (i = 0; i < 1000; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            n->pid = 0;
            /* a worker still shutting down belongs to the same group */
            kill(-pid, SIGKILL);
            return 0;
        }
        rgt_msleep(10);
    }

    kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
    n->pid = 0;

    return -1;
}


void
rgt_nginx_cleanup(rgt_nginx *n)
{
    rgt_nginx_stop(n);

    free(n->tmpl);
    n->tmpl = NULL;

    if (rgt_tmp_remove(n->prefix) != 0) {
        fprintf(stderr, "could not remove %s\n", n->prefix);
    }
}


char *
rgt_run(const char *cmd, int *status)
{
    FILE    *p;
    char    *buf, *more;
    size_t   len = 0, cap = 1 << 16, n;
    int      st;

    *status = -1;
    p = popen(cmd, "r");
    if (p == NULL) {
        return NULL;
    }

    buf = malloc(cap);
    while (buf != NULL && (n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len == 1) {
            more = realloc(buf, cap * 2);
            if (more == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = more;
            cap *= 2;
        }
    }

    st = pclose(p);
    if (buf == NULL) {
        return NULL;
    }
    buf[len] = '\0';
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;

    return buf;
}


char *
rgt_read_file(const char *path, size_t *len)
{
    FILE   *f;
    char   *buf;
    long    size;
    size_t  got;

    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }

    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        fclose(f);
        return NULL;
    }

    buf = malloc((size_t) size + 1);
    if (buf == NULL) {
        fclose(f);
        return NULL;
    }

    got = fread(buf, 1, (size_t) size, f);
    buf[got] = '\0';
    fclose(f);

    if (len != NULL) {
        *len = got;
    }

    return buf;
}


size_t
rgt_count_lines(const char *text, const char *needle)
{
    size_t       count = 0;
    const char  *line, *nl, *hit;

    for (line = text; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        hit = strstr(line, needle);

        if (hit != NULL && (nl == NULL || hit < nl)) {
            count++;
        }
    }

    return count;
}


size_t
rgt_count_exit_lines(const char *text)
{
    size_t       count = 0;
    const char  *line, *nl, *lvl;

    for (line = text; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl == NULL) {
            break;
        }

        lvl = strstr(line, "[notice] ");

        if (nl - line > 6 && memcmp(nl - 6, ": exit", 6) == 0
            && lvl != NULL && lvl < nl)
        {
            count++;
        }
    }

    return count;
}


int
rgt_wait_lines(const char *path, const char *needle, size_t lines,
    int timeout_ms)
{
    int    waited;
    char  *text;
    size_t have;

    for (waited = 0; waited <= timeout_ms; waited += 20) {
        text = rgt_read_file(path, NULL);
        have = text ? rgt_count_lines(text, needle) : 0;
        free(text);

        if (have >= lines) {
            return 0;
        }

        rgt_msleep(20);
    }

    return -1;
}
