/* test-ice-util.h — a fake transport for ICE agent tests: two agents joined by a GLib queue of
 * datagrams delivered after a fixed delay through sim_schedule(), with an optional NAT in front of
 * side 0 (its host address is private and unreachable; its traffic leaves from a public address
 * with the port shifted by 1000, as its server-reflexive candidate says), drop rules, and records
 * of what each agent did (states, selections, request times). */
#pragma once

#include <string.h>

#include "stun/ice.h"
#include "stun/stun.h"
#include "test-util.h"

#define NAT_PORT_OFFSET 1000

typedef struct Net Net;

typedef struct {
  Net *net;                 /* the network */
  guint idx;                /* 0 or 1 */
  IceAgent *agent;          /* the agent (owned) */
  guint32 nat_private;      /* 0: no NAT; else the private host address behind the NAT */
  guint32 nat_public;       /* the NAT's public address */
  GArray *states;           /* IceState, in the order reported */
  SimTime state_at[6];      /* when each state was first reported; -1 never */
  guint n_selected;         /* on_selected calls */
  const IceCandidatePair *selected[3]; /* per component (agent-owned) */
  guint consent_lost;       /* on_consent_lost calls */
  SimTime consent_lost_at;  /* time of the first one */
  GPtrArray *tids;          /* transaction ids of requests sent (hex), first transmission order */
  GArray *req_times;        /* first transmission times of requests before completion */
  GArray *late_req_times;   /* first transmission times of requests after completion (consent) */
  GArray *tid_times;        /* every transmission time of the first request's tid */
} Side;

struct Net {
  Side side[2];           /* the two agents */
  GQueue queue;           /* datagrams in flight, in delivery order */
  SimTime delay;          /* one-way delay */
  gboolean blocked;       /* drop everything */
  guint drop_responses;   /* drop this many success responses ... */
  int drop_from;          /* ... sent by this side (-1: any) */
  guint32 unreachable[8]; /* destination addresses that drop everything */
  guint n_unreachable;    /* entries used */
  guint delivered;        /* datagrams delivered */
  guint dropped;          /* datagrams dropped */
};

typedef struct {
  Net *net;       /* network */
  guint to;       /* receiving side */
  SimAddr dst;    /* local base address it arrives at */
  SimAddr from;   /* source as the receiver sees it */
  GBytes *bytes;  /* the datagram */
} Datagram;

static inline char *
tid_hex(const guint8 *buf)
{
  return g_strdup_printf("%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x", buf[8], buf[9],
                         buf[10], buf[11], buf[12], buf[13], buf[14], buf[15], buf[16], buf[17],
                         buf[18], buf[19]);
}

static inline const IceCandidate *
find_base(IceAgent *a, SimAddr addr)
{
  for (guint i = 0; i < ice_agent_n_local(a); i++) {
    const IceCandidate *c = ice_agent_local(a, i);
    if ((c->type == ICE_CAND_HOST || c->type == ICE_CAND_RELAY) && c->addr.addr == addr.addr &&
        c->addr.port == addr.port)
      return c;
  }
  return NULL;
}

static inline void
net_deliver(void *data)
{
  Net *n = data;
  Datagram *d = g_queue_pop_head(&n->queue);
  g_assert_nonnull(d);
  Side *s = &n->side[d->to];
  const IceCandidate *base = find_base(s->agent, d->dst);
  gsize len;
  const guint8 *buf = g_bytes_get_data(d->bytes, &len);
  n->delivered++;
  g_assert_true(ice_agent_receive(s->agent, base, d->from, buf, len));
  g_bytes_unref(d->bytes);
  g_free(d);
}

