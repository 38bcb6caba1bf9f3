/* test-alg-plugin.c — vendor ALG plugins (include/algsim/alg-plugin.h, models/alg/alg-plugin.c):
 * the example plugin loaded by `alg list`, `alg replay` and `call` and visibly at work, and the
 * broken plugins refused with a clear message and exit status 2.  tests/meson.build passes the
 * plugin paths in ALGSIM_PLUGIN_EXAMPLE and ALGSIM_PLUGIN_BROKEN_{NO_SYMBOL,WRONG_ABI,NO_PACKET}.
 */
#include <string.h>
#include <sys/wait.h>

#include <json-glib/json-glib.h>

#include "alg/alg.h"
#include "test-nat-util.h"

typedef struct {
  int status; /* exit status */
  char *out;  /* stdout */
  char *err;  /* stderr */
} Run;

static void
run_clear(Run *r)
{
  g_free(r->out);
  g_free(r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

/* Run $ALGSIM with the NULL-terminated argument vector. */
static void
run_algsim(Run *r, const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (gpointer)g_getenv("ALGSIM"));
  for (gsize i = 0; args[i]; i++)
    g_ptr_array_add(argv, (gpointer)args[i]);
  g_ptr_array_add(argv, NULL);
  g_autoptr(GError) error = NULL;
  int wait_status = 0;
  g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &r->out, &r->err,
                             &wait_status, &error));
  g_assert_no_error(error);
  g_assert_true(WIFEXITED(wait_status));
  r->status = WEXITSTATUS(wait_status);
}

static const char *
plugin_path(const char *env)
{
  const char *p = g_getenv(env);
  g_assert_nonnull(p);
  return p;
}

/* Body length against Content-Length of one SIP message. */
static void
assert_content_length_right(const char *msg)
{
  const char *end = strstr(msg, "\r\n\r\n");
  g_assert_nonnull(end);
  const char *cl = strstr(msg, "\r\nContent-Length: ");
  g_assert_nonnull(cl);
  g_assert_true(cl < end);
  g_assert_cmpuint(g_ascii_strtoull(cl + 18, NULL, 10), ==, strlen(end + 4));
}

/* ---- The example plugin at work ---------------------------------------------------------------- */

static void
test_list_shows_loaded_plugin(void)
{
  g_auto(Run) plain = {0};
  const char *a1[] = {"alg", "list", NULL};
  run_algsim(&plain, a1);
  g_assert_cmpint(plain.status, ==, 0);
  g_assert_null(strstr(plain.out, "contact-fixer"));

  g_auto(Run) r = {0};
  const char *a2[] = {"alg", "list", "--alg-plugin", plugin_path("ALGSIM_PLUGIN_EXAMPLE"), NULL};
  run_algsim(&r, a2);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "linux"));
  g_assert_nonnull(strstr(r.out, "contact-fixer\n    example vendor plugin"));
  g_autofree char *src = g_strdup_printf("source: plugin %s: examples/alg-plugin/example-alg.c",
                                         plugin_path("ALGSIM_PLUGIN_EXAMPLE"));
  g_assert_nonnull(strstr(r.out, src));
}

/* The corpus INVITE through the example: public Contact and c=/o=/a=rtcp, Via untouched, and
 * Content-Length follows the shorter body.  Without a plugin (--alg off) nothing changes. */
