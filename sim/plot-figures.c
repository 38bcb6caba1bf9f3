/* plot-figures.c — the four figures of `algsim plot` (plot.h): for each, the data derived from
 * cells.csv or calls.csv (results/README.md) as a tab-separated NAME.dat, and a gnuplot 5.4 script
 * NAME.gp that draws it.  Text from the results (factor names and values, the experiment's name)
 * is drawn `noenhanced`, so "nat_aware" keeps its underscore instead of becoming a subscript.
 * Numbers are printed with fixed formats, so the same results give the same bytes.
 */
#include "plot-private.h"

#include <string.h>

/* Audio classes of cells.csv, bottom to top of the stacked bars (results/README.md). */
static const struct {
  const char *column; /* count column of cells.csv */
  const char *title;  /* legend entry */
  const char *colour; /* fill */
} audio_classes[] = {
  {"two_way", "two-way", "#2ca02c"},
  {"one_way_out", "one-way out", "#ff7f0e"},
  {"one_way_in", "one-way in", "#9467bd"},
  {"no_audio", "none", "#d62728"},
  {"not_set_up", "not set up", "#7f7f7f"},
};

/* Line colours of the drop-time CDFs, one per level, cycling. */
static const char *const line_colours[] = {
  "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
};

static guint
clamp_px(double px, guint lo, guint hi)
{
  return px < lo ? lo : px > hi ? hi : (guint)px;
}

/* Widest label in characters. */
static guint
max_chars(const GPtrArray *labels)
{
  guint m = 0;

  for (guint i = 0; i < labels->len; i++)
    m = MAX(m, (guint)g_utf8_strlen(labels->pdata[i], -1));
  return m;
}

/* "set xlabel 'NAME' noenhanced", or no label. */
static void
axis_label(GString *gp, const char *axis, const char *text)
{
  g_string_append_printf(gp, "set %slabel ", axis);
  plot_gp_string(gp, text != NULL ? text : "");
  g_string_append(gp, " noenhanced\n");
}

/* The level index of row in t for factor f (0 without a factor). */
static gboolean
level_of(PlotFactor *f, const PlotTable *t, guint row, guint *out, GError **error)
{
  g_autofree char *v = NULL;

  *out = 0;
  if (f == NULL)
    return TRUE;
  if ((v = plot_factor_value(f, t, row, error)) == NULL)
    return FALSE;
  *out = plot_factor_level(f, v);
  return TRUE;
}

/* A centred message on empty axes, for a figure with nothing to draw. */
static void
empty_figure(PlotFigure *f, const char *message, guint width, guint height)
{
  g_string_append(f->gp, "set label 1 ");
  plot_gp_string(f->gp, message);
  g_string_append(f->gp, " at graph 0.5, graph 0.5 center font \",14\" noenhanced\n"
                         "unset key\n");
  plot_gp_end(f, width, height, "plot NaN notitle");
}

/* The x axis of a figure with one slot per cell: label, tics and range; returns the width. */
static guint
cell_axis(const Plot *p, PlotFigure *f, const GPtrArray *labels, guint *height)
{
  guint width = clamp_px(340 + 56.0 * labels->len, 640, 4000);
  gboolean rotate = plot_crowded(labels, (width - 340.0) / MAX(labels->len, 1));
  g_autoptr(GString) names = g_string_new(NULL);

  for (guint i = 0; i < p->factor_cols->len; i++)
    g_string_append_printf(names, "%s%s", i ? " / " : "", (char *)p->factor_cols->pdata[i]);
  axis_label(f->gp, "x", names->str);
  plot_gp_tics(f->gp, "x", labels, rotate);
  g_string_append_printf(f->gp, "set xrange [-0.6:%u.4]\n", labels->len - 1);
  *height = 480 + (rotate ? MIN(max_chars(labels), 60) * 4 : 0);
  return width;
}

/* ---- success-heatmap ---------------------------------------------------------------------------- */

