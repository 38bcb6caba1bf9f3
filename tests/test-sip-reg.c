/* test-sip-reg.c — digest authentication (RFC 2617 §3.5's example, parsing, round trips), and
 * registration through the real topology: the phone at 192.168.1.50 behind the home NAT registers
 * with the PBX's registrar at 203.0.113.10 over UDP, TCP and TLS; the registrar stores the NAT's
 * public source; naive vs nat_aware lookups; wrong password, Timer F, 423, refresh times, forced
 * short expiry, binding expiry, unregistration, the registrar's §10.3 rules on hand-made REGISTERs
 * (CSeq order, "*", foreign AOR, replayed nonce-count), a Request-URI rewritten in flight by an ALG
 * hook, and OPTIONS or CRLF pings that keep (or, absent, fail to keep) a 30 s NAT binding alive. */
#include <string.h>

#include "nat/nat.h"
#include "router.h"
#include "sip/registrar.h"
#include "sip/sip-auth.h"
#include "sip/sip-reg.h"
#include "test-util.h"
#include "topology.h"

#define PBX_DOMAIN "203.0.113.10"
#define SERVER_PASSWORD "secret" /* the registrar's copy of the account password */
#define PUBLIC_ADDR 0xcb007102u  /* 203.0.113.2 */
#define PHONE_ADDR 0xc0a80132u   /* 192.168.1.50 */
#define RTT_MIN SIM_US(50200)    /* 2 * (LAN 0.1 + access 5 + core 20) ms of propagation */

/* ---- Digest -------------------------------------------------------------------------------- */

static char *
md5_hex(const char *text)
{
  return g_compute_checksum_for_string(G_CHECKSUM_MD5, text, -1);
}

static void
test_rfc2617_example(void)
{
  /* RFC 2617 §3.5: user Mufasa, password "Circle Of Life", GET /dir/index.html. */
  g_autofree char *ha1 = md5_hex("Mufasa:testrealm@host.com:Circle Of Life");
  g_autofree char *ha2 = md5_hex("GET:/dir/index.html");
  g_autofree char *kd = g_strdup_printf("%s:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:%s", ha1, ha2);
  g_autofree char *by_hand = md5_hex(kd);
  g_assert_cmpstr(by_hand, ==, "6629fae49393a05397450978507c4ef1"); /* the RFC's response= */
  g_autofree char *ha1b = sip_digest_ha1(SIP_DIGEST_MD5, "Mufasa", "testrealm@host.com", "Circle Of Life");
  g_assert_cmpstr(ha1b, ==, ha1);
  g_autofree char *resp = sip_digest_response(SIP_DIGEST_MD5, ha1b, "dcd98b7102dd2f0e8b11d0f600bfb0c093", 1,
                                              "0a4f113b", "auth", "GET", "/dir/index.html");
  g_assert_cmpstr(resp, ==, by_hand);

  static const char challenge[] = "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
                                  "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
                                  "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
  SipChallenge ch;
  g_assert_cmpint(sip_challenge_parse((const guint8 *)challenge, (SipSpan){0, sizeof challenge - 1}, &ch), ==, 1);
  g_assert_true(ch.qop_auth && ch.qop_auth_int);
  g_assert_cmpstr(ch.opaque, ==, "5ccc069c403ebaf9f0171e9517f40e41");
  g_autofree char *cred = sip_credentials_build(&ch, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", 1, "0a4f113b");
  g_assert_nonnull(strstr(cred, "response=\"6629fae49393a05397450978507c4ef1\""));
  g_assert_nonnull(strstr(cred, "qop=auth, nc=00000001"));
  sip_challenge_clear(&ch);

  static const char auth[] = "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
                             "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", qop=auth, "
                             "nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", "
                             "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
  SipCredentials cr;
  g_assert_cmpint(sip_credentials_parse((const guint8 *)auth, (SipSpan){0, sizeof auth - 1}, &cr), ==, 1);
  g_assert_cmpuint(cr.nc, ==, 1);
  g_assert_cmpint(sip_credentials_verify(&cr, "testrealm@host.com", "Circle Of Life", "GET", "/dir/index.html"), ==,
                  SIP_AUTH_OK);
  g_assert_cmpint(sip_credentials_verify(&cr, "testrealm@host.com", "Circle of Life", "GET", "/dir/index.html"), ==,
                  SIP_AUTH_BAD_RESPONSE);
  g_assert_cmpint(sip_credentials_verify(&cr, "testrealm@host.com", "Circle Of Life", "GET", "/dir/other.html"), ==,
                  SIP_AUTH_URI_MISMATCH);
  sip_credentials_clear(&cr);
}

typedef struct {
  const char *desc;  /* what the case shows */
  const char *ref;   /* where the rule is */
  const char *bytes; /* the header value (copied to an exact-size buffer: no NUL to lean on) */
  int expect;        /* 1, 0 or -1 */
  const char *nonce; /* expected nonce when 1 */
  gboolean qop_auth; /* expected */
  gboolean stale;    /* expected */
  SipDigestAlg alg;  /* expected */
} ChallengeCase;

static const ChallengeCase challenges[] = {
  {"plain", "RFC 2617 §3.2.1", "Digest realm=\"r\", nonce=\"n1\"", 1, "n1", FALSE, FALSE, SIP_DIGEST_MD5},
  {"qop list and stale", "§3.2.1", "Digest realm=\"r\",nonce=\"n2\",qop=\"auth-int, auth\",stale=TRUE", 1, "n2", TRUE,
   TRUE, SIP_DIGEST_MD5},
  {"case-insensitive stale, LWS", "§3.2.1", "digest  realm = \"r\" ,  nonce = \"n3\" , stale=true", 1, "n3", FALSE,
   TRUE, SIP_DIGEST_MD5},
  {"SHA-256", "RFC 8760 §2", "Digest realm=\"r\", nonce=\"n4\", algorithm=SHA-256, qop=\"auth\"", 1, "n4", TRUE, FALSE,
   SIP_DIGEST_SHA256},
  {"escaped quote in realm", "RFC 3261 §25.1", "Digest realm=\"a\\\"b\", nonce=\"n5\"", 1, "n5", FALSE, FALSE,
   SIP_DIGEST_MD5},
  {"another scheme", "RFC 2617 §1.2", "Basic realm=\"r\"", 0, NULL, FALSE, FALSE, SIP_DIGEST_MD5},
  {"unterminated quote", "§25.1", "Digest realm=\"r, nonce=\"n\"", -1, NULL, FALSE, FALSE, SIP_DIGEST_MD5},
  {"missing nonce", "§3.2.1", "Digest realm=\"r\"", -1, NULL, FALSE, FALSE, SIP_DIGEST_MD5},
  {"unsupported algorithm", "§3.2.1", "Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess", -1, NULL, FALSE, FALSE,
   SIP_DIGEST_MD5},
  {"value cut short", "§1.2", "Digest realm=\"r\", nonce=", -1, NULL, FALSE, FALSE, SIP_DIGEST_MD5},
  {"empty", "§1.2", "", -1, NULL, FALSE, FALSE, SIP_DIGEST_MD5},
};

static void
test_challenge_parsing(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(challenges); i++) {
    const ChallengeCase *c = &challenges[i];
    gsize len = strlen(c->bytes);
    g_autofree guint8 *buf = g_memdup2(c->bytes, len ? len : 1);
    SipChallenge ch;
    int r = sip_challenge_parse(buf, (SipSpan){0, (guint)len}, &ch);
    if (r != c->expect)
      g_error("%s (%s): got %d, want %d", c->desc, c->ref, r, c->expect);
    if (r == 1) {
      g_assert_cmpstr(ch.nonce, ==, c->nonce);
      g_assert_cmpint(ch.qop_auth, ==, c->qop_auth);
      g_assert_cmpint(ch.stale, ==, c->stale);
      g_assert_cmpint(ch.alg, ==, c->alg);
    }
    sip_challenge_clear(&ch);
  }
}

