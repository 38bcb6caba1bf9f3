/* test-alg-archetypes2.c — whole calls through the one-fault ALG archetypes of field-notes §4
 * (A4 hold releaser, A5 media-inactivity closer, A6 call-length killer, A7 TLS-blind, A8 fragment dropper) and the
 * seed guide's hypotheses (TLS corruptor, blocker and re-porter; a stateful-intermittent ALG that a
 * reboot clears), and the eero profile's locked ALG.  Each test shows the archetype's symptom in
 * the measured call outcome (receivers' counts, setup timer, registration) and a control — the
 * same call with router.alg=off, or the same ALG where its fault does not apply — that works.
 */
#include <string.h>
#include <glib/gstdio.h>

#include "call/scenario.h"
#include "test-util.h"

/* Run the scenario with these assignments (a NULL-terminated array), writing its trace into
 * trace_dir when not NULL; returns the outcomes. */
static GPtrArray *
run_traced(const char *const *args, const char *trace_dir)
{
  g_autoptr(Config) cfg = tu_config(NULL, NULL);
  for (gsize i = 0; args[i]; i++) {
    g_autoptr(GError) error = NULL;
    if (!cfg_set_arg(cfg, args[i], &error))
      g_error("%s: %s", args[i], error->message);
  }
  GPtrArray *out = NULL;
  g_autoptr(GError) error = NULL;
  ScenarioOptions opts = { .trace_dir = trace_dir };
  g_assert_true(scenario_run(cfg, &opts, &out, &error));
  g_assert_no_error(error);
  g_assert_nonnull(out);
  for (guint i = 0; i < out->len; i++) {
    CallOutcome *o = out->pdata[i];
    g_test_message("call %u %s: reg %d conn %d %s in %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
                   " out %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT " %s end %s reg_status %u: %s", i, o->direction,
                   o->registered, o->connected, audio_class_name(o->audio), o->in_recv, o->in_sent,
                   o->out_recv, o->out_sent, o->cause, o->end_cause ? o->end_cause : "-", o->reg_status, o->explanation);
  }
  return out;
}

static GPtrArray *
run_argv(const char *const *args)
{
  return run_traced(args, NULL);
}

/* Run with a router ALG followed by more assignments (NULL-terminated). */
static GPtrArray *
run_alg(const char *alg, ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(args, g_strdup_printf("router.alg=%s", alg));
  va_list ap;
  va_start(ap, alg);
  for (const char *a; (a = va_arg(ap, const char *));)
    g_ptr_array_add(args, g_strdup(a));
  va_end(ap);
  g_ptr_array_add(args, NULL);
  return run_argv((const char *const *)args->pdata);
}

static CallOutcome *
nth(GPtrArray *a, guint i)
{
  g_assert_cmpuint(a->len, >, i);
  return a->pdata[i];
}

/* Connected with two-way audio.  (Not asserting the registration: the ideal ALG's Contact rewrite
 * makes the phone miss its own Contact in the REGISTER's 200 OK, RFC 3261 §10.2.4, so under every
 * ALG built on it the phone counts itself unregistered, though the PBX routes calls to it.) */
static void
assert_call_ok(CallOutcome *o)
{
  g_assert_true(o->connected);
  g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
  g_assert_cmpstr(o->cause, ==, "ok");
}

/* Registered, connected, two-way (the router.alg=off controls). */
static void
assert_ok(CallOutcome *o)
{
  g_assert_true(o->registered);
  g_assert_true(o->connected);
  g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
  g_assert_cmpstr(o->cause, ==, "ok");
}

/* ---- A7 TLS-blind ---------------------------------------------------------------------------------- */

/* A naive PBX sends its RTP to the address in the phone's SDP.  Over UDP the ALG rewrites the SDP
 * and opens a pinhole, so the call is two-way; over TLS it reads nothing, so the PBX's RTP goes
 * to the private address and the phone hears nothing — unless the PBX latches. */
