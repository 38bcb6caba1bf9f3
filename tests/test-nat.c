/* test-nat.c — unit tests of models/nat, table-driven by RFC requirement: RFC 4787 mapping and
 * filtering (all nine combinations), port allocation (REQ-3/REQ-4, RFC 6056), UDP timeouts and
 * refresh direction (REQ-5, REQ-6), per-port overrides, TCP states and timeouts (RFC 5382 REQ-5,
 * RFC 7857 §2.2), ICMP echo and errors (RFC 5508), hairpinning (REQ-9), table overflow, port
 * hold-down (RFC 6888 REQ-8), expectations, the ALG hook with length-changing rewrites and TCP
 * sequence adjustment, per-fragment translation, and malformed packets.  No simulation runs:
 * every call takes the time; tu_world() only provides traces.  Every translated packet has its
 * checksums verified by full recomputation. */
#include <stdio.h>
#include <string.h>

#include "nat/nat.h"
#include "net/frag.h"
#include "test-util.h"

#define PHONE 0xc0a80132u   /* 192.168.1.50 */
#define PHONE2 0xc0a80133u  /* 192.168.1.51 */
#define PUBLIC 0xcb007102u  /* 203.0.113.2 */
#define PBX 0xcb00710au     /* 203.0.113.10 */
#define MEDIA 0xcb007114u   /* 203.0.113.20 */
#define REMOTE 0xcb00711eu  /* 203.0.113.30 */
#define STUN 0xc633640au    /* 198.51.100.10 */

/* A NAT of group "nat" (or "cgn" if the first assignment starts with "cgn.") with assignments. */
static Nat *
nat_with_list(const char *const *assign)
{
  g_autoptr(Config) cfg = tu_config(NULL, NULL);
  const char *group = "nat";
  for (const char *const *a = assign; *a; a++) {
    g_autoptr(GError) error = NULL;
    if (g_str_has_prefix(*a, "cgn."))
      group = "cgn";
    if (!cfg_set_arg(cfg, *a, &error))
      g_error("%s: %s", *a, error->message);
  }
  NatParams p;
  g_autoptr(GError) error = NULL;
  g_assert_true(nat_params_from_config(cfg, group, &p, &error));
  return nat_new(group, PUBLIC, &p, sim_rand_new(SIM_STREAM_NAT));
}
#define NAT_WITH(...) nat_with_list((const char *const[]){ __VA_ARGS__, NULL })

static NetBuf *
udp(guint32 src, guint16 sp, guint32 dst, guint16 dp, const char *payload)
{
  guint8 buf[2048];
  Ipv4Build ip = { .src = src, .dst = dst, .id = sp };
  gsize n = ipv4_build_udp(buf, sizeof buf, &ip, sp, dp, (const guint8 *)payload,
                           strlen(payload), FALSE);
  return netbuf_new(buf, n, 256);
}

static NetBuf *
tcp(guint32 src, guint16 sp, guint32 dst, guint16 dp, guint32 seq, guint32 ack, guint8 flags,
    const char *payload)
{
  guint8 buf[2048];
  Ipv4Build ip = { .src = src, .dst = dst };
  TcpBuild t = { .sport = sp, .dport = dp, .seq = seq, .ack = ack, .flags = flags };
  gsize n = ipv4_build_tcp(buf, sizeof buf, &ip, &t, (const guint8 *)payload, strlen(payload));
  return netbuf_new(buf, n, 256);
}

/* Run a packet through the NAT; on a pass, check its checksums and return its new endpoints. */
static NatAction
run(Nat *nat, NetBuf *pkt, gboolean outbound, SimTime t, SimAddr *src, SimAddr *dst,
    NatVerdict *verdict)
{
  NatVerdict v;
  NatAction a = outbound ? nat_outbound(nat, pkt, t, &v) : nat_inbound(nat, pkt, t, &v);
  if (a != NAT_DROP) {
    g_assert_true(ipv4_checksums_ok(pkt->data, pkt->len));
    Ipv4Info ip;
    g_assert_cmpint(ipv4_parse(pkt->data, pkt->len, 0, &ip), ==, 1);
    if (src)
      *src = (SimAddr){ ip.src, net_get16(pkt->data + ip.hdr_len) };
    if (dst)
      *dst = (SimAddr){ ip.dst, net_get16(pkt->data + ip.hdr_len + 2) };
  }
  if (verdict)
    *verdict = v;
  netbuf_free(pkt);
  return a;
}

