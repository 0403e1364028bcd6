/*
 * Java / Tomcat records, rules/README.md "How a record maps to a class": the java
 * rules on each physical line, then one class per record (rg_java.h).
 */

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "test_rules_helpers.h"

TestSuite(map_java, .init = trh_shipped_setup, .fini = trh_teardown);

#define TOMCAT "21-Nov-2026 10:00:03.412 SEVERE [http-nio-8080-exec-7] " \
    "org.apache.catalina.core.StandardWrapperValve.invoke Servlet.service() " \
    "for servlet [dispatcher] in context with path [] threw exception\n"
#define SPRING "2026-11-21 10:00:03.412  WARN 4121 --- [nio-8080-exec-7] " \
    ".w.s.m.s.DefaultHandlerExceptionResolver : Failure while trying to " \
    "resolve exception\n"
#define OUTPUT_FRAMES \
    "\tat org.apache.catalina.connector.OutputBuffer.realWriteBytes(OutputBuffer.java:353)\n" \
    "\tat org.apache.catalina.connector.OutputBuffer.flushByteBuffer(OutputBuffer.java:784)\n" \
    "\tat org.apache.catalina.connector.CoyoteOutputStream.write(CoyoteOutputStream.java:116)\n"
#define NIO_WRITE_FRAMES \
    "\tat sun.nio.ch.FileDispatcherImpl.write0(Native Method)\n" \
    "\tat sun.nio.ch.SocketDispatcher.write(SocketDispatcher.java:47)\n" \
    "\tat org.apache.tomcat.util.net.NioChannel.write(NioChannel.java:135)\n" \
    "\t... 48 more\n"


Test(map_java, client_abort_broken_pipe)
{
    cr_expect_eq(trh_java(TOMCAT
        "\torg.apache.catalina.connector.ClientAbortException: java.io.IOException: Broken pipe\n"
        OUTPUT_FRAMES
        "\tCaused by: java.io.IOException: Broken pipe\n"
        NIO_WRITE_FRAMES), RG_CLASS_BROKEN_PIPE);

    /* Spring's one-line form */
    cr_expect_eq(trh_java("2026-11-21 10:00:04.100  WARN 4121 --- [nio-8080-exec-2] "
        ".w.s.m.s.DefaultHandlerExceptionResolver : Resolved "
        "[org.apache.catalina.connector.ClientAbortException: java.io.IOException: Broken pipe]"),
        RG_CLASS_BROKEN_PIPE);
}


Test(map_java, bare_client_abort_is_client_closed)
{
    cr_expect_eq(trh_java(TOMCAT
        "\torg.apache.catalina.connector.ClientAbortException: java.io.EOFException\n"
        OUTPUT_FRAMES
        "\tCaused by: java.io.EOFException\n"
        "\tat org.apache.tomcat.util.net.NioEndpoint$NioSocketWrapper.fillReadBuffer(NioEndpoint.java:1294)\n"),
        RG_CLASS_CLIENT_CLOSED);
    cr_expect_eq(trh_java("21-Nov-2026 10:00:05.001 WARNING [http-nio-8080-exec-1] "
        "org.apache.catalina.core.ApplicationDispatcher.invoke "
        "org.apache.catalina.connector.ClientAbortException"),
        RG_CLASS_CLIENT_CLOSED);
}


/* Jetty's EofException alone: the client's connection ended; Undertow's
   UT000128: the client left before its request body was read. */
Test(map_java, jetty_eof_is_client_closed)
{
    cr_expect_eq(trh_java("2026-11-21 10:06:01,421 ERROR [io.undertow.request] (default task-7) "
        "UT005023: Exception handling request to /api/events: "
        "org.springframework.http.converter.HttpMessageNotReadableException: JSON parse error: "
        "UT000128: Remote peer closed connection before all data could be read\n"
        "Caused by: java.io.IOException: UT000128: Remote peer closed connection before all "
        "data could be read\n"
        "\tat io.undertow.conduits.FixedLengthStreamSourceConduit.read(FixedLengthStreamSourceConduit.java:283)\n"),
        RG_CLASS_CLIENT_CLOSED);

    cr_expect_eq(trh_java("2026-11-21 10:06:02.421:WARN:oejs.HttpChannel:qtp4434-45: /api/items\n"
        "org.eclipse.jetty.io.EofException: null\n"
        "\tat org.eclipse.jetty.io.ChannelEndPoint.flush(ChannelEndPoint.java:286)\n"),
        RG_CLASS_CLIENT_CLOSED);
}


