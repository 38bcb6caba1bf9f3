/* test-experiments.c — the shipped experiments (experiments/NAME.ini): a reduced form of each (fewer
 * levels with --only, one replica) runs through `algsim run`, and
 *   - its fingerprint matches the committed reference results: every call of the reduced run
 *     equals, column for column, the call with the same seed in results/NAME/calls.csv (a run's
 *     seed follows its cell's values and replica, not its position, so the reduced grid's runs are
 *     the reference's runs);
 *   - the pattern its description claims holds (design.md §1).
 * A change in behaviour fails the fingerprint: re-run the experiments to update results/ (README).
 */
#include <string.h>
#include <sys/wait.h>

#include "test-util.h"

static char *tmpdir;

/* ---- CSV (RFC 4180) ------------------------------------------------------------------------------ */

typedef struct {
  GPtrArray *head;   /* char * column names */
  GPtrArray *rows;   /* GPtrArray * of char * per row */
} Csv;

static void
csv_free(Csv *c)
{
  g_ptr_array_unref(c->head);
  g_ptr_array_unref(c->rows);
  g_free(c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Csv, csv_free)

static Csv *
csv_read(const char *path)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &text, &len, NULL))
    g_error("%s: cannot read (are the reference results committed? see results/README.md)", path);
  Csv *c = g_new0(Csv, 1);
  c->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
  GPtrArray *row = g_ptr_array_new_with_free_func(g_free);
  GString *f = g_string_new(NULL);
  gboolean quoted = FALSE;
  for (gsize i = 0; i < len; i++) {
    char ch = text[i];
    if (quoted) {
      if (ch == '"' && i + 1 < len && text[i + 1] == '"')
        g_string_append_c(f, text[++i]);
      else if (ch == '"')
        quoted = FALSE;
      else
        g_string_append_c(f, ch);
    } else if (ch == '"') {
      quoted = TRUE;
    } else if (ch == ',' || ch == '\n') {
      g_ptr_array_add(row, g_strdup(f->str));
      g_string_truncate(f, 0);
      if (ch == '\n') {
        if (!c->head)
          c->head = row;
        else
          g_ptr_array_add(c->rows, row);
        row = g_ptr_array_new_with_free_func(g_free);
      }
    } else if (ch != '\r') {
      g_string_append_c(f, ch);
    }
  }
  g_string_free(f, TRUE);
  g_ptr_array_unref(row);
  g_assert_nonnull(c->head);
  return c;
}

static int
col(const Csv *c, const char *name)
{
  for (guint i = 0; i < c->head->len; i++)
    if (g_str_equal(c->head->pdata[i], name))
      return (int)i;
  g_error("no column %s", name);
}

static const char *
get(const Csv *c, guint row, const char *name)
{
  return ((GPtrArray *)c->rows->pdata[row])->pdata[col(c, name)];
}

/* Rows whose columns equal the given values ("k", "v", ..., NULL). */
static GArray *
select_rows(const Csv *c, const char *first, ...)
{
  GArray *out = g_array_new(FALSE, FALSE, sizeof(guint));
  for (guint r = 0; r < c->rows->len; r++) {
    va_list ap;
    va_start(ap, first);
    gboolean all = TRUE;
    for (const char *k = first; k && all; k = va_arg(ap, const char *)) {
      const char *v = va_arg(ap, const char *);
      all = g_str_equal(get(c, r, k), v);
    }
    va_end(ap);
    if (all)
      g_array_append_val(out, r);
  }
  return out;
}

/* ---- Running and fingerprints --------------------------------------------------------------------- */

/* Run the reduced form; returns its calls.csv. */
static Csv *
run_reduced(const char *name, const char *const *extra)
{
  g_autofree char *exp = g_strdup_printf("%s/experiments/%s.ini", g_getenv("ALGSIM_SOURCE_ROOT"), name);
  static guint n_runs;
  g_autofree char *sub = g_strdup_printf("%s-%u", name, n_runs++);
  g_autofree char *out = g_build_filename(tmpdir, sub, NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  const char *head[] = {g_getenv("ALGSIM"), "run", exp, "--out", out, "--replicas", "1", "--no-plot", "-q"};
  for (gsize i = 0; i < G_N_ELEMENTS(head); i++)
    g_ptr_array_add(argv, (gpointer)head[i]);
  for (gsize i = 0; extra && extra[i]; i++)
    g_ptr_array_add(argv, (gpointer)extra[i]);
  g_ptr_array_add(argv, NULL);
  g_autofree char *o = NULL, *e = NULL;
  int status = 0;
  g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &o, &e, &status, NULL));
  g_test_message("%s%s", o, e);
  g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  g_autofree char *path = g_build_filename(out, "calls.csv", NULL);
  return csv_read(path);
}