/* Outbound UDP; returns the external port (0 if dropped). */
static guint16
out_udp(Nat *nat, SimTime t, guint32 src, guint16 sp, guint32 dst, guint16 dp)
{
  SimAddr s;
  if (run(nat, udp(src, sp, dst, dp, "out"), TRUE, t, &s, NULL, NULL) == NAT_DROP)
    return 0;
  g_assert_cmpuint(s.addr, ==, PUBLIC);
  return s.port;
}

/* Inbound UDP to PUBLIC:ext; returns TRUE if admitted (and the internal endpoint in *to). */
static gboolean
in_udp(Nat *nat, SimTime t, guint32 src, guint16 sp, guint16 ext, SimAddr *to)
{
  SimAddr d;
  gboolean ok = run(nat, udp(src, sp, PUBLIC, ext, "in"), FALSE, t, NULL, &d, NULL) == NAT_PASS;
  if (ok && to)
    *to = d;
  return ok;
}

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

/* ---- Expectations -------------------------------------------------------------------------------- */

typedef struct {
  guint matched;        /* on_match calls */
  guint64 master;       /* master id of the last child */
} ExpectSeen;

static void
on_match(void *ctx, Nat *nat, NatBinding *child, const NatExpect *e)
{
  ExpectSeen *s = ctx;
  s->matched++;
  NatBinding *m = nat_binding_master(nat, child);
  s->master = m ? nat_binding_id(m) : 0;
}

static void
test_expectations(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.filtering=apdf", "nat.udp_unreplied_timeout_s=100");
  NetBuf *p = udp(PHONE, 5060, PBX, 5060, "INVITE");
  NatVerdict v;
  g_assert_cmpint(nat_outbound(nat, p, 0, &v), ==, NAT_PASS);
  netbuf_free(p);
  NatBinding *owner = v.binding;
  guint64 owner_id = nat_binding_id(owner);
  ExpectSeen seen = { 0 };
  NatExpectParams ep = { .proto = NET_PROTO_UDP, .remote = { MEDIA, 0 },
                         .target = { PHONE, 40000 }, .lifetime = SIM_S(60), .single_use = TRUE,
                         .owner = owner, .tag = "sip-rtp", .on_match = on_match, .ctx = &seen };
  g_autoptr(GError) error = NULL;
  NatExpect *e = nat_expect_add(nat, &ep, SIM_S(1), &error);
  g_assert_nonnull(e);
  guint16 port = nat_expect_ext_port(e);
  g_assert_cmpuint(port, ==, 40000); /* preserve: the target's port */
  /* Source restriction: another address is refused, the media server admitted. */
  g_assert_false(in_udp(nat, SIM_S(2), REMOTE, 30000, port, NULL));
  SimAddr to = { 0 };
  g_assert_true(in_udp(nat, SIM_S(3), MEDIA, 30000, port, &to));
  g_assert_cmpuint(to.addr, ==, PHONE);
  g_assert_cmpuint(to.port, ==, 40000);
  g_assert_cmpuint(seen.matched, ==, 1);
  g_assert_cmpuint(seen.master, ==, owner_id);
  /* Single use: a second source port finds no expectation (and APDF refuses it). */
  g_assert_cmpuint(nat_expect_count(nat), ==, 0);
  g_assert_false(in_udp(nat, SIM_S(4), MEDIA, 30002, port, NULL));
  /* The admitted flow works both ways. */
  g_assert_cmpuint(out_udp(nat, SIM_S(5), PHONE, 40000, MEDIA, 30000), ==, port);

  /* A multi-use expectation admits several flows until its lifetime ends. */
  ep.single_use = FALSE;
  ep.target = (SimAddr){ PHONE, 40002 };
  ep.remote = (SimAddr){ 0, 0 };
  e = nat_expect_add(nat, &ep, SIM_S(10), &error);
  port = nat_expect_ext_port(e);
  g_assert_true(in_udp(nat, SIM_S(11), MEDIA, 1, port, NULL));
  g_assert_true(in_udp(nat, SIM_S(12), REMOTE, 2, port, NULL));
  g_assert_false(in_udp(nat, SIM_S(70), STUN, 3, port, NULL)); /* expired at 10 + 60 */
  g_assert_cmpuint(nat_expect_count(nat), ==, 0);

  /* Removed with its owner, or by flush. */
  e = nat_expect_add(nat, &ep, SIM_S(80), &error);
  g_assert_cmpuint(nat_expect_flush_owner(nat, owner), ==, 1);
  e = nat_expect_add(nat, &ep, SIM_S(80), &error);
  g_assert_cmpuint(nat_expect_count(nat), ==, 1);
  nat_expire(nat, SIM_S(101)); /* the owner expired at 100 s, before the expectation (140 s) */
  g_assert_null(nat_binding_find(nat, owner_id));
  g_assert_cmpuint(nat_expect_count(nat), ==, 0);
  nat_free(nat);
}

