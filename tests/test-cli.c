/* test-cli.c — the algsim program: help, version, keys, and clear errors with exit status 2. */
#include <string.h>
#include <sys/wait.h>

#include "test-util.h"

typedef struct {
  int status;   /* exit status */
  char *out;    /* stdout */
  char *err;    /* stderr */
} Run;

static void
run_clear(Run *r)
{
  g_free(r->out);
  g_free(r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

/* Run algsim with the NULL-terminated arguments. */
static void
run_algsim(Run *r, const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (gpointer)g_getenv("ALGSIM"));
  va_list ap;
  va_start(ap, first);
  for (const char *a = first; a; a = va_arg(ap, const char *))
    g_ptr_array_add(argv, (gpointer)a);
  va_end(ap);
  g_ptr_array_add(argv, NULL);
  g_autoptr(GError) error = NULL;
  int wait_status = 0;
  g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &r->out, &r->err,
                             &wait_status, &error));
  g_assert_no_error(error);
  g_assert_true(WIFEXITED(wait_status));
  r->status = WEXITSTATUS(wait_status);
}

static void
test_version(void)
{
  g_auto(Run) r = {0};
  run_algsim(&r, "--version", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_true(g_str_has_prefix(r.out, "algsim "));
}

static void
test_help_lists_commands(void)
{
  g_auto(Run) r = {0};
  run_algsim(&r, "--help", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "keys"));
  g_assert_nonnull(strstr(r.out, "probe"));
}

static void
test_unknown_command(void)
{
  g_auto(Run) r = {0};
  run_algsim(&r, "frobnicate", NULL);
  g_assert_cmpint(r.status, ==, 2);
  g_assert_nonnull(strstr(r.err, "unknown command 'frobnicate'"));
}

static void
test_bad_flag(void)
{
  g_auto(Run) r = {0};
  run_algsim(&r, "keys", "--colour", NULL);
  g_assert_cmpint(r.status, ==, 2);
  g_assert_nonnull(strstr(r.err, "--colour"));
}

static void
test_keys(void)
{
  g_auto(Run) r = {0};
  run_algsim(&r, "keys", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "[nat]"));
  g_assert_nonnull(strstr(r.out, "udp_timeout_s"));
  g_auto(Run) md = {0};
  run_algsim(&md, "keys", "--markdown", NULL);
  g_assert_cmpint(md.status, ==, 0);
  g_assert_true(g_str_has_prefix(md.out, "| key | type | unit | default | allowed | meaning |"));
  g_assert_nonnull(strstr(md.out, "`nat.udp_timeout_s`"));
}

typedef struct {
  const char *what;
  const char *args[6];
  const char *message; /* what stderr must contain */
} BadInput;

static const BadInput bad_inputs[] = {
  {"unknown key", {"probe", "nat", "--set", "nat.udp_timeout=30", NULL}, "[nat] udp_timeout: unknown key (did you mean nat.udp_timeout_s?)"},
  {"bad value", {"probe", "nat", "--set", "nat.udp_timeout_s=soon", NULL}, "--set nat.udp_timeout_s: [nat] udp_timeout_s: expected an integer"},
  {"wrong unit", {"probe", "nat", "--set", "nat.udp_timeout_s=30ms", NULL}, "expected an integer in s"},
  {"bad enum", {"probe", "nat", "--set", "nat.mapping=full-cone", NULL}, "[nat] mapping: expected one of"},
  {"no equals", {"probe", "nat", "--set", "nat.mapping", NULL}, "expected group.key=value"},
  {"missing profile", {"probe", "nat", "--profile", "/nonexistent/router.ini", NULL}, "/nonexistent/router.ini: cannot read"},
  {"probe what", {"probe", "router", NULL}, "expected 'probe nat'"},
  {"unknown profile", {"probe", "nat", "--set", "router.profile=fritzbox", NULL}, "no router profile 'fritzbox' (known: "},
};

static void
test_bad_input(gconstpointer data)
{
  const BadInput *b = data;
  g_auto(Run) r = {0};
  run_algsim(&r, b->args[0], b->args[1], b->args[2], b->args[3], b->args[4], NULL);
  g_test_message("stderr: %s", r.err);
  g_assert_cmpint(r.status, ==, 2);
  g_assert_nonnull(strstr(r.err, b->message));
}

static void
test_bad_profile_line(void)
{
  g_autofree char *dir = g_dir_make_tmp("cliXXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "router.ini", NULL);
  g_assert_true(g_file_set_contents(path, "[nat]\nmapping = eim\nfiltering = strict\n", -1, NULL));
  g_auto(Run) r = {0};
  run_algsim(&r, "probe", "nat", "--profile", path, NULL);
  g_assert_cmpint(r.status, ==, 2);
  g_autofree char *want = g_strdup_printf("%s:3: [nat] filtering: expected one of eif,adf,apdf", path);
  g_assert_nonnull(strstr(r.err, want));
}

static void
test_probe_default(void)
{
  g_auto(Run) r = {0};
  run_algsim(&r, "probe", "nat", "--set", "nat.mapping=adm", "--set", "nat.filtering=apdf", NULL);
  g_test_message("stdout: %s\nstderr: %s", r.out, r.err);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "mapping"));
  g_assert_nonnull(strstr(r.out, "filtering"));
}