static void
test_tls_blind(void)
{
  g_autoptr(GPtrArray) udp = run_alg("tls-blind", "pbx.profile=naive", "phone.transport=udp", NULL);
  assert_call_ok(nth(udp, 0));
  g_autoptr(GPtrArray) tls = run_alg("tls-blind", "pbx.profile=naive", "phone.transport=tls", NULL);
  CallOutcome *o = nth(tls, 0);
  g_assert_true(o->registered);
  g_assert_true(o->connected);
  g_assert_cmpint(o->audio, ==, AUDIO_ONE_WAY_OUT);
  g_assert_cmpuint(o->in_sent, >, 500);
  g_assert_cmpuint(o->in_recv, ==, 0);
  g_assert_cmpstr(o->cause, ==, "no-audio-in");
  /* A latching media server finds the phone through its own RTP, pinhole or not. */
  g_autoptr(GPtrArray) latch = run_alg("tls-blind", "pbx.profile=nat-aware", "phone.transport=tls", NULL);
  assert_call_ok(nth(latch, 0));
}

/* ---- TLS corruptor, blocker, re-porter (hypotheses) ----------------------------------------------- */

/* With the ALG off the TLS phone registers and calls through the same NAT. */
static void
test_tls_control_off(void)
{
  g_autoptr(GPtrArray) r = run_alg("off", "pbx.profile=nat-aware", "phone.transport=tls", NULL);
  assert_ok(nth(r, 0));
}

/* Remove a flat directory of trace files. */
static void
remove_dir(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  for (const char *n; d && (n = g_dir_read_name(d));) {
    g_autofree char *f = g_build_filename(dir, n, NULL);
    g_remove(f);
  }
  g_rmdir(dir);
}

typedef struct {
  const char *alg;   /* router.alg */
  const char *trace; /* what the trace shows of the breakage */
} TlsBreaker;

/* Each TLS-breaking ALG leaves a TLS phone unregistered and unable to call, while the same ALG
 * passes the same phone over UDP; the trace shows how: the server's bad_record_mac alert, the
 * ALG's drops of the SYN, or the NAT filtering the answer from the wrong port. */
static void
test_tls_breaker(gconstpointer data)
{
  const TlsBreaker *t = data;
  g_autoptr(GPtrArray) udp = run_alg(t->alg, "pbx.profile=nat-aware", "phone.transport=udp", NULL);
  assert_call_ok(nth(udp, 0));
  g_autofree char *dir = g_dir_make_tmp("alg-tls-XXXXXX", NULL);
  g_assert_nonnull(dir);
  g_autofree char *alg = g_strdup_printf("router.alg=%s", t->alg);
  const char *args[] = { alg, "pbx.profile=nat-aware", "phone.transport=tls", NULL };
  g_autoptr(GPtrArray) tls = run_traced(args, dir);
  g_autofree char *path = g_build_filename(dir, "trace.txt", NULL);
  g_autofree char *trace = NULL;
  g_assert_true(g_file_get_contents(path, &trace, NULL, NULL));
  remove_dir(dir);
  g_assert_nonnull(strstr(trace, t->trace));
  CallOutcome *o = nth(tls, 0);
  g_assert_false(o->registered);
  g_assert_false(o->connected);
  g_assert_cmpint(o->audio, ==, AUDIO_NOT_SET_UP);
  g_assert_cmpuint(o->out_sent + o->in_sent, ==, 0);
  g_assert_cmpstr(o->cause, ==, "register-failed");
}

/* ---- A4 hold releaser ------------------------------------------------------------------------------ */

#define HOLD_RESUME "pbx.profile=naive", "call.duration_s=60", "call.hold_at_s=10", "call.resume_at_s=30"

/* Held at 10 s, resumed at 30 s: the resume gets a new public port, the PBX keeps the old SDP's,
 * so after the resume the phone hears nothing; what the phone sends still arrives. */