/* Every call of `got` equals the reference call with the same seed and call number. */
static void
assert_fingerprint(const char *name, const Csv *got)
{
  g_autofree char *path = g_strdup_printf("%s/results/%s/calls.csv", g_getenv("ALGSIM_SOURCE_ROOT"), name);
  g_autoptr(Csv) ref = csv_read(path);
  g_assert_cmpuint(got->head->len, ==, ref->head->len);
  g_autoptr(GHashTable) by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint r = 0; r < ref->rows->len; r++)
    g_hash_table_insert(by_key, g_strdup_printf("%s/%s", get(ref, r, "seed"), get(ref, r, "call")),
                        GUINT_TO_POINTER(r + 1));
  int cell = col(got, "cell");
  for (guint r = 0; r < got->rows->len; r++) {
    g_autofree char *key = g_strdup_printf("%s/%s", get(got, r, "seed"), get(got, r, "call"));
    guint rr = GPOINTER_TO_UINT(g_hash_table_lookup(by_key, key));
    if (!rr)
      g_error("%s: run seed/call %s is not in the reference results", name, key);
    GPtrArray *a = got->rows->pdata[r], *b = ref->rows->pdata[rr - 1];
    for (guint k = 0; k < a->len; k++) {
      if ((int)k == cell)
        continue;
      if (!g_str_equal(a->pdata[k], b->pdata[k]))
        g_error("%s: seed/call %s: %s is '%s', the reference says '%s' (behaviour changed: update results/)", name,
                key, (char *)got->head->pdata[k], (char *)a->pdata[k], (char *)b->pdata[k]);
    }
  }
}

static double
num(const Csv *c, guint row, const char *name)
{
  return g_ascii_strtod(get(c, row, name), NULL);
}

/* ---- The experiments ---------------------------------------------------------------------------- */

static void
assert_all(const Csv *c, GArray *rows, const char *column, const char *value)
{
  g_assert_cmpuint(rows->len, >, 0);
  for (guint i = 0; i < rows->len; i++) {
    guint r = g_array_index(rows, guint, i);
    if (!g_str_equal(get(c, r, column), value))
      g_error("row %u (seed %s call %s): %s is '%s', expected '%s' (%s)", r, get(c, r, "seed"), get(c, r, "call"),
              column, get(c, r, column), value, get(c, r, "explanation"));
  }
}

/* quickstart: ALG off fails the naive PBX (one-way), the Linux ALG fixes it, the wrong-media-port
 * ALG breaks it, a NAT-aware PBX works with all three. */
static void
test_quickstart(void)
{
  g_autoptr(Csv) c = run_reduced("quickstart", NULL);
  g_assert_cmpuint(c->rows->len, ==, 6);
  assert_fingerprint("quickstart", c);
  const char *algs[] = {"off", "linux", "wrong-media-port"};
  const char *naive[] = {"one-way-out", "two-way", "one-way-out"};
  for (gsize i = 0; i < G_N_ELEMENTS(algs); i++) {
    g_autoptr(GArray) n = select_rows(c, "router.alg", algs[i], "pbx.profile", "naive", NULL);
    assert_all(c, n, "audio", naive[i]);
    g_autoptr(GArray) a = select_rows(c, "router.alg", algs[i], "pbx.profile", "nat-aware", NULL);
    assert_all(c, a, "audio", "two-way");
    for (guint k = 0; k < a->len; k++)
      g_assert_cmpfloat(num(c, g_array_index(a, guint, k), "mos_in"), >, 4.0);
  }
}

