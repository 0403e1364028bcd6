/*
 * loggen.c - writes a realistic nginx error log or combined access log of a
 * given size, deterministically (same seed and options, same bytes), for
 * `make bench`.
 *
 *   loggen --type error|access [--size 1G] [--seed N] [--clients N]
 *          [--abort-pct P] [--distinct] [--days D] > FILE
 *
 * Realistic means what rstscan meets in production: many client addresses
 * (a fifth of them IPv6) with a heavy head (a few clients make most of the
 * traffic), timestamps in order over about a week, the request lines, user
 * agents and referers of a busy site, bursts in which one client aborts
 * again and again, and a few percent of client aborts written with nginx's
 * exact messages (tests/README.md, real aborts) beside the ordinary lines
 * (open() failed 404s, keepalive closes, warnings, notices).
 *
 * --distinct spreads the aborts over the clients round-robin instead, so
 * that N aborts come from N different addresses: the input for measuring
 * rstscan's memory with 200,000+ distinct keys.
 *
 * A summary (lines, abort lines, distinct clients) goes to stderr.  Lines
 * are assembled with small appenders rather than printf, so a gigabyte takes
 * seconds.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LG_OUT_SIZE   (4u << 20)
#define LG_LINE_MAX   4096
#define LG_START      1794614400    /* 2026-11-14 00:00:00 UTC */
#define LG_NELTS(a)   (sizeof(a) / sizeof((a)[0]))

typedef struct {
    const char  *text;
    unsigned     weight;
} lg_choice;

typedef struct {
    /* options */
    int           access;
    uint64_t      size;
    uint64_t      seed;
    uint32_t      clients;
    unsigned      abort_pm;     /* aborts per mille of lines */
    int           distinct;
    unsigned      days;

    /* state */
    uint64_t      rng;
    uint64_t      now_us;       /* simulated clock, microseconds */
    uint64_t      gap_us;       /* mean gap between two lines */
    uint64_t      conn;         /* nginx connection counter (*cid) */
    uint32_t      rr;           /* round-robin cursor for --distinct */
    time_t        tcache;
    char          tstr[32];
    size_t        tlen;

    /* a burst: one client aborting again and again */
    uint32_t      burst_left;
    uint32_t      burst_client;
    unsigned      burst_kind;

    /* statistics */
    uint64_t      lines;
    uint64_t      bytes;
    uint64_t      aborts;
    uint64_t      upstream_errors;
    uint8_t      *seen_any;     /* bitmaps over client indexes */
    uint8_t      *seen_abort;
} lg_ctx;

typedef struct {
    char    *p;
    char    *end;
} lg_buf;


/* --- deterministic randomness (splitmix64) ------------------------------ */

static uint64_t
lg_rand(lg_ctx *g)
{
    uint64_t  z = (g->rng += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}


/* uniform in [0, n) */
static uint32_t
lg_below(lg_ctx *g, uint32_t n)
{
    return (uint32_t) (((lg_rand(g) >> 32) * (uint64_t) n) >> 32);
}


static const char *
lg_pick(lg_ctx *g, const lg_choice *c, size_t n)
{
    unsigned  total = 0, r;
    size_t    i;

    for (i = 0; i < n; i++) {
        total += c[i].weight;
    }

    r = lg_below(g, total);

    for (i = 0; i < n; i++) {
        if (r < c[i].weight) {
            return c[i].text;
        }
        r -= c[i].weight;
    }

    return c[n - 1].text;
}


static uint64_t
lg_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}


/* --- appenders ---------------------------------------------------------- */

static void
lg_str(lg_buf *b, const char *s)
{
    size_t  n = strlen(s);

    if (n > (size_t) (b->end - b->p)) {
        n = (size_t) (b->end - b->p);
    }
    memcpy(b->p, s, n);
    b->p += n;
}


static void
lg_chr(lg_buf *b, char c)
{
    if (b->p < b->end) {
        *b->p++ = c;
    }
}


static void
lg_uint(lg_buf *b, uint64_t v)
{
    char    tmp[24];
    size_t  n = 0;

    do {
        tmp[n++] = (char) ('0' + v % 10);
        v /= 10;
    } while (v != 0);

    while (n > 0 && b->p < b->end) {
        *b->p++ = tmp[--n];
    }
}


