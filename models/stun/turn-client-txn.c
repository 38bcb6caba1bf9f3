/* turn-client-txn.c — the TURN client's transactions (RFC 8656 §6-§12) with the long-term
 * credential mechanism of RFC 8489 §9.2.
 *
 * The first Allocate goes without credentials; the server's 401 brings REALM and NONCE, and the
 * client retries with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY, as every later request does.
 * A 401 to a request that carried credentials means they are wrong: the operation fails (§9.2.5).
 * A 438 brings a new NONCE and the request is retried with it.  Responses to authenticated
 * requests must carry a valid MESSAGE-INTEGRITY, or they are discarded.  The allocation is
 * refreshed refresh_margin_s before it expires (§8: "1 minute before"), permissions every
 * 240 s (§9.1) and channels every 540 s (§12.1).  Over UDP requests are retransmitted after RTO,
 * 2·RTO, ... for Rc sends and fail Rm·RTO after the last (RFC 8489 §6.2.1); over TCP/TLS they are
 * sent once and fail after the same total time, Ti = 39.5 s with the defaults (§6.2.2).
 */
#include <string.h>

#include "turn-client-private.h"

static const char *
op_name(OpKind op)
{
  static const char *const names[] = { "Allocate", "Refresh", "CreatePermission", "ChannelBind" };
  return names[op];
}

static guint16
op_method(OpKind op)
{
  static const guint16 methods[] = { TURN_METHOD_ALLOCATE, TURN_METHOD_REFRESH,
                                     TURN_METHOD_CREATE_PERMISSION, TURN_METHOD_CHANNEL_BIND };
  return methods[op];
}

static GBytes *
build_request(TurnClient *c, Txn *t, guint32 lifetime)
{
  StunBuilder b;
  stun_builder_init(&b, op_method(t->op), STUN_CLASS_REQUEST, t->tid);
  switch (t->op) {
  case OP_ALLOCATE:
    turn_add_requested_transport(&b, TURN_PROTO_UDP);
    if (lifetime != 0)
      turn_add_lifetime(&b, lifetime);
    break;
  case OP_REFRESH:
    if (lifetime != 0)
      turn_add_lifetime(&b, lifetime);
    break;
  case OP_PERMISSION:
    turn_add_xor_address(&b, TURN_ATTR_XOR_PEER_ADDRESS, (SimAddr){ t->peer_ip, 0 });
    break;
  case OP_CHANNEL:
    turn_add_channel_number(&b, t->channel);
    turn_add_xor_address(&b, TURN_ATTR_XOR_PEER_ADDRESS, t->peer);
    break;
  }
  t->authed = turn_cl_finish_request(c, &b);
  return stun_builder_steal(&b);
}

/* ---- Transactions ----------------------------------------------------------------------------- */

void
turn_cl_txn_free(gpointer p)
{
  Txn *t = p;
  sim_cancel(t->timer);
  g_bytes_unref(t->request);
  g_free(t);
}

static Txn *
find_txn(TurnClient *c, const guint8 tid[STUN_TID_LEN])
{
  for (guint i = 0; i < c->txns->len; i++) {
    Txn *t = c->txns->pdata[i];
    if (memcmp(t->tid, tid, STUN_TID_LEN) == 0)
      return t;
  }
  return NULL;
}

/* Total wait of a UDP transaction, which is also Ti over TCP/TLS (RFC 8489 §6.2.1, §6.2.2). */
static SimTime
total_timeout(const StunClientParams *p)
{
  SimTime total = 0, rto = SIM_MS(p->rto_ms);
  for (guint i = 1; i < p->max_sends; i++, rto *= 2)
    total += rto;
  return total + SIM_MS(p->rto_ms) * p->rm;
}

static void on_txn_timer(void *data);