/* seed-symptoms over UDP: each symptom where its mechanism is (design.md §1). */
static void
test_seed_symptoms(void)
{
  const char *only[] = {"--only", "phone.transport=udp", NULL};
  g_autoptr(Csv) c = run_reduced("seed-symptoms", only);
  g_assert_cmpuint(c->rows->len, ==, 5 * 2 * 2 * 5); /* ALGs x timeouts x PBXs, 5 calls each */
  assert_fingerprint("seed-symptoms", c);
  /* ALG off, NAT-aware PBX: every outbound call two-way (>= 99 %); with a 300 s timeout the
   * inbound one too. */
  g_autoptr(GArray) ok = select_rows(c, "router.alg", "off", "pbx.profile", "nat-aware", "nat.udp_timeout_s", "300", NULL);
  assert_all(c, ok, "cause", "ok");
  g_autoptr(GArray) okaudio = select_rows(c, "router.alg", "off", "pbx.profile", "nat-aware", "direction", "outbound", NULL);
  assert_all(c, okaudio, "audio", "two-way");
  /* One-way audio: the wrong media port with a PBX that trusts the SDP; latching rescues it. */
  g_autoptr(GArray) wmp = select_rows(c, "router.alg", "wrong-media-port", "pbx.profile", "naive", "direction", "outbound", NULL);
  assert_all(c, wmp, "audio", "one-way-out");
  g_autoptr(GArray) wmpa = select_rows(c, "router.alg", "wrong-media-port", "pbx.profile", "nat-aware", "direction", "outbound", NULL);
  assert_all(c, wmpa, "audio", "two-way");
  /* Calls drop 30-60 s after their start at the Session-Expires 90 refresh. */
  g_autoptr(GArray) mid = select_rows(c, "router.alg", "mid-dialog-blocker", "direction", "outbound", NULL);
  assert_all(c, mid, "cause", "dropped-session-refresh");
  for (guint i = 0; i < mid->len; i++) {
    double t = num(c, g_array_index(mid, guint, i), "drop_time_s");
    g_assert_cmpfloat(t, >=, 30);
    g_assert_cmpfloat(t, <=, 60);
  }
  /* Registration fails under the REGISTER mangler, whatever the PBX. */
  g_autoptr(GArray) reg = select_rows(c, "router.alg", "register-mangler", NULL);
  assert_all(c, reg, "cause", "register-failed");
  assert_all(c, reg, "reg_status", "401");
  /* Intermittent: the first two calls on the signalling flow work, the next ones fail. */
  for (int k = 0; k < 4; k++) {
    g_autofree char *call = g_strdup_printf("%d", k);
    g_autoptr(GArray) st = select_rows(c, "router.alg", "stateful-intermittent", "call", call, NULL);
    assert_all(c, st, "connected", k < 2 ? "true" : "false");
  }
  /* A 30 s UDP timeout without keepalives loses the inbound call; 300 s keeps it. */
  g_autoptr(GArray) in30 = select_rows(c, "router.alg", "off", "pbx.profile", "nat-aware", "nat.udp_timeout_s", "30",
                                       "direction", "inbound", NULL);
  assert_all(c, in30, "cause", "inbound-unreachable");
  g_autoptr(GArray) in300 = select_rows(c, "router.alg", "off", "pbx.profile", "nat-aware", "nat.udp_timeout_s", "300",
                                        "direction", "inbound", NULL);
  assert_all(c, in300, "connected", "true");

  /* Over TLS the ALGs see nothing: the mangler's registration and the blocker's refresh work. */
  const char *tls[] = {"--only", "phone.transport=tls", "--only", "router.alg=register-mangler,mid-dialog-blocker",
                       "--only", "pbx.profile=nat-aware", "--only", "nat.udp_timeout_s=300", NULL};
  g_autoptr(Csv) t = run_reduced("seed-symptoms", tls);
  assert_fingerprint("seed-symptoms", t);
  g_autoptr(GArray) all = select_rows(t, "direction", "outbound", NULL);
  assert_all(t, all, "registered", "true");
  assert_all(t, all, "dropped", "false");
}