/* ---- The ALG hook -------------------------------------------------------------------------------- */

typedef struct {
  const char *find;   /* bytes to replace */
  const char *repl;   /* replacement */
  guint calls[2];     /* per direction */
  gboolean drop;      /* drop everything */
  guint destroyed;    /* ALG state destroyed */
} TestAlg;

static void
alg_state_free(gpointer p)
{
  TestAlg *a = p;
  a->destroyed++;
}

static NatAlgVerdict
test_alg_hook(void *ctx, NatAlgPacket *p)
{
  TestAlg *a = ctx;
  a->calls[p->dir]++;
  if (a->drop)
    return NAT_ALG_DROP;
  if (!nat_binding_get_alg_data(p->binding))
    nat_binding_set_alg_data(p->binding, a, alg_state_free);
  /* Replace every occurrence, as a SIP ALG rewrites each address in a message. */
  gsize flen = strlen(a->find), rlen = strlen(a->repl);
  for (gsize off = 0; off + flen <= p->payload_len;) {
    if (memcmp(p->pkt->data + p->payload_off + off, a->find, flen) == 0) {
      g_assert_true(nat_alg_mangle(p, off, flen, (const guint8 *)a->repl, rlen));
      off += rlen;
    } else {
      off++;
    }
  }
  return NAT_ALG_PASS;
}

static void
test_alg_udp_rewrite(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.mapping=eim");
  TestAlg alg = { .find = "192.168.1.50", .repl = "203.0.113.2" };
  nat_set_alg_hook(nat, test_alg_hook, &alg);
  NetBuf *p = udp(PHONE, 5060, PBX, 5060, "c=IN IP4 192.168.1.50\r\no=- 192.168.1.50\r\n");
  NatVerdict v;
  g_assert_cmpint(nat_outbound(nat, p, 0, &v), ==, NAT_PASS);
  g_assert_true(ipv4_checksums_ok(p->data, p->len));
  Ipv4Info ip;
  UdpInfo u;
  g_assert_cmpint(ipv4_parse(p->data, p->len, 0, &ip), ==, 1);
  g_assert_cmpint(udp_parse(p->data, p->len, &ip, &u), ==, 1);
  g_assert_cmpmem(p->data + u.payload_off, u.payload_len,
                  "c=IN IP4 203.0.113.2\r\no=- 203.0.113.2\r\n", 39);
  g_assert_cmpuint(ip.total_len, ==, 28 + 39); /* two bytes shorter */
  netbuf_free(p);
  g_assert_cmpuint(alg.calls[NAT_DIR_OUT], ==, 1);
  g_assert_true(in_udp(nat, SIM_S(1), PBX, 5060, 5060, NULL));
  g_assert_cmpuint(alg.calls[NAT_DIR_IN], ==, 1);
  /* The hook may drop: counted as "alg". */
  alg.drop = TRUE;
  g_assert_false(in_udp(nat, SIM_S(2), PBX, 5060, 5060, NULL));
  g_assert_cmpuint(nat_stats(nat)->dropped[NAT_DROP_ALG], ==, 1);
  /* Its per-binding state is destroyed with the binding. */
  nat_expire(nat, SIM_S(1000));
  g_assert_cmpuint(alg.destroyed, ==, 1);
  nat_free(nat);
}

