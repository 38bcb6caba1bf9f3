/* test-ice.c — the ICE agent (RFC 8445) and its SDP helpers (RFC 8839): priority formulas against
 * hand-computed values, foundations, pruning and initial states of the checklist, the checks on
 * the wire (integrity, 400/401, role conflicts), and two agents joined by a fake transport
 * (test-ice-util.h): full-full with and without a NAT, full-lite, Ta pacing, retransmissions,
 * failure, consent freshness and its loss; SDP round trip and ice-mismatch. */
#include "test-ice-util.h"

/* ---- Formulas ------------------------------------------------------------------------------------ */

static void
test_priority_formula(void)
{
  /* RFC 8445 §5.1.2.1 with the §5.1.2.2 type preferences; the srflx value is RFC 8839 §4.2.6's. */
  static const struct {
    IceCandidateType type;
    guint local_pref, component;
    guint32 expected;
  } rows[] = {
    { ICE_CAND_HOST, 65535, 1, 2130706431u },  /* 126<<24 + 65535<<8 + 255 */
    { ICE_CAND_HOST, 65535, 2, 2130706430u },
    { ICE_CAND_PRFLX, 65535, 1, 1862270975u }, /* 110<<24 + ... */
    { ICE_CAND_SRFLX, 65535, 1, 1694498815u }, /* 100<<24 + ... */
    { ICE_CAND_SRFLX, 10, 1, 1677724415u },
    { ICE_CAND_RELAY, 65535, 1, 16777215u },   /* 0<<24 + ... */
    { ICE_CAND_RELAY, 65535, 2, 16777214u },
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++)
    g_assert_cmpuint(ice_priority(ice_type_preference(rows[i].type), rows[i].local_pref,
                                  rows[i].component), ==, rows[i].expected);
}

static void
test_pair_priority_formula(void)
{
  /* RFC 8445 §6.1.2.3: 2^32 MIN(G,D) + 2 MAX(G,D) + (G > D ? 1 : 0). */
  g_assert_cmpuint(ice_pair_priority(2130706431u, 1694498815u), ==, 7277816997797167103ull);
  g_assert_cmpuint(ice_pair_priority(1694498815u, 2130706431u), ==, 7277816997797167102ull);
  g_assert_cmpuint(ice_pair_priority(5, 5), ==, (5ull << 32) + 10);
}

/* ---- Candidates and the checklist ---------------------------------------------------------------- */

static void
null_send(void *ctx, const IceCandidate *b, SimAddr to, const guint8 *buf, gsize len)
{
  (void)ctx, (void)b, (void)to, (void)buf, (void)len;
}

static IceAgent *
new_agent(guint index, gboolean controlling, guint components)
{
  static const IceAgentOps ops = { .send = null_send };
  IceAgentParams p;
  ice_agent_params_default(&p);
  p.index = index;
  p.controlling = controlling;
  p.components = components;
  g_autoptr(GError) error = NULL;
  IceAgent *a = ice_agent_new(&p, &ops, NULL, &error);
  g_assert_no_error(error);
  return a;
}

static const IceCandidate *
add(IceAgent *a, IceCandidateType type, guint comp, const char *addr, guint16 port,
    const IceCandidate *base, guint32 server)
{
  g_autoptr(GError) error = NULL;
  IceCandidate c = { .type = type, .component = comp, .addr.port = port, .server = server };
  g_assert_true(sim_addr_parse(addr, &c.addr.addr));
  if (base != NULL)
    c.base = c.related = base->addr;
  const IceCandidate *r = ice_agent_add_local(a, &c, &error);
  g_assert_no_error(error);
  return r;
}

static void
test_foundation_rules(void)
{
  tu_world(1);
  g_autoptr(IceAgent) a = new_agent(0, TRUE, 2);
  const IceCandidate *h1 = add(a, ICE_CAND_HOST, 1, "192.168.1.10", 5000, NULL, 0);
  const IceCandidate *h2 = add(a, ICE_CAND_HOST, 2, "192.168.1.10", 5001, NULL, 0);
  const IceCandidate *h3 = add(a, ICE_CAND_HOST, 1, "192.168.2.10", 5000, NULL, 0);
  const IceCandidate *s1 = add(a, ICE_CAND_SRFLX, 1, "203.0.113.5", 6000, h1, 0xC6336401);
  const IceCandidate *s2 = add(a, ICE_CAND_SRFLX, 2, "203.0.113.5", 6001, h2, 0xC6336401);
  const IceCandidate *s3 = add(a, ICE_CAND_SRFLX, 1, "203.0.113.5", 6002, h1, 0xC6336402);
  const IceCandidate *r1 = add(a, ICE_CAND_RELAY, 1, "198.51.100.1", 40000, NULL, 0xC6336401);
  /* RFC 8445 §5.1.1.3: same type, base IP and server share a foundation, across components. */
  g_assert_cmpstr(h1->foundation, ==, h2->foundation);
  g_assert_cmpstr(s1->foundation, ==, s2->foundation);
  g_assert_cmpstr(h1->foundation, !=, h3->foundation); /* other base IP */
  g_assert_cmpstr(s1->foundation, !=, s3->foundation); /* other STUN server */
  g_assert_cmpstr(s1->foundation, !=, h1->foundation); /* other type */
  g_assert_cmpstr(r1->foundation, !=, s1->foundation);
  g_assert_cmpuint(h2->priority, ==, 2130706430u);
  g_assert_cmpuint(r1->priority, ==, 16777215u);
  /* §5.1.3: a server-reflexive candidate equal to its base (no NAT) is redundant. */
  guint n = ice_agent_n_local(a);
  const IceCandidate *same = add(a, ICE_CAND_SRFLX, 1, "192.168.1.10", 5000, h1, 0xC6336401);
  g_assert_true(same == h1);
  g_assert_cmpuint(ice_agent_n_local(a), ==, n);
  /* Bad input is an error, not a crash. */
  g_autoptr(GError) error = NULL;
  IceCandidate bad = { .type = ICE_CAND_PRFLX, .component = 1, .addr = { 1, 1 } };
  g_assert_null(ice_agent_add_local(a, &bad, &error));
  g_assert_error(error, SIM_ERROR, SIM_ERROR_INVALID);
  g_clear_error(&error);
  bad = (IceCandidate){ .type = ICE_CAND_HOST, .component = 3, .addr = { 1, 1 } };
  g_assert_null(ice_agent_add_local(a, &bad, &error));
  g_assert_error(error, SIM_ERROR, SIM_ERROR_INVALID);
}