static void
round_trip(const char *challenge, gboolean qop)
{
  SipChallenge ch;
  g_assert_cmpint(sip_challenge_parse((const guint8 *)challenge, (SipSpan){0, (guint)strlen(challenge)}, &ch), ==, 1);
  g_autofree char *cred = sip_credentials_build(&ch, "1001", "pw\"x", "REGISTER", "sip:" PBX_DOMAIN, 7, "c0ffee01");
  SipCredentials cr;
  g_assert_cmpint(sip_credentials_parse((const guint8 *)cred, (SipSpan){0, (guint)strlen(cred)}, &cr), ==, 1);
  g_assert_cmpstr(cr.username, ==, "1001");
  g_assert_cmpuint(cr.nc, ==, qop ? 7 : 0);
  g_assert_true(qop == (cr.qop != NULL));
  g_assert_cmpint(sip_credentials_verify(&cr, "pbx", "pw\"x", "REGISTER", "sip:" PBX_DOMAIN), ==, SIP_AUTH_OK);
  g_assert_cmpint(sip_credentials_verify(&cr, "pbx", "pw", "REGISTER", "sip:" PBX_DOMAIN), ==, SIP_AUTH_BAD_RESPONSE);
  g_assert_cmpint(sip_credentials_verify(&cr, "pbx", "pw\"x", "INVITE", "sip:" PBX_DOMAIN), ==, SIP_AUTH_BAD_RESPONSE);
  g_assert_cmpint(sip_credentials_verify(&cr, "other", "pw\"x", "REGISTER", "sip:" PBX_DOMAIN), ==, SIP_AUTH_REALM);
  if (!qop && ch.alg == SIP_DIGEST_MD5) {
    /* RFC 2069 compatibility (RFC 2617 §3.2.2.1): MD5(HA1:nonce:HA2), computed here by hand. */
    g_autofree char *ha1 = md5_hex("1001:pbx:pw\"x");
    g_autofree char *ha2 = md5_hex("REGISTER:sip:" PBX_DOMAIN);
    g_autofree char *kd = g_strdup_printf("%s:%s:%s", ha1, ch.nonce, ha2);
    g_autofree char *want = md5_hex(kd);
    g_assert_cmpstr(cr.response, ==, want);
  }
  sip_credentials_clear(&cr);
  sip_challenge_clear(&ch);
}