static void
transmit(Txn *t)
{
  TurnClient *c = t->client;
  gsize len;
  const guint8 *data = g_bytes_get_data(t->request, &len);
  t->sends++;
  c->stats.transmissions++;
  if (t->sends > 1)
    c->stats.retransmissions++;
  char b1[24], b2[24], tid[25];
  sim_trace("turn", "client %s -> %s %s %s request tid %s send %u%s", stun_fmt_addr(c->local, b1),
            stun_fmt_addr(c->setup.server, b2), turn_transport_name(c->setup.transport),
            op_name(t->op), stun_fmt_tid(t->tid, tid), t->sends, t->authed ? " auth" : "");
  turn_cl_send_raw(c, data, len);
  SimTime wait;
  if (c->udp < 0)
    wait = total_timeout(&c->setup.stun); /* reliable transport: no retransmission */
  else if (t->sends >= c->setup.stun.max_sends)
    wait = SIM_MS(c->setup.stun.rto_ms) * c->setup.stun.rm;
  else
    wait = t->rto;
  t->rto *= 2;
  t->timer = sim_schedule(wait, on_txn_timer, t);
}

/* (Re)start a transaction with a fresh transaction id and the current credentials. */
static void
txn_send_new(Txn *t)
{
  TurnClient *c = t->client;
  sim_cancel(t->timer);
  t->timer = 0;
  turn_cl_new_tid(c, t->tid);
  if (t->request != NULL)
    g_bytes_unref(t->request);
  t->request = build_request(c, t, c->setup.lifetime_s);
  t->sends = 0;
  t->rto = SIM_MS(c->setup.stun.rto_ms);
  c->stats.requests++;
  transmit(t);
}

static Txn *
txn_start(TurnClient *c, OpKind op)
{
  Txn *t = g_new0(Txn, 1);
  t->client = c;
  t->op = op;
  g_ptr_array_add(c->txns, t);
  return t;
}

static void op_failed(TurnClient *c, const Txn *t, guint code, const char *reason);

static void
on_txn_timer(void *data)
{
  Txn *t = data;
  TurnClient *c = t->client;
  t->timer = 0;
  if (c->udp >= 0 && t->sends < c->setup.stun.max_sends) {
    transmit(t);
    return;
  }
  c->stats.timeouts++;
  char tid[25];
  sim_trace("turn", "client %s timeout tid %s after %u sends", op_name(t->op),
            stun_fmt_tid(t->tid, tid), t->sends);
  Txn copy = *t;
  copy.request = NULL;
  g_ptr_array_remove(c->txns, t);
  op_failed(c, &copy, 0, "no response");
}

/* ---- Allocation state ------------------------------------------------------------------------- */

void
turn_cl_perm_free(gpointer p)
{
  CPerm *cp = p;
  sim_cancel(cp->timer);
  g_free(cp);
}

void
turn_cl_chan_free(gpointer p)
{
  CChan *ch = p;
  sim_cancel(ch->timer);
  g_free(ch);
}

/* The allocation is gone: stop every timer and transaction, then tell the owner. */
void
turn_cl_lost(TurnClient *c, guint code, const char *reason)
{
  if (c->state == TURN_CLIENT_FAILED)
    return;
  c->state = TURN_CLIENT_FAILED;
  sim_cancel(c->refresh_timer);
  sim_cancel(c->keepalive_timer);
  c->refresh_timer = c->keepalive_timer = 0;
  g_ptr_array_set_size(c->txns, 0);
  g_ptr_array_set_size(c->perms, 0);
  g_ptr_array_set_size(c->chans, 0);
  char b[24];
  sim_trace("turn", "client %s allocation failed: %u %s", stun_fmt_addr(c->local, b), code, reason);
  if (c->ops.failed != NULL)
    c->ops.failed(c->ctx, c, code, reason);
}

static void
on_refresh(void *data)
{
  TurnClient *c = data;
  c->refresh_timer = 0;
  txn_send_new(txn_start(c, OP_REFRESH));
}

static void
schedule_refresh(TurnClient *c, guint lifetime_s)
{
  c->lifetime_s = lifetime_s;
  guint margin = c->setup.refresh_margin_s;
  SimTime at = lifetime_s > margin ? SIM_S(lifetime_s - margin) : SIM_S(lifetime_s) / 2;
  sim_cancel(c->refresh_timer);
  c->refresh_timer = sim_schedule(at, on_refresh, c);
}

static void
on_keepalive(void *data)
{
  TurnClient *c = data;
  guint8 tid[STUN_TID_LEN];
  turn_cl_new_tid(c, tid);
  StunBuilder b;
  stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_INDICATION, tid);
  stun_add_fingerprint(&b);
  g_autoptr(GBytes) bytes = stun_builder_steal(&b);
  gsize len;
  const guint8 *d = g_bytes_get_data(bytes, &len);
  turn_cl_send_raw(c, d, len);
  c->stats.keepalives++;
  c->keepalive_timer = sim_schedule(SIM_S(c->setup.keepalive_s), on_keepalive, c);
}