static void
lg_hex(lg_buf *b, uint64_t v, int digits)
{
    static const char  hex[] = "0123456789abcdef";

    while (digits-- > 0 && b->p < b->end) {
        *b->p++ = hex[(v >> (digits * 4)) & 0xf];
    }
}


/* --- clients ------------------------------------------------------------ */

/*
 * Client i's address.  The low 24 bits of an IPv4 address (and the last
 * groups of an IPv6 one) come from a bijection of i, so different clients
 * never share an address; every fifth client is IPv6.
 */
static void
lg_addr(lg_buf *b, uint32_t i)
{
    static const unsigned  first[] = {
        23, 31, 37, 45, 46, 62, 66, 73, 77, 78, 81, 85, 89, 91, 93, 95, 98,
        104, 109, 141, 151, 176, 178, 185, 188, 193, 195, 203, 212, 217
    };
    uint64_t  h = lg_mix(i);
    uint32_t  low = (uint32_t) (((i + 1) * 2654435761u) & 0xffffff);

    if (i % 5 == 4) {
        static const char  *net[] = {
            "2a02:1810:", "2001:4860:", "2a01:e0a:", "2600:1700:",
            "2a00:23c6:", "2003:e6:"
        };

        lg_str(b, net[h % LG_NELTS(net)]);
        lg_hex(b, (h >> 8) & 0xfff, 3);
        lg_str(b, ":");
        lg_hex(b, (h >> 20) & 0xfff, 3);
        lg_str(b, "0::");
        lg_hex(b, (i >> 12) & 0xfff, 3);
        lg_chr(b, ':');
        lg_hex(b, 0x1000 | (i & 0xfff), 4);
        return;
    }

    lg_uint(b, first[h % LG_NELTS(first)]);
    lg_chr(b, '.');
    lg_uint(b, low >> 16);
    lg_chr(b, '.');
    lg_uint(b, (low >> 8) & 0xff);
    lg_chr(b, '.');
    lg_uint(b, low & 0xff);
}


/* A heavy head: u^3 sends most picks to the first clients. */
static uint32_t
lg_client(lg_ctx *g)
{
    double    u = (double) (lg_rand(g) >> 11) / 9007199254740992.0;
    uint32_t  i = (uint32_t) (u * u * u * g->clients);

    return i < g->clients ? i : g->clients - 1;
}


static uint32_t
lg_abort_client(lg_ctx *g)
{
    if (g->distinct) {
        /* 7919 is prime and does not divide any sane client count */
        g->rr = (uint32_t) ((g->rr + 7919) % g->clients);
        return g->rr;
    }

    return lg_client(g);
}


static void
lg_mark(uint8_t *bits, uint32_t i)
{
    bits[i >> 3] |= (uint8_t) (1u << (i & 7));
}


static uint64_t
lg_popcount(const uint8_t *bits, uint32_t n)
{
    uint64_t  c = 0;
    uint32_t  i;

    for (i = 0; i < (n + 7) / 8; i++) {
        c += (uint64_t) __builtin_popcount(bits[i]);
    }

    return c;
}


/* --- the vocabulary of a busy site --------------------------------------- */

static const char  *lg_hosts[] = {
    "www.example.com", "example.com", "shop.example.com", "api.example.com",
    "static.example.net"
};

static const lg_choice  lg_agents[] = {
    { "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
      "like Gecko) Chrome/130.0.0.0 Safari/537.36", 30 },
    { "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/"
      "605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
      18 },
    { "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, "
      "like Gecko) Chrome/130.0.6723.102 Mobile Safari/537.36", 14 },
    { "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
      "(KHTML, like Gecko) Version/18.1 Safari/605.1.15", 10 },
    { "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 "
      "Firefox/132.0", 6 },
    { "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 "
      "Firefox/132.0", 6 },
    { "Mozilla/5.0 (compatible; Googlebot/2.1; "
      "+http://www.google.com/bot.html)", 5 },
    { "Mozilla/5.0 (compatible; bingbot/2.0; "
      "+http://www.bing.com/bingbot.htm)", 2 },
    { "curl/7.88.1", 2 },
    { "python-requests/2.31.0", 2 },
    { "Go-http-client/1.1", 1 },
    { "okhttp/4.12.0", 2 },
    { "Prometheus/2.45.0", 1 },
    { "-", 1 },
};