static void
test_round_trips(void)
{
  round_trip("Digest realm=\"pbx\", nonce=\"abc\", qop=\"auth\"", TRUE);
  round_trip("Digest realm=\"pbx\", nonce=\"abc\"", FALSE);
  round_trip("Digest realm=\"pbx\", nonce=\"abc\", algorithm=SHA-256, qop=\"auth\", opaque=\"o\"", TRUE);
  /* A 407 carries the challenge in Proxy-Authenticate (RFC 3261 §22.3). */
  static const char resp407[] = "SIP/2.0 407 Proxy Authentication Required\r\n"
                                "Via: SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bK1\r\n"
                                "From: <sip:1001@pbx>;tag=a\r\nTo: <sip:1001@pbx>;tag=b\r\n"
                                "Call-ID: c\r\nCSeq: 1 REGISTER\r\n"
                                "Proxy-Authenticate: Digest realm=\"pbx\", nonce=\"p1\", stale=FALSE\r\n"
                                "Content-Length: 0\r\n\r\n";
  SipMsg m;
  g_assert_cmpint(sip_msg_parse((const guint8 *)resp407, sizeof resp407 - 1, SIP_TP_DGRAM, &m, NULL), ==, 1);
  SipChallenge ch;
  g_assert_cmpint(sip_msg_challenge(&m, &ch), ==, 1);
  g_assert_true(ch.proxy);
  g_assert_false(ch.stale);
  g_assert_cmpstr(ch.nonce, ==, "p1");
  sip_challenge_clear(&ch);
  /* Credentials with qop but no cnonce are malformed (RFC 2617 §3.2.2). */
  static const char bad[] = "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"0\", qop=auth";
  SipCredentials cr;
  g_assert_cmpint(sip_credentials_parse((const guint8 *)bad, (SipSpan){0, sizeof bad - 1}, &cr), ==, -1);
}

/* ---- The network ----------------------------------------------------------------------------- */

typedef struct {
  Config *cfg;           /* configuration */
  Topology *topo;        /* the network */
  SipStack *phone;       /* phone 0's stack */
  SipStack *pbx;         /* the PBX's stack */
  Registrar *registrar;  /* the PBX's registrar */
  SipReg *reg;           /* phone 0's registration */
  guint phone_options;   /* OPTIONS that reached the phone's stack */
  guint phone_pings;     /* CRLF keepalives that reached it */
  guint n_states;        /* state changes seen */
  SipRegState last;      /* the last state reported */
  SipRegFailure failure; /* and its failure */
  guint status;          /* and status */
} W;

static void
phone_request(void *ctx, SipStack *s, SipTxn *st, const SipMsg *req, const SipFlow *flow)
{
  W *w = ctx;
  if (st && req->method_id == SIP_METHOD_OPTIONS) {
    w->phone_options++;
    g_autofree char *tag = sip_stack_tag(s);
    sip_txn_respond(st, sip_builder_finish(sip_builder_response_to(req, 200, NULL, tag), NULL, NULL, 0));
  }
}

static void
pbx_request(void *ctx, SipStack *s, SipTxn *st, const SipMsg *req, const SipFlow *flow)
{
  W *w = ctx;
  if (!registrar_handle(w->registrar, st, req, flow) && st)
    sip_txn_respond(st, sip_builder_finish(sip_builder_response_to(req, 501, NULL, "x"), NULL, NULL, 0));
}

static void
reg_state(void *ctx, SipReg *r, SipRegState state, SipRegFailure failure, guint status)
{
  W *w = ctx;
  w->n_states++;
  w->last = state;
  w->failure = failure;
  w->status = status;
}

static void
phone_keepalive(void *ctx, SipStack *s, const SipFlow *flow, gboolean pong)
{
  W *w = ctx;
  if (!pong)
    w->phone_pings++;
}

static const SipStackOps phone_ops = {.request = phone_request, .keepalive = phone_keepalive};
static const SipStackOps pbx_ops = {.request = pbx_request};
static const SipRegOps reg_ops = {.state_changed = reg_state};

static SipStack *
stack(W *w, const TopoHost *h, const char *name, gboolean listen, guint index, const SipStackOps *ops)
{
  g_autoptr(GError) error = NULL;
  SipStackParams p = {.honour_rport = TRUE, .rand_stream = SIM_STREAM_MODEL + index};
  p.tl.name = name;
  p.tl.addr = h->addr;
  p.tl.udp_port = 5060;
  if (listen) {
    p.tl.tcp_port = 5060;
    p.tl.tls_port = 5061;
  }
  tls_params_from_config(w->cfg, &p.tl.tls);
  p.tl.tls.index = index;
  sip_timers_from_config(w->cfg, &p.timers);
  SipStack *s = sip_stack_new(h->node, &p, ops, w, &error);
  g_assert_no_error(error);
  return s;
}

enum {
  SETUP_EXPIRES_PARAM = 1 << 0, /* the phone asks with Contact ;expires= instead of Expires: */
  SETUP_NO_REG = 1 << 1,        /* no SipReg: the test sends REGISTERs by hand */
};

/* Build the world with the assignments in `sets` (NULL-terminated) and start registering.
 * REG_TRACE=1 writes the trace to stderr; REG_PCAP=<dir> writes a pcap per device. */
