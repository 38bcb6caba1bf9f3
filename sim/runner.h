/* runner.h — run an experiment's grid in worker processes (ns-3 allows one simulation per process,
 * design.md §2), with shards, resume and progress.
 *
 * The parent forks `jobs` workers and hands each one run (cell, replica) at a time over a pipe; a
 * worker builds the run's configuration, calls the run callback, writes the run's record
 * atomically (results.h) and reports back.  Before any run, every cell's configuration is checked
 * by the workers with the check callback, so a bad level fails the whole grid at once (exit 2)
 * instead of run by run.  A worker that dies (a crash, a kill) loses only its current run, which
 * leaves no file; the parent starts another worker.  SIGINT/SIGTERM stop the grid: workers are
 * killed, temporaries removed, and every finished run stays for --resume.
 */
#pragma once

#include "experiment.h"
#include "results.h"

G_BEGIN_DECLS

/* Run one (cell, replica) with cfg (experiment_run_config); fill rec->columns, rec->calls and
 * rec->call_s.  FALSE + error: the run failed (the record says so; failed calls are not errors). */
typedef gboolean (*RunnerRunFn)(void *ctx, const Config *cfg, RunRecord *rec, GError **error);
/* Check that cfg can be run (build everything, run nothing). */
typedef gboolean (*RunnerCheckFn)(void *ctx, const Config *cfg, GError **error);

typedef struct {
  const char *out_dir;     /* results directory (runs go to out_dir/runs) */
  guint jobs;              /* worker processes, >= 1 */
  guint shard_k, shard_n;  /* run only runs with index % shard_n == shard_k - 1; 0/0: all */
  gboolean resume;         /* keep finished runs of the same experiment */
  gboolean force;          /* replace the runs of another experiment in out_dir (else refuse) */
  gboolean tty;            /* draw a progress bar (else plain progress lines) */
  gboolean quiet;          /* no progress output at all */
  RunnerRunFn run;         /* in the worker */
  RunnerCheckFn check;     /* in the worker; NULL: no check */
  void *ctx;               /* for both */
} RunnerOptions;

typedef struct {
  guint total;             /* runs of this shard (or of the grid) */
  guint skipped;           /* finished before (--resume) */
  guint done;              /* run now, records written */
  guint failed;            /* of them, runs that failed (error record) or whose worker died */
  guint lost;              /* runs whose worker died: no record */
  gboolean interrupted;    /* stopped by a signal */
  double wall_s;           /* wall-clock seconds */
  guint64 worker_max_rss_kb; /* peak resident memory of the largest worker (wait4 rusage) */
} RunnerStats;

/* "K/N" -> k, n (1 <= k <= n); FALSE with an error naming --shard otherwise. */
gboolean runner_parse_shard(const char *text, guint *k, guint *n, GError **error);

/* Run the grid.  FALSE + error for problems with the results directory (another experiment's
 * results there, unwritable) or a configuration the check refused (CFG_ERROR); run failures are
 * counted in stats, not errors. */
gboolean runner_run(const Experiment *e, const RunnerOptions *o, RunnerStats *stats, GError **error);

G_END_DECLS