static inline void
net_send(void *ctx, const IceCandidate *local_base, SimAddr to, const guint8 *buf, gsize len)
{
  Side *s = ctx;
  Net *n = s->net;
  Side *peer = &n->side[1 - s->idx];
  g_assert_true(local_base->type == ICE_CAND_HOST || local_base->type == ICE_CAND_RELAY);
  guint16 type = (guint16)(buf[0] << 8 | buf[1]);
  if (type == 0x0001) { /* a Binding request: record first transmissions */
    g_autofree char *tid = tid_hex(buf);
    gboolean seen = FALSE;
    for (guint i = 0; i < s->tids->len && !seen; i++)
      seen = strcmp(s->tids->pdata[i], tid) == 0;
    SimTime now = sim_now();
    if (!seen) {
      g_ptr_array_add(s->tids, g_strdup(tid));
      g_array_append_val(ice_agent_state(s->agent) == ICE_STATE_COMPLETED ? s->late_req_times
                                                                          : s->req_times, now);
    }
    if (strcmp(s->tids->pdata[0], tid) == 0)
      g_array_append_val(s->tid_times, now);
  }
  SimAddr from = local_base->addr, dst = to;
  if (s->nat_private != 0 && local_base->addr.addr == s->nat_private)
    from = (SimAddr){ s->nat_public, (guint16)(local_base->addr.port + NAT_PORT_OFFSET) };
  gboolean drop = n->blocked;
  for (guint i = 0; i < n->n_unreachable; i++)
    drop = drop || to.addr == n->unreachable[i];
  if (peer->nat_private != 0) {
    if (to.addr == peer->nat_private)
      drop = TRUE; /* a private address is not reachable from outside */
    else if (to.addr == peer->nat_public)
      dst = (SimAddr){ peer->nat_private, (guint16)(to.port - NAT_PORT_OFFSET) };
  }
  if (!drop && find_base(peer->agent, dst) == NULL)
    drop = TRUE;
  if (!drop && type == 0x0101 && n->drop_responses > 0 &&
      (n->drop_from < 0 || n->drop_from == (int)s->idx)) {
    n->drop_responses--;
    drop = TRUE;
  }
  if (drop) {
    n->dropped++;
    return;
  }
  Datagram *d = g_new0(Datagram, 1);
  *d = (Datagram){ .net = n, .to = peer->idx, .dst = dst, .from = from,
                   .bytes = g_bytes_new(buf, len) };
  g_queue_push_tail(&n->queue, d);
  sim_schedule(n->delay, net_deliver, n);
}

static inline void
on_selected(void *ctx, guint component, const IceCandidatePair *pair)
{
  Side *s = ctx;
  s->n_selected++;
  s->selected[component] = pair;
}

static inline void
on_state(void *ctx, IceState state)
{
  Side *s = ctx;
  g_array_append_val(s->states, state);
  if (s->state_at[state] < 0)
    s->state_at[state] = sim_now();
}

static inline void
on_consent_lost(void *ctx, guint component, const IceCandidatePair *pair)
{
  Side *s = ctx;
  (void)component;
  g_assert_nonnull(pair);
  if (s->consent_lost++ == 0)
    s->consent_lost_at = sim_now();
}

static const IceAgentOps net_ops = {
  .send = net_send,
  .on_selected = on_selected,
  .on_state = on_state,
  .on_consent_lost = on_consent_lost,
};

/* One side: its role, whether it is lite, and its NAT. */
typedef struct {
  gboolean controlling; /* initial role */
  gboolean lite;        /* lite agent */
  gboolean nat;         /* behind the NAT (side 0 only) */
  guint hosts;          /* host addresses (0 means 1) */
  guint components;     /* 0 means 1 */
  guint64 tie_breaker;  /* 0: random */
  guint ta_ms;          /* 0: default */
  guint nomination_wait_ms; /* 0: default */
  gboolean hide_candidates; /* signal no candidates (0.0.0.0:9 in SDP): peer-reflexive only */
} SideSpec;

