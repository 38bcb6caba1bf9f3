/* plot-private.h — internals of `algsim plot` shared by plot.c (figures, gnuplot) and plot-input.c
 * (reading a results directory): an RFC 4180 CSV reader, whole CSV tables, the manifest's
 * "experiment" object and factors (one cells.csv column, or a zipped set of them).
 */
#pragma once

#include "plot.h"

G_BEGIN_DECLS

/* ---- RFC 4180 CSV ------------------------------------------------------------------------------ */

/* Reads records from bytes in memory.  Fields are separated by ',' and records by CRLF or LF; a
 * field that starts with '"' runs to the next lone '"' and may hold commas, line breaks and '""'
 * (one quote).  A quote inside an unquoted field, text after a closing quote, an unterminated
 * quote and NUL bytes are errors. */
typedef struct {
  const char *name; /* file name for messages */
  const char *buf;  /* the bytes (need not be NUL-terminated) */
  gsize len;        /* their length */
  gsize pos;        /* offset of the next byte to read */
  guint line;       /* line of the next byte, from 1 */
} PlotCsvReader;

void plot_csv_init(PlotCsvReader *r, const char *name, const char *buf, gsize len);
/* Read the next record into fields (char *, cleared first; give it g_free as its free func).
 * Returns 1 with *line (may be NULL) set to the line it started on, 0 at the end, -1 malformed
 * (PLOT_ERROR_INPUT naming the file and line). */
int plot_csv_next(PlotCsvReader *r, GPtrArray *fields, guint *line, GError **error);

/* ---- Tables ------------------------------------------------------------------------------------ */

/* A CSV file with a header line; every row has as many fields as the header.  Empty lines are
 * skipped. */
typedef struct {
  char *name;         /* file name for messages ("DIR/cells.csv") */
  GPtrArray *columns; /* char *: the header's fields */
  GPtrArray *rows;    /* GPtrArray (char *) per record, one field per column */
  GArray *lines;      /* guint per row: the line it starts on */
} PlotTable;

PlotTable *plot_table_parse(const char *name, const char *buf, gsize len, GError **error);
/* Read a file; a missing or unreadable one is PLOT_ERROR_INPUT naming it. */
PlotTable *plot_table_read(const char *path, GError **error);
void plot_table_free(PlotTable *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PlotTable, plot_table_free)

/* Index of a column, or -1. */
int plot_table_column(const PlotTable *t, const char *name);
/* Index of a column the figures need; PLOT_ERROR_INPUT if the header has none. */
int plot_table_require(const PlotTable *t, const char *name, GError **error);
const char *plot_table_get(const PlotTable *t, guint row, int col);
/* A non-negative integer field (an empty one is 0). */
gboolean plot_table_uint(const PlotTable *t, guint row, int col, guint64 *out, GError **error);
/* A number: 1 read, 0 empty (no value), -1 malformed (error set). */
int plot_table_double(const PlotTable *t, guint row, int col, double *out, GError **error);
/* "true" or "false". */
gboolean plot_table_bool(const PlotTable *t, guint row, int col, gboolean *out, GError **error);

/* ---- The manifest ------------------------------------------------------------------------------ */

typedef struct {
  char *name;         /* experiment name (the directory's name if the manifest has none) */
  char *description;  /* what it should show, or NULL */
  char *plot_x;       /* heatmap x factor, or NULL */
  char *plot_y;       /* heatmap y factor, or NULL */
  GPtrArray *columns; /* char *: factor columns of cells.csv, or NULL if the manifest lists none */
} PlotManifest;

PlotManifest *plot_manifest_read(const char *path, GError **error);
void plot_manifest_free(PlotManifest *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PlotManifest, plot_manifest_free)

/* ---- Factors ----------------------------------------------------------------------------------- */

/* A factor as the figures see it.  A zipped factor ("a+b") joins its columns' values with '+'.
 * Levels keep the order in which they first appear (cells.csv first, in grid order). */
