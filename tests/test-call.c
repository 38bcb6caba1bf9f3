/* test-call.c — whole calls through the home network with the ALG off (the item 9): the
 * phone and PBX profiles decide whether the phone hears anything, whether an inbound call reaches
 * it, and whether a call survives its session refresh and its ACK.  Every assertion reads the
 * measured outcome record (receivers' counts, session reports), never the configuration.  Also
 * `algsim call --json` and `--trace DIR` end to end, with tshark decoding the pcaps. */
#include <string.h>
#include <glib/gstdio.h>
#include <sys/wait.h>

#include "call/scenario.h"
#include "test-util.h"

/* Run the scenario with these assignments (NULL-terminated); returns the outcomes. */
static GPtrArray *
run_with(const char *first, ...)
{
  g_autoptr(Config) cfg = tu_config(NULL, NULL);
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
  g_assert_true(scenario_run(cfg, NULL, &out, &error));
  g_assert_no_error(error);
  g_assert_nonnull(out);
  for (guint i = 0; i < out->len; i++) {
    CallOutcome *o = out->pdata[i];
    g_test_message("call %u %s: %s %s: %s", i, o->direction, audio_class_name(o->audio), o->cause, o->explanation);
  }
  return out;
}

static CallOutcome *
nth(GPtrArray *a, guint i)
{
  g_assert_cmpuint(a->len, >, i);
  return a->pdata[i];
}

/* Plain NAT + naive PBX: the PBX sends RTP to the SDP's private address; the phone's voice gets
 * out, the PBX's never comes in. */
static void
test_naive_outbound(void)
{
  g_autoptr(GPtrArray) r = run_with("pbx.profile=naive", "phone.profile=desk-phone", NULL);
  CallOutcome *o = nth(r, 0);
  g_assert_true(o->registered);
  g_assert_true(o->connected);
  g_assert_cmpuint(o->final_status, ==, 200);
  g_assert_cmpint(o->audio, ==, AUDIO_ONE_WAY_OUT);
  g_assert_cmpuint(o->in_sent, >, 500);
  g_assert_cmpuint(o->in_recv, ==, 0);
  g_assert_cmpuint(o->out_recv, >=, o->out_sent * 9 / 10);
  g_assert_cmpstr(o->cause, ==, "no-audio-in");
  g_assert_nonnull(strstr(o->explanation, "192.168.1.50:4000"));
  g_assert_nonnull(strstr(o->explanation, "private"));
  g_assert_false(o->dropped);
}

static void
test_nat_aware_two_way(void)
{
  g_autoptr(GPtrArray) r = run_with("pbx.profile=nat-aware", "phone.profile=desk-phone", NULL);
  CallOutcome *o = nth(r, 0);
  g_assert_true(o->connected);
  g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
  g_assert_cmpstr(o->cause, ==, "ok");
  g_assert_cmpfloat(o->mos_in, >, 4.0);
  g_assert_cmpfloat(o->mos_out, >, 4.0);
}

/* UDP timeout 30 s: a 60 s keepalive leaves the phone's SIP binding dead half the time.  The
 * router here allocates external ports at random (as many non-Linux routers and CGNs do), so the
 * binding the keepalive re-creates has a new port that the registrar does not know: the INVITE
 * five minutes later goes to the old port and the NAT drops it until Timer B.  (A router that
 * preserves ports re-creates the same mapping, and the INVITE's retransmissions get through after
 * the next keepalive.)  The PBX's own pings are off so that only the phone keeps the binding. */
#define INBOUND_300 "pbx.profile=nat-aware", "pbx.ping_interval_s=0", "pbx.forced_expires_s=0", \
  "nat.udp_timeout_s=30", "nat.port_alloc=random", "call.outbound=false", "call.inbound_at_s=300"

static void
test_keepalive_60_fails(void)
{
  g_autoptr(GPtrArray) r = run_with(INBOUND_300, "phone.keepalive_s=60", NULL);
  CallOutcome *o = nth(r, 0);
  g_assert_cmpstr(o->direction, ==, "inbound");
  g_assert_true(o->registered);
  g_assert_false(o->connected);
  g_assert_cmpstr(o->setup_timer, ==, "timer B");
  g_assert_cmpint(o->audio, ==, AUDIO_NOT_SET_UP);
  g_assert_cmpstr(o->cause, ==, "inbound-unreachable");
  g_assert_nonnull(strstr(o->explanation, "no binding"));
}

