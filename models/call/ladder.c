/* ladder.c — builds a SIP ladder diagram from trace rows and renders it as text or SVG.
 *
 * Pairing: every "recv" row is matched with the latest unmatched "send" row of another element
 * with the same Call-ID, CSeq and method-or-status sent no later than it; a send row left without
 * a receive was lost on the way.  Retransmissions are separate rows, so a lost first copy and an
 * arriving second copy show as such.  The trace formats read here are written by
 * models/sip/sip-transport.c (trace_msg) and models/nat/nat.c ("drop <reason> <packet>"); the
 * STUN, TURN and ICE rows are read by ladder-traversal.c and merged in time order.
 */
#include "ladder-private.h"

#include <string.h>

typedef struct {
  gint64 t;      /* time, ns */
  char *name;    /* element */
  gboolean send; /* send or recv */
  char *net;     /* transport */
  char *local;   /* "ip:port" of the element */
  char *remote;  /* "ip:port" of the peer */
  char *hash;    /* message hash prefix */
  char *key;     /* Call-ID|CSeq|method-or-status, for pairing */
  char *line;    /* start line */
  gboolean used; /* paired */
  guint lineno;  /* trace line */
  LadderMsg *msg; /* for send rows: the message made from it */
} Row;

typedef struct {
  gint64 t;     /* time, ns */
  char *text;   /* "<router> drop <reason> <packet>" */
} Drop;

static void
row_free(gpointer p)
{
  Row *r = p;
  g_free(r->name);
  g_free(r->net);
  g_free(r->local);
  g_free(r->remote);
  g_free(r->hash);
  g_free(r->key);
  g_free(r->line);
  g_free(r);
}

static void
drop_free(gpointer p)
{
  Drop *d = p;
  g_free(d->text);
  g_free(d);
}

void
ladder_msg_free(gpointer p)
{
  LadderMsg *m = p;
  g_free(m->from);
  g_free(m->to);
  g_free(m->net);
  g_free(m->label);
  g_free(m->sent_src);
  g_free(m->sent_dst);
  g_free(m->recv_src);
  g_free(m->recv_dst);
  g_free(m->drop_reason);
  g_free(m->via);
  g_free(m);
}

void
ladder_free(Ladder *l)
{
  if (!l)
    return;
  g_ptr_array_unref(l->columns);
  g_ptr_array_unref(l->msgs);
  g_free(l);
}

/* Value of "key=value" token. */
static const char *
tok_value(const char *tok, const char *key)
{
  gsize n = strlen(key);
  return strncmp(tok, key, n) == 0 && tok[n] == '=' ? tok + n + 1 : NULL;
}

/* Parse "<name> send|recv NET local remote len= h= cid= cseq=N/M | start line". */
static Row *
parse_sip_row(gint64 t, const char *text)
{
  const char *bar = strstr(text, " | ");
  if (!bar)
    return NULL;
  g_autofree char *head = g_strndup(text, bar - text);
  g_auto(GStrv) tok = g_strsplit(head, " ", -1);
  if (g_strv_length(tok) < 9 || (strcmp(tok[1], "send") != 0 && strcmp(tok[1], "recv") != 0))
    return NULL;
  const char *h = tok_value(tok[6], "h"), *cid = tok_value(tok[7], "cid"), *cseq = tok_value(tok[8], "cseq");
  if (!h || !cid || !cseq)
    return NULL;
  Row *r = g_new0(Row, 1);
  r->t = t;
  r->name = g_strdup(tok[0]);
  r->send = tok[1][0] == 's';
  r->net = g_strdup(tok[2]);
  r->local = g_strdup(tok[3]);
  r->remote = g_strdup(tok[4]);
  r->hash = g_strdup(h);
  r->line = g_strdup(bar + 3);
  /* Requests pair by method, responses by status code: the first token, or the second of "SIP/2.0 200 OK". */
  g_auto(GStrv) words = g_strsplit(r->line, " ", 3);
  const char *what = words[0] && g_str_has_prefix(words[0], "SIP/") && words[1] ? words[1] : words[0];
  r->key = g_strdup_printf("%s|%s|%s", cid, cseq, what ? what : "");
  return r;
}

