/* turn-client.c — a TURN client (RFC 8656 §6-§12): setup, the transport to the server (UDP, or
 * TCP/TLS framed with turn_frame_stream(), RFC 8656 §12.5), reception of responses, Data
 * indications and ChannelData, and the public API.  Data goes to a peer as ChannelData once a
 * channel is bound (padded to 4 bytes over TCP/TLS) and as a Send indication otherwise (§10,
 * §12).  Transactions, credentials and refresh timers are in turn-client-txn.c.
 */
#include <string.h>

#include "turn-client-private.h"

/* ---- Setup ------------------------------------------------------------------------------------ */

void
turn_client_setup_default(TurnClientSetup *s)
{
  memset(s, 0, sizeof *s);
  s->transport = TURN_TRANSPORT_UDP;
  s->username = "turnuser";
  s->password = "turnpass";
  s->lifetime_s = 600;
  s->refresh_margin_s = 60;
  s->permission_refresh_s = 240;
  s->channel_refresh_s = 540;
  s->keepalive_s = 15;
  stun_client_params_default(&s->stun);
  tls_params_default(&s->tls);
}

void
turn_client_setup_from_config(const Config *cfg, TurnClientSetup *s)
{
  s->transport = (TurnTransport)cfg_enum(cfg, "turn.client_transport");
  s->username = cfg_str(cfg, "turn.username");
  s->password = cfg_str(cfg, "turn.password");
  s->lifetime_s = (guint)cfg_int(cfg, "turn.client_lifetime_s");
  s->refresh_margin_s = (guint)cfg_int(cfg, "turn.refresh_margin_s");
  s->permission_refresh_s = (guint)cfg_int(cfg, "turn.permission_refresh_s");
  s->channel_refresh_s = (guint)cfg_int(cfg, "turn.channel_refresh_s");
  s->keepalive_s = (guint)cfg_int(cfg, "turn.keepalive_s");
  stun_client_params_from_config(cfg, &s->stun);
  tls_params_from_config(cfg, &s->tls);
}

/* ---- Sending ---------------------------------------------------------------------------------- */

void
turn_cl_send_raw(TurnClient *c, const guint8 *data, gsize len)
{
  if (c->udp >= 0)
    sim_udp_send(c->udp, c->setup.server, data, len);
  else if (c->tcp != NULL)
    tcp_stream_send(c->tcp, data, len);
  else if (c->tls != NULL)
    tls_send(c->tls, data, len);
}

void
turn_cl_new_tid(TurnClient *c, guint8 tid[STUN_TID_LEN])
{
  for (int i = 0; i < STUN_TID_LEN; i += 4)
    stun_wr32(tid + i, g_rand_int(c->rand));
}

gboolean
turn_cl_finish_request(TurnClient *c, StunBuilder *b)
{
  gboolean authed = c->realm != NULL && c->nonce != NULL;
  if (authed) {
    stun_add_text(b, STUN_ATTR_USERNAME, c->username);
    stun_add_text(b, STUN_ATTR_REALM, c->realm);
    stun_add_text(b, STUN_ATTR_NONCE, c->nonce);
    stun_add_integrity(b, c->key, sizeof c->key);
  }
  stun_add_fingerprint(b);
  return authed;
}

/* ---- Reception -------------------------------------------------------------------------------- */

static void
deliver(TurnClient *c, SimAddr peer, const guint8 *data, gsize len)
{
  c->stats.recv_packets++;
  c->stats.recv_bytes += len;
  if (c->ops.data != NULL)
    c->ops.data(c->ctx, c, peer, data, len);
}