static void
add_remote(IceAgent *a, IceCandidateType type, guint comp, const char *fnd, const char *addr,
           guint16 port)
{
  g_autoptr(GError) error = NULL;
  IceCandidate c = { .type = type, .component = comp, .addr.port = port };
  g_strlcpy(c.foundation, fnd, sizeof c.foundation);
  g_assert_true(sim_addr_parse(addr, &c.addr.addr));
  c.priority = ice_priority(ice_type_preference(type), 65535, comp);
  g_assert_true(ice_agent_add_remote_candidate(a, &c, &error));
  g_assert_no_error(error);
}

static void
test_checklist_pruning_and_states(void)
{
  tu_world(1);
  g_autoptr(IceAgent) a = new_agent(0, TRUE, 2);
  const IceCandidate *h1 = add(a, ICE_CAND_HOST, 1, "192.168.1.10", 5000, NULL, 0);
  const IceCandidate *h2 = add(a, ICE_CAND_HOST, 2, "192.168.1.10", 5001, NULL, 0);
  add(a, ICE_CAND_SRFLX, 1, "203.0.113.5", 6000, h1, 0xC6336401);
  add(a, ICE_CAND_SRFLX, 2, "203.0.113.5", 6001, h2, 0xC6336401);
  add(a, ICE_CAND_RELAY, 1, "198.51.100.1", 40000, NULL, 0xC6336401);
  g_autoptr(GError) error = NULL;
  g_assert_true(ice_agent_set_remote(a, "rfrag", "rpwd0123456789abcdefghij", FALSE, &error));
  add_remote(a, ICE_CAND_HOST, 1, "7", "198.51.100.20", 5000);
  add_remote(a, ICE_CAND_HOST, 2, "7", "198.51.100.20", 5001);
  g_assert_true(ice_agent_start(a, &error));
  g_assert_no_error(error);
  /* §6.1.2.4: each srflx local candidate became its host base, a duplicate, pruned: left are
   * host-host for both components and relay-host for component 1. */
  g_assert_cmpuint(ice_agent_n_pairs(a), ==, 3);
  const IceCandidatePair *p0 = ice_agent_pair(a, 0), *p1 = ice_agent_pair(a, 1),
                         *p2 = ice_agent_pair(a, 2);
  g_assert_true(p0->local == h1 && p0->component == 1);
  g_assert_true(p1->local == h2 && p1->component == 2);
  g_assert_cmpint(p2->local->type, ==, ICE_CAND_RELAY);
  g_assert_cmpuint(p0->priority, >, p1->priority);
  g_assert_cmpuint(p1->priority, >, p2->priority);
  g_assert_cmpuint(p0->priority, ==, ice_pair_priority(h1->priority, p0->remote->priority));
  /* §6.1.2.6: per foundation the lowest component starts Waiting, the rest Frozen. */
  g_assert_cmpint(p0->state, ==, ICE_PAIR_WAITING);
  g_assert_cmpint(p1->state, ==, ICE_PAIR_FROZEN);
  g_assert_cmpint(p2->state, ==, ICE_PAIR_WAITING);
  g_assert_cmpint(ice_agent_state(a), ==, ICE_STATE_CHECKING);
}

/* ---- Checks on the wire ---------------------------------------------------------------------------- */

typedef struct {
  GBytes *last;     /* the latest datagram sent */
  SimAddr to;       /* its destination */
  guint sent;       /* datagrams sent */
} Capture;

static void
capture_send(void *ctx, const IceCandidate *b, SimAddr to, const guint8 *buf, gsize len)
{
  Capture *c = ctx;
  (void)b;
  g_clear_pointer(&c->last, g_bytes_unref);
  c->last = g_bytes_new(buf, len);
  c->to = to;
  c->sent++;
}

static IceAgent *
capture_agent(Capture *cap, guint index, gboolean controlling, const char *ufrag, const char *pwd,
              guint64 tie_breaker)
{
  static const IceAgentOps ops = { .send = capture_send };
  IceAgentParams p;
  ice_agent_params_default(&p);
  p.index = index;
  p.controlling = controlling;
  p.ufrag = ufrag;
  p.pwd = pwd;
  p.tie_breaker = tie_breaker;
  g_autoptr(GError) error = NULL;
  IceAgent *a = ice_agent_new(&p, &ops, cap, &error);
  g_assert_no_error(error);
  return a;
}

#define PWD_A "aaaaaaaaaaaaaaaaaaaaaa"
#define PWD_B "bbbbbbbbbbbbbbbbbbbbbb"