static gboolean
is_private(const char *endpoint)
{
  return g_str_has_prefix(endpoint, "192.168.") || g_str_has_prefix(endpoint, "10.") ||
         g_str_has_prefix(endpoint, "100.64.") || g_str_has_prefix(endpoint, "172.16.");
}

static void
add_unique(GPtrArray *a, const char *s)
{
  for (guint i = 0; i < a->len; i++)
    if (strcmp(a->pdata[i], s) == 0)
      return;
  g_ptr_array_add(a, g_strdup(s));
}

/* Messages by send time, then by trace line. */
static gint
cmp_send_time(gconstpointer a, gconstpointer b)
{
  const LadderMsg *x = *(LadderMsg *const *)a, *y = *(LadderMsg *const *)b;
  if (x->t_send != y->t_send)
    return x->t_send > y->t_send ? 1 : -1;
  return (x->seq > y->seq) - (x->seq < y->seq);
}

Ladder *
ladder_from_trace(const char *trace, gsize len)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func(row_free);
  g_autoptr(GPtrArray) drops = g_ptr_array_new_with_free_func(drop_free);
  g_autoptr(GPtrArray) routers = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GHashTable) where = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free); /* ip:port -> element */
  g_autofree char *copy = g_strndup(trace, len);
  g_auto(GStrv) lines = g_strsplit(copy, "\n", -1);
  for (int i = 0; lines[i]; i++) {
    char *sp1 = strchr(lines[i], ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp2)
      continue;
    gint64 t = g_ascii_strtoll(lines[i], NULL, 10);
    g_autofree char *cat = g_strndup(sp1 + 1, sp2 - sp1 - 1);
    const char *text = sp2 + 1;
    if (strcmp(cat, "sip") == 0) {
      Row *r = parse_sip_row(t, text);
      if (r) {
        r->lineno = (guint)i;
        g_ptr_array_add(rows, r);
        if (!g_hash_table_contains(where, r->local))
          g_hash_table_insert(where, g_strdup(r->local), g_strdup(r->name));
      }
    } else if (g_str_has_prefix(text, "drop ")) {
      Drop *d = g_new0(Drop, 1);
      d->t = t;
      d->text = g_strdup_printf("%s %s", cat, text);
      g_ptr_array_add(drops, d);
      add_unique(routers, cat);
    } else if (g_str_has_prefix(text, "binding-created") || g_str_has_prefix(text, "mapping-created")) {
      add_unique(routers, cat);
    }
  }

  Ladder *l = g_new0(Ladder, 1);
  l->msgs = g_ptr_array_new_with_free_func(ladder_msg_free);
  l->columns = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < rows->len; i++) {
    Row *s = rows->pdata[i];
    if (!s->send)
      continue;
    LadderMsg *m = g_new0(LadderMsg, 1);
    m->t_send = s->t;
    m->t_recv = -1;
    m->from = g_strdup(s->name);
    m->net = g_strdup(s->net);
    m->label = g_strdup(s->line);
    m->sent_src = g_strdup(s->local);
    m->sent_dst = g_strdup(s->remote);
    m->seq = s->lineno;
    const char *to = g_hash_table_lookup(where, s->remote);
    m->to = to ? g_strdup(to) : NULL;
    s->msg = m;
    g_ptr_array_add(l->msgs, m);
  }
  /* Pair each receive with the latest earlier unmatched send of the same message. */
  for (guint i = 0; i < rows->len; i++) {
    Row *r = rows->pdata[i];
    if (r->send)
      continue;
    Row *best = NULL;
    for (guint j = 0; j < rows->len; j++) {
      Row *s = rows->pdata[j];
      if (s->send && !s->used && s->t <= r->t && strcmp(s->name, r->name) != 0 && strcmp(s->key, r->key) == 0 &&
          (!best || s->t >= best->t))
        best = s;
    }
    if (!best)
      continue;
    best->used = TRUE;
    LadderMsg *m = best->msg;
    m->t_recv = r->t;
    g_free(m->to);
    m->to = g_strdup(r->name);
    m->recv_src = g_strdup(r->remote);
    m->recv_dst = g_strdup(r->local);
    m->modified = strcmp(best->hash, r->hash) != 0;
    if (strcmp(m->recv_src, m->sent_src) != 0 || strcmp(m->recv_dst, m->sent_dst) != 0 || m->modified) {
      GString *via = g_string_new(NULL);
      for (guint k = 0; k < routers->len; k++)
        g_string_append_printf(via, "%s%s", k ? "+" : "", (char *)routers->pdata[k]);
      if (via->len == 0)
        g_string_append(via, "network");
      m->via = g_string_free(via, FALSE);
    }
  }
  /* A lost message: the router's drop row for it, if any, within two seconds. */
  for (guint i = 0; i < l->msgs->len; i++) {
    LadderMsg *m = l->msgs->pdata[i];
    if (m->t_recv >= 0)
      continue;
    for (guint k = 0; k < drops->len; k++) {
      Drop *d = drops->pdata[k];
      if (d->t >= m->t_send && d->t <= m->t_send + G_GINT64_CONSTANT(2000000000) && strstr(d->text, m->sent_src) &&
          strstr(d->text, m->sent_dst)) {
        m->drop_reason = g_strdup(d->text);
        break;
      }
    }
  }
  /* STUN, TURN and ICE, then everything in time order (a stable sort keeps the SIP order). */
  g_autoptr(GPtrArray) servers = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func(g_free);
  ladder_add_traversal(l, lines, where, servers, others);
  g_ptr_array_sort(l->msgs, cmp_send_time);
  /* Columns: elements with private addresses (the LAN), then the routers and the STUN/TURN
   * server, then the rest, then ICE agents that are not SIP elements (the PBX's media server). */
  for (int pass = 0; pass < 3; pass++) {
    if (pass == 1) {
      for (guint k = 0; k < routers->len; k++)
        add_unique(l->columns, routers->pdata[k]);
      for (guint k = 0; k < servers->len; k++)
        add_unique(l->columns, servers->pdata[k]);
      continue;
    }
    for (guint i = 0; i < rows->len; i++) {
      Row *r = rows->pdata[i];
      if (is_private(r->local) == (pass == 0))
        add_unique(l->columns, r->name);
    }
  }
  for (guint k = 0; k < others->len; k++)
    add_unique(l->columns, others->pdata[k]);
  return l;
}