Test(map_java, timeout_inside_client_abort_is_client_timeout)
{
    cr_expect_eq(trh_java(TOMCAT
        "\torg.apache.catalina.connector.ClientAbortException: java.net.SocketTimeoutException\n"
        OUTPUT_FRAMES
        "\tCaused by: java.net.SocketTimeoutException\n"
        "\tat org.apache.tomcat.util.net.NioBlockingSelector.write(NioBlockingSelector.java:136)\n"),
        RG_CLASS_CLIENT_TIMEOUT);

    /* the timeout two causes down still counts, and beats client_closed */
    cr_expect_eq(trh_java(SPRING
        "org.apache.catalina.connector.ClientAbortException: java.io.IOException: Write failed\n"
        OUTPUT_FRAMES
        "Caused by: java.io.IOException: Write failed\n"
        "Caused by: java.net.SocketTimeoutException: null\n"),
        RG_CLASS_CLIENT_TIMEOUT);
}


Test(map_java, timeout_of_the_applications_own_read_is_no_abort)
{
    cr_expect_eq(trh_java("2026-11-21 10:00:06,330 ERROR [pool-2-thread-4] "
        "c.e.orders.OrderRepository - query failed\n"
        "com.mysql.cj.jdbc.exceptions.CommunicationsException: Communications link failure\n"
        "Caused by: java.net.SocketTimeoutException: Read timed out\n"
        "\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:288)\n"
        "\tat com.mysql.cj.protocol.ReadAheadInputStream.fill(ReadAheadInputStream.java:107)\n"),
        RG_CLASS_NONE);
}


Test(map_java, connection_reset_on_the_response_path_is_client_reset)
{
    cr_expect_eq(trh_java(TOMCAT
        "\torg.apache.catalina.connector.ClientAbortException: java.io.IOException: Connection reset by peer\n"
        OUTPUT_FRAMES
        "\tCaused by: java.io.IOException: Connection reset by peer\n"
        NIO_WRITE_FRAMES), RG_CLASS_CLIENT_RESET);

    /* no ClientAbortException, but coyote's write path */
    cr_expect_eq(trh_java(SPRING
        "java.net.SocketException: Connection reset\n"
        "\tat java.base/sun.nio.ch.NioSocketImpl.implWrite(NioSocketImpl.java:425)\n"
        "\tat org.apache.coyote.http11.Http11OutputBuffer.doWrite(Http11OutputBuffer.java:194)\n"),
        RG_CLASS_CLIENT_RESET);

    /* Jetty's output stream */
    cr_expect_eq(trh_java("2026-11-21 10:00:07.018 WARN [qtp1234-18] o.e.j.s.HttpChannel - /download\n"
        "java.io.IOException: Connection reset by peer\n"
        "\tat org.eclipse.jetty.io.ChannelEndPoint.flush(ChannelEndPoint.java:279)\n"
        "\tat org.eclipse.jetty.server.HttpOutput.write(HttpOutput.java:835)\n"),
        RG_CLASS_CLIENT_RESET);

    /* Jetty's EofException (an asynchronous flush: no HttpOutput frame) */
    cr_expect_eq(trh_java("2026-11-21 10:00:07.018:WARN:oejs.HttpChannel:qtp1234-18: /download\n"
        "org.eclipse.jetty.io.EofException\n"
        "\tat org.eclipse.jetty.io.ChannelEndPoint.flush(ChannelEndPoint.java:279)\n"
        "Caused by: java.io.IOException: Connection reset by peer\n"
        "\tat sun.nio.ch.FileDispatcherImpl.write0(Native Method)\n"),
        RG_CLASS_CLIENT_RESET);

    /* Undertow's response conduit */
    cr_expect_eq(trh_java("2026-11-21 10:00:07,018 ERROR [io.undertow.request] (default task-1) "
        "UT005023: Exception handling request to /x: java.io.IOException: Connection reset by peer\n"
        "\tat sun.nio.ch.FileDispatcherImpl.write0(Native Method)\n"
        "\tat io.undertow.server.protocol.http.HttpResponseConduit.write(HttpResponseConduit.java:609)\n"),
        RG_CLASS_CLIENT_RESET);

    /* Spring 6.1's one line for a failed write to the response */
    cr_expect_eq(trh_java("2026-11-21T10:00:07.018+01:00  WARN 1 --- [demo] [nio-8080-exec-4] "
        ".m.m.a.ExceptionHandlerExceptionResolver : Resolved "
        "[org.springframework.web.context.request.async.AsyncRequestNotUsableException: "
        "ServletOutputStream failed to write: java.io.IOException: Connection reset by peer]"),
        RG_CLASS_CLIENT_RESET);

    /* Windows wording */
    cr_expect_eq(trh_java(TOMCAT
        "\tjava.io.IOException: An existing connection was forcibly closed by the remote host\n"
        OUTPUT_FRAMES), RG_CLASS_CLIENT_RESET);
}