static void
handle_message(TurnClient *c, const guint8 *data, gsize len)
{
  if (turn_looks_like_channel_data(data, len)) {
    TurnChannelData cd;
    CChan *ch = NULL;
    if (turn_channel_data_parse(data, len, c->udp < 0, &cd, NULL) != 1 ||
        (ch = turn_cl_chan_find(c, cd.channel)) == NULL || !ch->bound) {
      c->stats.dropped++;
      return;
    }
    c->stats.channel_data_recv++;
    deliver(c, ch->peer, data + cd.off, cd.len);
    return;
  }
  StunMsg msg;
  if (stun_msg_parse(data, len, &msg, NULL) != 1) {
    c->stats.dropped++;
    return;
  }
  if (msg.klass == STUN_CLASS_INDICATION) {
    SimAddr peer;
    const guint8 *d = NULL;
    gsize dlen = 0;
    if (msg.method != TURN_METHOD_DATA ||
        turn_msg_get_xor_addr4(&msg, TURN_ATTR_XOR_PEER_ADDRESS, &peer) != 1 ||
        turn_msg_get_data(&msg, &d, &dlen) != 1) {
      c->stats.dropped++;
      return;
    }
    c->stats.data_indications++;
    deliver(c, peer, d, dlen);
    return;
  }
  if (msg.klass == STUN_CLASS_SUCCESS || msg.klass == STUN_CLASS_ERROR)
    turn_cl_handle_response(c, &msg);
}

static void
udp_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  TurnClient *c = ctx;
  if (from.addr != c->setup.server.addr || from.port != c->setup.server.port) {
    c->stats.dropped++; /* only the server speaks to this socket */
    return;
  }
  handle_message(c, data, len);
}

static const SimSockOps udp_ops = { .recv = udp_recv };

static void
stream_recv(TurnClient *c, const guint8 *data, gsize len)
{
  g_byte_array_append(c->rx, data, (guint)len);
  gsize used = 0, frame = 0;
  int rc;
  while ((rc = turn_frame_stream(c->rx->data + used, c->rx->len - used, &frame, NULL)) == 1) {
    handle_message(c, c->rx->data + used, frame);
    used += frame;
    if (c->state == TURN_CLIENT_FAILED)
      break;
  }
  g_byte_array_remove_range(c->rx, 0, (guint)used);
  if (rc < 0)
    turn_cl_lost(c, 0, "stream cannot be framed");
}

static void
tcp_connected(void *ctx, TcpStream *s, gboolean ok)
{
  if (!ok)
    turn_cl_lost(ctx, 0, "TCP connect failed");
}

static void
tcp_recv(void *ctx, TcpStream *s, const guint8 *data, gsize len)
{
  stream_recv(ctx, data, len);
}

static void
tcp_closed(void *ctx, TcpStream *s, gboolean error)
{
  turn_cl_lost(ctx, 0, error ? "TCP reset" : "TCP closed by the server");
}

static const TcpStreamOps tcp_ops = { .connected = tcp_connected, .recv = tcp_recv,
                                      .closed = tcp_closed };

static void
tls_recv(void *ctx, TlsConn *t, const guint8 *data, gsize len)
{
  stream_recv(ctx, data, len);
}

static void
tls_closed(void *ctx, TlsConn *t, TlsCloseReason reason, guint8 alert)
{
  turn_cl_lost(ctx, 0, tls_close_reason_name(reason));
}

static const TlsConnOps tls_ops = { .recv = tls_recv, .closed = tls_closed };

/* ---- Public API ------------------------------------------------------------------------------- */