/* An ACK carrying one SACK block [left, right) (RFC 2018) behind two NOPs. */
static NetBuf *
tcp_sack(guint32 src, guint16 sp, guint32 dst, guint16 dp, guint32 seq, guint32 ack,
         guint32 left, guint32 right)
{
  NetBuf *p = tcp(src, sp, dst, dp, seq, ack, TCP_ACK, "");
  guint8 opt[12] = { 1, 1, 5, 10 };
  net_put32(opt + 4, left);
  net_put32(opt + 8, right);
  netbuf_splice(p, 40, 0, opt, sizeof opt);
  p->data[32] = 8 << 4;
  net_put16(p->data + 2, (guint16)p->len);
  ipv4_set_header_checksum(p->data);
  l4_fix_checksum(p->data, p->len);
  return p;
}

static guint32
tcp_field(NetBuf *p, gsize off)
{
  return net_get32(p->data + 20 + off);
}

static void
test_alg_tcp_seqadj(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.mapping=eim");
  TestAlg alg = { .find = "AAAA", .repl = "BBBBBBBB" }; /* +4 bytes per occurrence */
  nat_set_alg_hook(nat, test_alg_hook, &alg);
  NetBuf *p;
  NatVerdict v;
  /* Handshake: phone ISN 1000, PBX ISN 5000. */
  p = tcp(PHONE, 40000, PBX, 5061, 1000, 0, TCP_SYN, "");
  g_assert_cmpint(nat_outbound(nat, p, 0, &v), ==, NAT_PASS);
  netbuf_free(p);
  p = tcp(PBX, 5061, PUBLIC, 40000, 5000, 1001, TCP_SYN | TCP_ACK, "");
  g_assert_cmpint(nat_inbound(nat, p, 0, &v), ==, NAT_PASS);
  netbuf_free(p);
  /* Segment 1 (seq 1001, 10 bytes) grows by 4: its own seq stays. */
  p = tcp(PHONE, 40000, PBX, 5061, 1001, 5001, TCP_ACK, "xxAAAAyyzz");
  g_assert_cmpint(nat_outbound(nat, p, SIM_MS(1), &v), ==, NAT_PASS);
  g_assert_true(ipv4_checksums_ok(p->data, p->len));
  g_assert_cmpuint(tcp_field(p, 4), ==, 1001);
  g_assert_cmpuint(p->len, ==, 40 + 14);
  netbuf_free(p);
  /* Segment 2 (seq 1011) is shifted by 4; it also grows by 4 (two entries). */
  p = tcp(PHONE, 40000, PBX, 5061, 1011, 5001, TCP_ACK, "AAAA");
  g_assert_cmpint(nat_outbound(nat, p, SIM_MS(2), &v), ==, NAT_PASS);
  g_assert_cmpuint(tcp_field(p, 4), ==, 1015);
  g_assert_true(ipv4_checksums_ok(p->data, p->len));
  netbuf_free(p);
  g_assert_cmpint(nat_binding_seq_offset(v.binding, NAT_DIR_OUT), ==, 8);
  /* The PBX acknowledges in its view: 1001 + 14 + 8 = 1023 -> phone sees 1015. */
  const struct {
    guint32 ack_in, ack_out;
  } acks[] = { { 1001, 1001 }, { 1015, 1011 }, { 1023, 1015 } };
  for (guint i = 0; i < G_N_ELEMENTS(acks); i++) {
    p = tcp(PBX, 5061, PUBLIC, 40000, 5001, acks[i].ack_in, TCP_ACK, "");
    g_assert_cmpint(nat_inbound(nat, p, SIM_MS(3), &v), ==, NAT_PASS);
    g_assert_cmpuint(tcp_field(p, 8), ==, acks[i].ack_out);
    g_assert_true(ipv4_checksums_ok(p->data, p->len));
    netbuf_free(p);
  }
  /* SACK blocks are acknowledgements too (Linux nf_nat_sack_adjust). */
  p = tcp_sack(PBX, 5061, PUBLIC, 40000, 5001, 1001, 1023, 1030);
  g_assert_cmpint(nat_inbound(nat, p, SIM_MS(3), &v), ==, NAT_PASS);
  g_assert_cmpuint(net_get32(p->data + 44), ==, 1015);
  g_assert_cmpuint(net_get32(p->data + 48), ==, 1022);
  g_assert_true(ipv4_checksums_ok(p->data, p->len));
  netbuf_free(p);
  /* A retransmission of segment 1 is rewritten again but shifts nothing more. */
  p = tcp(PHONE, 40000, PBX, 5061, 1001, 5001, TCP_ACK, "xxAAAAyyzz");
  g_assert_cmpint(nat_outbound(nat, p, SIM_MS(4), &v), ==, NAT_PASS);
  g_assert_cmpuint(tcp_field(p, 4), ==, 1001);
  netbuf_free(p);
  g_assert_cmpint(nat_binding_seq_offset(v.binding, NAT_DIR_OUT), ==, 8);
  p = tcp(PHONE, 40000, PBX, 5061, 1015, 5001, TCP_ACK, "zz");
  g_assert_cmpint(nat_outbound(nat, p, SIM_MS(5), &v), ==, NAT_PASS);
  g_assert_cmpuint(tcp_field(p, 4), ==, 1023);
  netbuf_free(p);
  nat_free(nat);
}

