/* results.h — what a grid leaves behind: one record per run (runs/), and from them calls.csv,
 * cells.csv, manifest.json and config.ini in the results directory.  Every file is written to a
 * temporary name and renamed (g_file_set_contents), so a reader never sees half a file and an
 * interrupted grid leaves only whole runs.  calls.csv and cells.csv depend only on the runs' data,
 * in (cell, replica) order, so the same seed gives the same bytes for any worker count and for
 * merged shards; wall-clock times live only in manifest.json.
 *
 * This file knows the call record's columns by name (audio, cause, connected, ...), not SIP.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RESULTS_ERROR (results_error_quark())
GQuark results_error_quark(void);

typedef enum {
  RESULTS_ERROR_IO,        /* a file could not be read or written */
  RESULTS_ERROR_FORMAT,    /* a run record or manifest is not what algsim writes */
  RESULTS_ERROR_MISMATCH,  /* records of another experiment (hash) or another grid */
} ResultsError;

/* ---- Run records: OUT/runs/c<cell>-r<replica>.json ------------------------------------------- */

typedef struct {
  guint cell;              /* cell index in the grid */
  guint replica;           /* replica, from 0 */
  guint64 seed;            /* the run's sim.seed */
  gboolean ok;             /* the run completed (failed calls are still ok runs) */
  char *error;             /* why the run failed, or NULL */
  double wall_s;           /* wall-clock seconds of the run */
  double call_s;           /* simulated call-seconds (sum over calls of answer to end) */
  GPtrArray *columns;      /* char *: the call record's columns (call_outcome_columns()) */
  GPtrArray *calls;        /* GStrv per call, one value per column, formatted once by the run */
} RunRecord;

RunRecord *run_record_new(void);
void run_record_free(RunRecord *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RunRecord, run_record_free)

/* OUT/runs/c00003-r0002.json (caller frees). */
char *run_record_path(const char *out_dir, guint cell, guint replica);
/* Write atomically (JSON via json-glib, tagged with the experiment hash). */
gboolean run_record_write(const RunRecord *r, const char *exp_hash, const char *path, GError **error);
/* Read one; RESULTS_ERROR_MISMATCH if it belongs to another experiment hash. */
RunRecord *run_record_read(const char *path, const char *exp_hash, GError **error);
/* The run record files in OUT/runs (names, sorted); an empty array if there is no such directory. */
GPtrArray *results_run_files(const char *out_dir, GError **error);
/* Remove temporary files a killed writer left in OUT/runs (g_file_set_contents' "NAME.XXXXXX"). */
guint results_clean_temporaries(const char *out_dir);

/* ---- The experiment as the results need it ---------------------------------------------------- */

typedef struct {
  char *name;              /* experiment name */
  char *description;       /* what it should show */
  char *path;              /* experiment file as given */
  char *file_hash;         /* SHA-256 of its bytes */
  char *hash;              /* experiment hash (results of another one are refused) */
  guint64 seed;            /* experiment seed */
  guint replicas;          /* runs per cell */
  char *plot_x, *plot_y;   /* heatmap factors (column names), or NULL */
  GPtrArray *columns;      /* char *: factor columns */
  GPtrArray *cells;        /* GStrv per cell: its value per factor column */
  char *grid_json;         /* experiment_grid_json() */
  char *config;            /* experiment_config_dump() */
} ResultsMeta;

void results_meta_free(ResultsMeta *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ResultsMeta, results_meta_free)
/* From the "experiment" object of a manifest.json that results_write() wrote (merge uses it). */
ResultsMeta *results_meta_from_manifest(const char *manifest_path, GError **error);

typedef struct {
  const char *started;     /* ISO 8601 UTC of the start */
  double wall_s;           /* wall-clock seconds of the whole command */
  guint jobs;              /* worker processes */
  const char *shard;       /* "K/N", or NULL for the whole grid */
  const char *command;     /* the command line, for the manifest */
  guint64 worker_max_rss_kb; /* peak resident memory of the largest worker (getrusage), 0 if none */
} ResultsRunInfo;

/* Read the runs present in out_dir/runs (every run of the grid, or a shard's) and write
 * calls.csv, cells.csv, manifest.json and config.ini into out_dir.  *missing gets how many runs of
 * the grid have no record (0 for a complete grid). */
gboolean results_write(const ResultsMeta *m, const char *out_dir, const ResultsRunInfo *info,
                       guint *missing, GError **error);

/* Wilson score interval for k successes of n at 95 % (z = 1.959964); n = 0 gives [0, 1]. */
void results_wilson(guint k, guint n, double *lo, double *hi);

G_END_DECLS
