/* tls.c — TLS connections: life cycle, public API and the record layer (RFC 5246 §6.2) over a
 * buffered TCP stream; the handshake state machine is in tls-handshake.c.
 *
 *   client                                   server
 *   ClientHello                 -------->
 *                                            ServerHello, Certificate,
 *                               <--------    ServerKeyExchange, ServerHelloDone
 *   ClientKeyExchange, [ChangeCipherSpec],
 *   Finished                    -------->
 *                               <--------    [ChangeCipherSpec], Finished
 *   Application Data            <------->    Application Data
 *
 * Two round trips after TCP's own, as TLS 1.2's full handshake takes.  Each flight goes out as
 * one record where it fits (OpenSSL packs a flight's messages the same way); messages larger
 * than a record are split and reassembled, and the receiver reassembles records across TCP
 * segments and splits several records per segment, TCP being a byte stream.  Records after
 * ChangeCipherSpec are protected by the keystream/tag model of tls-crypto.c.  Every failure ends
 * with the fatal alert a real stack sends (RFC 5246 §7.2.2): a changed protected byte gives
 * bad_record_mac, bytes that are not a TLS record give unexpected_message, a malformed handshake
 * message decode_error, a Finished that does not match the transcript decrypt_error.  In TLS 1.3
 * (tls-handshake.c) protected records carry their real type inside (RFC 8446 §5.2).
 */
#include <string.h>

#include "net/ipv4.h"
#include "stream.h"
#include "tls-private.h"

struct TlsServer {
  SimSock sock;       /* the listening socket */
  TlsParams params;   /* parameters for accepted connections */
  GRand *rand;        /* seeds for accepted connections, in accept order */
  TlsAcceptFn accept; /* owner's callback */
  void *ctx;          /* its context */
};

static void conn_tcp_connected(void *ctx, TcpStream *s, gboolean ok);
static void conn_tcp_recv(void *ctx, TcpStream *s, const guint8 *data, gsize len);
static void conn_tcp_closed(void *ctx, TcpStream *s, gboolean error);

static const TcpStreamOps conn_tcp_ops = {
  .connected = conn_tcp_connected,
  .recv = conn_tcp_recv,
  .closed = conn_tcp_closed,
};

/* ---- Names ---------------------------------------------------------------------------------- */

const char *
tls_alert_name(guint8 desc)
{
  switch (desc) {
  case TLS_ALERT_CLOSE_NOTIFY: return "close_notify";
  case TLS_ALERT_UNEXPECTED_MESSAGE: return "unexpected_message";
  case TLS_ALERT_BAD_RECORD_MAC: return "bad_record_mac";
  case TLS_ALERT_RECORD_OVERFLOW: return "record_overflow";
  case TLS_ALERT_HANDSHAKE_FAILURE: return "handshake_failure";
  case TLS_ALERT_ILLEGAL_PARAMETER: return "illegal_parameter";
  case TLS_ALERT_DECODE_ERROR: return "decode_error";
  case TLS_ALERT_DECRYPT_ERROR: return "decrypt_error";
  case TLS_ALERT_PROTOCOL_VERSION: return "protocol_version";
  case TLS_ALERT_INTERNAL_ERROR: return "internal_error";
  default: return "other";
  }
}

const char *
tls_close_reason_name(TlsCloseReason reason)
{
  static const char *const names[] = {"peer", "alert", "integrity", "protocol", "tcp", "timeout"};
  return (guint)reason < G_N_ELEMENTS(names) ? names[reason] : "unknown";
}

/* ---- Life cycle ----------------------------------------------------------------------------- */

static void
conn_release(TlsConn *c)
{
  sim_cancel(c->timer);
  tcp_stream_free(c->tcp);
  g_byte_array_unref(c->in);
  g_byte_array_unref(c->hs);
  g_byte_array_unref(c->plain);
  g_byte_array_unref(c->early);
  g_checksum_free(c->transcript);
  g_rand_free(c->rand);
  g_free(c->server_name);
  g_free(c);
}

static void
enter(TlsConn *c)
{
  c->busy++;
}

static void
leave(TlsConn *c)
{
  if (--c->busy == 0 && c->freed)
    conn_release(c);
}

/* Callbacks are allowed while the owner still wants them. */
static gboolean
live(const TlsConn *c)
{
  return !c->freed && !c->closing;
}

