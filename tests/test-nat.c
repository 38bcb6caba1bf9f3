/* test-nat.c — unit tests of models/nat's core translation, table-driven by RFC requirement: RFC 4787
 * mapping and filtering (all nine combinations), port allocation (REQ-3/REQ-4, RFC 6056), UDP timeouts
 * and refresh direction (REQ-5, REQ-6), per-port overrides, TCP states and timeouts (RFC 5382 REQ-5,
 * RFC 7857 §2.2), ICMP echo and errors (RFC 5508), hairpinning (REQ-9), table overflow and port
 * hold-down (RFC 6888 REQ-8).  No simulation runs: every call takes the time; tu_world() only provides
 * traces.  Expectations, the ALG hook, fragments and malformed packets are in test-nat-hooks.c. */
#include <stdio.h>
#include <string.h>

#include "test-nat-util.h"

/* ---- RFC 4787 §4.1 and §5: mapping x filtering --------------------------------------------------- */

typedef struct {
  const char *mapping;      /* nat.mapping */
  const char *filtering;    /* nat.filtering */
  gboolean reuse_new_port;  /* same external port for the same remote address, other port */
  gboolean reuse_new_addr;  /* same external port for another remote address */
  gboolean admit_new_port;  /* inbound from the same remote address, other port */
  gboolean admit_new_addr;  /* inbound from another address */
} MapFilterCase;

static const MapFilterCase map_filter_cases[] = {
  { "eim", "eif", TRUE, TRUE, TRUE, TRUE },     { "eim", "adf", TRUE, TRUE, TRUE, FALSE },
  { "eim", "apdf", TRUE, TRUE, FALSE, FALSE },  { "adm", "eif", TRUE, FALSE, TRUE, TRUE },
  { "adm", "adf", TRUE, FALSE, TRUE, FALSE },   { "adm", "apdf", TRUE, FALSE, FALSE, FALSE },
  { "apdm", "eif", FALSE, FALSE, TRUE, TRUE },  { "apdm", "adf", FALSE, FALSE, TRUE, FALSE },
  { "apdm", "apdf", FALSE, FALSE, FALSE, FALSE },
};

static void
test_mapping_filtering_table(void)
{
  tu_world(1);
  for (guint i = 0; i < G_N_ELEMENTS(map_filter_cases); i++) {
    const MapFilterCase *c = &map_filter_cases[i];
    g_autofree char *m = g_strdup_printf("nat.mapping=%s", c->mapping);
    g_autofree char *f = g_strdup_printf("nat.filtering=%s", c->filtering);
    Nat *nat = NAT_WITH(m, f);
    guint16 p1 = out_udp(nat, 0, PHONE, 5060, PBX, 5060);
    guint16 p2 = out_udp(nat, 0, PHONE, 5060, PBX, 5070);
    guint16 p3 = out_udp(nat, 0, PHONE, 5060, REMOTE, 5060);
    g_assert_cmpuint(p1, ==, 5060); /* preserved */
    if ((p1 == p2) != c->reuse_new_port || (p1 == p3) != c->reuse_new_addr)
      g_error("%s/%s: ports %u %u %u", c->mapping, c->filtering, p1, p2, p3);
    SimAddr to = { 0 };
    g_assert_true(in_udp(nat, SIM_S(1), PBX, 5060, p1, &to)); /* the exact remote, always */
    g_assert_cmpuint(to.addr, ==, PHONE);
    g_assert_cmpuint(to.port, ==, 5060);
    if (in_udp(nat, SIM_S(1), PBX, 9999, p1, NULL) != c->admit_new_port)
      g_error("%s/%s: same address, other port", c->mapping, c->filtering);
    if (in_udp(nat, SIM_S(1), STUN, 3478, p1, NULL) != c->admit_new_addr)
      g_error("%s/%s: other address", c->mapping, c->filtering);
    const NatStats *st = nat_stats(nat);
    g_assert_cmpuint(st->dropped[NAT_DROP_FILTERED], ==,
                     !c->admit_new_port + !c->admit_new_addr);
    nat_free(nat);
  }
}

