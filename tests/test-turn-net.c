/* test-turn-net.c — TURN (RFC 8656) relaying in the default topology: allocation lifetimes and
 * refreshes, permissions, channels and indications both ways with exact byte counts over UDP,
 * TCP and TLS, the home NAT's 30 s UDP timeout, determinism, and tshark's view of a pcap. */
#include <glib/gstdio.h>
#include <string.h>

#include "test-stun-util.h"
#include "test-turn-util.h"

/* ---- Lifetimes --------------------------------------------------------------------------------- */

static void
test_expiry_without_refresh_stops_relay(void)
{
  World w;
  world_up(&w, NULL);
  Raw r;
  raw_up(&r, &w, 5000, "turnuser", "turnpass");
  StunMsg m;
  RawReq alloc = { TURN_METHOD_ALLOCATE, 17, -1 };
  RawReq perm = { TURN_METHOD_CREATE_PERMISSION, 0, -1, 0, world_peer(&w) };
  g_assert_cmpuint(raw_exchange(&r, &alloc, &m), ==, 0);
  SimAddr relay;
  g_assert_cmpint(turn_msg_get_xor_addr4(&m, TURN_ATTR_XOR_RELAYED_ADDRESS, &relay), ==, 1);
  g_assert_cmpuint(raw_exchange(&r, &perm, &m), ==, 0);
  peer_send(&w, relay, 100);
  run_for(SIM_S(1));
  g_assert_cmpuint(turn_server_stats(w.server)->from_peer_packets, ==, 1);
  guint before = r.rx->len;
  run_for(SIM_S(600)); /* no Refresh: the 600 s lifetime runs out */
  g_assert_cmpuint(turn_server_stats(w.server)->allocations_expired, ==, 1);
  g_assert_cmpuint(turn_server_stats(w.server)->active, ==, 0);
  peer_send(&w, relay, 100);
  run_for(SIM_S(1));
  g_assert_cmpuint(turn_server_stats(w.server)->from_peer_packets, ==, 1);
  g_assert_cmpuint(r.rx->len, ==, before);
  RawReq refresh = { TURN_METHOD_REFRESH, 0, 600 };
  g_assert_cmpuint(raw_exchange(&r, &refresh, &m), ==, 437);
  raw_down(&r);
  world_down(&w);
}

static void
test_refresh_keeps_allocation(void)
{
  World w;
  world_up(&w, NULL);
  w.echo = TRUE;
  Cap k;
  client_up(&w, &k, TURN_TRANSPORT_UDP, 0, NULL);
  turn_client_allocate(k.c);
  run_for(SIM_S(2));
  turn_client_permit(k.c, w.topo->remote.addr);
  run_for(SIM_S(2000)); /* three lifetimes: Refresh at 540 s, 1080 s, 1620 s */
  g_assert_cmpuint(turn_client_stats(k.c)->refreshes, ==, 3);
  g_assert_cmpuint(turn_server_stats(w.server)->refreshes, ==, 3);
  g_assert_cmpuint(turn_client_stats(k.c)->permissions, ==, 1 + 2000 / 240);
  g_assert_cmpint(turn_client_state(k.c), ==, TURN_CLIENT_ALLOCATED);
  peer_send(&w, k.relayed, 50);
  run_for(SIM_S(1));
  g_assert_cmpuint(k.rx_packets, ==, 1);
  g_assert_cmpuint(k.rx_bytes, ==, 50);
  /* Freeing the client deallocates: Refresh with LIFETIME 0 (RFC 8656 §7.1). */
  client_down(&k);
  run_for(SIM_S(1));
  g_assert_cmpuint(turn_server_stats(w.server)->allocations_deleted, ==, 1);
  g_assert_cmpuint(turn_server_stats(w.server)->active, ==, 0);
  world_down(&w);
}

