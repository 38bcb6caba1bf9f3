/* timeline.c — NAT bindings and pinholes over time, from the rows models/nat writes:
 *   <nat> binding-created|binding-refreshed|binding-expired|... <proto> <int> -> <ext> remote <rem> id <n> ...
 *   <nat> expect-added|expect-matched|expect-expired|... <proto> <ext> -> <target> from <src> id <n> ...
 *   <nat> drop <reason> <packet>
 * An expiry row carries the exact time the binding ran out ("at <s.ns>"), which is used as its end
 * even though the NAT notices expiry lazily, later.  The traversal rows (candidates, TURN
 * allocations, ICE) are read by timeline-traversal.c. */
#include "timeline-private.h"

#include <string.h>

static void
item_free(gpointer p)
{
  TimelineItem *it = p;
  g_free(it->nat);
  g_free(it->flow);
  g_free(it->how);
  g_array_unref(it->refreshes);
  g_free(it);
}

static void
drop_free(gpointer p)
{
  TimelineDrop *d = p;
  g_free(d->nat);
  g_free(d->text);
  g_free(d);
}

void
timeline_free(Timeline *t)
{
  if (!t)
    return;
  g_ptr_array_unref(t->items);
  g_ptr_array_unref(t->drops);
  g_ptr_array_unref(t->candidates);
  g_ptr_array_unref(t->allocations);
  g_ptr_array_unref(t->ice);
  g_free(t);
}

/* "12.500000000" -> ns */
static gint64
parse_seconds(const char *s)
{
  gint64 whole = g_ascii_strtoll(s, NULL, 10);
  const char *dot = strchr(s, '.');
  gint64 frac = 0;
  if (dot) {
    int digits = 0;
    for (const char *p = dot + 1; g_ascii_isdigit(*p) && digits < 9; p++, digits++)
      frac = frac * 10 + (*p - '0');
    for (; digits < 9; digits++)
      frac *= 10;
  }
  return whole * G_GINT64_CONSTANT(1000000000) + frac;
}

static TimelineItem *
find_item(GHashTable *live, const char *nat, gboolean pinhole, guint64 id)
{
  g_autofree char *key = g_strdup_printf("%s|%c|%" G_GUINT64_FORMAT, nat, pinhole ? 'e' : 'b', id);
  return g_hash_table_lookup(live, key);
}

Timeline *
timeline_from_trace(const char *trace, gsize len)
{
  Timeline *tl = g_new0(Timeline, 1);
  tl->items = g_ptr_array_new_with_free_func(item_free);
  tl->drops = g_ptr_array_new_with_free_func(drop_free);
  g_autoptr(GHashTable) live = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *copy = g_strndup(trace, len);
  g_auto(GStrv) lines = g_strsplit(copy, "\n", -1);
  timeline_add_traversal(tl, lines);
  for (int i = 0; lines[i]; i++) {
    g_auto(GStrv) tok = g_strsplit(lines[i], " ", -1);
    guint n = g_strv_length(tok);
    if (n < 3 || !g_ascii_isdigit(tok[0][0]))
      continue;
    gint64 t = g_ascii_strtoll(tok[0], NULL, 10);
    tl->end = MAX(tl->end, t);
    const char *nat = tok[1], *ev = tok[2];
    if (strcmp(ev, "drop") == 0 && n >= 4) {
      const char *rest = strstr(lines[i], " drop ") + 6;
      TimelineDrop *d = g_new0(TimelineDrop, 1);
      d->t = t;
      d->nat = g_strdup(nat);
      d->text = g_strdup(rest);
      g_ptr_array_add(tl->drops, d);
      continue;
    }
    gboolean binding = g_str_has_prefix(ev, "binding-"), pinhole = g_str_has_prefix(ev, "expect-");
    /* <ns> <nat> <event> <proto> <a> -> <b> remote|from <c> id <n> ... */
    if ((!binding && !pinhole) || n < 11 || strcmp(tok[5], "->") != 0 || strcmp(tok[9], "id") != 0)
      continue;
    guint64 id = g_ascii_strtoull(tok[10], NULL, 10);
    TimelineItem *it = find_item(live, nat, pinhole, id);
    const char *what = ev + (binding ? 8 : 7);
    if (!it && (strcmp(what, "created") == 0 || strcmp(what, "added") == 0)) {
      it = g_new0(TimelineItem, 1);
      it->nat = g_strdup(nat);
      it->pinhole = pinhole;
      it->id = id;
      it->flow = g_strdup_printf("%s %s -> %s %s %s", tok[3], tok[4], tok[6], tok[7], tok[8]);
      it->created = t;
      it->ended = -1;
      it->how = g_strdup("open");
      it->refreshes = g_array_new(FALSE, FALSE, sizeof(gint64));
      g_ptr_array_add(tl->items, it);
      g_hash_table_insert(live, g_strdup_printf("%s|%c|%" G_GUINT64_FORMAT, nat, pinhole ? 'e' : 'b', id), it);
      continue;
    }
    if (!it)
      continue;
    if (strcmp(what, "refreshed") == 0 || strcmp(what, "state") == 0 || strcmp(what, "matched") == 0) {
      g_array_append_val(it->refreshes, t);
      continue;
    }
    if (strcmp(what, "expired") == 0 || strcmp(what, "evicted") == 0 || strcmp(what, "flushed") == 0 ||
        strcmp(what, "removed") == 0 || strcmp(what, "used") == 0 || strcmp(what, "released") == 0) {
      it->ended = t;
      for (guint k = 11; k + 1 < n; k++)
        if (strcmp(tok[k], "at") == 0)
          it->ended = parse_seconds(tok[k + 1]);
      g_free(it->how);
      it->how = g_strdup(what);
      g_autofree char *key = g_strdup_printf("%s|%c|%" G_GUINT64_FORMAT, nat, pinhole ? 'e' : 'b', id);
      g_hash_table_remove(live, key);
    }
  }
  return tl;
}