Test(map_java, connection_reset_under_a_jdbc_read_is_upstream_reset)
{
    static rg_java_record  rec;
    const char            *lines[] = {
        "2026-11-21 10:00:08,512 ERROR [http-nio-8080-exec-3] o.h.e.j.s.SqlExceptionHelper - Communications link failure",
        "com.mysql.cj.jdbc.exceptions.CommunicationsException: Communications link failure",
        "Caused by: java.net.SocketException: Connection reset",
        "\tat java.base/sun.nio.ch.NioSocketImpl.implRead(NioSocketImpl.java:323)",
        "\tat com.mysql.cj.protocol.FullReadInputStream.readFully(FullReadInputStream.java:64)",
    };

    rg_java_record_reset(&rec);
    for (size_t i = 0; i < 5; i++) {
        const rg_rule *r = rg_java_record_line(&rec, trh_m, lines[i],
                                               strlen(lines[i]), i == 0);
        cr_expect_eq(r != NULL, i == 2, "line %zu", i);
    }

    cr_expect_eq(rg_java_record_class(&rec), RG_CLASS_UPSTREAM_RESET);
    cr_assert_not_null(rg_java_record_rule(&rec));
    cr_expect_str_eq(rg_rule_id(rg_java_record_rule(&rec)), "java.client_reset");
    cr_expect_eq(rec.lines, 5);
    cr_expect_eq(rec.first_len, strlen(lines[0]));

    /* an HTTP client's read */
    cr_expect_eq(trh_java("2026-11-21 10:00:09.001 ERROR 4121 --- [task-2] c.e.PriceClient : call failed\n"
        "org.springframework.web.client.ResourceAccessException: I/O error on GET request\n"
        "Caused by: java.net.SocketException: Connection reset\n"
        "\tat java.base/java.net.SocketInputStream.read(SocketInputStream.java:186)\n"
        "\tat org.apache.http.impl.io.SessionInputBufferImpl.fillBuffer(SessionInputBufferImpl.java:153)\n"),
        RG_CLASS_UPSTREAM_RESET);
}


/* Reactor Netty (WebFlux, WebClient, Spring Cloud Gateway): Netty writes
   the call before the errno's text; the server's logger puts a reset on
   the response path, WebClient's is the backend's. */
Test(map_java, reactor_netty)
{
    /* the HTTP server's connection to its client */
    cr_expect_eq(trh_java("2026-11-21 10:14:45.512  WARN 1 --- [or-http-epoll-3] "
        "r.n.http.server.HttpServerOperations     : [a1b2c3d4-1, L:/10.0.0.7:8080 - "
        "R:/198.51.100.28:61361] Connection reset\n"
        "io.netty.channel.unix.Errors$NativeIoException: recvAddress(..) failed: "
        "Connection reset by peer\n"), RG_CLASS_CLIENT_RESET);
    cr_expect_eq(trh_java("2026-11-21 10:14:46.512 ERROR 1 --- [or-http-epoll-4] "
        "reactor.netty.http.server.HttpServerOperations : write failed\n"
        "io.netty.channel.unix.Errors$NativeIoException: writevAddresses(..) failed: "
        "Broken pipe\n"), RG_CLASS_BROKEN_PIPE);

    /* WebClient's connection to a backend */
    cr_expect_eq(trh_java("2026-11-21 10:14:47.512  WARN 1 --- [or-http-epoll-1] "
        "r.netty.http.client.HttpClientConnect    : [5516f841-13, L:/10.0.0.7:57848 - "
        "R:gateway.example.test/10.68.1.59:8080] The connection observed an error\n"
        "io.netty.channel.unix.Errors$NativeIoException: readAddress(..) failed: "
        "Connection reset by peer\n"), RG_CLASS_UPSTREAM_RESET);
    cr_expect_eq(trh_java("2026-11-21 10:14:48.512  WARN 1 --- [or-http-epoll-1] "
        "r.netty.http.client.HttpClientConnect    : [f60a041a/3-1, L:0.0.0.0/0.0.0.0:51495] "
        "The connection observed an error\n"
        "reactor.netty.http.client.PrematureCloseException: Connection prematurely "
        "closed BEFORE response\n"), RG_CLASS_UPSTREAM_CLOSED);
    cr_expect_eq(trh_java("2026-11-21 10:14:49.512 ERROR 1 --- [or-http-epoll-2] "
        "a.w.r.e.AbstractErrorWebExceptionHandler : [186f1c37-3]  500 Server Error\n"
        "reactor.netty.http.client.PrematureCloseException: Connection prematurely "
        "closed DURING response\n"), RG_CLASS_TRUNCATED);
}


