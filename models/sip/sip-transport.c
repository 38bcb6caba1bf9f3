/* sip-transport.c — SIP over UDP, TCP and TLS for one element (RFC 3261 §18; RFC 5626 §3.5.1).
 *
 * Streams are framed by Content-Length (§18.3) with sip_stream_frame(); a framing error closes the
 * connection, as a message that cannot be framed leaves the stream unusable.  Datagrams that do not
 * parse are dropped and counted (§18.3: "SHOULD be discarded").  Connections are kept in a table by
 * id; a message to a remote reuses any open connection to it over the same transport (§18.1.1).
 */
#include "sip-transport.h"

#include <string.h>

#include "stun/stun.h"
#include "tls/stream.h"

typedef struct Conn Conn;

struct SipTl {
  char *name;        /* trace label */
  SimNode host;      /* the host node */
  SipTlParams p;     /* parameters (name points to `name`) */
  SipTlOps ops;      /* callbacks */
  void *ctx;         /* their context */
  SimSock udp;       /* UDP socket, -1 if none */
  SimSock tcp_lsn;   /* TCP listener, -1 if none */
  TlsServer *tls_lsn; /* TLS listener, NULL if none */
  GHashTable *conns; /* id -> Conn* (owned) */
  guint next_conn;   /* next connection id */
  SipTlStats stats;  /* counters */
};

/* A stream connection.  Invariant: exactly one of tcp/tls is set while !dead. */
struct Conn {
  SipTl *tl;        /* owner */
  guint id;         /* connection id, > 0 */
  SipNet net;       /* SIP_NET_TCP or SIP_NET_TLS */
  gboolean outgoing; /* we opened it (so a lone CRLF from the peer is a pong) */
  TcpStream *tcp;   /* TCP stream */
  TlsConn *tls;     /* TLS connection */
  SimAddr remote;   /* peer */
  GByteArray *rx;   /* received bytes not yet framed */
  gboolean dead;    /* closed; freed once no callback is running */
  gboolean closing; /* we closed it gracefully: kept until sip_tl_free so its FIN can leave */
  guint busy;       /* nesting depth of callbacks running for it */
};

const char *
sip_net_name(SipNet net)
{
  static const char *const names[] = {"UDP", "TCP", "TLS"};
  return net <= SIP_NET_TLS ? names[net] : "?";
}

gboolean
sip_net_parse(const guint8 *buf, SipSpan token, SipNet *net)
{
  for (SipNet n = SIP_NET_UDP; n <= SIP_NET_TLS; n++) {
    if (sip_span_case_eq(buf, token, sip_net_name(n))) {
      *net = n;
      return TRUE;
    }
  }
  return FALSE;
}

/* ---- Connections -------------------------------------------------------------------------------- */

static void
conn_free(gpointer data)
{
  Conn *c = data;
  if (c->tcp)
    tcp_stream_free(c->tcp);
  if (c->tls)
    tls_conn_free(c->tls);
  g_byte_array_unref(c->rx);
  g_free(c);
}

static SimAddr
conn_local(const Conn *c)
{
  if (c->tcp)
    return tcp_stream_local(c->tcp);
  if (c->tls)
    return tls_conn_local(c->tls);
  return (SimAddr){0, 0};
}

static void
conn_flow(const Conn *c, SipFlow *flow)
{
  flow->net = c->net;
  flow->remote = c->remote;
  flow->local = conn_local(c);
  flow->conn = c->id;
}

/* Remove a dead connection from the table once no callback of it is running. */
static void
conn_reap(Conn *c)
{
  if (c->dead && !c->closing && c->busy == 0)
    g_hash_table_remove(c->tl->conns, GUINT_TO_POINTER(c->id));
}

static void
conn_died(Conn *c, const char *reason)
{
  if (c->dead)
    return;
  c->dead = TRUE;
  sim_trace("sip", "%s conn-closed %s %u %s", c->tl->name, sip_net_name(c->net), c->id, reason);
  if (c->tl->ops.flow_closed) {
    SipFlow flow;
    conn_flow(c, &flow);
    c->busy++;
    c->tl->ops.flow_closed(c->tl->ctx, c->tl, &flow, reason);
    c->busy--;
  }
}

/* One trace row per message sent or received, machine-readable so that the ladder diagram
 * (models/call/ladder.c) can pair a message as sent with the same message as received:
 *   <name> send|recv <NET> <local ip:port> <remote ip:port> len=<n> h=<sha256/8> cid=<Call-ID>
 *   cseq=<num>/<method> | <start line>
 * The hash of the whole message shows whether a middlebox changed it on the way. */
