/* test-experiment.c — experiment files (sim/experiment.c): grid expansion with zipped factors and
 * exclusions, run seeds, the order in which a run's configuration is built, the experiment hash,
 * and the errors bad files get (file:line, group and key, what was expected).
 */
#include <string.h>
#include <glib/gstdio.h>

#include "experiment.h"
#include "models.h"

static char *tmpdir;

/* Write an experiment file into the temporary directory; returns its path. */
static char *
write_exp(const char *name, const char *text)
{
  char *path = g_build_filename(tmpdir, name, NULL);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static Experiment *
load_ok(const char *text, const char *const *sets)
{
  g_autofree char *path = write_exp("ok.ini", text);
  g_autoptr(GError) error = NULL;
  Experiment *e = experiment_load(path, sets, &error);
  g_assert_no_error(error);
  g_assert_nonnull(e);
  return e;
}

#define HEAD "[experiment]\ndescription = a test\n"

static void
test_grid_zip_exclude(void)
{
  g_autoptr(Experiment) e = load_ok(HEAD "replicas = 3\n"
                                         "[grid]\n"
                                         "router.alg = off;linux;ideal\n"
                                         "phone.transport+pbx.srtp = udp+false;tls+true\n"
                                         "exclude = router.alg=ideal & phone.transport=tls; router.alg=off & pbx.srtp=false\n",
                                    NULL);
  /* 3 x 2 = 6, minus (ideal, tls) and (off, udp+false). */
  g_assert_cmpuint(experiment_n_cells(e), ==, 4);
  g_assert_cmpuint(experiment_n_runs(e), ==, 12);
  const GPtrArray *cols = experiment_columns(e);
  g_assert_cmpuint(cols->len, ==, 3);
  g_assert_cmpstr(cols->pdata[1], ==, "phone.transport");
  g_assert_cmpstr(cols->pdata[2], ==, "pbx.srtp");
  const char *expect[][3] = {
    {"off", "tls", "true"}, {"linux", "udp", "false"}, {"linux", "tls", "true"}, {"ideal", "udp", "false"}};
  for (guint c = 0; c < 4; c++)
    for (guint k = 0; k < 3; k++)
      g_assert_cmpstr(experiment_cell_value(e, c, k), ==, expect[c][k]);
  g_autofree char *label = experiment_cell_label(e, 1);
  g_assert_cmpstr(label, ==, "router.alg=linux;phone.transport=udp;pbx.srtp=false");
  g_assert_cmpstr(experiment_plot_x(e), ==, "router.alg");
  g_assert_cmpstr(experiment_plot_y(e), ==, "phone.transport");
  g_autofree char *json = experiment_grid_json(e);
  g_assert_nonnull(strstr(json, "\"router.alg=ideal & phone.transport=tls\""));
}

static void
test_no_grid_is_one_cell(void)
{
  g_autoptr(Experiment) e = load_ok(HEAD "replicas = 2\n[call]\nduration_s = 5\n", NULL);
  g_assert_cmpuint(experiment_n_cells(e), ==, 1);
  g_assert_cmpuint(experiment_n_runs(e), ==, 2);
  g_autofree char *label = experiment_cell_label(e, 0);
  g_assert_cmpstr(label, ==, "-");
  g_autoptr(Config) cfg = experiment_run_config(e, 0, 1, NULL);
  g_assert_cmpfloat(cfg_double(cfg, "call.duration_s"), ==, 5);
  g_assert_cmpstr(experiment_name(e), ==, "ok"); /* the file's stem */
  g_assert_null(experiment_plot_x(e));
}

/* Seeds: distinct per cell and replica, stable when a level is added, shared across cells with
 * common random numbers, and a function of the experiment seed. */
static void
test_seeds(void)
{
  g_autoptr(Experiment) a = load_ok(HEAD "replicas = 2\n[grid]\nrouter.alg = off;linux\n", NULL);
  g_autoptr(Experiment) b = load_ok(HEAD "replicas = 2\n[grid]\nrouter.alg = ideal;off;linux\n", NULL);
  g_autoptr(Experiment) c = load_ok(HEAD "replicas = 2\ncommon_random_numbers = true\n[grid]\nrouter.alg = off;linux\n",
                                    NULL);
  g_autoptr(Experiment) d = load_ok(HEAD "seed = 2\nreplicas = 2\n[grid]\nrouter.alg = off;linux\n", NULL);
  g_assert_cmpuint(experiment_run_seed(a, 0, 0), !=, experiment_run_seed(a, 0, 1));
  g_assert_cmpuint(experiment_run_seed(a, 0, 0), !=, experiment_run_seed(a, 1, 0));
  g_assert_cmpuint(experiment_run_seed(a, 0, 1), ==, experiment_run_seed(b, 1, 1)); /* off moved to cell 1 */
  g_assert_cmpuint(experiment_run_seed(a, 1, 0), ==, experiment_run_seed(b, 2, 0));
  g_assert_cmpuint(experiment_run_seed(c, 0, 1), ==, experiment_run_seed(c, 1, 1));
  g_assert_cmpuint(experiment_run_seed(c, 0, 0), !=, experiment_run_seed(c, 0, 1));
  g_assert_cmpuint(experiment_run_seed(a, 0, 0), !=, experiment_run_seed(d, 0, 0));
  g_autoptr(Config) cfg = experiment_run_config(a, 1, 1, NULL);
  g_assert_cmpuint((guint64)cfg_int(cfg, "sim.seed"), ==, experiment_run_seed(a, 1, 1));
  g_assert_cmpstr(experiment_hash(a), !=, experiment_hash(d));
}

/* A profile factor applies first, the file over it, the other factors over the file, --set last. */
static void
test_config_order(void)
{
  const char *sets[] = {"call.duration_s=7", NULL};
  g_autoptr(Experiment) e = load_ok(HEAD "[grid]\npbx.profile = naive;nat-aware\nnat.udp_timeout_s = 45;90\n"
                                         "[pbx]\nlatching = off\n[nat]\nudp_unreplied_timeout_s = 31\n",
                                    sets);
  g_assert_cmpuint(experiment_n_cells(e), ==, 4);
  g_autoptr(Config) cfg = experiment_run_config(e, 3, 0, NULL); /* nat-aware, 90 */
  g_assert_cmpstr(cfg_str(cfg, "pbx.profile"), ==, "nat-aware");
  g_assert_true(cfg_bool(cfg, "pbx.fix_contact"));          /* from the profile */
  g_assert_cmpstr(cfg_str(cfg, "pbx.latching"), ==, "off"); /* the file wins over the profile */
  g_assert_cmpint(cfg_int(cfg, "nat.udp_timeout_s"), ==, 90);
  g_assert_cmpint(cfg_int(cfg, "nat.udp_unreplied_timeout_s"), ==, 31);
  g_assert_cmpfloat(cfg_double(cfg, "call.duration_s"), ==, 7);
  g_assert_nonnull(strstr(cfg_origin(cfg, "nat.udp_timeout_s"), "[grid]"));
  g_autofree char *dump = experiment_config_dump(e);
  g_assert_nonnull(strstr(dump, "pbx.latching = off"));
  g_assert_null(strstr(dump, "nat.udp_timeout_s ="));
}

/* The hash follows the resolved configuration, not the file's text. */
static void
test_hash(void)
{
  g_autoptr(Experiment) a = load_ok(HEAD "[grid]\nrouter.alg = off;linux\n[call]\nduration_s = 5\n", NULL);
  g_autoptr(Experiment) b = load_ok("# a comment\n" HEAD "[grid]\nrouter.alg = off;linux\n\n[call]\nduration_s = 5\n",
                                    NULL);
  g_autoptr(Experiment) c = load_ok(HEAD "[grid]\nrouter.alg = off;linux\n[call]\nduration_s = 6\n", NULL);
  g_assert_cmpstr(experiment_hash(a), ==, experiment_hash(b));
  g_assert_cmpstr(experiment_file_hash(a), !=, experiment_file_hash(b));
  g_assert_cmpstr(experiment_hash(a), !=, experiment_hash(c));
  g_assert_cmpuint(strlen(experiment_hash(a)), ==, 64);
}

static void
test_add_level(void)
{
  g_autofree char *path = write_exp("add.ini", HEAD "[grid]\nrouter.alg = off;linux\npbx.profile = naive\n");
  const char *add[] = {"router.alg=ideal", "router.alg=off", NULL};
  g_autoptr(GError) error = NULL;
  ExperimentLoadOptions lo = {.add_levels = add};
  g_autoptr(Experiment) e = experiment_load_opts(path, &lo, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(experiment_n_cells(e), ==, 3);
  g_assert_cmpstr(experiment_cell_value(e, 2, 0), ==, "ideal");
  g_autofree char *p2 = write_exp("add2.ini", HEAD "[grid]\npbx.profile = naive;nat-aware\n");
  g_autoptr(Experiment) f = experiment_load_opts(p2, &lo, &error);
  g_assert_no_error(error);
  g_autoptr(Config) cfg = experiment_run_config(f, 0, 0, NULL);
  g_assert_cmpstr(cfg_str(cfg, "router.alg"), ==, "off"); /* not a factor: fixed (the last one wins) */
}

/* --only keeps levels (seeds unchanged: they follow the cell's values), --replicas overrides. */
static void
test_only_replicas(void)
{
  g_autofree char *path = write_exp("only.ini", HEAD "replicas = 5\n[grid]\nrouter.alg = off;linux;ideal\n"
                                                "phone.transport+pbx.srtp = udp+false;tls+true\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(Experiment) full = experiment_load(path, NULL, &error);
  const char *only[] = {"router.alg=ideal,off", "pbx.srtp=true", NULL};
  ExperimentLoadOptions lo = {.only = only, .replicas = 2};
  g_autoptr(Experiment) e = experiment_load_opts(path, &lo, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(experiment_n_cells(e), ==, 2);
  g_assert_cmpuint(experiment_replicas(e), ==, 2);
  g_assert_cmpstr(experiment_cell_value(e, 0, 0), ==, "off"); /* grid order kept */
  g_assert_cmpstr(experiment_cell_value(e, 1, 1), ==, "tls");
  g_assert_cmpuint(experiment_run_seed(e, 1, 1), ==, experiment_run_seed(full, 5, 1));
  const char *bad[] = {"router.alg=of", NULL};
  lo.only = bad;
  g_assert_null(experiment_load_opts(path, &lo, &error));
  g_assert_nonnull(strstr(error->message, "'of' is not a level of router.alg"));
  g_clear_error(&error);
  const char *notf[] = {"nat.udp_timeout_s=30", NULL};
  lo.only = notf;
  g_assert_null(experiment_load_opts(path, &lo, &error));
  g_assert_nonnull(strstr(error->message, "a factor of [grid]"));
}

/* Bad files: the message names the file, the line, the group and key, and what was expected. */
static void
test_errors(void)
{
  static const struct {
    const char *text;      /* file */
    const char *sets;      /* one --set, or NULL */
    const char *expect[3]; /* substrings of the message */
  } rows[] = {
    {"[grid]\nrouter.alg = off\n", NULL, {"no [experiment] group", NULL, NULL}},
    {"[experiment]\nseed = 1\n", NULL, {"description: missing", ":1:", NULL}},
    {HEAD "replicas = 0\n", NULL, {":3:", "[experiment] replicas: expected an integer 1..9999", NULL}},
    {HEAD "seed = -4\n", NULL, {":3:", "[experiment] seed", NULL}},
    {HEAD "colour = red\n", NULL, {":3:", "[experiment] colour: unknown key", NULL}},
    {HEAD "name = ../x\n", NULL, {":3:", "[experiment] name", NULL}},
    {HEAD "[grid]\nrouter.alg = off;linux\nnat.udp_timeout = 30\n", NULL,
     {":5:", "'nat.udp_timeout' is not a configuration key", "did you mean"}},
    {HEAD "[grid]\nnat.udp_timeout_s = 30;abc\n", NULL, {":4:", "level 'abc'", "nat.udp_timeout_s"}},
    {HEAD "[grid]\nphone.transport+pbx.srtp = udp+false;tls\n", NULL, {":4:", "level 'tls' has 1 value(s); expected 2", NULL}},
    {HEAD "[grid]\nrouter.alg = off;linux;off\n", NULL, {":4:", "level 'off' is listed twice", NULL}},
    {HEAD "[grid]\nrouter.alg =\n", NULL, {":4:", "no levels", NULL}},
    {HEAD "[grid]\nrouter.alg = off;linux\n[router]\nalg = ideal\n", NULL, {":4:", "also fixed at line 6", NULL}},
    {HEAD "[grid]\nrouter.alg = off;linux\nexclude = router.alg=of\n", NULL, {":5:", "router.alg=of matches no level", NULL}},
    {HEAD "[grid]\nrouter.alg = off;linux\nexclude = pbx.srtp=true\n", NULL, {":5:", "'pbx.srtp' is not a factor", NULL}},
    {HEAD "[grid]\nrouter.alg = off\nexclude = router.alg=off\n", NULL, {"every cell is excluded", NULL, NULL}},
    {HEAD "plot_x = pbx.srtp\n[grid]\nrouter.alg = off\n", NULL, {":3:", "plot_x: 'pbx.srtp' is not a factor", NULL}},
    {HEAD "[grid]\nrouter.alg = off;linux\n", "router.alg=ideal", {"--set router.alg", "is a factor of [grid]", NULL}},
    {HEAD "[grid]\nrouter.alg = off\n[nat]\nudp_timeout_s = 5 min\n", NULL, {":6:", "[nat] udp_timeout_s", NULL}},
    {HEAD "[grid]\nrouter.alg = off\n", "nat.udp_timeout_s=x", {"--set nat.udp_timeout_s", NULL, NULL}},
    {HEAD "[include]\nfiles = missing.ini\n", NULL, {"missing.ini", "no such file", NULL}},
    {"not a key file [", NULL, {"not a valid key file", NULL, NULL}},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
    g_autofree char *path = write_exp("bad.ini", rows[i].text);
    const char *sets[] = {rows[i].sets, NULL};
    g_autoptr(GError) error = NULL;
    g_autoptr(Experiment) e = experiment_load(path, sets, &error);
    g_test_message("row %zu: %s", i, error ? error->message : "(loaded)");
    g_assert_null(e);
    g_assert_error(error, CFG_ERROR, error->code);
    if (!rows[i].sets)
      g_assert_nonnull(strstr(error->message, "bad.ini"));
    for (int k = 0; k < 3 && rows[i].expect[k]; k++)
      g_assert_nonnull(strstr(error->message, rows[i].expect[k]));
  }
  g_autoptr(GError) error = NULL;
  g_assert_null(experiment_load("/nonexistent/x.ini", NULL, &error));
  g_assert_error(error, CFG_ERROR, CFG_ERROR_FILE);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  models_register_keys();
  tmpdir = g_dir_make_tmp("algsim-exp-XXXXXX", NULL);
  g_test_add_func("/experiment/grid/zipped-factors-and-exclusions", test_grid_zip_exclude);
  g_test_add_func("/experiment/grid/no-grid-is-one-cell", test_no_grid_is_one_cell);
  g_test_add_func("/experiment/seed/per-cell-replica-stable-crn", test_seeds);
  g_test_add_func("/experiment/config/profile-factor-file-factor-set-order", test_config_order);
  g_test_add_func("/experiment/hash/follows-resolved-config-not-text", test_hash);
  g_test_add_func("/experiment/add-level/joins-factor-or-fixes-key", test_add_level);
  g_test_add_func("/experiment/only/levels-kept-seeds-unchanged", test_only_replicas);
  g_test_add_func("/experiment/errors/name-file-line-key-and-expectation", test_errors);
  int rc = g_test_run();
  g_autoptr(GDir) d = g_dir_open(tmpdir, 0, NULL);
  for (const char *n; d && (n = g_dir_read_name(d));) {
    g_autofree char *p = g_build_filename(tmpdir, n, NULL);
    g_unlink(p);
  }
  g_rmdir(tmpdir);
  g_free(tmpdir);
  return rc;
}