/* docs/keys.md is the output of `algsim keys --markdown`, so the documentation cannot drift from the
 * declarations.  Regenerate with: ninja -C build keys-doc */
static void
test_keys_doc_current(void)
{
  g_autofree char *path = g_build_filename(g_getenv("ALGSIM_SOURCE_ROOT"), "docs", "keys.md", NULL);
  g_autofree char *doc = NULL;
  g_assert_true(g_file_get_contents(path, &doc, NULL, NULL));
  g_auto(Run) r = {0};
  run_algsim(&r, "keys", "--markdown", NULL);
  g_assert_cmpint(r.status, ==, 0);
  const char *table = strstr(doc, "| key |");
  g_assert_nonnull(table);
  if (strcmp(table, r.out) != 0)
    g_test_fail_printf("docs/keys.md is stale: run ninja -C build keys-doc");
}

/* The voice probe's upstream delay printed by probe qos, in ms (the "voice_up" row). */
static double
voice_up_delay(const char *queue)
{
  g_autofree char *set = g_strdup_printf("router.uplink_queue=%s", queue);
  g_auto(Run) r = {0};
  run_algsim(&r, "probe", "qos", "--duration-s", "10", "--set", "cross.bulk_upload=true", "--set",
             "access.up_kbps=1000", "--set", set, NULL);
  g_test_message("%s", r.out);
  g_assert_cmpint(r.status, ==, 0);
  const char *row = strstr(r.out, "voice_up");
  g_assert_nonnull(row);
  g_auto(GStrv) cols = g_strsplit_set(row, " \n", -1);
  /* name dir dscp goodput packets loss delay max: the delay is the 7th non-empty column. */
  int k = 0;
  for (int i = 0; cols[i]; i++)
    if (*cols[i] && ++k == 7)
      return g_ascii_strtod(cols[i], NULL);
  g_assert_not_reached();
}

static void
test_probe_qos(void)
{
  double fifo = voice_up_delay("fifo");
  double fq = voice_up_delay("fq_codel");
  double prio = voice_up_delay("priority");
  g_test_message("voice delay up: fifo %.1f ms, fq_codel %.1f ms, priority %.1f ms", fifo, fq, prio);
  g_assert_cmpfloat(fifo, >, 200);
  g_assert_cmpfloat(fq, <, 80);
  g_assert_cmpfloat(prio, <, 80);
}

/* Every shipped router profile loads, and NAT discovery finds the behaviour it declares. */
static void
test_shipped_router_profiles(void)
{
  g_autofree char *dir = g_build_filename(g_getenv("ALGSIM_SOURCE_ROOT"), "experiments", "profiles", "router", NULL);
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  guint n = 0;
  for (const char *name; (name = g_dir_read_name(d));) {
    if (!g_str_has_suffix(name, ".ini"))
      continue;
    g_autofree char *profile = g_strdup_printf("router.profile=%.*s", (int)(strlen(name) - 4), name);
    g_auto(Run) r = {0};
    run_algsim(&r, "probe", "nat", "--set", profile, NULL);
    g_test_message("%s:\n%s%s", name, r.out, r.err);
    g_assert_cmpint(r.status, ==, 0);
    g_assert_nonnull(strstr(r.out, "matches"));
    g_assert_null(strstr(r.out, "DIFFERS"));
    n++;
  }
  g_assert_cmpuint(n, >=, 3);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func("/cli/version", test_version);
  g_test_add_func("/cli/help-lists-commands", test_help_lists_commands);
  g_test_add_func("/cli/unknown-command-exits-2", test_unknown_command);
  g_test_add_func("/cli/bad-flag-exits-2", test_bad_flag);
  g_test_add_func("/cli/keys-table", test_keys);
  g_test_add_func("/cli/keys-doc-is-current", test_keys_doc_current);
  for (gsize i = 0; i < G_N_ELEMENTS(bad_inputs); i++) {
    g_autofree char *path = g_strdup_printf("/cli/bad-input/%s", bad_inputs[i].what);
    g_strdelimit(path, " ", '-');
    g_test_add_data_func(path, &bad_inputs[i], test_bad_input);
  }
  g_test_add_func("/cli/bad-input/profile-names-file-and-line", test_bad_profile_line);
  g_test_add_func("/cli/probe-nat-runs", test_probe_default);
  g_test_add_func("/cli/probe-nat-finds-what-each-router-profile-declares", test_shipped_router_profiles);
  g_test_add_func("/cli/probe-qos-fq-codel-beats-fifo", test_probe_qos);
  return g_test_run();
}
