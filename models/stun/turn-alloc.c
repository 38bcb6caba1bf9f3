/* turn-alloc.c — TURN allocations, permissions, channels and relaying (RFC 8656 §7-§12).
 *
 * An allocation is named by its 5-tuple and owns one relayed UDP socket on the server's relay
 * address, at a port drawn at random from the relay range (§7.2), even with EVEN-PORT, with the
 * next port held for 30 s behind a RESERVATION-TOKEN when its R bit is set.  Its lifetime is the
 * "desired lifetime" of §7.2/§7.3 (the client's LIFETIME capped by the maximum, never less than
 * the default; 0 in a Refresh deletes it), enforced by a sim timer.  Permissions (§9) are per peer
 * IP address and last 300 s; channels (§12) bind 0x4000-0x4FFF to a peer transport address for
 * 600 s, and a number or peer stays blocked for 5 more minutes after a binding expires.
 * Permissions and channels are checked against their expiry time when used, which behaves exactly
 * like a timer per entry.  Data from peers passes only with a permission for the source IP and
 * goes to the client as ChannelData when a channel is bound, else as a Data indication; data
 * from the client (Send indication, ChannelData) goes only to permitted peers.
 */
#include <string.h>

#include "turn-server-private.h"

#define RESERVATION_TIME SIM_S(30)   /* RFC 8656 §7.2: "approximately 30 seconds" */
#define CHANNEL_COOLDOWN SIM_S(300)  /* RFC 8656 §12: 5 minutes before rebinding elsewhere */

static void relay_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from);
static const SimSockOps relay_ops = { .recv = relay_recv };
static const SimSockOps resv_ops = { .recv = NULL }; /* a reserved port drops what arrives */

static gboolean
addr_eq(SimAddr a, SimAddr b)
{
  return a.addr == b.addr && a.port == b.port;
}

Alloc *
turn_alloc_find(TurnServer *s, const TurnTuple *t)
{
  return g_hash_table_lookup(s->by_tuple, t);
}

void
turn_alloc_free(gpointer p)
{
  Alloc *a = p;
  sim_cancel(a->timer);
  if (a->sock >= 0)
    sim_sock_close(a->sock);
  g_array_unref(a->perms);
  g_array_unref(a->chans);
  g_free(a->username);
  g_free(a);
}

void
turn_alloc_delete(Alloc *a, const char *why)
{
  TurnServer *s = a->server;
  char rb[24], ob[64];
  sim_trace("turn", "server allocation %u %s relay %s deleted: %s", a->id,
            turn_fmt_origin(&a->origin, ob), stun_fmt_addr(a->relay, rb), why);
  g_hash_table_remove(s->by_tuple, &a->origin.tuple);
  s->stats.active--;
  g_ptr_array_remove(s->allocs, a); /* frees it */
}

static void
on_expire(void *data)
{
  Alloc *a = data;
  a->timer = 0;
  a->server->stats.allocations_expired++;
  turn_alloc_delete(a, "expired");
}

static void
set_lifetime(Alloc *a, guint seconds)
{
  sim_cancel(a->timer);
  a->expires = sim_now() + SIM_S(seconds);
  a->timer = sim_schedule(SIM_S(seconds), on_expire, a);
}

static guint32
remaining_s(const Alloc *a)
{
  SimTime left = a->expires - sim_now();
  return left <= 0 ? 0 : (guint32)((left + SIM_S(1) - 1) / SIM_S(1));
}

/* RFC 8656 §7.2, §7.3: the client's LIFETIME capped by the maximum, at least the default; a
 * zero LIFETIME gives 0 (Refresh deletes).  -1 if LIFETIME is malformed. */