/* With address-and-port-dependent mapping and endpoint-independent filtering, a remote that the
 * internal endpoint already reaches through one mapping may send to the port of another of its
 * mappings.  Admitting it used to make a second binding of the same flow, which took over the
 * flow's outbound packets (they changed public port mid-flow); the flow keeps its own mapping. */
static void
test_apdm_eif_one_binding_per_flow(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.mapping=apdm", "nat.filtering=eif");
  guint16 p1 = out_udp(nat, 0, PHONE, 5060, PBX, 5060);
  guint16 p2 = out_udp(nat, 0, PHONE, 5060, STUN, 3478);
  g_assert_cmpuint(p1, !=, p2);
  g_assert_false(in_udp(nat, SIM_S(1), PBX, 5060, p2, NULL));
  g_assert_cmpuint(nat_stats(nat)->dropped[NAT_DROP_FILTERED], ==, 1);
  g_assert_cmpuint(nat_binding_count(nat), ==, 2);
  g_assert_cmpuint(out_udp(nat, SIM_S(2), PHONE, 5060, PBX, 5060), ==, p1);
  g_assert_true(in_udp(nat, SIM_S(3), PBX, 5070, p2, NULL)); /* another flow: EIF admits it */
  nat_free(nat);
}

/* ---- Port allocation ----------------------------------------------------------------------------- */

typedef struct {
  const char *policy;       /* nat.port_alloc */
  guint32 src;              /* internal address */
  guint16 sport;            /* internal port */
  guint16 expected;         /* external port, in order */
} AllocStep;

static void
run_alloc(const char *policy, const char *range_min, const AllocStep *steps, guint n)
{
  g_autofree char *pol = g_strdup_printf("nat.port_alloc=%s", policy);
  g_autofree char *min = g_strdup_printf("nat.port_min=%s", range_min);
  Nat *nat = NAT_WITH(pol, min);
  for (guint i = 0; i < n; i++) {
    guint16 got = out_udp(nat, 0, steps[i].src, steps[i].sport, PBX, 5060);
    if (got != steps[i].expected)
      g_error("%s step %u: %u:%u got %u, expected %u", policy, i, steps[i].src & 0xff,
              steps[i].sport, got, steps[i].expected);
  }
  nat_free(nat);
}

static void
test_port_alloc(void)
{
  tu_world(1);
  /* Linux keeps the port when free; a collision takes the next free one. */
  const AllocStep preserve[] = {
    { .src = PHONE, .sport = 5060, .expected = 5060 },
    { .src = PHONE2, .sport = 5060, .expected = 5061 },
    { .src = PHONE, .sport = 5061, .expected = 5062 },
    { .src = PHONE, .sport = 80, .expected = 1024 }, /* REQ-3a: into the range */
  };
  run_alloc("preserve", "1024", preserve, G_N_ELEMENTS(preserve));
  /* RFC 4787 REQ-4: parity kept on collision. */
  const AllocStep parity[] = {
    { .src = PHONE, .sport = 16384, .expected = 16384 },
    { .src = PHONE2, .sport = 16384, .expected = 16386 },
    { .src = PHONE, .sport = 16385, .expected = 16385 },
    { .src = PHONE2, .sport = 16385, .expected = 16387 },
  };
  run_alloc("preserve-parity", "1024", parity, G_N_ELEMENTS(parity));
  const AllocStep seq[] = {
    { .src = PHONE, .sport = 5060, .expected = 20000 },
    { .src = PHONE2, .sport = 5060, .expected = 20001 },
    { .src = PHONE, .sport = 40000, .expected = 20002 },
  };
  run_alloc("sequential", "20000", seq, G_N_ELEMENTS(seq));
}

