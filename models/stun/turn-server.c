/* turn-server.c — the TURN server's transports and authentication (RFC 8656 §3.1, §5; RFC 8489
 * §6.2.2, §9.2).
 *
 * Messages arrive over UDP (one per datagram) or over TCP/TLS connections, where STUN messages and
 * padded ChannelData messages follow each other in the byte stream (RFC 8656 §12.5) and a stream
 * that cannot be framed is closed.  Requests go through the long-term credential mechanism of
 * RFC 8489 §9.2.4: no MESSAGE-INTEGRITY gets 401 with REALM and NONCE; missing USERNAME, REALM or
 * NONCE gets 400; an expired or foreign NONCE gets 438 with a fresh one; an unknown username or a
 * failed integrity check gets 401; a request on an allocation made by another username gets 441
 * (RFC 8656 §5).  Nonces carry their expiry and an HMAC over it with a per-server secret, so the
 * server keeps no nonce table.  Indications and ChannelData need no authentication; they only
 * reach an allocation through its 5-tuple.  allocations, permissions and relaying are in
 * turn-alloc.c.
 */
#include <string.h>

#include "turn-server-private.h"

/* ---- Setup ------------------------------------------------------------------------------------ */

void
turn_server_setup_default(TurnServerSetup *s)
{
  memset(s, 0, sizeof *s);
  s->udp_port = STUN_DEFAULT_PORT;
  s->tcp_port = STUN_DEFAULT_PORT;
  s->tls_port = TURN_TLS_PORT;
  s->relay_port_min = 49152; /* RFC 8656 §7.2: the dynamic range */
  s->relay_port_max = 65535;
  s->realm = "algsim.test";
  s->username = "turnuser";
  s->password = "turnpass";
  s->default_lifetime_s = 600; /* RFC 8656 §7.2 */
  s->max_lifetime_s = 3600;
  s->permission_lifetime_s = 300; /* §9 */
  s->channel_lifetime_s = 600;    /* §12 */
  s->nonce_lifetime_s = 600;
  s->user_quota = 10;
  s->max_allocations = 1000;
  tls_params_default(&s->tls);
}

void
turn_server_setup_from_config(const Config *cfg, TurnServerSetup *s)
{
  s->udp_port = (guint16)cfg_int(cfg, "turn.udp_port");
  s->tcp_port = (guint16)cfg_int(cfg, "turn.tcp_port");
  s->tls_port = (guint16)cfg_int(cfg, "turn.tls_port");
  s->relay_port_min = (guint16)cfg_int(cfg, "turn.relay_port_min");
  s->relay_port_max = (guint16)cfg_int(cfg, "turn.relay_port_max");
  s->realm = cfg_str(cfg, "turn.realm");
  s->username = cfg_str(cfg, "turn.username");
  s->password = cfg_str(cfg, "turn.password");
  s->default_lifetime_s = (guint)cfg_int(cfg, "turn.allocation_lifetime_s");
  s->max_lifetime_s = (guint)cfg_int(cfg, "turn.max_lifetime_s");
  s->permission_lifetime_s = (guint)cfg_int(cfg, "turn.permission_lifetime_s");
  s->channel_lifetime_s = (guint)cfg_int(cfg, "turn.channel_lifetime_s");
  s->nonce_lifetime_s = (guint)cfg_int(cfg, "turn.nonce_lifetime_s");
  s->user_quota = (guint)cfg_int(cfg, "turn.user_quota");
  s->max_allocations = (guint)cfg_int(cfg, "turn.max_allocations");
  tls_params_from_config(cfg, &s->tls);
}

/* ---- Formatting and sending ------------------------------------------------------------------- */

char *
turn_fmt_origin(const TurnOrigin *o, char buf[64])
{
  char c[24];
  g_snprintf(buf, 64, "%s %s", turn_transport_name(o->tuple.transport),
             stun_fmt_addr(o->tuple.client, c));
  return buf;
}

void
turn_srv_send(TurnServer *s, const TurnOrigin *o, const guint8 *data, gsize len)
{
  if (o->conn == NULL) {
    if (s->udp >= 0)
      sim_udp_send(s->udp, o->tuple.client, data, len);
  } else if (!o->conn->dead) {
    if (o->conn->tcp != NULL)
      tcp_stream_send(o->conn->tcp, data, len);
    else if (o->conn->tls != NULL)
      tls_send(o->conn->tls, data, len);
  }
}