static void
test_udp_request_times_out_after_rc_sends(void)
{
  static const char *const sets[] = { "turn.udp_port=0", NULL };
  World w;
  world_up(&w, sets);
  Cap k;
  client_up(&w, &k, TURN_TRANSPORT_UDP, 0, NULL);
  turn_client_allocate(k.c);
  run_for(SIM_S(60));
  /* RFC 8489 §6.2.1: 7 sends at 0, 0.5, ... 31.5 s, failure at 39.5 s. */
  g_assert_cmpuint(k.failed, ==, 1);
  g_assert_cmpuint(k.fail_code, ==, 0);
  g_assert_cmpint(k.failed_at, ==, SIM_MS(39500));
  g_assert_cmpuint(turn_client_stats(k.c)->transmissions, ==, 7);
  client_down(&k);
  world_down(&w);
}

/* ---- Relaying ---------------------------------------------------------------------------------- */

static void
test_peer_data_needs_permission(void)
{
  World w;
  world_up(&w, NULL);
  Cap k;
  client_up(&w, &k, TURN_TRANSPORT_UDP, 0, NULL);
  turn_client_allocate(k.c);
  run_for(SIM_S(2));
  const TurnServerStats *ss = turn_server_stats(w.server);
  peer_send(&w, k.relayed, 64);
  g_assert_true(turn_client_send(k.c, world_peer(&w), (const guint8 *)"hi", 2));
  run_for(SIM_S(1));
  g_assert_cmpuint(ss->dropped_peer_no_permission, ==, 1);
  g_assert_cmpuint(ss->dropped_send_no_permission, ==, 1);
  g_assert_cmpuint(k.rx_packets, ==, 0);
  g_assert_cmpuint(w.peer_packets, ==, 0);
  turn_client_permit(k.c, w.topo->remote.addr);
  run_for(SIM_S(1));
  peer_send(&w, k.relayed, 64);
  turn_client_send(k.c, world_peer(&w), (const guint8 *)"hi", 2);
  run_for(SIM_S(1));
  g_assert_cmpuint(k.rx_packets, ==, 1);
  g_assert_cmpuint(w.peer_packets, ==, 1);
  g_assert_cmpuint(ss->dropped_peer_no_permission, ==, 1);
  /* The peer sees the relayed address as the source. */
  g_assert_cmphex(w.peer_from.addr, ==, k.relayed.addr);
  g_assert_cmpuint(w.peer_from.port, ==, k.relayed.port);
  client_down(&k);
  world_down(&w);
}

#define N_PKTS 5
#define PKT_LEN 161 /* odd, so ChannelData over TCP/TLS needs 3 bytes of padding */

static void
test_channel_data_both_ways(void)
{
  static const TurnTransport ts[] = { TURN_TRANSPORT_UDP, TURN_TRANSPORT_TCP, TURN_TRANSPORT_TLS };
  guint8 pkt[PKT_LEN];
  memset(pkt, 0x5a, sizeof pkt);
  for (gsize i = 0; i < G_N_ELEMENTS(ts); i++) {
    g_test_message("over %s", turn_transport_name(ts[i]));
    World w;
    world_up(&w, NULL);
    w.echo = TRUE;
    Cap k;
    client_up(&w, &k, ts[i], 0, NULL);
    turn_client_allocate(k.c);
    run_for(SIM_S(3));
    guint16 ch = turn_client_bind(k.c, world_peer(&w));
    g_assert_cmphex(ch, ==, TURN_CHANNEL_MIN);
    run_for(SIM_S(1));
    g_assert_cmphex(turn_client_channel(k.c, world_peer(&w)), ==, ch);
    for (int n = 0; n < N_PKTS; n++)
      g_assert_true(turn_client_send(k.c, world_peer(&w), pkt, sizeof pkt));
    run_for(SIM_S(1));
    const TurnServerStats *ss = turn_server_stats(w.server);
    const TurnClientStats *cs = turn_client_stats(k.c);
    g_assert_cmpuint(w.peer_packets, ==, N_PKTS);
    g_assert_cmpuint(w.peer_bytes, ==, N_PKTS * PKT_LEN);
    g_assert_cmpuint(k.rx_packets, ==, N_PKTS);
    g_assert_cmpuint(k.rx_bytes, ==, N_PKTS * PKT_LEN);
    g_assert_cmpuint(ss->channel_data_in, ==, N_PKTS);
    g_assert_cmpuint(ss->channel_data_out, ==, N_PKTS);
    g_assert_cmpuint(ss->to_peer_bytes, ==, N_PKTS * PKT_LEN);
    g_assert_cmpuint(ss->from_peer_bytes, ==, N_PKTS * PKT_LEN);
    g_assert_cmpuint(ss->send_indications + ss->data_indications, ==, 0);
    g_assert_cmpuint(cs->channel_data_sent, ==, N_PKTS);
    g_assert_cmpuint(cs->channel_data_recv, ==, N_PKTS);
    g_assert_cmpuint(cs->dropped + ss->dropped_malformed, ==, 0);
    client_down(&k);
    world_down(&w);
  }
}