static const lg_choice  lg_referers[] = {
    { "-", 40 },
    { "https://www.example.com/", 20 },
    { "https://www.google.com/", 12 },
    { "https://www.example.com/products/", 8 },
    { "https://shop.example.com/cart", 5 },
    { "https://www.bing.com/", 3 },
    { "https://duckduckgo.com/", 2 },
    { "https://t.co/", 1 },
    { "android-app://com.google.android.gm/", 1 },
};

enum {
    LG_URI_PAGE, LG_URI_ASSET, LG_URI_IMAGE, LG_URI_API, LG_URI_VIDEO,
    LG_URI_PROBE, LG_URI_MISC
};


/* Appends a request URI; returns its kind (sizes and statuses follow it). */
static int
lg_uri(lg_ctx *g, lg_buf *b)
{
    static const char  *pages[] = {
        "/", "/index.html", "/products/", "/about", "/contact", "/blog/",
        "/search?q=", "/cart", "/checkout", "/account/login"
    };
    static const char  *assets[] = {
        "/static/js/app.", "/static/js/vendor.", "/static/css/main.",
        "/static/fonts/inter-var."
    };
    static const char  *probes[] = {
        "/wp-login.php", "/.env", "/wp-admin/setup-config.php",
        "/phpmyadmin/index.php", "/.git/config", "/xmlrpc.php",
        "/admin/config.php", "/vendor/phpunit/phpunit/src/Util/PHP/"
        "eval-stdin.php"
    };
    static const char  *api[] = {
        "/api/v1/items/", "/api/v1/users/", "/api/v2/search?page=",
        "/api/v1/orders/", "/api/v1/cart/items/"
    };
    static const char  *misc[] = {
        "/favicon.ico", "/robots.txt", "/sitemap.xml",
        "/apple-touch-icon.png", "/manifest.json"
    };
    uint32_t  r = lg_below(g, 1000);

    if (r < 250) {
        const char  *p = pages[lg_below(g, LG_NELTS(pages))];

        lg_str(b, p);
        if (p[strlen(p) - 1] == '=') {
            lg_uint(b, lg_below(g, 100000));
        } else if (strcmp(p, "/products/") == 0) {
            lg_str(b, "item-");
            lg_uint(b, lg_below(g, 5000));
        }
        return LG_URI_PAGE;
    }

    if (r < 550) {
        lg_str(b, assets[lg_below(g, LG_NELTS(assets))]);
        lg_hex(b, lg_mix(lg_below(g, 40)), 8);
        lg_str(b, lg_below(g, 4) == 0 ? ".woff2" : ".js");
        return LG_URI_ASSET;
    }

    if (r < 780) {
        lg_str(b, "/images/");
        lg_str(b, lg_below(g, 2) ? "products/" : "blog/");
        lg_uint(b, lg_below(g, 20000));
        lg_str(b, lg_below(g, 3) ? ".jpg" : ".webp");
        return LG_URI_IMAGE;
    }

    if (r < 900) {
        const char  *p = api[lg_below(g, LG_NELTS(api))];

        lg_str(b, p);
        lg_uint(b, lg_below(g, 1000000));
        return LG_URI_API;
    }

    if (r < 915) {
        lg_str(b, "/media/video/clip-");
        lg_uint(b, lg_below(g, 300));
        lg_str(b, ".mp4");
        return LG_URI_VIDEO;
    }

    if (r < 945) {
        lg_str(b, probes[lg_below(g, LG_NELTS(probes))]);
        return LG_URI_PROBE;
    }

    lg_str(b, misc[lg_below(g, LG_NELTS(misc))]);
    return LG_URI_MISC;
}


static const char *
lg_method(lg_ctx *g, int kind)
{
    uint32_t  r = lg_below(g, 100);

    if (kind == LG_URI_API) {
        return r < 60 ? "GET" : r < 85 ? "POST" : r < 93 ? "PUT" : "DELETE";
    }

    return r < 97 ? "GET" : r < 99 ? "HEAD" : "POST";
}


static const char *
lg_proto(lg_ctx *g)
{
    uint32_t  r = lg_below(g, 100);

    return r < 55 ? "HTTP/1.1" : r < 97 ? "HTTP/2.0" : "HTTP/1.0";
}


/* --- time --------------------------------------------------------------- */

