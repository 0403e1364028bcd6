/*
 * findings_words.c - the advice per server (findings_words.h).  Each
 * setting named here is the server's own, with its default where the
 * advice turns on it.
 */

#include <stddef.h>

#include "findings_words.h"


static const rs_server_words  rs_words[RG_SERVER_COUNT] = {

    [RG_SERVER_NGINX] = {
        "nginx",
        { "request_time", "upstream_response_time" },
        { "$request_time", "$upstream_response_time" },
        NULL, NULL,
        "a firewall, NAT or load balancer drops connections that stay idle"
        " for a fixed time",
        "keep connections busier than every %.0f s or raise that idle"
        " timeout: keepalive_timeout and proxy_read_timeout below it, TCP"
        " keepalive (listen ... so_keepalive=on, proxy_socket_keepalive on),"
        " or an application heartbeat; otherwise raise the idle timeout of"
        " the firewall or load balancer in the path",
        NULL,
        "check that the backend runs and listens where proxy_pass points;"
        " add health checks, a backup server or proxy_next_upstream",
        "log them once per client and interval with the module (rstguard_zone"
        " and access_log ... if=$rstguard_log, rstguard_error_log on); in"
        " Java catch ClientAbortException and the like and log one line"
        " without the stack trace",
        "add capacity (workers, upstream servers, connection limits) or shed"
        " load at the peak minutes listed; check upstream response times"
        " and worker_connections"
    },

    [RG_SERVER_APACHE] = {
        "Apache",
        { NULL, NULL }, { NULL, NULL }, NULL, NULL, NULL, NULL,
        "harmless: nothing to fix in Apache (the client closed the"
        " connection); if they flood the log, leave them out of it with a"
        " condition on CustomLog (Apache 2.4: `CustomLog ... \"expr=...\"`)"
        " or log %X to count them",
        "check that the backend runs and listens where ProxyPass points;"
        " give the worker `retry=` and a second BalancerMember in a"
        " <Proxy balancer://...> (mod_proxy_hcheck for active health"
        " checks) so Apache stops sending to a dead backend",
        "log fewer of them: a condition on CustomLog (`expr=`) for the"
        " access log, and a lower level for the module that writes the"
        " error lines (LogLevel takes module:level pairs)",
        "add capacity (MaxRequestWorkers with the MPM's ServerLimit and"
        " ThreadsPerChild, more backends) or shed load at the peak minutes"
        " listed; check the backends' response times"
    },

    [RG_SERVER_JAVA] = {
        "Tomcat",
        { NULL, NULL }, { NULL, NULL }, NULL, NULL, NULL, NULL,
        "harmless: nothing to fix in the server (ClientAbortException,"
        " Broken pipe: the client left); catch ClientAbortException"
        " (Tomcat) or EofException (Jetty) around the response writes and"
        " log one line without the stack trace",
        "check that the service the application connects to runs and"
        " listens on that address (the stack trace names the client: a JDBC"
        " pool, an HTTP client); give the client a connect timeout, retries"
        " with backoff, and a pool that validates its connections",
        "catch ClientAbortException (Tomcat), EofException (Jetty) and the"
        " like where the response is written and log one line without the"
        " stack trace, or none: the client left",
        "add capacity (the <Connector>'s maxThreads and acceptCount, the"
        " connection pools, more instances) or shed load at the peak"
        " minutes listed; check the response times of what the application"
        " calls"
    },

    [RG_SERVER_HAPROXY] = {
        "HAProxy",
        { "Ta", "Tr" },
        { "HAProxy's Ta", "HAProxy's Tr" },
        "Tt", "HAProxy's Tt",
        "HAProxy's timeout closes connections that stay idle for a fixed"
        " time",
        "HAProxy ends sessions idle for %.0f s: `timeout %s` (cD/sD"
        " termination states: `timeout client` for a silent client,"
        " `timeout server` for a silent server); raise it above the longest"
        " pause the application makes (long polling, slow uploads), use"
        " `timeout tunnel` for WebSocket, or keep the peers sending",
        "harmless: nothing to fix in HAProxy (termination states CD/CL: the"
        " client left); if they flood the log, count them rather than log"
        " each, or send them to a log of their own",
        "check that the server runs and listens on the address of its"
        " `server` line; add `check` to it (with `option httpchk` for an"
        " HTTP health check) so HAProxy takes a dead server out of rotation,"
        " and `retries` with `option redispatch` to try another",
        "log fewer of them: `option dontlognull` leaves out the connections"
        " that sent nothing, and a `log` line of their own with `sample"
        " 1:10` (HAProxy 2.2+) keeps one session in ten",
        "add capacity (`maxconn` in the global and frontend sections sized"
        " for the peak, more `server` lines, a `maxconn` on each of them"
        " with `timeout queue` so the excess waits in HAProxy's queue rather"
        " than on a saturated server) or shed load at the peak minutes"
        " listed; check the servers' response times (Tr)"
    },

    [RG_SERVER_ENVOY] = {
        "Envoy",
        { "DURATION", "X-ENVOY-UPSTREAM-SERVICE-TIME" },
        { "Envoy's %DURATION%",
          "Envoy's %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%" },
        NULL, NULL,
        "an Envoy timeout ends requests or connections that stay idle for a"
        " fixed time",
        "Envoy ends them after %.0f s: the route's `timeout` (15 s by"
        " default, response flag UT), the HTTP connection manager's"
        " `stream_idle_timeout` (5 min, flag SI) or"
        " `common_http_protocol_options.idle_timeout` (1 h, also on the"
        " cluster); raise the one that matches above the longest pause the"
        " application makes (`timeout: 0s` on a streaming route), or keep"
        " the peers sending",
        "harmless: nothing to fix in Envoy (response flag DC: the"
        " downstream closed the connection); if they flood the access log,"
        " sample them with a `runtime_filter` or log only what needs a look"
        " with a `status_code_filter` or `response_flag_filter`",
        "check that the cluster's endpoints run and listen where the"
        " cluster points (flags UF: connection failure, URX: retries"
        " exhausted); add `health_checks` and `outlier_detection` to the"
        " cluster so Envoy stops sending to a dead endpoint, and a"
        " `retry_policy` with `retry_on: connect-failure` on the route",
        "log fewer of them: an access log filter (`runtime_filter` to"
        " sample, `status_code_filter` or `response_flag_filter` to keep"
        " only what needs a look)",
        "add capacity (more endpoints in the cluster, its `circuit_breakers`"
        " max_connections, max_pending_requests and max_requests sized for"
        " the peak) or shed load at the peak minutes listed (a"
        " `local_ratelimit` filter, the `overload_manager`); check the"
        " upstream response times"
    },

    [RG_SERVER_CADDY] = {
        "Caddy",
        { "duration", "duration" },
        { "Caddy's duration", "Caddy's duration" },
        NULL, NULL,
        "a Caddy timeout ends requests or connections that stay idle for a"
        " fixed time",
        "Caddy ends them after %.0f s: the `reverse_proxy` transport's"
        " `read_timeout`, `write_timeout` and `response_header_timeout`"
        " (`transport http { ... }`), or `servers { timeouts { read_body"
        " read_header write idle } }` in the global options (idle 5 min by"
        " default); raise the one that matches above the longest pause the"
        " application makes, set `flush_interval -1` for streamed"
        " responses, or keep the peers sending",
        "harmless: nothing to fix in Caddy (the client went away: \"context"
        " canceled\", status 499); if they flood the log, leave the paths"
        " out with `log_skip` (`skip_log` before Caddy 2.8) or sample the"
        " log",
        "check that the backend runs and listens on the `reverse_proxy`"
        " upstream's address (\"dial tcp ...: connection refused\"); add"
        " active (`health_uri`) or passive (`fail_duration`) health checks,"
        " a second upstream, and `lb_try_duration` so Caddy tries another",
        "log fewer of them: `log_skip` for the paths that abort most, or"
        " sampling in the `log` directive",
        "add capacity (more `reverse_proxy` upstreams with an `lb_policy`,"
        " the transport's `max_conns_per_host` sized for the peak) or shed"
        " load at the peak minutes listed; check the upstream response"
        " times"
    },
};


void
rs_server_words_of(rg_server s, rs_server_words *w)
{
    const rs_server_words  *d = &rs_words[RG_SERVER_NGINX];
    int                     i;

    *w = rs_words[(int) s >= 0 && s < RG_SERVER_COUNT ? s : RG_SERVER_NGINX];

    for (i = 0; i < 2; i++) {
        w->time_field[i] = w->time_field[i] ? w->time_field[i]
                                            : d->time_field[i];
        w->time_name[i] = w->time_name[i] ? w->time_name[i] : d->time_name[i];
    }

    w->idle_cause = w->idle_cause ? w->idle_cause : d->idle_cause;
    w->idle_advice = w->idle_advice ? w->idle_advice : d->idle_advice;
    w->backend_down = w->backend_down ? w->backend_down : d->backend_down;
    w->bloat = w->bloat ? w->bloat : d->bloat;
    w->overload = w->overload ? w->overload : d->overload;
}