/* A channel lasts 600 s but the permission it installs 300 s: the client refreshes the
 * permission on its own so ChannelData keeps flowing (RFC 8656 §12). */
static void
test_channel_outlives_permission_lifetime(void)
{
  World w;
  world_up(&w, NULL);
  w.echo = TRUE;
  Cap k;
  client_up(&w, &k, TURN_TRANSPORT_UDP, 0, NULL);
  turn_client_allocate(k.c);
  run_for(SIM_S(2));
  turn_client_bind(k.c, world_peer(&w));
  run_for(SIM_S(398)); /* past the first permission's 300 s, before the channel refresh */
  guint8 pkt[20] = { 3 };
  g_assert_true(turn_client_send(k.c, world_peer(&w), pkt, sizeof pkt));
  run_for(SIM_S(300));
  g_assert_true(turn_client_send(k.c, world_peer(&w), pkt, sizeof pkt));
  run_for(SIM_S(1));
  const TurnServerStats *ss = turn_server_stats(w.server);
  g_assert_cmpuint(ss->dropped_send_no_permission + ss->dropped_peer_no_permission, ==, 0);
  g_assert_cmpuint(ss->channel_data_in, ==, 2);
  g_assert_cmpuint(ss->channel_data_out, ==, 2);
  g_assert_cmpuint(k.rx_bytes, ==, 2 * sizeof pkt);
  g_assert_cmpuint(turn_client_stats(k.c)->channel_binds, ==, 2); /* at 2 s and 542 s */
  g_assert_cmpuint(turn_client_stats(k.c)->permissions, ==, 2);   /* at 242 s and 482 s */
  client_down(&k);
  world_down(&w);
}

static void
test_send_data_indications_both_ways(void)
{
  World w;
  world_up(&w, NULL);
  w.echo = TRUE;
  Cap k;
  client_up(&w, &k, TURN_TRANSPORT_UDP, 0, NULL);
  turn_client_allocate(k.c);
  run_for(SIM_S(2));
  turn_client_permit(k.c, w.topo->remote.addr);
  run_for(SIM_S(1));
  guint8 pkt[100] = { 1 };
  for (int n = 0; n < 3; n++)
    turn_client_send(k.c, world_peer(&w), pkt, sizeof pkt);
  run_for(SIM_S(1));
  const TurnServerStats *ss = turn_server_stats(w.server);
  g_assert_cmpuint(ss->send_indications, ==, 3);
  g_assert_cmpuint(ss->data_indications, ==, 3);
  g_assert_cmpuint(ss->to_peer_packets, ==, 3);
  g_assert_cmpuint(ss->to_peer_bytes, ==, 300);
  g_assert_cmpuint(ss->from_peer_bytes, ==, 300);
  g_assert_cmpuint(w.peer_bytes, ==, 300);
  g_assert_cmpuint(k.rx_bytes, ==, 300);
  g_assert_cmphex(k.rx_from.addr, ==, w.topo->remote.addr);
  g_assert_cmpuint(k.rx_from.port, ==, PEER_PORT);
  g_assert_cmpuint(turn_client_stats(k.c)->data_indications, ==, 3);
  client_down(&k);
  world_down(&w);
}

