/* plot.c — `algsim plot DIR`: reads a results directory (results/README.md), has plot-figures.c
 * derive each figure's data and gnuplot script, writes DIR/plots/NAME.dat and NAME.gp, and runs
 * gnuplot (5.4 documentation: pngcairo and svg terminals, `-e` to set variables) on each script in
 * DIR/plots.  The script draws NAME.png.tmp and NAME.svg.tmp, which are then renamed into place,
 * so a reader never sees half an image; run by hand, the same script writes NAME.png and NAME.svg.
 */
#include "plot-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

G_DEFINE_QUARK(algsim-plot-error-quark, plot_error)

/* ---- Text for scripts and data files ------------------------------------------------------------ */

void
plot_gp_string(GString *out, const char *text)
{
  g_autofree char *valid = g_utf8_make_valid(text, -1);

  g_string_append_c(out, '\'');
  for (const char *s = valid; *s != '\0'; s++) {
    if (*s == '\'')
      g_string_append(out, "''");
    else if ((guchar)*s < 0x20 || *s == 0x7f)
      g_string_append_c(out, ' ');
    else
      g_string_append_c(out, *s);
  }
  g_string_append_c(out, '\'');
}

void
plot_dat_text(GString *out, const char *text)
{
  g_autofree char *valid = g_utf8_make_valid(text, -1);

  if (*valid == '\0') {
    g_string_append_c(out, '-');
    return;
  }
  for (const char *s = valid; *s != '\0'; s++)
    g_string_append_c(out, (guchar)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

void
plot_num(GString *out, const char *fmt, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append(out, g_ascii_formatd(buf, sizeof buf, fmt, v));
}

void
plot_comment(GString *out, const char *prefix, const char *text)
{
  g_autofree char *valid = g_utf8_make_valid(text, -1);
  gsize start = out->len;

  g_string_append_printf(out, "# %s", prefix);
  for (const char *s = valid; *s != '\0'; s++) {
    /* Wrap long text at spaces after 100 bytes. */
    if ((*s == ' ' || *s == '\n' || *s == '\r') && out->len - start > 100) {
      g_string_append(out, "\n#   ");
      start = out->len - 5;
      continue;
    }
    g_string_append_c(out, *s == '\n' || *s == '\r' || *s == '\t' ? ' ' : *s);
  }
  g_string_append_c(out, '\n');
}

void
plot_gp_begin(PlotFigure *f, const Plot *p, const char *what)
{
  g_autofree char *title = g_strdup_printf("%s: %s", p->man->name, what);

  plot_comment(f->dat, "", f->name);
  plot_comment(f->dat, "experiment: ", p->man->name);
  plot_comment(f->dat, "", what);

  plot_comment(f->gp, "", f->name);
  plot_comment(f->gp, "experiment: ", p->man->name);
  if (p->man->description != NULL)
    plot_comment(f->gp, "description: ", p->man->description);
  g_string_append_printf(f->gp,
                         "# Written by algsim plot from cells.csv and calls.csv; reads %s.dat.\n"
                         "# Run `gnuplot %s.gp` in this directory to redraw %s.png and %s.svg.\n",
                         f->name, f->name, f->name, f->name);
  g_string_append_printf(f->gp,
                         "if (!exists(\"png\")) png = '%s.png'\n"
                         "if (!exists(\"svg\")) svg = '%s.svg'\n"
                         "dat = '%s.dat'\n",
                         f->name, f->name, f->name);
  g_string_append(f->gp, "set datafile separator \"\\t\"\n"
                         "set datafile missing \"-\"\n"
                         "set title ");
  plot_gp_string(f->gp, title);
  g_string_append(f->gp, " noenhanced\n");
  f->title_px = (guint)(g_utf8_strlen(title, -1) * 6.5) + 60;
}

void
plot_gp_tics(GString *gp, const char *axis, const GPtrArray *labels, gboolean rotate)
{
  g_string_append_printf(gp, "set %stics (", axis);
  for (guint i = 0; i < labels->len; i++) {
    if (i > 0)
      g_string_append(gp, ", ");
    plot_gp_string(gp, labels->pdata[i]);
    g_string_append_printf(gp, " %u", i);
  }
  g_string_append(gp, ") noenhanced nomirror scale 0");
  if (rotate)
    g_string_append(gp, " rotate by 40 right");
  g_string_append_c(gp, '\n');
}

gboolean
plot_crowded(const GPtrArray *labels, double slot_px)
{
  /* DejaVu Sans at 10 pt averages about 6.5 pixels per character. */
  for (guint i = 0; i < labels->len; i++)
    if (g_utf8_strlen(labels->pdata[i], -1) * 6.5 + 8 > slot_px)
      return TRUE;
  return FALSE;
}

void
plot_gp_end(PlotFigure *f, guint width, guint height, const char *plot_cmd)
{
  width = MAX(width, MIN(f->title_px, 4000));
  g_string_append_printf(f->gp,
                         "\nset terminal pngcairo size %u,%u enhanced font \"DejaVu Sans,10\"\n"
                         "set output png\n%s\n"
                         "\nset terminal svg size %u,%u dynamic enhanced font \"DejaVu Sans,10\""
                         " background rgb 'white'\n"
                         "set output svg\n%s\n"
                         "unset output\n",
                         width, height, plot_cmd, width, height, plot_cmd);
}

/* ---- Reading the directory ---------------------------------------------------------------------- */

static void
plot_clear(Plot *p)
{
  g_free(p->plots);
  g_clear_pointer(&p->cells, plot_table_free);
  g_clear_pointer(&p->calls, plot_table_free);
  g_clear_pointer(&p->man, plot_manifest_free);
  g_clear_pointer(&p->factor_cols, g_ptr_array_unref);
  g_clear_pointer(&p->x, plot_factor_free);
  g_clear_pointer(&p->y, plot_factor_free);
  g_clear_pointer(&p->labels, g_ptr_array_unref);
}

/* The factor columns: the manifest's, else the header's columns between "cell" and "runs". */
static gboolean
find_factor_cols(Plot *p, const char *manifest, GError **error)
{
  p->factor_cols = g_ptr_array_new_with_free_func(g_free);
  if (p->man->columns != NULL) {
    for (guint i = 0; i < p->man->columns->len; i++) {
      const char *c = p->man->columns->pdata[i];

      if (plot_table_column(p->cells, c) < 0) {
        g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT,
                    "%s: no column '%s', which %s lists as a factor column", p->cells->name, c,
                    manifest);
        return FALSE;
      }
      g_ptr_array_add(p->factor_cols, g_strdup(c));
    }
    return TRUE;
  }
  int first = plot_table_require(p->cells, "cell", error);
  int last = first < 0 ? -1 : plot_table_require(p->cells, "runs", error);

  if (last < 0)
    return FALSE;
  for (int i = first + 1; i < last; i++)
    g_ptr_array_add(p->factor_cols, g_strdup(p->cells->columns->pdata[i]));
  return TRUE;
}

static gboolean
plot_load(Plot *p, const char *dir, const PlotOptions *opts, GError **error)
{
  g_autofree char *cells = g_build_filename(dir, "cells.csv", NULL);
  g_autofree char *calls = g_build_filename(dir, "calls.csv", NULL);
  g_autofree char *manifest = g_build_filename(dir, "manifest.json", NULL);
  const char *xname, *yname;

  p->plots = g_build_filename(dir, "plots", NULL);
  if ((p->cells = plot_table_read(cells, error)) == NULL ||
      (p->calls = plot_table_read(calls, error)) == NULL ||
      (p->man = plot_manifest_read(manifest, error)) == NULL || !find_factor_cols(p, manifest, error))
    return FALSE;
  if (p->cells->rows->len == 0) {
    g_set_error(error, PLOT_ERROR, PLOT_ERROR_INPUT, "%s: no cells (expected one row per cell)",
                cells);
    return FALSE;
  }

  /* The heatmap's factors: asked for, else the manifest's, else the first two factor columns. */
  xname = opts->x != NULL ? opts->x : p->man->plot_x;
  if (xname == NULL && p->factor_cols->len > 0)
    xname = p->factor_cols->pdata[0];
  yname = opts->y != NULL ? opts->y : p->man->plot_y;
  if (opts->y == NULL && xname != NULL && (yname == NULL || strcmp(yname, xname) == 0)) {
    yname = NULL;
    for (guint i = 0; i < p->factor_cols->len && yname == NULL; i++)
      if (strcmp(p->factor_cols->pdata[i], xname) != 0)
        yname = p->factor_cols->pdata[i];
  }
  if (xname == NULL && yname != NULL) {
    xname = yname;
    yname = NULL;
  }
  if (xname != NULL && (p->x = plot_factor_new(xname, p->cells, p->factor_cols, error)) == NULL)
    return FALSE;
  if (yname != NULL && (p->y = plot_factor_new(yname, p->cells, p->factor_cols, error)) == NULL)
    return FALSE;

  p->labels = g_ptr_array_new_with_free_func(g_free);
  for (guint row = 0; row < p->cells->rows->len; row++) {
    g_autoptr(GString) label = g_string_new(NULL);

    for (guint i = 0; i < p->factor_cols->len; i++) {
      int col = plot_table_column(p->cells, p->factor_cols->pdata[i]);

      g_string_append_printf(label, "%s%s", i ? " / " : "", plot_table_get(p->cells, row, col));
    }
    g_ptr_array_add(p->labels, g_strdup(p->factor_cols->len ? label->str : "all"));
  }
  return TRUE;
}

/* ---- Running gnuplot ------------------------------------------------------------------------------ */

static gboolean
run_gnuplot(const Plot *p, const char *exe, const char *name, GPtrArray *written, GError **error)
{
  static const char *const exts[] = {"png", "svg"};
  g_autofree char *script = g_strconcat(name, ".gp", NULL);
  g_autofree char *vars = g_strdup_printf("png='%s.png.tmp'; svg='%s.svg.tmp'", name, name);
  const char *argv[] = {exe, "-e", vars, script, NULL};
  g_autofree char *err_text = NULL;
  g_autoptr(GError) local = NULL;
  int status = 0;

  for (guint i = 0; i < G_N_ELEMENTS(exts); i++) {
    g_autofree char *tmp = g_strdup_printf("%s/%s.%s.tmp", p->plots, name, exts[i]);

    g_remove(tmp);
  }
  if (!g_spawn_sync(p->plots, (char **)argv, NULL,
                    G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDIN_FROM_DEV_NULL,
                    NULL, NULL, NULL, &err_text, &status, &local)) {
    g_set_error(error, PLOT_ERROR, PLOT_ERROR_GNUPLOT, "cannot run %s (is gnuplot installed?): %s",
                exe, local->message);
    return FALSE;
  }
  g_strstrip(err_text);
  if (!g_spawn_check_wait_status(status, &local)) {
    g_set_error(error, PLOT_ERROR, PLOT_ERROR_GNUPLOT, "%s/%s: gnuplot failed (%s): %s", p->plots,
                script, local->message, *err_text ? err_text : "no message");
    return FALSE;
  }
  for (guint i = 0; i < G_N_ELEMENTS(exts); i++) {
    g_autofree char *tmp = g_strdup_printf("%s/%s.%s.tmp", p->plots, name, exts[i]);
    g_autofree char *final = g_strdup_printf("%s/%s.%s", p->plots, name, exts[i]);
    GStatBuf st;

    if (g_stat(tmp, &st) != 0 || st.st_size == 0) {
      g_set_error(error, PLOT_ERROR, PLOT_ERROR_GNUPLOT, "%s/%s: gnuplot wrote no %s.%s: %s",
                  p->plots, script, name, exts[i], *err_text ? err_text : "no message");
      return FALSE;
    }
    if (g_rename(tmp, final) != 0) {
      int e = errno;

      g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot rename %s to %s: %s",
                  tmp, final, g_strerror(e));
      return FALSE;
    }
    if (written != NULL)
      g_ptr_array_add(written, g_steal_pointer(&final));
  }
  if (*err_text != '\0')
    g_debug("%s/%s: gnuplot said: %s", p->plots, script, err_text);
  return TRUE;
}