CPerm *
turn_cl_perm_find(TurnClient *c, guint32 ip)
{
  for (guint i = 0; i < c->perms->len; i++) {
    CPerm *p = c->perms->pdata[i];
    if (p->ip == ip)
      return p;
  }
  return NULL;
}

CChan *
turn_cl_chan_find(const TurnClient *c, guint16 number)
{
  for (guint i = 0; i < c->chans->len; i++) {
    CChan *ch = c->chans->pdata[i];
    if (ch->number == number)
      return ch;
  }
  return NULL;
}

void
turn_cl_start_permission(TurnClient *c, guint32 ip)
{
  Txn *t = txn_start(c, OP_PERMISSION);
  t->peer_ip = ip;
  txn_send_new(t);
}

void
turn_cl_start_channel(TurnClient *c, const CChan *ch)
{
  Txn *t = txn_start(c, OP_CHANNEL);
  t->channel = ch->number;
  t->peer = ch->peer;
  txn_send_new(t);
}

static void
on_perm_refresh(void *data)
{
  CPerm *p = data;
  p->timer = 0;
  turn_cl_start_permission(p->client, p->ip);
}

static void
on_chan_refresh(void *data)
{
  CChan *ch = data;
  ch->timer = 0;
  turn_cl_start_channel(ch->client, ch);
}

static void
op_failed(TurnClient *c, const Txn *t, guint code, const char *reason)
{
  switch (t->op) {
  case OP_ALLOCATE:
  case OP_REFRESH:
    turn_cl_lost(c, code, reason);
    break;
  case OP_PERMISSION: {
    CPerm *p = turn_cl_perm_find(c, t->peer_ip);
    if (p != NULL)
      g_ptr_array_remove(c->perms, p);
    if (c->ops.error != NULL)
      c->ops.error(c->ctx, c, TURN_METHOD_CREATE_PERMISSION, code);
    break;
  }
  case OP_CHANNEL: {
    CChan *ch = turn_cl_chan_find(c, t->channel);
    if (ch != NULL)
      g_ptr_array_remove(c->chans, ch);
    if (c->ops.error != NULL)
      c->ops.error(c->ctx, c, TURN_METHOD_CHANNEL_BIND, code);
    break;
  }
  }
}

static void
op_succeeded(TurnClient *c, const Txn *t, const StunMsg *msg)
{
  char b1[24], b2[24], b3[24];
  guint32 lifetime = 0;
  switch (t->op) {
  case OP_ALLOCATE:
    if (turn_msg_get_xor_addr4(msg, TURN_ATTR_XOR_RELAYED_ADDRESS, &c->relayed) != 1 ||
        turn_msg_get_lifetime(msg, &lifetime) != 1 || lifetime == 0) {
      turn_cl_lost(c, 0, "Allocate success without XOR-RELAYED-ADDRESS or LIFETIME");
      return;
    }
    if (turn_msg_get_xor_addr4(msg, STUN_ATTR_XOR_MAPPED_ADDRESS, &c->mapped) != 1)
      c->mapped = (SimAddr){ 0, 0 };
    c->state = TURN_CLIENT_ALLOCATED;
    sim_trace("turn", "client %s allocated relayed %s mapped %s lifetime %u",
              stun_fmt_addr(c->local, b1), stun_fmt_addr(c->relayed, b2),
              stun_fmt_addr(c->mapped, b3), lifetime);
    schedule_refresh(c, lifetime);
    if (c->udp >= 0 && c->setup.keepalive_s > 0)
      c->keepalive_timer = sim_schedule(SIM_S(c->setup.keepalive_s), on_keepalive, c);
    if (c->ops.allocated != NULL)
      c->ops.allocated(c->ctx, c, c->relayed, c->mapped, lifetime);
    break;
  case OP_REFRESH:
    if (turn_msg_get_lifetime(msg, &lifetime) != 1 || lifetime == 0) {
      turn_cl_lost(c, 0, "Refresh success without a lifetime");
      return;
    }
    c->stats.refreshes++;
    schedule_refresh(c, lifetime);
    break;
  case OP_PERMISSION: {
    CPerm *p = turn_cl_perm_find(c, t->peer_ip);
    c->stats.permissions++;
    if (p != NULL) {
      sim_cancel(p->timer);
      p->timer = sim_schedule(SIM_S(c->setup.permission_refresh_s), on_perm_refresh, p);
    }
    break;
  }
  case OP_CHANNEL: {
    CChan *ch = turn_cl_chan_find(c, t->channel);
    c->stats.channel_binds++;
    if (ch != NULL) {
      ch->bound = TRUE;
      sim_cancel(ch->timer);
      ch->timer = sim_schedule(SIM_S(c->setup.channel_refresh_s), on_chan_refresh, ch);
    }
    /* The binding installed the peer's permission too (§11.2); it lasts 300 s, shorter than
     * the channel, so it is refreshed on its own schedule from now on (§12). */
    CPerm *p = turn_cl_perm_find(c, t->peer.addr);
    if (p != NULL) {
      sim_cancel(p->timer);
      p->timer = sim_schedule(SIM_S(c->setup.permission_refresh_s), on_perm_refresh, p);
    }
    break;
  }
  }
}