typedef struct {
  char *name;        /* as asked: "router.alg" or "phone.transport+pbx.srtp" */
  GPtrArray *keys;   /* char *: the factor columns it reads */
  GPtrArray *levels; /* char *: distinct values, in order of first appearance */
  GHashTable *index; /* level -> GUINT_TO_POINTER(position in levels + 1) */
} PlotFactor;

/* name must be one of factor_cols, or factor columns joined by '+'; otherwise PLOT_ERROR_FACTOR
 * naming it and listing factor_cols.  Levels are collected from cells. */
PlotFactor *plot_factor_new(const char *name, const PlotTable *cells, const GPtrArray *factor_cols,
                            GError **error);
void plot_factor_free(PlotFactor *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PlotFactor, plot_factor_free)
/* The factor's value in a row of t (caller frees); PLOT_ERROR_INPUT if t lacks a column. */
char *plot_factor_value(const PlotFactor *f, const PlotTable *t, guint row, GError **error);
/* Position of a level, adding it at the end if new. */
guint plot_factor_level(PlotFactor *f, const char *value);

/* ---- Figures (plot.c runs them, plot-figures.c draws them) ------------------------------------- */

/* A results directory, read. */
typedef struct {
  char *plots;            /* DIR/plots */
  PlotTable *cells;       /* DIR/cells.csv */
  PlotTable *calls;       /* DIR/calls.csv */
  PlotManifest *man;      /* DIR/manifest.json's experiment */
  GPtrArray *factor_cols; /* char *: the factor columns of cells.csv, in order */
  PlotFactor *x;          /* heatmap x factor (also the drop-cdf's lines); NULL: no factor */
  PlotFactor *y;          /* heatmap y factor; NULL: a single row */
  GPtrArray *labels;      /* char * per cells.csv row: its factor values joined by " / ", or "all" */
} Plot;

/* One figure's files before they are written: NAME.dat and NAME.gp. */
typedef struct {
  const char *name; /* "success-heatmap" */
  GString *dat;     /* the data, tab-separated, '#' comments */
  GString *gp;      /* the gnuplot script, reading NAME.dat */
  guint title_px;   /* estimated width of the title: the image is made at least this wide */
} PlotFigure;

/* Append text as a single-quoted gnuplot string (quotes doubled, control characters blanked). */
void plot_gp_string(GString *out, const char *text);
/* Append text as a .dat field: valid UTF-8, tabs and line breaks blanked, "-" if empty. */
void plot_dat_text(GString *out, const char *text);
/* Append a comment: "# ", prefix, text with line breaks blanked, wrapped at spaces after 100 bytes. */
void plot_comment(GString *out, const char *prefix, const char *text);
/* Append a number with a printf format (locale-independent). */
void plot_num(GString *out, const char *fmt, double v);
/* Start NAME.dat and NAME.gp: comments, the output names, datafile settings and the title
 * ("EXPERIMENT: what"). */
void plot_gp_begin(PlotFigure *f, const Plot *p, const char *what);
/* "set xtics (...)" (axis "x", "y", ...) from labels (char *), rotated if asked. */
void plot_gp_tics(GString *gp, const char *axis, const GPtrArray *labels, gboolean rotate);
/* Whether labels (char *) are too wide for slot_px pixels each, unrotated. */
gboolean plot_crowded(const GPtrArray *labels, double slot_px);
/* Finish the script: the PNG terminal, plot_cmd, the SVG terminal, plot_cmd again (width is raised
 * to fit the title). */
void plot_gp_end(PlotFigure *f, guint width, guint height, const char *plot_cmd);

gboolean plot_fig_heatmap(const Plot *p, PlotFigure *f, GError **error);
gboolean plot_fig_audio(const Plot *p, PlotFigure *f, GError **error);
gboolean plot_fig_drops(const Plot *p, PlotFigure *f, GError **error);
gboolean plot_fig_mos(const Plot *p, PlotFigure *f, GError **error);

G_END_DECLS