static void
setup_full(W *w, SipNet net, const char *const *sets, SimAddr registrar, guint flags)
{
  memset(w, 0, sizeof *w);
  tu_world(7);
  w->cfg = tu_config(NULL, NULL);
  for (guint i = 0; sets && sets[i]; i++) {
    g_autoptr(GError) error = NULL;
    g_assert_true(cfg_set_arg(w->cfg, sets[i], &error));
  }
  g_autoptr(GError) error = NULL;
  if (g_getenv("REG_TRACE"))
    sim_trace_set_file(stderr);
  w->topo = topology_build(w->cfg, &error);
  g_assert_no_error(error);
  if (g_getenv("REG_PCAP"))
    g_assert_true(topology_enable_pcap(w->topo, g_getenv("REG_PCAP"), NULL));
  w->phone = stack(w, &w->topo->phones[0], "phone0", FALSE, 1, &phone_ops);
  w->pbx = stack(w, &w->topo->pbx, "pbx", TRUE, 2, &pbx_ops);
  RegistrarParams rp;
  registrar_params_from_config(w->cfg, &rp);
  rp.rand_stream = SIM_STREAM_MODEL + 3;
  w->registrar = registrar_new(w->pbx, &rp);
  registrar_add_user(w->registrar, "1001", SERVER_PASSWORD);
  SipRegParams sp;
  sip_reg_params_from_config(w->cfg, &sp);
  sp.domain = PBX_DOMAIN;
  sp.net = net;
  sp.registrar = registrar.addr ? registrar : (SimAddr){w->topo->pbx.addr, net == SIP_NET_TLS ? 5061 : 5060};
  sp.contact = (SimAddr){w->topo->phones[0].addr, 5060};
  sp.expires_param = (flags & SETUP_EXPIRES_PARAM) != 0;
  if (flags & SETUP_NO_REG)
    return;
  w->reg = sip_reg_new(w->phone, &sp, &reg_ops, w);
  sip_reg_start(w->reg);
}

static void
setup(W *w, SipNet net, const char *const *sets, SimAddr registrar)
{
  setup_full(w, net, sets, registrar, 0);
}

static void
teardown(W *w)
{
  sip_reg_free(w->reg);
  registrar_free(w->registrar);
  sip_stack_free(w->phone);
  sip_stack_free(w->pbx);
  topology_free(w->topo);
  cfg_free(w->cfg);
  sim_reset();
}

typedef struct {
  SipNet net;       /* transport */
  gboolean aware;   /* pbx.nat_aware */
  guint rtts;       /* round trips from the first REGISTER to the 200 */
} TransportCase;

static const TransportCase transports[] = {
  {SIP_NET_UDP, TRUE, 2},  /* REGISTER/401, REGISTER/200 */
  {SIP_NET_UDP, FALSE, 2},
  {SIP_NET_TCP, TRUE, 3},  /* + the TCP handshake */
  {SIP_NET_TLS, TRUE, 5},  /* + TCP and the two round trips of a full TLS 1.2 handshake */
};

static void
test_register_through_nat(gconstpointer data)
{
  const TransportCase *c = data;
  W w;
  const char *sets[] = {c->aware ? "pbx.nat_aware=true" : "pbx.nat_aware=false", "nat.port_alloc=random", NULL};
  setup(&w, c->net, sets, (SimAddr){0, 0});
  sim_run(SIM_S(5));
  g_assert_cmpint(sip_reg_state(w.reg), ==, SIP_REG_REGISTERED);
  const SipRegResult *res = sip_reg_first_result(w.reg);
  g_assert_true(res->done && res->ok);
  g_assert_cmpuint(res->status, ==, 200);
  g_assert_cmpuint(res->requests, ==, 2); /* one challenge, then accepted */
  /* Registration time: that many round trips of propagation, plus transmission times. */
  SimTime took = res->finished - res->started;
  g_test_message("%s registration took %" G_GINT64_FORMAT " ns", sip_net_name(c->net), took);
  g_assert_cmpint(took, >=, c->rtts * RTT_MIN);
  g_assert_cmpint(took, <, c->rtts * RTT_MIN + SIM_MS(5));
  g_assert_cmpuint(sip_reg_stats(w.reg)->granted_s, ==, 3600);

  /* The registrar saw the NAT's public address and the external port of the phone's flow. */
  const RegBinding *b = registrar_binding(w.registrar, "1001");
  g_assert_nonnull(b);
  const SipFlow *pf = sip_reg_flow(w.reg);
  Nat *nat = router_nat(w.topo->home);
  NatBinding *nb = nat_binding_lookup(nat, c->net == SIP_NET_UDP ? NET_PROTO_UDP : NET_PROTO_TCP, pf->local,
                                      pf->remote, sim_now());
  g_assert_nonnull(nb);
  g_assert_cmpuint(b->source.net, ==, c->net);
  g_assert_cmphex(b->source.remote.addr, ==, PUBLIC_ADDR);
  g_assert_cmpuint(b->source.remote.port, ==, nat_binding_tuple(nb)->external.port);
  g_assert_cmphex(b->received, ==, PUBLIC_ADDR);
  g_assert_cmpuint(b->rport, ==, b->source.remote.port); /* the phone sent ;rport */
  g_assert_true(b->natted);
  g_assert_cmphex(b->contact_addr.addr, ==, PHONE_ADDR);
  g_assert_cmpuint(b->contact_addr.port, ==, 5060);
  g_assert_cmpstr(b->call_id, ==, sip_reg_call_id(w.reg));

  RegTarget t;
  g_assert_true(registrar_lookup(w.registrar, "1001", &t));
  g_assert_cmpuint(t.flow.net, ==, c->net);
  if (c->aware) {
    g_assert_true(t.via_source);
    g_assert_cmphex(t.flow.remote.addr, ==, PUBLIC_ADDR);
    g_assert_cmpuint(t.flow.remote.port, ==, b->source.remote.port);
    g_assert_cmpuint(t.flow.conn, ==, b->source.conn); /* the same connection for TCP/TLS */
    /* An OPTIONS sent on that flow reaches the phone (which listens on no stream port). */
    g_assert_true(registrar_ping(w.registrar, "1001"));
    sim_run(SIM_S(6));
    g_assert_cmpuint(w.phone_options, ==, 1);
  } else {
    g_assert_false(t.via_source);
    g_assert_cmphex(t.flow.remote.addr, ==, PHONE_ADDR); /* the private Contact, as written */
    g_assert_cmpuint(t.flow.remote.port, ==, 5060);
  }
  teardown(&w);
}