static void
test_hold_releaser_keep(void)
{
  g_autoptr(GPtrArray) r = run_alg("hold-releaser", HOLD_RESUME, "pbx.reinvite_media=keep", NULL);
  CallOutcome *o = nth(r, 0);
  g_assert_true(o->connected);
  g_assert_false(o->dropped);
  g_assert_cmpuint(o->in_recv, >, 400); /* the 10 s before the hold */
  g_assert_cmpuint(o->in_recv, <, 600);
  g_assert_cmpuint(o->in_sent, >, o->in_recv + 1000);
  g_assert_cmpuint(o->out_recv, >=, o->out_sent * 9 / 10);
  g_assert_cmpint(o->audio, ==, AUDIO_ONE_WAY_OUT);
  g_assert_cmpstr(o->cause, ==, "no-audio-in");
  g_assert_nonnull(strstr(o->explanation, "pbx.reinvite_media = keep"));
}

/* Controls: the PBX adopting the re-INVITE's SDP follows the new port; a latching PBX (handover)
 * follows the new source; the ideal ALG keeps the port, so keeping the old SDP is harmless; no
 * hold, no new port. */
static void
test_hold_releaser_controls(void)
{
  g_autoptr(GPtrArray) upd = run_alg("hold-releaser", HOLD_RESUME, "pbx.reinvite_media=update", NULL);
  assert_call_ok(nth(upd, 0));
  g_assert_null(strstr(nth(upd, 0)->explanation, ":4000 ")); /* a new public port after the resume */
  g_autoptr(GPtrArray) latch =
    run_alg("hold-releaser", HOLD_RESUME, "pbx.reinvite_media=keep", "pbx.latching=handover", NULL);
  assert_call_ok(nth(latch, 0));
  g_autoptr(GPtrArray) ideal = run_alg("ideal", HOLD_RESUME, "pbx.reinvite_media=keep", NULL);
  assert_call_ok(nth(ideal, 0));
  g_autoptr(GPtrArray) nohold =
    run_alg("hold-releaser", "pbx.profile=naive", "call.duration_s=40", "pbx.reinvite_media=keep", NULL);
  assert_call_ok(nth(nohold, 0));
}

/* ---- A5 media-inactivity closer -------------------------------------------------------------------- */

#define HOLD_CALL "pbx.profile=nat-aware", "call.duration_s=240", "call.hold_at_s=10"

/* Held for 170 s (the PBX sends nothing in), resumed at 180 s: the pinhole closed at 130 s, so the
 * phone hears nothing after the resume, though the call goes on to its hang-up. */
static void
test_media_inactivity_long_hold(void)
{
  g_autoptr(GPtrArray) r = run_alg("media-inactivity-closer", HOLD_CALL, "call.resume_at_s=180", NULL);
  CallOutcome *o = nth(r, 0);
  g_assert_true(o->connected);
  g_assert_false(o->dropped);
  /* About 10 s heard before the hold, nothing of the 60 s after the resume. */
  g_assert_cmpuint(o->in_recv, >, 400);
  g_assert_cmpuint(o->in_recv, <, 600);
  g_assert_cmpuint(o->in_sent, >, o->in_recv + 2500);
  g_assert_cmpuint(o->out_recv, >=, o->out_sent * 9 / 10);
  g_assert_cmpint(o->audio, ==, AUDIO_ONE_WAY_OUT);
}

/* Controls: the same hold with the ALG off, and a 50 s hold (under 120 s) with the ALG. */
static void
test_media_inactivity_controls(void)
{
  g_autoptr(GPtrArray) off = run_alg("off", HOLD_CALL, "call.resume_at_s=180", NULL);
  CallOutcome *o = nth(off, 0);
  g_assert_true(o->connected);
  g_assert_cmpuint(o->in_recv, >=, o->in_sent * 9 / 10);
  g_autoptr(GPtrArray) shorter = run_alg("media-inactivity-closer", HOLD_CALL, "call.resume_at_s=60", NULL);
  o = nth(shorter, 0);
  g_assert_true(o->connected);
  g_assert_cmpuint(o->in_recv, >=, o->in_sent * 9 / 10);
}

/* ---- A6 call-length killer ------------------------------------------------------------------------- */