/* seed-remedies over UDP: each remedy fixes its own failure. */
static void
test_seed_remedies(void)
{
  const char *only[] = {"--only", "phone.transport=udp", NULL};
  g_autoptr(Csv) c = run_reduced("seed-remedies", only);
  g_assert_cmpuint(c->rows->len, ==, 2 * (3 * 2 * 2 * 2 + 3));
  assert_fingerprint("seed-remedies", c);
  /* The baseline ALG breaks registration; turning it off restores it. */
  g_autoptr(GArray) mangled = select_rows(c, "router.alg", "register-mangler", "topology.mode", "nat", NULL);
  assert_all(c, mangled, "cause", "register-failed");
  g_autoptr(GArray) off = select_rows(c, "router.alg", "off", NULL);
  assert_all(c, off, "registered", "true");
  /* A PBX that trusts the SDP gets one-way audio behind the NAT; a NAT-aware one two-way. */
  g_autoptr(GArray) naive = select_rows(c, "router.alg", "off", "pbx.profile", "naive", "direction", "outbound", NULL);
  assert_all(c, naive, "audio", "one-way-out");
  g_autoptr(GArray) aware = select_rows(c, "router.alg", "off", "pbx.profile", "nat-aware", "direction", "outbound", NULL);
  assert_all(c, aware, "audio", "two-way");
  /* The inbound call behind a 30 s timeout: lost without keepalives, kept by the provider's
   * keepalives or by a 300 s timeout. */
  g_autoptr(GArray) lost = select_rows(c, "router.alg", "off", "pbx.ping_interval_s", "0", "pbx.profile", "nat-aware",
                                       "nat.udp_timeout_s", "30", "direction", "inbound", NULL);
  assert_all(c, lost, "cause", "inbound-unreachable");
  g_autoptr(GArray) kept = select_rows(c, "router.alg", "off", "pbx.ping_interval_s", "20", "direction", "inbound", NULL);
  assert_all(c, kept, "audio", "two-way");
  g_autoptr(GArray) longer = select_rows(c, "router.alg", "off", "pbx.profile", "nat-aware", "nat.udp_timeout_s", "300",
                                         "direction", "inbound", NULL);
  assert_all(c, longer, "audio", "two-way");
  /* The bulk upload through a FIFO ruins the phone's MOS; the priority queue restores it. */
  for (guint i = 0; i < aware->len; i++) {
    guint r = g_array_index(aware, guint, i);
    if (g_str_equal(get(c, r, "router.uplink_queue"), "fifo"))
      g_assert_cmpfloat(num(c, r, "mos_out"), <, 2.0);
    else
      g_assert_cmpfloat(num(c, r, "mos_out"), >, 4.0);
  }
  /* Bypassing the router: even the naive PBX works (the diagnostic). */
  g_autoptr(GArray) bypass = select_rows(c, "topology.mode", "bypass", NULL);
  assert_all(c, bypass, "audio", "two-way");
}

/* router-archetypes over UDP: the ALG routers serve the naive PBX, the others do not; the NAT-aware
 * PBX works behind every one. */
static void
test_router_archetypes(void)
{
  const char *only[] = {"--only", "phone.transport=udp", NULL};
  g_autoptr(Csv) c = run_reduced("router-archetypes", only);
  g_assert_cmpuint(c->rows->len, ==, 7 * 2 * 2);
  assert_fingerprint("router-archetypes", c);
  g_autoptr(GArray) aware = select_rows(c, "pbx.profile", "nat-aware", NULL);
  assert_all(c, aware, "audio", "two-way");
  const char *alg_on[] = {"tplink-archer", "asus-rt", "netgear-nighthawk", "eero"};
  for (gsize i = 0; i < G_N_ELEMENTS(alg_on); i++) {
    g_autoptr(GArray) r = select_rows(c, "router.profile", alg_on[i], "pbx.profile", "naive", NULL);
    assert_all(c, r, "audio", "two-way");
  }
  const char *no_alg[] = {"rfc4787", "linux-consumer"};
  for (gsize i = 0; i < G_N_ELEMENTS(no_alg); i++) {
    g_autoptr(GArray) r = select_rows(c, "router.profile", no_alg[i], "pbx.profile", "naive", "direction", "outbound", NULL);
    assert_all(c, r, "audio", "one-way-out");
  }
  g_autoptr(GArray) sym = select_rows(c, "router.profile", "symmetric", "pbx.profile", "naive", NULL);
  assert_all(c, sym, "cause", "register-failed");
}

