/* ladder-traversal.c — the NAT-traversal rows of the ladder: STUN Binding and TURN transactions
 * between a phone and the STUN/TURN server (RFC 8489, RFC 8656), ICE connectivity checks
 * summarised per candidate pair (the first check and its answer, the nominating check with
 * USE-CANDIDATE, RFC 8445 §7.2 and §8.1.1), and notes for the candidates gathered, the selected
 * pair, consent freshness and its loss (RFC 7675).
 *
 * Rows read: models/stun/stun-server.c and stun-client.c ("stun server A <- B Binding request tid
 * T", "stun server A -> B <what> len N"), turn-client-txn.c, turn-client.c and turn-server.c
 * ("turn client L -> S NET Op request tid T send N", "turn client <- Op <class> tid T", "turn
 * server <- NET origin Op request tid T", "turn server -> NET origin <what> tid T len N"),
 * ice-check.c, ice-agent.c and ice-nominate.c ("ice <agent> check-sent|check-received|
 * check-success|valid|selected|consent-sent|consent-lost ..."), and the phone's and PBX's own rows
 * (models/ua/phone-traversal.c: srflx-request, srflx, gathered; models/pbx/pbx-ice.c: mismatch).
 * A phone's own STUN request carries no transaction id in its row; it pairs with the server's
 * next Binding request whose id no STUN client row sent.
 */
#include "ladder-private.h"

#include <string.h>

typedef struct {
  gint64 t;        /* time, ns */
  char *elem;      /* element that sent or received it */
  gboolean send;   /* sent, else received */
  char *key;       /* "<tid>|req" or "<tid>|resp"; a phone's own STUN uses "srflx" as tid */
  char *label;     /* for sent rows: the arrow's label */
  char *net;       /* transport for sent rows */
  char *to;        /* for sent rows: the element addressed, if known */
  LadderKind kind; /* LADDER_STUN or LADDER_TURN */
  gboolean used;   /* for sent rows: a received row was paired with it */
  LadderMsg *msg;  /* for sent rows: the message made from it */
  guint line;      /* trace line */
} TxRow;

typedef struct {
  gint64 t;      /* time, ns */
  char *agent;   /* ICE agent that sent it */
  char *base;    /* local base "ip:port" */
  char *remote;  /* remote candidate "ip:port" */
  char *tid;     /* transaction id */
  gboolean use;  /* carries USE-CANDIDATE */
  guint line;    /* trace line */
} CheckOut;

typedef struct {
  gint64 t;      /* time, ns */
  char *agent;   /* ICE agent that received it */
  char *local;   /* the agent's address it arrived at */
  char *src;     /* source as received */
  gboolean use;  /* carried USE-CANDIDATE */
  gboolean used; /* paired with a CheckOut */
  guint line;    /* trace line */
} CheckIn;

typedef struct {
  gint64 t;    /* time of the answer or the give-up, ns */
  char *what;  /* "success", "error 487", "no answer after 7 sends" */
  char *valid; /* for a success: the valid pair it produced ("srflx A -> host B"), or NULL */
  gboolean ok; /* a success response */
} CheckEnd;

typedef struct {
  guint n;       /* consent checks sent */
  gint64 first;  /* first one, ns */
  gint64 last;   /* last one, ns */
  guint line;    /* trace line of the first */
} Consent;

/* Everything one pass over the lines collects. */
typedef struct {
  Ladder *l;            /* the ladder being filled */
  GHashTable *where;    /* "ip:port" -> SIP element (borrowed) */
  GPtrArray *tx;        /* TxRow*, in trace order */
  GPtrArray *outs;      /* CheckOut*, in trace order */
  GPtrArray *ins;       /* CheckIn*, in trace order */
  GHashTable *ends;     /* tid -> CheckEnd* */
  GHashTable *owner;    /* local candidate "ip:port" -> ICE agent */
  GHashTable *ltype;    /* "agent|ip:port" -> local candidate type */
  GHashTable *rtype;    /* "agent|ip:port" -> remote candidate type */
  GHashTable *relays;   /* relayed candidate "ip:port" -> itself */
  GHashTable *consent;  /* agent -> Consent* */
  GHashTable *stun_tid; /* tids sent by STUN client rows -> element */
  GHashTable *last_req; /* STUN server: client "ip:port" -> tid of its last request */
  GHashTable *tid_elem; /* TURN/STUN tid -> client element */
  GHashTable *net_of;   /* TURN client local "ip:port" -> transport */
  GHashTable *last_ok;  /* agent -> tid of its last check-success at the current time */
  gint64 last_ok_t;     /* time of that success row */
  GPtrArray *cols;      /* columns the rows used */
  guint line;           /* the trace line being read */
  gint64 end;           /* time of the last trace row, ns */
} Pass;