Test(map_java, other_classes_by_text)
{
    cr_expect_eq(trh_java(TOMCAT
        "\torg.apache.catalina.connector.ClientAbortException: java.net.SocketException: Software caused connection abort: socket write error\n"
        OUTPUT_FRAMES), RG_CLASS_CONN_ABORTED);
    cr_expect_eq(trh_java(TOMCAT
        "\tjava.io.IOException: An established connection was aborted by the software in your host machine\n"
        OUTPUT_FRAMES), RG_CLASS_CONN_ABORTED);
    cr_expect_eq(trh_java("2026-11-21 10:00:10.200 ERROR 4121 --- [main] c.e.Inventory : sync failed\n"
        "java.net.ConnectException: Connection refused\n"
        "\tat java.base/sun.nio.ch.Net.connect0(Native Method)\n"), RG_CLASS_UPSTREAM_REFUSED);
    cr_expect_eq(trh_java("21-Nov-2026 10:00:11.000 SEVERE [main] org.apache.catalina.core.StandardService.initInternal Failed to initialize connector [Connector[HTTP/1.1-8080]]\n"
        "\torg.apache.catalina.LifecycleException: Protocol handler initialization failed\n"
        "\tCaused by: java.net.BindException: Address already in use\n"), RG_CLASS_BIND_IN_USE);
    cr_expect_eq(trh_java("2026-11-21 10:00:12,001 ERROR [worker-1] c.e.Feed - push failed\n"
        "java.net.SocketException: Socket is closed\n"
        "\tat java.base/java.net.Socket.getOutputStream(Socket.java:1012)\n"), RG_CLASS_SOCKET_CLOSED);
    cr_expect_eq(trh_java(TOMCAT
        "\tjava.lang.IllegalStateException: Cannot call sendError() after the response has been committed\n"),
        RG_CLASS_BUFFER_OVERFLOW);
    cr_expect_eq(trh_java(TOMCAT
        "\torg.apache.jasper.JasperException: java.io.IOException: Error: JSP Buffer overflow\n"),
        RG_CLASS_BUFFER_OVERFLOW);
    cr_expect_eq(trh_java("21-Nov-2026 10:00:13.000 INFO [main] org.apache.catalina.startup.Catalina.start Server startup in [2113] milliseconds"),
        RG_CLASS_NONE);
}


/* Several matches: the first class of the taxonomy wins. */
Test(map_java, most_specific_class_of_the_record_wins)
{
    /* client_reset comes before broken_pipe */
    cr_expect_eq(trh_java(TOMCAT
        "\torg.apache.catalina.connector.ClientAbortException: java.io.IOException: Broken pipe\n"
        OUTPUT_FRAMES
        "\tSuppressed: java.net.SocketException: Connection reset\n"), RG_CLASS_CLIENT_RESET);
    /* socket_closed beats the bare ClientAbortException */
    cr_expect_eq(trh_java(TOMCAT
        "\torg.apache.catalina.connector.ClientAbortException: java.io.IOException\n"
        "\tCaused by: java.net.SocketException: Socket is closed\n"), RG_CLASS_SOCKET_CLOSED);
    /* a new record starts clean */
    cr_expect_eq(trh_java(TOMCAT), RG_CLASS_NONE);
}