/* alg.max_call_s=30 and a 90 s call: nothing of the call crosses the router after 30 s, so the
 * media stops both ways (two thirds of it lost) and the hang-up never reaches the PBX. */
static void
test_call_length_killer(void)
{
  g_autoptr(GPtrArray) r = run_alg("call-length-killer", "pbx.profile=nat-aware", "alg.max_call_s=30",
                                   "call.duration_s=90", NULL);
  CallOutcome *o = nth(r, 0);
  g_assert_true(o->connected);
  g_assert_cmpuint(o->in_recv, >, 1200);
  g_assert_cmpuint(o->in_recv, <, 1600);
  g_assert_cmpuint(o->out_recv, >, 1200);
  g_assert_cmpuint(o->out_recv, <, 1600);
  g_assert_cmpint(o->audio, ==, AUDIO_NONE);
  g_autoptr(GPtrArray) off = run_alg("off", "pbx.profile=nat-aware", "alg.max_call_s=30", "call.duration_s=90", NULL);
  assert_ok(nth(off, 0));
  g_autoptr(GPtrArray) longer = run_alg("call-length-killer", "pbx.profile=nat-aware", "alg.max_call_s=120",
                                        "call.duration_s=90", NULL);
  assert_call_ok(nth(longer, 0));
}

/* ---- Stateful-intermittent (hypothesis) ------------------------------------------------------------ */

#define THREE_CALLS "pbx.profile=nat-aware", "alg.intermittent_calls=1", "call.count=3", \
  "call.interval_s=60", "call.duration_s=10"

/* The signalling binding goes bad after one call: the second call's INVITE is dropped (Timer B);
 * a reboot at 100 s clears it and the third call works.  Without the reboot it fails too. */
static void
test_intermittent_reboot(void)
{
  g_autoptr(GPtrArray) r = run_alg("stateful-intermittent", THREE_CALLS, "router.reboot_at_s=100", NULL);
  assert_call_ok(nth(r, 0));
  CallOutcome *o = nth(r, 1);
  g_assert_false(o->connected);
  g_assert_cmpstr(o->setup_timer, ==, "timer B");
  assert_call_ok(nth(r, 2));
  g_autoptr(GPtrArray) noreboot = run_alg("stateful-intermittent", THREE_CALLS, NULL);
  assert_call_ok(nth(noreboot, 0));
  g_assert_false(nth(noreboot, 1)->connected);
  g_assert_false(nth(noreboot, 2)->connected);
  g_assert_cmpstr(nth(noreboot, 2)->setup_timer, ==, "timer B");
  g_autoptr(GPtrArray) off = run_alg("off", THREE_CALLS, NULL);
  for (guint i = 0; i < 3; i++)
    assert_ok(nth(off, i));
}

/* The age knob: with alg.intermittent_after_s=50 the signalling binding (made by the REGISTER at
 * 0 s and kept by keepalives) is fine for the call at 2 s and bad for the call at 62 s. */
static void
test_intermittent_age(void)
{
  g_autoptr(GPtrArray) r = run_alg("stateful-intermittent", "pbx.profile=nat-aware", "alg.intermittent_calls=0",
                                   "alg.intermittent_after_s=50", "call.count=2", "call.interval_s=60",
                                   "call.duration_s=10", NULL);
  assert_call_ok(nth(r, 0));
  g_assert_false(nth(r, 1)->connected);
  g_assert_cmpstr(nth(r, 1)->setup_timer, ==, "timer B");
}

/* ---- A8 fragment dropper --------------------------------------------------------------------------- */

/* A 600-digit callee makes the INVITE (Request-URI, To, Authorization uri=) about 2.5 kB.  Sent
 * over UDP as it is (sip.udp_max_bytes=0) it leaves the phone in fragments, which the ALG drops:
 * Timer B.  With RFC 3261 §18.1.1's 1300-byte rule it goes over TCP and the call works; with the
 * ALG off the fragmented UDP INVITE gets through too. */