static void
test_keepalive_25_connects(gconstpointer method)
{
  g_autofree char *m = g_strdup_printf("phone.keepalive_method=%s", (const char *)method);
  g_autoptr(GPtrArray) r = run_with(INBOUND_300, "phone.keepalive_s=25", m, NULL);
  CallOutcome *o = nth(r, 0);
  g_assert_true(o->connected);
  g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
  g_assert_cmpstr(o->cause, ==, "ok");
}

/* The phone on the modem with a public address: even the naive PBX works. */
static void
test_bypass(void)
{
  g_autoptr(GPtrArray) r = run_with("topology.mode=bypass", "pbx.profile=naive", NULL);
  CallOutcome *o = nth(r, 0);
  g_assert_true(o->connected);
  g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
  g_assert_cmpstr(o->cause, ==, "ok");
}

/* The PBX refreshes an inbound call (it is the UAC, RFC 4028 §7.1) every 45 s; the phone sends no
 * keepalives and its SIP binding dies 30 s after the call's last SIP packet, so the refresh
 * re-INVITE is dropped and the call ends. */
static void
test_refresh_expired_binding(void)
{
  g_autoptr(GPtrArray) r = run_with("pbx.profile=nat-aware", "pbx.ping_interval_s=0", "pbx.forced_expires_s=0",
                                    "nat.udp_timeout_s=30", "phone.keepalive_s=0", "sip.session_expires_s=90",
                                    "call.outbound=false", "call.inbound_at_s=5", "call.duration_s=150", NULL);
  CallOutcome *o = nth(r, 0);
  g_assert_true(o->connected);
  g_assert_true(o->dropped);
  g_assert_cmpstr(o->cause, ==, "dropped-session-refresh");
  /* Answered at about 3 s; refresh due at 3 + 45 s; the phone's session expires at 3 + 60 s. */
  g_assert_cmpfloat(o->drop_time_s, >, 3 + 45);
  g_assert_cmpfloat(o->drop_time_s, <, 3 + 45 + 32 + 1);
  g_assert_nonnull(strstr(o->explanation, "refresh"));
  g_assert_nonnull(strstr(o->explanation, "home NAT dropped"));
}

/* The PBX finds the phone through the REGISTER's flow but sends the ACK to the 200's Contact
 * (the phone's private address: no Contact fix-up), so the phone ends the call at Timer H. */
static void
test_lost_ack_timer_h(void)
{
  g_autoptr(GPtrArray) r = run_with("pbx.profile=nat-aware", "pbx.fix_contact=false", "call.outbound=false",
                                    "call.inbound_at_s=5", "call.duration_s=60", NULL);
  CallOutcome *o = nth(r, 0);
  g_assert_true(o->connected);
  g_assert_true(o->dropped);
  g_assert_cmpstr(o->cause, ==, "dropped-ack-timeout");
  g_assert_nonnull(strstr(o->end_cause, "timer H"));
  /* 64*T1 = 32 s after the 200 OK, which went out at setup_time after the INVITE. */
  g_assert_cmpfloat(o->drop_time_s - o->setup_time_s, >, 31.9);
  g_assert_cmpfloat(o->drop_time_s - o->setup_time_s, <, 32.2);
}

static void
test_transports(void)
{
  const char *nets[] = {"udp", "tcp", "tls"};
  for (gsize i = 0; i < G_N_ELEMENTS(nets); i++) {
    g_autofree char *t = g_strdup_printf("phone.transport=%s", nets[i]);
    g_autoptr(GPtrArray) r = run_with("pbx.profile=nat-aware", t, "call.inbound_at_s=30", "call.duration_s=10", NULL);
    g_assert_cmpuint(r->len, ==, 2);
    for (guint k = 0; k < r->len; k++) {
      CallOutcome *o = nth(r, k);
      g_assert_true(o->registered);
      g_assert_true(o->connected);
      g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
      g_assert_cmpstr(o->cause, ==, "ok");
    }
  }
}

