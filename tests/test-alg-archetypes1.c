/* test-alg-archetypes1.c — whole calls through the home router with the field-archetype ALGs
 * (design.md §1 and §5; field-notes.md §4): each ALG, run through the call scenario, must produce
 * its symptom as MEASURED by the receivers and the state machines (one-way audio, a drop at the
 * session refresh, a failed registration, an unreachable phone), and the same scenario without
 * the faulty ALG (router.alg=off, or the correct ALG where a Contact/SDP-trusting PBX needs one)
 * must work.  The explanations must name the evidence.
 */
#include <string.h>

#include "alg/alg.h"
#include "call/scenario.h"
#include "test-nat-util.h"

/* Run the scenario with these assignments (a NULL-terminated array); returns the outcomes. */
static GPtrArray *
run_keys(const char *const *keys, const char *extra)
{
  g_autoptr(Config) cfg = tu_config(NULL, NULL);
  for (guint i = 0; keys[i] || extra; i++) {
    const char *a = keys[i] ? keys[i] : extra;
    g_autoptr(GError) error = NULL;
    if (!cfg_set_arg(cfg, a, &error))
      g_error("%s: %s", a, error->message);
    if (!keys[i])
      break;
  }
  GPtrArray *out = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true(scenario_run(cfg, NULL, &out, &error));
  g_assert_no_error(error);
  g_assert_nonnull(out);
  for (guint i = 0; i < out->len; i++) {
    CallOutcome *o = out->pdata[i];
    g_test_message("[%s] call %u %s: reg=%d conn=%d %s dropped=%d at %.1f cause=%s: %s", extra, i, o->direction,
                   o->registered, o->connected, audio_class_name(o->audio), o->dropped, o->drop_time_s, o->cause,
                   o->explanation);
  }
  return out;
}

static CallOutcome *
nth(GPtrArray *a, guint i)
{
  g_assert_cmpuint(a->len, >, i);
  return a->pdata[i];
}

#define NAIVE "pbx.profile=naive"
/* The nat-aware PBX whose registrar trusts the Contact (a plain RFC 3261 §10.3 location service)
 * but which otherwise handles NAT (rport, latching, in-dialog fix-up). */
#define TRUSTING "pbx.profile=nat-aware", "pbx.nat_aware=false"

/* ---- 1. wrong-media-port: one-way audio ---------------------------------------------------------- */

/* A PBX that sends RTP to the SDP's address (no latching): the ALG wrote the public address right
 * and the port wrong, so the PBX's RTP goes to 203.0.113.2:40000, which maps to nothing. */
static void
test_wrong_media_port(void)
{
  static const char *const keys[] = {NAIVE, NULL};
  g_autoptr(GPtrArray) r = run_keys(keys, "router.alg=wrong-media-port");
  CallOutcome *o = nth(r, 0);
  g_assert_true(o->registered);
  g_assert_true(o->connected);
  g_assert_cmpint(o->audio, ==, AUDIO_ONE_WAY_OUT);
  g_assert_cmpuint(o->in_sent, >, 500);
  g_assert_cmpuint(o->in_recv, ==, 0);
  g_assert_cmpuint(o->out_recv, >=, o->out_sent * 9 / 10);
  g_assert_cmpstr(o->cause, ==, "no-audio-in");
  g_assert_nonnull(strstr(o->explanation, "203.0.113.2:40000"));
  g_assert_nonnull(strstr(o->explanation, "maps to nothing"));
  g_assert_false(o->dropped);

  /* The knob moves the port. */
  static const char *const k2[] = {NAIVE, "router.alg=wrong-media-port", NULL};
  g_autoptr(GPtrArray) r2 = run_keys(k2, "alg.wrong_media_port_offset=100");
  g_assert_cmpint(nth(r2, 0)->audio, ==, AUDIO_ONE_WAY_OUT);
  g_assert_nonnull(strstr(nth(r2, 0)->explanation, "203.0.113.2:4100"));

  /* Control: a correct ALG maps the port, both sides hear each other.  (With no ALG at all this
   * PBX gets the private SDP address instead: one-way for another reason, named in the text.) */
  g_autoptr(GPtrArray) c = run_keys(keys, "router.alg=ideal");
  g_assert_true(nth(c, 0)->connected);
  g_assert_cmpint(nth(c, 0)->audio, ==, AUDIO_TWO_WAY);
  g_assert_cmpstr(nth(c, 0)->cause, ==, "ok");
  g_autoptr(GPtrArray) off = run_keys(keys, "router.alg=off");
  g_assert_cmpint(nth(off, 0)->audio, ==, AUDIO_ONE_WAY_OUT);
  g_assert_nonnull(strstr(nth(off, 0)->explanation, "private"));
  g_assert_null(strstr(nth(off, 0)->explanation, "maps to nothing"));
}

