/*
 * Apache 2.4 mappings of rules/README.md "How a record maps to a class": error-log
 * messages (after the bracketed prefix) with their module, access-log
 * status and %X.
 */

#include <criterion/criterion.h>

#include "test_rules_helpers.h"

TestSuite(map_apache, .init = trh_shipped_setup, .fini = trh_teardown);

typedef struct {
    const char  *module;
    const char  *message;
    const char  *cls;
} apache_case;


Test(map_apache, error_log)
{
    static const apache_case  cases[] = {
        { "core", "(104)Connection reset by peer: AH00574: "
          "ap_content_length_filter: apr_bucket_read() failed",
          "client_reset" },
        { "proxy_http", "(104)Connection reset by peer: AH01102: error "
          "reading status line from remote server 127.0.0.1:8080",
          "upstream_reset" },
        { "proxy", "(104)Connection reset by peer: AH00957: HTTP: attempt "
          "to connect to 10.0.0.5:8080 (10.0.0.5) failed", "upstream_reset" },
        { "proxy_fcgi", "(104)Connection reset by peer: AH01075: Error "
          "dispatching request to : ", "upstream_reset" },
        { "core", "(OS 10054)An existing connection was forcibly closed by "
          "the remote host.  : AH00574: ap_content_length_filter: "
          "apr_bucket_read() failed", "client_reset" },
        { "core", "(32)Broken pipe: AH00574: ap_content_length_filter: "
          "apr_bucket_read() failed", "broken_pipe" },
        { "http", "(32)Broken pipe: AH01075: Error sending response",
          "broken_pipe" },
        { "proxy", "(111)Connection refused: AH00957: HTTP: attempt to "
          "connect to 127.0.0.1:8080 (127.0.0.1) failed",
          "upstream_refused" },
        { "core", "(70007)The timeout specified has expired: AH01382: "
          "Request header read timeout", "client_timeout" },
        { "proxy_http", "(70007)The timeout specified has expired: AH01102: "
          "error reading status line from remote server 10.0.0.5:8080",
          "upstream_timeout" },
        { "core", "(103)Software caused connection abort: AH00574: "
          "ap_content_length_filter: apr_bucket_read() failed",
          "conn_aborted" },
        { "core", "(OS 10053)An established connection was aborted by the "
          "software in your host machine.  : AH00574: "
          "ap_content_length_filter: apr_bucket_read() failed",
          "conn_aborted" },
        /* the system's connect timeout: no answer from the backend */
        { "proxy", "(110)Connection timed out: AH00957: HTTP: attempt to "
          "connect to 10.0.0.5:8080 (10.0.0.5) failed", "upstream_timeout" },
        { "proxy", "(OS 10060)A connection attempt failed because the "
          "connected party did not properly respond after a period of time, "
          "or established connection failed because connected host has "
          "failed to respond.  : AH00957: HTTP: attempt to connect to "
          "10.0.0.5:8080 (10.0.0.5) failed", "upstream_timeout" },
        { "core", "(110)Connection timed out: AH00574: "
          "ap_content_length_filter: apr_bucket_read() failed",
          "client_timeout" },
        /* the client's request body, read by the proxy */
        { "proxy_http", "(104)Connection reset by peer: AH01095: prefetch "
          "request body failed to 127.0.0.1:8080 (127.0.0.1) from "
          "198.51.100.24 ()", "client_reset" },
        /* writing the request to the backend */
        { "proxy_http", "(32)Broken pipe: AH01084: pass request body "
          "failed to [::1]:8080 (localhost)", "upstream_closed" },
        /* no status line from the backend */
        { "proxy_http", "(20014)Internal error (specific information not "
          "available): AH01102: error reading status line from remote "
          "server 127.0.0.1:9001", "upstream_closed" },
        { "proxy_http", "(70014)End of file found: AH01102: error reading "
          "status line from remote server 127.0.0.1:8080", "upstream_closed" },
        { "proxy", "(70014)End of file found: proxy: error reading status "
          "line from remote server 127.0.0.1:8080", "upstream_closed" },
        { "reqtimeout", "AH01382: Request header read timeout",
          "client_timeout" },
        { "reqtimeout", "AH01382: Request body read timeout",
          "client_timeout" },
        /* Windows in another language: the number decides */
        { "core", "(OS 10054)Eine vorhandene Verbindung wurde vom Remotehost "
          "geschlossen.  : AH00574: ap_content_length_filter: "
          "apr_bucket_read() failed", "client_reset" },
        { "proxy", "(OS 10061)No se puede establecer una conexión ya que el "
          "equipo de destino denegó expresamente dicha conexión.  : AH00957: "
          "HTTP: attempt to connect to 127.0.0.1:8080 (localhost) failed",
          "upstream_refused" },
        { "core", "(OS 10053)Une connexion établie a été abandonnée par un "
          "logiciel de votre ordinateur hôte.  : AH00574: "
          "ap_content_length_filter: apr_bucket_read() failed",
          "conn_aborted" },
        /* mod_proxy_ajp: the failed read (AH01030) counts, its repeats
           (AH00992, AH00878 with the same status) do not */
        { "proxy_ajp", "(70007)The timeout specified has expired: AH01030: "
          "ajp_ilink_receive() can't receive header", "upstream_timeout" },
        { "proxy_ajp", "(104)Connection reset by peer: AH01030: "
          "ajp_ilink_receive() can't receive header", "upstream_reset" },
        { "proxy_ajp", "AH00992: ajp_read_header: ajp_ilink_receive failed",
          "none" },
        { "proxy_ajp", "(70007)The timeout specified has expired: AH00878: "
          "read response failed from [::1]:8009 (localhost)", "none" },
        { "proxy_ajp", "(104)Connection reset by peer: AH00878: read "
          "response failed from 127.0.0.1:8009 (localhost)", "none" },
        { "proxy_ajp", "(120006)APR does not understand this error code: "
          "AH00878: read response failed from [::1]:8009 (localhost)",
          "none" },
        /* not aborts */
        { "proxy", "AH00898: Error reading from remote server returned by "
          "/api/1.1/createSession", "none" },

        { "core", "AH00126: Invalid URI in request GET /%(104)Connection "
          "reset by peer HTTP/1.1", "none" },
        { "authz_core", "AH01630: client denied by server configuration: "
          "/var/www/html/.git", "none" },
        { "ssl", "AH02032: Hostname example.com provided via SNI and "
          "hostname www.example.com provided via HTTP have no compatible SSL "
          "setup", "none" },
        { "php7", "PHP Warning:  Undefined variable $x in "
          "/var/www/html/index.php on line 3", "none" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cr_expect_str_eq(trh_class(trh_message(RG_FORMAT_APACHE_ERROR,
                                               cases[i].message,
                                               RG_FIELD_MODULE,
                                               cases[i].module)),
                         cases[i].cls, "[%s] %s", cases[i].module,
                         cases[i].message);
    }
}


Test(map_apache, access_log)
{
    cr_expect_str_eq(trh_class(trh_message(RG_FORMAT_APACHE_ACCESS, "408",
                                           RG_FIELD_COMPLETION, "-")),
                     "client_timeout");
    cr_expect_str_eq(trh_class(trh_message(RG_FORMAT_APACHE_ACCESS, "408",
                                           0, NULL)),
                     "client_timeout");
    cr_expect_str_eq(trh_class(trh_message(RG_FORMAT_APACHE_ACCESS, "200",
                                           RG_FIELD_COMPLETION, "X")),
                     "client_closed");
    cr_expect_str_eq(trh_class(trh_message(RG_FORMAT_APACHE_ACCESS, "206",
                                           RG_FIELD_COMPLETION, "X")),
                     "client_closed");
    cr_expect_str_eq(trh_class(trh_message(RG_FORMAT_APACHE_ACCESS, "200",
                                           RG_FIELD_COMPLETION, "+")),
                     "none");
    cr_expect_str_eq(trh_class(trh_message(RG_FORMAT_APACHE_ACCESS, "200",
                                           RG_FIELD_COMPLETION, "-")),
                     "none");
    cr_expect_str_eq(trh_class(trh_message(RG_FORMAT_APACHE_ACCESS, "200",
                                           0, NULL)),
                     "none");
    /* 499 is no status of Apache's: a common-format log of nginx's,
       Traefik's or Caddy's, whose client went away */
    cr_expect_str_eq(trh_class(trh_message(RG_FORMAT_APACHE_ACCESS, "499",
                                           0, NULL)),
                     "client_closed");
    cr_expect_str_eq(trh_class(trh_message(RG_FORMAT_APACHE_ACCESS, "498",
                                           0, NULL)),
                     "none");
}
