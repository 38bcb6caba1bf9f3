/* test-traversal-alg.c — what the routers' SIP ALGs do to NAT traversal (issue 6, item 4).
 *
 * An ALG edits SIP: the linux one (nf_nat_sip/nf_nat_sdp) rewrites c=/m= only when they name the
 * phone's private address and never touches a=candidate lines; wrong-media-port moves every m=
 * port; proxy-style and ideal rewrite what names the phone.  None of them looks at STUN or TURN
 * (they act on the SIP port only), so gathering and relaying work behind every one of them.  When
 * the ALG rewrites c=/m= but not the candidates, the ICE-lite PBX finds the default destination in
 * none of the candidates and answers a=ice-mismatch (RFC 8839 §4.2.5): the call falls back to
 * plain RFC 3264 media and the PBX's latching.  Assertions read the outcome record, the trace and
 * the SDP bytes captured on the phone's and the PBX's links (the pcaps of ScenarioOptions.trace_dir).
 */
#include <glib/gstdio.h>
#include <string.h>

#include "alg/alg.h"
#include "call/scenario.h"
#include "test-util.h"

/* Run one call with its trace (and pcaps) in `dir`; assignments are NULL-terminated. */
static CallOutcome *
run_call(const char *dir, const char *first, ...)
{
  g_autoptr(Config) cfg = tu_config("call.duration_s=12", "pbx.profile=ice", "nat.mapping=eim", NULL);
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
  g_assert_true(scenario_run(cfg, &opts, &out, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(out->len, ==, 1);
  CallOutcome *o = g_ptr_array_steal_index(out, 0);
  g_ptr_array_unref(out);
  g_test_message("%s %s ice=%s %s->%s relayed=%d relay_bytes=%lu: %s", o->traversal, audio_class_name(o->audio),
                 o->ice_state, o->local_cand, o->remote_cand, o->relayed, (gulong)o->relay_bytes, o->explanation);
  return o;
}

/* The SDP lines that start with `prefix`, one per line, in order. */
static char *
sdp_lines(const char *sdp, const char *prefix)
{
  GString *out = g_string_new(NULL);
  g_auto(GStrv) lines = g_strsplit(sdp, "\r\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix(lines[i], prefix))
      g_string_append_printf(out, "%s\n", lines[i]);
  return g_string_free(out, FALSE);
}

/* (a) The linux ALG, default = the relayed candidate: c=/m= name no private address, so the ALG
 * leaves them, and it leaves the candidate lines too, the private host candidate included.  ICE
 * then completes on the reflexive pair as without an ALG. */
static void
test_linux_leaves_candidates(void)
{
  g_autofree char *dir = g_dir_make_tmp("trav-alg-XXXXXX", NULL);
  g_autoptr(CallOutcome) o = run_call(dir, "router.alg=linux", "phone.profile=softphone-ice", NULL);
  g_autofree char *sent = tu_captured_sdp(dir, "phone0-home.pcap", "INVITE sip:2000@", "1 INVITE");
  g_autofree char *got = tu_captured_sdp(dir, "isp-pbx.pcap", "INVITE sip:2000@", "1 INVITE");
  g_assert_nonnull(sent);
  g_assert_nonnull(got);
  g_autofree char *cand_sent = sdp_lines(sent, "a=candidate:");
  g_autofree char *cand_got = sdp_lines(got, "a=candidate:");
  g_assert_nonnull(strstr(cand_got, " 192.168.1.50 ")); /* the private host candidate, as written */
  g_assert_nonnull(strstr(cand_got, "typ relay"));
  g_assert_cmpstr(cand_got, ==, cand_sent);
  g_autofree char *c_sent = sdp_lines(sent, "c=");
  g_autofree char *c_got = sdp_lines(got, "c=");
  g_assert_cmpstr(c_got, ==, c_sent); /* the relay address is not the phone's: untouched */
  g_assert_null(strstr(c_got, "192.168.1.50"));
  g_assert_cmpstr(o->ice_state, ==, "completed");
  g_assert_cmpstr(o->local_cand, ==, "srflx");
  g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
  g_assert_false(o->relayed);
  tu_rm_dir(dir);
}

/* (a) The linux ALG, default = the host candidate (gathering cut off after 1 ms, so the offer
 * carries only the host candidate and names it in c=/m=): the ALG rewrites c= to the public address
 * (nf_nat_sdp_addr) but leaves the candidate lines, so the default destination is none of the
 * candidates; the ICE-lite PBX answers a=ice-mismatch (RFC 8839 §4.2.5), the phone drops ICE and
 * the call's audio is whatever plain SDP plus latching give: two-way here, not relayed. */
static void
test_linux_rewrite_causes_mismatch(void)
{
  g_autofree char *dir = g_dir_make_tmp("trav-alg-XXXXXX", NULL);
  g_autoptr(CallOutcome) o = run_call(dir, "router.alg=linux", "phone.profile=softphone-ice",
                                      "phone.gather_timeout_ms=1", NULL);
  g_autofree char *sent = tu_captured_sdp(dir, "phone0-home.pcap", "INVITE sip:2000@", "1 INVITE");
  g_autofree char *got = tu_captured_sdp(dir, "isp-pbx.pcap", "INVITE sip:2000@", "1 INVITE");
  g_autofree char *answer = tu_captured_sdp(dir, "pbx-isp.pcap", "SIP/2.0 200 OK", "1 INVITE");
  g_assert_nonnull(sent);
  g_assert_nonnull(got);
  g_assert_nonnull(answer);
  g_autofree char *c_sent = sdp_lines(sent, "c=");
  g_autofree char *c_got = sdp_lines(got, "c=");
  g_assert_cmpstr(c_sent, ==, "c=IN IP4 192.168.1.50\n");
  g_assert_cmpstr(c_got, ==, "c=IN IP4 203.0.113.2\n"); /* rewritten to the NAT's public address */
  g_autofree char *cand_sent = sdp_lines(sent, "a=candidate:");
  g_autofree char *cand_got = sdp_lines(got, "a=candidate:");
  g_assert_cmpstr(cand_got, ==, cand_sent); /* candidates untouched ... */
  g_assert_nonnull(strstr(cand_got, " 192.168.1.50 "));
  g_assert_null(strstr(cand_got, "typ srflx")); /* ... and only the host one */
  g_assert_null(strstr(cand_got, "typ relay"));
  g_assert_nonnull(strstr(answer, "a=ice-mismatch\r\n"));
  g_assert_null(strstr(answer, "a=candidate:"));
  g_autofree char *trace = tu_read_file(dir, "trace.txt");
  g_assert_nonnull(strstr(trace, "pbx ice call0 mismatch"));
  g_assert_nonnull(strstr(trace, "phone0 ice call0 peer-mismatch fallback"));
  g_assert_nonnull(strstr(trace, "media pbx-media-call0 latch remote=203.0.113.2:"));
  g_assert_cmpstr(o->ice_state, !=, "completed");
  g_assert_cmpstr(o->local_cand, ==, "-");
  g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY); /* plain SDP (rewritten) and latching */
  g_assert_false(o->relayed);
  tu_rm_dir(dir);
}

/* (b) STUN and TURN pass every ALG untouched (the ALGs parse the SIP port only): the srflx Binding
 * and the TURN allocation succeed, relayed media flows both ways, and no ALG row names the STUN or
 * TURN traffic.  What an ALG still breaks is the SDP: classic STUN's srflx m= port moved by
 * wrong-media-port maps to nothing (one-way), while TURN's relay needs no inbound NAT mapping. */
static void
test_stun_turn_pass_every_alg(void)
{
  static const struct {
    const char *alg;      /* router.alg */
    AudioClass stun_audio; /* classic STUN: what the ALG's SDP edit leaves of the audio */
  } cases[] = {
    {"router.alg=linux", AUDIO_TWO_WAY},
    {"router.alg=ideal", AUDIO_TWO_WAY},
    /* The Binding passes, but the ALG moves the srflx m= port to one with no mapping. */
    {"router.alg=wrong-media-port", AUDIO_ONE_WAY_OUT},
    {"router.alg=proxy-style", AUDIO_TWO_WAY},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *dir = g_dir_make_tmp("trav-alg-XXXXXX", NULL);
    g_autoptr(CallOutcome) o = run_call(dir, cases[i].alg, "phone.profile=softphone-turn", NULL);
    g_assert_cmpstr(o->traversal, ==, "turn");
    g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
    g_assert_true(o->relayed);
    g_assert_cmpuint(o->relay_bytes, >, (o->in_recv + o->out_recv) * 160);
    g_autofree char *trace = tu_read_file(dir, "trace.txt");
    g_assert_nonnull(strstr(trace, "phone0 traversal call0 media via relay to 203.0.113.20:"));
    g_assert_null(strstr(trace, "relay-failed"));
    g_auto(GStrv) rows = g_strsplit(trace, "\n", -1);
    for (guint r = 0; rows[r]; r++)
      if (strstr(rows[r], " alg "))
        g_assert_null(strstr(rows[r], "3478"));
    tu_rm_dir(dir);
    /* The server-reflexive Binding too: classic STUN traversal learns the mapping and, with no
     * latching at the PBX, gets two-way audio from it alone. */
    g_autofree char *sdir = g_dir_make_tmp("trav-alg-XXXXXX", NULL);
    g_autoptr(CallOutcome) s = run_call(sdir, cases[i].alg, "phone.profile=softphone-stun", "pbx.latching=off", NULL);
    g_autofree char *strace = tu_read_file(sdir, "trace.txt");
    g_assert_nonnull(strstr(strace, "phone0 srflx call0 203.0.113.2:"));
    g_assert_cmpint(s->audio, ==, cases[i].stun_audio);
    tu_rm_dir(sdir);
  }
}

/* Every registered ALG, on an ICE call against the ICE-lite PBX: the a=candidate lines that reach
 * the PBX are the ones the phone sent (no built-in ALG parses them; RFC 8839 §5.1 lines are not
 * among the fields nf_nat_sip or the archetypes rewrite), and no ALG acts on the STUN or TURN
 * traffic on port 3478. */
static void
test_every_alg_leaves_candidates(void)
{
  for (const AlgOps *const *a = alg_list(); *a; a++) {
    if (g_str_equal((*a)->name, "off"))
      continue;
    g_autofree char *alg = g_strdup_printf("router.alg=%s", (*a)->name);
    g_autofree char *dir = g_dir_make_tmp("trav-alg-XXXXXX", NULL);
    g_autoptr(CallOutcome) o = run_call(dir, alg, "phone.profile=softphone-ice", "pbx.profile=ice", NULL);
    g_autofree char *sent = tu_captured_sdp(dir, "phone0-home.pcap", "INVITE sip:2000@", "1 INVITE");
    g_autofree char *got = tu_captured_sdp(dir, "isp-pbx.pcap", "INVITE sip:2000@", "1 INVITE");
    g_test_message("%s: audio %s ice %s", (*a)->name, audio_class_name(o->audio), o->ice_state);
    g_assert_nonnull(sent);
    if (got) { /* an ALG that drops the INVITE (fragment-dropper) leaves nothing to compare */
      g_autofree char *cand_sent = sdp_lines(sent, "a=candidate:");
      g_autofree char *cand_got = sdp_lines(got, "a=candidate:");
      g_assert_cmpstr(cand_got, ==, cand_sent);
    }
    g_autofree char *trace = tu_read_file(dir, "trace.txt");
    g_auto(GStrv) rows = g_strsplit(trace, "\n", -1);
    for (guint r = 0; rows[r]; r++)
      if (strstr(rows[r], " alg "))
        g_assert_null(strstr(rows[r], ":3478"));
    tu_rm_dir(dir);
  }
}

/* (c) wrong-media-port with the ICE phone and the ICE PBX: the default is the relayed candidate,
 * whose address is not the phone's, so c= stays, but the ALG moves the m= port by its offset; the
 * candidates are unchanged, so c=/m= is none of them and the PBX answers a=ice-mismatch.  The phone
 * falls back to its default candidate, the relay; the PBX first sends to the wrong relay port
 * (nothing is allocated there), then its latching finds the relay's real port from the phone's
 * relayed RTP: two-way through the relay, without ICE. */
static void
test_wrong_media_port_mismatch_falls_back_to_relay(void)
{
  g_autofree char *dir = g_dir_make_tmp("trav-alg-XXXXXX", NULL);
  g_autoptr(CallOutcome) o = run_call(dir, "router.alg=wrong-media-port", "phone.profile=softphone-ice", NULL);
  g_autofree char *sent = tu_captured_sdp(dir, "phone0-home.pcap", "INVITE sip:2000@", "1 INVITE");
  g_autofree char *got = tu_captured_sdp(dir, "isp-pbx.pcap", "INVITE sip:2000@", "1 INVITE");
  g_autofree char *answer = tu_captured_sdp(dir, "pbx-isp.pcap", "SIP/2.0 200 OK", "1 INVITE");
  g_assert_nonnull(sent);
  g_assert_nonnull(got);
  g_assert_nonnull(answer);
  g_autofree char *cand_sent = sdp_lines(sent, "a=candidate:");
  g_autofree char *cand_got = sdp_lines(got, "a=candidate:");
  g_assert_cmpstr(cand_got, ==, cand_sent);
  g_autofree char *m_sent = sdp_lines(sent, "m=");
  g_autofree char *m_got = sdp_lines(got, "m=");
  g_assert_cmpstr(m_got, !=, m_sent);
  g_autofree char *c_sent = sdp_lines(sent, "c=");
  g_autofree char *c_got = sdp_lines(got, "c=");
  g_assert_cmpstr(c_got, ==, c_sent); /* the relay address */
  g_assert_nonnull(strstr(answer, "a=ice-mismatch\r\n"));
  g_autofree char *trace = tu_read_file(dir, "trace.txt");
  g_assert_nonnull(strstr(trace, "alg wrong-media-port m= "));
  g_assert_nonnull(strstr(trace, "pbx ice call0 mismatch"));
  g_assert_nonnull(strstr(trace, "media pbx-media-call0 latch remote=198.51.100.11:"));
  g_assert_cmpstr(o->ice_state, !=, "completed");
  g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
  g_assert_true(o->relayed);
  tu_rm_dir(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/traversal-alg/linux/leaves-candidates-and-relay-default", test_linux_leaves_candidates);
  g_test_add_func("/traversal-alg/linux/rewritten-host-default-is-ice-mismatch", test_linux_rewrite_causes_mismatch);
  g_test_add_func("/traversal-alg/every-alg/stun-and-turn-pass-untouched", test_stun_turn_pass_every_alg);
  g_test_add_func("/traversal-alg/every-alg/candidate-lines-reach-the-pbx-unchanged", test_every_alg_leaves_candidates);
  g_test_add_func("/traversal-alg/wrong-media-port/mismatch-falls-back-to-relay",
                  test_wrong_media_port_mismatch_falls_back_to_relay);
  return g_test_run();
}
