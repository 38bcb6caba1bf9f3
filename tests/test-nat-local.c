/* test-nat-local.c — local-delivery entries (nat.local_flow_entries, models/nat/nat-local.c): a
 * refused inbound UDP flow becomes the router's own conntrack entry, as Linux confirms one at the
 * INPUT hook (nf_conntrack_core.c), and while it lives it shadows the ALG's expectations
 * (init_conntrack() looks for one only for a NEW conntrack) and takes its tuple from outbound
 * flows (nf_nat_used_tuple).  The numbers follow the real kernel's measurements in
 * tests/data/linux-alg-extra (#39): refreshed by each packet, gone 30 s after the last one. */
#include "test-nat-util.h"

/* The media expectation a SIP ALG opens for the phone's SDP: from the pbx, any port, to
 * PHONE:4000 on public port 4000, 180 s, single use. */
static NatExpect *
rtp_expect(Nat *nat, SimTime now)
{
  NatExpectParams ep = { .proto = NET_PROTO_UDP, .remote = { PBX, 0 }, .ext_port = 4000,
                         .target = { PHONE, 4000 }, .lifetime = SIM_S(180), .single_use = TRUE,
                         .tag = "sip-audio" };
  g_autoptr(GError) error = NULL;
  NatExpect *e = nat_expect_add(nat, &ep, now, &error);
  g_assert_no_error(error);
  return e;
}

/* Inbound UDP from PBX:sport to PUBLIC:4000; the verdict's reason on a drop. */
static NatAction
in_rtp(Nat *nat, SimTime t, guint16 sport, NatDropReason *why, SimAddr *to)
{
  NatVerdict v;
  NatAction a = run(nat, udp(PBX, sport, PUBLIC, 4000, "rtp"), FALSE, t, NULL, to, &v);
  if (why)
    *why = v.reason;
  return a;
}

static void
test_shadows_expectation(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.mapping=eim"); /* the home defaults: local entries on */
  NatDropReason why;
  /* Early media: refused, and the router keeps the flow as its own. */
  g_assert_cmpint(in_rtp(nat, 0, 20000, &why, NULL), ==, NAT_DROP);
  g_assert_cmpint(why, ==, NAT_DROP_NO_BINDING);
  g_assert_cmpuint(nat_local_entry_count(nat), ==, 1);
  g_assert_cmpuint(nat_stats(nat)->local_entries_created, ==, 1);
  rtp_expect(nat, SIM_S(1));
  /* The same flow after the INVITE: still the router's, the expectation waits. */
  g_assert_cmpint(in_rtp(nat, SIM_S(2), 20000, &why, NULL), ==, NAT_DROP);
  g_assert_cmpint(why, ==, NAT_DROP_SHADOWED);
  g_assert_cmpstr(nat_drop_reason_name(why), ==, "shadowed-by-local-entry");
  g_assert_cmpuint(nat_stats(nat)->dropped[NAT_DROP_SHADOWED], ==, 1);
  g_assert_cmpuint(nat_expect_count(nat), ==, 1);
  g_assert_cmpuint(nat_stats(nat)->expect_matched, ==, 0);
  /* A new source port is a new conntrack: the expectation admits it (x4). */
  SimAddr to = { 0 };
  g_assert_cmpint(in_rtp(nat, SIM_S(3), 20100, NULL, &to), ==, NAT_PASS);
  g_assert_cmpuint(to.addr, ==, PHONE);
  g_assert_cmpuint(to.port, ==, 4000);
  g_assert_cmpuint(nat_expect_count(nat), ==, 0);
  nat_free(nat);
}

/* Refreshed by every packet of the flow (nf_conntrack_udp_packet), so steady RTP keeps the entry;
 * 30 s of silence (nat.udp_unreplied_timeout_s) end it and the next packet is a new conntrack. */
static void
test_refreshed_then_expires(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.mapping=eim");
  g_assert_cmpint(in_rtp(nat, 0, 20000, NULL, NULL), ==, NAT_DROP);
  rtp_expect(nat, SIM_S(1));
  NatDropReason why;
  for (int s = 2; s <= 40; s++) {
    g_assert_cmpint(in_rtp(nat, SIM_S(s), 20000, &why, NULL), ==, NAT_DROP);
    g_assert_cmpint(why, ==, NAT_DROP_SHADOWED);
  }
  /* 29.9 s after the last packet it is still there ... */
  g_assert_cmpint(in_rtp(nat, SIM_S(40) + SIM_MS(29900), 20000, &why, NULL), ==, NAT_DROP);
  g_assert_cmpuint(nat_local_entry_count(nat), ==, 1);
  /* ... and that packet refreshed it again: 30 s of silence after it, the expectation admits. */
  SimTime last = SIM_S(40) + SIM_MS(29900);
  g_assert_cmpint(in_rtp(nat, last + SIM_S(30), 20000, NULL, NULL), ==, NAT_PASS);
  g_assert_cmpuint(nat_local_entry_count(nat), ==, 0);
  g_assert_cmpuint(nat_stats(nat)->expect_matched, ==, 1);
  nat_free(nat);
}

/* The phone's RTP to the pbx port that the router holds as its own leaves from another public
 * port (Linux get_unique_tuple: 10791 in the measurement), and replies to that port reach the
 * phone; the endpoint keeps its preserved port for every other remote. */
