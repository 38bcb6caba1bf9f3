/* test-nat-hooks.c — unit tests of what models/nat offers beyond plain translation: expectations, the
 * ALG hook with length-changing rewrites, TCP sequence adjustment and per-binding timers, per-fragment
 * translation, malformed packets, the RFC 768 zero UDP checksum and flush.  Every translated packet has
 * its checksums verified by full recomputation. */
#include <string.h>

#include "net/frag.h"
#include "test-nat-util.h"

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

/* RFC 4787 REQ-3 (no port overloading): an expectation on an explicit public port that a mapping
 * of another internal endpoint holds is refused; it used to be accepted, and the flow it admitted
 * put a second internal endpoint on that port (found by fuzz/fuzz-nat). */
static void
test_expect_explicit_port_of_other_endpoint(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.mapping=eim", "nat.filtering=apdf");
  g_assert_cmpuint(out_udp(nat, 0, PHONE, 5060, PBX, 5060), ==, 5060);
  NatExpectParams ep = { .proto = NET_PROTO_UDP, .remote = { 0, 0 }, .ext_port = 5060,
                         .target = { PHONE, 16384 }, .lifetime = SIM_S(60), .tag = "test" };
  g_autoptr(GError) error = NULL;
  g_assert_null(nat_expect_add(nat, &ep, SIM_S(1), &error));
  g_assert_error(error, SIM_ERROR, SIM_ERROR_RESOURCE);
  g_clear_error(&error);
  /* Nothing opened: a packet from elsewhere to 5060 is still filtered. */
  g_assert_false(in_udp(nat, SIM_S(2), MEDIA, 30000, 5060, NULL));
  g_assert_cmpuint(nat_mapping_count(nat), ==, 1);
  /* The endpoint that holds the port may have an expectation on it (a SIP ALG's inbound call). */
  ep.target = (SimAddr){ PHONE, 5060 };
  g_assert_nonnull(nat_expect_add(nat, &ep, SIM_S(3), &error));
  SimAddr to = { 0 };
  /* From a new source port: the refused flow from :30000 is the router's own for 30 s
   * (nat.local_flow_entries, tests/test-nat-local.c), which no expectation admits. */
  g_assert_true(in_udp(nat, SIM_S(4), MEDIA, 30002, 5060, &to));
  g_assert_cmpuint(to.port, ==, 5060);
  g_assert_cmpuint(nat_mapping_count(nat), ==, 1);
  nat_free(nat);
}

/* A flow has one binding.  With address-and-port-dependent mapping an expectation for an
 * endpoint that already talks to the remote gets another public port; a packet of that same flow
 * arriving there must not make a second binding of it: it used to, the index of the flow then
 * named the new one (the phone's packets changed public port) and the old one's expiry removed
 * it.  Linux drops such a packet (the expected conntrack clashes with the existing one at
 * confirmation).  Under EIM the expectation simply reuses the endpoint's mapping (REQ-1). */
static void
test_expect_does_not_duplicate_flow(void)
{
  tu_world(1);
  for (guint i = 0; i < 2; i++) {
    gboolean eim = i == 0;
    Nat *nat = NAT_WITH(eim ? "nat.mapping=eim" : "nat.mapping=apdm", "nat.filtering=apdf",
                        "nat.udp_timeout_s=60");
    guint16 x = out_udp(nat, 0, PHONE, 16384, MEDIA, 40000);
    g_assert_true(in_udp(nat, 0, MEDIA, 40000, x, NULL));
    NatExpectParams ep = { .proto = NET_PROTO_UDP, .remote = { MEDIA, 0 },
                           .target = { PHONE, 16384 }, .lifetime = SIM_S(60), .tag = "rtp" };
    g_autoptr(GError) error = NULL;
    NatExpect *e = nat_expect_add(nat, &ep, SIM_S(1), &error);
    g_assert_nonnull(e);
    guint16 y = nat_expect_ext_port(e);
    if (eim) {
      g_assert_cmpuint(y, ==, x);
      g_assert_true(in_udp(nat, SIM_S(2), MEDIA, 40000, y, NULL)); /* the flow's own binding */
    } else {
      g_assert_cmpuint(y, !=, x);
      g_assert_false(in_udp(nat, SIM_S(2), MEDIA, 40000, y, NULL));
    }
    g_assert_cmpuint(nat_binding_count(nat), ==, 1);
    /* Another source port of the media server is a new flow: admitted. */
    g_assert_true(in_udp(nat, SIM_S(3), MEDIA, 40002, y, NULL));
    g_assert_cmpuint(nat_binding_count(nat), ==, 2);
    /* The phone's flow keeps its port for as long as it is refreshed. */
    for (int t = 10; t <= 200; t += 10)
      g_assert_cmpuint(out_udp(nat, SIM_S(t), PHONE, 16384, MEDIA, 40000), ==, x);
    nat_free(nat);
  }
}