void
turn_srv_respond(TurnServer *s, const TurnOrigin *o, StunBuilder *b, const guint8 *key,
                 const char *what)
{
  if (s->software != NULL)
    stun_add_text(b, STUN_ATTR_SOFTWARE, s->software);
  if (key != NULL)
    stun_add_integrity(b, key, 16);
  stun_add_fingerprint(b);
  g_autoptr(GBytes) bytes = stun_builder_steal(b);
  gsize len;
  const guint8 *data = g_bytes_get_data(bytes, &len);
  char ob[64], tid[25];
  sim_trace("turn", "server -> %s %s tid %s len %zu", turn_fmt_origin(o, ob), what,
            stun_fmt_tid(data + 8, tid), len);
  turn_srv_send(s, o, data, len);
}

void
turn_srv_error(TurnServer *s, const TurnOrigin *o, const StunMsg *req, guint code,
               const guint8 *key)
{
  StunBuilder b;
  stun_builder_init(&b, req->method, STUN_CLASS_ERROR, req->tid);
  stun_add_error(&b, code, turn_error_reason(code));
  s->stats.errors++;
  if (code == 437)
    s->stats.mismatches++;
  else if (code == 486)
    s->stats.quota_rejects++;
  else if (code == 508)
    s->stats.capacity_rejects++;
  char what[80], d[48];
  g_snprintf(what, sizeof what, "%s %u", turn_msg_describe(req->method, STUN_CLASS_ERROR, d),
             code);
  turn_srv_respond(s, o, &b, key, what);
}

void
turn_srv_drop(TurnServer *s, guint64 *counter, const char *reason, const TurnOrigin *o)
{
  (*counter)++;
  s->stats.last_drop_reason = reason;
  char ob[64];
  sim_trace("turn", "server drop from %s: %s", turn_fmt_origin(o, ob), reason);
}

/* ---- Nonces (RFC 8489 §9.2: the server chooses them and decides how long they stay valid) ----- */

#define NONCE_LEN 28 /* 12 hex digits of the expiry in ms, 16 of the HMAC */

static void
nonce_make(TurnServer *s, SimTime expires, char out[NONCE_LEN + 1])
{
  g_snprintf(out, 13, "%012" G_GINT64_MODIFIER "x", (gint64)(expires / SIM_MS(1)));
  g_autoptr(GHmac) h = g_hmac_new(G_CHECKSUM_SHA1, s->secret, sizeof s->secret);
  g_hmac_update(h, (const guchar *)out, 12);
  guint8 digest[20];
  gsize dlen = sizeof digest;
  g_hmac_get_digest(h, digest, &dlen);
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < 8; i++) {
    out[12 + 2 * i] = hex[digest[i] >> 4];
    out[13 + 2 * i] = hex[digest[i] & 15];
  }
  out[NONCE_LEN] = '\0';
}

static void
nonce_new(TurnServer *s, char out[NONCE_LEN + 1])
{
  nonce_make(s, sim_now() + SIM_S(s->setup.nonce_lifetime_s), out);
}

/* A nonce this server issued and that has not expired. */
static gboolean
nonce_valid(TurnServer *s, const char *nonce, gsize len)
{
  if (len != NONCE_LEN)
    return FALSE;
  char head[13];
  memcpy(head, nonce, 12);
  head[12] = '\0';
  char *end = NULL;
  guint64 ms = g_ascii_strtoull(head, &end, 16);
  if (end != head + 12)
    return FALSE;
  char want[NONCE_LEN + 1];
  nonce_make(s, (SimTime)ms * SIM_MS(1), want);
  return memcmp(want, nonce, NONCE_LEN) == 0 && (SimTime)ms * SIM_MS(1) > sim_now();
}

