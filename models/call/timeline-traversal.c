/* timeline-traversal.c — the NAT-traversal half of the timeline: the candidates each agent
 * gathered (RFC 8445 §5.1.1), the TURN server's allocations from creation to deletion with their
 * permissions, channels and the peer packets dropped for want of a permission (RFC 8656 §7, §9,
 * §12), and each ICE agent's states, nominated and selected pairs and consent loss (RFC 8445 §6.1.3
 * and §8, RFC 7675).  Rows read: "ice <agent> candidate local ...", "ice <agent> state|nominated|
 * selected|consent-lost ..." (models/stun/ice-agent.c, ice-nominate.c), "turn server allocation
 * <id> ..." (models/stun/turn-alloc.c) and "phone <name> gathered call<N> host=.. srflx=.. relay=.."
 * (models/ua/phone-traversal.c) for phones that gather without ICE.
 */
#include "timeline-private.h"

#include <string.h>

static void
cand_free(gpointer p)
{
  TimelineCandidate *c = p;
  g_free(c->agent);
  g_free(c->type);
  g_free(c->addr);
  g_free(c);
}

static void
mark_free(gpointer p)
{
  TimelineMark *m = p;
  g_free(m->text);
  g_free(m);
}

static void
alloc_free(gpointer p)
{
  TimelineAlloc *a = p;
  g_free(a->client);
  g_free(a->relay);
  g_free(a->how);
  g_ptr_array_unref(a->marks);
  g_free(a);
}

static void
ice_free(gpointer p)
{
  TimelineIce *e = p;
  g_free(e->agent);
  g_free(e->event);
  g_free(e->text);
  g_free(e);
}

static void
add_candidate(Timeline *tl, gint64 t, const char *agent, const char *type, const char *addr)
{
  if (strcmp(addr, "0.0.0.0:0") == 0)
    return;
  for (guint i = 0; i < tl->candidates->len; i++) {
    const TimelineCandidate *c = tl->candidates->pdata[i];
    if (strcmp(c->agent, agent) == 0 && strcmp(c->type, type) == 0 && strcmp(c->addr, addr) == 0)
      return;
  }
  TimelineCandidate *c = g_new0(TimelineCandidate, 1);
  c->t = t;
  c->agent = g_strdup(agent);
  c->type = g_strdup(type);
  c->addr = g_strdup(addr);
  g_ptr_array_add(tl->candidates, c);
}

static TimelineAlloc *
find_alloc(Timeline *tl, const char *id)
{
  guint n = (guint)g_ascii_strtoull(id, NULL, 10);
  /* The latest with this id: ids are not reused by one server, but a trace may hold several. */
  for (guint i = tl->allocations->len; i-- > 0;) {
    TimelineAlloc *a = tl->allocations->pdata[i];
    if (a->id == n)
      return a;
  }
  return NULL;
}

static void
add_mark(TimelineAlloc *a, gint64 t, char **tok, guint from, gboolean bad)
{
  TimelineMark *m = g_new0(TimelineMark, 1);
  m->t = t;
  m->text = g_strjoinv(" ", tok + from);
  m->bad = bad;
  g_ptr_array_add(a->marks, m);
}