static void
trace_msg(SipTl *tl, const char *dir, const SipFlow *flow, const SipMsg *msg)
{
  char la[16], ra[16];
  g_autofree char *first = sip_span_dup(msg->buf, msg->start_line);
  g_autofree char *hash = g_compute_checksum_for_data(G_CHECKSUM_SHA256, msg->buf, msg->msg_len);
  SipSpan cid = {0, 0}, mspan = {0, 0};
  guint32 cseq = 0;
  SipMethod m;
  sip_msg_call_id(msg, &cid);
  sip_msg_cseq(msg, &cseq, &m, &mspan);
  g_autofree char *cid_s = cid.len ? sip_span_dup(msg->buf, cid) : g_strdup("-");
  g_autofree char *meth = mspan.len ? sip_span_dup(msg->buf, mspan) : g_strdup("-");
  g_strdelimit(cid_s, " \t|", '_');
  sim_trace("sip", "%s %s %s %s:%u %s:%u len=%" G_GSIZE_FORMAT " h=%.8s cid=%s cseq=%u/%s | %s", tl->name, dir,
            sip_net_name(flow->net), sim_addr_format(flow->local.addr, la), flow->local.port,
            sim_addr_format(flow->remote.addr, ra), flow->remote.port, msg->msg_len, hash, cid_s, cseq, meth, first);
}

/* Hand one framed message up. */
static void
deliver(SipTl *tl, const guint8 *data, gsize len, SipTransport kind, const SipFlow *flow)
{
  SipMsg msg;
  const char *reason = NULL;
  if (sip_msg_parse(data, len, kind, &msg, &reason) != 1) {
    char a[16];
    tl->stats.rx_malformed++;
    sim_trace("sip", "%s drop-malformed %s %s:%u %s", tl->name, sip_net_name(flow->net),
              sim_addr_format(flow->remote.addr, a), flow->remote.port, reason ? reason : "unparsable");
    return;
  }
  tl->stats.rx_msgs++;
  trace_msg(tl, "recv", flow, &msg);
  if (tl->ops.message)
    tl->ops.message(tl->ctx, tl, &msg, flow);
}

static void
keepalive(SipTl *tl, const SipFlow *flow, gboolean pong)
{
  tl->stats.rx_keepalive++;
  if (tl->ops.keepalive)
    tl->ops.keepalive(tl->ctx, tl, flow, pong);
}

static void conn_send_raw(Conn *c, const guint8 *data, gsize len);

/* Frame and deliver whatever complete messages and keepalives the buffer holds. */
static void
conn_process(Conn *c)
{
  SipTl *tl = c->tl;
  c->busy++;
  while (!c->dead && c->rx->len > 0) {
    const guint8 *b = c->rx->data;
    gsize n = c->rx->len;
    SipFlow flow;
    conn_flow(c, &flow);
    if (b[0] == '\r' || b[0] == '\n') {
      /* RFC 5626 §3.5.1: a ping is CRLFCRLF, a pong is CRLF.  The side that opened the connection
       * sends pings and gets pongs; the other side waits for a whole ping. */
      if (n >= 4 && memcmp(b, "\r\n\r\n", 4) == 0) {
        g_byte_array_remove_range(c->rx, 0, 4);
        keepalive(tl, &flow, FALSE);
        if (!c->outgoing && !c->dead)
          conn_send_raw(c, (const guint8 *)"\r\n", 2);
        continue;
      }
      if (n >= 2 && memcmp(b, "\r\n", 2) == 0 && (c->outgoing || n >= 3)) {
        g_byte_array_remove_range(c->rx, 0, 2);
        keepalive(tl, &flow, TRUE);
        continue;
      }
      if (n < 4 && memcmp(b, "\r\n\r\n", n) == 0)
        break; /* the rest of a ping may follow */
      g_byte_array_remove_range(c->rx, 0, 1); /* a stray CR or LF between messages (§7.5) */
      continue;
    }
    gsize msg_len = 0;
    const char *reason = NULL;
    int r = sip_stream_frame(b, n, &msg_len, &reason);
    if (r == 0)
      break;
    if (r < 0) {
      tl->stats.rx_malformed++;
      sim_trace("sip", "%s drop-malformed %s conn %u %s", tl->name, sip_net_name(c->net), c->id,
                reason ? reason : "framing");
      if (c->tcp)
        tcp_stream_close(c->tcp);
      if (c->tls)
        tls_close(c->tls);
      c->closing = TRUE;
      conn_died(c, "malformed stream");
      break;
    }
    /* Copy the message out: a callback may append to or clear the buffer. */
    g_autofree guint8 *m = g_memdup2(b, msg_len);
    g_byte_array_remove_range(c->rx, 0, (guint)msg_len);
    deliver(tl, m, msg_len, SIP_TP_STREAM, &flow);
  }
  c->busy--;
  conn_reap(c);
}