static inline void
side_setup(Net *n, guint i, const SideSpec *spec)
{
  Side *s = &n->side[i];
  g_autoptr(GError) error = NULL;
  s->net = n;
  s->idx = i;
  s->states = g_array_new(FALSE, FALSE, sizeof(IceState));
  for (guint k = 0; k < G_N_ELEMENTS(s->state_at); k++)
    s->state_at[k] = -1;
  s->tids = g_ptr_array_new_with_free_func(g_free);
  s->req_times = g_array_new(FALSE, FALSE, sizeof(SimTime));
  s->late_req_times = g_array_new(FALSE, FALSE, sizeof(SimTime));
  s->tid_times = g_array_new(FALSE, FALSE, sizeof(SimTime));
  IceAgentParams p;
  ice_agent_params_default(&p);
  p.name = i == 0 ? "a" : "b";
  p.index = i;
  p.controlling = spec->controlling;
  p.lite = spec->lite;
  p.tie_breaker = spec->tie_breaker;
  p.components = spec->components ? spec->components : 1;
  if (spec->ta_ms)
    p.ta_ms = spec->ta_ms;
  if (spec->nomination_wait_ms)
    p.nomination_wait_ms = spec->nomination_wait_ms;
  s->agent = ice_agent_new(&p, &net_ops, s, &error);
  g_assert_no_error(error);
  guint32 base_ip = i == 0 ? 0x0A000001 /* 10.0.0.1 */ : 0xC6336414 /* 198.51.100.20 */;
  if (spec->nat) {
    s->nat_private = 0xC0A8010A; /* 192.168.1.10 */
    s->nat_public = 0xCB007105;  /* 203.0.113.5 */
    base_ip = s->nat_private;
  }
  for (guint h = 0; h < MAX(spec->hosts, 1); h++) {
    for (guint c = 1; c <= p.components; c++) {
      IceCandidate hc = { .type = ICE_CAND_HOST, .component = c, .local_pref = (guint16)(65535 - h),
                          .addr = { base_ip + h, (guint16)(5000 + c - 1) } };
      const IceCandidate *host = ice_agent_add_local(s->agent, &hc, &error);
      g_assert_no_error(error);
      if (spec->nat) {
        IceCandidate sc = { .type = ICE_CAND_SRFLX, .component = c, .base = host->addr,
                            .related = host->addr, .server = 0xC6336401, /* 198.51.100.1 */
                            .addr = { s->nat_public, (guint16)(host->addr.port + NAT_PORT_OFFSET) } };
        g_assert_nonnull(ice_agent_add_local(s->agent, &sc, &error));
        g_assert_no_error(error);
      }
    }
  }
}

/* Build both sides, exchange credentials and candidates as the SDP would, start both at t=0. */
static inline void
net_setup(Net *n, const SideSpec *a, const SideSpec *b)
{
  memset(n, 0, sizeof *n);
  n->delay = SIM_MS(10);
  n->drop_from = -1;
  g_queue_init(&n->queue);
  side_setup(n, 0, a);
  side_setup(n, 1, b);
  g_autoptr(GError) error = NULL;
  for (guint i = 0; i < 2; i++) {
    IceAgent *me = n->side[i].agent, *peer = n->side[1 - i].agent;
    g_assert_true(ice_agent_set_remote(me, ice_agent_local_ufrag(peer), ice_agent_local_pwd(peer),
                                       ice_agent_is_lite(peer), &error));
    for (guint k = 0; k < ice_agent_n_local(peer) && !(i == 0 ? b : a)->hide_candidates; k++)
      g_assert_true(ice_agent_add_remote_candidate(me, ice_agent_local(peer, k), &error));
    g_assert_no_error(error);
  }
  for (guint i = 0; i < 2; i++)
    g_assert_true(ice_agent_start(n->side[i].agent, &error));
  g_assert_no_error(error);
}

static inline void
net_clear(Net *n)
{
  for (guint i = 0; i < 2; i++) {
    Side *s = &n->side[i];
    g_clear_pointer(&s->agent, ice_agent_free);
    g_array_unref(s->states);
    g_ptr_array_unref(s->tids);
    g_array_unref(s->req_times);
    g_array_unref(s->late_req_times);
    g_array_unref(s->tid_times);
  }
  Datagram *d;
  while ((d = g_queue_pop_head(&n->queue)) != NULL) {
    g_bytes_unref(d->bytes);
    g_free(d);
  }
  sim_reset(); /* pending deliveries point at the queue: end the world with it */
}