static void handshake_timeout(void *data);

static TlsConn *
conn_new(TlsRole role, const TlsParams *params, GRand *rand, const TlsConnOps *ops, void *ctx)
{
  TlsConn *c = g_new0(TlsConn, 1);
  c->role = role;
  c->params = *params;
  c->params.server_name = NULL;
  c->rand = rand;
  c->ops = ops ? *ops : (TlsConnOps){0};
  c->ctx = ctx;
  c->in = g_byte_array_new();
  c->hs = g_byte_array_new();
  c->plain = g_byte_array_new();
  c->early = g_byte_array_new();
  c->transcript = g_checksum_new(G_CHECKSUM_SHA256);
  c->stats.alert_sent = -1;
  c->stats.alert_recv = -1;
  if (params->handshake_timeout > 0)
    c->timer = sim_schedule(params->handshake_timeout, handshake_timeout, c);
  return c;
}

/* "client 192.168.1.50:49153>203.0.113.10:5061", "server 203.0.113.10:5061<203.0.113.2:49153" */
static void
set_label(TlsConn *c)
{
  char a[22], b[22];
  SimAddr l = tcp_stream_local(c->tcp), p = tcp_stream_peer(c->tcp);
  gboolean client = c->role == TLS_ROLE_CLIENT;
  g_snprintf(c->label, sizeof c->label, "%s %s%c%s", client ? "client" : "server",
             net_endpoint_format(l.addr, l.port, a), client ? '>' : '<',
             net_endpoint_format(p.addr, p.port, b));
}

/* ---- Writing records ---------------------------------------------------------------------- */

/* One record of up to 2^14 bytes of plaintext, protected once we sent ChangeCipherSpec. */
void
tls_record_write(TlsConn *c, guint8 type, guint16 version, const guint8 *data, gsize len)
{
  g_assert(len <= TLS_MAX_PLAINTEXT);
  GByteArray *rec = g_byte_array_sized_new((guint)(TLS_HEADER_LEN + len + TLS_SEAL_OVERHEAD));
  gboolean protect = c->send_protected && type != TLS_CT_CHANGE_CIPHER_SPEC;
  const guint8 *key = c->role == TLS_ROLE_CLIENT ? c->keys.client_key : c->keys.server_key;
  /* TLS 1.3 hides the content type: every protected record says application_data. */
  guint8 outer = protect && c->tls13 ? TLS_CT_APPLICATION_DATA : type;
  guint8 hdr[TLS_HEADER_LEN] = {outer, (guint8)(version >> 8), (guint8)version, 0, 0};
  g_byte_array_append(rec, hdr, TLS_HEADER_LEN);
  if (protect && c->tls13)
    tls_seal13(key, c->send_seq++, type, data, len, rec);
  else if (protect)
    tls_seal(key, c->send_seq++, type, data, len, rec);
  else if (len)
    g_byte_array_append(rec, data, (guint)len);
  gsize frag = rec->len - TLS_HEADER_LEN;
  rec->data[3] = (guint8)(frag >> 8);
  rec->data[4] = (guint8)frag;
  c->stats.records_sent++;
  c->stats.wire_bytes_sent += rec->len;
  if (c->state != ST_ESTABLISHED)
    c->stats.handshake_bytes_sent += rec->len;
  tcp_stream_send(c->tcp, rec->data, rec->len);
  g_byte_array_unref(rec);
}

/* A run of bytes of one content type, split into records of at most 2^14 bytes. */
void
tls_records_write(TlsConn *c, guint8 type, guint16 version, const guint8 *data, gsize len)
{
  gsize off = 0;
  do {
    gsize n = MIN(len - off, TLS_MAX_PLAINTEXT);
    tls_record_write(c, type, version, data + off, n);
    off += n;
  } while (off < len);
}

void
tls_alert_write(TlsConn *c, guint8 level, guint8 desc)
{
  guint8 a[2] = {level, desc};
  sim_trace("tls", "%s tx alert level=%u %s", c->label, level, tls_alert_name(desc));
  c->stats.alert_sent = desc;
  tls_record_write(c, TLS_CT_ALERT, TLS_VERSION_1_2, a, 2);
}