/* `record` is the record's first line, for rules on later lines. */
Test(map_java, where_record_sees_the_first_line)
{
    static const char  rules[] =
        "- id: site.feed\n  format: java\n  class: socket_closed\n"
        "  match: 'FeedClosed'\n  where: { record: '\\[feed-\\d+\\]' }\n";
    rg_error  err = { "" };

    trh_teardown();
    trh_rs = rg_ruleset_create();
    cr_assert_eq(rg_ruleset_add_buffer(trh_rs, "site.yaml", rules,
                                       strlen(rules), &err), 0, "%s", err.msg);
    cr_assert_eq(rg_ruleset_compile(trh_rs, &err), 0, "%s", err.msg);
    trh_m = rg_matcher_create(trh_rs);

    cr_expect_eq(trh_java("2026-11-21 10:00:14,000 WARN [feed-3] c.e.Feed - gone\n"
                          "c.e.FeedClosed: by peer\n"), RG_CLASS_SOCKET_CLOSED);
    cr_expect_eq(trh_java("2026-11-21 10:00:14,000 WARN [main] c.e.Feed - gone\n"
                          "c.e.FeedClosed: by peer\n"), RG_CLASS_NONE);
}


/*
 * On Windows the JDK writes the system's text for 10054 and 10053 in the
 * installed language, German's 10053 over two lines. Was: a bare
 * ClientAbortException (client_closed), or nothing at all.
 */
Test(map_java, windows_socket_errors_in_other_languages)
{
    static const struct {
        const char  *text;
        rg_class     cls;
    } cases[] = {
        { "Eine bestehende Verbindung wurde softwaregesteuert\n"
          "durch den Hostcomputer abgebrochen", RG_CLASS_CONN_ABORTED },
        { "Eine vorhandene Verbindung wurde vom Remotehost geschlossen",
          RG_CLASS_CLIENT_RESET },
        { "Une connexion établie a été abandonnée par un logiciel de votre"
          " ordinateur hôte", RG_CLASS_CONN_ABORTED },
        { "Une connexion existante a dû être fermée par l’hôte distant",
          RG_CLASS_CLIENT_RESET },
        { "Se ha anulado una conexión establecida por el software en su"
          " equipo host", RG_CLASS_CONN_ABORTED },
        { "Se ha forzado la interrupción de una conexión existente por el"
          " host remoto", RG_CLASS_CLIENT_RESET },
        { "Uma conexão estabelecida foi anulada pelo software no computador"
          " host", RG_CLASS_CONN_ABORTED },
        { "Uma ligação estabelecida foi anulada pelo software no computador"
          " anfitrião", RG_CLASS_CONN_ABORTED },
        { "Удаленный хост принудительно разорвал существующее подключение",
          RG_CLASS_CLIENT_RESET },
        { "Программа на вашем хост-компьютере разорвала установленное"
          " подключение", RG_CLASS_CONN_ABORTED },
        { "你的主机中的软件中止了一个已建立的连接。", RG_CLASS_CONN_ABORTED },
        { "您的主机中的软件中止了一个已建立的连接。", RG_CLASS_CONN_ABORTED },
        { "远程主机强迫关闭了一个现有的连接。", RG_CLASS_CLIENT_RESET },
        { "既存の接続はリモート ホストに強制的に切断されました。",
          RG_CLASS_CLIENT_RESET },
        { "確立された接続がホスト コンピュータのソウトウェアによって中止され"
          "ました。", RG_CLASS_CONN_ABORTED },
    };
    char  rec[1024];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(rec, sizeof(rec), TOMCAT
                 "org.apache.catalina.connector.ClientAbortException:"
                 " java.io.IOException: %s\n" OUTPUT_FRAMES, cases[i].text);
        cr_expect_eq(trh_java(rec), cases[i].cls, "%s", cases[i].text);
    }

    /* a JDBC read the database reset: the backend's, in any language */
    cr_expect_eq(trh_java("2026-11-21 10:00:06,330 ERROR [pool-2-thread-4] "
        "c.e.orders.OrderRepository - query failed\n"
        "com.mysql.cj.jdbc.exceptions.CommunicationsException: Communications link failure\n"
        "Caused by: java.net.SocketException: Eine vorhandene Verbindung wurde vom Remotehost geschlossen\n"
        "\tat java.base/sun.nio.ch.NioSocketImpl.implRead(NioSocketImpl.java:325)\n"
        "\tat com.mysql.cj.protocol.ReadAheadInputStream.fill(ReadAheadInputStream.java:107)\n"),
        RG_CLASS_UPSTREAM_RESET);
}
