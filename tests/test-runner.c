/* test-runner.c — `algsim run`, `algsim merge` and `algsim plot` end to end: the same bytes at any
 * --jobs and after merging shards, an interrupted grid or a killed worker that --resume completes to
 * the same bytes, no temporary files left behind, another experiment's results refused, and bad
 * levels refused before any run.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "test-util.h"

static char *tmpdir;
static char *small; /* tests/data/experiments/small.ini */

static char *
out_dir(const char *name)
{
  return g_build_filename(tmpdir, name, NULL);
}

/* Run algsim with these arguments (NULL-terminated); returns the exit status, output in *err. */
static int
algsim(char **err, const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (gpointer)g_getenv("ALGSIM"));
  va_list ap;
  va_start(ap, first);
  for (const char *a = first; a; a = va_arg(ap, const char *))
    g_ptr_array_add(argv, (gpointer)a);
  va_end(ap);
  g_ptr_array_add(argv, NULL);
  g_autofree char *out = NULL, *e = NULL;
  int status = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &e, &status, &error));
  g_test_message("%s%s", out, e);
  if (err)
    *err = g_strdup_printf("%s%s", out, e);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *
slurp(const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  return text;
}

static void
assert_same_results(const char *a, const char *b)
{
  const char *files[] = {"calls.csv", "cells.csv", "config.ini"};
  for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
    g_autofree char *x = slurp(a, files[i]), *y = slurp(b, files[i]);
    g_assert_cmpstr(x, ==, y);
  }
}

static guint
count_files(const char *dir, const char *suffix, guint *others)
{
  g_autofree char *runs = g_build_filename(dir, "runs", NULL);
  g_autoptr(GDir) d = g_dir_open(runs, 0, NULL);
  guint n = 0;
  if (others)
    *others = 0;
  for (const char *f; d && (f = g_dir_read_name(d));)
    if (g_str_has_suffix(f, suffix))
      n++;
    else if (others)
      (*others)++;
  return n;
}

/* The reference: the small grid at --jobs 1. */
static const char *
reference(void)
{
  static char *ref;
  if (!ref) {
    ref = out_dir("ref");
    g_assert_cmpint(algsim(NULL, "run", small, "--out", ref, "--jobs", "1", "--no-plot", NULL), ==, 0);
  }
  return ref;
}

static void
test_jobs_identical(void)
{
  g_autofree char *two = out_dir("jobs2");
  g_autofree char *msg = NULL;
  g_assert_cmpint(algsim(&msg, "run", small, "--out", two, "--jobs", "2", "--no-plot", NULL), ==, 0);
  assert_same_results(reference(), two);
  g_autofree char *calls = slurp(two, "calls.csv");
  g_assert_cmpuint(g_strv_length(g_strsplit(calls, "\n", -1)), ==, 1 + 8 + 1); /* header, 8 calls, "" */
  g_autofree char *manifest = slurp(two, "manifest.json");
  g_assert_nonnull(strstr(manifest, "\"complete\" : true"));
  g_assert_nonnull(strstr(manifest, "\"jobs\" : 2"));
  g_assert_cmpuint(count_files(two, ".json", NULL), ==, 8);
  /* The PBX profile and the ALG decide: off + naive is one-way, the rest two-way. */
  g_autofree char *cells = slurp(two, "cells.csv");
  g_assert_nonnull(strstr(cells, "\n0,off,naive,2,0,2,2,2,0,0,0,2,"));
  g_assert_nonnull(strstr(cells, "\n2,linux,naive,2,0,2,2,2,0,2,2,0,"));
}

static void
test_shards_merge(void)
{
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func(g_free);
  for (int k = 1; k <= 3; k++) {
    g_autofree char *shard = g_strdup_printf("%d/3", k);
    char *dir = g_strdup_printf("%s/shard%d", tmpdir, k);
    g_assert_cmpint(algsim(NULL, "run", small, "--out", dir, "--shard", shard, "--no-plot", NULL), ==, 0);
    g_ptr_array_add(dirs, dir);
  }
  g_assert_cmpuint(count_files(dirs->pdata[0], ".json", NULL), ==, 3); /* runs 0, 3, 6 */
  g_autofree char *merged = out_dir("merged");
  g_autofree char *msg = NULL;
  /* Two shards are not the grid. */
  g_assert_cmpint(algsim(&msg, "merge", merged, dirs->pdata[0], dirs->pdata[1], "--no-plot", NULL), ==, 1);
  g_assert_nonnull(strstr(msg, "2 runs of the grid are missing"));
  g_assert_cmpint(algsim(NULL, "merge", merged, dirs->pdata[0], dirs->pdata[1], dirs->pdata[2], "--no-plot", NULL), ==,
                  0);
  assert_same_results(reference(), merged);
  g_autofree char *bogus = out_dir("not-results");
  g_mkdir_with_parents(bogus, 0755);
  g_clear_pointer(&msg, g_free);
  g_assert_cmpint(algsim(&msg, "merge", merged, bogus, NULL), ==, 2);
  g_assert_nonnull(strstr(msg, "manifest.json"));
}