static void
count_fire(Nat *nat, NatBinding *b, gpointer data)
{
  (*(guint *)data)++;
}

static void
test_binding_timers(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.mapping=eim");
  out_udp(nat, 0, PHONE, 5060, PBX, 5060); /* expires at 30 s */
  NatBinding *b = nat_binding_lookup(nat, NET_PROTO_UDP, (SimAddr){ PHONE, 5060 },
                                     (SimAddr){ PBX, 5060 }, 0);
  guint before = 0, after = 0;
  g_assert_cmpuint(nat_binding_add_timer(b, SIM_S(10), count_fire, &before), !=, 0);
  g_assert_cmpuint(nat_binding_add_timer(b, SIM_S(40), count_fire, &after), !=, 0);
  sim_run(SIM_S(100));
  g_assert_cmpuint(before, ==, 1);
  g_assert_cmpuint(after, ==, 0); /* the binding had expired: collected, timer not run */
  g_assert_cmpuint(nat_binding_count(nat), ==, 0);
  /* A flush cancels pending timers. */
  out_udp(nat, SIM_S(100), PHONE, 5060, PBX, 5060);
  b = nat_binding_lookup(nat, NET_PROTO_UDP, (SimAddr){ PHONE, 5060 }, (SimAddr){ PBX, 5060 },
                         SIM_S(100));
  nat_binding_add_timer(b, SIM_S(1), count_fire, &after);
  nat_flush(nat, SIM_S(100));
  sim_run(SIM_S(200));
  g_assert_cmpuint(after, ==, 0);
  nat_free(nat);
}

/* ---- Fragments, malformed packets, flush --------------------------------------------------------- */

