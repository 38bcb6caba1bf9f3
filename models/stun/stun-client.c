/* stun-client.c — STUN Binding transactions over UDP (RFC 8489 §6.2.1, §6.3.3).
 *
 * A client owns one UDP socket and any number of concurrent transactions, matched by their 96-bit
 * transaction ids (drawn from the client's own random stream).  Over UDP a request is sent, then
 * retransmitted after RTO, 2·RTO, 4·RTO ... until Rc transmissions were made; after the last one
 * the client waits Rm·RTO more and then declares a timeout.  With the defaults (RTO 500 ms, Rc 7,
 * Rm 16) the requests leave at 0, 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s and the transaction fails at
 * 39.5 s (RFC 8489 §6.2.1).  A response is accepted from any source address, since RFC 5780's
 * CHANGE-REQUEST makes the server answer from another one.
 */
#include "stun-client.h"

#include <string.h>

#include "stun-private.h"

typedef struct {
  StunClient *client;       /* owner */
  guint id;                 /* handle given to the caller */
  guint8 tid[STUN_TID_LEN]; /* transaction id */
  SimAddr server;           /* destination */
  GBytes *request;          /* the request bytes, resent unchanged */
  SimEvent timer;           /* retransmission or timeout timer */
  StunBindingFn done;       /* completion callback */
  void *ctx;                /* its context */
  StunBindingResult result; /* filled as the transaction goes */
} Txn;

struct StunClient {
  SimNode host;            /* host node */
  SimSock sock;            /* the UDP socket */
  SimAddr local;           /* its bound address */
  StunClientParams params; /* retransmission parameters */
  GRand *rand;             /* transaction ids (SIM_STREAM_STUN + index) */
  GPtrArray *txns;         /* pending Txn*, owned */
  guint next_id;           /* next transaction handle */
  guint64 dropped;         /* datagrams that were not valid STUN */
  StunUnhandledFn unhandled; /* callback for other STUN messages */
  void *unhandled_ctx;     /* its context */
};

/* ---- Formatting helpers shared by the STUN files -------------------------------------------- */

char *
stun_fmt_addr(SimAddr a, char buf[24])
{
  char ip[16];
  g_snprintf(buf, 24, "%s:%u", sim_addr_format(a.addr, ip), a.port);
  return buf;
}

char *
stun_fmt_tid(const guint8 tid[STUN_TID_LEN], char buf[25])
{
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < STUN_TID_LEN; i++) {
    buf[2 * i] = hex[tid[i] >> 4];
    buf[2 * i + 1] = hex[tid[i] & 15];
  }
  buf[24] = '\0';
  return buf;
}

/* ---- Parameters --------------------------------------------------------------------------------- */

void
stun_client_params_default(StunClientParams *p)
{
  /* RFC 8489 §6.2.1: RTO 500 ms, Rc 7, Rm 16. */
  p->rto_ms = 500;
  p->max_sends = 7;
  p->rm = 16;
}

void
stun_client_params_from_config(const Config *cfg, StunClientParams *p)
{
  p->rto_ms = (guint)cfg_int(cfg, "stun.rto_ms");
  p->max_sends = (guint)cfg_int(cfg, "stun.max_sends");
  p->rm = (guint)cfg_int(cfg, "stun.rm");
}

SimTime
stun_client_wait(const StunClientParams *p, guint sends)
{
  g_return_val_if_fail(p && sends > 0, 0);
  if (sends >= p->max_sends)
    return SIM_MS(p->rto_ms) * p->rm;
  return SIM_MS(p->rto_ms) << MIN(sends - 1, 30u);
}

/* ---- Lifecycle ---------------------------------------------------------------------------------- */

static void client_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from);

static const SimSockOps client_ops = {
  .recv = client_recv,
};

static void
txn_free(gpointer p)
{
  Txn *t = p;
  sim_cancel(t->timer);
  g_bytes_unref(t->request);
  g_free(t);
}

