/* test-traversal.c — whole calls with media NAT traversal (phone.traversal, issue 6): classic STUN
 * works through an endpoint-independent mapping and fails through a symmetric (APDM) one, TURN
 * relays both directions at the cost of delay and relay load, and server-side latching needs no
 * client traversal when no ALG interferes.  Every assertion reads the measured outcome record or
 * the run's trace, never the configuration. */
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "call/scenario.h"
#include "test-util.h"

/* Run one call with these assignments (NULL-terminated) on top of the common ones; with `dir`
 * the run writes its trace there. */
static CallOutcome *
run_call(const char *dir, const char *first, ...)
{
  g_autoptr(Config) cfg = tu_config("router.alg=off", "call.duration_s=12", "pbx.profile=nat-aware", NULL);
  va_list ap;
  va_start(ap, first);
  for (const char *a = first; a; a = va_arg(ap, const char *)) {
    g_autoptr(GError) error = NULL;
    if (!cfg_set_arg(cfg, a, &error))
      g_error("%s: %s", a, error->message);
  }
  va_end(ap);
  GPtrArray *out = NULL;
  g_autoptr(GError) error = NULL;
  ScenarioOptions opts = {.trace_dir = dir};
  g_assert_true(scenario_run(cfg, dir ? &opts : NULL, &out, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(out->len, ==, 1);
  CallOutcome *o = g_ptr_array_steal_index(out, 0);
  g_ptr_array_unref(out);
  g_test_message("%s %s: %s in %lu/%lu out %lu/%lu relayed=%d relay_bytes=%lu delay %.1f/%.1f ms: %s",
                 o->traversal, audio_class_name(o->audio), o->cause, (gulong)o->in_recv, (gulong)o->in_sent,
                 (gulong)o->out_recv, (gulong)o->out_sent, o->relayed, (gulong)o->relay_bytes, o->delay_out_ms,
                 o->delay_in_ms, o->explanation);
  return o;
}

/* How many lines of `sdp` start with `prefix`; the first one in *first (owned) if asked. */
static guint
sdp_count(const char *sdp, const char *prefix, char **first)
{
  guint n = 0;
  g_auto(GStrv) lines = g_strsplit(sdp, "\r\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix(lines[i], prefix) && n++ == 0 && first)
      *first = g_strdup(lines[i]);
  return n;
}

/* Public ports the home NAT gave the phone's RTP socket (192.168.1.50:port), in creation order. */
static GArray *
rtp_mappings(const char *trace, guint rtp_port)
{
  GArray *ports = g_array_new(FALSE, FALSE, sizeof(guint));
  g_autofree char *needle = g_strdup_printf("home mapping-created udp 192.168.1.50:%u -> ", rtp_port);
  for (const char *s = trace; (s = strstr(s, needle)); s += strlen(needle)) {
    const char *colon = strchr(s + strlen(needle), ':');
    guint port = (guint)strtoul(colon + 1, NULL, 10);
    g_array_append_val(ports, port);
  }
  return ports;
}

/* The phone's "srflx call0 A:P" trace row: P, 0 if none; and its RTP port from "host=...:P". */
static guint
trace_port_after(const char *trace, const char *key)
{
  const char *s = strstr(trace, key);
  if (s == NULL)
    return 0;
  const char *colon = strchr(s + strlen(key), ':');
  return colon ? (guint)strtoul(colon + 1, NULL, 10) : 0;
}

/* EIM NAT: the Binding from the RTP socket learns the same mapping the PBX's RTP will reach, so a
 * PBX that does not latch still gets two-way audio from the SDP alone. */
static void
test_stun_eim_two_way(void)
{
  g_autoptr(CallOutcome) o = run_call(NULL, "phone.profile=softphone-stun", "pbx.latching=off", "nat.mapping=eim",
                                      NULL);
  g_assert_cmpstr(o->traversal, ==, "stun");
  g_assert_true(o->connected);
  g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
  g_assert_false(o->relayed);
  g_assert_cmpuint(o->relay_bytes, ==, 0);
}

/* Symmetric NAT (RFC 4787 APDM): the mapping toward the PBX is a new one, so the srflx address in
 * the SDP is not where the PBX's RTP can enter; media fails (RFC 5389 §1's known limit). */
static void
test_stun_apdm_fails(void)
{
  g_autofree char *dir = g_dir_make_tmp("traversal-XXXXXX", NULL);
  g_autoptr(CallOutcome) o = run_call(dir, "phone.profile=softphone-stun", "pbx.latching=off", "nat.mapping=apdm",
                                      "nat.filtering=apdf", NULL);
  g_assert_true(o->connected);
  g_assert_cmpint(o->audio, !=, AUDIO_TWO_WAY);
  g_assert_cmpuint(o->in_recv, ==, 0);
  g_autofree char *trace = tu_read_file(dir, "trace.txt");
  guint rtp = trace_port_after(trace, "phone0 gathered call0 host=");
  guint srflx = trace_port_after(trace, "phone0 srflx call0 ");
  g_assert_cmpuint(rtp, >, 0);
  g_assert_cmpuint(srflx, >, 0);
  g_autoptr(GArray) maps = rtp_mappings(trace, rtp);
  g_assert_cmpuint(maps->len, >=, 2); /* one toward the STUN server, one toward the PBX */
  g_assert_cmpuint(g_array_index(maps, guint, 0), ==, srflx);
  g_assert_cmpuint(g_array_index(maps, guint, 1), !=, srflx); /* what the PBX media server sees */
  tu_rm_dir(dir);
}

/* TURN: both directions through the relay, even behind a symmetric NAT; the relay's bytes and the
 * extra hop's delay show in the record. */
static void
test_turn_relays(void)
{
  g_autoptr(CallOutcome) direct = run_call(NULL, "phone.profile=softphone-stun", "pbx.latching=off",
                                           "nat.mapping=eim", NULL);
  g_autoptr(CallOutcome) o = run_call(NULL, "phone.profile=softphone-turn", "pbx.latching=off", "nat.mapping=apdm",
                                      "nat.filtering=apdf", NULL);
  g_assert_cmpstr(o->traversal, ==, "turn");
  g_assert_true(o->connected);
  g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
  g_assert_true(o->relayed);
  /* Both directions' RTP payloads (160 bytes + header) crossed the relay. */
  g_assert_cmpuint(o->relay_bytes, >, (o->in_recv + o->out_recv) * 160);
  g_assert_cmpfloat(o->delay_in_ms, >, direct->delay_in_ms);
  g_assert_cmpfloat(o->delay_out_ms, >, direct->delay_out_ms);
}

/* No client traversal: a NAT-aware PBX latching onto the RTP source gives two-way audio when no
 * ALG interferes. */
/* TURN over TCP and over the TLS model (RFC 8656 §3.1, port 5349): the same relayed call. */
static void
test_turn_over_streams(void)
{
  const char *transports[] = {"turn.client_transport=tcp", "turn.client_transport=tls"};
  for (gsize i = 0; i < G_N_ELEMENTS(transports); i++) {
    g_autoptr(CallOutcome) o = run_call(NULL, "phone.profile=softphone-turn", "pbx.latching=off", "nat.mapping=apdm",
                                        "nat.filtering=apdf", transports[i], NULL);
    g_assert_true(o->connected);
    g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
    g_assert_true(o->relayed);
    g_assert_cmpuint(o->relay_bytes, >, 50000);
  }
}

/* RTCP rides the same allocation: the phone's SDP asks for it on the relayed port (a=rtcp, RFC
 * 3605), so the PBX sends RTCP where the relay listens, not to the unallocated port + 1. */
static void
test_turn_rtcp_same_relay_port(void)
{
  g_autofree char *dir = g_dir_make_tmp("trav-XXXXXX", NULL);
  g_autoptr(CallOutcome) o = run_call(dir, "phone.profile=softphone-turn", "pbx.latching=off", NULL);
  g_assert_true(o->relayed);
  g_autofree char *trace = tu_read_file(dir, "trace.txt");
  const char *row = strstr(trace, "media pbx-media-call0 remote rtp=198.51.100.11:");
  g_assert_nonnull(row);
  guint rtp = 0, rtcp = 0;
  g_assert_cmpint(sscanf(row, "media pbx-media-call0 remote rtp=198.51.100.11:%u rtcp=198.51.100.11:%u", &rtp, &rtcp), ==, 2);
  g_assert_cmpuint(rtcp, ==, rtp);
  tu_rm_dir(dir);
}

static void
test_none_latching_two_way(void)
{
  g_autoptr(CallOutcome) o = run_call(NULL, "phone.profile=softphone", "phone.transport=udp", "nat.mapping=apdm",
                                      NULL);
  g_assert_cmpstr(o->traversal, ==, "none");
  g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
  g_assert_false(o->relayed);
}

/* ICE against a PBX without ICE: the agent gets no ICE attributes in the answer and falls back to
 * its default candidate, the relay (RFC 8445 §5.1.4, RFC 8839 §4.2.5). */
static void
test_ice_without_ice_pbx_falls_back(void)
{
  g_autoptr(CallOutcome) o = run_call(NULL, "phone.profile=softphone-ice", "pbx.latching=off", NULL);
  g_assert_cmpstr(o->traversal, ==, "ice");
  g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
  g_assert_cmpstr(o->local_cand, ==, "-");
  g_assert_true(o->relayed);
}

/* ICE with the ICE-lite PBX: checks from the host base complete; behind an EIM NAT the valid
 * pair's local candidate is the srflx one, behind a symmetric NAT a peer-reflexive one learnt from
 * the check's XOR-MAPPED-ADDRESS (RFC 8445 §7.2.5.3.1); media leaves the relay. */
static void
test_ice_lite_pbx_completes(void)
{
  static const struct {
    const char *mapping; /* nat.mapping */
    const char *local;   /* expected selected local candidate type */
  } cases[] = {{"nat.mapping=eim", "srflx"}, {"nat.mapping=apdm", "prflx"}};
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(CallOutcome) o = run_call(NULL, "phone.profile=softphone-ice", "pbx.profile=ice", cases[i].mapping,
                                        NULL);
    g_assert_cmpstr(o->traversal, ==, "ice");
    g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
    g_assert_cmpstr(o->ice_state, ==, "completed");
    g_assert_cmpstr(o->local_cand, ==, cases[i].local);
    g_assert_cmpstr(o->remote_cand, ==, "host");
    g_assert_cmpfloat(o->ice_time_s, >, 0);
    g_assert_false(o->relayed);
  }
}

/* RFC 8839 §4.3.4, §4.4.1.2.2: behind an EIM NAT the offer's default is the relayed candidate but
 * the selected pair is srflx -> host, so the controlling phone re-INVITEs with c=/m= on the srflx
 * address, only that candidate, a=remote-candidates and the same ufrag and pwd; the lite PBX keeps
 * its session (no restart, §4.4.1.1.1) and its media stream targets the srflx address.  Without a
 * relay (the TURN server does not answer) the default already is the srflx one: no re-INVITE. */
static void
test_ice_update_offer_after_nomination(void)
{
  static const struct {
    const char *extra;   /* extra assignment */
    gboolean update;     /* a re-INVITE is expected */
  } cases[] = {{"turn.udp_port=3478", TRUE}, {"turn.udp_port=0", FALSE}};
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *dir = g_dir_make_tmp("traversal-XXXXXX", NULL);
    g_autoptr(CallOutcome) o = run_call(dir, "phone.profile=softphone-ice", "pbx.profile=ice", "nat.mapping=eim",
                                        cases[i].extra, NULL);
    g_assert_cmpstr(o->ice_state, ==, "completed");
    g_assert_cmpstr(o->local_cand, ==, "srflx");
    g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
    g_assert_false(o->relayed);
    g_autofree char *trace = tu_read_file(dir, "trace.txt");
    guint rtp = trace_port_after(trace, "phone0 gathered call0 host=");
    g_autofree char *srflx = g_strdup_printf("203.0.113.2:%u", rtp); /* EIM keeps the port here */
    g_assert_nonnull(strstr(trace, srflx));
    g_autofree char *offer = tu_captured_sdp(dir, "isp-pbx.pcap", "INVITE sip:2000@", "1 INVITE");
    g_autofree char *update = tu_captured_sdp(dir, "isp-pbx.pcap", "INVITE sip:pbx@", "2 INVITE");
    g_assert_nonnull(offer);
    if (!cases[i].update) {
      g_assert_null(update);
      g_assert_null(strstr(trace, "update-offer"));
      g_assert_cmpuint(sdp_count(offer, "a=candidate:", NULL), ==, 2); /* host and srflx */
      tu_rm_dir(dir);
      continue;
    }
    g_assert_nonnull(update);
    g_autofree char *ufrag0 = NULL, *ufrag1 = NULL, *pwd0 = NULL, *pwd1 = NULL, *cand = NULL, *conn = NULL;
    g_autofree char *conn0 = NULL;
    sdp_count(offer, "c=", &conn0);
    g_assert_cmpstr(conn0, ==, "c=IN IP4 198.51.100.11"); /* the relayed default */
    g_assert_cmpuint(sdp_count(update, "a=ice-ufrag:", &ufrag1), ==, 1);
    sdp_count(offer, "a=ice-ufrag:", &ufrag0);
    sdp_count(offer, "a=ice-pwd:", &pwd0);
    sdp_count(update, "a=ice-pwd:", &pwd1);
    g_assert_cmpstr(ufrag1, ==, ufrag0);
    g_assert_cmpstr(pwd1, ==, pwd0);
    g_assert_cmpuint(sdp_count(update, "a=candidate:", &cand), ==, 1);
    g_autofree char *cand_addr = g_strdup_printf(" 203.0.113.2 %u typ srflx ", rtp);
    g_assert_nonnull(strstr(cand, cand_addr));
    sdp_count(update, "c=", &conn);
    g_assert_cmpstr(conn, ==, "c=IN IP4 203.0.113.2");
    g_autofree char *mline = g_strdup_printf("m=audio %u ", rtp);
    g_assert_nonnull(strstr(update, mline));
    g_assert_nonnull(strstr(update, "a=remote-candidates:1 203.0.113.20 10000\r\n"));
    /* The PBX: no restart, one lite agent, and the media stream on the srflx address afterwards. */
    const char *re = strstr(trace, "pbx ice call0 re-offer same ufrag: no restart");
    g_assert_nonnull(re);
    g_autofree char *target = g_strdup_printf("pbx media call0 remote=%s from-sdp", srflx);
    const char *moved = strstr(trace, target);
    g_assert_nonnull(moved);
    g_assert_nonnull(strstr(moved + 1, "re-offer same ufrag")); /* the re-INVITE's row follows */
    const char *lite = strstr(trace, "pbx ice call0 lite with");
    g_assert_nonnull(lite);
    g_assert_null(strstr(lite + 1, "pbx ice call0 lite with"));
    g_assert_null(strstr(trace, "restart-requested"));
    tu_rm_dir(dir);
  }
}

/* An inbound call with ICE: the lite PBX's offer carries a=ice-lite and its host candidate, the
 * phone gathers, answers with its candidates and controls (RFC 8445 §6.1.1: a full agent facing a
 * lite one); the PBX's agent takes the answer's parameters and the call completes two-way on the
 * reflexive pair. */
static void
test_ice_inbound_completes(void)
{
  g_autofree char *dir = g_dir_make_tmp("traversal-XXXXXX", NULL);
  g_autoptr(CallOutcome) o = run_call(dir, "phone.profile=softphone-ice", "pbx.profile=ice", "nat.mapping=eim",
                                      "call.outbound=false", "call.inbound_at_s=5", NULL);
  g_assert_cmpstr(o->direction, ==, "inbound");
  g_assert_cmpstr(o->traversal, ==, "ice");
  g_assert_cmpstr(o->ice_state, ==, "completed");
  g_assert_cmpstr(o->local_cand, ==, "srflx");
  g_assert_cmpstr(o->remote_cand, ==, "host");
  g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
  g_assert_false(o->relayed);
  g_autofree char *offer = tu_captured_sdp(dir, "pbx-isp.pcap", "INVITE sip:1001@", "1 INVITE");
  g_autofree char *answer = tu_captured_sdp(dir, "phone0-home.pcap", "SIP/2.0 200 OK", "1 INVITE");
  g_assert_nonnull(offer);
  g_assert_nonnull(answer);
  g_assert_cmpuint(sdp_count(offer, "a=ice-lite", NULL), ==, 1);
  g_assert_cmpuint(sdp_count(offer, "a=candidate:", NULL), ==, 1);
  g_assert_cmpuint(sdp_count(answer, "a=candidate:", NULL), ==, 3); /* host, srflx, relay */
  g_autofree char *trace = tu_read_file(dir, "trace.txt");
  g_assert_nonnull(strstr(trace, "ice phone0-call0 role controlling (peer is lite)"));
  g_assert_nonnull(strstr(trace, "pbx ice call0 lite with 3 remote candidates"));
  g_assert_nonnull(strstr(trace, "pbx ice call0 selected srflx"));
  tu_rm_dir(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/traversal/stun/eim-nat-two-way", test_stun_eim_two_way);
  g_test_add_func("/traversal/stun/apdm-nat-srflx-is-not-the-pbx-mapping", test_stun_apdm_fails);
  g_test_add_func("/traversal/turn/relays-both-ways-with-extra-delay", test_turn_relays);
  g_test_add_func("/traversal/turn/over-tcp-and-tls-relays-too", test_turn_over_streams);
  g_test_add_func("/traversal/turn/rtcp-on-the-same-relayed-port", test_turn_rtcp_same_relay_port);
  g_test_add_func("/traversal/none/latching-without-alg-two-way", test_none_latching_two_way);
  g_test_add_func("/traversal/ice/no-ice-pbx-falls-back-to-relay", test_ice_without_ice_pbx_falls_back);
  g_test_add_func("/traversal/ice/lite-pbx-completes-on-reflexive-pair", test_ice_lite_pbx_completes);
  g_test_add_func("/traversal/ice/update-offer-when-selected-is-not-default", test_ice_update_offer_after_nomination);
  g_test_add_func("/traversal/ice/inbound-call-phone-controls-lite-pbx", test_ice_inbound_completes);
  return g_test_run();
}
