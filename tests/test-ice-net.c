/* test-ice-net.c — two ICE agents (RFC 8445) on real simulated UDP sockets across the default
 * topology: the phone behind the home NAT and the remote party on the public side.  The phone offers
 * only its private host candidate, so both sides learn peer-reflexive candidates (RFC 8445
 * §7.2.5.3.1, §7.3.1.3) and the selected pair runs through the NAT mapping; consent freshness
 * (RFC 7675) then keeps a 30 s NAT binding open. */
#include <string.h>

#include "stun/ice.h"
#include "test-util.h"
#include "topology.h"

typedef struct {
  IceAgent *agent;            /* the agent */
  SimSock sock;               /* its one UDP socket (the host base) */
  const IceCandidate *base;   /* its host candidate */
  guint non_ice;              /* datagrams the agent did not claim */
} Peer;

static void
peer_recv(void *ctx, SimSock sock, const guint8 *data, gsize len, SimAddr from)
{
  Peer *p = ctx;
  (void)sock;
  if (!ice_agent_receive(p->agent, p->base, from, data, len))
    p->non_ice++;
}

static void
peer_send(void *ctx, const IceCandidate *base, SimAddr to, const guint8 *buf, gsize len)
{
  Peer *p = ctx;
  g_assert_true(base == p->base);
  sim_udp_send(p->sock, to, buf, len);
}

static const SimSockOps peer_sock_ops = { .recv = peer_recv };
static const IceAgentOps peer_ops = { .send = peer_send };

static void
peer_open(Peer *p, const Config *cfg, SimNode node, guint32 addr, guint index, gboolean controlling)
{
  g_autoptr(GError) error = NULL;
  IceAgentParams params;
  ice_agent_params_default(&params);
  ice_agent_params_from_config(cfg, &params);
  params.index = index;
  params.name = index == 0 ? "phone" : "remote";
  params.controlling = controlling;
  p->agent = ice_agent_new(&params, &peer_ops, p, &error);
  g_assert_no_error(error);
  p->sock = sim_udp_open(node, (SimAddr){ addr, 5000 }, &peer_sock_ops, p, &error);
  g_assert_no_error(error);
  IceCandidate c = { .type = ICE_CAND_HOST, .component = 1, .addr = { addr, 5000 } };
  p->base = ice_agent_add_local(p->agent, &c, &error);
  g_assert_no_error(error);
}

static void
exchange(Peer *me, Peer *peer)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(ice_agent_set_remote(me->agent, ice_agent_local_ufrag(peer->agent),
                                     ice_agent_local_pwd(peer->agent), FALSE, &error));
  g_assert_true(ice_agent_add_remote_candidate(me->agent, peer->base, &error));
  g_assert_no_error(error);
}

static void
test_phone_behind_nat_finds_prflx_pair(void)
{
  tu_world(31);
  g_autoptr(Config) cfg = tu_config("topology.phones=1", "nat.udp_timeout_s=30", NULL);
  g_autoptr(GError) error = NULL;
  Topology *t = topology_build(cfg, &error);
  g_assert_no_error(error);
  Peer phone = { 0 }, remote = { 0 };
  peer_open(&phone, cfg, t->phones[0].node, t->phones[0].addr, 0, TRUE);
  peer_open(&remote, cfg, t->remote.node, t->remote.addr, 1, FALSE);
  exchange(&phone, &remote);
  exchange(&remote, &phone);
  g_assert_true(ice_agent_start(phone.agent, &error));
  g_assert_true(ice_agent_start(remote.agent, &error));
  g_assert_no_error(error);
  sim_run(SIM_S(5));
  g_assert_cmpint(ice_agent_state(phone.agent), ==, ICE_STATE_COMPLETED);
  g_assert_cmpint(ice_agent_state(remote.agent), ==, ICE_STATE_COMPLETED);
  const IceCandidatePair *ps = ice_agent_selected(phone.agent, 1);
  const IceCandidatePair *rs = ice_agent_selected(remote.agent, 1);
  /* The phone's valid pair has the NAT mapping as a local peer-reflexive candidate ... */
  g_assert_cmpint(ps->local->type, ==, ICE_CAND_PRFLX);
  g_assert_cmpuint(ps->local->addr.addr, ==, t->public_addr);
  g_assert_true(ps->base == phone.base);
  g_assert_cmpuint(ps->remote->addr.addr, ==, t->remote.addr);
  /* ... and the remote party learnt the same mapping as a remote peer-reflexive candidate. */
  g_assert_cmpint(rs->remote->type, ==, ICE_CAND_PRFLX);
  g_assert_cmpuint(rs->remote->addr.addr, ==, ps->local->addr.addr);
  g_assert_cmpuint(rs->remote->addr.port, ==, ps->local->addr.port);
  /* Consent requests every 4-6 s keep the 30 s NAT binding open for minutes. */
  sim_run(SIM_S(150));
  for (Peer *p = &phone; p != NULL; p = p == &phone ? &remote : NULL) {
    g_assert_cmpint(ice_agent_state(p->agent), ==, ICE_STATE_COMPLETED);
    const IceStats *st = ice_agent_stats(p->agent);
    g_assert_cmpuint(st->consent_sent, >=, 24);
    g_assert_cmpuint(st->consent_ok + 1, >=, st->consent_sent); /* one may be in flight */
    g_assert_cmpuint(p->non_ice, ==, 0);
  }
  ice_agent_free(phone.agent);
  ice_agent_free(remote.agent);
  topology_free(t);
  sim_reset();
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/ice-net/phone-behind-nat-finds-prflx-pair-and-consent-keeps-binding",
                  test_phone_behind_nat_finds_prflx_pair);
  return g_test_run();
}