/* "70%", or "66.7%" when the percentage is not whole. */
static char *
percent_label(guint64 k, guint64 n)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if ((k * 100) % n == 0)
    return g_strdup_printf("%" G_GUINT64_FORMAT "%%", k * 100 / n);
  return g_strdup_printf("%s%%", g_ascii_formatd(buf, sizeof buf, "%.1f", 100.0 * k / n));
}

gboolean
plot_fig_heatmap(const Plot *p, PlotFigure *f, GError **error)
{
  const PlotTable *t = p->cells;
  int c_success = plot_table_require(t, "success", error);
  int c_calls = c_success < 0 ? -1 : plot_table_require(t, "calls", error);
  guint nx, ny, width, height;
  g_autofree guint64 *success = NULL, *calls = NULL;
  g_autofree gboolean *present = NULL;
  g_autoptr(GPtrArray) xlabels = g_ptr_array_new();
  g_autoptr(GString) what = g_string_new("call success");
  double tile_px, ylabels_px;
  gboolean rotate;

  if (c_calls < 0)
    return FALSE;
  nx = p->x != NULL ? p->x->levels->len : 1;
  ny = p->y != NULL ? p->y->levels->len : 1;
  success = g_new0(guint64, nx * ny);
  calls = g_new0(guint64, nx * ny);
  present = g_new0(gboolean, nx * ny);
  for (guint row = 0; row < t->rows->len; row++) {
    guint xi, yi;
    guint64 s, n;

    if (!level_of(p->x, t, row, &xi, error) || !level_of(p->y, t, row, &yi, error) ||
        !plot_table_uint(t, row, c_success, &s, error) ||
        !plot_table_uint(t, row, c_calls, &n, error))
      return FALSE;
    if (s > n) {
      g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT,
                  "%s:%u: success (%" G_GUINT64_FORMAT ") exceeds calls (%" G_GUINT64_FORMAT ")",
                  t->name, g_array_index(t->lines, guint, row), s, n);
      return FALSE;
    }
    g_assert(xi < nx && yi < ny);
    success[yi * nx + xi] += s;
    calls[yi * nx + xi] += n;
    present[yi * nx + xi] = TRUE;
  }

  if (p->x != NULL)
    g_string_append_printf(what, " by %s", p->x->name);
  if (p->y != NULL)
    g_string_append_printf(what, " and %s", p->y->name);
  plot_gp_begin(f, p, what->str);
  g_string_append(f->dat, "# a call succeeds when it connected, was not dropped and had two-way audio\n"
                          "# success rate = sum(success) / sum(calls) over the cells of each tile"
                          " (pooled over the other factors); \"-\": no calls\n"
                          "# columns: x_index y_index success calls rate label x_level y_level\n");
  for (guint yi = 0; yi < ny; yi++)
    for (guint xi = 0; xi < nx; xi++) {
      guint k = yi * nx + xi;

      if (!present[k])
        continue; /* no cell of the grid has these levels (excluded) */
      g_string_append_printf(f->dat, "%u\t%u\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t", xi,
                             yi, success[k], calls[k]);
      if (calls[k] > 0) {
        g_autofree char *label = percent_label(success[k], calls[k]);

        plot_num(f->dat, "%.6f", (double)success[k] / calls[k]);
        g_string_append_printf(f->dat, "\t%s\t", label);
      } else {
        g_string_append(f->dat, "-\tno calls\t");
      }
      plot_dat_text(f->dat, p->x != NULL ? p->x->levels->pdata[xi] : "all");
      g_string_append_c(f->dat, '\t');
      plot_dat_text(f->dat, p->y != NULL ? p->y->levels->pdata[yi] : "");
      g_string_append_c(f->dat, '\n');
    }

  if (p->x != NULL)
    g_ptr_array_extend(xlabels, p->x->levels, NULL, NULL);
  else
    g_ptr_array_add(xlabels, "all");
  /* Tiles as wide as their labels (up to 200 px), then labels rotated. */
  tile_px = CLAMP(max_chars(xlabels) * 6.5 + 16, 90, 200);
  ylabels_px = p->y != NULL ? MIN(max_chars(p->y->levels), 40) * 6.5 : 0;
  width = clamp_px(220 + ylabels_px + tile_px * nx, 560, 4000);
  height = clamp_px(170 + 70.0 * ny, 300, 3000);
  rotate = plot_crowded(xlabels, (width - 220.0 - ylabels_px) / nx);
  if (rotate)
    height += MIN(max_chars(xlabels), 60) * 4;
  axis_label(f->gp, "x", p->x != NULL ? p->x->name : NULL);
  axis_label(f->gp, "y", p->y != NULL ? p->y->name : NULL);
  g_string_append_printf(f->gp, "set xrange [-0.5:%u.5]\nset yrange [%u.5:-0.5]\n", nx - 1, ny - 1);
  plot_gp_tics(f->gp, "x", xlabels, rotate);
  if (p->y != NULL)
    plot_gp_tics(f->gp, "y", p->y->levels, FALSE);
  else
    g_string_append(f->gp, "unset ytics\n");
  g_string_append(f->gp,
                  "set cbrange [0:1]\n"
                  "set cbtics ('0' 0, '25' 0.25, '50' 0.5, '75' 0.75, '100' 1)\n"
                  "set cblabel 'call success (%)'\n"
                  "set palette defined (0 '#d73027', 0.5 '#fee08b', 1 '#1a9850')\n"
                  "set style fill solid 1.0 border lc rgb 'white'\n"
                  "unset key\n");
  plot_gp_end(f, width, height,
              "plot dat using 1:2:(0.5):(0.5):5 with boxxyerror fc palette, \\\n"
              "     dat using ($4 == 0 ? $1 : NaN):2:(0.5):(0.5) with boxxyerror fc rgb '#d9d9d9', \\\n"
              "     dat using 1:2:6 with labels noenhanced");
  return TRUE;
}