static void
test_wrong_password(void)
{
  W w;
  const char *sets[] = {"phone.password=wrong", NULL};
  setup(&w, SIP_NET_UDP, sets, (SimAddr){0, 0});
  sim_run(SIM_S(5));
  const SipRegResult *res = sip_reg_first_result(w.reg);
  g_assert_true(res->done && !res->ok);
  g_assert_cmpint(res->failure, ==, SIP_REG_FAIL_AUTH);
  g_assert_cmpuint(res->status, ==, 401);
  g_assert_cmpuint(res->requests, ==, 2);
  g_assert_cmpint(w.last, ==, SIP_REG_FAILED);
  g_assert_cmpint(w.failure, ==, SIP_REG_FAIL_AUTH);
  g_assert_cmpstr(sip_reg_failure_name(w.failure), ==, "auth rejected");
  g_assert_cmpuint(registrar_stats(w.registrar)->bad_response, ==, 1);
  g_assert_cmpuint(registrar_binding_count(w.registrar), ==, 0);
  /* A new attempt after phone.register_retry_s (30 s), to the nanosecond. */
  g_assert_cmpint(sip_reg_next_refresh(w.reg), ==, res->finished + SIM_S(30));
  sim_run(SIM_S(40));
  g_assert_cmpint(sip_reg_last_result(w.reg)->started, ==, res->finished + SIM_S(30));
  g_assert_cmpint(sip_reg_last_result(w.reg)->failure, ==, SIP_REG_FAIL_AUTH);
  g_assert_cmpuint(sip_reg_stats(w.reg)->failures, ==, 2);
  teardown(&w);
}

static void
test_timeout(void)
{
  W w;
  setup(&w, SIP_NET_UDP, NULL, (SimAddr){0xcb00711eu, 5060}); /* 203.0.113.30: nobody answers SIP */
  sim_run(SIM_S(40));
  const SipRegResult *res = sip_reg_first_result(w.reg);
  g_assert_true(res->done && !res->ok);
  g_assert_cmpint(res->failure, ==, SIP_REG_FAIL_TIMEOUT);
  g_assert_cmpint(res->finished - res->started, ==, SIM_S(32)); /* Timer F = 64*T1 */
  g_assert_cmpint(sip_reg_next_refresh(w.reg), ==, res->finished + SIM_S(30));
  teardown(&w);
}

typedef struct {
  const char *desc;        /* what the case shows */
  const char *sets[4];     /* configuration */
  guint32 granted_s;       /* expiry granted */
  SimTime refresh_after;   /* refresh REGISTER this long after the 200 */
  guint refresh_requests;  /* REGISTERs in the refresh attempt */
} RefreshCase;

static const RefreshCase refreshes[] = {
  /* Half of 3600 s; the nonce (300 s) is stale by then: 401 stale=true, then 200. */
  {"half", {NULL}, 3600, SIM_S(1800), 2},
  {"fraction knob", {"phone.register_refresh=0.9"}, 3600, SIM_S(3240), 2},
  {"registrar max", {"pbx.max_expires_s=600"}, 600, SIM_S(300), 2},
  /* nat_aware forced 60 s: refresh 5 s before expiry; the cached nonce is still good. */
  {"forced short expiry", {"pbx.nat_aware=true", "pbx.forced_expires_s=60"}, 60, SIM_S(55), 1},
  /* Single-use nonces: even an early refresh needs a new challenge. */
  {"single-use nonce", {"pbx.nat_aware=true", "pbx.forced_expires_s=60", "pbx.nonce_lifetime_s=0"}, 60, SIM_S(55), 2},
};

static void
test_refresh(gconstpointer data)
{
  const RefreshCase *c = data;
  W w;
  setup(&w, SIP_NET_UDP, c->sets, (SimAddr){0, 0});
  sim_run(SIM_S(5));
  const SipRegResult first = *sip_reg_first_result(w.reg);
  g_assert_true(first.ok);
  g_assert_cmpuint(sip_reg_stats(w.reg)->granted_s, ==, c->granted_s);
  g_assert_cmpint(sip_reg_next_refresh(w.reg), ==, first.finished + c->refresh_after);
  sim_run(first.finished + c->refresh_after + SIM_S(2));
  const SipRegStats *st = sip_reg_stats(w.reg);
  const SipRegResult *last = sip_reg_last_result(w.reg);
  g_assert_cmpuint(st->refreshes, ==, 1);
  g_assert_cmpint(last->started, ==, first.finished + c->refresh_after);
  g_assert_true(last->ok);
  g_assert_cmpuint(last->requests, ==, c->refresh_requests);
  g_assert_cmpint(sip_reg_state(w.reg), ==, SIP_REG_REGISTERED);
  g_assert_cmpuint(w.n_states, ==, 2); /* registering, registered: a refresh is silent */
  /* §10.2.4: the same Call-ID, CSeq one higher per REGISTER. */
  const RegBinding *b = registrar_binding(w.registrar, "1001");
  g_assert_cmpstr(b->call_id, ==, sip_reg_call_id(w.reg));
  g_assert_cmpuint(b->cseq, ==, 2 + c->refresh_requests);
  g_assert_cmpuint(st->last_cseq, ==, 2 + c->refresh_requests);
  g_assert_cmpuint(registrar_binding_count(w.registrar), ==, 1);
  teardown(&w);
}