/*
 * Advances the clock by a random gap (mean g->gap_us, a slow daily swell)
 * and refreshes the cached timestamp string when the second changes.
 */
static void
lg_tick(lg_ctx *g)
{
    uint64_t   gap = g->gap_us;
    time_t     t;
    struct tm  tm;

    /* busier in the day: the gap shrinks by up to half around 14:00 */
    if (((g->now_us / 1000000) % 86400) / 3600 - 8 < 12) {
        gap = gap * 2 / 3;
    } else {
        gap = gap * 4 / 3;
    }

    g->now_us += lg_rand(g) % (2 * gap + 1);
    t = (time_t) (LG_START + g->now_us / 1000000);

    if (t == g->tcache) {
        return;
    }

    g->tcache = t;
    gmtime_r(&t, &tm);

    if (g->access) {
        g->tlen = strftime(g->tstr, sizeof(g->tstr), "%d/%b/%Y:%H:%M:%S +0000",
                           &tm);
    } else {
        g->tlen = strftime(g->tstr, sizeof(g->tstr), "%Y/%m/%d %H:%M:%S", &tm);
    }
}


/* --- the nginx error log ------------------------------------------------ */

/*
 * Client-side aborts, exactly as nginx 1.22.1 writes them (tests/README.md,
 * real aborts).  "%c" is replaced by the client address, "%s" by an h2 stream
 * id; CTX says which context fields follow.
 */
enum { LG_CTX_REQ = 0, LG_CTX_UPS, LG_CTX_NONE, LG_CTX_CONN };

typedef struct {
    const char  *msg;
    unsigned     weight;
    int          ctx;
} lg_event;

static const lg_event  lg_aborts[] = {
    { "client prematurely closed connection while sending response to "
      "client", 20, LG_CTX_REQ },
    { "client prematurely closed connection (104: Connection reset by peer) "
      "while sending response to client", 8, LG_CTX_REQ },
    { "epoll_wait() reported that client prematurely closed connection, so "
      "upstream connection is closed too while reading response header from "
      "upstream", 12, LG_CTX_UPS },
    { "epoll_wait() reported that client prematurely closed connection, so "
      "upstream connection is closed too (104: Connection reset by peer) "
      "while sending request to upstream", 3, LG_CTX_UPS },
    { "writev() failed (104: Connection reset by peer) while sending to "
      "client", 6, LG_CTX_UPS },
    { "recv() failed (104: Connection reset by peer) while waiting for "
      "request", 4, LG_CTX_CONN },
    { "writev() failed (32: Broken pipe) while sending to client", 8,
      LG_CTX_UPS },
    { "sendfile() failed (32: Broken pipe) while sending response to client",
      8, LG_CTX_REQ },
    { "client timed out (110: Connection timed out) while reading client "
      "request headers", 6, LG_CTX_REQ },
    { "client timed out (110: Connection timed out) while sending response "
      "to client", 3, LG_CTX_REQ },
    { "client canceled stream %s while sending request to upstream", 5,
      LG_CTX_UPS },
    { "client canceled stream %s while reading response header from "
      "upstream", 3, LG_CTX_UPS },
    { "client prematurely closed connection while reading client request "
      "line", 3, LG_CTX_CONN },
    { "client prematurely closed connection", 2, LG_CTX_REQ },
    { "client %c closed keepalive connection (104: Connection reset by peer)",
      5, LG_CTX_NONE },
    { "peer closed connection in SSL handshake (104: Connection reset by "
      "peer) while SSL handshaking", 2, LG_CTX_CONN },
};

static const lg_event  lg_upstream_errors[] = {
    { "connect() failed (111: Connection refused) while connecting to "
      "upstream", 6, LG_CTX_UPS },
    { "upstream timed out (110: Connection timed out) while reading response "
      "header from upstream", 6, LG_CTX_UPS },
    { "upstream prematurely closed connection while reading response header "
      "from upstream", 4, LG_CTX_UPS },
    { "upstream prematurely closed connection while reading upstream", 2,
      LG_CTX_UPS },
    { "recv() failed (104: Connection reset by peer) while reading response "
      "header from upstream", 3, LG_CTX_UPS },
    { "no live upstreams while connecting to upstream", 1, LG_CTX_UPS },
    { "upstream sent too big header while reading response header from "
      "upstream", 1, LG_CTX_UPS },
};