static gint64
desired_lifetime(TurnServer *s, const StunMsg *req, gboolean zero_deletes)
{
  guint32 want = 0;
  int rc = turn_msg_get_lifetime(req, &want);
  if (rc < 0)
    return -1;
  if (rc == 0)
    return s->setup.default_lifetime_s;
  if (want == 0 && zero_deletes)
    return 0;
  guint v = MIN(want, s->setup.max_lifetime_s);
  return MAX(v, s->setup.default_lifetime_s);
}

/* ---- Relayed ports ---------------------------------------------------------------------------- */

static void
resv_expire(TurnServer *s)
{
  for (guint i = s->resvs->len; i-- > 0;) {
    Resv *r = &g_array_index(s->resvs, Resv, i);
    if (r->expires <= sim_now()) {
      sim_sock_close(r->sock);
      g_array_remove_index(s->resvs, i);
    }
  }
}

void
turn_resv_free_all(TurnServer *s)
{
  for (guint i = 0; i < s->resvs->len; i++)
    sim_sock_close(g_array_index(s->resvs, Resv, i).sock);
  g_array_set_size(s->resvs, 0);
}

static gboolean
port_in_use(TurnServer *s, guint port)
{
  for (guint i = 0; i < s->allocs->len; i++)
    if (((Alloc *)s->allocs->pdata[i])->relay.port == port)
      return TRUE;
  for (guint i = 0; i < s->resvs->len; i++)
    if (g_array_index(s->resvs, Resv, i).addr.port == port)
      return TRUE;
  return FALSE;
}

/* Open the relayed socket of `a` at a random free port (even if asked, holding the next one if
 * `reserve`).  FALSE if the range has no room (508). */
static gboolean
open_relay(TurnServer *s, Alloc *a, gboolean even, gboolean reserve)
{
  guint min = s->setup.relay_port_min, max = s->setup.relay_port_max;
  guint range = max - min + 1;
  guint start = (guint)g_rand_int_range(s->rand, 0, (gint32)range);
  for (guint i = 0; i < range; i++) {
    guint port = min + (start + i) % range;
    if ((even || reserve) && (port & 1) != 0)
      continue;
    if (reserve && port + 1 > max)
      continue;
    if (port_in_use(s, port) || (reserve && port_in_use(s, port + 1)))
      continue;
    SimAddr at = { s->setup.relay_addr, (guint16)port };
    SimSock sock = sim_udp_open(s->host, at, &relay_ops, a, NULL);
    if (sock < 0)
      continue; /* taken by something else on the host */
    if (reserve) {
      SimAddr next = { s->setup.relay_addr, (guint16)(port + 1) };
      SimSock rsock = sim_udp_open(s->host, next, &resv_ops, NULL, NULL);
      if (rsock < 0) {
        sim_sock_close(sock);
        continue;
      }
      guint64 token = 0;
      while (token == 0)
        token = ((guint64)g_rand_int(s->rand) << 32) | g_rand_int(s->rand);
      Resv r = { .token = token, .sock = rsock, .addr = next, .expires = sim_now() + RESERVATION_TIME };
      g_array_append_val(s->resvs, r);
      a->token = token;
    }
    a->sock = sock;
    a->relay = at;
    return TRUE;
  }
  return FALSE;
}

/* Take the port held by a reservation; FALSE if the token is unknown or lapsed. */
static gboolean
take_reservation(TurnServer *s, Alloc *a, guint64 token)
{
  for (guint i = 0; i < s->resvs->len; i++) {
    Resv *r = &g_array_index(s->resvs, Resv, i);
    if (r->token != token)
      continue;
    a->sock = r->sock;
    a->relay = r->addr;
    sim_sock_set_ops(a->sock, &relay_ops, a);
    g_array_remove_index(s->resvs, i);
    return TRUE;
  }
  return FALSE;
}

/* ---- Allocate and Refresh (RFC 8656 §7.2, §7.3) ----------------------------------------------- */