/* ---- audio-classes ------------------------------------------------------------------------------ */

gboolean
plot_fig_audio(const Plot *p, PlotFigure *f, GError **error)
{
  const PlotTable *t = p->cells;
  int cols[G_N_ELEMENTS(audio_classes)];
  int c_calls = plot_table_require(t, "calls", error);
  g_autoptr(GString) cmd = g_string_new("plot ");
  guint width, height;

  if (c_calls < 0)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS(audio_classes); i++)
    if ((cols[i] = plot_table_require(t, audio_classes[i].column, error)) < 0)
      return FALSE;

  plot_gp_begin(f, p, "audio of the calls per cell");
  g_string_append(f->dat, "# shares in percent of the cell's calls (all 0 for a cell without calls)\n"
                          "# columns: index");
  for (guint i = 0; i < G_N_ELEMENTS(audio_classes); i++)
    g_string_append_printf(f->dat, " %s", audio_classes[i].column);
  g_string_append(f->dat, " calls label\n");
  for (guint row = 0; row < t->rows->len; row++) {
    guint64 n, k;

    if (!plot_table_uint(t, row, c_calls, &n, error))
      return FALSE;
    g_string_append_printf(f->dat, "%u", row);
    for (guint i = 0; i < G_N_ELEMENTS(audio_classes); i++) {
      if (!plot_table_uint(t, row, cols[i], &k, error))
        return FALSE;
      g_string_append_c(f->dat, '\t');
      plot_num(f->dat, "%.6f", n > 0 ? 100.0 * k / n : 0.0);
    }
    g_string_append_printf(f->dat, "\t%" G_GUINT64_FORMAT "\t", n);
    plot_dat_text(f->dat, p->labels->pdata[row]);
    g_string_append_c(f->dat, '\n');
  }

  width = cell_axis(p, f, p->labels, &height);
  g_string_append(f->gp, "set ylabel 'share of calls (%)'\n"
                         "set yrange [0:100]\n"
                         "set ytics 0, 20, 100\n"
                         "set grid ytics lt 1 lc rgb '#d9d9d9'\n"
                         "set style data histograms\n"
                         "set style histogram rowstacked\n"
                         "set style fill solid 1.0 border lc rgb 'white'\n"
                         "set boxwidth 0.7\n"
                         "set key outside right top vertical Left reverse title 'audio'\n");
  for (guint i = 0; i < G_N_ELEMENTS(audio_classes); i++)
    g_string_append_printf(cmd, "%sdat using %u title '%s' lc rgb '%s'", i ? ", \\\n     " : "",
                           i + 2, audio_classes[i].title, audio_classes[i].colour);
  plot_gp_end(f, width, height, cmd->str);
  return TRUE;
}