static void
test_port_alloc_random(void)
{
  /* Random ports come from the stream SIM_STREAM_NAT + index: the same seed, the same ports. */
  guint16 first[2][4];
  for (int run_i = 0; run_i < 2; run_i++) {
    tu_world(7);
    Nat *nat = NAT_WITH("nat.port_alloc=random", "nat.port_min=30000", "nat.port_max=30099");
    for (int k = 0; k < 4; k++) {
      first[run_i][k] = out_udp(nat, 0, PHONE, (guint16)(5060 + k), PBX, 5060);
      g_assert_cmpuint(first[run_i][k], >=, 30000);
      g_assert_cmpuint(first[run_i][k], <=, 30099);
    }
    nat_free(nat);
  }
  g_assert_cmpmem(first[0], sizeof first[0], first[1], sizeof first[1]);
  /* A two-port range: the third flow finds no port. */
  Nat *nat = NAT_WITH("nat.port_alloc=random", "nat.port_min=30000", "nat.port_max=30001");
  g_assert_cmpuint(out_udp(nat, 0, PHONE, 1, PBX, 5060), !=, 0);
  g_assert_cmpuint(out_udp(nat, 0, PHONE, 2, PBX, 5060), !=, 0);
  g_assert_cmpuint(out_udp(nat, 0, PHONE, 3, PBX, 5060), ==, 0);
  g_assert_cmpuint(nat_stats(nat)->dropped[NAT_DROP_NO_PORT], ==, 1);
  nat_free(nat);
}

/* ---- UDP timeouts -------------------------------------------------------------------------------- */

static void
test_udp_unreplied_vs_established(void)
{
  tu_world(1);
  /* Linux: 30 s before a reply, 120 s after. */
  Nat *nat = NAT_WITH("nat.mapping=eim");
  out_udp(nat, 0, PHONE, 5060, PBX, 5060);
  NatBinding *b = nat_binding_lookup(nat, NET_PROTO_UDP, (SimAddr){ PHONE, 5060 },
                                     (SimAddr){ PBX, 5060 }, 0);
  g_assert_nonnull(b);
  g_assert_cmpint(nat_binding_expires(b), ==, SIM_S(30));
  g_assert_false(nat_binding_replied(b));
  g_assert_true(in_udp(nat, SIM_S(30) - 1, PBX, 5060, 5060, NULL)); /* one ns before expiry */
  g_assert_true(nat_binding_replied(b));
  g_assert_cmpint(nat_binding_expires(b), ==, SIM_S(150) - 1);
  nat_free(nat);
  nat = NAT_WITH("nat.mapping=eim");
  out_udp(nat, 0, PHONE, 5060, PBX, 5060);
  g_assert_false(in_udp(nat, SIM_S(30), PBX, 5060, 5060, NULL)); /* expired at exactly 30 s */
  g_assert_cmpuint(nat_stats(nat)->dropped[NAT_DROP_NO_BINDING], ==, 1);
  g_assert_cmpuint(nat_binding_count(nat), ==, 0);
  nat_free(nat);
}

typedef struct {
  const char *refresh;   /* nat.udp_refresh */
  gboolean admitted_at_200; /* inbound at 200 s after inbound-only traffic every 50 s */
} RefreshCase;

static void
test_udp_refresh_direction(void)
{
  tu_world(1);
  /* RFC 4787 REQ-6: outbound refresh always; inbound refresh only if configured. */
  const RefreshCase cases[] = { { "outbound", FALSE }, { "both", TRUE } };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *r = g_strdup_printf("nat.udp_refresh=%s", cases[i].refresh);
    Nat *nat = NAT_WITH(r, "nat.udp_timeout_s=120");
    out_udp(nat, 0, PHONE, 5060, PBX, 5060);
    for (int t = 1; t < 150; t += 50)
      g_assert_true(in_udp(nat, SIM_S(t), PBX, 5060, 5060, NULL));
    /* outbound: expires at 0 + 120; both: at 101 + 120. */
    g_assert_cmpint(in_udp(nat, SIM_S(200), PBX, 5060, 5060, NULL), ==, cases[i].admitted_at_200);
    nat_free(nat);
  }
}