static void
test_replay_rewrites_contact_and_sdp(void)
{
  g_autofree char *in = tu_data_path("linux-alg/04-invite-sdp.in");
  g_auto(Run) r = {0};
  const char *args[] = {"alg", "replay", "--alg-plugin", plugin_path("ALGSIM_PLUGIN_EXAMPLE"), in, NULL};
  run_algsim(&r, args);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.err, "alg contact-fixer"));
  g_assert_nonnull(strstr(r.out, "\r\nContact: <sip:alice@203.0.113.2:5060>\r\n"));
  g_assert_nonnull(strstr(r.out, "\r\nc=IN IP4 203.0.113.2\r\n"));
  g_assert_nonnull(strstr(r.out, " IN IP4 203.0.113.2\r\ns=-"));
  g_assert_nonnull(strstr(r.out, "\r\na=rtcp:4001 IN IP4 203.0.113.2\r\n"));
  g_assert_nonnull(strstr(r.out, "\r\nVia: SIP/2.0/UDP 192.168.1.50:5060;"));
  g_assert_null(strstr(r.out, "192.168.1.50:5060>"));
  assert_content_length_right(r.out);

  g_auto(Run) off = {0};
  const char *off_args[] = {"alg", "replay", "--alg", "off", in, NULL};
  run_algsim(&off, off_args);
  g_assert_cmpint(off.status, ==, 0);
  g_assert_nonnull(strstr(off.out, "\r\nContact: <sip:alice@192.168.1.50:5060>\r\n"));
}

/* --alg names the ALG too: it has to agree with the plugin. */
static void
test_replay_alg_must_agree(void)
{
  g_autofree char *in = tu_data_path("linux-alg/01-register.in");
  g_auto(Run) r = {0};
  const char *args[] = {"alg", "replay", "--alg", "linux", "--alg-plugin", plugin_path("ALGSIM_PLUGIN_EXAMPLE"),
                        in, NULL};
  run_algsim(&r, args);
  g_assert_cmpint(r.status, ==, 2);
  g_assert_nonnull(strstr(r.err, "disagree"));
}

/* A naive PBX (no NAT handling) trusts the REGISTER's Contact and the SDP: with no ALG the inbound
 * call cannot reach the phone and the outbound call is one-way; the example plugin puts the public
 * address there, so the registrar binds it and both calls have two-way audio. */
static void
test_call_register_carries_public_contact(void)
{
  const char *base[] = {"call", "--set", "pbx.profile=naive", "--set", "call.inbound_at_s=30",
                        "--set", "call.duration_s=5", "--json", NULL};
  g_auto(Run) off = {0};
  run_algsim(&off, base);
  g_assert_cmpint(off.status, ==, 0);
  g_assert_nonnull(strstr(off.out, "\"inbound-unreachable\""));

  g_autofree char *dir = g_dir_make_tmp("algpluginXXXXXX", NULL);
  const char *args[] = {"call", "--set", "pbx.profile=naive", "--set", "call.inbound_at_s=30",
                        "--set", "call.duration_s=5", "--json", "--trace", dir,
                        "--alg-plugin", plugin_path("ALGSIM_PLUGIN_EXAMPLE"), NULL};
  g_auto(Run) r = {0};
  run_algsim(&r, args);
  g_assert_cmpint(r.status, ==, 0);
  g_autoptr(JsonParser) jp = json_parser_new();
  g_assert_true(json_parser_load_from_data(jp, r.out, -1, NULL));
  JsonArray *calls = json_node_get_array(json_parser_get_root(jp));
  g_assert_cmpuint(json_array_get_length(calls), ==, 2);
  for (guint i = 0; i < 2; i++) {
    JsonObject *o = json_array_get_object_element(calls, i);
    g_assert_true(json_object_get_boolean_member(o, "registered"));
    g_assert_cmpstr(json_object_get_string_member(o, "audio"), ==, "two-way");
    g_assert_cmpstr(json_object_get_string_member(o, "cause"), ==, "ok");
  }
  g_autofree char *tp = g_build_filename(dir, "trace.txt", NULL);
  g_autofree char *trace = NULL;
  g_assert_true(g_file_get_contents(tp, &trace, NULL, NULL));
  g_assert_nonnull(strstr(trace, " registrar pbx binding 1001 sip:1001@203.0.113.2:5060 "));
  g_assert_nonnull(strstr(trace, " alg contact-fixer binding "));
  /* The bytes on the PBX's link: the REGISTER arrives with the public Contact. */
  g_autofree char *pp = g_build_filename(dir, "pbx-isp.pcap", NULL);
  g_autofree char *pcap = NULL;
  gsize n = 0;
  g_assert_true(g_file_get_contents(pp, &pcap, &n, NULL));
  g_assert_nonnull(memmem(pcap, n, "REGISTER sip:", 13));
  g_assert_nonnull(memmem(pcap, n, "Contact: <sip:1001@203.0.113.2:5060>", 36));
  g_assert_null(memmem(pcap, n, "Contact: <sip:1001@192.168.1.50", 31));
}