/* ---- Rendering ------------------------------------------------------------------------------------ */

static int
column_of(const Ladder *l, const char *name)
{
  for (guint i = 0; name && i < l->columns->len; i++)
    if (strcmp(l->columns->pdata[i], name) == 0)
      return (int)i;
  return -1;
}

/* The column a lost message stopped at: the first router between the two ends, else its target. */
static int
lost_column(const Ladder *l, const LadderMsg *m, int from, int to)
{
  if (m->drop_reason) {
    g_autofree char *router = g_strndup(m->drop_reason, strcspn(m->drop_reason, " "));
    int c = column_of(l, router);
    if (c >= 0)
      return c;
  }
  return to >= 0 ? to : (from == 0 ? 1 : from - 1);
}

#define COL_W 26

static void
put(char *line, gsize width, int x, const char *s)
{
  for (gsize i = 0; s[i] && x + (int)i < (int)width; i++)
    if (x + (int)i >= 0)
      line[x + i] = s[i];
}

/* A note: the time, the column bars and "* text" from its column, running past the last column
 * when it is long. */
static void
text_note(GString *out, char *line, gsize width, gsize ncol, const LadderMsg *m, int col)
{
  memset(line, ' ', width);
  line[width] = '\0';
  for (gsize c = 0; c < ncol; c++)
    line[10 + c * COL_W] = '|';
  char t[16];
  g_snprintf(t, sizeof t, "%8.3f", (double)m->t_send / 1e9);
  put(line, width, 0, t);
  gsize x = 10 + col * COL_W + 2;
  g_string_append_len(out, line, MIN(x, width));
  g_string_append_printf(out, "* %s\n", m->label);
}