static void
test_udp_port_override(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.udp_port_timeouts=5060:180,3478:15");
  out_udp(nat, 0, PHONE, 5060, PBX, 5060);
  out_udp(nat, 0, PHONE, 5062, PBX, 5070);
  out_udp(nat, 0, PHONE, 5064, STUN, 3478);
  struct {
    guint16 lport, rport;
    guint32 raddr;
    SimTime expires;
  } rows[] = { { 5060, 5060, PBX, SIM_S(180) },
               { 5062, 5070, PBX, SIM_S(30) },
               { 5064, 3478, STUN, SIM_S(15) } };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    NatBinding *b = nat_binding_lookup(nat, NET_PROTO_UDP, (SimAddr){ PHONE, rows[i].lport },
                                       (SimAddr){ rows[i].raddr, rows[i].rport }, 0);
    g_assert_nonnull(b);
    g_assert_cmpint(nat_binding_expires(b), ==, rows[i].expires);
  }
  nat_free(nat);
  /* A bad list names the key. */
  g_autoptr(Config) cfg = tu_config("nat.udp_port_timeouts=5060-180", NULL);
  NatParams p;
  g_autoptr(GError) error = NULL;
  g_assert_false(nat_params_from_config(cfg, "nat", &p, &error));
  g_assert_nonnull(strstr(error->message, "[nat] udp_port_timeouts"));
}

static void
test_expiry_trace_exact(void)
{
  tu_world(1);
  char *text = NULL;
  size_t size = 0;
  FILE *fp = open_memstream(&text, &size);
  sim_trace_set_file(fp);
  Nat *nat = NAT_WITH("nat.mapping=eim");
  out_udp(nat, SIM_MS(1500), PHONE, 5060, PBX, 5060);
  /* Collected lazily at 100 s, the row still says 31.5 s (last refresh + 30 s). */
  nat_expire(nat, SIM_S(100));
  nat_free(nat);
  sim_trace_set_file(NULL);
  fclose(fp);
  g_assert_nonnull(strstr(text, "nat binding-created udp 192.168.1.50:5060 -> 203.0.113.2:5060 "
                                "remote 203.0.113.10:5060"));
  g_assert_nonnull(strstr(text, "expires 31.500000000"));
  g_assert_nonnull(strstr(text, "nat binding-expired udp 192.168.1.50:5060 -> 203.0.113.2:5060 "
                                "remote 203.0.113.10:5060 id 2 at 31.500000000 last-refresh "
                                "1.500000000"));
  g_assert_nonnull(strstr(text, "mapping-released udp 192.168.1.50:5060 -> 203.0.113.2:5060 "
                                "hold-until 31.500000000"));
  free(text);
}

/* ---- TCP (RFC 5382) ------------------------------------------------------------------------------ */

typedef struct {
  gboolean out;         /* direction */
  guint8 flags;         /* TCP flags */
  const char *state;    /* state after it */
  gint64 timeout_s;     /* timeout after it */
} TcpStep;

