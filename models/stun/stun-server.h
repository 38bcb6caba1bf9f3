/* stun-server.h — a STUN Binding server with RFC 5780 behaviour-discovery support. */
#pragma once

#include "sim.h"
#include "stun.h"

G_BEGIN_DECLS

typedef struct StunServer StunServer;

typedef struct {
  guint32 addr;         /* primary address (host byte order) */
  guint32 addr2;        /* alternate address; 0: single-address server, no OTHER-ADDRESS */
  guint16 port;         /* primary port, e.g. 3478 */
  guint16 port2;        /* alternate port, e.g. 3479; 0: no alternate port */
  const char *software; /* SOFTWARE attribute in responses; NULL for none */
  gboolean fingerprint; /* append FINGERPRINT to responses (RFC 8489 §7.1) */
} StunServerSetup;

typedef struct {
  guint64 requests;            /* well-formed Binding requests received */
  guint64 responses;           /* success responses sent */
  guint64 errors;              /* error responses sent (400, 420) */
  guint64 dropped_not_stun;    /* datagrams that failed STUN demultiplexing */
  guint64 dropped_malformed;   /* STUN-looking datagrams that did not parse */
  guint64 dropped_not_request; /* indications and responses (a server ignores them) */
  const char *last_drop_reason; /* fixed reason string of the last drop, or NULL */
} StunServerStats;

/* Open the server's sockets on `host`: (addr,port), (addr,port2), (addr2,port), (addr2,port2),
 * those that exist.  The addresses must already be on the host. */
StunServer *stun_server_new(SimNode host, const StunServerSetup *setup, GError **error);
void stun_server_free(StunServer *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StunServer, stun_server_free)
const StunServerStats *stun_server_stats(const StunServer *s);

G_END_DECLS