char *
timeline_to_text(const Timeline *tl)
{
  GString *s = g_string_new("NAT bindings and pinholes (times in s)\n");
  g_string_append_printf(s, "  %-5s %-4s %-8s %9s %9s %9s %-9s %s\n", "nat", "id", "kind", "created", "last-ref",
                         "ended", "how", "flow");
  for (guint i = 0; i < tl->items->len; i++) {
    const TimelineItem *it = tl->items->pdata[i];
    char ended[16], last[16];
    if (it->ended >= 0)
      g_snprintf(ended, sizeof ended, "%.3f", it->ended / 1e9);
    else
      g_strlcpy(ended, "-", sizeof ended);
    if (it->refreshes->len)
      g_snprintf(last, sizeof last, "%.3f", g_array_index(it->refreshes, gint64, it->refreshes->len - 1) / 1e9);
    else
      g_strlcpy(last, "-", sizeof last);
    g_string_append_printf(s, "  %-5s %-4" G_GUINT64_FORMAT " %-8s %9.3f %9s %9s %-9s %s\n", it->nat, it->id,
                           it->pinhole ? "pinhole" : "binding", it->created / 1e9, last, ended, it->how, it->flow);
  }
  if (tl->drops->len) {
    g_string_append(s, "\nPackets the NAT dropped\n");
    for (guint i = 0; i < tl->drops->len; i++) {
      const TimelineDrop *d = tl->drops->pdata[i];
      g_string_append_printf(s, "  %9.3f %-5s %s\n", d->t / 1e9, d->nat, d->text);
    }
  }
  timeline_traversal_text(tl, s);
  return g_string_free(s, FALSE);
}

static void
text_at(GString *s, double x, double y, const char *anchor, const char *fill, const char *text)
{
  g_autofree char *esc = g_markup_escape_text(text, -1);
  g_string_append_printf(s, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"%s\">%s</text>\n", x, y, anchor,
                         fill, esc);
}

char *
timeline_to_svg(const Timeline *tl)
{
  const double left = 500, right = 70, plotw = 640, top = 40, rowh = 22;
  guint rows = tl->items->len + (tl->drops->len ? 1 : 0) + timeline_traversal_rows(tl);
  double height = top + rows * rowh + 50;
  double width = left + plotw + right;
  double tmax = MAX(tl->end, 1) / 1e9;
  GString *s = g_string_new(NULL);
  g_string_append_printf(s,
                         "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                         "font-family=\"DejaVu Sans, sans-serif\" font-size=\"11\">\n"
                         "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                         width, height);
  text_at(s, 8, 20, "start", "#000", "NAT bindings (blue), pinholes (green), refreshes (ticks) and drops (red)");
  /* Time axis with about ten ticks. */
  double step = 1;
  while (tmax / step > 10)
    step *= tmax / step > 50 ? 10 : 2;
  double axis_y = top + rows * rowh + 10;
  g_string_append_printf(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>\n", left, axis_y,
                         left + plotw, axis_y);
  for (double v = 0; v <= tmax + 1e-9; v += step) {
    double x = left + plotw * v / tmax;
    char lab[32];
    g_snprintf(lab, sizeof lab, "%g", v);
    g_string_append_printf(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>\n", x, axis_y,
                           x, axis_y + 5);
    text_at(s, x, axis_y + 18, "middle", "#000", lab);
  }
  text_at(s, left + plotw / 2, axis_y + 34, "middle", "#000", "simulated time (s)");
  for (guint i = 0; i < tl->items->len; i++) {
    const TimelineItem *it = tl->items->pdata[i];
    double y = top + i * rowh;
    double x0 = left + plotw * (it->created / 1e9) / tmax;
    double x1 = left + plotw * ((it->ended >= 0 ? it->ended : tl->end) / 1e9) / tmax;
    g_autofree char *label = g_strdup_printf("%s #%" G_GUINT64_FORMAT " %s", it->nat, it->id, it->flow);
    text_at(s, left - 6, y + 14, "end", "#000", label);
    g_string_append_printf(s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"14\" fill=\"%s\" opacity=\"0.7\"/>\n",
                           x0, y + 3, MAX(x1 - x0, 1.0), it->pinhole ? "#3a3" : "#36c");
    for (guint k = 0; k < it->refreshes->len; k++) {
      double xr = left + plotw * (g_array_index(it->refreshes, gint64, k) / 1e9) / tmax;
      g_string_append_printf(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>\n", xr, y + 1,
                             xr, y + 19);
    }
    if (it->ended >= 0)
      text_at(s, x1 + 4, y + 14, "start", "#555", it->how);
  }
  if (tl->drops->len) {
    double y = top + tl->items->len * rowh;
    text_at(s, left - 6, y + 14, "end", "#c00", "dropped by the NAT");
    for (guint i = 0; i < tl->drops->len; i++) {
      const TimelineDrop *d = tl->drops->pdata[i];
      double x = left + plotw * (d->t / 1e9) / tmax;
      g_autofree char *title = g_markup_escape_text(d->text, -1);
      g_string_append_printf(s, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#c00\"><title>%s</title></circle>\n", x,
                             y + 10, title);
    }
  }
  timeline_traversal_svg(tl, s, left, plotw, top + (tl->items->len + (tl->drops->len ? 1 : 0)) * rowh, rowh, tmax);
  g_string_append(s, "</svg>\n");
  return g_string_free(s, FALSE);
}