static void
tx_free(gpointer p)
{
  TxRow *r = p;
  g_free(r->elem);
  g_free(r->key);
  g_free(r->label);
  g_free(r->net);
  g_free(r->to);
  g_free(r);
}

static void
out_free(gpointer p)
{
  CheckOut *c = p;
  g_free(c->agent);
  g_free(c->base);
  g_free(c->remote);
  g_free(c->tid);
  g_free(c);
}

static void
in_free(gpointer p)
{
  CheckIn *c = p;
  g_free(c->agent);
  g_free(c->local);
  g_free(c->src);
  g_free(c);
}

static void
end_free(gpointer p)
{
  CheckEnd *e = p;
  g_free(e->what);
  g_free(e->valid);
  g_free(e);
}

static void
add_col(GPtrArray *a, const char *s)
{
  for (guint i = 0; i < a->len; i++)
    if (strcmp(a->pdata[i], s) == 0)
      return;
  g_ptr_array_add(a, g_strdup(s));
}

/* The column of an ICE agent: its name without the "-call<N>" suffix ("pbx-media-call0" ->
 * "pbx-media"). */
static char *
agent_column(const char *agent)
{
  const char *p = g_strrstr(agent, "-call");
  if (p && p != agent && p[5]) {
    const char *d = p + 5;
    while (g_ascii_isdigit(*d))
      d++;
    if (*d == '\0')
      return g_strndup(agent, p - agent);
  }
  return g_strdup(agent);
}

/* The SIP element at "ip:port", else the first one (by name) with the same IP, else the IP. */
static char *
element_of(Pass *ps, const char *endpoint)
{
  const char *e = g_hash_table_lookup(ps->where, endpoint);
  if (e)
    return g_strdup(e);
  gsize iplen = strcspn(endpoint, ":");
  const char *best = NULL;
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, ps->where);
  while (g_hash_table_iter_next(&it, &k, &v))
    if (strncmp(k, endpoint, iplen) == 0 && ((char *)k)[iplen] == ':' && (!best || strcmp(v, best) < 0))
      best = v;
  return best ? g_strdup(best) : g_strndup(endpoint, iplen);
}

static LadderMsg *
new_msg(LadderKind kind, gint64 t, guint line, const char *from, const char *to, const char *net, const char *label)
{
  LadderMsg *m = g_new0(LadderMsg, 1);
  m->kind = kind;
  m->seq = line;
  m->t_send = t;
  m->t_recv = -1;
  m->from = g_strdup(from);
  m->to = g_strdup(to);
  m->net = g_strdup(net ? net : "");
  m->label = g_strdup(label);
  m->sent_src = g_strdup("-");
  m->sent_dst = g_strdup("-");
  return m;
}

static void
add_note(Pass *ps, gint64 t, const char *column, const char *text)
{
  LadderMsg *m = new_msg(LADDER_NOTE, t, ps->line, column, NULL, NULL, text);
  m->t_recv = t;
  g_ptr_array_add(ps->l->msgs, m);
  add_col(ps->cols, column);
}

static void
add_tx(Pass *ps, gint64 t, const char *elem, gboolean send, const char *tid, gboolean resp, LadderKind kind,
       const char *label, const char *net, const char *to)
{
  TxRow *r = g_new0(TxRow, 1);
  r->t = t;
  r->elem = g_strdup(elem);
  r->send = send;
  r->key = g_strdup_printf("%s|%s", tid, resp ? "resp" : "req");
  r->label = g_strdup(label);
  r->net = g_strdup(net ? net : "UDP");
  r->to = g_strdup(to);
  r->kind = kind;
  r->line = ps->line;
  g_ptr_array_add(ps->tx, r);
}