/* Ordinary lines, the bulk of an info-level error log. */
static const lg_event  lg_ordinary[] = {
    { "client %c closed keepalive connection", 420, LG_CTX_NONE },
    { "open() \"/var/www/html%u\" failed (2: No such file or directory)", 260,
      LG_CTX_REQ },
    { "limiting requests, excess: 10.%3 by zone \"perip\"", 50, LG_CTX_REQ },
    { "an upstream response is buffered to a temporary file "
      "/var/lib/nginx/proxy/%t while reading upstream", 45, LG_CTX_UPS },
    { "a client request body is buffered to a temporary file "
      "/var/lib/nginx/body/%t", 20, LG_CTX_REQ },
    { "access forbidden by rule", 30, LG_CTX_REQ },
    { "SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key "
      "share) while SSL handshaking", 25, LG_CTX_CONN },
    { "SSL_do_handshake() failed (SSL: error:0A000102:SSL routines::"
      "unsupported protocol) while SSL handshaking", 10, LG_CTX_CONN },
    { "directory index of \"/var/www/html/static/\" is forbidden", 8,
      LG_CTX_REQ },
    { "client sent plain HTTP request to HTTPS port while reading client "
      "request headers", 8, LG_CTX_REQ },
    { "client intended to send too large body: 10485761 bytes", 6,
      LG_CTX_REQ },
    { "client sent invalid method while reading client request line", 5,
      LG_CTX_CONN },
    { "\"/var/www/html/static/\" is not found (2: No such file or directory)",
      4, LG_CTX_REQ },
};

static const char  *lg_levels_ordinary[] = {
    "info", "error", "error", "warn", "warn", "error", "info", "info",
    "error", "info", "error", "info", "error"
};


static const lg_event *
lg_pick_event(lg_ctx *g, const lg_event *ev, size_t n, size_t *index)
{
    unsigned  total = 0, r;
    size_t    i;

    for (i = 0; i < n; i++) {
        total += ev[i].weight;
    }

    r = lg_below(g, total);

    for (i = 0; i < n - 1 && r >= ev[i].weight; i++) {
        r -= ev[i].weight;
    }

    *index = i;
    return &ev[i];
}


/*
 * Expands the %-escapes of a message: %c the client address, %s an h2
 * stream id, %u the request URI, %3 three digits, %t a temp file suffix.
 */
static void
lg_message(lg_ctx *g, lg_buf *b, const char *msg, uint32_t client,
    const char *uri)
{
    const char  *p;

    for (p = msg; *p != '\0'; p++) {
        if (*p != '%') {
            lg_chr(b, *p);
            continue;
        }

        switch (*++p) {
        case 'c':
            lg_addr(b, client);
            break;
        case 's':
            lg_uint(b, 1 + 2 * lg_below(g, 60));
            break;
        case '3':
            lg_uint(b, 100 + lg_below(g, 900));
            break;
        case 't':
            lg_uint(b, lg_below(g, 10));
            lg_str(b, "/");
            lg_uint(b, 10 + lg_below(g, 90));
            lg_str(b, "/000");
            lg_uint(b, 1000000 + lg_below(g, 8000000));
            break;
        case 'u':
            /* open() names the file: the URI without its query string */
            while (*uri != '\0' && *uri != '?') {
                lg_chr(b, *uri++);
            }
            break;
        default:
            lg_chr(b, '%');
            lg_chr(b, *p);
        }
    }
}


static void
lg_error_context(lg_ctx *g, lg_buf *b, int ctx, uint32_t client,
    const char *uri, int kind)
{
    const char  *host = lg_hosts[lg_below(g, LG_NELTS(lg_hosts))];

    if (ctx == LG_CTX_NONE) {
        return;
    }

    lg_str(b, ", client: ");
    lg_addr(b, client);

    if (ctx == LG_CTX_CONN) {
        lg_str(b, ", server: 0.0.0.0:443");
        return;
    }

    lg_str(b, ", server: ");
    lg_str(b, host);
    lg_str(b, ", request: \"");
    lg_str(b, lg_method(g, kind));
    lg_chr(b, ' ');
    lg_str(b, uri);
    lg_chr(b, ' ');
    lg_str(b, lg_proto(g));
    lg_chr(b, '"');

    if (ctx == LG_CTX_UPS) {
        lg_str(b, ", upstream: \"http://10.0.2.");
        lg_uint(b, 11 + lg_below(g, 4));
        lg_str(b, ":8080");
        lg_str(b, uri);
        lg_chr(b, '"');
    }

    lg_str(b, ", host: \"");
    lg_str(b, host);
    lg_chr(b, '"');
}