/* The usual SIP call: the ALG opens an expectation for the phone's media, and the phone's RTP goes
 * out before the far end's arrives.  It must leave from the announced port, so the far end's RTP
 * to that port reaches the phone; the reservation used to push the phone's own mapping to another
 * port.  Other endpoints still cannot take the reserved port. */
static void
test_expect_target_takes_reserved_port(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.mapping=eim", "nat.filtering=apdf", "nat.port_alloc=preserve");
  NatExpectParams ep = { .proto = NET_PROTO_UDP, .remote = { MEDIA, 0 },
                         .target = { PHONE, 16384 }, .lifetime = SIM_S(60), .tag = "rtp" };
  g_autoptr(GError) error = NULL;
  NatExpect *e = nat_expect_add(nat, &ep, 0, &error);
  g_assert_nonnull(e);
  guint16 port = nat_expect_ext_port(e);
  g_assert_cmpuint(port, ==, 16384);
  g_assert_cmpuint(out_udp(nat, SIM_S(1), PHONE2, 16384, MEDIA, 40000), !=, port);
  g_assert_cmpuint(out_udp(nat, SIM_S(1), PHONE, 16384, MEDIA, 40000), ==, port);
  SimAddr to = { 0 };
  g_assert_true(in_udp(nat, SIM_S(2), MEDIA, 40000, port, &to));
  g_assert_cmpuint(to.addr, ==, PHONE);
  g_assert_cmpuint(to.port, ==, 16384);
  g_assert_cmpuint(nat_binding_count(nat), ==, 2);
  nat_free(nat);
}

/* An ALG freeing a stream's translations (field-notes §4 A4): every binding of the endpoint goes and
 * its port enters hold-down; a pinned expectation on another port then carries the endpoint's own
 * outbound flow too, where an unpinned one would leave it to the port policy (preserve: 16384). */
static void
test_release_endpoint_and_pinned_port(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.mapping=eim", "nat.filtering=apdf", "nat.port_alloc=preserve",
                      "nat.port_hold_s=120");
  g_assert_cmpuint(out_udp(nat, SIM_S(1), PHONE, 16384, MEDIA, 40000), ==, 16384);
  g_assert_cmpuint(out_udp(nat, SIM_S(1), PHONE, 16384, REMOTE, 40000), ==, 16384);
  g_assert_cmpuint(out_udp(nat, SIM_S(1), PHONE, 5060, PBX, 5060), ==, 5060);
  g_assert_cmpuint(nat_release_endpoint(nat, NET_PROTO_UDP, (SimAddr){ PHONE, 16384 }, "binding-released", SIM_S(2)),
                   ==, 2);
  g_assert_cmpuint(nat_binding_count(nat), ==, 1); /* the SIP flow stays */
  g_assert_false(in_udp(nat, SIM_S(3), MEDIA, 40000, 16384, NULL));
  /* Hold-down: another endpoint cannot take the released port. */
  g_assert_cmpuint(out_udp(nat, SIM_S(3), PHONE2, 16384, MEDIA, 40000), !=, 16384);
  NatExpectParams ep = { .proto = NET_PROTO_UDP, .target = { PHONE, 16384 }, .ext_port = 16390,
                         .lifetime = SIM_S(60), .tag = "rtp", .pin_outbound = TRUE };
  g_autoptr(GError) error = NULL;
  g_assert_nonnull(nat_expect_add(nat, &ep, SIM_S(4), &error));
  g_assert_true(nat_expect_params(nat_expect_add(nat, &ep, SIM_S(4), &error))->pin_outbound);
  g_assert_cmpuint(out_udp(nat, SIM_S(5), PHONE, 16384, MEDIA, 40000), ==, 16390);
  SimAddr to = { 0 };
  g_assert_true(in_udp(nat, SIM_S(6), MEDIA, 40000, 16390, &to));
  g_assert_cmpuint(to.port, ==, 16384);
  g_assert_cmpuint(nat_release_endpoint(nat, NET_PROTO_UDP, (SimAddr){ PHONE, 9 }, "binding-released", SIM_S(7)), ==, 0);
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