TurnClient *
turn_client_new(SimNode host, const TurnClientSetup *setup, const TurnClientOps *ops, void *ctx,
                GError **error)
{
  g_return_val_if_fail(setup != NULL, NULL);
  const StunClientParams *p = &setup->stun;
  if (setup->server.addr == 0 || setup->server.port == 0 || setup->username == NULL ||
      setup->password == NULL || p->rto_ms == 0 || p->max_sends == 0 ||
      p->max_sends > STUN_MAX_SENDS || p->rm == 0 || setup->permission_refresh_s == 0 ||
      setup->channel_refresh_s == 0) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                "TURN client: needs a server address, credentials, refresh intervals > 0 and "
                "valid stun.* retransmission parameters");
    return NULL;
  }
  TurnClient *c = g_new0(TurnClient, 1);
  c->host = host;
  c->setup = *setup;
  c->username = g_strdup(setup->username);
  c->password = g_strdup(setup->password);
  c->setup.username = c->username;
  c->setup.password = c->password;
  if (ops != NULL)
    c->ops = *ops;
  c->ctx = ctx;
  c->udp = -1;
  c->rand = sim_rand_new(SIM_STREAM_TURN + 100 + setup->index);
  c->rx = g_byte_array_new();
  c->txns = g_ptr_array_new_with_free_func(turn_cl_txn_free);
  c->perms = g_ptr_array_new_with_free_func(turn_cl_perm_free);
  c->chans = g_ptr_array_new_with_free_func(turn_cl_chan_free);
  c->next_channel = TURN_CHANNEL_MIN;
  if (setup->transport == TURN_TRANSPORT_UDP) {
    c->udp = sim_udp_open(host, setup->local, &udp_ops, c, error);
    if (c->udp >= 0)
      c->local = sim_sock_local(c->udp);
  } else if (setup->transport == TURN_TRANSPORT_TCP) {
    c->tcp = tcp_stream_connect(host, setup->local, setup->server, &tcp_ops, c, error);
    if (c->tcp != NULL)
      c->local = tcp_stream_local(c->tcp);
  } else {
    TlsParams tp = setup->tls;
    tp.index = 400 + setup->index;
    c->tls = tls_client_new(host, setup->local, setup->server, &tp, &tls_ops, c, error);
    if (c->tls != NULL)
      c->local = tls_conn_local(c->tls);
  }
  if (c->udp < 0 && c->tcp == NULL && c->tls == NULL) {
    turn_client_free(c);
    return NULL;
  }
  if (c->local.addr == 0)
    c->local.addr = setup->local.addr;
  return c;
}

void
turn_client_free(TurnClient *c)
{
  if (c == NULL)
    return;
  if (c->state == TURN_CLIENT_ALLOCATED) {
    /* RFC 8656 §7.1: deallocate with a Refresh whose LIFETIME is 0; nobody waits for the answer. */
    Txn t = { .client = c, .op = OP_REFRESH };
    turn_cl_new_tid(c, t.tid);
    StunBuilder b;
    stun_builder_init(&b, TURN_METHOD_REFRESH, STUN_CLASS_REQUEST, t.tid);
    turn_add_lifetime(&b, 0);
    turn_cl_finish_request(c, &b);
    g_autoptr(GBytes) bytes = stun_builder_steal(&b);
    gsize len;
    const guint8 *data = g_bytes_get_data(bytes, &len);
    char b1[24], tid[25];
    sim_trace("turn", "client %s -> deallocate Refresh lifetime 0 tid %s",
              stun_fmt_addr(c->local, b1), stun_fmt_tid(t.tid, tid));
    turn_cl_send_raw(c, data, len);
  }
  sim_cancel(c->refresh_timer);
  sim_cancel(c->keepalive_timer);
  g_ptr_array_unref(c->txns);
  g_ptr_array_unref(c->perms);
  g_ptr_array_unref(c->chans);
  if (c->udp >= 0)
    sim_sock_close(c->udp);
  if (c->tcp != NULL) {
    tcp_stream_close(c->tcp);
    tcp_stream_free(c->tcp);
  }
  if (c->tls != NULL) {
    tls_close(c->tls);
    tls_conn_free(c->tls);
  }
  g_byte_array_unref(c->rx);
  g_rand_free(c->rand);
  g_free(c->realm);
  g_free(c->nonce);
  g_free(c->username);
  g_free(c->password);
  g_free(c);
}

gboolean
turn_client_allocate(TurnClient *c)
{
  g_return_val_if_fail(c != NULL, FALSE);
  if (c->state != TURN_CLIENT_IDLE)
    return FALSE;
  c->state = TURN_CLIENT_ALLOCATING;
  turn_cl_start_allocate(c);
  return TRUE;
}