/* ---- 2. contact-reset: inbound calls fail -------------------------------------------------------- */

static void
test_contact_reset(void)
{
  static const char *const keys[] = {TRUSTING, "call.inbound_at_s=30", NULL};
  g_autoptr(GPtrArray) r = run_keys(keys, "router.alg=contact-reset");
  CallOutcome *out = nth(r, 0), *in = nth(r, 1);
  g_assert_true(out->registered);
  g_assert_cmpint(out->audio, ==, AUDIO_TWO_WAY); /* outbound still works */
  g_assert_cmpstr(in->direction, ==, "inbound");
  g_assert_true(in->registered); /* the phone believes it is reachable */
  g_assert_false(in->connected);
  g_assert_cmpstr(in->setup_timer, ==, "timer B");
  g_assert_cmpint(in->audio, ==, AUDIO_NOT_SET_UP);
  g_assert_cmpstr(in->cause, ==, "inbound-unreachable");
  g_assert_nonnull(strstr(in->explanation, "203.0.113.2:5070"));
  g_assert_nonnull(strstr(in->explanation, "maps to nothing"));

  /* Controls: a correct ALG, or a registrar that uses the REGISTER's source flow (Kamailio
   * fix_nated_register), both reach the phone. */
  g_autoptr(GPtrArray) c = run_keys(keys, "router.alg=ideal");
  g_assert_true(nth(c, 1)->connected);
  g_assert_cmpint(nth(c, 1)->audio, ==, AUDIO_TWO_WAY);
  static const char *const aware[] = {TRUSTING, "call.inbound_at_s=30", "router.alg=contact-reset", NULL};
  g_autoptr(GPtrArray) a = run_keys(aware, "pbx.nat_aware=true");
  g_assert_true(nth(a, 1)->connected);
  g_assert_cmpstr(nth(a, 1)->cause, ==, "ok");
  /* No ALG: unreachable too, but through the private Contact, which the text names. */
  g_autoptr(GPtrArray) off = run_keys(keys, "router.alg=off");
  g_assert_cmpstr(nth(off, 1)->cause, ==, "inbound-unreachable");
  g_assert_nonnull(strstr(nth(off, 1)->explanation, "private"));
}

/* ---- 3. mid-dialog-blocker: the call drops at the session refresh --------------------------------- */

#define SST "pbx.profile=nat-aware", "sip.session_expires_s=90", "call.duration_s=150"

typedef struct {
  const char *mode;     /* alg.mid_dialog_mode */
  double min_s, max_s;  /* drop time window, from the call's start */
  const char *evidence; /* in the explanation */
} MidDialogCase;

/* Session-Expires 90: the phone (the refresher) sends its re-INVITE at 45 s after the 200 OK.
 * mangle: the PBX answers 481 at once and the phone ends the call at about 46 s.  drop: nothing
 * arrives, and the PBX ends the session 90 - min(32, 90/3) = 60 s after the 200 OK (RFC 4028 §10),
 * about 61 s after the INVITE (the guide's "30-60 s" band, at its edge). */
static const MidDialogCase mid_cases[] = {
  {"mangle", 45.0, 60.0, "481"},
  {"drop", 45.0, 62.0, "ALG dropped"},
};

static void
test_mid_dialog(gconstpointer data)
{
  const MidDialogCase *c = data;
  static const char *const keys[] = {SST, "router.alg=mid-dialog-blocker", NULL};
  g_autofree char *mode = g_strdup_printf("alg.mid_dialog_mode=%s", c->mode);
  g_autoptr(GPtrArray) r = run_keys(keys, mode);
  CallOutcome *o = nth(r, 0);
  g_assert_true(o->connected);
  g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY); /* audio was fine until the drop */
  g_assert_true(o->dropped);
  g_assert_cmpstr(o->cause, ==, "dropped-session-refresh");
  g_assert_cmpfloat(o->drop_time_s, >, c->min_s);
  g_assert_cmpfloat(o->drop_time_s, <, c->max_s);
  g_assert_nonnull(strstr(o->explanation, "refresh"));
  g_assert_nonnull(strstr(o->explanation, c->evidence));
}