/* RFC 768: the UDP length, not the IP length, ends the datagram; bytes after it are padding.  A
 * rewrite used to set the UDP length from the IP length, turning the padding into payload. */
static void
test_alg_udp_rewrite_keeps_padding(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.mapping=eim");
  TestAlg alg = { .find = "192.168.1.50", .repl = "203.0.113.2" };
  nat_set_alg_hook(nat, test_alg_hook, &alg);
  NetBuf *p = udp(PHONE, 5060, PBX, 5060, "c=IN IP4 192.168.1.50\r\n");
  /* Four bytes of IP padding after the UDP datagram. */
  memcpy(p->data + p->len, "PADD", 4);
  p->len += 4;
  ipv4_set_total_len(p->data, (guint16)p->len);
  g_assert_true(ipv4_checksums_ok(p->data, p->len));
  NatVerdict v;
  g_assert_cmpint(nat_outbound(nat, p, 0, &v), ==, NAT_PASS);
  g_assert_true(ipv4_checksums_ok(p->data, p->len));
  Ipv4Info ip;
  UdpInfo u;
  g_assert_cmpint(ipv4_parse(p->data, p->len, 0, &ip), ==, 1);
  g_assert_cmpint(udp_parse(p->data, p->len, &ip, &u), ==, 1);
  g_assert_cmpmem(p->data + u.payload_off, u.payload_len, "c=IN IP4 203.0.113.2\r\n", 22);
  g_assert_cmpuint(u.length, ==, 8 + 22);
  g_assert_cmpuint(ip.total_len, ==, 20 + 8 + 22 + 4);
  g_assert_cmpmem(p->data + ip.total_len - 4, 4, "PADD", 4);
  netbuf_free(p);
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
  g_test_add_func("/nat/expect/source-lifetime-single-use-owner", test_expectations);
  g_test_add_func("/nat/expect/explicit-port-of-other-endpoint-refused",
                  test_expect_explicit_port_of_other_endpoint);
  g_test_add_func("/nat/expect/never-duplicates-a-flow", test_expect_does_not_duplicate_flow);
  g_test_add_func("/nat/expect/release-endpoint-then-pinned-port", test_release_endpoint_and_pinned_port);
  g_test_add_func("/nat/expect/target-media-out-first-uses-announced-port",
                  test_expect_target_takes_reserved_port);
  g_test_add_func("/nat/alg/udp-rewrite-changes-length", test_alg_udp_rewrite);
  g_test_add_func("/nat/alg/udp-rewrite-keeps-ip-padding", test_alg_udp_rewrite_keeps_padding);
  g_test_add_func("/nat/alg/tcp-seqadj-both-directions", test_alg_tcp_seqadj);
  g_test_add_func("/nat/alg/binding-timer-never-outlives-binding", test_binding_timers);
  g_test_add_func("/nat/fragments/per-fragment-translation", test_per_fragment);
  g_test_add_func("/nat/malformed/dropped-and-counted", test_malformed_dropped);
  g_test_add_func("/nat/checksum/udp-zero-stays-zero", test_udp_zero_checksum_kept);
  g_test_add_func("/nat/flush/clears-everything", test_flush);
  return g_test_run();
}
