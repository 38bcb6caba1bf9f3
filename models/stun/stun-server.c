/* stun-server.c — a STUN Binding server (RFC 8489 §6.3) with the NAT behaviour discovery
 * extensions of RFC 5780 §6.1.
 *
 * The server listens on up to four transport addresses, the combinations of a primary and an
 * alternate IP address with a primary and an alternate port (RFC 5780 §4: A1/A2 × P1/P2).  A
 * Binding request is answered with XOR-MAPPED-ADDRESS and MAPPED-ADDRESS (the request's source),
 * RESPONSE-ORIGIN (where the response is sent from) and OTHER-ADDRESS (the address and port that
 * differ in both parts from the ones the request arrived on).  CHANGE-REQUEST moves the response
 * to the socket with the other IP and/or port, and RESPONSE-PORT sends it to another port of the
 * request's source IP (RFC 5780 §7.2, §7.5).  Anything that does not parse is dropped and
 * counted with a fixed reason; it never reaches a response.
 */
#include "stun-server.h"

#include <string.h>

#include "stun-private.h"

/* Socket indices: bit 1 = alternate address, bit 0 = alternate port. */
#define SOCK_ALT_IP 2
#define SOCK_ALT_PORT 1

typedef struct {
  StunServer *server; /* back pointer */
  guint index;        /* 0..3, see SOCK_ALT_* */
} ServerSock;

struct StunServer {
  SimNode host;           /* host node the sockets live on */
  StunServerSetup setup;  /* addresses, ports, options (software string owned below) */
  char *software;         /* owned copy of setup.software */
  SimSock socks[4];       /* sockets by index; -1 where the address/port does not exist */
  SimAddr addrs[4];       /* the transport address of each socket */
  ServerSock ctx[4];      /* callback contexts */
  StunServerStats stats;  /* counters */
};

static void server_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from);

static const SimSockOps server_ops = {
  .recv = server_recv,
};

StunServer *
stun_server_new(SimNode host, const StunServerSetup *setup, GError **error)
{
  g_return_val_if_fail(setup != NULL, NULL);
  if (setup->addr == 0 || setup->port == 0) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID, "STUN server needs a primary address and port");
    return NULL;
  }
  if (setup->port2 == setup->port || (setup->addr2 != 0 && setup->addr2 == setup->addr)) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                "STUN server: the alternate address and port must differ from the primary ones");
    return NULL;
  }
  StunServer *s = g_new0(StunServer, 1);
  s->host = host;
  s->setup = *setup;
  s->software = g_strdup(setup->software);
  s->setup.software = s->software;
  for (guint i = 0; i < 4; i++) {
    s->socks[i] = -1;
    guint32 a = (i & SOCK_ALT_IP) ? setup->addr2 : setup->addr;
    guint16 p = (i & SOCK_ALT_PORT) ? setup->port2 : setup->port;
    s->addrs[i] = (SimAddr){ .addr = a, .port = p };
    if (a == 0 || p == 0)
      continue;
    s->ctx[i] = (ServerSock){ .server = s, .index = i };
    s->socks[i] = sim_udp_open(host, s->addrs[i], &server_ops, &s->ctx[i], error);
    if (s->socks[i] < 0) {
      stun_server_free(s);
      return NULL;
    }
  }
  char b1[24], b2[24];
  sim_trace("stun", "server up primary %s alternate %s", stun_fmt_addr(s->addrs[0], b1),
            s->socks[3] >= 0 ? stun_fmt_addr(s->addrs[3], b2) : "none");
  return s;
}

void
stun_server_free(StunServer *s)
{
  if (s == NULL)
    return;
  for (guint i = 0; i < 4; i++)
    if (s->socks[i] >= 0)
      sim_sock_close(s->socks[i]);
  g_free(s->software);
  g_free(s);
}

const StunServerStats *
stun_server_stats(const StunServer *s)
{
  g_return_val_if_fail(s != NULL, NULL);
  return &s->stats;
}

static void
drop(StunServer *s, guint64 *counter, const char *reason, SimAddr from)
{
  char b[24];
  (*counter)++;
  s->stats.last_drop_reason = reason;
  sim_trace("stun", "server drop from %s: %s", stun_fmt_addr(from, b), reason);
}

static void
send_bytes(StunServer *s, guint sock_index, SimAddr to, GBytes *bytes, const char *what)
{
  gsize len;
  const guint8 *data = g_bytes_get_data(bytes, &len);
  char b1[24], b2[24];
  sim_trace("stun", "server %s -> %s %s len %zu", stun_fmt_addr(s->addrs[sock_index], b1),
            stun_fmt_addr(to, b2), what, len);
  sim_udp_send(s->socks[sock_index], to, data, len);
}

/* An error response from the socket the request arrived on (RFC 8489 §6.3.1.1). */
static void
send_error(StunServer *s, guint sock_index, SimAddr to, const StunMsg *req, guint code,
           const guint16 *unknown, guint n_unknown)
{
  StunBuilder b;
  stun_builder_init(&b, req->method, STUN_CLASS_ERROR, req->tid);
  stun_add_error(&b, code, NULL);
  if (n_unknown > 0)
    stun_add_unknown(&b, unknown, n_unknown);
  if (s->software != NULL)
    stun_add_text(&b, STUN_ATTR_SOFTWARE, s->software);
  if (s->setup.fingerprint)
    stun_add_fingerprint(&b);
  g_autoptr(GBytes) bytes = stun_builder_steal(&b);
  s->stats.errors++;
  char what[48];
  g_snprintf(what, sizeof what, "error response %u", code);
  send_bytes(s, sock_index, to, bytes, what);
}