static void
allocate_success(TurnServer *s, Alloc *a, const TurnOrigin *o, const StunMsg *req,
                 const guint8 *key)
{
  StunBuilder b;
  stun_builder_init(&b, TURN_METHOD_ALLOCATE, STUN_CLASS_SUCCESS, req->tid);
  turn_add_xor_address(&b, TURN_ATTR_XOR_RELAYED_ADDRESS, a->relay);
  turn_add_lifetime(&b, remaining_s(a));
  if (a->token != 0)
    turn_add_reservation_token(&b, a->token);
  stun_add_address(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, o->tuple.client.addr, o->tuple.client.port);
  char what[96], rb[24];
  g_snprintf(what, sizeof what, "Allocate success response relayed %s lifetime %u",
             stun_fmt_addr(a->relay, rb), remaining_s(a));
  turn_srv_respond(s, o, &b, key, what);
}

void
turn_handle_allocate(TurnServer *s, const TurnOrigin *o, const StunMsg *req,
                     const char *username, const guint8 key[16])
{
  Alloc *old = turn_alloc_find(s, &o->tuple);
  if (old != NULL) {
    /* §7.2 step 2: a retransmitted Allocate gets the same success; anything else is 437. */
    if (memcmp(old->tid, req->tid, STUN_TID_LEN) == 0)
      allocate_success(s, old, o, req, key);
    else
      turn_srv_error(s, o, req, 437, key);
    return;
  }
  guint8 proto = 0;
  int rc = turn_msg_get_requested_transport(req, &proto);
  if (rc != 1) {
    turn_srv_error(s, o, req, 400, key); /* §7.2 step 3: missing or malformed */
    return;
  }
  if (proto != TURN_PROTO_UDP) {
    turn_srv_error(s, o, req, 442, key); /* TCP relaying (RFC 6062) is not offered */
    return;
  }
  gboolean reserve = FALSE;
  guint64 token = 0;
  int even = turn_msg_get_even_port(req, &reserve);
  int tok = turn_msg_get_reservation_token(req, &token);
  StunAttr fam;
  gboolean family_bad = FALSE;
  if (stun_msg_find(req, TURN_ATTR_REQUESTED_ADDRESS_FAMILY, &fam) == 1)
    family_bad = fam.len != 4 || req->buf[fam.off] != STUN_FAMILY_IPV4;
  if (turn_msg_get_dont_fragment(req) < 0 || even < 0 || tok < 0 || (even == 1 && tok == 1)) {
    turn_srv_error(s, o, req, 400, key); /* §7.2 steps 4-6 */
    return;
  }
  if (family_bad) {
    turn_srv_error(s, o, req, 440, key); /* only IPv4 relayed addresses */
    return;
  }
  guint mine = 0;
  for (guint i = 0; i < s->allocs->len; i++)
    mine += strcmp(((Alloc *)s->allocs->pdata[i])->username, username) == 0;
  if (mine >= s->setup.user_quota) {
    turn_srv_error(s, o, req, 486, key); /* §7.2 step 10 */
    return;
  }
  gint64 lifetime = desired_lifetime(s, req, FALSE);
  if (lifetime < 0) {
    turn_srv_error(s, o, req, 400, key);
    return;
  }
  if (s->allocs->len >= s->setup.max_allocations) {
    turn_srv_error(s, o, req, 508, key);
    return;
  }
  Alloc *a = g_new0(Alloc, 1);
  a->server = s;
  a->sock = -1;
  a->perms = g_array_new(FALSE, FALSE, sizeof(Perm));
  a->chans = g_array_new(FALSE, FALSE, sizeof(Chan));
  resv_expire(s);
  gboolean ok = tok == 1 ? take_reservation(s, a, token) : open_relay(s, a, even == 1, reserve);
  if (!ok) {
    turn_alloc_free(a);
    turn_srv_error(s, o, req, 508, key); /* no relayed port (or a lapsed reservation) */
    return;
  }
  a->id = s->next_alloc++;
  a->origin = *o;
  a->username = g_strdup(username);
  memcpy(a->key, key, 16);
  memcpy(a->tid, req->tid, STUN_TID_LEN);
  set_lifetime(a, (guint)lifetime);
  g_ptr_array_add(s->allocs, a);
  g_hash_table_insert(s->by_tuple, &a->origin.tuple, a);
  s->stats.allocations++;
  s->stats.active++;
  s->stats.peak = MAX(s->stats.peak, s->stats.active);
  char ob[64], rb[24];
  sim_trace("turn", "server allocation %u %s relay %s lifetime %u created", a->id,
            turn_fmt_origin(o, ob), stun_fmt_addr(a->relay, rb), (guint)lifetime);
  allocate_success(s, a, o, req, key);
}

