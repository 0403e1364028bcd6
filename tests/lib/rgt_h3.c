/*
 * rgt_h3.c - the HTTP/3 client of the integration tests (rgt_h3.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rgt_build.h"
#include "rgt_h3.h"
#include "rgt_nginx.h"

#define RGT_H3_CLIENT  "gtlsclient"


/* 1 when `command -v name` finds it */
static int
rgt_h3_have(const char *name)
{
    char  cmd[256], *out;
    int   status;

    snprintf(cmd, sizeof(cmd), "command -v %s", name);
    out = rgt_run(cmd, &status);
    free(out);

    return status == 0;
}


const char *
rgt_h3_unavailable(void)
{
    const char  *why;

    why = rgt_build_missing(RGT_HTTP_V3);
    if (why != NULL) {
        return why;
    }

    if (!rgt_h3_have(RGT_H3_CLIENT)) {
        return RGT_H3_CLIENT " not installed (Debian package ngtcp2-client)";
    }

    if (!rgt_h3_have("openssl")) {
        return "openssl not installed (it makes the test's certificate)";
    }

    return NULL;
}


int
rgt_h3_make_cert(const char *key, const char *cert)
{
    char  cmd[2 * PATH_MAX + 256], *out;
    int   status;

    snprintf(cmd, sizeof(cmd),
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256"
             " -nodes -keyout '%s' -out '%s' -days 2 -subj /CN=localhost"
             " 2>&1 && chmod 0644 '%s'", key, cert, key);
    out = rgt_run(cmd, &status);
    free(out);

    return status == 0 ? 0 : -1;
}


pid_t
rgt_h3_get(int port, const char *path, const char *dldir,
    const char *logpath, int stay)
{
    pid_t  pid;
    int    fd;
    char   portstr[16], uri[PATH_MAX], dl[PATH_MAX + 16];

    snprintf(portstr, sizeof(portstr), "%d", port);
    snprintf(uri, sizeof(uri), "https://localhost:%d%s", port, path);
    snprintf(dl, sizeof(dl), "--download=%s", dldir);

    pid = fork();
    if (pid != 0) {
        return pid;
    }

    fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd != -1) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
    }

    /* its own idle timeout ends it even if the test dies */
    execlp(RGT_H3_CLIENT, RGT_H3_CLIENT, "--quiet", "--no-quic-dump",
           "--no-http-dump", "--timeout=30s", dl,
           stay ? "--quiet" : "--exit-on-all-streams-close",
           "127.0.0.1", portstr, uri, (char *) NULL);
    _exit(127);
}


int
rgt_h3_wait_bytes(const char *file, off_t min, int timeout_ms)
{
    struct stat  st;
    int          waited;

    for (waited = 0; waited <= timeout_ms; waited += 20) {
        if (stat(file, &st) == 0 && st.st_size >= min) {
            return 0;
        }

        rgt_msleep(20);
    }

    return -1;
}


int
rgt_h3_reap(pid_t pid, int timeout_ms)
{
    int    status, waited;
    pid_t  rc;

    for (waited = 0; waited <= timeout_ms; waited += 20) {
        rc = waitpid(pid, &status, WNOHANG);

        if (rc == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }

        if (rc == -1 && errno != EINTR) {
            return -1;
        }

        rgt_msleep(20);
    }

    kill(pid, SIGKILL);
    kill(pid, SIGCONT);
    waitpid(pid, &status, 0);

    return -1;
}