/* alg-archetypes over UDP, for a few ALGs: the controls work, each fault shows its symptom. */
static void
test_alg_archetypes(void)
{
  const char *only[] = {"--only", "phone.transport=udp", "--only",
                        "router.alg=off,ideal,linux,wrong-media-port,mid-dialog-blocker,register-mangler,"
                        "media-inactivity-closer", NULL};
  g_autoptr(Csv) c = run_reduced("alg-archetypes", only);
  g_assert_cmpuint(c->rows->len, ==, 7 * 2 * 2);
  assert_fingerprint("alg-archetypes", c);
  const char *fine[] = {"off", "ideal", "linux", "wrong-media-port"};
  for (gsize i = 0; i < G_N_ELEMENTS(fine); i++) {
    g_autoptr(GArray) r = select_rows(c, "router.alg", fine[i], "pbx.profile", "nat-aware", NULL);
    assert_all(c, r, "cause", "ok");
  }
  const char *rewrite[] = {"ideal", "linux"};
  for (gsize i = 0; i < G_N_ELEMENTS(rewrite); i++) {
    g_autoptr(GArray) r = select_rows(c, "router.alg", rewrite[i], "pbx.profile", "naive", NULL);
    assert_all(c, r, "audio", "two-way");
  }
  g_autoptr(GArray) oneway = select_rows(c, "router.alg", "wrong-media-port", "pbx.profile", "naive", "direction",
                                         "outbound", NULL);
  assert_all(c, oneway, "audio", "one-way-out");
  g_autoptr(GArray) reg = select_rows(c, "router.alg", "register-mangler", NULL);
  assert_all(c, reg, "cause", "register-failed");
  g_autoptr(GArray) mid = select_rows(c, "router.alg", "mid-dialog-blocker", "direction", "outbound", NULL);
  assert_all(c, mid, "dropped", "true");
  for (guint i = 0; i < mid->len; i++) {
    double t = num(c, g_array_index(mid, guint, i), "drop_time_s");
    g_assert_cmpfloat(t, >, 45);
    g_assert_cmpfloat(t, <, 65);
  }
  g_autoptr(GArray) quiet = select_rows(c, "router.alg", "media-inactivity-closer", NULL);
  assert_all(c, quiet, "audio", "one-way-out");
}

/* traversal with the ALG off: STUN fails behind the symmetric NAT, TURN and ICE and latching work
 * everywhere, and TURN costs delay and relay load. */
static void
test_traversal(void)
{
  const char *only[] = {"--only", "router.alg=off", NULL};
  g_autoptr(Csv) c = run_reduced("traversal", only);
  g_assert_cmpuint(c->rows->len, ==, 5 * 3);
  assert_fingerprint("traversal", c);
  g_autoptr(GArray) stun_sym = select_rows(c, "phone.traversal", "stun", "nat.mapping", "apdm", NULL);
  assert_all(c, stun_sym, "audio", "one-way-out");
  g_autoptr(GArray) stun_eim = select_rows(c, "phone.traversal", "stun", "nat.mapping", "eim", NULL);
  assert_all(c, stun_eim, "audio", "two-way");
  g_autoptr(GArray) turn = select_rows(c, "phone.traversal", "turn", NULL);
  assert_all(c, turn, "audio", "two-way");
  assert_all(c, turn, "relayed", "true");
  g_autoptr(GArray) ice = select_rows(c, "phone.traversal", "ice", NULL);
  assert_all(c, ice, "audio", "two-way");
  assert_all(c, ice, "ice_state", "completed");
  assert_all(c, ice, "relayed", "false");
  g_autoptr(GArray) latch = select_rows(c, "phone.traversal", "none", "pbx.latching", "strict", NULL);
  assert_all(c, latch, "audio", "two-way");
  g_autoptr(GArray) nothing = select_rows(c, "phone.traversal", "none", "pbx.latching", "off", NULL);
  assert_all(c, nothing, "audio", "one-way-out");
  /* The relay's cost: the detour through the TURN server adds delay, and it carries the media. */
  double direct = num(c, g_array_index(stun_eim, guint, 0), "delay_out_ms");
  for (guint i = 0; i < turn->len; i++) {
    guint r = g_array_index(turn, guint, i);
    g_assert_cmpfloat(num(c, r, "delay_out_ms"), >, direct + 20);
    g_assert_cmpfloat(num(c, r, "relay_bytes"), >, 100000);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  tmpdir = g_dir_make_tmp("algsim-experiments-XXXXXX", NULL);
  g_test_add_func("/experiments/quickstart/alg-and-pbx-decide-audio", test_quickstart);
  g_test_add_func("/experiments/seed-symptoms/each-symptom-where-its-mechanism-is", test_seed_symptoms);
  g_test_add_func("/experiments/seed-remedies/each-remedy-fixes-its-failure", test_seed_remedies);
  g_test_add_func("/experiments/alg-archetypes/controls-work-faults-show", test_alg_archetypes);
  g_test_add_func("/experiments/traversal/stun-fails-symmetric-turn-ice-latching-work", test_traversal);
  g_test_add_func("/experiments/router-archetypes/alg-routers-serve-naive-pbx", test_router_archetypes);
  int rc = g_test_run();
  g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
  if (system(cmd) != 0)
    rc = rc ? rc : 1;
  return rc;
}