/* The softphone profile: TLS + SRTP, random ports, hold and resume within the call. */
static void
test_softphone_hold(void)
{
  g_autoptr(GPtrArray) r = run_with("pbx.profile=nat-aware", "phone.profile=softphone", "call.duration_s=10",
                                    "call.hold_at_s=4", "call.resume_at_s=7", NULL);
  CallOutcome *o = nth(r, 0);
  g_assert_true(o->connected);
  g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
  /* The PBX answered the hold (a=sendonly) by not sending for about 3 s of the 9 s. */
  g_assert_cmpuint(o->in_sent, <, o->out_sent * 8 / 10);
}

/* A wrong password: the registrar keeps answering 401, and the PBX refuses calls from a phone
 * that is not registered. */
static void
test_register_failed(void)
{
  g_autoptr(GPtrArray) r = run_with("pbx.profile=nat-aware", "phone.password=wrong", NULL);
  CallOutcome *o = nth(r, 0);
  g_assert_false(o->registered);
  g_assert_cmpuint(o->reg_status, ==, 401);
  g_assert_false(o->connected);
  g_assert_cmpuint(o->final_status, ==, 403);
  g_assert_cmpstr(o->cause, ==, "register-failed");
}

/* Same seed, same configuration: byte-identical traces (design: deterministic runs). */
static void
test_deterministic_trace(void)
{
  g_autoptr(Config) cfg = tu_config("pbx.profile=nat-aware", "call.duration_s=4", "call.inbound_at_s=10", NULL);
  char *texts[2] = {NULL, NULL};
  for (int i = 0; i < 2; i++) {
    g_autofree char *dir = g_dir_make_tmp("calldetXXXXXX", NULL);
    ScenarioOptions opts = {.trace_dir = dir};
    GPtrArray *out = NULL;
    g_autoptr(GError) error = NULL;
    g_assert_true(scenario_run(cfg, &opts, &out, &error));
    g_ptr_array_unref(out);
    g_autofree char *p = g_build_filename(dir, "trace.txt", NULL);
    g_assert_true(g_file_get_contents(p, &texts[i], NULL, NULL));
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    for (const char *n; d && (n = g_dir_read_name(d));) {
      g_autofree char *f = g_build_filename(dir, n, NULL);
      g_unlink(f);
    }
    g_rmdir(dir);
  }
  g_assert_cmpuint(strlen(texts[0]), >, 1000);
  g_assert_cmpstr(texts[0], ==, texts[1]);
  g_free(texts[0]);
  g_free(texts[1]);
}

/* ---- The program ------------------------------------------------------------------------------ */

static int
run_algsim(char **out, const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (gpointer)g_getenv("ALGSIM"));
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add(argv, (gpointer)args[i]);
  g_ptr_array_add(argv, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int ws = 0;
  g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, &err, &ws, &error));
  g_assert_no_error(error);
  if (err && *err)
    g_test_message("stderr: %s", err);
  g_assert_true(WIFEXITED(ws));
  return WEXITSTATUS(ws);
}

static void
test_cli_json(void)
{
  g_autofree char *out = NULL;
  const char *args[] = {"call", "--set", "pbx.profile=naive", "--json", NULL};
  g_assert_cmpint(run_algsim(&out, args), ==, 0);
  g_assert_nonnull(strstr(out, "\"one-way-out\""));
  g_assert_nonnull(strstr(out, "\"no-audio-in\""));
  g_autofree char *bad = NULL;
  const char *bad_args[] = {"call", "--set", "pbx.latching=sometimes", NULL};
  g_assert_cmpint(run_algsim(&bad, bad_args), ==, 2);
}