static void
test_mid_dialog_control(void)
{
  static const char *const keys[] = {SST, NULL};
  g_autoptr(GPtrArray) r = run_keys(keys, "router.alg=off");
  CallOutcome *o = nth(r, 0);
  g_assert_true(o->connected);
  g_assert_false(o->dropped);
  g_assert_cmpint(o->audio, ==, AUDIO_TWO_WAY);
  g_assert_cmpstr(o->cause, ==, "ok");
}

/* ---- 4. register-mangler: registration fails ------------------------------------------------------ */

static void
test_register_mangler(void)
{
  static const char *const keys[] = {"pbx.profile=nat-aware", NULL};
  g_autoptr(GPtrArray) r = run_keys(keys, "router.alg=register-mangler");
  CallOutcome *o = nth(r, 0);
  g_assert_false(o->registered);
  g_assert_cmpuint(o->reg_status, ==, 401);
  g_assert_cmpfloat(o->reg_time_s, <, 0);
  g_assert_false(o->connected);
  g_assert_cmpstr(o->cause, ==, "register-failed");
  g_assert_nonnull(strstr(o->explanation, "Request-URI"));
  g_autoptr(GPtrArray) c = run_keys(keys, "router.alg=off");
  g_assert_true(nth(c, 0)->registered);
  g_assert_cmpuint(nth(c, 0)->reg_status, ==, 200);
  g_assert_cmpstr(nth(c, 0)->cause, ==, "ok");
}

/* ---- 5. proxy-style (A2): SDP fixed, Contact private, UDP only ------------------------------------ */

static void
test_proxy_style(void)
{
  /* A PBX that trusts Contact and SDP: the ALG's SDP rewrite gives two-way audio on the outbound
   * call (with no ALG this PBX gets a private SDP: one-way), but the Contact it left private makes
   * the phone unreachable for the inbound call. */
  static const char *const keys[] = {NAIVE, "call.inbound_at_s=30", NULL};
  g_autoptr(GPtrArray) r = run_keys(keys, "router.alg=proxy-style");
  g_assert_true(nth(r, 0)->registered);
  g_assert_cmpint(nth(r, 0)->audio, ==, AUDIO_TWO_WAY);
  g_assert_cmpstr(nth(r, 1)->cause, ==, "inbound-unreachable");
  g_assert_nonnull(strstr(nth(r, 1)->explanation, "192.168.1.50:5060"));
  g_assert_nonnull(strstr(nth(r, 1)->explanation, "private"));
  g_autoptr(GPtrArray) off = run_keys(keys, "router.alg=off");
  g_assert_cmpint(nth(off, 0)->audio, ==, AUDIO_ONE_WAY_OUT);

  /* UDP only: over TCP nothing is rewritten and the same PBX sends RTP to the private SDP. */
  static const char *const tcp[] = {NAIVE, "phone.transport=tcp", NULL};
  g_autoptr(GPtrArray) t = run_keys(tcp, "router.alg=proxy-style");
  g_assert_true(nth(t, 0)->connected);
  g_assert_cmpint(nth(t, 0)->audio, ==, AUDIO_ONE_WAY_OUT);
  g_assert_cmpstr(nth(t, 0)->cause, ==, "no-audio-in");
  g_assert_nonnull(strstr(nth(t, 0)->explanation, "private"));

  /* Control: a NAT-aware PBX ignores the private Contact; its Via and Max-Forwards changes are
   * harmless, both calls work. */
  static const char *const aware[] = {"pbx.profile=nat-aware", "call.inbound_at_s=30", NULL};
  g_autoptr(GPtrArray) a = run_keys(aware, "router.alg=proxy-style");
  for (guint i = 0; i < 2; i++) {
    g_assert_true(nth(a, i)->connected);
    g_assert_cmpint(nth(a, i)->audio, ==, AUDIO_TWO_WAY);
  }
}

/* ---- 6. register-rewriter (A3): the binding dies, inbound calls fail ------------------------------ */

/* UDP timeout 30 s, a phone that relies on the server to keep its mapping open (no keepalives of
 * its own), an inbound call at 300 s.  With no ALG the registrar sees the NAT (Contact != source)
 * and pings every 20 s; with the ALG it sees none, sends no pings, and the mapping dies. */
