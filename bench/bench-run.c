/* bench-run.c — how fast experiments run, in one run: the quickstart grid (experiments/
 * quickstart.ini) through `algsim run` at --jobs 1 and --jobs 2, reporting simulated call-seconds
 * per wall-clock second (the sum of the runs' call_s over the command's wall_s, both from
 * manifest.json), the ratio of the two (the parallel speed-up on this machine), and the peak
 * resident memory of the largest worker (wait4's ru_maxrss).  --replicas N scales the grid (default
 * 20, so that each figure takes a few seconds).  Not a test: it asserts nothing about speed.
 *
 *   ./build/bench/bench-run [--replicas N] [--algsim PATH] [--experiment FILE]
 */
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <sys/wait.h>

typedef struct {
  double wall_s;        /* the command's wall time */
  double call_s;        /* simulated call-seconds */
  gint64 rss_kb;        /* largest worker's peak RSS */
  guint runs;           /* runs done */
} Figures;

static gboolean
run_once(const char *algsim, const char *exp, guint jobs, guint replicas, Figures *f, GError **error)
{
  g_autofree char *dir = g_dir_make_tmp("algsim-bench-XXXXXX", error);
  if (!dir)
    return FALSE;
  g_autofree char *j = g_strdup_printf("%u", jobs), *r = g_strdup_printf("%u", replicas);
  const char *argv[] = {algsim, "run", exp, "--out", dir, "--jobs", j, "--replicas", r, "--no-plot", "-q", NULL};
  int status = 0;
  g_autofree char *err = NULL;
  if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err, &status, error))
    return FALSE;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "algsim run failed: %s", err);
    return FALSE;
  }
  g_autofree char *manifest = g_build_filename(dir, "manifest.json", NULL);
  g_autoptr(JsonParser) p = json_parser_new();
  if (!json_parser_load_from_file(p, manifest, error))
    return FALSE;
  JsonObject *o = json_node_get_object(json_parser_get_root(p));
  f->wall_s = json_object_get_double_member(o, "wall_s");
  f->rss_kb = json_object_get_int_member(o, "worker_max_rss_kb");
  f->runs = (guint)json_object_get_int_member(o, "runs_present");
  f->call_s = 0;
  JsonArray *cells = json_object_get_array_member(o, "cells");
  for (guint i = 0; i < json_array_get_length(cells); i++)
    f->call_s += json_object_get_double_member(json_array_get_object_element(cells, i), "call_s");
  g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
  return system(cmd) == 0;
}

int
main(int argc, char **argv)
{
  gint replicas = 20;
  g_autofree char *algsim = g_strdup(ALGSIM_BINARY), *exp = g_strdup(ALGSIM_QUICKSTART);
  GOptionEntry entries[] = {
    {"replicas", 0, 0, G_OPTION_ARG_INT, &replicas, "Replicas per cell of the quickstart grid (20)", "N"},
    {"algsim", 0, 0, G_OPTION_ARG_FILENAME, &algsim, "The algsim binary", "PATH"},
    {"experiment", 0, 0, G_OPTION_ARG_FILENAME, &exp, "Another experiment file", "FILE"},
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- call-seconds per second at --jobs 1 and 2");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error) || replicas < 1) {
    fprintf(stderr, "bench-run: %s\n", error ? error->message : "--replicas: expected >= 1");
    return 2;
  }
  Figures f[2];
  for (guint j = 1; j <= 2; j++) {
    if (!run_once(algsim, exp, j, (guint)replicas, &f[j - 1], &error)) {
      fprintf(stderr, "bench-run: %s\n", error->message);
      return 1;
    }
    printf("jobs_%u_runs %u\njobs_%u_wall_s %.2f\njobs_%u_call_s_per_wall_s %.0f\njobs_%u_worker_peak_rss_mb %.1f\n", j,
           f[j - 1].runs, j, f[j - 1].wall_s, j, f[j - 1].call_s / f[j - 1].wall_s, j, f[j - 1].rss_kb / 1024.0);
  }
  printf("speedup_jobs_2_over_1 %.2f\n", (f[1].call_s / f[1].wall_s) / (f[0].call_s / f[0].wall_s));
  return 0;
}