/* Start `algsim run` in the background; stop it once `runs` records exist with `sig` sent to the
 * parent (or to a worker when to_worker); returns the exit status. */
static int
run_and_signal(const char *dir, int sig, gboolean to_worker, char **msg)
{
  const char *argv[] = {g_getenv("ALGSIM"), "run", small, "--out", dir, "--jobs", "2", "--no-plot", "--set",
                        "call.duration_s=120", NULL};
  GPid pid;
  int err_fd;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, NULL,
                                         NULL, &err_fd, &error));
  for (int i = 0; i < 3000 && count_files(dir, ".json", NULL) < 1; i++)
    g_usleep(10000);
  if (to_worker) {
    g_autofree char *path = g_strdup_printf("/proc/%d/task/%d/children", pid, pid);
    g_autofree char *kids = NULL;
    g_assert_true(g_file_get_contents(path, &kids, NULL, NULL));
    int child = atoi(kids);
    g_assert_cmpint(child, >, 0);
    kill(child, sig);
  } else {
    kill(pid, sig);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  g_spawn_close_pid(pid);
  GString *s = g_string_new(NULL);
  char buf[4096];
  ssize_t n;
  while ((n = read(err_fd, buf, sizeof buf)) > 0)
    g_string_append_len(s, buf, n);
  close(err_fd);
  *msg = g_string_free(s, FALSE);
  g_test_message("%s", *msg);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void
test_interrupt_resume(void)
{
  g_autofree char *ref = out_dir("long-ref");
  g_assert_cmpint(algsim(NULL, "run", small, "--out", ref, "--no-plot", "--set", "call.duration_s=120", NULL), ==, 0);
  g_autofree char *dir = out_dir("interrupted");
  g_autofree char *msg = NULL;
  int rc = run_and_signal(dir, SIGINT, FALSE, &msg);
  guint others = 0, done = count_files(dir, ".json", &others);
  g_assert_cmpuint(others, ==, 0); /* no temporaries */
  if (rc == 130) {
    g_assert_nonnull(strstr(msg, "--resume"));
    g_assert_cmpuint(done, <, 8);
  } else {
    g_assert_cmpint(rc, ==, 0); /* finished before the signal: nothing to resume, still whole */
  }
  g_clear_pointer(&msg, g_free);
  g_assert_cmpint(algsim(&msg, "run", small, "--out", dir, "--no-plot", "--resume", "--set", "call.duration_s=120", NULL),
                  ==, 0);
  g_assert_cmpuint(count_files(dir, ".json", NULL), ==, 8);
  assert_same_results(ref, dir);
}

static void
test_killed_worker(void)
{
  g_autofree char *ref = out_dir("long-ref");
  g_autofree char *dir = out_dir("killed");
  g_autofree char *msg = NULL;
  int rc = run_and_signal(dir, SIGKILL, TRUE, &msg);
  guint others = 0;
  count_files(dir, ".json", &others);
  g_assert_cmpuint(others, ==, 0);
  if (rc != 0) {
    g_assert_cmpint(rc, ==, 1);
    g_assert_nonnull(strstr(msg, "worker died (signal 9"));
    g_assert_nonnull(strstr(msg, "--resume"));
    g_assert_cmpuint(count_files(dir, ".json", NULL), ==, 7);
  }
  g_assert_cmpint(algsim(NULL, "run", small, "--out", dir, "--no-plot", "--resume", "--set", "call.duration_s=120", NULL),
                  ==, 0);
  assert_same_results(ref, dir);
}

/* Results of another experiment (here: other --set) are not mixed in or deleted. */
static void
test_other_experiment_refused(void)
{
  g_autofree char *dir = out_dir("other");
  g_assert_cmpint(algsim(NULL, "run", small, "--out", dir, "--no-plot", NULL), ==, 0);
  g_autofree char *msg = NULL;
  g_assert_cmpint(algsim(&msg, "run", small, "--out", dir, "--no-plot", "--resume", "--set", "call.duration_s=6", NULL),
                  ==, 1);
  g_assert_nonnull(strstr(msg, "another experiment"));
  g_assert_nonnull(strstr(msg, "--force"));
  g_assert_cmpuint(count_files(dir, ".json", NULL), ==, 8);
  /* --force replaces them. */
  g_assert_cmpint(algsim(NULL, "run", small, "--out", dir, "--no-plot", "--force", "--set", "call.duration_s=6", NULL),
                  ==, 0);
  g_autofree char *six = slurp(dir, "config.ini");
  g_assert_nonnull(strstr(six, "call.duration_s = 6"));
  /* Back to the first experiment (--force), then the same one again without --resume starts over,
   * to the same bytes. */
  g_assert_cmpint(algsim(NULL, "run", small, "--out", dir, "--no-plot", "--force", NULL), ==, 0);
  g_assert_cmpint(algsim(NULL, "run", small, "--out", dir, "--no-plot", NULL), ==, 0);
  assert_same_results(reference(), dir);
}

/* Every cell is checked before any run: an ALG that does not exist stops the grid at once. */
static void
test_check_before_runs(void)
{
  g_autofree char *path = g_build_filename(tmpdir, "badlevel.ini", NULL);
  g_assert_true(g_file_set_contents(path,
                                    "[experiment]\ndescription = bad\n[grid]\nrouter.alg = off;no-such-alg\n"
                                    "[call]\nduration_s = 5\n",
                                    -1, NULL));
  g_autofree char *dir = out_dir("badlevel");
  g_autofree char *msg = NULL;
  g_assert_cmpint(algsim(&msg, "run", path, "--out", dir, "--no-plot", NULL), ==, 2);
  g_assert_nonnull(strstr(msg, "cell 1 (router.alg=no-such-alg)"));
  g_assert_nonnull(strstr(msg, "no-such-alg"));
  g_assert_cmpuint(count_files(dir, ".json", NULL), ==, 0);
  g_clear_pointer(&msg, g_free);
  g_assert_cmpint(algsim(&msg, "run", small, "--jobs", "0x", NULL), ==, 2);
  g_clear_pointer(&msg, g_free);
  g_assert_cmpint(algsim(&msg, "run", small, "--shard", "4/3", NULL), ==, 2);
  g_assert_nonnull(strstr(msg, "--shard 4/3: expected K/N"));
  g_clear_pointer(&msg, g_free);
  g_assert_cmpint(algsim(&msg, "run", "/nonexistent.ini", NULL), ==, 2);
  g_assert_nonnull(strstr(msg, "/nonexistent.ini"));
}

/* --alg-plugin: the plugin's ALG joins the router.alg factor as one more level (the vendors'
 * scoring run); the example plugin rewrites the SDP, so the naive PBX hears the phone's peer. */
static void
test_plugin_level(void)
{
  g_autofree char *dir = out_dir("plugin");
  g_autofree char *msg = NULL;
  g_assert_cmpint(algsim(&msg, "run", small, "--out", dir, "--no-plot", "--alg-plugin", g_getenv("ALGSIM_PLUGIN_EXAMPLE"),
                         "--only", "pbx.profile=naive", NULL),
                  ==, 0);
  g_autofree char *cells = slurp(dir, "cells.csv");
  g_assert_nonnull(strstr(cells, "\n0,off,naive,"));
  g_assert_nonnull(strstr(cells, "\n1,linux,naive,"));
  g_assert_nonnull(strstr(cells, "\n2,contact-fixer,naive,2,0,2,2,2,0,2,2,0,")); /* two-way, both replicas */
  g_clear_pointer(&msg, g_free);
  g_assert_cmpint(algsim(&msg, "run", small, "--alg-plugin", g_getenv("ALGSIM_PLUGIN_BROKEN_NO_SYMBOL"), NULL), ==, 2);
  g_assert_nonnull(strstr(msg, "algsim_alg_plugin_v1"));
}

/* The end of a run plots, and `algsim plot` redraws with other factors. */
static void
test_run_plots(void)
{
  if (!g_find_program_in_path("gnuplot")) {
    g_test_skip("gnuplot is not installed");
    return;
  }
  g_autofree char *dir = out_dir("plotted");
  g_assert_cmpint(algsim(NULL, "run", small, "--out", dir, NULL), ==, 0);
  const char *figs[] = {"success-heatmap", "audio-classes", "drop-cdf", "mos"};
  for (gsize i = 0; i < G_N_ELEMENTS(figs); i++)
    for (int k = 0; k < 2; k++) {
      g_autofree char *p = g_strdup_printf("%s/plots/%s.%s", dir, figs[i], k ? "svg" : "png");
      g_assert_true(g_file_test(p, G_FILE_TEST_IS_REGULAR));
    }
  g_autofree char *msg = NULL;
  g_assert_cmpint(algsim(&msg, "plot", dir, "--x", "pbx.profile", "--y", "router.alg", NULL), ==, 0);
  g_clear_pointer(&msg, g_free);
  g_assert_cmpint(algsim(&msg, "plot", dir, "--x", "nat.udp_timeout_s", NULL), ==, 2);
  g_assert_nonnull(strstr(msg, "nat.udp_timeout_s"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  tmpdir = g_dir_make_tmp("algsim-runner-XXXXXX", NULL);
  small = tu_data_path("experiments/small.ini");
  g_test_add_func("/runner/jobs/one-and-two-workers-same-bytes", test_jobs_identical);
  g_test_add_func("/runner/shards/merge-equals-single-run", test_shards_merge);
  g_test_add_func("/runner/resume/sigint-then-resume-same-bytes", test_interrupt_resume);
  g_test_add_func("/runner/resume/killed-worker-loses-one-run-resume-completes", test_killed_worker);
  g_test_add_func("/runner/out/other-experiment-refused", test_other_experiment_refused);
  g_test_add_func("/runner/check/bad-level-refused-before-any-run", test_check_before_runs);
  g_test_add_func("/runner/plugin/joins-router-alg-factor", test_plugin_level);
  g_test_add_func("/runner/plot/run-plots-and-plot-redraws", test_run_plots);
  int rc = g_test_run();
  g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
  if (system(cmd) != 0)
    rc = rc ? rc : 1;
  return rc;
}