static void
test_outbound_avoids_entry_tuple(void)
{
  const gboolean mapped_first[] = { FALSE, TRUE };
  for (guint i = 0; i < G_N_ELEMENTS(mapped_first); i++) {
    tu_world(1);
    Nat *nat = NAT_WITH("nat.mapping=eim");
    g_assert_cmpint(in_rtp(nat, 0, 20000, NULL, NULL), ==, NAT_DROP);
    if (mapped_first[i])
      g_assert_cmpuint(out_udp(nat, SIM_S(1), PHONE, 4000, REMOTE, 9), ==, 4000);
    guint16 port = out_udp(nat, SIM_S(2), PHONE, 4000, PBX, 20000);
    g_assert_cmpuint(port, !=, 0);
    g_assert_cmpuint(port, !=, 4000);
    SimAddr to = { 0 };
    g_assert_true(in_udp(nat, SIM_S(3), PBX, 20000, port, &to));
    g_assert_cmpuint(to.port, ==, 4000);
    g_assert_false(in_udp(nat, SIM_S(3), PBX, 20000, 4000, NULL));
    g_assert_cmpuint(out_udp(nat, SIM_S(4), PHONE, 4000, REMOTE, 10), ==, 4000);
    nat_free(nat);
  }
}

/* Off (an RFC 4787 router, the cgn default): a refused packet leaves nothing behind. */
static void
test_off(void)
{
  const char *const groups[][2] = { { "nat.local_flow_entries=false", "nat.mapping=eim" },
                                    { "cgn.mapping=eim", "cgn.filtering=apdf" } };
  for (guint i = 0; i < G_N_ELEMENTS(groups); i++) {
    tu_world(1);
    Nat *nat = NAT_WITH(groups[i][0], groups[i][1]);
    g_assert_false(nat_params(nat)->local_flow_entries);
    g_assert_cmpint(in_rtp(nat, 0, 20000, NULL, NULL), ==, NAT_DROP);
    g_assert_cmpuint(nat_local_entry_count(nat), ==, 0);
    rtp_expect(nat, SIM_S(1));
    g_assert_cmpint(in_rtp(nat, SIM_S(2), 20000, NULL, NULL), ==, NAT_PASS);
    g_assert_cmpuint(out_udp(nat, SIM_S(3), PHONE, 4000, PBX, 20000), ==, 4000);
    nat_free(nat);
  }
}

/* A reboot (nat_flush) forgets the entries; the table is bounded by nat.max_bindings, evicting
 * the entry that would expire first. */
static void
test_flush_and_bound(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.mapping=eim", "nat.max_bindings=2");
  for (guint16 p = 0; p < 3; p++)
    g_assert_cmpint(in_rtp(nat, SIM_S(p), (guint16)(20000 + 2 * p), NULL, NULL), ==, NAT_DROP);
  g_assert_cmpuint(nat_local_entry_count(nat), ==, 2);
  g_assert_cmpuint(nat_stats(nat)->local_entries_created, ==, 3);
  rtp_expect(nat, SIM_S(3));
  g_assert_cmpint(in_rtp(nat, SIM_S(4), 20002, NULL, NULL), ==, NAT_DROP); /* kept */
  g_assert_cmpint(in_rtp(nat, SIM_S(5), 20000, NULL, NULL), ==, NAT_PASS); /* evicted */
  nat_flush(nat, SIM_S(6));
  g_assert_cmpuint(nat_local_entry_count(nat), ==, 0);
  rtp_expect(nat, SIM_S(7));
  g_assert_cmpint(in_rtp(nat, SIM_S(8), 20004, NULL, NULL), ==, NAT_PASS);
  nat_free(nat);
}

/* Which routers have it: the home default and the Linux-based profiles, not the RFC 4787 one. */
static void
test_profiles(void)
{
  const struct {
    const char *profile; /* router.profile */
    gboolean on;         /* nat.local_flow_entries */
  } rows[] = {
    { "linux-consumer", TRUE }, { "tplink-archer", TRUE }, { "asus-rt", TRUE },
    { "netgear-nighthawk", TRUE }, { "eero", TRUE }, { "rfc4787", FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    g_autofree char *set = g_strdup_printf("router.profile=%s", rows[i].profile);
    g_autoptr(Config) cfg = tu_config(set, NULL);
    NatParams p;
    g_autoptr(GError) error = NULL;
    g_assert_true(nat_params_from_config(cfg, "nat", &p, &error));
    if (p.local_flow_entries != rows[i].on)
      g_error("%s: nat.local_flow_entries is %d", rows[i].profile, p.local_flow_entries);
  }
  NatParams d;
  nat_params_default(&d);
  g_assert_true(d.local_flow_entries);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/nat/local/early-media-entry-shadows-expectation", test_shadows_expectation);
  g_test_add_func("/nat/local/refreshed-by-each-packet-expires-after-unreplied-timeout",
                  test_refreshed_then_expires);
  g_test_add_func("/nat/local/outbound-flow-takes-another-port-than-the-entry-tuple",
                  test_outbound_avoids_entry_tuple);
  g_test_add_func("/nat/local/off-leaves-no-state", test_off);
  g_test_add_func("/nat/local/flushed-by-reboot-and-bounded-by-table-size", test_flush_and_bound);
  g_test_add_func("/nat/local/on-for-linux-profiles-off-for-rfc4787", test_profiles);
  return g_test_run();
}