static void
test_register_rewriter(void)
{
  static const char *const keys[] = {"pbx.profile=nat-aware", "nat.udp_timeout_s=30", "phone.keepalive_s=0",
                                     "call.inbound_at_s=300", NULL};
  g_autoptr(GPtrArray) r = run_keys(keys, "router.alg=register-rewriter");
  CallOutcome *out = nth(r, 0), *in = nth(r, 1);
  g_assert_true(out->connected);
  g_assert_cmpint(out->audio, ==, AUDIO_TWO_WAY); /* outbound still works */
  g_assert_true(in->registered);
  g_assert_false(in->connected);
  g_assert_cmpstr(in->setup_timer, ==, "timer B");
  g_assert_cmpstr(in->cause, ==, "inbound-unreachable");
  g_assert_nonnull(strstr(in->explanation, "no keepalive pings"));
  g_autoptr(GPtrArray) c = run_keys(keys, "router.alg=off");
  for (guint i = 0; i < 2; i++) {
    g_assert_true(nth(c, i)->connected);
    g_assert_cmpint(nth(c, i)->audio, ==, AUDIO_TWO_WAY);
    g_assert_cmpstr(nth(c, i)->cause, ==, "ok");
  }
}

/* ---- The messages themselves (the ALG on a bare NAT) ------------------------------------------------ */

#define SDP_BODY "v=0\r\no=- 1 1 IN IP4 192.168.1.50\r\ns=-\r\nc=IN IP4 192.168.1.50\r\nt=0 0\r\n" \
                 "m=audio 4731 RTP/AVP 0\r\n"

/* An INVITE as the phone writes it (the ibc/sip-alg-detector trace's shape). */
static char *
phone_invite(void)
{
  return g_strdup_printf("INVITE sip:2000@pbx.example.net SIP/2.0\r\n"
                         "Via: SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bKabc;rport\r\n"
                         "Max-Forwards: 70\r\n"
                         "From: <sip:1001@pbx.example.net>;tag=1\r\n"
                         "To: <sip:2000@pbx.example.net>\r\n"
                         "Call-ID: c1@192.168.1.50\r\n"
                         "CSeq: 1 INVITE\r\n"
                         "Contact: <sip:1001@192.168.1.50:5060>\r\n"
                         "Content-Type: application/sdp\r\n"
                         "Content-Length: %u\r\n\r\n" SDP_BODY,
                         (guint)strlen(SDP_BODY));
}

/* Push one UDP datagram through a NAT running router.alg = `alg` (plus one extra key); returns
 * the payload as it left the router, NULL if dropped. */
static char *
through(Nat *nat, gboolean outbound, const char *payload)
{
  NetBuf *pkt = outbound ? udp(PHONE, 5060, PBX, 5060, payload) : udp(PBX, 5060, PUBLIC, 5060, payload);
  NatVerdict v;
  NatAction a = outbound ? nat_outbound(nat, pkt, SIM_S(1), &v) : nat_inbound(nat, pkt, SIM_S(1), &v);
  char *out = NULL;
  if (a != NAT_DROP) {
    g_assert_true(ipv4_checksums_ok(pkt->data, pkt->len));
    Ipv4Info ip;
    g_assert_cmpint(ipv4_parse(pkt->data, pkt->len, 0, &ip), ==, 1);
    out = g_strndup((const char *)pkt->data + ip.hdr_len + 8, pkt->len - ip.hdr_len - 8);
  }
  netbuf_free(pkt);
  return out;
}

/* The Content-Length header's value equals the body's length. */
static void
assert_content_length(const char *msg)
{
  const char *cl = strstr(msg, "Content-Length: ");
  const char *body = strstr(msg, "\r\n\r\n");
  g_assert_nonnull(cl);
  g_assert_nonnull(body);
  g_assert_cmpuint(strtoul(cl + 16, NULL, 10), ==, strlen(body + 4));
}