static void
lg_error_line(lg_ctx *g, lg_buf *b)
{
    static const unsigned  pids[] = { 2817, 2818, 2819, 2820 };
    const lg_event        *ev;
    const char            *level;
    size_t                 i;
    uint32_t               client, r;
    unsigned               pid;
    int                    kind;
    char                   uri[512];
    lg_buf                 u = { uri, uri + sizeof(uri) - 1 };

    lg_tick(g);
    kind = lg_uri(g, &u);
    *u.p = '\0';
    g->conn += 1 + lg_below(g, 3);
    pid = pids[lg_below(g, LG_NELTS(pids))];

    /* a rare notice from the master, as reloads and log rotation write */
    if (lg_below(g, 200000) == 0) {
        lg_str(b, g->tstr);
        lg_str(b, " [notice] 2816#2816: signal 10 (SIGUSR1) received from "
               "2012, reopening logs\n");
        return;
    }

    r = lg_below(g, 1000);

    if (g->burst_left == 0 && lg_below(g, 460000) < g->abort_pm) {
        /* roughly a third of the aborts come in bursts of 20-300 */
        g->burst_left = 20 + lg_below(g, 280);
        g->burst_client = lg_client(g);
        lg_pick_event(g, lg_aborts, LG_NELTS(lg_aborts), &i);
        g->burst_kind = (unsigned) i;
    }

    if (g->burst_left > 0 && lg_below(g, 3) == 0) {
        g->burst_left--;
        ev = &lg_aborts[g->burst_kind];
        client = g->distinct ? lg_abort_client(g) : g->burst_client;
        level = "info";
        g->aborts++;
        lg_mark(g->seen_abort, client);

    } else if (r < g->abort_pm * 2 / 3) {
        ev = lg_pick_event(g, lg_aborts, LG_NELTS(lg_aborts), &i);
        client = lg_abort_client(g);
        level = "info";
        g->aborts++;
        lg_mark(g->seen_abort, client);

    } else if (r < g->abort_pm * 2 / 3 + 10) {
        ev = lg_pick_event(g, lg_upstream_errors, LG_NELTS(lg_upstream_errors),
                           &i);
        client = lg_client(g);
        level = "error";
        g->upstream_errors++;

    } else {
        ev = lg_pick_event(g, lg_ordinary, LG_NELTS(lg_ordinary), &i);
        client = lg_client(g);
        level = lg_levels_ordinary[i];
    }

    lg_mark(g->seen_any, client);

    lg_str(b, g->tstr);
    lg_str(b, " [");
    lg_str(b, level);
    lg_str(b, "] ");
    lg_uint(b, pid);
    lg_chr(b, '#');
    lg_uint(b, pid);
    lg_str(b, ": *");
    lg_uint(b, g->conn);
    lg_chr(b, ' ');
    lg_message(g, b, ev->msg, client, uri);
    lg_error_context(g, b, ev->ctx, client, uri, kind);
    lg_chr(b, '\n');
}


/* --- the combined access log ------------------------------------------- */

static uint64_t
lg_body_size(lg_ctx *g, int kind)
{
    switch (kind) {
    case LG_URI_PAGE:
        return 8000 + lg_below(g, 60000);
    case LG_URI_ASSET:
        return 20000 + lg_below(g, 400000);
    case LG_URI_IMAGE:
        return 15000 + lg_below(g, 600000);
    case LG_URI_API:
        return 60 + lg_below(g, 8000);
    case LG_URI_VIDEO:
        return 1048576 + lg_below(g, 8388608);
    case LG_URI_PROBE:
        return 153;
    default:
        return 100 + lg_below(g, 15000);
    }
}