/* "turn server allocation <id> ..." */
static void
turn_row(Timeline *tl, gint64 t, char **tok, guint n)
{
  if (n < 5 || strcmp(tok[0], "server") != 0 || strcmp(tok[1], "allocation") != 0)
    return;
  if (n >= 10 && strcmp(tok[n - 1], "created") == 0 && strcmp(tok[5], "relay") == 0) {
    /* allocation N NET client relay R lifetime L created */
    TimelineAlloc *a = g_new0(TimelineAlloc, 1);
    a->id = (guint)g_ascii_strtoull(tok[2], NULL, 10);
    a->client = g_strdup_printf("%s %s", tok[3], tok[4]);
    a->relay = g_strdup(tok[6]);
    a->created = t;
    a->ended = -1;
    a->how = g_strdup("open");
    a->marks = g_ptr_array_new_with_free_func(mark_free);
    g_ptr_array_add(tl->allocations, a);
    return;
  }
  TimelineAlloc *a = find_alloc(tl, tok[2]);
  if (!a)
    return;
  if (strcmp(tok[3], "permission") == 0 || strcmp(tok[3], "channel") == 0) {
    add_mark(a, t, tok, 3, FALSE);
  } else if (strcmp(tok[3], "relay") == 0 && n >= 6 && strcmp(tok[5], "drop") == 0) {
    add_mark(a, t, tok, 5, TRUE);
  } else if (n >= 9 && strcmp(tok[7], "deleted:") == 0) {
    /* allocation N NET client relay R deleted: reason */
    a->ended = t;
    g_free(a->how);
    a->how = g_strjoinv(" ", tok + 8);
  }
}

static void
ice_row(Timeline *tl, gint64 t, char **tok, guint n)
{
  if (n < 3)
    return;
  const char *agent = tok[0], *ev = tok[1];
  const char *text = NULL;
  g_autofree char *pair = NULL;
  if (strcmp(ev, "candidate") == 0 && n >= 6 && strcmp(tok[2], "local") == 0) {
    add_candidate(tl, t, agent, tok[4], tok[5]);
    return;
  }
  if (strcmp(ev, "state") == 0) {
    text = tok[2];
  } else if ((strcmp(ev, "nominated") == 0 || strcmp(ev, "selected") == 0 || strcmp(ev, "consent-lost") == 0) &&
             n >= 8) {
    pair = g_strdup_printf("%s %s -> %s %s", tok[3], tok[4], tok[6], tok[7]);
    text = pair;
  } else {
    return;
  }
  TimelineIce *e = g_new0(TimelineIce, 1);
  e->t = t;
  e->agent = g_strdup(agent);
  e->event = g_strdup(ev);
  e->text = g_strdup(text);
  g_ptr_array_add(tl->ice, e);
}

void
timeline_add_traversal(Timeline *tl, char **lines)
{
  tl->candidates = g_ptr_array_new_with_free_func(cand_free);
  tl->allocations = g_ptr_array_new_with_free_func(alloc_free);
  tl->ice = g_ptr_array_new_with_free_func(ice_free);
  for (int i = 0; lines[i]; i++) {
    char *sp1 = strchr(lines[i], ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp2 || !g_ascii_isdigit(lines[i][0]))
      continue;
    gint64 t = g_ascii_strtoll(lines[i], NULL, 10);
    g_autofree char *cat = g_strndup(sp1 + 1, sp2 - sp1 - 1);
    g_auto(GStrv) tok = g_strsplit(sp2 + 1, " ", -1);
    guint n = g_strv_length(tok);
    if (strcmp(cat, "turn") == 0) {
      turn_row(tl, t, tok, n);
    } else if (strcmp(cat, "ice") == 0) {
      ice_row(tl, t, tok, n);
    } else if (strcmp(cat, "phone") == 0 && n >= 4 && strcmp(tok[1], "gathered") == 0) {
      /* <name> gathered call<N> host=A srflx=B relay=C */
      g_autofree char *agent = g_strdup_printf("%s-%s", tok[0], tok[2]);
      for (guint k = 3; k < n; k++) {
        char *eq = strchr(tok[k], '=');
        if (!eq)
          continue;
        g_autofree char *type = g_strndup(tok[k], eq - tok[k]);
        add_candidate(tl, t, agent, type, eq + 1);
      }
    }
  }
}

/* ---- Text ------------------------------------------------------------------------------------- */