/* A's first check, parsed; B answers it. */
static void
test_check_message_and_integrity(void)
{
  tu_world(2);
  Capture ca = { 0 }, cb = { 0 }, cx = { 0 };
  g_autoptr(IceAgent) a = capture_agent(&ca, 0, TRUE, "ufA1", PWD_A, 0x1111);
  g_autoptr(IceAgent) b = capture_agent(&cb, 1, FALSE, "ufB1", PWD_B, 0x2222);
  g_autoptr(IceAgent) x = capture_agent(&cx, 2, FALSE, "ufB1", "wrongwrongwrongwrongwr", 0x3333);
  const IceCandidate *ha = add(a, ICE_CAND_HOST, 1, "10.0.0.1", 5000, NULL, 0);
  const IceCandidate *hb = add(b, ICE_CAND_HOST, 1, "10.0.0.2", 5000, NULL, 0);
  const IceCandidate *hx = add(x, ICE_CAND_HOST, 1, "10.0.0.2", 5000, NULL, 0);
  g_autoptr(GError) error = NULL;
  g_assert_true(ice_agent_set_remote(a, "ufB1", PWD_B, FALSE, &error));
  IceCandidate rb = *hb;
  g_assert_true(ice_agent_add_remote_candidate(a, &rb, &error));
  g_assert_true(ice_agent_start(a, &error));
  sim_run(SIM_MS(1));
  g_assert_cmpuint(ca.sent, ==, 1);
  gsize len;
  const guint8 *req = g_bytes_get_data(ca.last, &len);
  StunMsg m;
  g_assert_cmpint(stun_msg_parse(req, len, &m, NULL), ==, 1);
  g_assert_cmpint(m.klass, ==, STUN_CLASS_REQUEST);
  g_assert_cmpint(m.fp_index, >=, 0);
  const char *user;
  gsize ulen;
  g_assert_cmpint(stun_msg_get_text(&m, STUN_ATTR_USERNAME, &user, &ulen), ==, 1);
  g_assert_cmpmem(user, ulen, "ufB1:ufA1", 9);
  guint32 prio;
  g_assert_cmpint(stun_msg_get_u32(&m, STUN_ATTR_PRIORITY, &prio), ==, 1);
  g_assert_cmpuint(prio, ==, 1862270975u); /* a prflx priority (RFC 8445 §7.1.1) */
  g_assert_cmpint(stun_msg_find(&m, STUN_ATTR_ICE_CONTROLLING, NULL), ==, 1);
  g_assert_cmpint(stun_msg_find(&m, STUN_ATTR_USE_CANDIDATE, NULL), ==, 0);
  g_assert_cmpint(stun_msg_check_integrity(&m, (const guint8 *)PWD_B, 22), ==, 1);
  g_assert_cmpint(stun_msg_check_integrity(&m, (const guint8 *)PWD_A, 22), ==, -1);
  /* B (the right password) answers with XOR-MAPPED-ADDRESS, signed with its password. */
  SimAddr from = ha->addr;
  g_assert_true(ice_agent_receive(b, hb, from, req, len));
  const guint8 *resp = g_bytes_get_data(cb.last, &len);
  StunMsg r;
  g_assert_cmpint(stun_msg_parse(resp, len, &r, NULL), ==, 1);
  g_assert_cmpint(r.klass, ==, STUN_CLASS_SUCCESS);
  g_assert_cmpint(stun_msg_check_integrity(&r, (const guint8 *)PWD_B, 22), ==, 1);
  StunAddress xma;
  g_assert_cmpint(stun_msg_get_address(&r, STUN_ATTR_XOR_MAPPED_ADDRESS, &xma), ==, 1);
  g_assert_cmpuint(xma.v4, ==, from.addr);
  g_assert_cmpuint(xma.port, ==, from.port);
  g_assert_cmpuint(ice_agent_stats(b)->checks_received, ==, 1);
  /* X has the same ufrag but another password: 401 without MESSAGE-INTEGRITY. */
  req = g_bytes_get_data(ca.last, &len);
  g_assert_true(ice_agent_receive(x, hx, from, req, len));
  resp = g_bytes_get_data(cx.last, &len);
  g_assert_cmpint(stun_msg_parse(resp, len, &r, NULL), ==, 1);
  guint code = 0;
  g_assert_cmpint(stun_msg_get_error(&r, &code, NULL, NULL), ==, 1);
  g_assert_cmpuint(code, ==, 401);
  g_assert_cmpint(r.mi_index, ==, -1);
  /* The response reaches A: the pair succeeds. */
  g_assert_true(ice_agent_receive(a, ha, hb->addr, g_bytes_get_data(cb.last, NULL),
                                  g_bytes_get_size(cb.last)));
  g_assert_cmpuint(ice_agent_n_valid(a), ==, 1);
  g_assert_cmpint(ice_agent_pair(a, 0)->state, ==, ICE_PAIR_SUCCEEDED);
  g_clear_pointer(&ca.last, g_bytes_unref);
  g_clear_pointer(&cb.last, g_bytes_unref);
  g_clear_pointer(&cx.last, g_bytes_unref);
}