/* 401 or 438 with REALM and a fresh NONCE (RFC 8489 §9.2.4); no MESSAGE-INTEGRITY. */
static void
challenge(TurnServer *s, const TurnOrigin *o, const StunMsg *req, guint code)
{
  StunBuilder b;
  stun_builder_init(&b, req->method, STUN_CLASS_ERROR, req->tid);
  stun_add_error(&b, code, turn_error_reason(code));
  stun_add_text(&b, STUN_ATTR_REALM, s->realm);
  char nonce[NONCE_LEN + 1];
  nonce_new(s, nonce);
  stun_add_text(&b, STUN_ATTR_NONCE, nonce);
  s->stats.errors++;
  char what[80], d[48];
  g_snprintf(what, sizeof what, "%s %u", turn_msg_describe(req->method, STUN_CLASS_ERROR, d),
             code);
  turn_srv_respond(s, o, &b, NULL, what);
}

static gboolean
text_eq(const char *text, gsize len, const char *want)
{
  return strlen(want) == len && memcmp(text, want, len) == 0;
}

/* RFC 8489 §9.2.4.  TRUE: authenticated, *user and *key are the user's (owned by the users
 * table).  FALSE: already answered. */
static gboolean
authenticate(TurnServer *s, const TurnOrigin *o, const StunMsg *req, const char **user_out,
             const guint8 **key)
{
  if (req->mi_index < 0) {
    s->stats.challenges++;
    challenge(s, o, req, 401);
    return FALSE;
  }
  const char *user = NULL, *realm = NULL, *nonce = NULL;
  gsize ulen = 0, rlen = 0, nlen = 0;
  if (stun_msg_get_text(req, STUN_ATTR_USERNAME, &user, &ulen) != 1 ||
      stun_msg_get_text(req, STUN_ATTR_REALM, &realm, &rlen) != 1 ||
      stun_msg_get_text(req, STUN_ATTR_NONCE, &nonce, &nlen) != 1) {
    turn_srv_error(s, o, req, 400, NULL);
    return FALSE;
  }
  if (!nonce_valid(s, nonce, nlen)) {
    s->stats.stale_nonces++;
    challenge(s, o, req, 438);
    return FALSE;
  }
  g_autofree char *name = g_strndup(user, ulen);
  gpointer stored_name = NULL, stored_key = NULL;
  gboolean known = g_hash_table_lookup_extended(s->users, name, &stored_name, &stored_key);
  /* A different realm gives a different key, so it fails the integrity check as well. */
  if (!known || strlen(name) != ulen || !text_eq(realm, rlen, s->realm) ||
      stun_msg_check_integrity(req, stored_key, 16) != 1) {
    s->stats.auth_failures++;
    challenge(s, o, req, 401);
    return FALSE;
  }
  *user_out = stored_name;
  *key = stored_key;
  return TRUE;
}

/* ---- Dispatch --------------------------------------------------------------------------------- */

static void
handle_binding(TurnServer *s, const TurnOrigin *o, const StunMsg *req)
{
  StunBuilder b;
  stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, req->tid);
  stun_add_address(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, o->tuple.client.addr, o->tuple.client.port);
  turn_srv_respond(s, o, &b, NULL, "Binding success response");
}