/* ---- Plugins algsim refuses ---------------------------------------------------------------------- */

typedef struct {
  const char *desc;   /* what is wrong */
  const char *env;    /* plugin path from this variable, or NULL: `file` */
  const char *file;   /* a path */
  const char *expect; /* the message after "algsim: <path>: " */
} BadPlugin;

static const BadPlugin bad_plugins[] = {
  {"no entry symbol", "ALGSIM_PLUGIN_BROKEN_NO_SYMBOL", NULL,
   "not an algsim ALG plugin: symbol algsim_alg_plugin_v1 not found"},
  {"another ABI", "ALGSIM_PLUGIN_BROKEN_WRONG_ABI", NULL, "built for ALG ABI 2, this algsim speaks 1"},
  {"no packet callback", "ALGSIM_PLUGIN_BROKEN_NO_PACKET", NULL,
   "invalid ALG plugin 'broken': required callback 'packet' is missing"},
  {"missing file", NULL, "/nonexistent/vendor-alg.so", "no such file"},
  {"not a shared object", NULL, "@corpus", "not a loadable shared object: "},
};

static void
test_bad_plugins_exit_2(void)
{
  g_autofree char *in = tu_data_path("linux-alg/01-register.in");
  for (gsize i = 0; i < G_N_ELEMENTS(bad_plugins); i++) {
    const BadPlugin *b = &bad_plugins[i];
    const char *path = b->env ? plugin_path(b->env) : strcmp(b->file, "@corpus") == 0 ? in : b->file;
    g_autofree char *want = g_strdup_printf("algsim: %s: %s", path, b->expect);
    const char *replay[] = {"alg", "replay", "--alg-plugin", path, in, NULL};
    const char *call[] = {"call", "--alg-plugin", path, NULL};
    const char *list[] = {"alg", "list", "--alg-plugin", path, NULL};
    const char *const *cmds[] = {replay, call, list};
    for (gsize c = 0; c < G_N_ELEMENTS(cmds); c++) {
      g_auto(Run) r = {0};
      run_algsim(&r, cmds[c]);
      g_test_message("%s: %s %s: %s", b->desc, cmds[c][0], cmds[c][1], r.err);
      g_assert_cmpint(r.status, ==, 2);
      g_assert_true(g_str_has_prefix(r.err, want));
      g_assert_cmpstr(r.out, ==, "");
    }
  }
}

/* ---- The loader API in-process --------------------------------------------------------------- */

static void
test_load_registers_once(void)
{
  g_autoptr(GError) error = NULL;
  const char *path = plugin_path("ALGSIM_PLUGIN_EXAMPLE");
  g_assert_null(alg_lookup("contact-fixer"));
  const char *name = alg_plugin_load(path, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(name, ==, "contact-fixer");
  const AlgOps *ops = alg_lookup("contact-fixer");
  g_assert_nonnull(ops);
  g_assert_nonnull(alg_lookup("linux")); /* the built-in ones stay */
  g_autofree char *names = alg_names();
  g_assert_true(g_str_has_suffix(names, "|contact-fixer"));
  guint n = 0;
  for (const AlgOps *const *l = alg_list(); *l; l++)
    n += strcmp((*l)->name, "contact-fixer") == 0;
  g_assert_cmpuint(n, ==, 1);
  /* The same file again: the same ALG, not a second one. */
  g_assert_cmpstr(alg_plugin_load(path, &error), ==, "contact-fixer");
  g_assert_no_error(error);
  g_assert_true(alg_lookup("contact-fixer") == ops);

  /* A copy under another path carries a name that is now taken. */
  g_autofree char *dir = g_dir_make_tmp("algpluginXXXXXX", NULL);
  g_autofree char *copy = g_build_filename(dir, "copy.so", NULL);
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &bytes, &len, NULL));
  g_assert_true(g_file_set_contents(copy, bytes, (gssize)len, NULL));
  g_assert_null(alg_plugin_load(copy, &error));
  g_assert_error(error, ALG_PLUGIN_ERROR, ALG_PLUGIN_ERROR_INVALID);
  g_autofree char *want = g_strdup_printf("%s: ALG name 'contact-fixer' is already taken", copy);
  g_assert_cmpstr(error->message, ==, want);
  g_clear_error(&error);

  /* Error codes of the refused ones. */
  struct {
    const char *env;
    int code;
  } codes[] = {
    {"ALGSIM_PLUGIN_BROKEN_NO_SYMBOL", ALG_PLUGIN_ERROR_NO_SYMBOL},
    {"ALGSIM_PLUGIN_BROKEN_WRONG_ABI", ALG_PLUGIN_ERROR_ABI},
    {"ALGSIM_PLUGIN_BROKEN_NO_PACKET", ALG_PLUGIN_ERROR_INVALID},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(codes); i++) {
    g_assert_null(alg_plugin_load(plugin_path(codes[i].env), &error));
    g_assert_error(error, ALG_PLUGIN_ERROR, codes[i].code);
    g_clear_error(&error);
  }
  g_assert_null(alg_lookup("broken"));
}