void
tls_ccs_write(TlsConn *c)
{
  static const guint8 one = 1;
  sim_trace("tls", "%s tx ChangeCipherSpec", c->label);
  tls_record_write(c, TLS_CT_CHANGE_CIPHER_SPEC, TLS_VERSION_1_2, &one, 1);
  if (!c->tls13) { /* in TLS 1.3 it changes nothing (RFC 8446 §D.4) */
    c->send_protected = TRUE;
    c->send_seq = 0;
  }
}

static void
send_app(TlsConn *c, const guint8 *data, gsize len)
{
  gsize off = 0;
  while (off < len) {
    gsize n = MIN(len - off, TLS_MAX_PLAINTEXT);
    tls_record_write(c, TLS_CT_APPLICATION_DATA, TLS_VERSION_1_2, data + off, n);
    off += n;
  }
  c->stats.app_bytes_sent += len;
}

/* ---- Ending ----------------------------------------------------------------------------------- */

/* The connection is over: close TCP (after anything queued) and tell the owner. */
static void
finish(TlsConn *c, TlsCloseReason reason, guint8 alert)
{
  if (c->state == ST_CLOSED)
    return;
  gboolean was_established = c->state == ST_ESTABLISHED;
  c->state = ST_CLOSED;
  sim_cancel(c->timer);
  c->timer = 0;
  tcp_stream_close(c->tcp);
  sim_trace("tls", "%s closed %s alert=%s", c->label, tls_close_reason_name(reason),
            reason == TLS_CLOSED_ALERT || reason == TLS_CLOSED_INTEGRITY ||
                    reason == TLS_CLOSED_PROTOCOL
                ? tls_alert_name(alert)
                : "-");
  if (!was_established && live(c) && c->ops.established)
    c->ops.established(c->ctx, c, FALSE);
  if (live(c) && c->ops.closed)
    c->ops.closed(c->ctx, c, reason, alert);
}

/* A fatal error we detected: send the alert (RFC 5246 §7.2.2), close, report. */
void
tls_conn_fail(TlsConn *c, guint8 alert, const char *why)
{
  if (c->state == ST_CLOSED)
    return;
  c->stats.error = why;
  sim_trace("tls", "%s error %s", c->label, why);
  tls_alert_write(c, 2, alert);
  finish(c, alert == TLS_ALERT_BAD_RECORD_MAC ? TLS_CLOSED_INTEGRITY : TLS_CLOSED_PROTOCOL,
         alert);
}

static void
handshake_timeout(void *data)
{
  TlsConn *c = data;
  c->timer = 0;
  if (c->state == ST_ESTABLISHED || c->state == ST_CLOSED)
    return;
  enter(c);
  c->stats.error = "handshake timeout";
  finish(c, TLS_CLOSED_TIMEOUT, 0); /* no alert: the peer may be gone (as OpenSSL callers do) */
  leave(c);
}

void
tls_conn_become_established(TlsConn *c)
{
  c->state = ST_ESTABLISHED;
  c->stats.established_at = sim_now();
  c->stats.version = c->tls13 ? TLS_VERSION_1_3 : TLS_VERSION_1_2;
  sim_cancel(c->timer);
  c->timer = 0;
  sim_trace("tls", "%s established after %.6f s", c->label,
            SIM_TIME_TO_S(c->stats.established_at - c->stats.started));
  if (c->early->len > 0 && !c->closing) {
    send_app(c, c->early->data, c->early->len);
    g_byte_array_set_size(c->early, 0);
  }
  if (live(c) && c->ops.established)
    c->ops.established(c->ctx, c, TRUE);
}

static void
handle_alert(TlsConn *c, const guint8 *a, gsize len)
{
  if (len != 2) {
    tls_conn_fail(c, TLS_ALERT_DECODE_ERROR, "bad alert");
    return;
  }
  c->stats.alert_recv = a[1];
  sim_trace("tls", "%s rx alert level=%u %s", c->label, a[0], tls_alert_name(a[1]));
  if (a[1] == TLS_ALERT_CLOSE_NOTIFY) {
    /* RFC 5246 §7.2.1: answer with our own close_notify and close down at once. */
    tls_alert_write(c, 1, TLS_ALERT_CLOSE_NOTIFY);
    finish(c, TLS_CLOSED_PEER, 0);
  } else if (a[0] == 2) {
    finish(c, TLS_CLOSED_ALERT, a[1]); /* fatal: no answer (RFC 5246 §7.2.2) */
  }
  /* Other warnings are ignored. */
}