/* ---- drop-cdf ----------------------------------------------------------------------------------- */

static int
cmp_double(gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

gboolean
plot_fig_drops(const Plot *p, PlotFigure *f, GError **error)
{
  const PlotTable *t = p->calls;
  int c_dropped = plot_table_require(t, "dropped", error);
  int c_time = c_dropped < 0 ? -1 : plot_table_require(t, "drop_time_s", error);
  g_autoptr(GPtrArray) times = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
  g_autoptr(GArray) totals = g_array_new(FALSE, TRUE, sizeof(guint));
  g_autoptr(GString) cmd = g_string_new("plot ");
  g_autoptr(GString) what = g_string_new("drop times of dropped calls");
  guint blocks = 0;

  if (c_time < 0)
    return FALSE;
  for (guint row = 0; row < t->rows->len; row++) {
    gboolean dropped;
    double when;
    guint li;
    int got;

    if (!level_of(p->x, t, row, &li, error) || !plot_table_bool(t, row, c_dropped, &dropped, error))
      return FALSE;
    while (times->len <= li) {
      g_ptr_array_add(times, g_array_new(FALSE, FALSE, sizeof(double)));
      g_array_set_size(totals, times->len);
    }
    g_array_index(totals, guint, li)++;
    if (!dropped)
      continue;
    if ((got = plot_table_double(t, row, c_time, &when, error)) < 0)
      return FALSE;
    if (got > 0 && when >= 0) /* -1: no drop time recorded */
      g_array_append_val(times->pdata[li], when);
  }

  if (p->x != NULL)
    g_string_append_printf(what, ", by %s", p->x->name);
  plot_gp_begin(f, p, what->str);
  g_string_append(f->dat,
                  "# empirical CDF per level: (t, fraction of the level's dropped calls dropped by"
                  " t s), from (0, 0)\n"
                  "# one block per level with dropped calls, in level order, separated by two"
                  " blank lines (gnuplot: index N)\n"
                  "# columns: drop_time_s fraction\n");
  for (guint li = 0; li < times->len; li++) {
    GArray *a = times->pdata[li];
    const char *level = p->x != NULL ? p->x->levels->pdata[li] : "all";
    g_autofree char *title = NULL;

    if (a->len == 0)
      continue;
    g_array_sort(a, cmp_double);
    g_string_append(f->dat, blocks ? "\n\n" : "\n");
    plot_comment(f->dat, "level: ", level);
    g_string_append(f->dat, "0.000\t0.000000\n");
    for (guint i = 0; i < a->len; i++) {
      double ti = g_array_index(a, double, i);

      if (i + 1 < a->len && g_array_index(a, double, i + 1) == ti)
        continue; /* ties: one point at the top of the step */
      plot_num(f->dat, "%.3f", ti);
      g_string_append_c(f->dat, '\t');
      plot_num(f->dat, "%.6f", (double)(i + 1) / a->len);
      g_string_append_c(f->dat, '\n');
    }
    title = g_strdup_printf("%s: %u of %u calls dropped", level, a->len,
                            g_array_index(totals, guint, li));
    g_string_append_printf(cmd, "%sdat index %u using 1:2 with steps lw 2 lc rgb '%s' title ",
                           blocks ? ", \\\n     " : "", blocks,
                           line_colours[blocks % G_N_ELEMENTS(line_colours)]);
    plot_gp_string(cmd, title);
    blocks++;
  }

  g_string_append(f->gp, "set xlabel 'drop time after call start (s)'\n"
                         "set ylabel 'fraction of dropped calls'\n"
                         "set yrange [0:1.05]\n"
                         "set ytics 0, 0.2, 1\n"
                         "set grid lt 1 lc rgb '#d9d9d9'\n");
  if (blocks == 0) {
    g_string_append(f->gp, "set xrange [0:1]\nunset xtics\n");
    empty_figure(f, "no call dropped", 720, 480);
    return TRUE;
  }
  g_string_append(f->gp, "set xrange [0:*]\n"
                         "set key below height 1 noenhanced\n");
  plot_gp_end(f, 720, 440 + 18 * blocks, cmd->str);
  return TRUE;
}

/* ---- mos ---------------------------------------------------------------------------------------- */

gboolean
plot_fig_mos(const Plot *p, PlotFigure *f, GError **error)
{
  static const char *const names[] = {"mos_mean", "mos_p10", "mos_p90", "mos_p50"};
  const PlotTable *t = p->cells;
  int cols[G_N_ELEMENTS(names)];
  g_autoptr(GPtrArray) labels = g_ptr_array_new();
  guint width, height;

  for (guint i = 0; i < G_N_ELEMENTS(names); i++)
    if ((cols[i] = plot_table_require(t, names[i], error)) < 0)
      return FALSE;

  plot_gp_begin(f, p, "MOS per cell (mean; bars: 10th to 90th percentile)");
  g_string_append(f->dat, "# MOS per call = min(mos_out, mos_in), over connected calls; cells"
                          " without a MOS are left out\n"
                          "# columns: index mos_mean mos_p10 mos_p90 mos_p50 label\n");
  for (guint row = 0; row < t->rows->len; row++) {
    double v[G_N_ELEMENTS(names)];
    int got[G_N_ELEMENTS(names)];

    for (guint i = 0; i < G_N_ELEMENTS(names); i++)
      if ((got[i] = plot_table_double(t, row, cols[i], &v[i], error)) < 0)
        return FALSE;
    if (got[0] == 0)
      continue;
    g_string_append_printf(f->dat, "%u", labels->len);
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
      g_string_append_c(f->dat, '\t');
      plot_num(f->dat, "%.6f", got[i] ? v[i] : v[0]);
    }
    g_string_append_c(f->dat, '\t');
    plot_dat_text(f->dat, p->labels->pdata[row]);
    g_string_append_c(f->dat, '\n');
    g_ptr_array_add(labels, p->labels->pdata[row]);
  }

  g_string_append(f->gp, "set ylabel 'MOS (E-model, worse direction)'\n"
                         "set yrange [1:4.5]\n"
                         "set ytics 1, 0.5, 4.5\n"
                         "set grid ytics lt 1 lc rgb '#d9d9d9'\n");
  if (labels->len == 0) {
    g_string_append(f->gp, "set xrange [0:1]\nunset xtics\n");
    empty_figure(f, "no MOS: no call connected", 640, 480);
    return TRUE;
  }
  width = cell_axis(p, f, labels, &height);
  g_string_append(f->gp, "unset key\n"
                         "set rmargin 3\n"
                         "# A mean below 1 (calls with a direction not heard have MOS 0) is marked at the\n"
                         "# bottom with a red triangle and its value.\n");
  plot_gp_end(f, width, height,
              "plot dat using 1:2:3:4 with yerrorbars pt 7 ps 1.2 lw 1.5 lc rgb '#1f77b4' notitle, \\\n"
              "     dat using 1:($2 < 1 ? 1.06 : NaN) with points pt 11 ps 1.5 lc rgb '#d62728' notitle, \\\n"
              "     dat using 1:($2 < 1 ? 1.18 : NaN):(sprintf('%.2f', $2)) with labels tc rgb '#d62728'"
              " notitle");
  return TRUE;
}