static void
test_per_fragment(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.port_alloc=sequential", "nat.port_min=40000");
  guint8 big[3100];
  char payload[3001];
  memset(payload, 'x', 3000);
  payload[3000] = 0;
  Ipv4Build ip = { .src = PHONE, .dst = PBX, .id = 99 };
  gsize n = ipv4_build_udp(big, sizeof big, &ip, 5060, 5060, (const guint8 *)payload, 3000, FALSE);
  g_autoptr(GPtrArray) frags = g_ptr_array_new_with_free_func((GDestroyNotify)netbuf_free);
  g_assert_cmpint(ipv4_fragment(big, n, 1500, frags), ==, 3);
  NatVerdict v;
  /* A later fragment before the first cannot be translated. */
  NetBuf *f2 = netbuf_new(((NetBuf *)frags->pdata[2])->data, ((NetBuf *)frags->pdata[2])->len, 0);
  g_assert_cmpint(nat_outbound(nat, f2, 0, &v), ==, NAT_DROP);
  g_assert_cmpint(v.reason, ==, NAT_DROP_FRAGMENT);
  netbuf_free(f2);
  for (guint i = 0; i < frags->len; i++) {
    NetBuf *f = frags->pdata[i];
    g_assert_cmpint(nat_outbound(nat, f, 0, &v), ==, NAT_PASS);
    g_assert_cmpuint(net_get32(f->data + 12), ==, PUBLIC);
    g_assert_true(ipv4_header_checksum_ok(f->data, 20));
  }
  /* Reassembled, the translated datagram has a correct UDP checksum and the new port. */
  Reasm *r = reasm_new(4, SIM_S(30), REASM_OVERLAP_DISCARD);
  NetBuf *whole = NULL;
  const char *why;
  for (guint i = 0; i < frags->len; i++) {
    NetBuf *f = frags->pdata[i];
    reasm_add(r, f->data, f->len, 0, &whole, &why);
  }
  g_assert_nonnull(whole);
  g_assert_true(ipv4_checksums_ok(whole->data, whole->len));
  g_assert_cmpuint(net_get16(whole->data + 20), ==, 40000);
  netbuf_free(whole);
  reasm_free(r);
  nat_free(nat);
}

typedef struct {
  const char *desc;         /* the packet */
  gsize cut;                /* length to cut to (0 = keep) */
  gsize off;                /* byte to overwrite, 0 = none */
  guint8 val;               /* its value */
  NatDropReason reason;     /* expected drop */
} BadCase;

static void
test_malformed_dropped(void)
{
  tu_world(1);
  const BadCase cases[] = {
    { "IPv4 header cut short", 12, 0, 0, NAT_DROP_MALFORMED },
    { "UDP header cut short (total length too)", 25, 0, 0, NAT_DROP_MALFORMED },
    { "IHL 3", 0, 0, 0x43, NAT_DROP_MALFORMED },
    { "GRE", 0, 9, 47, NAT_DROP_UNSUPPORTED },
    { "ICMP timestamp", 0, 9, NET_PROTO_ICMP, NAT_DROP_UNSUPPORTED },
  };
  Nat *nat = NAT_WITH("nat.mapping=eim");
  guint64 expect[NAT_DROP_N] = { 0 };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    NetBuf *p = udp(PHONE, 5060, PBX, 5060, "payload!");
    if (cases[i].cut) {
      p->len = cases[i].cut;
      if (cases[i].cut >= 20)
        net_put16(p->data + 2, (guint16)cases[i].cut);
    }
    if (cases[i].val)
      p->data[cases[i].off] = cases[i].val;
    if (cases[i].val == NET_PROTO_ICMP)
      p->data[20] = 13; /* timestamp request */
    ipv4_set_header_checksum(p->data);
    /* The buffer is exactly the packet: an over-read would be caught. */
    NetBuf *exact = netbuf_new(p->data, p->len, 0);
    netbuf_free(p);
    NatVerdict v;
    if (nat_outbound(nat, exact, 0, &v) != NAT_DROP || v.reason != cases[i].reason)
      g_error("%s: not dropped as %s", cases[i].desc, nat_drop_reason_name(cases[i].reason));
    expect[cases[i].reason]++;
    netbuf_free(exact);
  }
  g_assert_cmpmem(nat_stats(nat)->dropped, sizeof expect, expect, sizeof expect);
  g_assert_cmpuint(nat_binding_count(nat), ==, 0);
  nat_free(nat);
}