static void
handle_stun(TurnServer *s, const TurnOrigin *o, const guint8 *data, gsize len)
{
  StunMsg msg;
  const char *reason = NULL;
  int rc = stun_msg_parse(data, len, &msg, &reason);
  if (rc != 1) {
    turn_srv_drop(s, &s->stats.dropped_malformed, reason, o);
    return;
  }
  char ob[64], d[48], tid[25];
  if (msg.klass == STUN_CLASS_INDICATION) {
    if (msg.method == TURN_METHOD_SEND)
      turn_handle_send(s, o, &msg);
    /* Other indications (Binding keepalives, RFC 8489 §6.3.2) need no answer. */
    return;
  }
  if (msg.klass != STUN_CLASS_REQUEST) {
    turn_srv_drop(s, &s->stats.dropped_malformed, "response sent to the server", o);
    return;
  }
  s->stats.requests++;
  sim_trace("turn", "server <- %s %s tid %s", turn_fmt_origin(o, ob),
            turn_msg_describe(msg.method, msg.klass, d), stun_fmt_tid(msg.tid, tid));
  if (msg.method == STUN_METHOD_BINDING) {
    handle_binding(s, o, &msg);
    return;
  }
  if (msg.method != TURN_METHOD_ALLOCATE && msg.method != TURN_METHOD_REFRESH &&
      msg.method != TURN_METHOD_CREATE_PERMISSION && msg.method != TURN_METHOD_CHANNEL_BIND) {
    turn_srv_error(s, o, &msg, 400, NULL);
    return;
  }
  const guint8 *key = NULL;
  const char *user = NULL;
  if (!authenticate(s, o, &msg, &user, &key))
    return;
  guint16 unknown[8];
  guint n_unknown = stun_msg_unknown_required(&msg, NULL, 0, unknown, G_N_ELEMENTS(unknown));
  if (n_unknown > 0) {
    StunBuilder b;
    stun_builder_init(&b, msg.method, STUN_CLASS_ERROR, msg.tid);
    stun_add_error(&b, 420, NULL);
    stun_add_unknown(&b, unknown, MIN(n_unknown, G_N_ELEMENTS(unknown)));
    s->stats.errors++;
    turn_srv_respond(s, o, &b, key, "error response 420");
    return;
  }
  if (msg.method == TURN_METHOD_ALLOCATE) {
    turn_handle_allocate(s, o, &msg, user, key);
    return;
  }
  Alloc *a = turn_alloc_find(s, &o->tuple);
  if (a == NULL) {
    turn_srv_error(s, o, &msg, 437, key); /* RFC 8656 §7.3, §9.2, §11.2 */
    return;
  }
  if (strcmp(a->username, user) != 0) {
    s->stats.auth_failures++;
    turn_srv_error(s, o, &msg, 441, key); /* RFC 8656 §5 */
    return;
  }
  if (msg.method == TURN_METHOD_REFRESH)
    turn_handle_refresh(s, a, o, &msg);
  else if (msg.method == TURN_METHOD_CREATE_PERMISSION)
    turn_handle_permission(s, a, o, &msg);
  else
    turn_handle_channel_bind(s, a, o, &msg);
}

static void
handle_message(TurnServer *s, const TurnOrigin *o, const guint8 *data, gsize len)
{
  if (turn_looks_like_channel_data(data, len))
    turn_handle_channel_data(s, o, data, len);
  else
    handle_stun(s, o, data, len);
}

static void
udp_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  TurnServer *s = ctx;
  TurnOrigin o = { .tuple = { TURN_TRANSPORT_UDP, from, { s->setup.addr, s->setup.udp_port } } };
  handle_message(s, &o, data, len);
}

static const SimSockOps udp_ops = { .recv = udp_recv };

/* ---- TCP and TLS connections ------------------------------------------------------------------ */

static void
conn_free(gpointer p)
{
  SConn *c = p;
  if (c->tcp != NULL)
    tcp_stream_free(c->tcp);
  if (c->tls != NULL)
    tls_conn_free(c->tls);
  g_byte_array_unref(c->rx);
  g_free(c);
}

static void
conn_reap(SConn *c)
{
  if (c->dead && c->busy == 0)
    g_ptr_array_remove(c->server->conns, c);
}

/* The connection ended: its allocations go with it, since no other connection can reach their
 * 5-tuple (RFC 8656 §2.2). */
static void
conn_died(SConn *c, const char *why)
{
  if (c->dead)
    return;
  c->dead = TRUE;
  TurnServer *s = c->server;
  char ob[64];
  sim_trace("turn", "server conn %u %s closed: %s", c->id, turn_fmt_origin(&c->origin, ob), why);
  for (guint i = s->allocs->len; i-- > 0;) {
    Alloc *a = s->allocs->pdata[i];
    if (a->origin.conn == c)
      turn_alloc_delete(a, "connection closed");
  }
}