static void
run_tcp_steps(const char *name, const TcpStep *steps, guint n)
{
  /* RFC 5382 values (7440 s / 240 s); ports preserved so the test knows the public port. */
  Nat *nat = NAT_WITH("cgn.mapping=eim", "cgn.port_alloc=preserve");
  for (guint i = 0; i < n; i++) {
    SimTime t = SIM_S(i);
    NetBuf *p = steps[i].out ? tcp(PHONE, 40000, PBX, 5061, 100 + i, 500 + i, steps[i].flags, "")
                             : tcp(PBX, 5061, PUBLIC, 40000, 500 + i, 100 + i, steps[i].flags, "");
    g_assert_cmpint(run(nat, p, steps[i].out, t, NULL, NULL, NULL), ==, NAT_PASS);
    NatBinding *b = nat_binding_lookup(nat, NET_PROTO_TCP, (SimAddr){ PHONE, 40000 },
                                       (SimAddr){ PBX, 5061 }, t);
    g_assert_nonnull(b);
    if (g_strcmp0(nat_binding_tcp_state(b), steps[i].state) != 0 ||
        nat_binding_expires(b) != t + SIM_S(steps[i].timeout_s))
      g_error("%s step %u: state %s expires %" G_GINT64_FORMAT, name, i,
              nat_binding_tcp_state(b), (gint64)nat_binding_expires(b));
  }
  nat_free(nat);
}

static void
test_tcp_states(void)
{
  tu_world(1);
  const TcpStep open_close[] = {
    { TRUE, TCP_SYN, "SYN_SENT", 240 },
    { FALSE, TCP_SYN | TCP_ACK, "SYN_RECV", 240 },
    { TRUE, TCP_ACK, "ESTABLISHED", 7440 },
    { FALSE, TCP_ACK | TCP_PSH, "ESTABLISHED", 7440 },
    { TRUE, TCP_FIN | TCP_ACK, "FIN_WAIT", 240 },
    { FALSE, TCP_FIN | TCP_ACK, "TIME_WAIT", 240 },
    { TRUE, TCP_ACK, "TIME_WAIT", 240 },
    { TRUE, TCP_SYN, "SYN_SENT", 240 }, /* a new connection on the same tuple */
  };
  run_tcp_steps("open-close", open_close, G_N_ELEMENTS(open_close));
  const TcpStep reset[] = {
    { TRUE, TCP_SYN, "SYN_SENT", 240 },
    { FALSE, TCP_SYN | TCP_ACK, "SYN_RECV", 240 },
    { TRUE, TCP_ACK, "ESTABLISHED", 7440 },
    { FALSE, TCP_RST, "CLOSED", 240 }, /* RFC 7857 §2.2: kept 4 minutes */
  };
  run_tcp_steps("reset", reset, G_N_ELEMENTS(reset));
  const TcpStep loose[] = {
    { TRUE, TCP_ACK | TCP_PSH, "ESTABLISHED", 7440 }, /* Linux nf_conntrack_tcp_loose */
  };
  run_tcp_steps("loose", loose, G_N_ELEMENTS(loose));
}

/* RFC 5382 REQ-2: a simultaneous open (the SYNs cross) must reach ESTABLISHED and its idle
 * timeout, even when only the remote side sends data afterwards.  It used to stay in SYN_SENT
 * and expire after the transitory 240 s. */
static void
test_tcp_simultaneous_open(void)
{
  tu_world(1);
  const TcpStep simultaneous[] = {
    { TRUE, TCP_SYN, "SYN_SENT", 240 },
    { FALSE, TCP_SYN, "SYN_RECV", 240 }, /* the remote's SYN crosses ours */
    { TRUE, TCP_SYN | TCP_ACK, "SYN_RECV", 240 },
    { FALSE, TCP_SYN | TCP_ACK, "SYN_RECV", 240 },
    { FALSE, TCP_ACK | TCP_PSH, "ESTABLISHED", 7440 },
    { TRUE, TCP_ACK, "ESTABLISHED", 7440 },
  };
  run_tcp_steps("simultaneous-open", simultaneous, G_N_ELEMENTS(simultaneous));
}