static void
handle_binding(StunServer *s, guint in_index, SimAddr from, const StunMsg *req)
{
  guint32 change = 0;
  int rc = stun_msg_get_u32(req, STUN_ATTR_CHANGE_REQUEST, &change);
  if (rc < 0) {
    send_error(s, in_index, from, req, 400, NULL, 0);
    return;
  }
  guint out_index = in_index;
  if (change & STUN_CHANGE_IP)
    out_index ^= SOCK_ALT_IP;
  if (change & STUN_CHANGE_PORT)
    out_index ^= SOCK_ALT_PORT;
  if (s->socks[out_index] < 0) {
    /* This server cannot send from the requested address: it treats CHANGE-REQUEST as an
     * attribute it does not support and answers 420 (RFC 5780 §6.1, RFC 8489 §6.3.1.1). */
    const guint16 unknown[] = { STUN_ATTR_CHANGE_REQUEST };
    send_error(s, in_index, from, req, 420, unknown, 1);
    return;
  }

  SimAddr to = from;
  guint16 rport = 0;
  rc = stun_msg_get_response_port(req, &rport);
  if (rc < 0 || (rc == 1 && rport == 0)) {
    send_error(s, in_index, from, req, 400, NULL, 0);
    return;
  }
  if (rc == 1)
    to.port = rport; /* RFC 5780 §7.5: same IP, the port named in RESPONSE-PORT */

  StunBuilder b;
  stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, req->tid);
  stun_add_address(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, from.addr, from.port);
  /* MAPPED-ADDRESS for RFC 3489 clients (RFC 8489 §14.1 keeps it for backwards compatibility). */
  stun_add_address(&b, STUN_ATTR_MAPPED_ADDRESS, from.addr, from.port);
  stun_add_address(&b, STUN_ATTR_RESPONSE_ORIGIN, s->addrs[out_index].addr,
                   s->addrs[out_index].port);
  /* RFC 5780 §7.4: the address that differs in both IP and port from the one the request
   * arrived on, and only when the server has a second IP address. */
  guint other = in_index ^ (SOCK_ALT_IP | SOCK_ALT_PORT);
  if (s->socks[other] >= 0)
    stun_add_address(&b, STUN_ATTR_OTHER_ADDRESS, s->addrs[other].addr, s->addrs[other].port);
  StunAttr pad;
  if (stun_msg_find(req, STUN_ATTR_PADDING, &pad) == 1 && pad.len > 0) {
    /* RFC 5780 §7.6: PADDING pads a message so that it fragments; mirror the request's size. */
    g_autofree guint8 *zeros = g_malloc0(pad.len);
    stun_add_raw(&b, STUN_ATTR_PADDING, zeros, pad.len);
  }
  if (s->software != NULL)
    stun_add_text(&b, STUN_ATTR_SOFTWARE, s->software);
  if (s->setup.fingerprint)
    stun_add_fingerprint(&b);
  g_autoptr(GBytes) bytes = stun_builder_steal(&b);
  s->stats.responses++;
  char what[80], b1[24];
  g_snprintf(what, sizeof what, "Binding success response mapped %s", stun_fmt_addr(from, b1));
  send_bytes(s, out_index, to, bytes, what);
}

static void
server_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  ServerSock *ss = ctx;
  StunServer *s = ss->server;
  StunMsg msg;
  const char *reason = NULL;
  int rc = stun_msg_parse(data, len, &msg, &reason);
  if (rc == 0) {
    drop(s, &s->stats.dropped_not_stun, reason, from);
    return;
  }
  if (rc < 0) {
    drop(s, &s->stats.dropped_malformed, reason, from);
    return;
  }
  if (msg.klass != STUN_CLASS_REQUEST) {
    /* RFC 8489 §6.3.2–§6.3.4: indications need no answer; a server sends no requests, so a
     * response is stray. */
    drop(s, &s->stats.dropped_not_request, "not a request", from);
    return;
  }
  s->stats.requests++;
  char b1[24], b2[24], t[25];
  sim_trace("stun", "server %s <- %s %s tid %s", stun_fmt_addr(s->addrs[ss->index], b1),
            stun_fmt_addr(from, b2), stun_msg_describe(msg.method, msg.klass),
            stun_fmt_tid(msg.tid, t));
  guint16 unknown[16];
  guint n_unknown = stun_msg_unknown_required(&msg, NULL, 0, unknown, G_N_ELEMENTS(unknown));
  if (n_unknown > 0) {
    send_error(s, ss->index, from, &msg, 420, unknown, MIN(n_unknown, G_N_ELEMENTS(unknown)));
    return;
  }
  if (msg.method != STUN_METHOD_BINDING) {
    send_error(s, ss->index, from, &msg, 400, NULL, 0); /* this server implements Binding only */
    return;
  }
  handle_binding(s, ss->index, from, &msg);
}