char *
ladder_to_text(const Ladder *l)
{
  GString *out = g_string_new(NULL);
  gsize ncol = l->columns->len;
  gsize width = 10 + ncol * COL_W;
  g_autofree char *line = g_malloc(width + 1);
  /* Header */
  memset(line, ' ', width);
  line[width] = '\0';
  put(line, width, 0, "time (s)");
  for (gsize c = 0; c < ncol; c++)
    put(line, width, 10 + (int)c * COL_W, l->columns->pdata[c]);
  g_string_append_printf(out, "%s\n", g_strchomp(line));
  for (guint i = 0; i < l->msgs->len; i++) {
    const LadderMsg *m = l->msgs->pdata[i];
    int a = column_of(l, m->from), b = column_of(l, m->to);
    if (m->kind == LADDER_NOTE) {
      if (a >= 0)
        text_note(out, line, width, ncol, m, a);
      continue;
    }
    gboolean lost = m->t_recv < 0;
    if (lost)
      b = lost_column(l, m, a, b);
    if (a < 0 || b < 0 || a == b)
      continue;
    int xa = 10 + a * COL_W, xb = 10 + b * COL_W;
    int lo = MIN(xa, xb), hi = MAX(xa, xb);
    /* label line */
    memset(line, ' ', width);
    line[width] = '\0';
    for (gsize c = 0; c < ncol; c++)
      line[10 + c * COL_W] = '|';
    g_autofree char *label = g_strdup_printf("%s%s", m->label, m->modified ? "  [changed in transit]" : "");
    put(line, width, lo + 2, label);
    g_string_append_printf(out, "%s\n", g_strchomp(line));
    /* arrow line */
    memset(line, ' ', width);
    line[width] = '\0';
    for (gsize c = 0; c < ncol; c++)
      line[10 + c * COL_W] = '|';
    char t[16];
    g_snprintf(t, sizeof t, "%8.3f", (double)m->t_send / 1e9);
    put(line, width, 0, t);
    for (int x = lo + 1; x < hi; x++)
      line[x] = '-';
    if (lost)
      line[xb + (xb > xa ? -1 : 1)] = 'X';
    else
      line[xb + (xb > xa ? -1 : 1)] = xb > xa ? '>' : '<';
    g_string_append_printf(out, "%s  %s\n", g_strchomp(line), m->net);
    /* what the network did */
    if (lost && m->in_flight)
      g_string_append_printf(out, "%10s%s still on its way when the run ended\n", "", m->label);
    else if (lost)
      g_string_append_printf(out, "%10s%s never arrived%s%s\n", "", m->label, m->drop_reason ? ": " : "",
                             m->drop_reason ? m->drop_reason : "");
    else if (m->via && (strcmp(m->sent_src, m->recv_src) != 0 || strcmp(m->sent_dst, m->recv_dst) != 0))
      g_string_append_printf(out, "%10s%s translated %s -> %s into %s -> %s\n", "", m->via, m->sent_src, m->sent_dst,
                             m->recv_src, m->recv_dst);
  }
  return g_string_free(out, FALSE);
}

static void
svg_text(GString *s, double x, double y, const char *anchor, const char *cls, const char *text)
{
  g_autofree char *esc = g_markup_escape_text(text, -1);
  g_string_append_printf(s, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\">%s</text>\n", x, y, anchor,
                         cls, esc);
}

/* A note: a dot on the column and the text beside it, to the right on the left half of the
 * diagram and to the left on the right half. */
