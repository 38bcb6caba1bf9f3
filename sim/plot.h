/* plot.h — `algsim plot DIR` (also run at the end of `algsim run`): gnuplot figures of a results
 * directory, as PNG (pngcairo) and SVG, in DIR/plots/:
 *   success-heatmap   call success rate (connected, not dropped, two-way audio) over two factors,
 *                     pooled over the others, with the rate printed in each tile;
 *   audio-classes     stacked bars per cell: share of calls two-way / one-way-out / one-way-in /
 *                     none / not set up;
 *   drop-cdf          CDF of drop times (s from the call's start) of dropped calls, one line per
 *                     level of the x factor;
 *   mos               MOS per cell: mean with the 10th-90th percentile range.
 * The gnuplot script of each figure is kept beside it (NAME.gp, reading the CSV files), so a user
 * can restyle it.  Images are written to temporary names and renamed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PLOT_ERROR (plot_error_quark())
GQuark plot_error_quark(void);

typedef enum {
  PLOT_ERROR_INPUT,    /* the directory holds no results (cells.csv/calls.csv/manifest.json) */
  PLOT_ERROR_FACTOR,   /* a factor asked for is not a column of cells.csv */
  PLOT_ERROR_GNUPLOT,  /* gnuplot missing or failed (its stderr in the message) */
} PlotError;

typedef struct {
  const char *x;       /* heatmap x factor (a column of cells.csv); NULL: the manifest's plot_x */
  const char *y;       /* heatmap y factor; NULL: the manifest's plot_y */
  const char *gnuplot; /* gnuplot executable; NULL: "gnuplot" on PATH */
} PlotOptions;

/* Write the figures; *written (may be NULL) gets the image paths (caller unrefs). */
gboolean plot_results(const char *dir, const PlotOptions *opts, GPtrArray **written, GError **error);

G_END_DECLS
