/* test-alg-linux-call.c — the `linux` ALG (the kernel's nf_conntrack_sip + nf_nat_sip) in a whole
 * call through the simulated home router, with the naive and the nat-aware PBX.  The ALG rewrites
 * the phone's Contact and SDP to the public address and opens RTP pinholes, so even the naive PBX,
 * which trusts the SDP, reaches the phone: the ALG does the PBX's NAT work (the job ALGs were made
 * for).  Without the ALG the naive PBX gives one-way audio (tests/test-call.c). */
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
  return g_test_run();
}