/* ---- The home NAT's 30 s UDP timeout ---------------------------------------------------------- */

typedef struct {
  const char *desc;        /* the case */
  const char *keepalive;   /* turn.keepalive_s=... */
  const char *port_alloc;  /* nat.port_alloc=... */
  gboolean data_arrives;   /* peer data after 200 s idle reaches the client */
  guint fail_code;         /* the allocation failed with this code by 700 s (0: alive) */
} NatCase;

static void
test_home_nat_30s_timeout(void)
{
  static const NatCase cases[] = {
    /* Binding indications every 15 s keep the NAT binding: the relay path stays open. */
    { "keepalive 15 s", "turn.keepalive_s=15", "nat.port_alloc=preserve", TRUE, 0 },
    /* Without keepalives the binding dies after 30 s: peer data is dropped at the NAT.  The
     * Refresh at 540 s makes a new binding; port preservation gives the same port, so the
     * 5-tuple and the allocation survive. */
    { "no keepalive, port preserved", "turn.keepalive_s=0", "nat.port_alloc=preserve", FALSE, 0 },
    /* With random ports the Refresh comes from a new 5-tuple: 437, the allocation is lost. */
    { "no keepalive, random ports", "turn.keepalive_s=0", "nat.port_alloc=random", FALSE, 437 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_test_message("%s", cases[i].desc);
    const char *sets[] = { "nat.udp_timeout_s=30", "nat.udp_unreplied_timeout_s=30",
                           cases[i].keepalive, cases[i].port_alloc, NULL };
    World w;
    world_up(&w, sets);
    Cap k;
    client_up(&w, &k, TURN_TRANSPORT_UDP, 0, NULL);
    turn_client_allocate(k.c);
    run_for(SIM_S(2));
    turn_client_permit(k.c, w.topo->remote.addr);
    run_for(SIM_S(198));
    peer_send(&w, k.relayed, 80);
    run_for(SIM_S(1));
    g_assert_cmpuint(turn_server_stats(w.server)->from_peer_packets, ==, 1);
    g_assert_cmpuint(k.rx_packets, ==, cases[i].data_arrives ? 1 : 0);
    run_for(SIM_S(500));
    g_assert_cmpuint(k.fail_code, ==, cases[i].fail_code);
    g_assert_cmpuint(k.failed, ==, cases[i].fail_code != 0 ? 1 : 0);
    client_down(&k);
    world_down(&w);
  }
}

/* ---- Determinism and tshark ------------------------------------------------------------------- */

/* Allocate, permission, channel, data both ways (Send/Data, then ChannelData), deallocate;
 * returns the trace hash.  With `dir`, writes pcaps there. */
static char *
scenario(const char *dir, TurnTransport transport)
{
  World w;
  world_up(&w, NULL);
  if (dir != NULL) {
    g_autoptr(GError) error = NULL;
    g_assert_true(topology_enable_pcap(w.topo, dir, &error));
  }
  w.echo = TRUE;
  Cap k;
  client_up(&w, &k, transport, 0, NULL);
  turn_client_allocate(k.c);
  run_for(SIM_S(2));
  turn_client_permit(k.c, w.topo->remote.addr);
  run_for(SIM_S(1));
  guint8 pkt[37] = { 7 };
  turn_client_send(k.c, world_peer(&w), pkt, sizeof pkt); /* Send, echoed as Data */
  run_for(SIM_S(1));
  turn_client_bind(k.c, world_peer(&w));
  run_for(SIM_S(1));
  turn_client_send(k.c, world_peer(&w), pkt, sizeof pkt); /* ChannelData both ways */
  run_for(SIM_S(1));
  g_assert_cmpuint(k.rx_packets, ==, 2);
  client_down(&k);
  run_for(SIM_S(1));
  char *hash = sim_trace_hash();
  world_down(&w);
  return hash;
}

static void
test_trace_deterministic(void)
{
  g_autofree char *a = scenario(NULL, TURN_TRANSPORT_TLS);
  g_autofree char *b = scenario(NULL, TURN_TRANSPORT_TLS);
  g_assert_cmpstr(a, ==, b);
}

/* tshark (4.0) decodes STUN/TURN over UDP and TCP, where STUN and padded ChannelData follow
 * each other in the stream (RFC 8656 §12.5), with nothing malformed. */
static void
test_tshark_decodes_turn(void)
{
  if (!tu_have_tshark()) {
    g_test_skip("tshark is not installed");
    return;
  }
  static const TurnTransport ts[] = { TURN_TRANSPORT_UDP, TURN_TRANSPORT_TCP };
  for (gsize t = 0; t < G_N_ELEMENTS(ts); t++) {
    g_test_message("over %s", turn_transport_name(ts[t]));
    g_autofree char *dir = g_dir_make_tmp("turnpcapXXXXXX", NULL);
    g_free(scenario(dir, ts[t]));
    g_autofree char *path = g_build_filename(dir, "isp-stun.pcap", NULL);
    g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
    g_autofree char *args = g_strdup_printf("-r '%s' -Y stun -T fields -e stun.type.method "
                                            "-e stun.type.class -e stun.channel", path);
    g_autofree char *out = tu_tshark(args);
    g_test_message("%s", out);
    /* Methods (RFC 8656 §17): Allocate 3, Refresh 4, Send 6, Data 7, CreatePermission 8,
     * ChannelBind 9; classes request 0x0000, indication 0x0001, success 0x0010, error 0x0011;
     * ChannelData ("ChannelData TURN Message") rows carry only the channel number. */
    static const char *const want[] = { "0x0003\t0x0000", "0x0003\t0x0011", "0x0003\t0x0010",
                                        "0x0008\t0x0000", "0x0008\t0x0010", "0x0009\t0x0000",
                                        "0x0009\t0x0010", "0x0006\t0x0001", "0x0007\t0x0001",
                                        "0x0004\t0x0000", "\t\t0x4000" };
    for (gsize i = 0; i < G_N_ELEMENTS(want); i++)
      if (strstr(out, want[i]) == NULL)
        g_test_fail_printf("%s: tshark shows no \"%s\"", turn_transport_name(ts[t]), want[i]);
    /* Both ChannelData messages (one each way). */
    g_auto(GStrv) parts = g_strsplit(out, "\t\t0x4000", -1);
    g_assert_cmpuint(g_strv_length(parts), ==, 3);
    g_autofree char *bad_args = g_strdup_printf(
      "-r '%s' -Y '_ws.malformed || _ws.expert.severity == \"Error\"' -T fields -e frame.number", path);
    g_autofree char *bad = tu_tshark(bad_args);
    g_assert_cmpstr(bad, ==, "");
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    for (const char *name; (name = g_dir_read_name(d)) != NULL;) {
      g_autofree char *p = g_build_filename(dir, name, NULL);
      g_unlink(p);
    }
    g_rmdir(dir);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/turn/server/expiry-without-refresh-stops-relay", test_expiry_without_refresh_stops_relay);
  g_test_add_func("/turn/client/refresh-keeps-allocation-and-free-deallocates", test_refresh_keeps_allocation);
  g_test_add_func("/turn/client/udp-request-times-out-after-rc-sends", test_udp_request_times_out_after_rc_sends);
  g_test_add_func("/turn/relay/peer-data-needs-permission", test_peer_data_needs_permission);
  g_test_add_func("/turn/relay/channel-data-both-ways-exact-bytes", test_channel_data_both_ways);
  g_test_add_func("/turn/relay/channel-outlives-permission-lifetime", test_channel_outlives_permission_lifetime);
  g_test_add_func("/turn/relay/send-data-indications-both-ways", test_send_data_indications_both_ways);
  g_test_add_func("/turn/nat/home-nat-30s-timeout", test_home_nat_30s_timeout);
  g_test_add_func("/turn/trace/deterministic", test_trace_deterministic);
  g_test_add_func("/turn/pcap/tshark-decodes-turn", test_tshark_decodes_turn);
  return g_test_run();
}