static void
conn_recv_bytes(Conn *c, const guint8 *data, gsize len)
{
  if (c->dead)
    return;
  g_byte_array_append(c->rx, data, (guint)len);
  conn_process(c);
}

static void
tcp_recv(void *ctx, TcpStream *s, const guint8 *data, gsize len)
{
  conn_recv_bytes(ctx, data, len);
}

static void
tcp_connected(void *ctx, TcpStream *s, gboolean ok)
{
  Conn *c = ctx;
  if (!ok) {
    c->busy++;
    conn_died(c, "tcp connect failed");
    c->busy--;
    conn_reap(c);
  }
}

static void
tcp_closed(void *ctx, TcpStream *s, gboolean error)
{
  Conn *c = ctx;
  c->busy++;
  conn_died(c, error ? "tcp reset" : "tcp closed by peer");
  c->busy--;
  conn_reap(c);
}

static const TcpStreamOps tcp_ops = {.connected = tcp_connected, .recv = tcp_recv, .closed = tcp_closed};

static void
tls_recv(void *ctx, TlsConn *t, const guint8 *data, gsize len)
{
  conn_recv_bytes(ctx, data, len);
}

static void
tls_closed(void *ctx, TlsConn *t, TlsCloseReason reason, guint8 alert)
{
  Conn *c = ctx;
  g_autofree char *why = g_strdup_printf("tls %s%s%s", tls_close_reason_name(reason),
                                         reason == TLS_CLOSED_ALERT || reason == TLS_CLOSED_PROTOCOL ? " " : "",
                                         reason == TLS_CLOSED_ALERT || reason == TLS_CLOSED_PROTOCOL
                                           ? tls_alert_name(alert)
                                           : "");
  c->busy++;
  conn_died(c, why);
  c->busy--;
  conn_reap(c);
}

static const TlsConnOps tls_ops = {.recv = tls_recv, .closed = tls_closed};

static Conn *
conn_add(SipTl *tl, SipNet net, SimAddr remote, gboolean outgoing)
{
  Conn *c = g_new0(Conn, 1);
  c->tl = tl;
  c->id = tl->next_conn++;
  c->net = net;
  c->outgoing = outgoing;
  c->remote = remote;
  c->rx = g_byte_array_new();
  g_hash_table_insert(tl->conns, GUINT_TO_POINTER(c->id), c);
  return c;
}

static void
conn_send_raw(Conn *c, const guint8 *data, gsize len)
{
  if (c->tcp)
    tcp_stream_send(c->tcp, data, len);
  else if (c->tls)
    tls_send(c->tls, data, len);
}

static void
tcp_accepted(void *ctx, SimSock listener, SimSock sock, SimAddr peer)
{
  SipTl *tl = ctx;
  Conn *c = conn_add(tl, SIP_NET_TCP, peer, FALSE);
  c->tcp = tcp_stream_wrap(sock, peer, &tcp_ops, c);
  if (tl->p.tos)
    sim_sock_set_tos(sock, tl->p.tos);
  tl->stats.conns_accepted++;
}

static void
tls_accepted(void *ctx, TlsServer *srv, TlsConn *t, SimAddr peer)
{
  SipTl *tl = ctx;
  Conn *c = conn_add(tl, SIP_NET_TLS, peer, FALSE);
  c->tls = t;
  tls_conn_set_ops(t, &tls_ops, c);
  if (tl->p.tos)
    tls_conn_set_tos(t, tl->p.tos);
  tl->stats.conns_accepted++;
}

static const SimSockOps tcp_listen_ops = {.accepted = tcp_accepted};

/* ---- UDP ---------------------------------------------------------------------------------------- */

static void udp_stun(SipTl *tl, SimSock sock, const guint8 *data, gsize len, const SipFlow *flow);