static void
test_fragment_dropper(void)
{
  g_autofree char *digits = g_strnfill(600, '7');
  g_autofree char *callee = g_strdup_printf("call.callee=%s", digits);
  g_autoptr(GPtrArray) udp = run_alg("fragment-dropper", "pbx.profile=nat-aware", callee, "sip.udp_max_bytes=0", NULL);
  CallOutcome *o = nth(udp, 0);
  g_assert_false(o->connected);
  g_assert_cmpstr(o->setup_timer, ==, "timer B");
  g_assert_cmpint(o->audio, ==, AUDIO_NOT_SET_UP);
  g_autoptr(GPtrArray) tcp = run_alg("fragment-dropper", "pbx.profile=nat-aware", callee, "sip.udp_max_bytes=1300", NULL);
  assert_call_ok(nth(tcp, 0));
  g_autoptr(GPtrArray) off = run_alg("off", "pbx.profile=nat-aware", callee, "sip.udp_max_bytes=0", NULL);
  assert_ok(nth(off, 0));
}

/* ---- Router profiles ------------------------------------------------------------------------------- */

/* The eero archetype cannot switch its ALG off: the scenario refuses router.alg=off naming the
 * key; bridge mode (no home router) places the call. */
static void
test_eero_alg_locked(void)
{
  g_autoptr(Config) cfg = tu_config(NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(cfg_set_arg(cfg, "router.profile=eero", &error));
  g_assert_true(cfg_set_arg(cfg, "router.alg=off", &error));
  GPtrArray *out = NULL;
  g_assert_false(scenario_run(cfg, NULL, &out, &error));
  g_assert_null(out);
  g_assert_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE);
  g_assert_nonnull(strstr(error->message, "[router] alg_locked"));
  g_clear_error(&error);
  g_assert_true(cfg_set_arg(cfg, "topology.mode=bypass", &error));
  g_assert_true(cfg_set_arg(cfg, "pbx.profile=nat-aware", &error));
  g_assert_true(scenario_run(cfg, NULL, &out, &error));
  g_assert_no_error(error);
  assert_ok(nth(out, 0));
  g_ptr_array_unref(out);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/alg/tls-blind/tls-call-naive-pbx-no-audio-in-udp-or-latching-two-way", test_tls_blind);
  g_test_add_func("/alg/tls/control-alg-off-tls-call-works", test_tls_control_off);
  static const TlsBreaker breakers[] = {
    { "tls-corruptor", "tx alert level=2 bad_record_mac" },
    { "tls-blocker", "home drop alg tcp 203.0.113.2:" },
    { "tls-reporter", "home drop filtered tcp 203.0.113.10:5060 -> 203.0.113.2:" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(breakers); i++) {
    g_autofree char *path = g_strdup_printf("/alg/%s/tls-phone-cannot-register-udp-works", breakers[i].alg);
    g_test_add_data_func(path, &breakers[i], test_tls_breaker);
  }
  g_test_add_func("/alg/hold-releaser/resume-new-port-pbx-keeps-old-sdp-one-way", test_hold_releaser_keep);
  g_test_add_func("/alg/hold-releaser/controls-update-latching-ideal-no-hold", test_hold_releaser_controls);
  g_test_add_func("/alg/media-inactivity-closer/hold-170s-no-audio-in-after-resume", test_media_inactivity_long_hold);
  g_test_add_func("/alg/media-inactivity-closer/controls-alg-off-and-hold-50s-hear", test_media_inactivity_controls);
  g_test_add_func("/alg/call-length-killer/media-stops-at-max-call", test_call_length_killer);
  g_test_add_func("/alg/stateful-intermittent/fails-after-one-call-until-reboot", test_intermittent_reboot);
  g_test_add_func("/alg/stateful-intermittent/fails-once-binding-older-than-knob", test_intermittent_age);
  g_test_add_func("/alg/fragment-dropper/large-udp-invite-timer-b-tcp-works", test_fragment_dropper);
  g_test_add_func("/alg/profile/eero-refuses-alg-off-bridge-mode-works", test_eero_alg_locked);
  return g_test_run();
}