static void
test_udp_zero_checksum_kept(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.port_alloc=sequential", "nat.port_min=40000");
  guint8 buf[64];
  Ipv4Build ip = { .src = PHONE, .dst = PBX };
  gsize n = ipv4_build_udp(buf, sizeof buf, &ip, 5060, 5060, (const guint8 *)"x", 1, TRUE);
  NetBuf *p = netbuf_new(buf, n, 0);
  NatVerdict v;
  g_assert_cmpint(nat_outbound(nat, p, 0, &v), ==, NAT_PASS);
  g_assert_cmpuint(net_get16(p->data + 26), ==, 0); /* RFC 768: no checksum stays none */
  g_assert_cmpuint(net_get16(p->data + 20), ==, 40000);
  g_assert_true(ipv4_checksums_ok(p->data, p->len));
  netbuf_free(p);
  nat_free(nat);
}

static void
test_flush(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.mapping=eim");
  out_udp(nat, 0, PHONE, 5060, PBX, 5060);
  g_assert_true(in_udp(nat, SIM_S(1), PBX, 5060, 5060, NULL));
  nat_flush(nat, SIM_S(2));
  g_assert_cmpuint(nat_binding_count(nat), ==, 0);
  g_assert_cmpuint(nat_mapping_count(nat), ==, 0);
  g_assert_false(in_udp(nat, SIM_S(3), PBX, 5060, 5060, NULL));
  nat_free(nat);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/nat/rfc4787/mapping-x-filtering", test_mapping_filtering_table);
  g_test_add_func("/nat/port-alloc/preserve-parity-sequential", test_port_alloc);
  g_test_add_func("/nat/port-alloc/random-from-stream-and-exhaustion", test_port_alloc_random);
  g_test_add_func("/nat/udp/unreplied-30s-vs-established-120s", test_udp_unreplied_vs_established);
  g_test_add_func("/nat/udp/refresh-direction", test_udp_refresh_direction);
  g_test_add_func("/nat/udp/per-port-timeout-override", test_udp_port_override);
  g_test_add_func("/nat/trace/expiry-time-is-exact", test_expiry_trace_exact);
  g_test_add_func("/nat/tcp/states-and-rfc5382-timeouts", test_tcp_states);
  g_test_add_func("/nat/tcp/inbound-opens-only-with-syn", test_tcp_inbound_needs_syn);
  g_test_add_func("/nat/icmp/echo-id-translated", test_icmp_echo);
  g_test_add_func("/nat/icmp/error-quote-translated", test_icmp_error_translated);
  g_test_add_func("/nat/hairpin/on-off-and-filtering", test_hairpin);
  g_test_add_func("/nat/table/overflow-refuse-and-evict-lru", test_overflow);
  g_test_add_func("/nat/rfc6888/port-hold-down", test_port_hold);
  g_test_add_func("/nat/expect/source-lifetime-single-use-owner", test_expectations);
  g_test_add_func("/nat/alg/udp-rewrite-changes-length", test_alg_udp_rewrite);
  g_test_add_func("/nat/alg/tcp-seqadj-both-directions", test_alg_tcp_seqadj);
  g_test_add_func("/nat/alg/binding-timer-never-outlives-binding", test_binding_timers);
  g_test_add_func("/nat/fragments/per-fragment-translation", test_per_fragment);
  g_test_add_func("/nat/malformed/dropped-and-counted", test_malformed_dropped);
  g_test_add_func("/nat/checksum/udp-zero-stays-zero", test_udp_zero_checksum_kept);
  g_test_add_func("/nat/flush/clears-everything", test_flush);
  return g_test_run();
}