/* Text of tokens [from, until the token `stop`) joined by spaces; *next gets the index of `stop`. */
static char *
join_until(char **tok, guint from, const char *stop, guint *next)
{
  GString *s = g_string_new(NULL);
  guint i = from;
  for (; tok[i] && strcmp(tok[i], stop) != 0; i++)
    g_string_append_printf(s, "%s%s", s->len ? " " : "", tok[i]);
  if (next)
    *next = i;
  return g_string_free(s, FALSE);
}

/* "tid=abc" -> "abc" */
static const char *
tid_of(const char *tok)
{
  return tok && g_str_has_prefix(tok, "tid=") ? tok + 4 : NULL;
}

/* ---- Rows by category ------------------------------------------------------------------------- */

static void
stun_row(Pass *ps, gint64 t, char **tok, guint n)
{
  if (n >= 8 && strcmp(tok[0], "client") == 0 && strcmp(tok[2], "->") == 0 && strcmp(tok[5], "request") == 0) {
    /* client L -> S Binding request tid T send N */
    g_autofree char *elem = element_of(ps, tok[1]);
    g_hash_table_insert(ps->tid_elem, g_strdup(tok[7]), g_strdup(elem));
    gboolean again = n >= 10 && strcmp(tok[9], "1") != 0;
    g_autofree char *label = g_strdup_printf("STUN %s request%s", tok[4], again ? " (retransmission)" : "");
    add_tx(ps, t, elem, TRUE, tok[7], FALSE, LADDER_STUN, label, "UDP", LADDER_SERVER_COLUMN);
  } else if (n >= 6 && strcmp(tok[0], "client") == 0 && strcmp(tok[2], "<-") == 0) {
    /* client L <- S <what> tid T */
    guint k = 0;
    g_autofree char *what = join_until(tok, 4, "tid", &k);
    g_autofree char *elem = element_of(ps, tok[1]);
    if (tok[k] && tok[k + 1])
      add_tx(ps, t, elem, FALSE, tok[k + 1], TRUE, LADDER_STUN, NULL, NULL, NULL);
  } else if (n >= 5 && strcmp(tok[0], "server") == 0 && strcmp(tok[2], "<-") == 0) {
    /* server A <- B Binding request tid T */
    guint k = 0;
    g_autofree char *what = join_until(tok, 4, "tid", &k);
    if (!tok[k] || !tok[k + 1])
      return;
    const char *tid = g_hash_table_contains(ps->stun_tid, tok[k + 1]) ? tok[k + 1] : "srflx";
    g_hash_table_insert(ps->last_req, g_strdup(tok[3]), g_strdup(tid));
    add_tx(ps, t, LADDER_SERVER_COLUMN, FALSE, tid, FALSE, LADDER_STUN, NULL, NULL, NULL);
  } else if (n >= 5 && strcmp(tok[0], "server") == 0 && strcmp(tok[2], "->") == 0) {
    /* server A -> B <what> len N: answers B's last request */
    const char *tid = g_hash_table_lookup(ps->last_req, tok[3]);
    if (!tid)
      return;
    g_autofree char *what = join_until(tok, 4, "len", NULL);
    g_autofree char *label = g_strdup_printf("STUN %s", what);
    const char *to = g_hash_table_lookup(ps->tid_elem, tid);
    add_tx(ps, t, LADDER_SERVER_COLUMN, TRUE, tid, TRUE, LADDER_STUN, label, "UDP", to);
  }
}