void
turn_handle_refresh(TurnServer *s, Alloc *a, const TurnOrigin *o, const StunMsg *req)
{
  gint64 lifetime = desired_lifetime(s, req, TRUE);
  if (lifetime < 0) {
    turn_srv_error(s, o, req, 400, a->key);
    return;
  }
  guint8 key[16];
  memcpy(key, a->key, sizeof key);
  if (lifetime == 0) {
    s->stats.allocations_deleted++;
    turn_alloc_delete(a, "Refresh with lifetime 0");
  } else {
    set_lifetime(a, (guint)lifetime);
    s->stats.refreshes++;
  }
  StunBuilder b;
  stun_builder_init(&b, TURN_METHOD_REFRESH, STUN_CLASS_SUCCESS, req->tid);
  turn_add_lifetime(&b, (guint32)lifetime);
  char what[64];
  g_snprintf(what, sizeof what, "Refresh success response lifetime %u", (guint)lifetime);
  turn_srv_respond(s, o, &b, key, what);
}

/* ---- Permissions and channels (RFC 8656 §9, §11, §12) ----------------------------------------- */

static Perm *
perm_find(Alloc *a, guint32 ip)
{
  for (guint i = 0; i < a->perms->len; i++) {
    Perm *p = &g_array_index(a->perms, Perm, i);
    if (p->ip == ip)
      return p;
  }
  return NULL;
}

static gboolean
perm_ok(Alloc *a, guint32 ip)
{
  Perm *p = perm_find(a, ip);
  return p != NULL && p->expires > sim_now();
}

static void
perm_install(Alloc *a, guint32 ip)
{
  TurnServer *s = a->server;
  Perm *p = perm_find(a, ip);
  if (p == NULL) {
    Perm n = { .ip = ip };
    g_array_append_val(a->perms, n);
    p = &g_array_index(a->perms, Perm, a->perms->len - 1);
  }
  p->expires = sim_now() + SIM_S(s->setup.permission_lifetime_s);
  s->stats.permissions++;
  char ip_s[16];
  sim_trace("turn", "server allocation %u permission %s for %u s", a->id,
            sim_addr_format(ip, ip_s), s->setup.permission_lifetime_s);
}

static Chan *
chan_by_number(Alloc *a, guint16 number)
{
  for (guint i = 0; i < a->chans->len; i++) {
    Chan *c = &g_array_index(a->chans, Chan, i);
    if (c->number == number && c->expires > sim_now())
      return c;
  }
  return NULL;
}

static Chan *
chan_by_peer(Alloc *a, SimAddr peer)
{
  for (guint i = 0; i < a->chans->len; i++) {
    Chan *c = &g_array_index(a->chans, Chan, i);
    if (addr_eq(c->peer, peer) && c->expires > sim_now())
      return c;
  }
  return NULL;
}