static void
test_cli_trace(void)
{
  g_autofree char *dir = g_dir_make_tmp("calltraceXXXXXX", NULL);
  g_autofree char *out = NULL;
  const char *args[] = {"call", "--set", "pbx.profile=nat-aware", "--set", "call.duration_s=5", "--trace", dir, NULL};
  g_assert_cmpint(run_algsim(&out, args), ==, 0);
  const char *files[] = {"trace.txt", "ladder.txt", "ladder.svg", "timeline.txt", "timeline.svg",
                         "phone0-home.pcap", "pbx-isp.pcap"};
  for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
    g_autofree char *p = g_build_filename(dir, files[i], NULL);
    g_autofree char *text = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(p, &text, &len, NULL));
    g_assert_cmpuint(len, >, 0);
  }
  g_autofree char *ladder = NULL;
  g_autofree char *lp = g_build_filename(dir, "ladder.txt", NULL);
  g_assert_true(g_file_get_contents(lp, &ladder, NULL, NULL));
  g_assert_nonnull(strstr(ladder, "INVITE"));
  g_assert_nonnull(strstr(ladder, "REGISTER"));
  if (tu_have_tshark()) {
    /* item 10: tshark decodes the phone's link as SIP/SDP/RTP/RTCP without malformed packets. */
    g_autofree char *pcap = g_build_filename(dir, "phone0-home.pcap", NULL);
    g_autofree char *targs = g_strdup_printf("-r %s -d udp.port==4000,rtp -d udp.port==4001,rtcp -T fields "
                                             "-e frame.protocols", pcap);
    g_autofree char *protos = tu_tshark(targs);
    g_assert_nonnull(strstr(protos, "sip"));
    g_assert_nonnull(strstr(protos, "sdp"));
    g_assert_nonnull(strstr(protos, "rtp"));
    g_assert_nonnull(strstr(protos, "rtcp"));
    g_assert_null(strstr(protos, "malformed"));
    /* Every link that carried the call: no frame tshark calls malformed. */
    const char *links[] = {"phone0-home.pcap", "home-isp.pcap", "pbx-isp.pcap", "remote-isp.pcap"};
    for (gsize i = 0; i < G_N_ELEMENTS(links); i++) {
      g_autofree char *lp2 = g_build_filename(dir, links[i], NULL);
      g_autofree char *margs = g_strdup_printf("-r %s -o rtp.heuristic_rtp:TRUE -Y _ws.malformed -T fields "
                                               "-e frame.number", lp2);
      g_autofree char *bad = tu_tshark(margs);
      g_assert_cmpstr(bad, ==, "");
    }
  }
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  for (const char *n; d && (n = g_dir_read_name(d));) {
    g_autofree char *p = g_build_filename(dir, n, NULL);
    g_unlink(p);
  }
  g_rmdir(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/call/naive-pbx-outbound-is-one-way-out", test_naive_outbound);
  g_test_add_func("/call/nat-aware-pbx-two-way", test_nat_aware_two_way);
  g_test_add_func("/call/keepalive-60s-vs-udp-timeout-30s-inbound-fails", test_keepalive_60_fails);
  g_test_add_data_func("/call/keepalive-25s-inbound-connects", "crlf", test_keepalive_25_connects);
  g_test_add_data_func("/call/keepalive-25s-options-inbound-connects", "options", test_keepalive_25_connects);
  g_test_add_data_func("/call/keepalive-25s-stun-inbound-connects", "stun", test_keepalive_25_connects);
  g_test_add_func("/call/bypass-two-way", test_bypass);
  g_test_add_func("/call/session-refresh-meets-expired-binding-drops-at-refresh", test_refresh_expired_binding);
  g_test_add_func("/call/lost-ack-path-ends-at-timer-h", test_lost_ack_timer_h);
  g_test_add_func("/call/udp-tcp-tls-succeed-through-nat", test_transports);
  g_test_add_func("/call/softphone-tls-srtp-hold-resume", test_softphone_hold);
  g_test_add_func("/call/wrong-password-register-failed-calls-refused", test_register_failed);
  g_test_add_func("/call/same-seed-same-trace", test_deterministic_trace);
  g_test_add_func("/call/cli/json-outcomes-and-bad-value-exit-2", test_cli_json);
  g_test_add_func("/call/cli/trace-writes-ladder-timeline-pcaps", test_cli_trace);
  return g_test_run();
}