static void
turn_row(Pass *ps, gint64 t, char **tok, guint n)
{
  if (n >= 9 && strcmp(tok[0], "client") == 0 && strcmp(tok[2], "->") == 0 && strcmp(tok[3], "deallocate") == 0) {
    /* client L -> deallocate Refresh lifetime 0 tid T */
    g_autofree char *elem = element_of(ps, tok[1]);
    g_hash_table_insert(ps->tid_elem, g_strdup(tok[8]), g_strdup(elem));
    const char *net = g_hash_table_lookup(ps->net_of, tok[1]);
    add_tx(ps, t, elem, TRUE, tok[8], FALSE, LADDER_TURN, "TURN Refresh request lifetime 0 (deallocate)", net,
           LADDER_SERVER_COLUMN);
  } else if (n >= 11 && strcmp(tok[0], "client") == 0 && strcmp(tok[2], "->") == 0 && strcmp(tok[6], "request") == 0) {
    /* client L -> S NET Op request tid T send N [auth] */
    g_autofree char *elem = element_of(ps, tok[1]);
    g_hash_table_insert(ps->tid_elem, g_strdup(tok[8]), g_strdup(elem));
    g_hash_table_insert(ps->net_of, g_strdup(tok[1]), g_strdup(tok[4]));
    g_autofree char *label = g_strdup_printf("TURN %s request%s%s", tok[5], n >= 12 ? " with credentials" : "",
                                             strcmp(tok[10], "1") != 0 ? " (retransmission)" : "");
    add_tx(ps, t, elem, TRUE, tok[8], FALSE, LADDER_TURN, label, tok[4], LADDER_SERVER_COLUMN);
  } else if (n >= 4 && strcmp(tok[0], "client") == 0 && strcmp(tok[1], "<-") == 0) {
    /* client <- Op <class> tid T */
    guint k = 0;
    g_autofree char *what = join_until(tok, 2, "tid", &k);
    const char *elem = tok[k] && tok[k + 1] ? g_hash_table_lookup(ps->tid_elem, tok[k + 1]) : NULL;
    if (elem)
      add_tx(ps, t, elem, FALSE, tok[k + 1], TRUE, LADDER_TURN, NULL, NULL, NULL);
  } else if (n >= 6 && strcmp(tok[0], "server") == 0 && (strcmp(tok[1], "<-") == 0 || strcmp(tok[1], "->") == 0)) {
    /* server <- NET origin Op request tid T | server -> NET origin <what> tid T len N */
    gboolean out = tok[1][0] == '-';
    guint k = 0;
    g_autofree char *what = join_until(tok, 4, "tid", &k);
    if (!tok[k] || !tok[k + 1] || (!out && !g_str_has_suffix(what, " request")))
      return;
    g_autofree char *label = g_strdup_printf("TURN %s", what);
    const char *to = g_hash_table_lookup(ps->tid_elem, tok[k + 1]);
    add_tx(ps, t, LADDER_SERVER_COLUMN, out, tok[k + 1], out, LADDER_TURN, label, tok[2], to);
  } else if (n >= 4 && strcmp(tok[0], "client") == 0 && strcmp(tok[2], "allocation") == 0) {
    /* client L allocation failed: code reason */
    g_autofree char *elem = element_of(ps, tok[1]);
    g_autofree char *rest = join_until(tok, 2, "\x01", NULL);
    g_autofree char *note = g_strdup_printf("TURN %s", rest);
    add_note(ps, t, elem, note);
  }
}