static void
test_proxy_style_messages(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.mapping=eim");
  g_autoptr(Config) cfg = tu_config("router.alg=proxy-style", "alg.proxy_media_port_base=7070", NULL);
  g_autoptr(GError) error = NULL;
  Alg *alg = alg_attach(cfg, nat, &error);
  g_assert_no_error(error);
  g_autofree char *inv = phone_invite();
  g_autofree char *out = through(nat, TRUE, inv);
  g_test_message("%s", out);
  g_assert_nonnull(out);
  /* Its own Via on top, branch derived from the phone's; the phone's Via below it. */
  g_assert_nonnull(strstr(out, "\r\nVia: SIP/2.0/UDP 203.0.113.2:5060;branch=z9hG4bK-alg-abc\r\n"
                               "Via: SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bKabc;rport\r\n"));
  g_assert_nonnull(strstr(out, "\r\nMax-Forwards: 69\r\n"));
  g_assert_nonnull(strstr(out, "\r\nContact: <sip:1001@192.168.1.50:5060>\r\n")); /* left private */
  g_assert_nonnull(strstr(out, "o=- 1 1 IN IP4 203.0.113.2\r\n"));
  g_assert_nonnull(strstr(out, "c=IN IP4 203.0.113.2\r\n"));
  g_assert_nonnull(strstr(out, "m=audio 7070 RTP/AVP 0\r\n")); /* the trace's 4731 -> 7070 */
  assert_content_length(out);
  g_assert_cmpuint(nat_expect_count(nat), ==, 2); /* RTP and RTCP */
  /* The response comes back with its Via removed. */
  g_autofree char *resp = g_strdup_printf("SIP/2.0 100 Trying\r\n"
                                          "Via: SIP/2.0/UDP 203.0.113.2:5060;branch=z9hG4bK-alg-abc\r\n"
                                          "Via: SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bKabc;rport\r\n"
                                          "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
  g_autofree char *back = through(nat, FALSE, resp);
  g_assert_nonnull(back);
  g_assert_null(strstr(back, "z9hG4bK-alg"));
  g_assert_nonnull(strstr(back, "\r\nVia: SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bKabc;rport\r\n"));
  nat_free(nat);
  alg_free(alg);
}

static void
test_wrong_media_port_message(void)
{
  tu_world(1);
  Nat *nat = NAT_WITH("nat.mapping=eim");
  g_autoptr(Config) cfg = tu_config("router.alg=wrong-media-port", NULL);
  Alg *alg = alg_attach(cfg, nat, NULL);
  g_assert_nonnull(alg);
  g_autofree char *inv = phone_invite();
  g_autofree char *out = through(nat, TRUE, inv);
  g_assert_nonnull(out);
  g_assert_nonnull(strstr(out, "c=IN IP4 203.0.113.2\r\n"));
  g_assert_nonnull(strstr(out, "m=audio 40731 RTP/AVP 0\r\n"));
  g_assert_nonnull(strstr(out, "\r\nContact: <sip:1001@192.168.1.50:5060>\r\n"));
  assert_content_length(out);
  g_assert_cmpuint(nat_expect_count(nat), ==, 0); /* no pinhole */
  nat_free(nat);
  alg_free(alg);
}

/* ---- The registry --------------------------------------------------------------------------------- */

static void
test_registered(void)
{
  static const char *const names[] = {"wrong-media-port", "contact-reset", "mid-dialog-blocker",
                                      "register-mangler", "proxy-style", "register-rewriter"};
  for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
    const AlgOps *ops = alg_lookup(names[i]);
    g_assert_nonnull(ops);
    g_assert_cmpstr(ops->name, ==, names[i]);
    g_assert_true(ops->summary && *ops->summary && ops->source && *ops->source);
    /* Each says where it comes from, or that it is a hypothesis. */
    g_assert_true(strstr(ops->summary, "hypothesis") || strstr(ops->summary, "trace") ||
                  strstr(ops->summary, "voip-info"));
    g_assert_nonnull(ops->keys);
    for (const CfgKeyDef *k = ops->keys; k->name; k++) {
      g_assert_true(g_str_has_prefix(k->name, "alg."));
      g_assert_true(k->help && *k->help);
    }
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/alg/archetypes1/registered-with-sources-and-keys", test_registered);
  g_test_add_func("/alg/archetypes1/wrong-media-port/one-way-audio", test_wrong_media_port);
  g_test_add_func("/alg/archetypes1/wrong-media-port/sdp-address-right-port-wrong", test_wrong_media_port_message);
  g_test_add_func("/alg/archetypes1/proxy-style/message-as-in-detector-trace", test_proxy_style_messages);
  g_test_add_func("/alg/archetypes1/contact-reset/inbound-unreachable", test_contact_reset);
  for (gsize i = 0; i < G_N_ELEMENTS(mid_cases); i++) {
    g_autofree char *path = g_strdup_printf("/alg/archetypes1/mid-dialog-blocker/%s-drops-call-at-refresh",
                                            mid_cases[i].mode);
    g_test_add_data_func(path, &mid_cases[i], test_mid_dialog);
  }
  g_test_add_func("/alg/archetypes1/mid-dialog-blocker/off-survives-refresh", test_mid_dialog_control);
  g_test_add_func("/alg/archetypes1/register-mangler/registration-fails-401", test_register_mangler);
  g_test_add_func("/alg/archetypes1/proxy-style/sdp-mapped-contact-private-udp-only", test_proxy_style);
  g_test_add_func("/alg/archetypes1/register-rewriter/binding-dies-inbound-fails", test_register_rewriter);
  return g_test_run();
}