static void
lg_access_line(lg_ctx *g, lg_buf *b)
{
    char      req[600];
    lg_buf    rq = { req, req + sizeof(req) - 1 };
    uint32_t  client, r;
    unsigned  status;
    uint64_t  size;
    int       kind, abort = 0;

    lg_tick(g);

    {
        char    uri[512];
        lg_buf  u = { uri, uri + sizeof(uri) - 1 };

        kind = lg_uri(g, &u);
        *u.p = '\0';
        lg_str(&rq, lg_method(g, kind));
        lg_chr(&rq, ' ');
        lg_str(&rq, uri);
        lg_chr(&rq, ' ');
        lg_str(&rq, lg_proto(g));
        *rq.p = '\0';
    }

    size = lg_body_size(g, kind);
    r = lg_below(g, 1000);

    if (g->burst_left == 0 && lg_below(g, 460000) < g->abort_pm) {
        g->burst_left = 20 + lg_below(g, 280);
        g->burst_client = lg_client(g);
    }

    if (g->burst_left > 0 && lg_below(g, 3) == 0) {
        g->burst_left--;
        client = g->distinct ? lg_abort_client(g) : g->burst_client;
        status = 499;
        abort = 1;

    } else if (r < g->abort_pm * 2 / 3) {
        client = lg_abort_client(g);
        status = lg_below(g, 6) == 0 ? 408 : 499;
        abort = 1;

    } else {
        client = lg_client(g);
        r = lg_below(g, 1000);

        if (kind == LG_URI_PROBE) {
            status = r < 900 ? 404 : 403;
        } else if (kind == LG_URI_VIDEO) {
            status = r < 700 ? 206 : 200;
        } else if (r < 820) {
            status = 200;
        } else if (r < 900) {
            status = 304;
        } else if (r < 925) {
            status = kind == LG_URI_PAGE ? 301 : 302;
        } else if (r < 975) {
            status = 404;
        } else if (r < 983) {
            status = 500 + (unsigned) lg_below(g, 2) * 2;   /* 500, 502 */
        } else if (r < 988) {
            status = 504;
        } else if (r < 993) {
            status = 400;
        } else if (r < 996) {
            status = 403;
        } else {
            status = 429;
        }
    }

    if (abort) {
        g->aborts++;
        lg_mark(g->seen_abort, client);
        size = 0;
        if (status == 408) {
            /* a header timeout: no request line was read */
            memcpy(req, "-", 2);
        }
    } else if (status == 304 || status == 301 || status == 302) {
        size = 0;
    } else if (status == 206) {
        size = 1048576;
    } else if (status >= 400) {
        size = status == 404 ? 153 : status == 429 ? 169 : 157;
    }

    lg_mark(g->seen_any, client);

    lg_addr(b, client);
    lg_str(b, lg_below(g, 500) == 0 ? " - alice [" : " - - [");
    lg_str(b, g->tstr);
    lg_str(b, "] \"");
    lg_str(b, req);
    lg_str(b, "\" ");
    lg_uint(b, status);
    lg_chr(b, ' ');
    lg_uint(b, size);
    lg_str(b, " \"");
    lg_str(b, abort && status == 408 ? "-"
                                      : lg_pick(g, lg_referers,
                                                LG_NELTS(lg_referers)));
    lg_str(b, "\" \"");
    lg_str(b, abort && status == 408 ? "-"
                                      : lg_pick(g, lg_agents,
                                                LG_NELTS(lg_agents)));
    lg_str(b, "\"\n");
}


/* --- driver ------------------------------------------------------------- */

static int
lg_parse_size(const char *s, uint64_t *out)
{
    char               *end;
    unsigned long long  v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s) {
        return -1;
    }

    switch (*end) {
    case 'k': case 'K': v <<= 10; end++; break;
    case 'm': case 'M': v <<= 20; end++; break;
    case 'g': case 'G': v <<= 30; end++; break;
    default: break;
    }

    if (*end != '\0' || v == 0) {
        return -1;
    }

    *out = v;
    return 0;
}


static int
lg_usage(void)
{
    fprintf(stderr,
            "usage: loggen --type error|access [--size 1G] [--seed N] "
            "[--clients N]\n"
            "              [--abort-pct P] [--distinct] [--days D] > FILE\n");
    return 2;
}