void
timeline_traversal_text(const Timeline *tl, GString *s)
{
  if (!tl->candidates->len && !tl->allocations->len && !tl->ice->len)
    return;
  g_string_append(s, "\nNAT traversal (times in s)\n");
  if (tl->candidates->len) {
    g_string_append_printf(s, "  Candidates gathered\n  %9s %-18s %-6s %s\n", "time", "agent", "type", "address");
    for (guint i = 0; i < tl->candidates->len; i++) {
      const TimelineCandidate *c = tl->candidates->pdata[i];
      g_string_append_printf(s, "  %9.3f %-18s %-6s %s\n", c->t / 1e9, c->agent, c->type, c->addr);
    }
  }
  for (guint i = 0; i < tl->allocations->len; i++) {
    const TimelineAlloc *a = tl->allocations->pdata[i];
    char ended[16];
    if (a->ended >= 0)
      g_snprintf(ended, sizeof ended, "%.3f", a->ended / 1e9);
    else
      g_strlcpy(ended, "-", sizeof ended);
    g_string_append_printf(s, "  TURN allocation #%u for %s relay %s: created %.3f ended %s (%s)\n", a->id, a->client,
                           a->relay, a->created / 1e9, ended, a->how);
    for (guint k = 0; k < a->marks->len; k++) {
      const TimelineMark *m = a->marks->pdata[k];
      g_string_append_printf(s, "  %9.3f %s\n", m->t / 1e9, m->text);
    }
  }
  if (tl->ice->len) {
    g_string_append(s, "  ICE\n");
    for (guint i = 0; i < tl->ice->len; i++) {
      const TimelineIce *e = tl->ice->pdata[i];
      g_string_append_printf(s, "  %9.3f %-18s %-12s %s\n", e->t / 1e9, e->agent, e->event, e->text);
    }
  }
}

/* ---- SVG -------------------------------------------------------------------------------------- */

static void
text_at(GString *s, double x, double y, const char *anchor, const char *fill, const char *text)
{
  g_autofree char *esc = g_markup_escape_text(text, -1);
  g_string_append_printf(s, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"%s\">%s</text>\n", x, y, anchor,
                         fill, esc);
}

/* ICE agents in order of their first row. */
static GPtrArray *
ice_agents(const Timeline *tl)
{
  GPtrArray *a = g_ptr_array_new();
  for (guint i = 0; i < tl->ice->len; i++) {
    const TimelineIce *e = tl->ice->pdata[i];
    gboolean seen = FALSE;
    for (guint k = 0; k < a->len && !seen; k++)
      seen = strcmp(a->pdata[k], e->agent) == 0;
    if (!seen)
      g_ptr_array_add(a, e->agent);
  }
  return a;
}

guint
timeline_traversal_rows(const Timeline *tl)
{
  g_autoptr(GPtrArray) agents = ice_agents(tl);
  guint n = tl->candidates->len + tl->allocations->len + agents->len;
  return n ? n + 1 : 0;
}

static const char *
state_colour(const char *state)
{
  static const struct {
    const char *name;   /* ICE state */
    const char *colour; /* fill */
  } c[] = {{"gathering", "#ccc"}, {"checking", "#fc3"},     {"connected", "#9c6"},
           {"completed", "#393"}, {"disconnected", "#f80"}, {"failed", "#c00"}};
  for (gsize i = 0; i < G_N_ELEMENTS(c); i++)
    if (strcmp(c[i].name, state) == 0)
      return c[i].colour;
  return "#999";
}