static void
udp_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  SipTl *tl = ctx;
  SipFlow flow = {.net = SIP_NET_UDP, .remote = from, .local = sim_sock_local(sock)};
  if (stun_looks_like(data, len)) {
    udp_stun(tl, sock, data, len, &flow);
    return;
  }
  gsize i = 0;
  while (i < len && (data[i] == '\r' || data[i] == '\n'))
    i++;
  if (i == len && len > 0) {
    /* A datagram of CR/LF only is a keepalive: CRLF alone is a pong (RFC 5626 §3.5.1). */
    keepalive(tl, &flow, len == 2);
    return;
  }
  deliver(tl, data, len, SIP_TP_DGRAM, &flow);
}

static const SimSockOps udp_ops = {.recv = udp_recv};

/* RFC 5626 §4.4.2 and §8.4: STUN on the SIP port.  A Binding request is answered with the source
 * address as seen here (XOR-MAPPED-ADDRESS) and counts as a ping; a success response is a pong. */
static void
udp_stun(SipTl *tl, SimSock sock, const guint8 *data, gsize len, const SipFlow *flow)
{
  StunMsg m;
  if (stun_msg_parse(data, len, &m, NULL) != 1 || m.method != STUN_METHOD_BINDING) {
    tl->stats.rx_malformed++;
    return;
  }
  if (m.klass == STUN_CLASS_REQUEST) {
    StunBuilder b;
    stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, m.tid);
    stun_add_address(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, flow->remote.addr, flow->remote.port);
    stun_add_fingerprint(&b);
    g_autoptr(GBytes) resp = stun_builder_steal(&b);
    stun_builder_clear(&b);
    sim_udp_send(sock, flow->remote, g_bytes_get_data(resp, NULL), g_bytes_get_size(resp));
    keepalive(tl, flow, FALSE);
  } else if (m.klass == STUN_CLASS_SUCCESS) {
    keepalive(tl, flow, TRUE);
  }
}

/* ---- Public ------------------------------------------------------------------------------------- */

SipTl *
sip_tl_new(SimNode host, const SipTlParams *params, const SipTlOps *ops, void *ctx, GError **error)
{
  g_return_val_if_fail(params != NULL && ops != NULL, NULL);
  SipTl *tl = g_new0(SipTl, 1);
  tl->name = g_strdup(params->name ? params->name : "sip");
  tl->host = host;
  tl->p = *params;
  tl->p.name = tl->name;
  tl->ops = *ops;
  tl->ctx = ctx;
  tl->udp = tl->tcp_lsn = -1;
  tl->next_conn = 1;
  tl->conns = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, conn_free);
  if (params->udp_port) {
    tl->udp = sim_udp_open(host, (SimAddr){params->addr, params->udp_port}, &udp_ops, tl, error);
    if (tl->udp < 0)
      goto fail;
    if (params->tos)
      sim_sock_set_tos(tl->udp, params->tos);
  }
  if (params->tcp_port) {
    tl->tcp_lsn = sim_tcp_listen(host, (SimAddr){params->addr, params->tcp_port}, &tcp_listen_ops, tl, error);
    if (tl->tcp_lsn < 0)
      goto fail;
  }
  if (params->tls_port) {
    tl->tls_lsn = tls_server_listen(host, (SimAddr){params->addr, params->tls_port}, &params->tls, tls_accepted, tl,
                                    error);
    if (!tl->tls_lsn)
      goto fail;
  }
  return tl;
fail:
  sip_tl_free(tl);
  return NULL;
}

void
sip_tl_free(SipTl *tl)
{
  if (!tl)
    return;
  if (tl->udp >= 0)
    sim_sock_close(tl->udp);
  if (tl->tcp_lsn >= 0)
    sim_sock_close(tl->tcp_lsn);
  if (tl->tls_lsn)
    tls_server_free(tl->tls_lsn);
  g_hash_table_destroy(tl->conns);
  g_free(tl->name);
  g_free(tl);
}

static Conn *
find_conn(SipTl *tl, const SipFlow *flow)
{
  if (flow->conn) {
    Conn *c = g_hash_table_lookup(tl->conns, GUINT_TO_POINTER(flow->conn));
    if (c && !c->dead)
      return c;
  }
  /* Reuse an open connection to the same remote over the same transport; lowest id wins, so the
   * choice does not depend on hash-table order. */
  Conn *best = NULL;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, tl->conns);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    Conn *c = v;
    if (!c->dead && c->net == flow->net && c->remote.addr == flow->remote.addr &&
        c->remote.port == flow->remote.port && (!best || c->id < best->id))
      best = c;
  }
  return best;
}