StunClient *
stun_client_new(SimNode host, SimAddr local, const StunClientParams *params, guint32 index,
                GError **error)
{
  g_return_val_if_fail(params != NULL, NULL);
  if (params->rto_ms == 0 || params->max_sends == 0 || params->max_sends > STUN_MAX_SENDS ||
      params->rm == 0) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                "STUN client: rto_ms, rm must be > 0 and max_sends 1..%d", STUN_MAX_SENDS);
    return NULL;
  }
  StunClient *c = g_new0(StunClient, 1);
  c->host = host;
  c->params = *params;
  c->txns = g_ptr_array_new_with_free_func(txn_free);
  c->next_id = 1;
  c->sock = sim_udp_open(host, local, &client_ops, c, error);
  if (c->sock < 0) {
    g_ptr_array_unref(c->txns);
    g_free(c);
    return NULL;
  }
  c->local = sim_sock_local(c->sock);
  if (c->local.addr == 0)
    c->local.addr = local.addr;
  c->rand = sim_rand_new(SIM_STREAM_STUN + index);
  return c;
}

void
stun_client_free(StunClient *c)
{
  if (c == NULL)
    return;
  sim_sock_close(c->sock);
  g_ptr_array_unref(c->txns);
  g_rand_free(c->rand);
  g_free(c);
}

SimAddr
stun_client_local(const StunClient *c)
{
  return c->local;
}

void
stun_client_set_unhandled(StunClient *c, StunUnhandledFn fn, void *ctx)
{
  c->unhandled = fn;
  c->unhandled_ctx = ctx;
}

guint64
stun_client_dropped(const StunClient *c)
{
  return c->dropped;
}

static Txn *
find_id(const StunClient *c, guint id, guint *index)
{
  for (guint i = 0; i < c->txns->len; i++) {
    Txn *t = c->txns->pdata[i];
    if (t->id == id) {
      if (index != NULL)
        *index = i;
      return t;
    }
  }
  return NULL;
}

static Txn *
find_tid(const StunClient *c, const guint8 tid[STUN_TID_LEN])
{
  for (guint i = 0; i < c->txns->len; i++) {
    Txn *t = c->txns->pdata[i];
    if (memcmp(t->tid, tid, STUN_TID_LEN) == 0)
      return t;
  }
  return NULL;
}

gboolean
stun_client_get_tid(const StunClient *c, guint id, guint8 tid[STUN_TID_LEN])
{
  Txn *t = find_id(c, id, NULL);
  if (t == NULL)
    return FALSE;
  memcpy(tid, t->tid, STUN_TID_LEN);
  return TRUE;
}

gboolean
stun_client_cancel(StunClient *c, guint id)
{
  guint index;
  if (find_id(c, id, &index) == NULL)
    return FALSE;
  g_ptr_array_remove_index(c->txns, index);
  return TRUE;
}

/* Remove the transaction from the table, then report it: the callback may start new ones. */
static void
finish(StunClient *c, Txn *t)
{
  t->result.finished = sim_now();
  StunBindingResult result = t->result;
  StunBindingFn done = t->done;
  void *ctx = t->ctx;
  g_ptr_array_remove(c->txns, t);
  if (done != NULL)
    done(ctx, &result);
}

/* ---- Transmission ---------------------------------------------------------------------------
 * A timer's argument is its Txn.  Every way a Txn leaves the table (response, timeout, cancel,
 * client freed) goes through txn_free(), which cancels the timer first, so a timer never sees a
 * freed Txn. */

static void on_timer(void *data);

static void
transmit(Txn *t)
{
  StunClient *c = t->client;
  gsize len;
  const guint8 *data = g_bytes_get_data(t->request, &len);
  t->result.sent_at[t->result.sends++] = sim_now();
  char b1[24], b2[24], tid[25];
  sim_trace("stun", "client %s -> %s Binding request tid %s send %u",
            stun_fmt_addr(c->local, b1), stun_fmt_addr(t->server, b2), stun_fmt_tid(t->tid, tid),
            t->result.sends);
  sim_udp_send(c->sock, t->server, data, len);
  /* RFC 8489 §6.2.1: wait RTO, doubling it each time; after the Rc-th transmission wait
   * Rm times the initial RTO for a response. */
  t->timer = sim_schedule(stun_client_wait(&c->params, t->result.sends), on_timer, t);
}

static void
on_timer(void *data)
{
  Txn *t = data;
  StunClient *c = t->client;
  t->timer = 0;
  if (t->result.sends < c->params.max_sends) {
    transmit(t);
    return;
  }
  char b1[24], b2[24], tid[25];
  sim_trace("stun", "client %s -> %s timeout tid %s after %u sends", stun_fmt_addr(c->local, b1),
            stun_fmt_addr(t->server, b2), stun_fmt_tid(t->tid, tid), t->result.sends);
  t->result.status = STUN_TXN_TIMEOUT;
  finish(c, t);
}