static void
ice_row(Pass *ps, gint64 t, char **tok, guint n)
{
  if (n < 3)
    return;
  const char *agent = tok[0], *ev = tok[1];
  g_autofree char *col = agent_column(agent);
  if (strcmp(ev, "candidate") == 0 && n >= 6) {
    g_autofree char *key = g_strdup_printf("%s|%s", agent, tok[5]);
    if (strcmp(tok[2], "local") == 0) {
      if (!g_hash_table_contains(ps->owner, tok[5]))
        g_hash_table_insert(ps->owner, g_strdup(tok[5]), g_strdup(agent));
      g_hash_table_insert(ps->ltype, g_steal_pointer(&key), g_strdup(tok[4]));
      if (strcmp(tok[4], "relay") == 0)
        g_hash_table_insert(ps->relays, g_strdup(tok[5]), g_strdup(tok[5]));
    } else {
      g_hash_table_insert(ps->rtype, g_steal_pointer(&key), g_strdup(tok[4]));
    }
  } else if (strcmp(ev, "check-sent") == 0 && n >= 7) {
    CheckOut *c = g_new0(CheckOut, 1);
    c->t = t;
    c->agent = g_strdup(agent);
    c->base = g_strdup(tok[3]);
    c->remote = g_strdup(tok[5]);
    c->tid = g_strdup(tid_of(tok[6]) ? tid_of(tok[6]) : "");
    c->line = ps->line;
    for (guint k = 7; k < n; k++)
      c->use |= strcmp(tok[k], "use-candidate") == 0;
    g_ptr_array_add(ps->outs, c);
  } else if (strcmp(ev, "check-received") == 0 && n >= 6) {
    CheckIn *c = g_new0(CheckIn, 1);
    c->t = t;
    c->agent = g_strdup(agent);
    c->local = g_strdup(tok[3]);
    c->src = g_strdup(tok[5]);
    c->use = n >= 7 && strcmp(tok[6], "use-candidate") == 0;
    c->line = ps->line;
    g_ptr_array_add(ps->ins, c);
  } else if ((strcmp(ev, "check-success") == 0 || strcmp(ev, "check-timeout") == 0) && tid_of(tok[2])) {
    CheckEnd *e = g_new0(CheckEnd, 1);
    e->t = t;
    e->ok = ev[6] == 's';
    e->what = e->ok ? g_strdup("success") : g_strdup_printf("no answer after %s sends", n >= 5 ? tok[4] : "?");
    g_hash_table_insert(ps->ends, g_strdup(tid_of(tok[2])), e);
    if (e->ok) {
      g_hash_table_insert(ps->last_ok, g_strdup(agent), g_strdup(tid_of(tok[2])));
      ps->last_ok_t = t;
    }
  } else if (strcmp(ev, "check-error") == 0 && n >= 4 && tid_of(tok[3])) {
    CheckEnd *e = g_new0(CheckEnd, 1);
    e->t = t;
    e->what = g_strdup_printf("error %s", tok[2]);
    g_hash_table_insert(ps->ends, g_strdup(tid_of(tok[3])), e);
  } else if (strcmp(ev, "valid") == 0 && n >= 8 && t == ps->last_ok_t) {
    /* valid c=1 ltype laddr -> rtype raddr ...: the pair the success just made valid */
    const char *tid = g_hash_table_lookup(ps->last_ok, agent);
    CheckEnd *e = tid ? g_hash_table_lookup(ps->ends, tid) : NULL;
    if (e && !e->valid)
      e->valid = g_strdup_printf("%s %s -> %s %s", tok[3], tok[4], tok[6], tok[7]);
  } else if (strcmp(ev, "consent-sent") == 0) {
    Consent *c = g_hash_table_lookup(ps->consent, agent);
    if (!c) {
      c = g_new0(Consent, 1);
      c->first = t;
      c->line = ps->line;
      g_hash_table_insert(ps->consent, g_strdup(agent), c);
    }
    c->n++;
    c->last = t;
  } else if ((strcmp(ev, "selected") == 0 || strcmp(ev, "consent-lost") == 0) && n >= 8) {
    g_autofree char *note = g_strdup_printf("%s %s %s -> %s %s", ev[0] == 's' ? "selected pair:" : "consent lost on",
                                            tok[3], tok[4], tok[6], tok[7]);
    add_note(ps, t, col, note);
  } else if (strcmp(ev, "checklist") == 0 && strcmp(tok[2], "failed") == 0) {
    add_note(ps, t, col, "ICE checklist failed: no valid pair");
  }
}