/* ---- Responses -------------------------------------------------------------------------------- */

static void
set_text(char **field, const StunMsg *msg, guint16 type)
{
  const char *text = NULL;
  gsize len = 0;
  if (stun_msg_get_text(msg, type, &text, &len) == 1) {
    g_free(*field);
    *field = g_strndup(text, len);
  }
}

void
turn_cl_handle_response(TurnClient *c, const StunMsg *msg)
{
  Txn *t = find_txn(c, msg->tid);
  char d[48], tid[25];
  sim_trace("turn", "client <- %s tid %s%s", turn_msg_describe(msg->method, msg->klass, d),
            stun_fmt_tid(msg->tid, tid), t == NULL ? " (no transaction)" : "");
  if (t == NULL || msg->method != op_method(t->op))
    return;
  /* RFC 8489 §9.2.5: a response carrying MESSAGE-INTEGRITY must pass the check, and a success
   * response to an authenticated request must carry it. */
  gboolean has_mi = msg->mi_index >= 0;
  if ((has_mi && stun_msg_check_integrity(msg, c->key, sizeof c->key) != 1) ||
      (!has_mi && t->authed && msg->klass == STUN_CLASS_SUCCESS)) {
    c->stats.dropped++;
    sim_trace("turn", "client drop response tid %s: integrity check failed", tid);
    return;
  }
  if (msg->klass == STUN_CLASS_SUCCESS) {
    Txn copy = *t;
    copy.request = NULL;
    g_ptr_array_remove(c->txns, t);
    op_succeeded(c, &copy, msg);
    return;
  }
  guint code = 0;
  if (stun_msg_get_error(msg, &code, NULL, NULL) != 1)
    code = 0;
  c->stats.last_error = code;
  gboolean has_nonce = stun_msg_find(msg, STUN_ATTR_NONCE, NULL) == 1;
  if (code == 401 && !t->authed && has_nonce && stun_msg_find(msg, STUN_ATTR_REALM, NULL) == 1 &&
      t->retries < 2) {
    /* RFC 8489 §9.2.5: the challenge; retry with credentials. */
    set_text(&c->realm, msg, STUN_ATTR_REALM);
    set_text(&c->nonce, msg, STUN_ATTR_NONCE);
    stun_key_long_term(c->username, c->realm, c->password, c->key);
    c->stats.challenges++;
    t->retries++;
    txn_send_new(t);
    return;
  }
  if (code == 438 && has_nonce && t->retries < 3) {
    set_text(&c->nonce, msg, STUN_ATTR_NONCE);
    if (stun_msg_find(msg, STUN_ATTR_REALM, NULL) == 1) {
      set_text(&c->realm, msg, STUN_ATTR_REALM);
      stun_key_long_term(c->username, c->realm, c->password, c->key);
    }
    c->stats.stale_nonces++;
    t->retries++;
    txn_send_new(t);
    return;
  }
  Txn copy = *t;
  copy.request = NULL;
  g_ptr_array_remove(c->txns, t);
  op_failed(c, &copy, code, code == 401 ? "wrong credentials" : turn_error_reason(code));
}

void
turn_cl_start_allocate(TurnClient *c)
{
  txn_send_new(txn_start(c, OP_ALLOCATE));
}