guint
stun_client_binding(StunClient *c, SimAddr server, const StunBindingOpts *opts,
                    StunBindingFn done, void *ctx)
{
  g_return_val_if_fail(c != NULL, 0);
  Txn *t = g_new0(Txn, 1);
  t->client = c;
  t->id = c->next_id++;
  /* RFC 8489 §5: the transaction id is uniformly random over 96 bits. */
  for (int i = 0; i < STUN_TID_LEN; i += 4)
    stun_wr32(t->tid + i, g_rand_int(c->rand));
  t->server = server;
  t->done = done;
  t->ctx = ctx;

  StunBuilder b;
  stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, t->tid);
  if (opts != NULL && opts->change != 0)
    stun_add_u32(&b, STUN_ATTR_CHANGE_REQUEST, opts->change);
  if (opts != NULL && opts->response_port != 0)
    stun_add_response_port(&b, opts->response_port);
  if (opts != NULL && opts->padding != 0) {
    g_autofree guint8 *zeros = g_malloc0(opts->padding);
    stun_add_raw(&b, STUN_ATTR_PADDING, zeros, opts->padding);
  }
  stun_add_fingerprint(&b); /* RFC 8489 §7.1: lets the server tell STUN from other traffic */
  t->request = stun_builder_steal(&b);

  t->result.id = t->id;
  memcpy(t->result.tid, t->tid, STUN_TID_LEN);
  t->result.local = c->local;
  t->result.server = server;
  g_ptr_array_add(c->txns, t);
  transmit(t);
  return t->id;
}

/* ---- Reception ------------------------------------------------------------------------------ */

static gboolean
get_addr(const StunMsg *msg, guint16 type, SimAddr *out)
{
  StunAddress a;
  if (stun_msg_get_address(msg, type, &a) != 1 || a.family != STUN_FAMILY_IPV4)
    return FALSE;
  out->addr = a.v4;
  out->port = a.port;
  return TRUE;
}

static void
client_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  StunClient *c = ctx;
  StunMsg msg;
  const char *reason = NULL;
  char b1[24], b2[24], tid[25];
  if (stun_msg_parse(data, len, &msg, &reason) != 1) {
    c->dropped++;
    sim_trace("stun", "client %s drop from %s: %s", stun_fmt_addr(c->local, b1),
              stun_fmt_addr(from, b2), reason);
    return;
  }
  Txn *t = NULL;
  if (msg.klass == STUN_CLASS_SUCCESS || msg.klass == STUN_CLASS_ERROR)
    t = find_tid(c, msg.tid);
  sim_trace("stun", "client %s <- %s %s tid %s%s", stun_fmt_addr(c->local, b1),
            stun_fmt_addr(from, b2), stun_msg_describe(msg.method, msg.klass),
            stun_fmt_tid(msg.tid, tid), t == NULL ? " (no transaction)" : "");
  if (t == NULL) {
    if (c->unhandled != NULL)
      c->unhandled(c->unhandled_ctx, &msg, from);
    return;
  }
  StunBindingResult *r = &t->result;
  r->from = from;
  if (msg.klass == STUN_CLASS_ERROR) {
    guint code = 0;
    r->status = STUN_TXN_ERROR;
    r->error_code = stun_msg_get_error(&msg, &code, NULL, NULL) == 1 ? code : 0;
  } else {
    r->status = STUN_TXN_SUCCESS;
    /* RFC 8489 §14.2: prefer XOR-MAPPED-ADDRESS; MAPPED-ADDRESS is the RFC 3489 fallback. */
    r->has_mapped = get_addr(&msg, STUN_ATTR_XOR_MAPPED_ADDRESS, &r->mapped) ||
                    get_addr(&msg, STUN_ATTR_MAPPED_ADDRESS, &r->mapped);
    r->has_origin = get_addr(&msg, STUN_ATTR_RESPONSE_ORIGIN, &r->response_origin);
    r->has_other = get_addr(&msg, STUN_ATTR_OTHER_ADDRESS, &r->other_address);
  }
  finish(c, t);
}