static void
test_tcp_inbound_needs_syn(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.filtering=eif");
  g_assert_cmpint(run(nat, tcp(PHONE, 40000, PBX, 5061, 1, 0, TCP_SYN, ""), TRUE, 0, NULL, NULL,
                      NULL), ==, NAT_PASS);
  /* EIF admits a SYN from another remote, but not a mid-stream segment. */
  g_assert_cmpint(run(nat, tcp(REMOTE, 80, PUBLIC, 40000, 1, 1, TCP_ACK, "x"), FALSE, 0, NULL,
                      NULL, NULL), ==, NAT_DROP);
  g_assert_cmpint(run(nat, tcp(REMOTE, 80, PUBLIC, 40000, 1, 0, TCP_SYN, ""), FALSE, 0, NULL,
                      NULL, NULL), ==, NAT_PASS);
  /* Nothing on an unmapped port. */
  NatVerdict v;
  g_assert_cmpint(run(nat, tcp(REMOTE, 80, PUBLIC, 40001, 1, 0, TCP_SYN, ""), FALSE, 0, NULL,
                      NULL, &v), ==, NAT_DROP);
  g_assert_cmpint(v.reason, ==, NAT_DROP_NO_BINDING);
  nat_free(nat);
}

/* ---- ICMP (RFC 5508) ----------------------------------------------------------------------------- */

static void
test_icmp_echo(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.mapping=eim");
  guint8 buf[128];
  Ipv4Build ip = { .src = PHONE, .dst = STUN };
  gsize n = ipv4_build_icmp_echo(buf, sizeof buf, &ip, FALSE, 77, 1, (const guint8 *)"ping", 4);
  NetBuf *p = netbuf_new(buf, n, 0);
  NatVerdict v;
  g_assert_cmpint(nat_outbound(nat, p, 0, &v), ==, NAT_PASS);
  g_assert_true(ipv4_checksums_ok(p->data, p->len));
  guint16 ext_id = net_get16(p->data + 24);
  g_assert_cmpuint(net_get32(p->data + 12), ==, PUBLIC);
  netbuf_free(p);
  Ipv4Build back = { .src = STUN, .dst = PUBLIC };
  n = ipv4_build_icmp_echo(buf, sizeof buf, &back, TRUE, ext_id, 1, (const guint8 *)"ping", 4);
  p = netbuf_new(buf, n, 0);
  g_assert_cmpint(nat_inbound(nat, p, SIM_S(1), &v), ==, NAT_PASS);
  g_assert_true(ipv4_checksums_ok(p->data, p->len));
  g_assert_cmpuint(net_get32(p->data + 16), ==, PHONE);
  g_assert_cmpuint(net_get16(p->data + 24), ==, 77);
  g_assert_cmpint(nat_binding_expires(v.binding), ==, SIM_S(31)); /* icmp_timeout_s 30 */
  netbuf_free(p);
  nat_free(nat);
}

static void
test_icmp_error_translated(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.port_alloc=sequential", "nat.port_min=40000");
  NetBuf *p = udp(PHONE, 5060, PBX, 5060, "INVITE");
  NatVerdict v;
  g_assert_cmpint(nat_outbound(nat, p, 0, &v), ==, NAT_PASS);
  SimTime expires = nat_binding_expires(v.binding);
  /* The PBX answers with port unreachable quoting what it got: PUBLIC:40000 -> PBX:5060. */
  guint8 buf[700];
  Ipv4Build ip = { .src = PBX, .dst = PUBLIC };
  gsize n = ipv4_build_icmp_error(buf, sizeof buf, &ip, ICMP_DEST_UNREACH, 3, 0, p->data, p->len);
  netbuf_free(p);
  p = netbuf_new(buf, n, 0);
  g_assert_cmpint(nat_inbound(nat, p, SIM_S(1), &v), ==, NAT_PASS);
  g_assert_true(ipv4_checksums_ok(p->data, p->len));
  g_assert_cmpuint(net_get32(p->data + 16), ==, PHONE);
  const guint8 *inner = p->data + 28;
  g_assert_true(ipv4_header_checksum_ok(inner, 20));
  g_assert_cmpuint(net_get32(inner + 12), ==, PHONE);
  g_assert_cmpuint(net_get16(inner + 20), ==, 5060);
  /* The quoted UDP checksum, updated incrementally, still verifies over the whole quote. */
  g_assert_true(ipv4_checksums_ok(inner, n - 28));
  g_assert_cmpint(nat_binding_expires(v.binding), ==, expires); /* errors refresh nothing */
  netbuf_free(p);
  /* An error about a flow the NAT never saw. */
  guint8 orig[64];
  Ipv4Build o = { .src = PUBLIC, .dst = PBX };
  gsize on = ipv4_build_udp(orig, sizeof orig, &o, 41234, 5060, NULL, 0, FALSE);
  n = ipv4_build_icmp_error(buf, sizeof buf, &ip, ICMP_DEST_UNREACH, 3, 0, orig, on);
  p = netbuf_new(buf, n, 0);
  g_assert_cmpint(nat_inbound(nat, p, SIM_S(1), &v), ==, NAT_DROP);
  g_assert_cmpint(v.reason, ==, NAT_DROP_ICMP_NO_BINDING);
  netbuf_free(p);
  nat_free(nat);
}