/* Requests built by hand: what B answers (or leaves to others). */
static void
test_bad_requests_answered(void)
{
  tu_world(3);
  Capture cb = { 0 };
  g_autoptr(IceAgent) b = capture_agent(&cb, 1, FALSE, "ufB1", PWD_B, 0x2222);
  const IceCandidate *hb = add(b, ICE_CAND_HOST, 1, "10.0.0.2", 5000, NULL, 0);
  static const struct {
    const char *what;
    const char *user;     /* USERNAME, NULL: none */
    gboolean priority;    /* PRIORITY present */
    gboolean role;        /* ICE-CONTROLLING present */
    gboolean integrity;   /* MESSAGE-INTEGRITY (B's password) */
    gboolean ours;        /* ice_agent_receive() returns TRUE */
    guint code;           /* expected error, 0: success */
  } rows[] = {
    { "good", "ufB1:ufA1", TRUE, TRUE, TRUE, TRUE, 0 },
    { "no MESSAGE-INTEGRITY (RFC 8489 §9.1.3)", "ufB1:ufA1", TRUE, TRUE, FALSE, TRUE, 400 },
    { "no PRIORITY (RFC 8445 §7.1.1)", "ufB1:ufA1", FALSE, TRUE, TRUE, TRUE, 400 },
    { "no role attribute (RFC 8445 §7.1.3)", "ufB1:ufA1", TRUE, FALSE, TRUE, TRUE, 400 },
    { "another agent's ufrag", "ufC1:ufA1", TRUE, TRUE, TRUE, FALSE, 0 },
    { "no USERNAME: a plain Binding request", NULL, FALSE, FALSE, FALSE, FALSE, 0 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    g_test_message("%s", rows[i].what);
    guint8 tid[STUN_TID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, (guint8)i };
    StunBuilder bl;
    stun_builder_init(&bl, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
    if (rows[i].user != NULL)
      stun_add_text(&bl, STUN_ATTR_USERNAME, rows[i].user);
    if (rows[i].priority)
      stun_add_u32(&bl, STUN_ATTR_PRIORITY, 1862270975u);
    if (rows[i].role) {
      static const guint8 tb[8] = { 0, 0, 0, 0, 0, 0, 0x11, 0x11 };
      stun_add_raw(&bl, STUN_ATTR_ICE_CONTROLLING, tb, 8);
    }
    if (rows[i].integrity)
      stun_add_integrity(&bl, (const guint8 *)PWD_B, 22);
    stun_add_fingerprint(&bl);
    g_autoptr(GBytes) req = stun_builder_steal(&bl);
    guint before = cb.sent;
    SimAddr from = { 0x0A000001, 5000 };
    g_assert_cmpint(ice_agent_receive(b, hb, from, g_bytes_get_data(req, NULL),
                                      g_bytes_get_size(req)), ==, rows[i].ours);
    if (!rows[i].ours) {
      g_assert_cmpuint(cb.sent, ==, before);
      continue;
    }
    g_assert_cmpuint(cb.sent, ==, before + 1);
    StunMsg r;
    gsize len;
    const guint8 *resp = g_bytes_get_data(cb.last, &len);
    g_assert_cmpint(stun_msg_parse(resp, len, &r, NULL), ==, 1);
    g_assert_cmpmem(r.tid, STUN_TID_LEN, tid, STUN_TID_LEN);
    guint code = 0;
    stun_msg_get_error(&r, &code, NULL, NULL);
    g_assert_cmpuint(code, ==, rows[i].code);
  }
  static const guint8 rtp[12] = { 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 };
  g_assert_false(ice_agent_receive(b, hb, (SimAddr){ 1, 1 }, rtp, sizeof rtp));
  g_clear_pointer(&cb.last, g_bytes_unref);
}

/* ---- Two agents ------------------------------------------------------------------------------------- */

static void
assert_states(const Side *s, const IceState *expected, guint n)
{
  g_assert_cmpuint(s->states->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint(g_array_index(s->states, IceState, i), ==, expected[i]);
}

static void
test_full_full_direct(void)
{
  tu_world(4);
  Net n;
  net_setup(&n, &(SideSpec){ .controlling = TRUE, .components = 2 },
            &(SideSpec){ .controlling = FALSE, .components = 2 });
  sim_run(SIM_S(3));
  static const IceState expected[] = { ICE_STATE_CHECKING, ICE_STATE_CONNECTED,
                                       ICE_STATE_COMPLETED };
  for (guint i = 0; i < 2; i++) {
    Side *s = &n.side[i];
    assert_states(s, expected, G_N_ELEMENTS(expected));
    g_assert_cmpuint(s->n_selected, ==, 2);
    for (guint c = 1; c <= 2; c++) {
      const IceCandidatePair *p = ice_agent_selected(s->agent, c);
      g_assert_true(p == s->selected[c]);
      g_assert_true(p->nominated && p->valid);
      g_assert_cmpint(p->local->type, ==, ICE_CAND_HOST);
      g_assert_cmpint(p->remote->type, ==, ICE_CAND_HOST);
      g_assert_cmpuint(p->local->addr.port, ==, 5000 + c - 1);
      g_assert_cmpuint(p->remote->addr.addr, ==, n.side[1 - i].selected[c]->local->addr.addr);
    }
    const IceStats *st = ice_agent_stats(s->agent);
    g_assert_cmpint(st->completed_at, >, 0);
    g_assert_cmpint(st->completed_at, <, SIM_MS(500));
    g_assert_cmpuint(st->role_conflicts, ==, 0);
  }
  g_assert_true(ice_agent_is_controlling(n.side[0].agent));
  net_clear(&n);
}

/* Side 0 behind a NAT: its host address is unreachable, only its srflx one works. */
static void
test_full_full_nat_srflx(void)
{
  static const struct {
    gboolean nat_side_controls; /* which side nominates */
    SimTime min_done, max_done; /* completion window at the controlling side */
  } rows[] = {
    /* The NAT side's only pair succeeds at once: nothing better is pending. */
    { TRUE, SIM_MS(1), SIM_MS(300) },
    /* The public side's host-host pair (higher priority) is unreachable: it nominates the srflx
     * pair after ice.nomination_wait_ms (1 s). */
    { FALSE, SIM_MS(1000), SIM_MS(1300) },
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    tu_world(5);
    Net n;
    net_setup(&n, &(SideSpec){ .controlling = rows[i].nat_side_controls, .nat = TRUE },
              &(SideSpec){ .controlling = !rows[i].nat_side_controls });
    sim_run(SIM_S(5));
    const IceCandidatePair *a = ice_agent_selected(n.side[0].agent, 1);
    const IceCandidatePair *b = ice_agent_selected(n.side[1].agent, 1);
    g_assert_nonnull(a);
    g_assert_nonnull(b);
    /* A's valid pair has its srflx candidate (the mapped address), sent from its host base. */
    g_assert_cmpint(a->local->type, ==, ICE_CAND_SRFLX);
    g_assert_cmpuint(a->local->addr.addr, ==, n.side[0].nat_public);
    g_assert_cmpint(a->base->type, ==, ICE_CAND_HOST);
    g_assert_cmpuint(a->base->addr.addr, ==, n.side[0].nat_private);
    g_assert_cmpint(b->remote->type, ==, ICE_CAND_SRFLX);
    g_assert_cmpuint(b->remote->addr.addr, ==, n.side[0].nat_public);
    g_assert_cmpuint(b->remote->addr.port, ==, 5000 + NAT_PORT_OFFSET);
    Side *ctl = &n.side[rows[i].nat_side_controls ? 0 : 1];
    SimTime done = ice_agent_stats(ctl->agent)->completed_at;
    g_assert_cmpint(done, >=, rows[i].min_done);
    g_assert_cmpint(done, <=, rows[i].max_done);
    g_assert_cmpint(ice_agent_state(n.side[0].agent), ==, ICE_STATE_COMPLETED);
    g_assert_cmpint(ice_agent_state(n.side[1].agent), ==, ICE_STATE_COMPLETED);
    net_clear(&n);
  }
}

static void
test_full_lite(void)
{
  tu_world(6);
  Net n;
  /* A starts controlled but its peer is lite: it must control (RFC 8445 §6.1.1). */
  net_setup(&n, &(SideSpec){ .controlling = FALSE }, &(SideSpec){ .lite = TRUE });
  g_assert_true(ice_agent_is_controlling(n.side[0].agent));
  g_assert_false(ice_agent_is_controlling(n.side[1].agent));
  sim_run(SIM_S(3));
  for (guint i = 0; i < 2; i++) {
    g_assert_cmpint(ice_agent_state(n.side[i].agent), ==, ICE_STATE_COMPLETED);
    g_assert_nonnull(ice_agent_selected(n.side[i].agent, 1));
  }
  g_assert_cmpuint(ice_agent_stats(n.side[1].agent)->checks_sent, ==, 0);
  g_assert_cmpuint(ice_agent_stats(n.side[1].agent)->consent_sent, ==, 0);
  g_assert_cmpuint(ice_agent_stats(n.side[1].agent)->checks_received, >=, 2);
  g_assert_cmpuint(ice_agent_selected(n.side[1].agent, 1)->remote->addr.addr, ==, 0x0A000001);
  net_clear(&n);
}

static void
test_ta_pacing(void)
{
  static const guint ta[] = { 20, 50 };
  for (guint i = 0; i < G_N_ELEMENTS(ta); i++) {
    tu_world(7);
    Net n;
    net_setup(&n, &(SideSpec){ .controlling = TRUE, .hosts = 3, .ta_ms = ta[i] },
              &(SideSpec){ .hosts = 3, .ta_ms = ta[i] });
    /* Only 10.0.0.3 and 198.51.100.22 answer: most pairs stay In-Progress, so the agents check
     * every pair and retransmit. */
    n.unreachable[n.n_unreachable++] = 0x0A000001;
    n.unreachable[n.n_unreachable++] = 0x0A000002;
    n.unreachable[n.n_unreachable++] = 0xC6336414;
    n.unreachable[n.n_unreachable++] = 0xC6336415;
    sim_run(SIM_S(5));
    for (guint s = 0; s < 2; s++) {
      GArray *t = n.side[s].req_times;
      g_assert_cmpuint(t->len, >=, 9); /* every one of the 9 pairs was checked */
      for (guint k = 1; k < t->len; k++)
        g_assert_cmpint(g_array_index(t, SimTime, k) - g_array_index(t, SimTime, k - 1), >=,
                        SIM_MS(ta[i]));
      g_assert_cmpuint(ice_agent_stats(n.side[s].agent)->retransmissions, >, 0);
      g_assert_cmpint(ice_agent_state(n.side[s].agent), ==, ICE_STATE_COMPLETED);
    }
    /* The one working pair, though the lowest in priority, is selected. */
    const IceCandidatePair *p = ice_agent_selected(n.side[0].agent, 1);
    g_assert_cmpuint(p->local->addr.addr, ==, 0x0A000003);
    g_assert_cmpuint(p->remote->addr.addr, ==, 0xC6336416);
    net_clear(&n);
  }
}

static void
test_retransmissions(void)
{
  tu_world(8);
  Net n;
  net_setup(&n, &(SideSpec){ .controlling = TRUE }, &(SideSpec){ .lite = TRUE });
  n.drop_responses = 2;
  n.drop_from = 1;
  sim_run(SIM_S(5));
  /* RFC 8445 §14.3 with one pair: RTO = 500 ms; RFC 8489 §6.2.1 doubles it. */
  GArray *t = n.side[0].tid_times;
  g_assert_cmpuint(t->len, ==, 3);
  g_assert_cmpint(g_array_index(t, SimTime, 0), ==, 0);
  g_assert_cmpint(g_array_index(t, SimTime, 1), ==, SIM_MS(500));
  g_assert_cmpint(g_array_index(t, SimTime, 2), ==, SIM_MS(1500));
  g_assert_cmpuint(ice_agent_stats(n.side[0].agent)->retransmissions, ==, 2);
  g_assert_cmpint(ice_agent_state(n.side[0].agent), ==, ICE_STATE_COMPLETED);
  net_clear(&n);
}

static void
test_nothing_reachable_fails(void)
{
  tu_world(9);
  Net n;
  net_setup(&n, &(SideSpec){ .controlling = TRUE }, &(SideSpec){ 0 });
  n.blocked = TRUE;
  sim_run(SIM_S(60));
  for (guint i = 0; i < 2; i++) {
    Side *s = &n.side[i];
    g_assert_cmpint(ice_agent_state(s->agent), ==, ICE_STATE_FAILED);
    /* 7 sends at 0, .5, 1.5, 3.5, 7.5, 15.5, 31.5 s, then 16 x 500 ms: failed at 39.5 s. */
    g_assert_cmpint(s->state_at[ICE_STATE_FAILED], ==, SIM_MS(39500));
    g_assert_cmpuint(s->tid_times->len, ==, 7);
    g_assert_cmpuint(s->n_selected, ==, 0);
  }
  net_clear(&n);
}

/* B signals no candidates: A's checklist is empty, yet B's checks bring A a peer-reflexive pair
 * before the patience time runs out (RFC 8863 §4). */
static void
test_empty_checklist_waits_for_prflx(void)
{
  static const gboolean b_reachable[] = { TRUE, FALSE };
  for (guint i = 0; i < G_N_ELEMENTS(b_reachable); i++) {
    tu_world(14);
    Net n;
    net_setup(&n, &(SideSpec){ 0 }, &(SideSpec){ .controlling = TRUE, .hide_candidates = TRUE });
    g_assert_cmpuint(ice_agent_n_pairs(n.side[0].agent), ==, 0);
    if (!b_reachable[i])
      n.blocked = TRUE;
    sim_run(SIM_S(60));
    Side *a = &n.side[0];
    if (b_reachable[i]) {
      g_assert_cmpint(ice_agent_state(a->agent), ==, ICE_STATE_COMPLETED);
      const IceCandidatePair *p = ice_agent_selected(a->agent, 1);
      g_assert_cmpint(p->remote->type, ==, ICE_CAND_PRFLX);
      g_assert_cmpuint(p->remote->addr.addr, ==, 0xC6336414);
      g_assert_cmpint(a->state_at[ICE_STATE_FAILED], ==, -1);
    } else {
      g_assert_cmpint(ice_agent_state(a->agent), ==, ICE_STATE_FAILED);
      g_assert_cmpint(a->state_at[ICE_STATE_FAILED], ==, SIM_MS(39500));
    }
    net_clear(&n);
  }
}

static void
block_net(void *data)
{
  ((Net *)data)->blocked = TRUE;
}

static void
test_consent_freshness(void)
{
  tu_world(10);
  Net n;
  net_setup(&n, &(SideSpec){ .controlling = TRUE }, &(SideSpec){ 0 });
  sim_run(SIM_S(60));
  for (guint i = 0; i < 2; i++) {
    Side *s = &n.side[i];
    g_assert_cmpint(ice_agent_state(s->agent), ==, ICE_STATE_COMPLETED);
    g_assert_cmpuint(s->consent_lost, ==, 0);
    GArray *t = s->late_req_times;
    g_assert_cmpuint(t->len, >=, 10);
    for (guint k = 1; k < t->len; k++) { /* RFC 7675 §5.1: 0.8..1.2 x 5 s */
      SimTime d = g_array_index(t, SimTime, k) - g_array_index(t, SimTime, k - 1);
      g_assert_cmpint(d, >=, SIM_S(4));
      g_assert_cmpint(d, <=, SIM_S(6));
    }
    g_assert_cmpuint(ice_agent_stats(s->agent)->consent_ok, ==, t->len);
  }
  /* The path dies at 60 s: consent is lost 30 s after the last answer. */
  sim_schedule(0, block_net, &n);
  sim_run(SIM_S(120));
  for (guint i = 0; i < 2; i++) {
    Side *s = &n.side[i];
    g_assert_cmpuint(s->consent_lost, ==, 1);
    g_assert_cmpint(s->consent_lost_at, >, SIM_S(60 + 30 - 7));
    g_assert_cmpint(s->consent_lost_at, <=, SIM_S(60 + 30));
    g_assert_cmpint(ice_agent_state(s->agent), ==, ICE_STATE_DISCONNECTED);
  }
  net_clear(&n);
}

static void
test_role_conflict(void)
{
  static const struct {
    gboolean a_ctl, b_ctl;     /* initial roles */
    guint64 tb_a, tb_b;        /* tie-breakers */
    gboolean a_ends_ctl;       /* A's final role */
  } rows[] = {
    { TRUE, TRUE, 10, 20, FALSE },   /* both controlling: the larger tie-breaker keeps it */
    { TRUE, TRUE, 30, 20, TRUE },
    { FALSE, FALSE, 10, 20, FALSE }, /* both controlled: the larger one takes control */
    { FALSE, FALSE, 30, 20, TRUE },
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    tu_world(11);
    Net n;
    net_setup(&n, &(SideSpec){ .controlling = rows[i].a_ctl, .tie_breaker = rows[i].tb_a },
              &(SideSpec){ .controlling = rows[i].b_ctl, .tie_breaker = rows[i].tb_b });
    sim_run(SIM_S(5));
    IceAgent *a = n.side[0].agent, *b = n.side[1].agent;
    g_assert_cmpint(ice_agent_is_controlling(a), ==, rows[i].a_ends_ctl);
    g_assert_cmpint(ice_agent_is_controlling(b), ==, !rows[i].a_ends_ctl);
    g_assert_cmpuint(ice_agent_stats(a)->role_conflicts + ice_agent_stats(b)->role_conflicts, >=,
                     1);
    /* Exactly one side switched, once. */
    g_assert_cmpuint(ice_agent_stats(a)->role_switches + ice_agent_stats(b)->role_switches, ==, 1);
    g_assert_cmpint(ice_agent_state(a), ==, ICE_STATE_COMPLETED);
    g_assert_cmpint(ice_agent_state(b), ==, ICE_STATE_COMPLETED);
    net_clear(&n);
  }
}

static char *
nat_run_hash(void)
{
  tu_world(13);
  Net n;
  net_setup(&n, &(SideSpec){ .nat = TRUE, .components = 2 }, &(SideSpec){ .controlling = TRUE,
                                                                          .components = 2 });
  sim_run(SIM_S(20));
  g_assert_cmpint(ice_agent_state(n.side[0].agent), ==, ICE_STATE_COMPLETED);
  char *hash = sim_trace_hash();
  g_assert_cmpuint(sim_trace_lines(), >, 50);
  net_clear(&n);
  return hash;
}

static void
test_trace_deterministic(void)
{
  g_autofree char *h1 = nat_run_hash();
  g_autofree char *h2 = nat_run_hash();
  g_assert_cmpstr(h1, ==, h2);
}

/* ---- SDP ---------------------------------------------------------------------------------------- */

static Sdp *
parse_sdp(const char *text)
{
  Sdp *sdp = g_new0(Sdp, 1);
  const char *reason = NULL;
  g_assert_cmpint(sdp_parse((const guint8 *)text, (SipSpan){ 0, (guint)strlen(text) }, sdp, &reason),
                  ==, 1);
  return sdp;
}

static void
test_sdp_round_trip(void)
{
  tu_world(12);
  g_autoptr(IceAgent) a = new_agent(0, TRUE, 2);
  const IceCandidate *h1 = add(a, ICE_CAND_HOST, 1, "192.168.1.10", 5000, NULL, 0);
  const IceCandidate *h2 = add(a, ICE_CAND_HOST, 2, "192.168.1.10", 5001, NULL, 0);
  add(a, ICE_CAND_SRFLX, 1, "203.0.113.5", 6000, h1, 0xC6336401);
  add(a, ICE_CAND_SRFLX, 2, "203.0.113.5", 6001, h2, 0xC6336401);
  IceCandidate relay = { .type = ICE_CAND_RELAY, .component = 1, .addr = { 0xC6336401, 40000 },
                         .related = { 0xCB007105, 6000 }, .server = 0xC6336401 };
  g_autoptr(GError) error = NULL;
  g_assert_nonnull(ice_agent_add_local(a, &relay, &error));
  g_autoptr(GString) s = g_string_new("v=0\r\no=- 1 1 IN IP4 203.0.113.5\r\ns=-\r\n"
                                      "c=IN IP4 203.0.113.5\r\nt=0 0\r\n"
                                      "m=audio 6000 RTP/AVP 0\r\na=rtcp:6001\r\n");
  ice_sdp_append_media_attrs(s, a);
  g_assert_nonnull(strstr(s->str, "a=candidate:2 1 UDP 1694498815 203.0.113.5 6000 typ srflx "
                                  "raddr 192.168.1.10 rport 5000\r\n"));
  g_assert_nonnull(strstr(s->str, "a=candidate:1 2 UDP 2130706430 192.168.1.10 5001 typ host\r\n"));
  g_autofree Sdp *sdp = parse_sdp(s->str);
  IceSdpRemote r;
  const char *reason = NULL;
  g_assert_cmpint(ice_sdp_read_remote(sdp, 0, &r, &reason), ==, 1);
  g_assert_cmpstr(r.ufrag, ==, ice_agent_local_ufrag(a));
  g_assert_cmpstr(r.pwd, ==, ice_agent_local_pwd(a));
  g_assert_false(r.lite);
  g_assert_cmpuint(r.candidates->len, ==, ice_agent_n_local(a));
  for (guint i = 0; i < r.candidates->len; i++) {
    const IceCandidate *got = r.candidates->pdata[i], *want = ice_agent_local(a, i);
    g_assert_cmpint(got->type, ==, want->type);
    g_assert_cmpuint(got->component, ==, want->component);
    g_assert_cmpstr(got->foundation, ==, want->foundation);
    g_assert_cmpuint(got->priority, ==, want->priority);
    g_assert_cmpuint(got->addr.addr, ==, want->addr.addr);
    g_assert_cmpuint(got->addr.port, ==, want->addr.port);
    g_assert_cmpuint(got->related.addr, ==, want->related.addr);
    g_assert_cmpuint(got->related.port, ==, want->related.port);
  }
  g_assert_true(ice_sdp_default_matches(sdp, 0, &reason));
  ice_sdp_remote_clear(&r);
  /* Lines this model cannot use are skipped; a broken one is malformed. */
  g_autofree Sdp *odd = parse_sdp(
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\na=ice-lite\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\nm=audio 9 RTP/AVP 0\r\n"
    "a=candidate:1 1 TCP 2130706431 1.2.3.4 9 typ host tcptype active\r\n"
    "a=candidate:2 1 UDP 2130706431 2001:db8::1 5000 typ host\r\n"
    "a=candidate:3 1 UDP 2130706431 1.2.3.4 5000 typ host\r\n");
  g_assert_cmpint(ice_sdp_read_remote(odd, 0, &r, &reason), ==, 1);
  g_assert_true(r.lite);
  g_assert_cmpuint(r.candidates->len, ==, 1);
  ice_sdp_remote_clear(&r);
  g_autofree Sdp *bad = parse_sdp(
    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\n"
    "a=candidate:f!x 1 UDP 2130706431 1.2.3.4 5000 typ host\r\n");
  g_assert_cmpint(ice_sdp_read_remote(bad, 0, &r, &reason), ==, -1);
  ice_sdp_remote_clear(&r);
}

static void
test_sdp_ice_mismatch(void)
{
  static const struct {
    const char *what;
    const char *conn;   /* c= address */
    guint port;         /* m= port */
    const char *rtcp;   /* a=rtcp value, NULL: none */
    gboolean matches;   /* RFC 8839 §4.2.5 */
  } rows[] = {
    { "default is the srflx candidate", "203.0.113.5", 6000, "6001", TRUE },
    { "default is the host candidate", "192.168.1.10", 5000, NULL, TRUE },
    { "an ALG rewrote c= and m=", "203.0.113.99", 7000, NULL, FALSE },
    { "an ALG rewrote the port only", "203.0.113.5", 7000, NULL, FALSE },
    { "a=rtcp is no candidate", "203.0.113.5", 6000, "7001", FALSE },
    { "the 0.0.0.0:9 placeholder (§4.2.5 item 2)", "0.0.0.0", 9, NULL, TRUE },
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    g_test_message("%s", rows[i].what);
    g_autofree char *text = g_strdup_printf(
      "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %u RTP/AVP 0\r\n"
      "%s%s%sa=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\n"
      "a=candidate:1 1 UDP 2130706431 192.168.1.10 5000 typ host\r\n"
      "a=candidate:2 1 UDP 1694498815 203.0.113.5 6000 typ srflx raddr 192.168.1.10 rport 5000\r\n"
      "a=candidate:2 2 UDP 1694498814 203.0.113.5 6001 typ srflx raddr 192.168.1.10 rport 5001\r\n",
      rows[i].conn, rows[i].port, rows[i].rtcp ? "a=rtcp:" : "", rows[i].rtcp ? rows[i].rtcp : "",
      rows[i].rtcp ? "\r\n" : "");
    g_autofree Sdp *sdp = parse_sdp(text);
    const char *reason = NULL;
    g_assert_cmpint(ice_sdp_default_matches(sdp, 0, &reason), ==, rows[i].matches);
    if (!rows[i].matches)
      g_assert_nonnull(strstr(reason, "ice-mismatch"));
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/ice/priority/candidate-formula-matches-rfc-values", test_priority_formula);
  g_test_add_func("/ice/priority/pair-formula-matches-rfc-values", test_pair_priority_formula);
  g_test_add_func("/ice/candidates/foundation-by-type-base-and-server", test_foundation_rules);
  g_test_add_func("/ice/checklist/srflx-replaced-by-base-and-frozen-per-foundation",
                  test_checklist_pruning_and_states);
  g_test_add_func("/ice/check/request-attributes-and-integrity-with-right-and-wrong-pwd",
                  test_check_message_and_integrity);
  g_test_add_func("/ice/check/bad-requests-get-400-or-are-left-alone", test_bad_requests_answered);
  g_test_add_func("/ice/connect/full-full-direct-selects-host-pairs", test_full_full_direct);
  g_test_add_func("/ice/connect/full-full-nat-selects-srflx-pair", test_full_full_nat_srflx);
  g_test_add_func("/ice/connect/full-lite-full-agent-controls-and-nominates", test_full_lite);
  g_test_add_func("/ice/pacing/new-checks-at-least-ta-apart", test_ta_pacing);
  g_test_add_func("/ice/retransmit/lost-responses-retransmitted-at-rto-doubling",
                  test_retransmissions);
  g_test_add_func("/ice/fail/nothing-reachable-fails-after-transaction-timeout",
                  test_nothing_reachable_fails);
  g_test_add_func("/ice/fail/empty-checklist-waits-patience-for-prflx",
                  test_empty_checklist_waits_for_prflx);
  g_test_add_func("/ice/consent/refreshed-every-4-6-s-and-lost-after-30-s", test_consent_freshness);
  g_test_add_func("/ice/role/conflict-resolved-by-tie-breaker", test_role_conflict);
  g_test_add_func("/ice/trace/same-seed-same-trace", test_trace_deterministic);
  g_test_add_func("/ice/sdp/candidate-lines-round-trip", test_sdp_round_trip);
  g_test_add_func("/ice/sdp/ice-mismatch-when-default-is-no-candidate", test_sdp_ice_mismatch);
  return g_test_run();
}