/* One whole record as read from the wire. */
static void
handle_record(TlsConn *c, guint8 type, const guint8 *frag, gsize len)
{
  c->stats.records_recv++;
  c->stats.wire_bytes_recv += TLS_HEADER_LEN + len;
  if (c->state != ST_ESTABLISHED)
    c->stats.handshake_bytes_recv += TLS_HEADER_LEN + len;

  const guint8 *data = frag;
  gsize dlen = len;
  if (c->recv_protected && type != TLS_CT_CHANGE_CIPHER_SPEC) {
    const guint8 *key = c->role == TLS_ROLE_CLIENT ? c->keys.server_key : c->keys.client_key;
    gboolean ok;
    if (c->tls13 && type != TLS_CT_APPLICATION_DATA) {
      /* RFC 8446 §5: once protected, every record but a ChangeCipherSpec is application_data. */
      tls_conn_fail(c, TLS_ALERT_UNEXPECTED_MESSAGE, "unprotected record after the keys");
      return;
    }
    if (c->tls13)
      ok = tls_open13(key, c->recv_seq, frag, len, c->plain, &type);
    else
      ok = tls_open(key, c->recv_seq, type, frag, len, c->plain);
    if (!ok) {
      tls_conn_fail(c, TLS_ALERT_BAD_RECORD_MAC, "bad record tag");
      return;
    }
    c->recv_seq++;
    data = c->plain->data;
    dlen = c->plain->len;
    if (type < TLS_CT_ALERT || type > TLS_CT_APPLICATION_DATA) {
      tls_conn_fail(c, TLS_ALERT_UNEXPECTED_MESSAGE, "bad inner content type"); /* §5.4 */
      return;
    }
  }
  if (dlen > TLS_MAX_PLAINTEXT) {
    tls_conn_fail(c, TLS_ALERT_RECORD_OVERFLOW, "record too long");
    return;
  }
  switch (type) {
  case TLS_CT_CHANGE_CIPHER_SPEC:
    sim_trace("tls", "%s rx ChangeCipherSpec", c->label);
    if (c->tls13 && c->state != ST_ESTABLISHED && dlen == 1 && data[0] == 1) {
      break; /* TLS 1.3 compatibility record: dropped (RFC 8446 §5) */
    } else if (c->state != ST_WAIT_CCS || c->hs->len != 0) {
      tls_conn_fail(c, TLS_ALERT_UNEXPECTED_MESSAGE, "unexpected ChangeCipherSpec");
    } else if (dlen != 1 || data[0] != 1) {
      tls_conn_fail(c, TLS_ALERT_DECODE_ERROR, "bad ChangeCipherSpec");
    } else {
      c->recv_protected = TRUE;
      c->recv_seq = 0;
      c->state = ST_WAIT_FIN;
    }
    break;
  case TLS_CT_ALERT:
    handle_alert(c, data, dlen);
    break;
  case TLS_CT_HANDSHAKE:
    if (dlen == 0)
      tls_conn_fail(c, TLS_ALERT_DECODE_ERROR, "empty handshake record"); /* RFC 5246 §6.2.1 */
    else
      tls_handshake_recv(c, data, dlen);
    break;
  case TLS_CT_APPLICATION_DATA:
    if (c->state != ST_ESTABLISHED) {
      tls_conn_fail(c, TLS_ALERT_UNEXPECTED_MESSAGE, "application data before the handshake");
      return;
    }
    {
      const guint8 *tag = frag + len - TLS_TAG_LEN; /* seed-dependent: fingerprints the bytes */
      sim_trace("tls", "%s rx appdata seq=%" G_GUINT64_FORMAT " len=%zu tag=%02x%02x%02x%02x",
                c->label, c->recv_seq - 1, dlen, tag[0], tag[1], tag[2], tag[3]);
    }
    c->stats.app_bytes_recv += dlen;
    if (dlen > 0 && live(c) && c->ops.recv)
      c->ops.recv(c->ctx, c, data, dlen);
    break;
  }
}

/* ---- TCP callbacks ---------------------------------------------------------------------------- */