static void
test_423(gconstpointer data)
{
  W w;
  const char *sets[] = {"pbx.min_expires_s=600", "phone.register_expires_s=300", NULL};
  setup_full(&w, SIP_NET_UDP, sets, (SimAddr){0, 0}, GPOINTER_TO_UINT(data));
  sim_run(SIM_S(5));
  const SipRegResult *res = sip_reg_first_result(w.reg);
  g_assert_true(res->ok);
  g_assert_cmpuint(res->requests, ==, 3); /* 401, 423 (Min-Expires: 600), 200 */
  g_assert_cmpuint(registrar_stats(w.registrar)->too_brief, ==, 1);
  g_assert_cmpuint(sip_reg_stats(w.reg)->granted_s, ==, 600);
  g_assert_cmpint(sip_reg_next_refresh(w.reg), ==, res->finished + SIM_S(300));
  teardown(&w);
}

static void
test_binding_expires(void)
{
  W w;
  const char *sets[] = {"pbx.max_expires_s=120", NULL};
  setup(&w, SIP_NET_UDP, sets, (SimAddr){0, 0});
  sim_run(SIM_S(5));
  g_clear_pointer(&w.reg, sip_reg_free); /* the phone goes silent */
  const RegBinding *b = registrar_binding(w.registrar, "1001");
  SimTime at = b->expires_at;
  g_assert_cmpint(at, ==, b->registered_at + SIM_S(120));
  sim_run(at - 1);
  g_assert_cmpuint(registrar_binding_count(w.registrar), ==, 1);
  sim_run(at);
  g_assert_cmpuint(registrar_binding_count(w.registrar), ==, 0);
  g_assert_cmpuint(registrar_stats(w.registrar)->expired, ==, 1);
  RegTarget t;
  g_assert_false(registrar_lookup(w.registrar, "1001", &t));
  teardown(&w);
}

static void
test_unregister(void)
{
  W w;
  setup(&w, SIP_NET_UDP, NULL, (SimAddr){0, 0});
  sim_run(SIM_S(5));
  g_assert_cmpuint(registrar_binding_count(w.registrar), ==, 1);
  sip_reg_unregister(w.reg);
  sim_run(SIM_S(10));
  g_assert_cmpint(sip_reg_state(w.reg), ==, SIP_REG_UNREGISTERED);
  g_assert_cmpuint(registrar_binding_count(w.registrar), ==, 0);
  g_assert_cmpint(sip_reg_next_refresh(w.reg), ==, 0);
  teardown(&w);
}

/* An ALG that rewrites the Request-URI host of outbound REGISTERs (the "REGISTER mangler"). */
static NatAlgVerdict
mangle_ruri(void *ctx, NatAlgPacket *p)
{
  static const char prefix[] = "REGISTER sip:" PBX_DOMAIN " ";
  static const char host[] = "pbx.example.net";
  guint *mangled = ctx;
  const guint8 *pl = p->pkt->data + p->payload_off;
  if (p->dir == NAT_DIR_OUT && p->proto == NET_PROTO_UDP && p->payload_len >= sizeof prefix - 1 &&
      memcmp(pl, prefix, sizeof prefix - 1) == 0) {
    g_assert_true(nat_alg_mangle(p, 13, strlen(PBX_DOMAIN), (const guint8 *)host, sizeof host - 1));
    (*mangled)++;
  }
  return NAT_ALG_PASS;
}

static void
test_ruri_rewrite_breaks_digest(void)
{
  W w;
  guint mangled = 0;
  setup(&w, SIP_NET_UDP, NULL, (SimAddr){0, 0});
  nat_set_alg_hook(router_nat(w.topo->home), mangle_ruri, &mangled);
  sim_run(SIM_S(5));
  const SipRegResult *res = sip_reg_first_result(w.reg);
  g_assert_cmpuint(mangled, ==, 2);
  g_assert_true(res->done && !res->ok);
  g_assert_cmpint(res->failure, ==, SIP_REG_FAIL_AUTH);
  g_assert_cmpuint(res->status, ==, 401);
  g_assert_cmpuint(registrar_stats(w.registrar)->uri_mismatch, ==, 1);
  g_assert_cmpuint(registrar_stats(w.registrar)->bad_response, ==, 0);
  g_assert_cmpuint(registrar_binding_count(w.registrar), ==, 0);
  teardown(&w);
}

/* ---- REGISTERs by hand: the registrar's RFC 3261 §10.3 rules -------------------------------- */

typedef struct {
  guint status;       /* last final status */
  guint contacts;     /* Contact values in the last 200 */
  SipChallenge ch;    /* last challenge */
  gboolean have_ch;   /* ch is set */
  guint32 nc;         /* nonce-count used with ch */
} Raw;

