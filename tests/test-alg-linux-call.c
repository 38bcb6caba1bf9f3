/* test-alg-linux-call.c — the `linux` ALG (the kernel's nf_conntrack_sip + nf_nat_sip) in a whole
 * call through the simulated home router, with the naive and the nat-aware PBX.  The ALG rewrites
 * the phone's Contact and SDP to the public address and opens RTP pinholes, so even the naive PBX,
 * which trusts the SDP, reaches the phone: the ALG does the PBX's NAT work (the job ALGs were made
 * for).  Without the ALG the naive PBX gives one-way audio (tests/test-call.c).  Early media from the
 * PBX, before the phone's SDP passes, is shadowed by the router's own conntrack entry (#39). */
#include <string.h>

#include "call/outcome.h"
#include "call/scenario.h"
#include "test-util.h"

static void
test_linux_call(gconstpointer data)
{
  const char *pbx = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *set = g_strdup_printf("pbx.profile=%s", pbx);
  g_autoptr(Config) cfg = tu_config("router.alg=linux", set, "phone.transport=udp", NULL);
  GPtrArray *out = NULL;
  g_assert_true(scenario_run(cfg, NULL, &out, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(out->len, ==, 1);
  const CallOutcome *o = out->pdata[0];
  g_test_message("%s: %s", pbx, o->explanation ? o->explanation : "");
  g_assert_true(o->registered);
  g_assert_true(o->connected);
  g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
  g_assert_cmpstr(o->cause, ==, "ok");
  /* The PBX sent its RTP to the public address the ALG wrote into the SDP. */
  g_assert_nonnull(strstr(o->explanation, "203.0.113.2"));
  g_ptr_array_unref(out);
}

/* The same call with the ALG off and the naive PBX: the control, one-way audio. */
static void
test_control_off(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Config) cfg = tu_config("router.alg=off", "pbx.profile=naive", NULL);
  GPtrArray *out = NULL;
  g_assert_true(scenario_run(cfg, NULL, &out, &error));
  const CallOutcome *o = out->pdata[0];
  g_assert_cmpint(o->audio, ==, AUDIO_ONE_WAY_OUT);
  g_ptr_array_unref(out);
}

/* Over TCP the REGISTER's Contact reaches the registrar rewritten, and its 200 lists that public
 * Contact, not the phone's own.  A lenient phone (PJSIP's way) keeps the expiry and is registered;
 * a strict one (phone.register_strict_contact) counts it as a failure: a registration symptom of
 * the ALG that depends on the phone. */
static void
test_tcp_register_contact(gconstpointer data)
{
  gboolean strict = GPOINTER_TO_INT(data);
  g_autoptr(GError) error = NULL;
  g_autoptr(Config) cfg = tu_config("router.alg=linux", "pbx.profile=nat-aware", "phone.transport=tcp",
                                    strict ? "phone.register_strict_contact=true" : "phone.register_strict_contact=false",
                                    NULL);
  GPtrArray *out = NULL;
  g_assert_true(scenario_run(cfg, NULL, &out, &error));
  const CallOutcome *o = out->pdata[0];
  g_assert_cmpuint(o->reg_status, ==, 200);
  g_assert_cmpint(o->registered, ==, !strict);
  g_ptr_array_unref(out);
}

/* Early media (corpus #39, tests/data/linux-alg-extra): the PBX's media server starts sending to
 * the phone's public address at its RTP port with the INVITE (pbx.early_media_probe_s), before the
 * phone's answer SDP passes the ALG.  Linux takes that flow for the router itself (a conntrack entry
 * confirmed at INPUT, nat.local_flow_entries) and renews the entry with every packet, so the
 * expectation the answer opens never sees the PBX's RTP: no audio in while the PBX keeps sending.
 * With the behaviour off (the control) the same call has two-way audio. */
static GPtrArray *
early_media_call(const char *extra)
{
  g_autoptr(GError) error = NULL;
  /* `extra` may be NULL: it then ends the list. */
  g_autoptr(Config) cfg = tu_config("router.alg=linux", "pbx.profile=naive", "call.outbound=false",
                                    "call.inbound_at_s=5", "call.duration_s=60", "pbx.early_media_probe_s=2",
                                    extra, NULL);
  GPtrArray *out = NULL;
  g_assert_true(scenario_run(cfg, NULL, &out, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(out->len, ==, 1);
  return out;
}

static void
test_early_media_shadow(void)
{
  GPtrArray *out = early_media_call(NULL);
  const CallOutcome *o = out->pdata[0];
  g_test_message("%s", o->explanation);
  g_assert_true(o->connected);
  g_assert_cmpint(o->audio, ==, AUDIO_ONE_WAY_OUT);
  g_assert_cmpuint(o->in_sent, >, 2500);
  g_assert_cmpuint(o->in_recv, ==, 0);
  g_assert_cmpstr(o->cause, ==, "no-audio-in");
  g_assert_nonnull(strstr(o->explanation, "had taken that flow for its own"));
  g_ptr_array_unref(out);
}

static void
test_early_media_control(void)
{
  GPtrArray *out = early_media_call("nat.local_flow_entries=false");
  const CallOutcome *o = out->pdata[0];
  g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
  g_assert_cmpstr(o->cause, ==, "ok");
  g_ptr_array_unref(out);
}

/* The entry lives until 30 s (nat.udp_unreplied_timeout_s) after the flow's last packet: the
 * phone holds the call 10 s in (the PBX stops sending) and resumes; after a 20 s pause the entry
 * is still there and the resumed RTP keeps it, after 40 s it has gone and the resume's expectation
 * admits the PBX's RTP (measured on Linux: after 33 s of silence the expectation admitted the
 * same flow).  The media server is on the SIP address, which the expectation names
 * (sip_direct_media), and the phone sends from another port than it receives on, so no flow of
 * its own stands in the expectation's way. */
static void
test_early_media_pause(void)
{
  const struct {
    const char *resume;  /* call.resume_at_s */
    guint64 min, max;    /* packets the phone heard, all after the resume (50 per second) */
  } rows[] = {
    { "call.resume_at_s=30", 0, 0 },
    { "call.resume_at_s=50", 1400, 1500 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(Config) cfg = tu_config("router.alg=linux", "pbx.profile=naive", "pbx.media_addr=sip",
                                      "phone.symmetric_rtp=false", "call.outbound=false", "call.inbound_at_s=5",
                                      "call.duration_s=80", "call.hold_at_s=10", rows[i].resume,
                                      "pbx.early_media_probe_s=2", NULL);
    GPtrArray *out = NULL;
    g_assert_true(scenario_run(cfg, NULL, &out, &error));
    g_assert_no_error(error);
    const CallOutcome *o = out->pdata[0];
    g_test_message("%s: in %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT ": %s", rows[i].resume, o->in_recv,
                   o->in_sent, o->explanation);
    g_assert_true(o->connected);
    g_assert_cmpuint(o->in_recv, >=, rows[i].min);
    g_assert_cmpuint(o->in_recv, <=, rows[i].max);
    g_ptr_array_unref(out);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_data_func("/alg/linux/full-call-naive-pbx-two-way", "naive", test_linux_call);
  g_test_add_data_func("/alg/linux/full-call-nat-aware-pbx-two-way", "nat-aware", test_linux_call);
  g_test_add_func("/alg/linux/control-alg-off-naive-pbx-one-way", test_control_off);
  g_test_add_data_func("/alg/linux/tcp-register-lenient-phone-registered", GINT_TO_POINTER(FALSE),
                       test_tcp_register_contact);
  g_test_add_data_func("/alg/linux/tcp-register-strict-phone-fails", GINT_TO_POINTER(TRUE), test_tcp_register_contact);
  g_test_add_func("/alg/linux/early-media-shadows-pinhole-no-audio-in", test_early_media_shadow);
  g_test_add_func("/alg/linux/early-media-control-local-entries-off-two-way", test_early_media_control);
  g_test_add_func("/alg/linux/early-media-shadow-ends-30s-after-the-pbx-pauses", test_early_media_pause);
  return g_test_run();
}