static void
conn_tcp_connected(void *ctx, TcpStream *s, gboolean ok)
{
  TlsConn *c = ctx;
  enter(c);
  set_label(c);
  if (!ok) {
    c->stats.error = "TCP connect failed";
    finish(c, TLS_CLOSED_TCP, 0);
  } else {
    c->stats.started = sim_now();
    tls_handshake_start(c);
  }
  leave(c);
}

static void
conn_tcp_recv(void *ctx, TcpStream *s, const guint8 *data, gsize len)
{
  TlsConn *c = ctx;
  if (c->state == ST_CLOSED)
    return;
  enter(c);
  g_byte_array_append(c->in, data, (guint)len);
  guint off = 0;
  while (c->state != ST_CLOSED && !c->freed && c->in->len - off >= TLS_HEADER_LEN) {
    const guint8 *h = c->in->data + off;
    gsize flen = (gsize)h[3] << 8 | h[4];
    if (h[0] < TLS_CT_CHANGE_CIPHER_SPEC || h[0] > TLS_CT_APPLICATION_DATA) {
      /* RFC 5246 §6.2.1: an unknown content type gets unexpected_message. */
      tls_conn_fail(c, TLS_ALERT_UNEXPECTED_MESSAGE, "not a TLS record");
      break;
    }
    if (h[1] != 3) {
      tls_conn_fail(c, TLS_ALERT_PROTOCOL_VERSION, "bad record version");
      break;
    }
    if (flen > TLS_MAX_CIPHERTEXT) {
      tls_conn_fail(c, TLS_ALERT_RECORD_OVERFLOW, "record too long"); /* RFC 5246 §6.2.3 */
      break;
    }
    if (c->in->len - off < TLS_HEADER_LEN + flen)
      break;
    off += (guint)(TLS_HEADER_LEN + flen);
    handle_record(c, h[0], h + TLS_HEADER_LEN, flen);
  }
  if (c->state == ST_CLOSED)
    g_byte_array_set_size(c->in, 0);
  else
    g_byte_array_remove_range(c->in, 0, off);
  leave(c);
}

static void
conn_tcp_closed(void *ctx, TcpStream *s, gboolean error)
{
  TlsConn *c = ctx;
  enter(c);
  if (c->state != ST_CLOSED) {
    c->stats.error = error ? "TCP reset" : "TCP closed without close_notify";
    finish(c, TLS_CLOSED_TCP, 0);
  }
  leave(c);
}

/* ---- Public API ------------------------------------------------------------------------------- */

static gboolean
is_ipv4_literal(const char *name)
{
  guint32 a;
  return sim_addr_parse(name, &a);
}

TlsConn *
tls_client_new(SimNode host, SimAddr local, SimAddr remote, const TlsParams *params,
               const TlsConnOps *ops, void *ctx, GError **error)
{
  g_return_val_if_fail(params != NULL, NULL);
  TlsConn *c = conn_new(TLS_ROLE_CLIENT, params, sim_rand_new(SIM_STREAM_TLS + params->index),
                        ops, ctx);
  /* RFC 6066 §3: literal IPv4 and IPv6 addresses are not permitted in HostName. */
  if (params->server_name && params->server_name[0] && !is_ipv4_literal(params->server_name))
    c->server_name = g_strdup(params->server_name);
  c->state = ST_CONNECTING;
  c->tcp = tcp_stream_connect(host, local, remote, &conn_tcp_ops, c, error);
  if (c->tcp == NULL) {
    conn_release(c);
    return NULL;
  }
  set_label(c);
  return c;
}

static TlsConn *
server_conn_new(SimSock sock, SimAddr peer, const TlsParams *params, GRand *rand,
                const TlsConnOps *ops, void *ctx)
{
  TlsConn *c = conn_new(TLS_ROLE_SERVER, params, rand, ops, ctx);
  c->state = ST_WAIT_CH;
  c->stats.started = sim_now();
  c->tcp = tcp_stream_wrap(sock, peer, &conn_tcp_ops, c);
  set_label(c);
  return c;
}

TlsConn *
tls_server_wrap(SimSock sock, SimAddr peer, const TlsParams *params, const TlsConnOps *ops,
                void *ctx)
{
  g_return_val_if_fail(params != NULL && sock >= 0, NULL);
  return server_conn_new(sock, peer, params, sim_rand_new(SIM_STREAM_TLS + params->index), ops,
                         ctx);
}