static void
svg_note(GString *s, const LadderMsg *m, double x, double y, gboolean rightwards)
{
  char t[16];
  g_snprintf(t, sizeof t, "%.3f", (double)m->t_send / 1e9);
  svg_text(s, 8, y + 4, "start", "time", t);
  g_string_append_printf(s, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#060\"/>\n", x, y);
  svg_text(s, rightwards ? x + 9 : x - 9, y + 4, rightwards ? "start" : "end", "ann", m->label);
}

char *
ladder_to_svg(const Ladder *l)
{
  const double left = 80, colw = 240, top = 50, rowh = 46;
  gsize ncol = l->columns->len;
  double width = left + MAX(ncol, 1) * colw;
  double height = top + (l->msgs->len + 1) * rowh;
  GString *s = g_string_new(NULL);
  g_string_append_printf(s,
                         "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                         "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"12\">\n",
                         width, height, width, height);
  g_string_append(s, "<style>.name{font-weight:bold;font-size:14px}.time{fill:#555}.label{fill:#000}"
                     ".note{fill:#555;font-size:10px}.bad{fill:#c00;font-size:10px}.chg{fill:#b60}"
                     ".srv{fill:#06c}.ice{fill:#819}.ann{fill:#060;font-style:italic}</style>\n"
                     "<defs><marker id=\"arrow\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" "
                     "orient=\"auto\"><path d=\"M0,0 L10,4 L0,8 z\" fill=\"#000\"/></marker>"
                     "<marker id=\"arrow-srv\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" "
                     "orient=\"auto\"><path d=\"M0,0 L10,4 L0,8 z\" fill=\"#06c\"/></marker>"
                     "<marker id=\"arrow-ice\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" "
                     "orient=\"auto\"><path d=\"M0,0 L10,4 L0,8 z\" fill=\"#819\"/></marker></defs>\n"
                     "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
  for (gsize c = 0; c < ncol; c++) {
    double x = left + colw / 2 + c * colw;
    svg_text(s, x, 24, "middle", "name", l->columns->pdata[c]);
    g_string_append_printf(s, "<line x1=\"%.1f\" y1=\"32\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#888\" "
                              "stroke-dasharray=\"4,3\"/>\n", x, x, height - 10);
  }
  svg_text(s, 8, 24, "start", "name", "time (s)");
  for (guint i = 0; i < l->msgs->len; i++) {
    const LadderMsg *m = l->msgs->pdata[i];
    int a = column_of(l, m->from), b = column_of(l, m->to);
    double y = top + (i + 1) * rowh - 14;
    if (m->kind == LADDER_NOTE) {
      if (a >= 0)
        svg_note(s, m, left + colw / 2 + a * colw, y, a < (int)ncol / 2 || ncol == 1);
      continue;
    }
    gboolean lost = m->t_recv < 0;
    if (lost)
      b = lost_column(l, m, a, b);
    if (a < 0 || b < 0 || a == b)
      continue;
    double xa = left + colw / 2 + a * colw, xb = left + colw / 2 + b * colw;
    char t[16];
    g_snprintf(t, sizeof t, "%.3f", (double)m->t_send / 1e9);
    svg_text(s, 8, y + 4, "start", "time", t);
    /* SIP black, STUN and TURN blue, ICE checks purple; lost red, changed in transit orange. */
    static const char *const kind_colour[] = {"#000", "#06c", "#06c", "#819"};
    static const char *const kind_marker[] = {"arrow", "arrow-srv", "arrow-srv", "arrow-ice"};
    guint k = m->kind < G_N_ELEMENTS(kind_colour) ? m->kind : 0;
    const char *colour = lost ? "#c00" : m->modified ? "#b60" : kind_colour[k];
    g_string_append_printf(s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                              "stroke-width=\"1.5\"%s%s%s%s/>\n",
                           xa, y, xb, y, colour, lost ? "" : " marker-end=\"url(#", lost ? "" : kind_marker[k],
                           lost ? "" : ")\"", m->kind == LADDER_SIP ? "" : " stroke-dasharray=\"6,3\"");
    if (lost)
      g_string_append_printf(s, "<path d=\"M%.1f,%.1f l8,8 m0,-8 l-8,8\" stroke=\"#c00\" stroke-width=\"2\"/>\n",
                             xb - 4, y - 4);
    g_autofree char *label = g_strdup_printf("%s (%s)%s", m->label, m->net, m->modified ? " — changed in transit" : "");
    static const char *const kind_class[] = {"label", "srv", "srv", "ice"};
    svg_text(s, (xa + xb) / 2, y - 5, "middle", m->modified ? "chg" : kind_class[k], label);
    if (lost) {
      g_autofree char *note = m->in_flight ? g_strdup("on its way when the run ended")
                                           : g_strdup_printf("lost%s%s", m->drop_reason ? ": " : "",
                                                             m->drop_reason ? m->drop_reason : "");
      svg_text(s, (xa + xb) / 2, y + 13, "middle", "bad", note);
    } else if (m->via && (strcmp(m->sent_src, m->recv_src) != 0 || strcmp(m->sent_dst, m->recv_dst) != 0)) {
      g_autofree char *note =
        g_strdup_printf("%s → %s  became  %s → %s (%s)", m->sent_src, m->sent_dst, m->recv_src, m->recv_dst, m->via);
      svg_text(s, (xa + xb) / 2, y + 13, "middle", "note", note);
    }
  }
  g_string_append(s, "</svg>\n");
  return g_string_free(s, FALSE);
}