/* ---- The figures ---------------------------------------------------------------------------------- */

typedef gboolean (*FigureFn)(const Plot *p, PlotFigure *f, GError **error);

static const struct {
  const char *name; /* file stem in DIR/plots */
  FigureFn draw;    /* fills its .dat and .gp */
} figures[] = {
  {"success-heatmap", plot_fig_heatmap},
  {"audio-classes", plot_fig_audio},
  {"drop-cdf", plot_fig_drops},
  {"mos", plot_fig_mos},
};

static gboolean
write_figure(const Plot *p, const char *name, FigureFn draw, GError **error)
{
  PlotFigure f = {name, g_string_new(NULL), g_string_new(NULL), 0};
  g_autofree char *dat = g_strdup_printf("%s/%s.dat", p->plots, name);
  g_autofree char *gp = g_strdup_printf("%s/%s.gp", p->plots, name);
  gboolean ok = draw(p, &f, error) && g_file_set_contents(dat, f.dat->str, f.dat->len, error) &&
                g_file_set_contents(gp, f.gp->str, f.gp->len, error);

  g_string_free(f.dat, TRUE);
  g_string_free(f.gp, TRUE);
  return ok;
}

gboolean
plot_results(const char *dir, const PlotOptions *opts, GPtrArray **written, GError **error)
{
  static const PlotOptions defaults = {NULL, NULL, NULL};
  Plot p = {0};
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func(g_free);
  gboolean ok = FALSE;

  g_return_val_if_fail(dir != NULL, FALSE);
  g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
  if (opts == NULL)
    opts = &defaults;
  if (written != NULL)
    *written = NULL;

  if (!plot_load(&p, dir, opts, error))
    goto out;
  if (g_mkdir_with_parents(p.plots, 0777) != 0) {
    int e = errno;

    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot create %s: %s", p.plots,
                g_strerror(e));
    goto out;
  }
  /* Every data file and script first, so bad input stops before any image is replaced. */
  for (guint i = 0; i < G_N_ELEMENTS(figures); i++)
    if (!write_figure(&p, figures[i].name, figures[i].draw, error))
      goto out;
  for (guint i = 0; i < G_N_ELEMENTS(figures); i++)
    if (!run_gnuplot(&p, opts->gnuplot ? opts->gnuplot : "gnuplot", figures[i].name, images, error))
      goto out;
  if (written != NULL)
    *written = g_steal_pointer(&images);
  ok = TRUE;
out:
  plot_clear(&p);
  return ok;
}