static void
server_accepted(void *ctx, SimSock listener, SimSock conn, SimAddr peer)
{
  TlsServer *srv = ctx;
  /* Each connection's stream is seeded from the listener's, in accept order. */
  guint32 seed[4];
  for (int i = 0; i < 4; i++)
    seed[i] = g_rand_int(srv->rand);
  TlsConn *c = server_conn_new(conn, peer, &srv->params, g_rand_new_with_seed_array(seed, 4),
                               NULL, NULL);
  if (srv->accept)
    srv->accept(srv->ctx, srv, c, peer);
  else
    tls_conn_free(c);
}

TlsServer *
tls_server_listen(SimNode host, SimAddr local, const TlsParams *params, TlsAcceptFn accept,
                  void *ctx, GError **error)
{
  g_return_val_if_fail(params != NULL, NULL);
  static const SimSockOps listen_ops = {.accepted = server_accepted};
  TlsServer *srv = g_new0(TlsServer, 1);
  srv->params = *params;
  srv->params.server_name = NULL;
  srv->accept = accept;
  srv->ctx = ctx;
  srv->sock = sim_tcp_listen(host, local, &listen_ops, srv, error);
  if (srv->sock < 0) {
    g_free(srv);
    return NULL;
  }
  srv->rand = sim_rand_new(SIM_STREAM_TLS + params->index);
  return srv;
}

void
tls_server_free(TlsServer *srv)
{
  if (srv == NULL)
    return;
  sim_sock_close(srv->sock);
  g_rand_free(srv->rand);
  g_free(srv);
}

void
tls_conn_set_ops(TlsConn *c, const TlsConnOps *ops, void *ctx)
{
  g_return_if_fail(c != NULL);
  c->ops = ops ? *ops : (TlsConnOps){0};
  c->ctx = ctx;
}

gboolean
tls_send(TlsConn *c, const guint8 *data, gsize len)
{
  g_return_val_if_fail(c != NULL, FALSE);
  if (c->state == ST_CLOSED || c->closing || c->freed)
    return FALSE;
  if (len == 0)
    return TRUE;
  g_return_val_if_fail(data != NULL, FALSE);
  if (c->state != ST_ESTABLISHED)
    g_byte_array_append(c->early, data, (guint)len);
  else
    send_app(c, data, len);
  return TRUE;
}

void
tls_close(TlsConn *c)
{
  g_return_if_fail(c != NULL);
  if (c->closing || c->state == ST_CLOSED) {
    c->closing = TRUE;
    return;
  }
  c->closing = TRUE;
  /* close_notify may be sent at any time (RFC 5246 §7.2.1); not before TCP is up. */
  if (c->state != ST_CONNECTING)
    tls_alert_write(c, 1, TLS_ALERT_CLOSE_NOTIFY);
  c->state = ST_CLOSED;
  sim_cancel(c->timer);
  c->timer = 0;
  tcp_stream_close(c->tcp);
  sim_trace("tls", "%s closed local", c->label);
}

void
tls_conn_free(TlsConn *c)
{
  if (c == NULL || c->freed)
    return;
  c->freed = TRUE;
  sim_cancel(c->timer);
  c->timer = 0;
  if (c->busy == 0)
    conn_release(c);
}

gboolean
tls_conn_set_tos(TlsConn *c, guint8 tos)
{
  g_return_val_if_fail(c != NULL, FALSE);
  return tcp_stream_set_tos(c->tcp, tos);
}

gboolean
tls_conn_is_established(const TlsConn *c)
{
  return c != NULL && c->state == ST_ESTABLISHED;
}

TlsRole
tls_conn_role(const TlsConn *c)
{
  return c->role;
}

SimAddr
tls_conn_local(const TlsConn *c)
{
  return tcp_stream_local(c->tcp);
}

SimAddr
tls_conn_peer(const TlsConn *c)
{
  return tcp_stream_peer(c->tcp);
}

const char *
tls_conn_server_name(const TlsConn *c)
{
  return c->server_name;
}

const TlsStats *
tls_conn_stats(const TlsConn *c)
{
  return &c->stats;
}