static Conn *
open_conn(SipTl *tl, const SipFlow *flow)
{
  g_autoptr(GError) error = NULL;
  Conn *c = conn_add(tl, flow->net, flow->remote, TRUE);
  SimAddr local = {tl->p.addr, 0};
  if (flow->net == SIP_NET_TCP) {
    c->tcp = tcp_stream_connect(tl->host, local, flow->remote, &tcp_ops, c, &error);
    if (c->tcp && tl->p.tos)
      tcp_stream_set_tos(c->tcp, tl->p.tos);
  } else {
    TlsParams tp = tl->p.tls;
    c->tls = tls_client_new(tl->host, local, flow->remote, &tp, &tls_ops, c, &error);
    if (c->tls && tl->p.tos)
      tls_conn_set_tos(c->tls, tl->p.tos);
  }
  if (!c->tcp && !c->tls) {
    sim_trace("sip", "%s connect-failed %s %s", tl->name, sip_net_name(flow->net), error ? error->message : "");
    g_hash_table_remove(tl->conns, GUINT_TO_POINTER(c->id));
    return NULL;
  }
  tl->stats.conns_opened++;
  return c;
}

gboolean
sip_tl_send(SipTl *tl, SipFlow *flow, const guint8 *data, gsize len)
{
  g_return_val_if_fail(tl != NULL && flow != NULL && data != NULL, FALSE);
  gboolean keepalive_only = len > 0 && (data[0] == '\r' || data[0] == '\n' || stun_looks_like(data, len));
  if (flow->net == SIP_NET_UDP) {
    if (tl->udp < 0 || !sim_udp_send(tl->udp, flow->remote, data, len)) {
      tl->stats.tx_failed++;
      return FALSE;
    }
    flow->local = sim_sock_local(tl->udp);
    flow->conn = 0;
  } else {
    Conn *c = find_conn(tl, flow);
    if (!c)
      c = open_conn(tl, flow);
    if (!c) {
      tl->stats.tx_failed++;
      return FALSE;
    }
    conn_send_raw(c, data, len);
    conn_flow(c, flow);
  }
  if (!keepalive_only) {
    SipMsg msg;
    tl->stats.tx_msgs++;
    if (sip_msg_parse(data, len, flow->net == SIP_NET_UDP ? SIP_TP_DGRAM : SIP_TP_STREAM, &msg, NULL) == 1)
      trace_msg(tl, "send", flow, &msg);
  }
  return TRUE;
}

gboolean
sip_tl_send_ping(SipTl *tl, SipFlow *flow)
{
  return sip_tl_send(tl, flow, (const guint8 *)"\r\n\r\n", 4);
}

gboolean
sip_tl_send_stun_ping(SipTl *tl, SipFlow *flow, const guint8 tid[12])
{
  if (flow->net != SIP_NET_UDP)
    return sip_tl_send_ping(tl, flow); /* RFC 5626 §4.4.1: streams use CRLF */
  StunBuilder b;
  stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
  stun_add_fingerprint(&b);
  g_autoptr(GBytes) req = stun_builder_steal(&b);
  stun_builder_clear(&b);
  return sip_tl_send(tl, flow, g_bytes_get_data(req, NULL), g_bytes_get_size(req));
}

void
sip_tl_close_flow(SipTl *tl, const SipFlow *flow)
{
  if (flow->net == SIP_NET_UDP || !flow->conn)
    return;
  Conn *c = g_hash_table_lookup(tl->conns, GUINT_TO_POINTER(flow->conn));
  if (!c || c->dead)
    return;
  if (c->tcp)
    tcp_stream_close(c->tcp);
  if (c->tls)
    tls_close(c->tls);
  c->dead = TRUE;
  c->closing = TRUE;
}

gboolean
sip_tl_flow_open(SipTl *tl, const SipFlow *flow)
{
  if (flow->net == SIP_NET_UDP)
    return tl->udp >= 0;
  Conn *c = flow->conn ? g_hash_table_lookup(tl->conns, GUINT_TO_POINTER(flow->conn)) : NULL;
  return c && !c->dead;
}

const SipTlStats *
sip_tl_stats(const SipTl *tl)
{
  return &tl->stats;
}

const char *
sip_tl_name(const SipTl *tl)
{
  return tl->name;
}

SimNode
sip_tl_host(const SipTl *tl)
{
  return tl->host;
}

SimAddr
sip_tl_udp_local(const SipTl *tl)
{
  return tl->udp >= 0 ? sim_sock_local(tl->udp) : (SimAddr){0, 0};
}