static void
raw_response(void *ctx, SipTxn *t, const SipMsg *resp, const SipFlow *flow)
{
  Raw *raw = ctx;
  if (resp->status < 200)
    return;
  raw->status = resp->status;
  raw->contacts = resp->status == 200 ? sip_msg_value_count(resp, SIP_HDR_CONTACT) : 0;
  if (resp->status == 401) {
    sip_challenge_clear(&raw->ch);
    raw->have_ch = sip_msg_challenge(resp, &raw->ch) == 1;
    raw->nc = 0;
  }
}

static const SipClientOps raw_ops = {.response = raw_response};

static guint
raw_register(W *w, Raw *raw, const char *to_user, const char *contact, guint32 expires, guint32 cseq)
{
  g_autofree char *branch = sip_stack_branch(w->phone);
  SipBuilder *b = sip_builder_request("REGISTER", "sip:" PBX_DOMAIN);
  sip_builder_addf(b, SIP_HDR_VIA, "SIP/2.0/UDP 192.168.1.50:5060;branch=%s;rport", branch);
  sip_builder_add(b, SIP_HDR_MAX_FORWARDS, "70");
  sip_builder_addf(b, SIP_HDR_FROM, "<sip:1001@" PBX_DOMAIN ">;tag=raw1");
  sip_builder_addf(b, SIP_HDR_TO, "<sip:%s@" PBX_DOMAIN ">", to_user);
  sip_builder_add(b, SIP_HDR_CALL_ID, "raw-call-1@192.168.1.50");
  sip_builder_addf(b, SIP_HDR_CSEQ, "%u REGISTER", cseq);
  sip_builder_add(b, SIP_HDR_CONTACT, contact);
  sip_builder_addf(b, SIP_HDR_EXPIRES, "%u", expires);
  if (raw->have_ch) {
    g_autofree char *cred = sip_credentials_build(&raw->ch, "1001", SERVER_PASSWORD, "REGISTER", "sip:" PBX_DOMAIN,
                                                  ++raw->nc, "0badcafe");
    sip_builder_add(b, SIP_HDR_AUTHORIZATION, cred);
  }
  g_autoptr(GBytes) req = sip_builder_finish(b, NULL, NULL, 0);
  SipFlow flow = {.net = SIP_NET_UDP, .remote = {w->topo->pbx.addr, 5060}};
  raw->status = 0;
  g_assert_nonnull(sip_txn_client(w->phone, req, &flow, &raw_ops, raw));
  sim_run(sim_now() + SIM_S(1));
  return raw->status;
}

static void
test_registrar_rules(void)
{
  W w;
  Raw raw = {0};
  setup_full(&w, SIP_NET_UDP, NULL, (SimAddr){0, 0}, SETUP_NO_REG);
  const char *a = "<sip:1001@192.168.1.50:5060>", *b = "<sip:1001@192.168.1.50:5070>";
  g_assert_cmpuint(raw_register(&w, &raw, "1001", a, 600, 1), ==, 401);
  g_assert_cmpuint(raw_register(&w, &raw, "1001", a, 600, 5), ==, 200);
  g_assert_cmpuint(registrar_binding_count(w.registrar), ==, 1);
  /* §10.3 step 7: the same Call-ID with a CSeq that is not higher fails. */
  g_assert_cmpuint(raw_register(&w, &raw, "1001", a, 600, 5), ==, 500);
  g_assert_cmpuint(registrar_binding(w.registrar, "1001")->cseq, ==, 5);
  /* §10.3 step 4: user 1001 may not register AOR 1002. */
  g_assert_cmpuint(raw_register(&w, &raw, "1002", a, 600, 6), ==, 403);
  /* A second Contact is a second binding; the 200 lists both (step 8). */
  g_assert_cmpuint(raw_register(&w, &raw, "1001", b, 600, 7), ==, 200);
  g_assert_cmpuint(raw.contacts, ==, 2);
  g_assert_cmpuint(registrar_binding_count(w.registrar), ==, 2);
  /* The replayed nonce-count is refused as stale (RFC 2617 §3.2.2), then a fresh nonce works. */
  raw.nc = 0;
  g_assert_cmpuint(raw_register(&w, &raw, "1001", b, 600, 8), ==, 401);
  g_assert_true(raw.ch.stale);
  /* Step 6: "*" needs Expires: 0; then it removes every binding of the AOR. */
  g_assert_cmpuint(raw_register(&w, &raw, "1001", "*", 600, 9), ==, 400);
  g_assert_cmpuint(raw_register(&w, &raw, "1001", "*", 0, 10), ==, 200);
  g_assert_cmpuint(raw.contacts, ==, 0);
  g_assert_cmpuint(registrar_binding_count(w.registrar), ==, 0);
  sip_challenge_clear(&raw.ch);
  teardown(&w);
}

typedef struct {
  guint ping_interval_s; /* pbx.ping_interval_s */
  gboolean crlf;         /* pbx.ping_method = crlf */
  gboolean reached;      /* a ping at 300 s reaches the phone */
} PingCase;

static const PingCase pings[] = {{20, FALSE, TRUE}, {0, FALSE, FALSE}, {20, TRUE, TRUE}};