/* ---- Hairpinning (RFC 4787 REQ-9) ---------------------------------------------------------------- */

static void
test_hairpin(void)
{
  tu_world(1);
  const struct {
    const char *hairpin, *filtering;
    NatAction action;
    NatDropReason reason;
  } cases[] = {
    { "nat.hairpin=true", "nat.filtering=eif", NAT_HAIRPIN, 0 },
    { "nat.hairpin=true", "nat.filtering=apdf", NAT_DROP, NAT_DROP_FILTERED },
    { "nat.hairpin=false", "nat.filtering=eif", NAT_DROP, NAT_DROP_HAIRPIN_OFF },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    Nat *nat = NAT_WITH(cases[i].hairpin, cases[i].filtering, "nat.mapping=eim");
    guint16 pb = out_udp(nat, 0, PHONE2, 6000, STUN, 3478); /* B learns its public port */
    SimAddr s, d;
    NatVerdict v;
    NatAction a = run(nat, udp(PHONE, 5000, PUBLIC, pb, "hello B"), TRUE, SIM_S(1), &s, &d, &v);
    g_assert_cmpint(a, ==, cases[i].action);
    if (a == NAT_HAIRPIN) {
      /* REQ-9b: B sees A's public endpoint, not its private one. */
      g_assert_cmpuint(s.addr, ==, PUBLIC);
      g_assert_cmpuint(s.port, ==, 5000);
      g_assert_cmpuint(d.addr, ==, PHONE2);
      g_assert_cmpuint(d.port, ==, 6000);
      g_assert_cmpuint(nat_stats(nat)->hairpinned, ==, 1);
      /* B's answer to A's public endpoint hairpins back through the binding just made. */
      a = run(nat, udp(PHONE2, 6000, PUBLIC, 5000, "hello A"), TRUE, SIM_S(2), &s, &d, NULL);
      g_assert_cmpint(a, ==, NAT_HAIRPIN);
      g_assert_cmpuint(s.port, ==, pb);
      g_assert_cmpuint(d.addr, ==, PHONE);
    } else {
      g_assert_cmpint(v.reason, ==, cases[i].reason);
    }
    nat_free(nat);
  }
}

/* ---- Table size ---------------------------------------------------------------------------------- */