static void
conn_recv(SConn *c, const guint8 *data, gsize len)
{
  if (c->dead)
    return;
  c->busy++;
  g_byte_array_append(c->rx, data, (guint)len);
  gsize used = 0;
  while (!c->dead) {
    gsize frame = 0;
    const char *reason = NULL;
    int rc = turn_frame_stream(c->rx->data + used, c->rx->len - used, &frame, &reason);
    if (rc == 0)
      break;
    if (rc < 0) {
      turn_srv_drop(c->server, &c->server->stats.dropped_malformed, reason, &c->origin);
      conn_died(c, reason);
      if (c->tcp != NULL)
        tcp_stream_close(c->tcp);
      else if (c->tls != NULL)
        tls_close(c->tls);
      break;
    }
    handle_message(c->server, &c->origin, c->rx->data + used, frame);
    used += frame;
  }
  if (!c->dead)
    g_byte_array_remove_range(c->rx, 0, (guint)used);
  c->busy--;
  conn_reap(c);
}

static void
tcp_recv(void *ctx, TcpStream *st, const guint8 *data, gsize len)
{
  conn_recv(ctx, data, len);
}

static void
tcp_closed(void *ctx, TcpStream *st, gboolean error)
{
  SConn *c = ctx;
  c->busy++;
  conn_died(c, error ? "tcp reset" : "tcp closed by peer");
  c->busy--;
  conn_reap(c);
}

static const TcpStreamOps tcp_ops = { .recv = tcp_recv, .closed = tcp_closed };

static void
tls_recv(void *ctx, TlsConn *t, const guint8 *data, gsize len)
{
  conn_recv(ctx, data, len);
}

static void
tls_closed(void *ctx, TlsConn *t, TlsCloseReason reason, guint8 alert)
{
  SConn *c = ctx;
  c->busy++;
  conn_died(c, tls_close_reason_name(reason));
  c->busy--;
  conn_reap(c);
}

static const TlsConnOps tls_ops = { .recv = tls_recv, .closed = tls_closed };

static SConn *
conn_add(TurnServer *s, TurnTransport t, SimAddr peer, guint16 port)
{
  SConn *c = g_new0(SConn, 1);
  c->server = s;
  c->id = s->next_conn++;
  c->transport = t;
  c->rx = g_byte_array_new();
  c->origin = (TurnOrigin){ .tuple = { t, peer, { s->setup.addr, port } }, .conn = c };
  g_ptr_array_add(s->conns, c);
  char ob[64];
  sim_trace("turn", "server conn %u %s accepted", c->id, turn_fmt_origin(&c->origin, ob));
  return c;
}

static void
tcp_accepted(void *ctx, SimSock listener, SimSock sock, SimAddr peer)
{
  TurnServer *s = ctx;
  SConn *c = conn_add(s, TURN_TRANSPORT_TCP, peer, s->setup.tcp_port);
  c->tcp = tcp_stream_wrap(sock, peer, &tcp_ops, c);
}

static const SimSockOps tcp_listen_ops = { .accepted = tcp_accepted };

static void
tls_accepted(void *ctx, TlsServer *srv, TlsConn *t, SimAddr peer)
{
  TurnServer *s = ctx;
  SConn *c = conn_add(s, TURN_TRANSPORT_TLS, peer, s->setup.tls_port);
  c->tls = t;
  tls_conn_set_ops(t, &tls_ops, c);
}

/* ---- Lifecycle -------------------------------------------------------------------------------- */

static guint
tuple_hash(gconstpointer p)
{
  const TurnTuple *t = p;
  return (t->client.addr * 2654435761u) ^ ((guint)t->client.port << 8) ^ t->server.port ^
         (guint)t->transport;
}

static gboolean
tuple_equal(gconstpointer a, gconstpointer b)
{
  const TurnTuple *x = a, *y = b;
  return x->transport == y->transport && x->client.addr == y->client.addr &&
         x->client.port == y->client.port && x->server.addr == y->server.addr &&
         x->server.port == y->server.port;
}