static void
ua_row(Pass *ps, gint64 t, const char *cat, char **tok, guint n)
{
  if (strcmp(cat, "phone") == 0 && n >= 3) {
    const char *name = tok[0], *ev = tok[1];
    if (strcmp(ev, "srflx-request") == 0) {
      gboolean again = n >= 5 && strcmp(tok[4], "1") != 0;
      g_autofree char *label = g_strdup_printf("STUN Binding request%s", again ? " (retransmission)" : "");
      g_hash_table_insert(ps->tid_elem, g_strdup("srflx"), g_strdup(name));
      add_tx(ps, t, name, TRUE, "srflx", FALSE, LADDER_STUN, label, "UDP", LADDER_SERVER_COLUMN);
    } else if (strcmp(ev, "srflx") == 0) {
      add_tx(ps, t, name, FALSE, "srflx", TRUE, LADDER_STUN, NULL, NULL, NULL);
    } else if (strcmp(ev, "gathered") == 0) {
      GString *s = g_string_new("gathered");
      for (guint k = 3; k < n; k++) {
        const char *eq = strchr(tok[k], '=');
        if (eq && strcmp(eq + 1, "0.0.0.0:0") != 0)
          g_string_append_printf(s, " %.*s %s", (int)(eq - tok[k]), tok[k], eq + 1);
      }
      add_note(ps, t, name, s->str);
      g_string_free(s, TRUE);
    } else if (strcmp(ev, "gather-timeout") == 0 || strcmp(ev, "srflx-timeout") == 0 ||
               strcmp(ev, "relay-failed") == 0) {
      g_autofree char *rest = join_until(tok, 1, "\x01", NULL);
      add_note(ps, t, name, rest);
    }
  } else if (strcmp(cat, "pbx") == 0 && n >= 3 && strcmp(tok[0], "ice") == 0 &&
             (strcmp(tok[2], "mismatch") == 0 || strcmp(tok[2], "bad-offer") == 0)) {
    g_autofree char *rest = join_until(tok, 2, "\x01", NULL);
    g_autofree char *note = g_strdup_printf("ICE %s", rest);
    add_note(ps, t, "pbx", note);
  }
}

/* ---- Building the rows ------------------------------------------------------------------------ */

/* A message sent this close to the end of the trace without arriving was cut off by the run's end. */
#define IN_FLIGHT_NS G_GINT64_CONSTANT(1000000000)

/* Pair each received STUN/TURN row with the latest earlier unmatched sent row of the same
 * message, as the SIP ladder does; every sent row becomes an arrow. */
static void
build_transactions(Pass *ps)
{
  for (guint i = 0; i < ps->tx->len; i++) {
    TxRow *s = ps->tx->pdata[i];
    if (!s->send)
      continue;
    s->msg = new_msg(s->kind, s->t, s->line, s->elem, s->to, s->net, s->label);
    g_ptr_array_add(ps->l->msgs, s->msg);
    add_col(ps->cols, s->elem);
  }
  for (guint i = 0; i < ps->tx->len; i++) {
    TxRow *r = ps->tx->pdata[i];
    if (r->send)
      continue;
    TxRow *best = NULL;
    for (guint j = 0; j < ps->tx->len; j++) {
      TxRow *s = ps->tx->pdata[j];
      if (s->send && !s->used && s->t <= r->t && strcmp(s->elem, r->elem) != 0 && strcmp(s->key, r->key) == 0 &&
          (!best || s->t >= best->t))
        best = s;
    }
    if (!best)
      continue;
    best->used = TRUE;
    best->msg->t_recv = r->t;
    g_free(best->msg->to);
    best->msg->to = g_strdup(r->elem);
  }
  for (guint i = 0; i < ps->tx->len; i++) {
    TxRow *s = ps->tx->pdata[i];
    if (s->send && !s->used)
      s->msg->in_flight = s->t + IN_FLIGHT_NS > ps->end;
  }
}

/* The type of an agent's candidate at `addr`, "?" if the trace did not say. */
static const char *
cand_type(GHashTable *types, const char *agent, const char *addr)
{
  g_autofree char *key = g_strdup_printf("%s|%s", agent, addr);
  const char *t = g_hash_table_lookup(types, key);
  return t ? t : "?";
}

/* The type of a remote candidate: as the agent learnt it, else as its owner gathered it. */
static const char *
remote_type(Pass *ps, const char *agent, const char *addr)
{
  const char *t = cand_type(ps->rtype, agent, addr);
  const char *owner = g_hash_table_lookup(ps->owner, addr);
  return strcmp(t, "?") == 0 && owner ? cand_type(ps->ltype, owner, addr) : t;
}

