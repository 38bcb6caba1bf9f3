/* experiment.h — experiment files: a GKeyFile with an [experiment] group (name, description,
 * seed, replicas, plot factors), a [grid] of factors over declared keys, and everything else fixed
 * configuration (profiles, includes, the call plan).  The whole file is validated when it is
 * loaded, before any cell runs: every factor level of every cell must build a configuration.
 *
 *   [experiment]
 *   name = quickstart
 *   description = What the experiment should show.
 *   seed = 1
 *   replicas = 10
 *   [grid]
 *   router.alg = off;linux;wrong-media-port          # a factor: levels separated by ';'
 *   phone.transport+pbx.srtp = udp+false;tls+true     # zipped: keys and values joined by '+'
 *   exclude = router.alg=off & phone.transport=tls    # cells to leave out ('&' = and, ';' = or)
 *   [call]
 *   duration_s = 60
 *
 * A run is one (cell, replica).  Its configuration is built in this order: the cell's profile-valued
 * factors (router.profile, pbx.profile, ...), then the file (its includes, profiles and keys), then
 * the cell's other factors, then --set, then sim.seed.  The run's seed is derived from the
 * experiment seed, the cell's assignment (not its index, so adding a level keeps the other cells'
 * seeds) and the replica, by SHA-256; with common_random_numbers the cell is left out, so every
 * cell sees the same random draws per replica.
 */
#pragma once

#include "config.h"

G_BEGIN_DECLS

typedef struct {
  char *name;          /* as written: "router.alg" or "phone.transport+pbx.srtp" */
  GPtrArray *keys;     /* char *: the keys it sets (one, or several when zipped) */
  GPtrArray *levels;   /* GStrv per level: one value per key */
  int line;            /* its line in the experiment file */
} ExpFactor;

typedef struct Experiment Experiment;

/* Load and validate.  set_args: "group.key=value" assignments applied to every run (NULL-terminated,
 * may be NULL); a --set of a key the grid varies is an error.  Errors (CFG_ERROR) name
 * file:line, the group and key, and what was expected. */
Experiment *experiment_load(const char *path, const char *const *set_args, GError **error);
/* Options of experiment_load_opts(). */
typedef struct {
  const char *const *set_args;   /* as experiment_load() */
  /* "key=value": when key is a factor of its own, the value joins it as one more level (unless
   * listed already); otherwise it is fixed like a --set (`run --alg-plugin` adds its ALG so). */
  const char *const *add_levels;
  /* "key=v1,v2": keep only these levels of the factor that varies key (`run --only`). */
  const char *const *only;
  guint replicas;                /* > 0: instead of [experiment] replicas (`run --replicas`) */
} ExperimentLoadOptions;

Experiment *experiment_load_opts(const char *path, const ExperimentLoadOptions *opts, GError **error);
void experiment_free(Experiment *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Experiment, experiment_free)

const char *experiment_path(const Experiment *e);
const char *experiment_name(const Experiment *e);        /* [experiment] name (default: file stem) */
const char *experiment_description(const Experiment *e);
guint64 experiment_seed(const Experiment *e);
guint experiment_replicas(const Experiment *e);
/* SHA-256 (hex) over the version, seed, replicas and every cell's label and resolved configuration
 * (values, not origins): results carry it, and --resume and merge refuse a different one. */
const char *experiment_hash(const Experiment *e);
/* SHA-256 (hex) of the experiment file's bytes (for the manifest). */
const char *experiment_file_hash(const Experiment *e);
/* The factor names of [experiment] plot_x / plot_y (defaults: the first two factors; NULL if none). */
const char *experiment_plot_x(const Experiment *e);
const char *experiment_plot_y(const Experiment *e);

const GPtrArray *experiment_factors(const Experiment *e); /* ExpFactor * in file order */
/* The factor keys flattened in order (a zipped factor contributes each key): the CSV columns. */
const GPtrArray *experiment_columns(const Experiment *e);  /* char * */

/* Cells left after exclusions, in grid order (the first factor varies slowest). */
guint experiment_n_cells(const Experiment *e);
guint experiment_n_runs(const Experiment *e);              /* cells × replicas */
/* Level index per factor of a cell. */
const guint *experiment_cell_levels(const Experiment *e, guint cell);
/* The cell's value for column i of experiment_columns(). */
const char *experiment_cell_value(const Experiment *e, guint cell, guint column);
/* "router.alg=off;pbx.profile=naive" (column order), "-" for an experiment without factors. */
char *experiment_cell_label(const Experiment *e, guint cell);
/* Run index <-> (cell, replica): run = cell * replicas + replica. */
guint64 experiment_run_seed(const Experiment *e, guint cell, guint replica);
/* The run's configuration (see the top of this file); errors only if a file changed on disk. */
Config *experiment_run_config(const Experiment *e, guint cell, guint replica, GError **error);
/* The base configuration (the file and --set, no factors) as "key = value  # origin" lines of the
 * keys that differ from the defaults, for results/<name>/config.ini. */
char *experiment_config_dump(const Experiment *e);
/* JSON object text describing the grid (factors, levels, exclusions, cells) for manifest.json. */
char *experiment_grid_json(const Experiment *e);

G_END_DECLS