/* ---- The host services, in-process through a NAT ------------------------------------------------ */

typedef struct {
  int created, destroyed, states_freed, timers_fired; /* as in tests/plugin-host-alg.c */
  guint64 timer_binding;
  int last_remove;
  int timer_router;
} ProbeStats;

/* Send an outbound UDP command from the phone's port `sport` at time t; the action, and the
 * payload as it left (if `out`). */
static NatAction
command(Nat *nat, guint16 sport, const char *cmd, SimTime t, char **out)
{
  g_autoptr(NetBuf) b = udp(PHONE, sport, PBX, 5060, cmd);
  NatVerdict v;
  NatAction a = nat_outbound(nat, b, t, &v);
  if (a != NAT_DROP) {
    g_assert_true(ipv4_checksums_ok(b->data, b->len));
    Ipv4Info ip;
    g_assert_cmpint(ipv4_parse(b->data, b->len, 0, &ip), ==, 1);
    g_assert_cmpuint(ip.total_len, ==, b->len);
    gsize off = ip.hdr_len + 8;
    g_assert_cmpuint(net_get16(b->data + ip.hdr_len + 4), ==, b->len - ip.hdr_len); /* UDP length */
    if (out)
      *out = g_strndup((const char *)b->data + off, b->len - off);
  } else {
    g_assert_cmpint(v.reason, ==, NAT_DROP_ALG);
  }
  return a;
}