void
turn_handle_permission(TurnServer *s, Alloc *a, const TurnOrigin *o, const StunMsg *req)
{
  guint n = 0;
  guint32 ips[STUN_MAX_ATTRS];
  for (guint i = 0; i < req->n_attrs; i++) {
    if (req->attrs[i].type != TURN_ATTR_XOR_PEER_ADDRESS)
      continue;
    StunAddress peer;
    if (turn_attr_get_xor_address(req, &req->attrs[i], &peer) != 1) {
      turn_srv_error(s, o, req, 400, a->key);
      return;
    }
    if (peer.family != STUN_FAMILY_IPV4) {
      turn_srv_error(s, o, req, 443, a->key); /* §9.2: the relayed address is IPv4 */
      return;
    }
    ips[n++] = peer.v4;
  }
  if (n == 0) {
    turn_srv_error(s, o, req, 400, a->key); /* §9.2: at least one XOR-PEER-ADDRESS */
    return;
  }
  for (guint i = 0; i < n; i++)
    perm_install(a, ips[i]);
  StunBuilder b;
  stun_builder_init(&b, TURN_METHOD_CREATE_PERMISSION, STUN_CLASS_SUCCESS, req->tid);
  turn_srv_respond(s, o, &b, a->key, "CreatePermission success response");
}

void
turn_handle_channel_bind(TurnServer *s, Alloc *a, const TurnOrigin *o, const StunMsg *req)
{
  guint16 number = 0;
  SimAddr peer;
  StunAddress pa;
  if (turn_msg_get_channel_number(req, &number) != 1 || number < TURN_CHANNEL_MIN ||
      number > TURN_CHANNEL_MAX || turn_msg_get_xor_address(req, TURN_ATTR_XOR_PEER_ADDRESS, &pa) != 1) {
    turn_srv_error(s, o, req, 400, a->key); /* §11.2 */
    return;
  }
  if (pa.family != STUN_FAMILY_IPV4) {
    turn_srv_error(s, o, req, 443, a->key);
    return;
  }
  peer = (SimAddr){ pa.v4, pa.port };
  /* §11.2: the number must not be bound to another peer, nor the peer to another number,
   * including bindings that expired less than 5 minutes ago (§12). */
  Chan *same = NULL;
  for (guint i = 0; i < a->chans->len; i++) {
    Chan *c = &g_array_index(a->chans, Chan, i);
    gboolean live = c->expires + CHANNEL_COOLDOWN > sim_now();
    gboolean num = c->number == number, to = addr_eq(c->peer, peer);
    if (num && to)
      same = c;
    else if (live && (num || to)) {
      turn_srv_error(s, o, req, 400, a->key);
      return;
    }
  }
  if (same == NULL) {
    for (guint i = a->chans->len; i-- > 0;) /* forget bindings past their cooling-off time */
      if (g_array_index(a->chans, Chan, i).expires + CHANNEL_COOLDOWN <= sim_now())
        g_array_remove_index(a->chans, i);
    Chan c = { .number = number, .peer = peer };
    g_array_append_val(a->chans, c);
    same = &g_array_index(a->chans, Chan, a->chans->len - 1);
  }
  same->expires = sim_now() + SIM_S(s->setup.channel_lifetime_s);
  s->stats.channel_binds++;
  char pb[24];
  sim_trace("turn", "server allocation %u channel 0x%04x peer %s for %u s", a->id, number,
            stun_fmt_addr(peer, pb), s->setup.channel_lifetime_s);
  perm_install(a, peer.addr); /* §11.2: a binding installs or refreshes the permission */
  StunBuilder b;
  stun_builder_init(&b, TURN_METHOD_CHANNEL_BIND, STUN_CLASS_SUCCESS, req->tid);
  turn_srv_respond(s, o, &b, a->key, "ChannelBind success response");
}

/* ---- Relaying (RFC 8656 §10, §12.6) ----------------------------------------------------------- */

static void
to_peer(TurnServer *s, Alloc *a, SimAddr peer, const guint8 *data, gsize len)
{
  s->stats.to_peer_packets++;
  s->stats.to_peer_bytes += len;
  sim_udp_send(a->sock, peer, data, len);
}

