/* cmd-run.c — `algsim run EXP.ini`, `algsim merge OUT SHARD_DIR...` and `algsim plot DIR`: the
 * researcher's commands.  run loads and validates the experiment (experiment.h), runs its grid in
 * worker processes (runner.h), each run being one call scenario (models/call/scenario.h) whose
 * outcomes become the run's record, then writes the results (results.h) and the plots (plot.h).
 *
 * Exit status: 0 when every run completed, 1 when some run failed or a merge is incomplete, 2 on
 * bad input, 130 when interrupted (finished runs stay; --resume continues).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alg/alg.h"
#include "call/scenario.h"
#include "cli.h"
#include "models.h"
#include "plot-private.h"
#include "runner.h"

#define EXIT_INTERRUPTED 130

/* ---- The run callbacks (in the workers) --------------------------------------------------------- */

static gboolean
run_scenario(void *ctx, const Config *cfg, RunRecord *rec, GError **error)
{
  GPtrArray *outcomes = NULL;
  if (!scenario_run(cfg, NULL, &outcomes, error))
    return FALSE;
  for (guint i = 0; call_outcome_columns[i]; i++)
    g_ptr_array_add(rec->columns, g_strdup(call_outcome_columns[i]));
  /* Call-seconds: answer to hang-up (or drop) of each connected call, as scripted by call.duration_s. */
  double duration = cfg_double(cfg, "call.duration_s");
  for (guint i = 0; i < outcomes->len; i++) {
    const CallOutcome *o = outcomes->pdata[i];
    g_ptr_array_add(rec->calls, call_outcome_row(o));
    if (o->connected)
      rec->call_s += o->dropped && o->drop_time_s >= 0 ? o->drop_time_s : duration;
  }
  g_ptr_array_unref(outcomes);
  return TRUE;
}

static gboolean
check_scenario(void *ctx, const Config *cfg, GError **error)
{
  ScenarioOptions opts = {.check_only = TRUE};
  GPtrArray *outcomes = NULL;
  gboolean ok = scenario_run(cfg, &opts, &outcomes, error);
  if (outcomes)
    g_ptr_array_unref(outcomes);
  return ok;
}

/* ---- Results and plots --------------------------------------------------------------------------- */

static ResultsMeta *
meta_from_experiment(const Experiment *e)
{
  ResultsMeta *m = g_new0(ResultsMeta, 1);
  m->name = g_strdup(experiment_name(e));
  m->description = g_strdup(experiment_description(e));
  m->path = g_strdup(experiment_path(e));
  m->file_hash = g_strdup(experiment_file_hash(e));
  m->hash = g_strdup(experiment_hash(e));
  m->seed = experiment_seed(e);
  m->replicas = experiment_replicas(e);
  m->plot_x = g_strdup(experiment_plot_x(e));
  m->plot_y = g_strdup(experiment_plot_y(e));
  m->columns = g_ptr_array_new_with_free_func(g_free);
  const GPtrArray *cols = experiment_columns(e);
  for (guint i = 0; i < cols->len; i++)
    g_ptr_array_add(m->columns, g_strdup(cols->pdata[i]));
  m->cells = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  for (guint c = 0; c < experiment_n_cells(e); c++) {
    GStrv v = g_new0(char *, cols->len + 1);
    for (guint i = 0; i < cols->len; i++)
      v[i] = g_strdup(experiment_cell_value(e, c, i));
    g_ptr_array_add(m->cells, v);
  }
  m->grid_json = experiment_grid_json(e);
  m->config = experiment_config_dump(e);
  return m;
}

static char *
iso_now(void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  return g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
}

static char *
command_line(int argc, char **argv)
{
  GString *s = g_string_new("algsim");
  for (int i = 0; i < argc; i++) {
    g_autofree char *q = g_shell_quote(argv[i]);
    g_string_append_printf(s, " %s", strpbrk(argv[i], " '\"$\\") ? q : argv[i]);
  }
  return g_string_free(s, FALSE);
}

static gboolean
make_plots(const char *dir, const char *x, const char *y)
{
  PlotOptions po = {.x = x, .y = y};
  g_autoptr(GPtrArray) written = NULL;
  g_autoptr(GError) error = NULL;
  if (!plot_results(dir, &po, &written, &error)) {
    cli_error("plot: %s", error->message);
    return FALSE;
  }
  for (guint i = 0; written && i < written->len; i++)
    printf("  %s\n", (char *)written->pdata[i]);
  return TRUE;
}