/* The peer's receipt of a check: its first unpaired check-received row at the check's remote
 * address, no earlier than the check, with the same USE-CANDIDATE flag, from the relay when the
 * check left from a relayed base and from elsewhere otherwise. */
static CheckIn *
receipt_of(Pass *ps, const CheckOut *c, const char *peer)
{
  gboolean relayed = g_hash_table_contains(ps->relays, c->base);
  for (guint i = 0; i < ps->ins->len; i++) {
    CheckIn *in = ps->ins->pdata[i];
    if (in->used || in->t < c->t || strcmp(in->agent, peer) != 0 || strcmp(in->local, c->remote) != 0 ||
        in->use != c->use)
      continue;
    if (relayed ? strcmp(in->src, c->base) != 0 : g_hash_table_contains(ps->relays, in->src))
      continue;
    in->used = TRUE;
    return in;
  }
  return NULL;
}

/* ICE checks, one request arrow and one answer arrow for the first check of each pair and for
 * the first nominating one; later checks of the same pair are counted in the first's label. */
static void
build_checks(Pass *ps)
{
  g_autoptr(GHashTable) first = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) more = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, NULL);
  for (guint i = 0; i < ps->outs->len; i++) {
    const CheckOut *c = ps->outs->pdata[i];
    const char *peer = g_hash_table_lookup(ps->owner, c->remote);
    CheckIn *in = peer ? receipt_of(ps, c, peer) : NULL;
    g_autofree char *key = g_strdup_printf("%s|%s|%s|%d", c->agent, c->base, c->remote, c->use);
    LadderMsg *prev = g_hash_table_lookup(first, key);
    if (prev) {
      g_hash_table_insert(more, prev, GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(more, prev)) + 1));
      continue;
    }
    g_autofree char *from = agent_column(c->agent);
    g_autofree char *to = peer ? agent_column(peer) : NULL;
    gboolean relayed = g_hash_table_contains(ps->relays, c->base);
    const CheckEnd *e = g_hash_table_lookup(ps->ends, c->tid);
    /* A timeout, or an error that the peer's rows do not show it answering, goes on the request. */
    gboolean unanswered = e && !e->ok && (!in || !g_str_has_prefix(e->what, "error"));
    g_autofree char *label =
      g_strdup_printf("ICE check %s %s -> %s %s%s%s%s", cand_type(ps->ltype, c->agent, c->base), c->base,
                      remote_type(ps, c->agent, c->remote), c->remote, c->use ? " USE-CANDIDATE (nominate)" : "",
                      unanswered ? ": " : "", unanswered ? e->what : "");
    LadderMsg *m = new_msg(LADDER_ICE, c->t, c->line, from, to, relayed ? "UDP via TURN" : "UDP", label);
    g_ptr_array_add(ps->l->msgs, m);
    g_hash_table_insert(first, g_steal_pointer(&key), m);
    add_col(ps->cols, from);
    if (to)
      add_col(ps->cols, to);
    if (in) {
      m->t_recv = in->t;
      m->recv_src = g_strdup(in->src);
    }
    m->in_flight = !in && !e && c->t + IN_FLIGHT_NS > ps->end;
    if (e && to && !unanswered && (in || e->ok)) {
      g_autofree char *ans = g_strdup_printf("ICE check %s%s%s", e->what, e->valid ? ": valid pair " : "",
                                             e->valid ? e->valid : "");
      LadderMsg *r = new_msg(LADDER_ICE, in ? in->t : e->t, in ? in->line : c->line, to, from, m->net, ans);
      r->t_recv = e->t;
      g_ptr_array_add(ps->l->msgs, r);
    }
  }
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, more);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    LadderMsg *m = k;
    char *label = g_strdup_printf("%s (+%u more)", m->label, GPOINTER_TO_UINT(v));
    g_free(m->label);
    m->label = label;
  }
}