void
turn_handle_send(TurnServer *s, const TurnOrigin *o, const StunMsg *ind)
{
  Alloc *a = turn_alloc_find(s, &o->tuple);
  if (a == NULL) {
    turn_srv_drop(s, &s->stats.dropped_no_allocation, "Send indication without allocation", o);
    return;
  }
  SimAddr peer;
  const guint8 *data = NULL;
  gsize len = 0;
  if (turn_msg_get_xor_addr4(ind, TURN_ATTR_XOR_PEER_ADDRESS, &peer) != 1 ||
      turn_msg_get_data(ind, &data, &len) != 1) {
    turn_srv_drop(s, &s->stats.dropped_malformed, "Send indication without peer or data", o);
    return;
  }
  if (!perm_ok(a, peer.addr)) {
    turn_srv_drop(s, &s->stats.dropped_send_no_permission, "Send to a peer without permission", o);
    return;
  }
  s->stats.send_indications++;
  to_peer(s, a, peer, data, len);
}

void
turn_handle_channel_data(TurnServer *s, const TurnOrigin *o, const guint8 *data, gsize len)
{
  TurnChannelData cd;
  const char *reason = NULL;
  if (turn_channel_data_parse(data, len, o->conn != NULL, &cd, &reason) != 1) {
    turn_srv_drop(s, &s->stats.dropped_malformed, reason, o);
    return;
  }
  Alloc *a = turn_alloc_find(s, &o->tuple);
  if (a == NULL) {
    turn_srv_drop(s, &s->stats.dropped_no_allocation, "ChannelData without allocation", o);
    return;
  }
  Chan *c = chan_by_number(a, cd.channel);
  if (c == NULL) {
    turn_srv_drop(s, &s->stats.dropped_no_channel, "ChannelData on an unbound channel", o);
    return;
  }
  if (!perm_ok(a, c->peer.addr)) {
    turn_srv_drop(s, &s->stats.dropped_send_no_permission, "ChannelData to a peer without permission", o);
    return;
  }
  s->stats.channel_data_in++;
  to_peer(s, a, c->peer, data + cd.off, cd.len);
}

static void
relay_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  Alloc *a = ctx;
  TurnServer *s = a->server;
  if (!perm_ok(a, from.addr)) {
    /* §10.3: "the UDP datagram is discarded" unless a permission exists for the source IP. */
    s->stats.dropped_peer_no_permission++;
    s->stats.last_drop_reason = "peer data without permission";
    char fb[24], rb[24];
    sim_trace("turn", "server allocation %u relay %s drop from %s: no permission", a->id,
              stun_fmt_addr(a->relay, rb), stun_fmt_addr(from, fb));
    return;
  }
  Chan *c = chan_by_peer(a, from);
  g_autoptr(GBytes) out = NULL;
  if (c != NULL) {
    out = turn_channel_data_build(c->number, data, len, a->origin.conn != NULL);
    if (out != NULL)
      s->stats.channel_data_out++;
  } else {
    guint8 tid[STUN_TID_LEN];
    for (int i = 0; i < STUN_TID_LEN; i += 4)
      stun_wr32(tid + i, g_rand_int(s->rand));
    StunBuilder b;
    stun_builder_init(&b, TURN_METHOD_DATA, STUN_CLASS_INDICATION, tid);
    if (turn_add_xor_address(&b, TURN_ATTR_XOR_PEER_ADDRESS, from) && turn_add_data(&b, data, len) &&
        stun_add_fingerprint(&b)) {
      out = stun_builder_steal(&b);
      s->stats.data_indications++;
    } else {
      stun_builder_clear(&b);
    }
  }
  if (out == NULL) {
    s->stats.dropped_malformed++;
    s->stats.last_drop_reason = "peer datagram too large to relay";
    return;
  }
  s->stats.from_peer_packets++;
  s->stats.from_peer_bytes += len;
  gsize olen;
  const guint8 *odata = g_bytes_get_data(out, &olen);
  turn_srv_send(s, &a->origin, odata, olen);
}
