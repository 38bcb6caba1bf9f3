/* sip-transport.h — the SIP transport layer of one SIP element (RFC 3261 §18): UDP, TCP and TLS.
 *
 * A SipTl listens on a UDP port, a TCP port and a TLS port of one address (any may be off), frames
 * messages out of streams by Content-Length (§18.3), parses them, and hands each one up with the
 * flow it came on.  Sending takes a flow: a UDP datagram to its remote, or the flow's own connection
 * when it is still open, else a connection to the remote (an open one is reused, §18.1.1; a new
 * one is opened).  CRLF keepalives (RFC 5626 §3.5.1: "\r\n\r\n" ping, "\r\n" pong) are recognised
 * on every transport and reported separately; a ping on a stream is answered with a pong.
 */
#pragma once

#include "config.h"
#include "sim.h"
#include "sip-msg.h"
#include "tls/tls.h"

G_BEGIN_DECLS

typedef enum {
  SIP_NET_UDP, /* datagrams */
  SIP_NET_TCP, /* RFC 3261 §18 over TCP */
  SIP_NET_TLS, /* over the TLS record model (models/tls) */
} SipNet;

const char *sip_net_name(SipNet net); /* "UDP", "TCP", "TLS" (as in a Via) */
/* Parse a Via transport token (case-insensitive); FALSE if not one of the three. */
gboolean sip_net_parse(const guint8 *buf, SipSpan token, SipNet *net);

/* Where a message came from, or where one goes. */
typedef struct {
  SipNet net;     /* transport */
  SimAddr remote; /* the peer's address and port */
  SimAddr local;  /* our address and port on this flow (a connection's own ephemeral port) */
  guint conn;     /* stream transports: connection id, 0 = none yet */
} SipFlow;

typedef struct SipTl SipTl;

typedef struct {
  /* One message.  `msg` and its bytes are valid during the call only. */
  void (*message)(void *ctx, SipTl *tl, const SipMsg *msg, const SipFlow *flow);
  /* A CRLF keepalive: ping ("\r\n\r\n") or pong ("\r\n"). */
  void (*keepalive)(void *ctx, SipTl *tl, const SipFlow *flow, gboolean pong);
  /* A connection ended (peer close, reset, TLS alert) or could not be opened. */
  void (*flow_closed)(void *ctx, SipTl *tl, const SipFlow *flow, const char *reason);
} SipTlOps;

typedef struct {
  const char *name;   /* label for traces ("phone0", "pbx") */
  guint32 addr;       /* local address (0: any) */
  guint16 udp_port;   /* UDP port, 0: no UDP socket */
  guint16 tcp_port;   /* TCP listening port, 0: not listening (outgoing TCP still works) */
  guint16 tls_port;   /* TLS listening port, 0: not listening (outgoing TLS still works) */
  TlsParams tls;      /* TLS parameters for both roles */
  guint8 tos;         /* IP TOS byte of everything sent (DSCP << 2) */
} SipTlParams;

typedef struct {
  guint64 rx_msgs;      /* messages parsed and handed up */
  guint64 rx_malformed; /* datagrams or stream bytes that were not SIP: dropped (or the connection closed) */
  guint64 rx_keepalive; /* CRLF pings and pongs */
  guint64 tx_msgs;      /* messages sent */
  guint64 tx_failed;    /* sends that had no way out */
  guint64 conns_opened; /* stream connections opened by us */
  guint64 conns_accepted; /* stream connections accepted */
} SipTlStats;

SipTl *sip_tl_new(SimNode host, const SipTlParams *params, const SipTlOps *ops, void *ctx,
                  GError **error);
void sip_tl_free(SipTl *tl);

/* Send one message (or keepalive bytes) on `flow`; fills flow->conn and flow->local with what was
 * used.  FALSE when there is no way to send (UDP socket off, connection could not start). */
gboolean sip_tl_send(SipTl *tl, SipFlow *flow, const guint8 *data, gsize len);
gboolean sip_tl_send_ping(SipTl *tl, SipFlow *flow); /* "\r\n\r\n" */
/* RFC 5626 §4.4.2: a STUN Binding request as a keepalive on a UDP flow (a CRLF ping on streams).
 * Every SipTl answers such requests on its UDP port and reports them as pings; the answers come
 * back as pongs. */
gboolean sip_tl_send_stun_ping(SipTl *tl, SipFlow *flow, const guint8 tid[12]);
/* Close a stream connection (no flow_closed callback for it). */
void sip_tl_close_flow(SipTl *tl, const SipFlow *flow);
/* Is the flow's connection (stream) still open?  UDP flows are always "open". */
gboolean sip_tl_flow_open(SipTl *tl, const SipFlow *flow);

const SipTlStats *sip_tl_stats(const SipTl *tl);
const char *sip_tl_name(const SipTl *tl);
SimNode sip_tl_host(const SipTl *tl);
/* The UDP socket's local address (for Via sent-by), {0,0} without UDP. */
SimAddr sip_tl_udp_local(const SipTl *tl);

G_END_DECLS