static void
test_pings_keep_nat_binding(gconstpointer data)
{
  const PingCase *c = data;
  W w;
  g_autofree char *interval = g_strdup_printf("pbx.ping_interval_s=%u", c->ping_interval_s);
  const char *sets[] = {"nat.udp_timeout_s=30", "pbx.nat_aware=true", "pbx.ping_timeout_unreachable=true", interval,
                        c->crlf ? "pbx.ping_method=crlf" : "pbx.ping_method=options", NULL};
  setup(&w, SIP_NET_UDP, sets, (SimAddr){0, 0});
  sim_run(SIM_S(300));
  g_assert_cmpint(sip_reg_state(w.reg), ==, SIP_REG_REGISTERED);
  g_assert_cmpuint(sip_reg_stats(w.reg)->refreshes, ==, 0); /* refresh only at 1800 s */
  guint before = c->crlf ? w.phone_pings : w.phone_options;
  guint64 sent = registrar_binding(w.registrar, "1001")->pings_sent;
  Nat *nat = router_nat(w.topo->home);
  const SipFlow *pf = sip_reg_flow(w.reg);
  NatBinding *nb = nat_binding_lookup(nat, NET_PROTO_UDP, pf->local, pf->remote, sim_now());
  g_assert_true((nb != NULL) == c->reached);
  g_assert_true(registrar_ping(w.registrar, "1001"));
  sim_run(SIM_S(301));
  g_assert_cmpuint((c->crlf ? w.phone_pings : w.phone_options) > before, ==, c->reached);
  if (c->reached) {
    /* One ping every interval from the REGISTER on: at +20 s, +40 s, ... up to 300 s. */
    SimTime reg_at = registrar_binding(w.registrar, "1001")->registered_at;
    g_assert_cmpuint(before, ==, (SIM_S(300) - reg_at) / SIM_S(c->ping_interval_s));
    g_assert_cmpuint(sent, ==, before); /* every ping so far reached the phone */
    g_assert_cmpuint(registrar_stats(w.registrar)->ping_timeouts, ==, 0);
    g_assert_cmpuint(c->crlf ? w.phone_options : w.phone_pings, ==, 0);
  } else {
    /* The ping dies in the NAT; Timer F marks the binding unreachable (knob on). */
    sim_run(SIM_S(340));
    g_assert_cmpuint(registrar_stats(w.registrar)->ping_timeouts, ==, 1);
    RegTarget t;
    g_assert_false(registrar_lookup(w.registrar, "1001", &t));
  }
  teardown(&w);
}

static char *
run_for_hash(void)
{
  W w;
  setup(&w, SIP_NET_UDP, NULL, (SimAddr){0, 0});
  sim_run(SIM_S(2000)); /* registration, stale-nonce refresh at 1800 s */
  char *hash = sim_trace_hash();
  g_assert_cmpuint(sip_reg_stats(w.reg)->refreshes, ==, 1);
  teardown(&w);
  return hash;
}

static void
test_deterministic(void)
{
  g_autofree char *a = run_for_hash();
  g_autofree char *b = run_for_hash();
  g_assert_cmpstr(a, ==, b);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/sip/auth/rfc2617-example-response", test_rfc2617_example);
  g_test_add_func("/sip/auth/challenge-parsing-table", test_challenge_parsing);
  g_test_add_func("/sip/auth/credentials-round-trip-and-rejections", test_round_trips);
  g_test_add_data_func("/sip/reg/udp-digest-through-nat-nat-aware-lookup-public", &transports[0],
                       test_register_through_nat);
  g_test_add_data_func("/sip/reg/udp-digest-through-nat-naive-lookup-private", &transports[1],
                       test_register_through_nat);
  g_test_add_data_func("/sip/reg/tcp-digest-through-nat-same-connection", &transports[2], test_register_through_nat);
  g_test_add_data_func("/sip/reg/tls-digest-through-nat-same-connection", &transports[3], test_register_through_nat);
  g_test_add_func("/sip/reg/wrong-password-auth-rejected-then-retry", test_wrong_password);
  g_test_add_func("/sip/reg/no-answer-timer-f-timeout", test_timeout);
  for (guint i = 0; i < G_N_ELEMENTS(refreshes); i++) {
    g_autofree char *path = g_strdup_printf("/sip/reg/refresh/%s", refreshes[i].desc);
    for (char *p = path; *p; p++)
      if (*p == ' ')
        *p = '-';
    g_test_add_data_func(path, &refreshes[i], test_refresh);
  }
  g_test_add_data_func("/sip/reg/423-retry-with-min-expires", GUINT_TO_POINTER(0), test_423);
  g_test_add_data_func("/sip/reg/423-retry-with-min-expires-contact-param", GUINT_TO_POINTER(SETUP_EXPIRES_PARAM),
                       test_423);
  g_test_add_func("/sip/reg/registrar-ordering-star-and-foreign-aor", test_registrar_rules);
  g_test_add_func("/sip/reg/registrar-binding-expires-at-granted-time", test_binding_expires);
  g_test_add_func("/sip/reg/unregister-removes-binding", test_unregister);
  g_test_add_func("/sip/reg/alg-rewritten-request-uri-fails-digest", test_ruri_rewrite_breaks_digest);
  g_test_add_data_func("/sip/reg/options-pings-keep-30s-nat-binding", &pings[0], test_pings_keep_nat_binding);
  g_test_add_data_func("/sip/reg/without-pings-nat-binding-expires", &pings[1], test_pings_keep_nat_binding);
  g_test_add_data_func("/sip/reg/crlf-pings-keep-30s-nat-binding", &pings[2], test_pings_keep_nat_binding);
  g_test_add_func("/sip/reg/same-seed-same-trace", test_deterministic);
  return g_test_run();
}
