/*
 * rg_class.c - the abort class taxonomy table.
 */

#include <string.h>

#include "rg_class.h"


/*
 * The traits: a 499 at a fixed request time is a balancer in front giving
 * up, so client_closed is an idle kind too; a TLS handshake abort is a
 * scanner or a health check more often than a user, so it is neither.
 */
const rg_class_info rg_classes[RG_CLASS_COUNT] = {
    { RG_CLASS_CLIENT_CLOSED, "client_closed", RG_SIDE_CLIENT,
      "client prematurely closed connection, status 499",
      RG_TRAIT_NAVIGATION | RG_TRAIT_IDLE },
    { RG_CLASS_CLIENT_RESET, "client_reset", RG_SIDE_CLIENT,
      "(104: Connection reset by peer) on a client connection",
      RG_TRAIT_NAVIGATION | RG_TRAIT_IDLE },
    { RG_CLASS_BROKEN_PIPE, "broken_pipe", RG_SIDE_CLIENT,
      "(32: Broken pipe) while sending to client",
      RG_TRAIT_NAVIGATION },
    { RG_CLASS_CONN_ABORTED, "conn_aborted", RG_SIDE_CLIENT,
      "(103: Software caused connection abort)",
      RG_TRAIT_NAVIGATION | RG_TRAIT_IDLE },
    { RG_CLASS_CLIENT_TIMEOUT, "client_timeout", RG_SIDE_CLIENT,
      "client timed out (110: Connection timed out), status 408",
      RG_TRAIT_IDLE },
    { RG_CLASS_STREAM_CANCELED, "stream_canceled", RG_SIDE_CLIENT,
      "HTTP/2 client canceled stream",
      RG_TRAIT_NAVIGATION },
    { RG_CLASS_TLS_ABORTED, "tls_aborted", RG_SIDE_CLIENT,
      "peer closed connection in SSL handshake",
      0 },
    { RG_CLASS_UPSTREAM_RESET, "upstream_reset", RG_SIDE_UPSTREAM,
      "recv() failed (104: Connection reset by peer) from upstream",
      RG_TRAIT_IDLE },
    { RG_CLASS_UPSTREAM_CLOSED, "upstream_closed", RG_SIDE_UPSTREAM,
      "upstream prematurely closed connection while reading response header",
      RG_TRAIT_IDLE },
    { RG_CLASS_UPSTREAM_REFUSED, "upstream_refused", RG_SIDE_UPSTREAM,
      "connect() failed (111: Connection refused)",
      0 },
    { RG_CLASS_UPSTREAM_TIMEOUT, "upstream_timeout", RG_SIDE_UPSTREAM,
      "upstream timed out (110: Connection timed out)",
      RG_TRAIT_IDLE },
    { RG_CLASS_TRUNCATED, "truncated", RG_SIDE_SERVER,
      "response cut short: body shorter than promised",
      0 },
    { RG_CLASS_BUFFER_OVERFLOW, "buffer_overflow", RG_SIDE_SERVER,
      "upstream sent too big header, response already committed",
      0 },
    { RG_CLASS_SOCKET_CLOSED, "socket_closed", RG_SIDE_LOCAL,
      "SocketException: Socket is closed",
      0 },
    { RG_CLASS_BIND_IN_USE, "bind_in_use", RG_SIDE_LOCAL,
      "BindException: Address already in use",
      0 },
};


const char *
rg_class_name(rg_class cls)
{
    if (cls < 0 || cls >= RG_CLASS_COUNT) {
        return NULL;
    }

    return rg_classes[cls].name;
}


rg_class
rg_class_from_name(const char *name, size_t len)
{
    int  i;

    for (i = 0; i < RG_CLASS_COUNT; i++) {
        if (strlen(rg_classes[i].name) == len
            && memcmp(rg_classes[i].name, name, len) == 0)
        {
            return (rg_class) i;
        }
    }

    return RG_CLASS_NONE;
}


const char *
rg_side_name(rg_side side)
{
    static const char *const  names[] = {
        "client", "upstream", "server", "local"
    };

    if ((unsigned) side >= sizeof(names) / sizeof(names[0])) {
        return NULL;
    }

    return names[side];
}


rg_side
rg_class_side(rg_class cls)
{
    if (cls < 0 || cls >= RG_CLASS_COUNT) {
        return RG_SIDE_LOCAL;
    }

    return rg_classes[cls].side;
}


int
rg_class_is_client_side(rg_class cls)
{
    return cls >= 0 && cls < RG_CLASS_COUNT
           && rg_classes[cls].side == RG_SIDE_CLIENT;
}


int
rg_class_has(rg_class cls, unsigned traits)
{
    if (cls < 0 || cls >= RG_CLASS_COUNT) {
        return 0;
    }

    return traits != 0 && (rg_classes[cls].traits & traits) == traits;
}