static int
lg_options(lg_ctx *g, int argc, char **argv)
{
    int       i;
    uint64_t  v;

    g->access = -1;
    g->size = 1ull << 30;
    g->seed = 1;
    g->clients = 60000;
    g->abort_pm = 40;
    g->days = 7;

    for (i = 1; i < argc; i++) {
        const char  *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--distinct") == 0) {
            g->distinct = 1;
            continue;
        }

        if (val == NULL) {
            return lg_usage();
        }
        i++;

        if (strcmp(a, "--type") == 0) {
            if (strcmp(val, "error") == 0) {
                g->access = 0;
            } else if (strcmp(val, "access") == 0) {
                g->access = 1;
            } else {
                return lg_usage();
            }
        } else if (strcmp(a, "--size") == 0) {
            if (lg_parse_size(val, &g->size) != 0) {
                fprintf(stderr, "loggen: bad size \"%s\"\n", val);
                return 2;
            }
        } else if (strcmp(a, "--seed") == 0 && lg_parse_size(val, &v) == 0) {
            g->seed = v;
        } else if (strcmp(a, "--clients") == 0 && lg_parse_size(val, &v) == 0
                   && v <= 16000000)
        {
            g->clients = (uint32_t) v;
        } else if (strcmp(a, "--abort-pct") == 0
                   && lg_parse_size(val, &v) == 0 && v <= 90)
        {
            g->abort_pm = (unsigned) v * 10;
        } else if (strcmp(a, "--days") == 0 && lg_parse_size(val, &v) == 0
                   && v <= 3650)
        {
            g->days = (unsigned) v;
        } else {
            return lg_usage();
        }
    }

    return g->access < 0 ? lg_usage() : 0;
}


int
main(int argc, char **argv)
{
    lg_ctx   g;
    char    *out;
    lg_buf   b;
    size_t   n;
    int      rc;

    memset(&g, 0, sizeof(g));

    rc = lg_options(&g, argc, argv);
    if (rc != 0) {
        return rc;
    }

    out = malloc(LG_OUT_SIZE + LG_LINE_MAX);
    g.seen_any = calloc((g.clients + 7) / 8, 1);
    g.seen_abort = calloc((g.clients + 7) / 8, 1);
    if (out == NULL || g.seen_any == NULL || g.seen_abort == NULL) {
        fprintf(stderr, "loggen: out of memory\n");
        return 1;
    }

    g.rng = g.seed * 0x2545f4914f6cdd1dull + (uint64_t) g.access;
    g.rr = (uint32_t) (g.seed % g.clients);
    g.tcache = (time_t) -1;
    /* about 200 (error) or 230 (access) bytes a line over g.days */
    g.gap_us = (uint64_t) g.days * 86400 * 1000000
               / (g.size / (g.access ? 230 : 200) + 1);

    b.p = out;
    b.end = out + LG_OUT_SIZE + LG_LINE_MAX;

    while (g.bytes + (uint64_t) (b.p - out) < g.size) {
        char  *start = b.p;

        if (g.access) {
            lg_access_line(&g, &b);
        } else {
            lg_error_line(&g, &b);
        }

        g.lines++;

        /* never cut a line: a line that reached the end is dropped */
        if (b.p == b.end && b.p[-1] != '\n') {
            b.p = start;
            g.lines--;
        }

        if ((size_t) (b.p - out) >= LG_OUT_SIZE) {
            n = (size_t) (b.p - out);
            if (fwrite(out, 1, n, stdout) != n) {
                fprintf(stderr, "loggen: write: %s\n", strerror(errno));
                return 1;
            }
            g.bytes += n;
            b.p = out;
        }
    }

    n = (size_t) (b.p - out);
    if (fwrite(out, 1, n, stdout) != n || fflush(stdout) != 0) {
        fprintf(stderr, "loggen: write: %s\n", strerror(errno));
        return 1;
    }
    g.bytes += n;

    fprintf(stderr,
            "loggen: %s log, %llu lines, %llu bytes, %llu abort lines "
            "(%.2f%%), %llu upstream errors, %llu distinct clients, "
            "%llu distinct aborting clients\n",
            g.access ? "access" : "error", (unsigned long long) g.lines,
            (unsigned long long) g.bytes, (unsigned long long) g.aborts,
            100.0 * (double) g.aborts / (double) (g.lines ? g.lines : 1),
            (unsigned long long) g.upstream_errors,
            (unsigned long long) lg_popcount(g.seen_any, g.clients),
            (unsigned long long) lg_popcount(g.seen_abort, g.clients));

    free(out);
    free(g.seen_any);
    free(g.seen_abort);
    return 0;
}