TurnServer *
turn_server_new(SimNode host, const TurnServerSetup *setup, GError **error)
{
  g_return_val_if_fail(setup != NULL, NULL);
  if (setup->addr == 0 || setup->relay_addr == 0) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID, "TURN server needs an address and a relay address");
    return NULL;
  }
  if (setup->relay_port_min == 0 || setup->relay_port_min > setup->relay_port_max) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                "TURN server: turn.relay_port_min (%u) must be 1..turn.relay_port_max (%u)",
                setup->relay_port_min, setup->relay_port_max);
    return NULL;
  }
  if (setup->realm == NULL || setup->username == NULL || setup->password == NULL ||
      setup->default_lifetime_s == 0 || setup->max_lifetime_s == 0 || setup->user_quota == 0 ||
      setup->index >= 100) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                "TURN server: realm, username, password, lifetimes and quota are required, "
                "index 0..99");
    return NULL;
  }
  TurnServer *s = g_new0(TurnServer, 1);
  s->host = host;
  s->setup = *setup;
  s->realm = g_strdup(setup->realm);
  s->username = g_strdup(setup->username);
  s->password = g_strdup(setup->password);
  s->software = g_strdup(setup->software);
  s->setup.realm = s->realm;
  s->setup.username = s->username;
  s->setup.password = s->password;
  s->setup.software = s->software;
  s->users = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  turn_server_add_user(s, s->username, s->password);
  s->rand = sim_rand_new(SIM_STREAM_TURN + setup->index);
  for (guint i = 0; i < sizeof s->secret; i += 4)
    stun_wr32(s->secret + i, g_rand_int(s->rand));
  s->udp = s->tcp_lsn = -1;
  s->conns = g_ptr_array_new_with_free_func(conn_free);
  s->allocs = g_ptr_array_new_with_free_func(turn_alloc_free);
  s->by_tuple = g_hash_table_new(tuple_hash, tuple_equal);
  s->resvs = g_array_new(FALSE, FALSE, sizeof(Resv));
  s->next_conn = s->next_alloc = 1;
  SimAddr a = { setup->addr, 0 };
  if (setup->udp_port != 0) {
    a.port = setup->udp_port;
    if ((s->udp = sim_udp_open(host, a, &udp_ops, s, error)) < 0)
      goto fail;
  }
  if (setup->tcp_port != 0) {
    a.port = setup->tcp_port;
    if ((s->tcp_lsn = sim_tcp_listen(host, a, &tcp_listen_ops, s, error)) < 0)
      goto fail;
  }
  if (setup->tls_port != 0) {
    a.port = setup->tls_port;
    TlsParams tp = setup->tls;
    tp.index = 300 + setup->index;
    if ((s->tls_lsn = tls_server_listen(host, a, &tp, tls_accepted, s, error)) == NULL)
      goto fail;
  }
  char ip[16], rip[16];
  sim_trace("turn", "server up %s udp %u tcp %u tls %u relay %s ports %u-%u",
            sim_addr_format(setup->addr, ip), setup->udp_port, setup->tcp_port, setup->tls_port,
            sim_addr_format(setup->relay_addr, rip), setup->relay_port_min,
            setup->relay_port_max);
  return s;
fail:
  turn_server_free(s);
  return NULL;
}

void
turn_server_free(TurnServer *s)
{
  if (s == NULL)
    return;
  if (s->udp >= 0)
    sim_sock_close(s->udp);
  if (s->tcp_lsn >= 0)
    sim_sock_close(s->tcp_lsn);
  if (s->tls_lsn != NULL)
    tls_server_free(s->tls_lsn);
  g_hash_table_destroy(s->by_tuple);
  g_hash_table_destroy(s->users);
  g_ptr_array_unref(s->allocs);
  g_ptr_array_unref(s->conns);
  turn_resv_free_all(s);
  g_array_unref(s->resvs);
  g_rand_free(s->rand);
  g_free(s->realm);
  g_free(s->username);
  g_free(s->password);
  g_free(s->software);
  g_free(s);
}

void
turn_server_add_user(TurnServer *s, const char *username, const char *password)
{
  g_return_if_fail(s != NULL && username != NULL && password != NULL);
  guint8 *key = g_malloc(16);
  stun_key_long_term(username, s->realm, password, key);
  g_hash_table_replace(s->users, g_strdup(username), key);
}

const TurnServerStats *
turn_server_stats(const TurnServer *s)
{
  g_return_val_if_fail(s != NULL, NULL);
  return &s->stats;
}

GArray *
turn_server_relays(const TurnServer *s)
{
  GArray *out = g_array_new(FALSE, FALSE, sizeof(SimAddr));
  for (guint i = 0; i < s->allocs->len; i++)
    g_array_append_val(out, ((Alloc *)s->allocs->pdata[i])->relay);
  return out;
}