/* A few columns of cells.csv for the terminal (read with the plots' RFC 4180 reader). */
static void
print_summary(const char *dir)
{
  g_autofree char *path = g_build_filename(dir, "cells.csv", NULL);
  g_autoptr(PlotTable) t = plot_table_read(path, NULL);
  if (!t)
    return;
  static const char *const cols[] = {"calls", "success_rate", "two_way", "one_way_out", "one_way_in",
                                     "no_audio", "not_set_up", "dropped", "mos_mean"};
  int ix[G_N_ELEMENTS(cols)];
  for (gsize k = 0; k < G_N_ELEMENTS(cols); k++)
    if ((ix[k] = plot_table_column(t, cols[k])) < 0)
      return;
  int runs = plot_table_column(t, "runs"); /* the factor columns lie between "cell" and "runs" */
  printf("%-46s %6s %8s %8s %8s %8s %6s %8s %8s %5s\n", "cell", "calls", "success", "two-way", "1way-out",
         "1way-in", "none", "no-setup", "dropped", "MOS");
  for (guint r = 0; r < t->rows->len; r++) {
    GString *label = g_string_new(NULL);
    for (int i = 1; i < runs; i++)
      g_string_append_printf(label, "%s%s", i > 1 ? " / " : "", plot_table_get(t, r, i));
    if (!label->len)
      g_string_append(label, "all");
    const char *mos = plot_table_get(t, r, ix[8]);
    printf("%-46.46s %6s %7.1f%% %8s %8s %8s %6s %8s %8s %5.5s\n", label->str, plot_table_get(t, r, ix[0]),
           g_ascii_strtod(plot_table_get(t, r, ix[1]), NULL) * 100, plot_table_get(t, r, ix[2]),
           plot_table_get(t, r, ix[3]), plot_table_get(t, r, ix[4]), plot_table_get(t, r, ix[5]),
           plot_table_get(t, r, ix[6]), plot_table_get(t, r, ix[7]), *mos ? mos : "-");
    g_string_free(label, TRUE);
  }
}

/* ---- algsim run ---------------------------------------------------------------------------------- */