static void
test_overflow(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.max_bindings=2", "nat.overflow=refuse");
  g_assert_cmpuint(out_udp(nat, 0, PHONE, 5000, PBX, 5060), !=, 0);
  g_assert_cmpuint(out_udp(nat, SIM_S(1), PHONE, 5001, PBX, 5060), !=, 0);
  g_assert_cmpuint(out_udp(nat, SIM_S(2), PHONE, 5002, PBX, 5060), ==, 0);
  g_assert_cmpuint(nat_stats(nat)->dropped[NAT_DROP_TABLE_FULL], ==, 1);
  /* Existing flows still pass. */
  g_assert_true(in_udp(nat, SIM_S(3), PBX, 5060, 5000, NULL));
  nat_free(nat);

  nat = NAT_WITH("nat.max_bindings=2", "nat.overflow=evict-lru");
  out_udp(nat, 0, PHONE, 5000, PBX, 5060);
  out_udp(nat, SIM_S(1), PHONE, 5001, PBX, 5060);
  g_assert_true(in_udp(nat, SIM_S(2), PBX, 5060, 5000, NULL)); /* 5000 used last */
  g_assert_cmpuint(out_udp(nat, SIM_S(3), PHONE, 5002, PBX, 5060), ==, 5002);
  g_assert_cmpuint(nat_stats(nat)->bindings_evicted, ==, 1);
  g_assert_false(in_udp(nat, SIM_S(4), PBX, 5060, 5001, NULL)); /* the victim */
  g_assert_true(in_udp(nat, SIM_S(4), PBX, 5060, 5000, NULL));
  nat_free(nat);
}

/* ---- Port hold-down (RFC 6888 REQ-8) ------------------------------------------------------------- */

static void
test_port_hold(void)
{
  tu_world(1);
  const struct {
    const char *hold;  /* cgn.port_hold_s */
    guint32 who;       /* second internal endpoint's address */
    SimTime when;      /* when it asks */
    guint16 expected;  /* port it gets */
  } cases[] = {
    { "cgn.port_hold_s=120", PHONE2, SIM_S(301), 5061 }, /* held until 300 + 120 */
    { "cgn.port_hold_s=120", PHONE, SIM_S(301), 5060 },  /* the same endpoint may have it back */
    { "cgn.port_hold_s=120", PHONE2, SIM_S(420), 5060 }, /* hold over */
    { "cgn.port_hold_s=0", PHONE2, SIM_S(301), 5060 },   /* Linux: reused at once */
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    Nat *nat = NAT_WITH(cases[i].hold, "cgn.port_alloc=preserve");
    g_assert_cmpuint(out_udp(nat, 0, PHONE, 5060, PBX, 5060), ==, 5060); /* expires at 300 */
    g_assert_cmpuint(out_udp(nat, cases[i].when, cases[i].who, 5060, PBX, 5060), ==,
                     cases[i].expected);
    nat_free(nat);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/nat/rfc4787/mapping-x-filtering", test_mapping_filtering_table);
  g_test_add_func("/nat/rfc4787/apdm-eif-one-binding-per-flow", test_apdm_eif_one_binding_per_flow);
  g_test_add_func("/nat/port-alloc/preserve-parity-sequential", test_port_alloc);
  g_test_add_func("/nat/port-alloc/random-from-stream-and-exhaustion", test_port_alloc_random);
  g_test_add_func("/nat/udp/unreplied-30s-vs-established-120s", test_udp_unreplied_vs_established);
  g_test_add_func("/nat/udp/refresh-direction", test_udp_refresh_direction);
  g_test_add_func("/nat/udp/per-port-timeout-override", test_udp_port_override);
  g_test_add_func("/nat/trace/expiry-time-is-exact", test_expiry_trace_exact);
  g_test_add_func("/nat/tcp/states-and-rfc5382-timeouts", test_tcp_states);
  g_test_add_func("/nat/tcp/inbound-opens-only-with-syn", test_tcp_inbound_needs_syn);
  g_test_add_func("/nat/tcp/simultaneous-open-reaches-established", test_tcp_simultaneous_open);
  g_test_add_func("/nat/icmp/echo-id-translated", test_icmp_echo);
  g_test_add_func("/nat/icmp/error-quote-translated", test_icmp_error_translated);
  g_test_add_func("/nat/hairpin/on-off-and-filtering", test_hairpin);
  g_test_add_func("/nat/table/overflow-refuse-and-evict-lru", test_overflow);
  g_test_add_func("/nat/rfc6888/port-hold-down", test_port_hold);
  return g_test_run();
}