/* One note per agent that kept consent (RFC 7675), at its first consent check. */
static void
build_consent(Pass *ps)
{
  GList *agents = g_list_sort(g_hash_table_get_keys(ps->consent), (GCompareFunc)strcmp);
  for (GList *a = agents; a; a = a->next) {
    const Consent *c = g_hash_table_lookup(ps->consent, a->data);
    g_autofree char *col = agent_column(a->data);
    g_autofree char *note = g_strdup_printf("consent freshness: %u Binding checks on the selected pair, %.3f-%.3f s",
                                            c->n, c->first / 1e9, c->last / 1e9);
    ps->line = c->line;
    add_note(ps, c->first, col, note);
  }
  g_list_free(agents);
}

void
ladder_add_traversal(Ladder *l, char **lines, GHashTable *where, GPtrArray *servers, GPtrArray *others)
{
  Pass ps = {
    .l = l,
    .where = where,
    .tx = g_ptr_array_new_with_free_func(tx_free),
    .outs = g_ptr_array_new_with_free_func(out_free),
    .ins = g_ptr_array_new_with_free_func(in_free),
    .ends = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, end_free),
    .owner = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
    .ltype = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
    .rtype = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
    .relays = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
    .consent = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
    .stun_tid = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
    .last_req = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
    .tid_elem = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
    .net_of = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
    .last_ok = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
    .last_ok_t = -1,
    .cols = g_ptr_array_new_with_free_func(g_free),
  };
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; lines[i]; i++) {
      char *sp1 = strchr(lines[i], ' ');
      char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
      if (!sp2 || !g_ascii_isdigit(lines[i][0]))
        continue;
      gint64 t = g_ascii_strtoll(lines[i], NULL, 10);
      ps.line = (guint)i;
      ps.end = MAX(ps.end, t);
      g_autofree char *cat = g_strndup(sp1 + 1, sp2 - sp1 - 1);
      g_auto(GStrv) tok = g_strsplit(sp2 + 1, " ", -1);
      guint n = g_strv_length(tok);
      if (pass == 0) {
        /* Which Binding transaction ids STUN clients sent (the rest are phones' own). */
        if (strcmp(cat, "stun") == 0 && n >= 8 && strcmp(tok[0], "client") == 0 && strcmp(tok[2], "->") == 0)
          g_hash_table_insert(ps.stun_tid, g_strdup(tok[7]), NULL);
        continue;
      }
      if (strcmp(cat, "stun") == 0)
        stun_row(&ps, t, tok, n);
      else if (strcmp(cat, "turn") == 0)
        turn_row(&ps, t, tok, n);
      else if (strcmp(cat, "ice") == 0)
        ice_row(&ps, t, tok, n);
      else if (strcmp(cat, "phone") == 0 || strcmp(cat, "pbx") == 0)
        ua_row(&ps, t, cat, tok, n);
    }
  }
  build_transactions(&ps);
  build_checks(&ps);
  build_consent(&ps);
  for (guint i = 0; i < ps.tx->len; i++) {
    const TxRow *r = ps.tx->pdata[i];
    add_col(strcmp(r->elem, LADDER_SERVER_COLUMN) == 0 ? servers : ps.cols, r->elem);
  }
  for (guint i = 0; i < ps.cols->len; i++)
    if (strcmp(ps.cols->pdata[i], LADDER_SERVER_COLUMN) != 0)
      add_col(others, ps.cols->pdata[i]);
  g_ptr_array_unref(ps.tx);
  g_ptr_array_unref(ps.outs);
  g_ptr_array_unref(ps.ins);
  g_ptr_array_unref(ps.cols);
  g_hash_table_unref(ps.ends);
  g_hash_table_unref(ps.owner);
  g_hash_table_unref(ps.ltype);
  g_hash_table_unref(ps.rtype);
  g_hash_table_unref(ps.relays);
  g_hash_table_unref(ps.consent);
  g_hash_table_unref(ps.stun_tid);
  g_hash_table_unref(ps.last_req);
  g_hash_table_unref(ps.tid_elem);
  g_hash_table_unref(ps.net_of);
  g_hash_table_unref(ps.last_ok);
}