int
cmd_run(int argc, char **argv)
{
  g_autofree char *out = NULL, *shard = NULL, *plugin = NULL;
  g_auto(GStrv) sets = NULL, only = NULL;
  gint jobs = 0, replicas = 0;
  gboolean resume = FALSE, no_plot = FALSE, quiet = FALSE, force = FALSE;
  GOptionEntry entries[] = {
    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Results directory (default: results/NAME)", "DIR"},
    {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "Worker processes (default: one per core)", "N"},
    {"shard", 0, 0, G_OPTION_ARG_STRING, &shard, "Run only shard K of N (runs with index % N == K-1)", "K/N"},
    {"resume", 0, 0, G_OPTION_ARG_NONE, &resume, "Keep finished runs in DIR and run only the others", NULL},
    {"force", 0, 0, G_OPTION_ARG_NONE, &force, "Replace the results of another experiment in DIR", NULL},
    {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, "Fix a key for every run (repeatable)", "K=V"},
    {"only", 0, 0, G_OPTION_ARG_STRING_ARRAY, &only, "Keep only these levels of a factor (repeatable)", "K=V1,V2"},
    {"replicas", 0, 0, G_OPTION_ARG_INT, &replicas, "Replicas per cell instead of the file's", "N"},
    {"alg-plugin", 0, 0, G_OPTION_ARG_FILENAME, &plugin,
     "Load a vendor ALG plugin; its ALG joins the router.alg factor (or becomes router.alg)", "FILE"},
    {"no-plot", 0, 0, G_OPTION_ARG_NONE, &no_plot, "Do not run gnuplot at the end", NULL},
    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress output", NULL},
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("EXPERIMENT.ini - run an experiment's grid");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(
    ctx, "Writes calls.csv, cells.csv, manifest.json, config.ini and plots/ into DIR (results/README.md).\n"
         "Examples:\n"
         "  algsim run experiments/quickstart.ini\n"
         "  algsim run experiments/seed-symptoms.ini --jobs 8 --shard 3/10 --out /scratch/sym-3\n"
         "  algsim merge results/seed-symptoms /scratch/sym-*");
  if (!cli_parse(ctx, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 2) {
    cli_error("run: expected one experiment file (try 'algsim run --help')");
    return CLI_EXIT_USAGE;
  }
  if (replicas < 0 || replicas > 9999) {
    cli_error("run: --replicas %d: expected 1..9999", replicas);
    return CLI_EXIT_USAGE;
  }
  if (jobs < 0 || jobs > 1024) {
    cli_error("run: --jobs %d: expected 1..1024", jobs);
    return CLI_EXIT_USAGE;
  }
  g_autoptr(GError) error = NULL;
  guint sk = 0, sn = 0;
  if (shard && !runner_parse_shard(shard, &sk, &sn, &error)) {
    cli_error("run: %s", error->message);
    return CLI_EXIT_USAGE;
  }
  models_register_keys();
  g_autofree char *plugin_level = NULL;
  if (plugin) {
    const char *name = alg_plugin_load(plugin, &error);
    if (!name) {
      cli_error("run: %s", error->message);
      return CLI_EXIT_USAGE;
    }
    plugin_level = g_strdup_printf("router.alg=%s", name);
  }
  const char *add[] = {plugin_level, NULL};
  ExperimentLoadOptions lo = {.set_args = (const char *const *)sets, .add_levels = add,
                              .only = (const char *const *)only, .replicas = (guint)replicas};
  g_autoptr(Experiment) e = experiment_load_opts(argv[1], &lo, &error);
  if (!e) {
    cli_error("%s", error->message);
    return CLI_EXIT_USAGE;
  }
  if (!out)
    out = g_build_filename("results", experiment_name(e), NULL);
  g_autofree char *started = iso_now();
  RunnerOptions ro = {
    .out_dir = out,
    .jobs = jobs ? (guint)jobs : (guint)MAX(1, g_get_num_processors()),
    .shard_k = sk,
    .shard_n = sn,
    .resume = resume,
    .force = force,
    .tty = isatty(STDERR_FILENO),
    .quiet = quiet,
    .run = run_scenario,
    .check = check_scenario,
  };
  if (!quiet)
    fprintf(stderr, "algsim run: %s: %u cells x %u replicas%s on %u workers -> %s\n", experiment_name(e),
            experiment_n_cells(e), experiment_replicas(e), shard ? " (one shard)" : "", ro.jobs, out);
  RunnerStats st;
  if (!runner_run(e, &ro, &st, &error)) {
    cli_error("run: %s", error->message);
    return error->domain == CFG_ERROR ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
  }
  if (st.interrupted) {
    cli_error("run: interrupted: %u of %u runs are finished in %s; run again with --resume to continue",
              st.done + st.skipped - st.lost, st.total, out);
    return EXIT_INTERRUPTED;
  }
  g_autoptr(ResultsMeta) meta = meta_from_experiment(e);
  g_autofree char *cmdline = command_line(argc, argv);
  ResultsRunInfo info = {.started = started, .wall_s = st.wall_s, .jobs = ro.jobs, .shard = shard,
                         .command = cmdline, .worker_max_rss_kb = st.worker_max_rss_kb};
  guint missing = 0;
  if (!results_write(meta, out, &info, &missing, &error)) {
    cli_error("run: %s", error->message);
    return CLI_EXIT_FAILURE;
  }
  if (!quiet)
    print_summary(out);
  printf("results: %s/{calls.csv,cells.csv,manifest.json,config.ini}\n", out);
  gboolean plots_ok = no_plot || shard || make_plots(out, NULL, NULL);
  if (st.lost)
    cli_error("run: %u runs have no record (their worker died); run again with --resume to run them", st.lost);
  if (st.failed > st.lost)
    cli_error("run: %u of %u runs failed (the messages above; failed_runs in cells.csv)", st.failed - st.lost,
              st.total);
  if (st.failed)
    return CLI_EXIT_FAILURE;
  return plots_ok ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

/* ---- algsim merge --------------------------------------------------------------------------------- */

static gboolean
copy_runs(const char *from, const char *to, const char *hash, guint *copied, GError **error)
{
  g_autofree char *src = g_build_filename(from, "runs", NULL);
  g_autofree char *dst = g_build_filename(to, "runs", NULL);
  g_mkdir_with_parents(dst, 0755);
  g_autoptr(GPtrArray) names = results_run_files(from, error);
  if (!names)
    return FALSE;
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *a = g_build_filename(src, names->pdata[i], NULL);
    g_autofree char *b = g_build_filename(dst, names->pdata[i], NULL);
    g_autoptr(RunRecord) rec = run_record_read(a, hash, error);
    if (!rec)
      return FALSE;
    g_autofree char *text = NULL;
    gsize len = 0;
    if (!g_file_get_contents(a, &text, &len, error) || !g_file_set_contents(b, text, (gssize)len, error))
      return FALSE;
    (*copied)++;
  }
  return TRUE;
}

int
cmd_merge(int argc, char **argv)
{
  gboolean no_plot = FALSE;
  GOptionEntry entries[] = {
    {"no-plot", 0, 0, G_OPTION_ARG_NONE, &no_plot, "Do not run gnuplot at the end", NULL},
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("OUT SHARD_DIR... - merge the results of shards");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(ctx, "Every SHARD_DIR is the --out of one 'algsim run --shard K/N' of the same "
                                        "experiment;\nOUT gets the runs of all of them and the results of the whole "
                                        "grid.");
  if (!cli_parse(ctx, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc < 3) {
    cli_error("merge: expected OUT and at least one SHARD_DIR");
    return CLI_EXIT_USAGE;
  }
  const char *out = argv[1];
  g_autoptr(ResultsMeta) meta = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *started = iso_now();
  gint64 t0 = g_get_monotonic_time();
  guint copied = 0;
  for (int i = 2; i < argc; i++) {
    g_autofree char *mpath = g_build_filename(argv[i], "manifest.json", NULL);
    g_autoptr(ResultsMeta) m = results_meta_from_manifest(mpath, &error);
    if (!m) {
      cli_error("merge: %s", error->message);
      return CLI_EXIT_USAGE;
    }
    if (meta && g_strcmp0(meta->hash, m->hash) != 0) {
      cli_error("merge: %s is a shard of another experiment (hash %.12s, %s has %.12s)", argv[i], m->hash, argv[2],
                meta->hash);
      return CLI_EXIT_USAGE;
    }
    if (!meta)
      meta = g_steal_pointer(&m);
    if (!copy_runs(argv[i], out, meta->hash, &copied, &error)) {
      cli_error("merge: %s", error->message);
      return CLI_EXIT_FAILURE;
    }
  }
  g_autofree char *cmdline = command_line(argc, argv);
  ResultsRunInfo info = {.started = started, .wall_s = (g_get_monotonic_time() - t0) / 1e6, .jobs = 0,
                         .command = cmdline};
  guint missing = 0;
  if (!results_write(meta, out, &info, &missing, &error)) {
    cli_error("merge: %s", error->message);
    return CLI_EXIT_FAILURE;
  }
  printf("merged %u runs from %d shard directories into %s\n", copied, argc - 2, out);
  if (missing) {
    cli_error("merge: %u runs of the grid are missing (a shard not merged, or not finished)", missing);
    return CLI_EXIT_FAILURE;
  }
  return no_plot || make_plots(out, NULL, NULL) ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

/* ---- algsim plot ---------------------------------------------------------------------------------- */

int
cmd_plot(int argc, char **argv)
{
  g_autofree char *x = NULL, *y = NULL;
  GOptionEntry entries[] = {
    {"x", 'x', 0, G_OPTION_ARG_STRING, &x, "Heatmap x factor (default: the experiment's plot_x)", "KEY"},
    {"y", 'y', 0, G_OPTION_ARG_STRING, &y, "Heatmap y factor (default: the experiment's plot_y)", "KEY"},
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("DIR - plot a results directory with gnuplot");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(ctx, "Writes DIR/plots/{success-heatmap,audio-classes,drop-cdf,mos}.{png,svg} "
                                        "and the gnuplot\nscripts (.gp) that made them.");
  if (!cli_parse(ctx, &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc != 2) {
    cli_error("plot: expected one results directory");
    return CLI_EXIT_USAGE;
  }
  PlotOptions po = {.x = x, .y = y};
  g_autoptr(GPtrArray) written = NULL;
  g_autoptr(GError) error = NULL;
  if (!plot_results(argv[1], &po, &written, &error)) {
    cli_error("plot: %s", error->message);
    return error->domain == PLOT_ERROR && error->code == PLOT_ERROR_GNUPLOT ? CLI_EXIT_FAILURE : CLI_EXIT_USAGE;
  }
  for (guint i = 0; i < written->len; i++)
    printf("%s\n", (char *)written->pdata[i]);
  return CLI_EXIT_OK;
}