static void
test_host_services(void)
{
  g_autoptr(GError) error = NULL;
  const char *path = plugin_path("ALGSIM_PLUGIN_HOST");
  g_assert_cmpstr(alg_plugin_load(path, &error), ==, "host-probe");
  g_assert_no_error(error);
  GModule *m = g_module_open(path, G_MODULE_BIND_LOCAL); /* the same, resident module */
  g_assert_nonnull(m);
  gpointer sym = NULL;
  g_assert_true(g_module_symbol(m, "host_probe_stats", &sym));
  const ProbeStats *st = sym;

  tu_world(1);
  g_autoptr(Config) cfg = tu_config("router.alg=host-probe", NULL);
  const char *none[] = {NULL};
  Nat *nat = nat_with_list(none);
  Alg *alg = alg_attach(cfg, nat, &error);
  g_assert_no_error(error);
  g_assert_nonnull(alg);
  g_assert_cmpint(st->created, ==, 1);

  /* expect_add + mangle (longer payload) + binding state. */
  g_autofree char *pinned = NULL;
  g_assert_cmpint(command(nat, 5060, "PIN 4000", 0, &pinned), ==, NAT_PASS);
  g_assert_true(g_str_has_prefix(pinned, "PINNED "));
  guint port = (guint)g_ascii_strtoull(pinned + 7, NULL, 10);
  g_assert_cmpuint(port, >, 0);
  g_assert_cmpuint(nat_expect_count(nat), ==, 1);
  SimAddr dst = {0, 0};
  g_assert_cmpint(run(nat, udp(REMOTE, 7000, PUBLIC, (guint16)port, "rtp"), FALSE, SIM_MS(10), NULL, &dst, NULL),
                  ==, NAT_PASS);
  g_assert_cmpuint(dst.addr, ==, PHONE);
  g_assert_cmpuint(dst.port, ==, 4000);
  /* expect_remove: once 1, then 0. */
  g_assert_cmpint(command(nat, 5060, "UNPIN", SIM_MS(20), NULL), ==, NAT_PASS);
  g_assert_cmpint(st->last_remove, ==, 1);
  g_assert_cmpuint(nat_expect_count(nat), ==, 0);
  g_assert_cmpint(command(nat, 5060, "UNPIN", SIM_MS(30), NULL), ==, NAT_PASS);
  g_assert_cmpint(st->last_remove, ==, 0);
  /* A pinhole that expired by itself (10 s) is not touched again. */
  g_assert_cmpint(command(nat, 5062, "PIN 4002", SIM_MS(40), NULL), ==, NAT_PASS);
  g_assert_cmpuint(nat_expect_count(nat), ==, 1);
  g_assert_cmpint(command(nat, 5062, "UNPIN", SIM_S(11), NULL), ==, NAT_PASS);
  g_assert_cmpint(st->last_remove, ==, 0);
  /* fix_packet after an in-place edit; drop. */
  g_autofree char *same = NULL;
  g_assert_cmpint(command(nat, 5060, "SAME", SIM_S(11), &same), ==, NAT_PASS);
  g_assert_cmpstr(same, ==, "sAME");
  g_assert_cmpint(command(nat, 5060, "DROP", SIM_S(11), NULL), ==, NAT_DROP);
  /* Binding timeout and timers. */
  g_assert_cmpint(command(nat, 5060, "TIMEOUT", SIM_S(12), NULL), ==, NAT_PASS);
  NatBinding *b = nat_binding_lookup(nat, NET_PROTO_UDP, (SimAddr){PHONE, 5060}, (SimAddr){PBX, 5060}, SIM_S(12));
  g_assert_nonnull(b);
  g_assert_cmpint(nat_binding_expires(b), ==, SIM_S(12) + SIM_S(3600));
  sim_run(SIM_S(12));
  g_assert_cmpint(command(nat, 5060, "TIMER", SIM_S(12), NULL), ==, NAT_PASS);
  sim_run(SIM_S(13));
  g_assert_cmpint(st->timers_fired, ==, 0);
  sim_run(SIM_S(15));
  g_assert_cmpint(st->timers_fired, ==, 1);
  g_assert_cmpuint(st->timer_binding, ==, nat_binding_id(b));
  g_assert_true(st->timer_router);

  /* Freeing the NAT frees the per-binding states, then the ALG its instance. */
  int freed = st->states_freed;
  nat_free(nat);
  g_assert_cmpint(st->states_freed, ==, freed + 2);
  alg_free(alg);
  g_assert_cmpint(st->destroyed, ==, 1);
  g_module_close(m);
  sim_reset();
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/alg/plugin/list/shows-loaded-plugin", test_list_shows_loaded_plugin);
  g_test_add_func("/alg/plugin/replay/rewrites-contact-sdp-and-content-length", test_replay_rewrites_contact_and_sdp);
  g_test_add_func("/alg/plugin/replay/alg-and-plugin-must-agree", test_replay_alg_must_agree);
  g_test_add_func("/alg/plugin/call/register-reaches-pbx-with-public-contact",
                  test_call_register_carries_public_contact);
  g_test_add_func("/alg/plugin/load/refused-plugins-exit-2-with-clear-error", test_bad_plugins_exit_2);
  g_test_add_func("/alg/plugin/load/registers-once-and-refuses-taken-name", test_load_registers_once);
  g_test_add_func("/alg/plugin/host/mangle-expect-state-timer-timeout", test_host_services);
  return g_test_run();
}