gboolean
turn_client_permit(TurnClient *c, guint32 peer_ip)
{
  g_return_val_if_fail(c != NULL, FALSE);
  if (c->state != TURN_CLIENT_ALLOCATED)
    return FALSE;
  if (turn_cl_perm_find(c, peer_ip) == NULL) {
    CPerm *p = g_new0(CPerm, 1);
    p->client = c;
    p->ip = peer_ip;
    g_ptr_array_add(c->perms, p);
  }
  turn_cl_start_permission(c, peer_ip);
  return TRUE;
}

guint16
turn_client_bind(TurnClient *c, SimAddr peer)
{
  g_return_val_if_fail(c != NULL, 0);
  if (c->state != TURN_CLIENT_ALLOCATED)
    return 0;
  for (guint i = 0; i < c->chans->len; i++) {
    CChan *ch = c->chans->pdata[i];
    if (ch->peer.addr == peer.addr && ch->peer.port == peer.port)
      return ch->number;
  }
  if (c->next_channel > TURN_CHANNEL_MAX)
    return 0;
  if (turn_cl_perm_find(c, peer.addr) == NULL) {
    CPerm *p = g_new0(CPerm, 1); /* armed when the binding succeeds */
    p->client = c;
    p->ip = peer.addr;
    g_ptr_array_add(c->perms, p);
  }
  CChan *ch = g_new0(CChan, 1);
  ch->client = c;
  ch->number = c->next_channel++;
  ch->peer = peer;
  g_ptr_array_add(c->chans, ch);
  turn_cl_start_channel(c, ch);
  return ch->number;
}

gboolean
turn_client_send(TurnClient *c, SimAddr peer, const guint8 *data, gsize len)
{
  g_return_val_if_fail(c != NULL && (data != NULL || len == 0), FALSE);
  if (c->state != TURN_CLIENT_ALLOCATED)
    return FALSE;
  guint16 channel = turn_client_channel(c, peer);
  g_autoptr(GBytes) bytes = NULL;
  if (channel != 0) {
    bytes = turn_channel_data_build(channel, data, len, c->udp < 0);
    if (bytes == NULL)
      return FALSE;
    c->stats.channel_data_sent++;
  } else {
    guint8 tid[STUN_TID_LEN];
    turn_cl_new_tid(c, tid);
    StunBuilder b;
    stun_builder_init(&b, TURN_METHOD_SEND, STUN_CLASS_INDICATION, tid);
    if (!turn_add_xor_address(&b, TURN_ATTR_XOR_PEER_ADDRESS, peer) ||
        !turn_add_data(&b, data, len) || !stun_add_fingerprint(&b)) {
      stun_builder_clear(&b);
      return FALSE;
    }
    bytes = stun_builder_steal(&b);
    c->stats.send_indications++;
  }
  c->stats.sent_packets++;
  c->stats.sent_bytes += len;
  gsize blen;
  const guint8 *bdata = g_bytes_get_data(bytes, &blen);
  turn_cl_send_raw(c, bdata, blen);
  return TRUE;
}

TurnClientState
turn_client_state(const TurnClient *c)
{
  return c->state;
}

SimAddr
turn_client_local(const TurnClient *c)
{
  SimAddr a = c->local;
  if (c->tcp != NULL)
    a = tcp_stream_local(c->tcp);
  else if (c->tls != NULL)
    a = tls_conn_local(c->tls);
  if (a.addr == 0)
    a.addr = c->setup.local.addr;
  return a;
}

SimAddr
turn_client_relayed(const TurnClient *c)
{
  return c->relayed;
}

SimAddr
turn_client_mapped(const TurnClient *c)
{
  return c->mapped;
}

guint16
turn_client_channel(const TurnClient *c, SimAddr peer)
{
  for (guint i = 0; i < c->chans->len; i++) {
    const CChan *ch = c->chans->pdata[i];
    if (ch->bound && ch->peer.addr == peer.addr && ch->peer.port == peer.port)
      return ch->number;
  }
  return 0;
}

const TurnClientStats *
turn_client_stats(const TurnClient *c)
{
  return &c->stats;
}