void
timeline_traversal_svg(const Timeline *tl, GString *s, double left, double plotw, double y0, double rowh,
                       double tmax)
{
  g_autoptr(GPtrArray) agents = ice_agents(tl);
  if (!timeline_traversal_rows(tl))
    return;
#define X(ns) (left + plotw * ((ns) / 1e9) / tmax)
  double end = X(tl->end);
  text_at(s, 8, y0 + 14, "start", "#000",
          "NAT traversal: candidates (diamonds), TURN allocations (orange; permissions and channels ticks, drops red),"
          " ICE states");
  double y = y0 + rowh;
  for (guint i = 0; i < tl->candidates->len; i++, y += rowh) {
    const TimelineCandidate *c = tl->candidates->pdata[i];
    g_autofree char *label = g_strdup_printf("candidate %s %s %s", c->agent, c->type, c->addr);
    text_at(s, left - 6, y + 14, "end", "#000", label);
    double x = X(c->t);
    g_string_append_printf(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\"/>\n", x, y + 10,
                           end, y + 10);
    g_string_append_printf(s, "<path d=\"M%.1f,%.1f l5,5 l-5,5 l-5,-5 z\" fill=\"#639\"/>\n", x, y + 5);
  }
  for (guint i = 0; i < tl->allocations->len; i++, y += rowh) {
    const TimelineAlloc *a = tl->allocations->pdata[i];
    g_autofree char *label = g_strdup_printf("TURN #%u relay %s for %s", a->id, a->relay, a->client);
    text_at(s, left - 6, y + 14, "end", "#000", label);
    double x0 = X(a->created), x1 = a->ended >= 0 ? X(a->ended) : end;
    g_string_append_printf(s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"14\" fill=\"#e80\" opacity=\"0.7\"/>\n",
                           x0, y + 3, MAX(x1 - x0, 1.0));
    for (guint k = 0; k < a->marks->len; k++) {
      const TimelineMark *m = a->marks->pdata[k];
      g_autofree char *title = g_markup_escape_text(m->text, -1);
      if (m->bad)
        g_string_append_printf(s, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#c00\"><title>%s</title></circle>\n",
                               X(m->t), y + 10, title);
      else
        g_string_append_printf(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
                                  "stroke-width=\"2\"><title>%s</title></line>\n",
                               X(m->t), y + 1, X(m->t), y + 19, title);
    }
    if (a->ended >= 0)
      text_at(s, x1 + 4, y + 14, "start", "#555", a->how);
  }
  for (guint i = 0; i < agents->len; i++, y += rowh) {
    const char *agent = agents->pdata[i];
    const char *selected = NULL;
    for (guint k = 0; k < tl->ice->len; k++) {
      const TimelineIce *e = tl->ice->pdata[k];
      if (strcmp(e->agent, agent) != 0)
        continue;
      double x = X(e->t);
      if (strcmp(e->event, "state") == 0) {
        /* A segment from this state change to the agent's next one (or the end). */
        double x1 = end;
        for (guint j = k + 1; j < tl->ice->len; j++) {
          const TimelineIce *f = tl->ice->pdata[j];
          if (strcmp(f->agent, agent) == 0 && strcmp(f->event, "state") == 0) {
            x1 = X(f->t);
            break;
          }
        }
        g_autofree char *title = g_markup_escape_text(e->text, -1);
        g_string_append_printf(s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"14\" fill=\"%s\">"
                                  "<title>%s</title></rect>\n",
                               x, y + 3, MAX(x1 - x, 1.0), state_colour(e->text), title);
      } else if (strcmp(e->event, "consent-lost") == 0) {
        g_string_append_printf(s, "<path d=\"M%.1f,%.1f l8,8 m0,-8 l-8,8\" stroke=\"#c00\" stroke-width=\"2\"/>\n",
                               x - 4, y + 6);
      } else {
        if (strcmp(e->event, "selected") == 0)
          selected = e->text;
        g_autofree char *title = g_markup_escape_text(e->text, -1);
        g_string_append_printf(s, "<path d=\"M%.1f,%.1f l5,-8 l-10,0 z\" fill=\"#000\"><title>%s %s</title></path>\n",
                               x, y + 3, e->event, title);
      }
    }
    g_autofree char *label = g_strdup_printf("ICE %s%s%s", agent, selected ? ": selected " : "", selected ? selected : "");
    text_at(s, left - 6, y + 14, "end", "#000", label);
  }
#undef X
}
