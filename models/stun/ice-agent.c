/* ice-agent.c — the ICE agent's candidates, checklist and pacing (RFC 8445 §5.1, §6.1).
 *
 * Local candidates get their foundation (same type, base IP, server and transport: RFC 8445
 * §5.1.1.3) and priority (§5.1.2.1) here; redundant ones are dropped (§5.1.3).  ice_agent_start()
 * pairs every local candidate with every remote one of the same component, replacing a
 * server-reflexive local candidate by its base and pruning duplicates (§6.1.2.4), sorts the pairs
 * by priority (§6.1.2.3), cuts the list to ice.max_checks (§6.1.2.5) and sets one pair per
 * foundation Waiting, the rest Frozen (§6.1.2.6).  A Ta timer then sends one check at a time:
 * the head of the triggered-check queue, else the highest-priority Waiting pair, else it unfreezes
 * one Frozen pair per foundation that has nothing Waiting or In-Progress (§6.1.4.2).  Nomination,
 * selection and consent live in ice-nominate.c; STUN transactions in ice-check.c.
 */
#include <string.h>

#include "ice-private.h"

/* ---- Formulas and names ------------------------------------------------------------------------ */

guint32
ice_priority(guint type_pref, guint local_pref, guint component)
{
  /* RFC 8445 §5.1.2.1: priority = 2^24 type pref + 2^8 local pref + (256 - component ID). */
  return (guint32)(((guint64)type_pref << 24) + ((guint64)local_pref << 8) + (256 - component));
}

guint64
ice_pair_priority(guint32 g, guint32 d)
{
  /* RFC 8445 §6.1.2.3: 2^32 MIN(G,D) + 2 MAX(G,D) + (G > D ? 1 : 0). */
  guint64 lo = MIN(g, d), hi = MAX(g, d);
  return (lo << 32) + 2 * hi + (g > d ? 1 : 0);
}

guint
ice_type_preference(IceCandidateType type)
{
  switch (type) {
  case ICE_CAND_HOST:
    return ICE_TYPE_PREF_HOST;
  case ICE_CAND_PRFLX:
    return ICE_TYPE_PREF_PRFLX;
  case ICE_CAND_SRFLX:
    return ICE_TYPE_PREF_SRFLX;
  case ICE_CAND_RELAY:
    return ICE_TYPE_PREF_RELAY;
  }
  return 0;
}

static const char *const type_names[] = { "host", "srflx", "prflx", "relay" };

const char *
ice_candidate_type_name(IceCandidateType type)
{
  return (guint)type < G_N_ELEMENTS(type_names) ? type_names[type] : "?";
}

gboolean
ice_candidate_type_parse(const char *text, gsize len, IceCandidateType *type)
{
  for (guint i = 0; i < G_N_ELEMENTS(type_names); i++) {
    if (strlen(type_names[i]) == len && memcmp(text, type_names[i], len) == 0) {
      *type = (IceCandidateType)i;
      return TRUE;
    }
  }
  return FALSE;
}

const char *
ice_state_name(IceState state)
{
  static const char *const names[] = { "gathering", "checking",  "connected",
                                       "completed", "failed",    "disconnected" };
  return (guint)state < G_N_ELEMENTS(names) ? names[state] : "?";
}

const char *
ice_pair_state_name(IcePairState state)
{
  static const char *const names[] = { "frozen", "waiting", "in-progress", "succeeded", "failed" };
  return (guint)state < G_N_ELEMENTS(names) ? names[state] : "?";
}

static gboolean
addr_eq(SimAddr a, SimAddr b)
{
  return a.addr == b.addr && a.port == b.port;
}

/* ---- Parameters and lifecycle ------------------------------------------------------------------- */

void
ice_agent_params_default(IceAgentParams *p)
{
  memset(p, 0, sizeof *p);
  p->components = 1;
  p->ta_ms = 50;               /* RFC 8445 §14.2 */
  p->rto_ms = 500;             /* RFC 8445 §14.3: RTO >= 500 ms */
  p->max_sends = 7;            /* Rc of RFC 8489 §6.2.1 */
  p->max_checks = 100;         /* RFC 8445 §6.1.2.5 */
  p->nomination_wait_ms = 1000;
  p->consent_interval_s = 5;   /* RFC 7675 §5.1 */
  p->consent_timeout_s = 30;   /* RFC 7675 §5.1 */
}

void
ice_agent_params_from_config(const Config *cfg, IceAgentParams *p)
{
  p->ta_ms = (guint)cfg_int(cfg, "ice.ta_ms");
  p->rto_ms = (guint)cfg_int(cfg, "ice.rto_ms");
  p->max_sends = (guint)cfg_int(cfg, "ice.max_sends");
  p->max_checks = (guint)cfg_int(cfg, "ice.max_checks");
  p->nomination_wait_ms = (guint)cfg_int(cfg, "ice.nomination_wait_ms");
  p->consent_interval_s = (guint)cfg_int(cfg, "ice.consent_interval_s");
  p->consent_timeout_s = (guint)cfg_int(cfg, "ice.consent_timeout_s");
}

/* ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.1). */
static const char ice_chars[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static gboolean
cred_ok(const char *s, gsize min)
{
  gsize n = strlen(s);
  if (n < min || n > ICE_CRED_MAX)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum(s[i]) && s[i] != '+' && s[i] != '/')
      return FALSE;
  return TRUE;
}

static char *
cred_random(GRand *r, guint n)
{
  char *s = g_malloc(n + 1);
  for (guint i = 0; i < n; i++)
    s[i] = ice_chars[g_rand_int_range(r, 0, 64)];
  s[n] = '\0';
  return s;
}

IceAgent *
ice_agent_new(const IceAgentParams *params, const IceAgentOps *ops, void *ctx, GError **error)
{
  g_return_val_if_fail(params != NULL && ops != NULL && ops->send != NULL, NULL);
  const IceAgentParams *p = params;
  if (p->components < 1 || p->components > ICE_MAX_COMPONENTS || p->ta_ms < 5 || p->rto_ms == 0 ||
      p->max_sends < 1 || p->max_sends > ICE_MAX_SENDS || p->max_checks < 1 ||
      p->consent_interval_s == 0 || p->consent_timeout_s == 0) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                "ICE agent: expected components 1..%d, ta_ms >= 5 (RFC 8445 §14.2), rto_ms > 0, "
                "max_sends 1..%d, max_checks > 0 and consent times > 0",
                ICE_MAX_COMPONENTS, ICE_MAX_SENDS);
    return NULL;
  }
  /* RFC 8445 §5.3: ufrag >= 24 bits (4 ice-chars), pwd >= 128 bits (22 ice-chars). */
  if ((p->ufrag != NULL && !cred_ok(p->ufrag, 4)) || (p->pwd != NULL && !cred_ok(p->pwd, 22))) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                "ICE agent: ufrag must be 4..256 and pwd 22..256 ice-chars (RFC 8839 §5.4)");
    return NULL;
  }
  IceAgent *a = g_new0(IceAgent, 1);
  a->params = *p;
  a->name = p->name != NULL ? g_strdup(p->name) : g_strdup_printf("ice%u", p->index);
  a->params.name = a->name;
  a->ops = *ops;
  a->ctx = ctx;
  a->rand = sim_rand_new(SIM_STREAM_ICE + p->index);
  a->lufrag = p->ufrag != NULL ? g_strdup(p->ufrag) : cred_random(a->rand, 8);
  a->lpwd = p->pwd != NULL ? g_strdup(p->pwd) : cred_random(a->rand, 24);
  a->params.ufrag = a->lufrag;
  a->params.pwd = a->lpwd;
  a->tie_breaker = p->tie_breaker;
  if (a->tie_breaker == 0)
    a->tie_breaker = ((guint64)g_rand_int(a->rand) << 32 | g_rand_int(a->rand)) | 1;
  a->controlling = p->lite ? FALSE : p->controlling; /* RFC 8445 §6.1.1 */
  a->locals = g_ptr_array_new_with_free_func(g_free);
  a->remotes = g_ptr_array_new_with_free_func(g_free);
  a->foundation_keys = g_ptr_array_new_with_free_func(g_free);
  a->all_pairs = g_ptr_array_new_with_free_func(g_free);
  a->checklist = g_ptr_array_new();
  a->valid = g_ptr_array_new();
  g_queue_init(&a->triggered);
  a->txns = g_ptr_array_new_with_free_func(ice_txn_free);
  a->early = g_array_new(FALSE, TRUE, sizeof(IceEarly));
  a->state = ICE_STATE_GATHERING;
  a->last_check = -1;
  a->stats.started_at = -1;
  a->stats.completed_at = -1;
  for (guint c = 0; c <= ICE_MAX_COMPONENTS; c++)
    a->slots[c] = (IceSlot){ .agent = a, .component = c };
  sim_trace("ice", "%s agent %s %s ufrag=%s tie-breaker=%016" G_GINT64_MODIFIER "x", a->name,
            p->lite ? "lite" : "full", a->controlling ? "controlling" : "controlled", a->lufrag,
            a->tie_breaker);
  return a;
}

void
ice_agent_free(IceAgent *a)
{
  if (a == NULL)
    return;
  sim_cancel(a->tick);
  sim_cancel(a->nominate_timer);
  sim_cancel(a->pac_timer);
  for (guint c = 0; c <= ICE_MAX_COMPONENTS; c++) {
    sim_cancel(a->consent_next[c]);
    sim_cancel(a->consent_expiry[c]);
  }
  g_ptr_array_unref(a->txns);
  g_queue_clear(&a->triggered);
  g_ptr_array_unref(a->checklist);
  g_ptr_array_unref(a->valid);
  g_ptr_array_unref(a->all_pairs);
  g_ptr_array_unref(a->locals);
  g_ptr_array_unref(a->remotes);
  g_ptr_array_unref(a->foundation_keys);
  g_array_unref(a->early);
  g_rand_free(a->rand);
  g_free(a->name);
  g_free(a->lufrag);
  g_free(a->lpwd);
  g_free(a->rufrag);
  g_free(a->rpwd);
  g_free(a);
}

/* ---- Candidates ------------------------------------------------------------------------------- */

/* RFC 8445 §5.1.1.3: the same foundation for the same type, base IP address, server and
 * transport protocol (always UDP here). */
static void
assign_foundation(IceAgent *a, IceCandidate *c)
{
  char ip[16];
  g_autofree char *key = g_strdup_printf("%s/%s/%08x/udp", ice_candidate_type_name(c->type),
                                         sim_addr_format(c->base.addr, ip), c->server);
  guint i;
  for (i = 0; i < a->foundation_keys->len; i++)
    if (strcmp(a->foundation_keys->pdata[i], key) == 0)
      break;
  if (i == a->foundation_keys->len)
    g_ptr_array_add(a->foundation_keys, g_steal_pointer(&key));
  g_snprintf(c->foundation, sizeof c->foundation, "%u", i + 1);
}

static void
trace_candidate(IceAgent *a, const char *side, const IceCandidate *c)
{
  char addr[24], rel[24];
  sim_trace("ice", "%s candidate %s c=%u %s %s prio=%u foundation=%s related=%s", a->name, side,
            c->component, ice_candidate_type_name(c->type), stun_fmt_addr(c->addr, addr),
            c->priority, c->foundation, stun_fmt_addr(c->related, rel));
}

IceCandidate *
ice_local_find(IceAgent *a, guint component, SimAddr addr)
{
  for (guint i = 0; i < a->locals->len; i++) {
    IceCandidate *c = a->locals->pdata[i];
    if (c->component == component && addr_eq(c->addr, addr))
      return c;
  }
  return NULL;
}

IceCandidate *
ice_local_base_find(IceAgent *a, SimAddr base)
{
  for (guint i = 0; i < a->locals->len; i++) {
    IceCandidate *c = a->locals->pdata[i];
    if ((c->type == ICE_CAND_HOST || c->type == ICE_CAND_RELAY) && addr_eq(c->addr, base))
      return c;
  }
  return NULL;
}

IceCandidate *
ice_remote_find(IceAgent *a, guint component, SimAddr addr)
{
  for (guint i = 0; i < a->remotes->len; i++) {
    IceCandidate *c = a->remotes->pdata[i];
    if (c->component == component && addr_eq(c->addr, addr))
      return c;
  }
  return NULL;
}

const IceCandidate *
ice_agent_add_local(IceAgent *a, const IceCandidate *c, GError **error)
{
  g_return_val_if_fail(a != NULL && c != NULL, NULL);
  const char *problem = NULL;
  if (a->started)
    problem = "local candidates are added before ice_agent_start()";
  else if (c->type == ICE_CAND_PRFLX)
    problem = "peer-reflexive candidates are learnt from checks, not added";
  else if ((guint)c->type > ICE_CAND_RELAY)
    problem = "unknown candidate type";
  else if (c->component < 1 || c->component > a->params.components)
    problem = "component out of range";
  else if (c->addr.addr == 0 || c->addr.port == 0)
    problem = "candidate address 0.0.0.0 or port 0";
  else if (a->params.lite && c->type != ICE_CAND_HOST)
    problem = "a lite agent has host candidates only (RFC 8445 §2.5)";
  IceCandidate n = *c;
  if (problem == NULL && c->type == ICE_CAND_SRFLX) {
    IceCandidate *b = ice_local_base_find(a, c->base);
    if (b == NULL || b->type != ICE_CAND_HOST || b->component != c->component)
      problem = "a server-reflexive candidate's base must be a host candidate of its component";
  }
  if (problem != NULL) {
    char addr[24];
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID, "ICE agent %s: local candidate %s: %s",
                a->name, stun_fmt_addr(c->addr, addr), problem);
    return NULL;
  }
  if (n.type != ICE_CAND_SRFLX)
    n.base = n.addr; /* RFC 8445 §5.1.1.2: host and relayed candidates are their own base */
  if (n.type == ICE_CAND_HOST) {
    n.related = (SimAddr){ 0, 0 };
    n.server = 0;
  }
  if (n.local_pref == 0)
    n.local_pref = ICE_LOCAL_PREF_DEFAULT;
  /* RFC 8445 §5.1.3: same transport address and base as another candidate: redundant. */
  for (guint i = 0; i < a->locals->len; i++) {
    IceCandidate *o = a->locals->pdata[i];
    if (o->component == n.component && addr_eq(o->addr, n.addr) && addr_eq(o->base, n.base)) {
      char addr[24];
      sim_trace("ice", "%s candidate-redundant %s %s", a->name, ice_candidate_type_name(n.type),
                stun_fmt_addr(n.addr, addr));
      return o;
    }
  }
  n.priority = ice_priority(ice_type_preference(n.type), n.local_pref, n.component);
  assign_foundation(a, &n);
  IceCandidate *stored = g_memdup2(&n, sizeof n);
  g_ptr_array_add(a->locals, stored);
  trace_candidate(a, "local", stored);
  return stored;
}

IceCandidate *
ice_local_learn_prflx(IceAgent *a, IcePair *p, SimAddr mapped, guint32 priority)
{
  /* RFC 8445 §7.2.5.3.1: a new local peer-reflexive candidate, with the PRIORITY of the request
   * and the base of the pair's local candidate. */
  IceCandidate n = { .type = ICE_CAND_PRFLX, .component = p->lbase->component,
                     .priority = priority, .local_pref = p->lbase->local_pref, .addr = mapped,
                     .base = p->lbase->addr, .related = p->lbase->addr };
  assign_foundation(a, &n);
  IceCandidate *stored = g_memdup2(&n, sizeof n);
  g_ptr_array_add(a->locals, stored);
  trace_candidate(a, "local-learnt", stored);
  return stored;
}

IceCandidate *
ice_remote_learn_prflx(IceAgent *a, guint component, SimAddr from, guint32 priority)
{
  /* RFC 8445 §7.3.1.3: priority from the request's PRIORITY, a foundation unlike any other. */
  IceCandidate n = { .type = ICE_CAND_PRFLX, .component = component, .priority = priority,
                     .addr = from, .base = from };
  g_snprintf(n.foundation, sizeof n.foundation, "prflx%u", ++a->remote_prflx);
  IceCandidate *stored = g_memdup2(&n, sizeof n);
  g_ptr_array_add(a->remotes, stored);
  trace_candidate(a, "remote-learnt", stored);
  return stored;
}

guint
ice_agent_n_local(const IceAgent *a)
{
  return a->locals->len;
}

const IceCandidate *
ice_agent_local(const IceAgent *a, guint i)
{
  return i < a->locals->len ? a->locals->pdata[i] : NULL;
}

guint
ice_agent_n_remote(const IceAgent *a)
{
  return a->remotes->len;
}

const IceCandidate *
ice_agent_remote(const IceAgent *a, guint i)
{
  return i < a->remotes->len ? a->remotes->pdata[i] : NULL;
}

const char *
ice_agent_local_ufrag(const IceAgent *a)
{
  return a->lufrag;
}

const char *
ice_agent_local_pwd(const IceAgent *a)
{
  return a->lpwd;
}

const char *
ice_agent_remote_ufrag(const IceAgent *a)
{
  return a->rufrag;
}

const char *
ice_agent_remote_pwd(const IceAgent *a)
{
  return a->rpwd;
}

gboolean
ice_agent_is_lite(const IceAgent *a)
{
  return a->params.lite;
}

gboolean
ice_agent_is_controlling(const IceAgent *a)
{
  return a->controlling;
}

guint64
ice_agent_tie_breaker(const IceAgent *a)
{
  return a->tie_breaker;
}

gboolean
ice_agent_set_remote(IceAgent *a, const char *ufrag, const char *pwd, gboolean remote_lite,
                     GError **error)
{
  g_return_val_if_fail(a != NULL, FALSE);
  if (a->started || ufrag == NULL || pwd == NULL || !cred_ok(ufrag, 4) || !cred_ok(pwd, 22)) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                "ICE agent %s: remote ufrag (4..256 ice-chars) and pwd (22..256) are set once, "
                "before start (RFC 8839 §5.4)", a->name);
    return FALSE;
  }
  g_free(a->rufrag);
  g_free(a->rpwd);
  a->rufrag = g_strdup(ufrag);
  a->rpwd = g_strdup(pwd);
  a->remote_lite = remote_lite;
  if (remote_lite && !a->params.lite && !a->controlling) {
    /* RFC 8445 §6.1.1: with a lite peer the full agent is controlling. */
    a->controlling = TRUE;
    sim_trace("ice", "%s role controlling (peer is lite)", a->name);
  }
  return TRUE;
}

gboolean
ice_agent_add_remote_candidate(IceAgent *a, const IceCandidate *c, GError **error)
{
  g_return_val_if_fail(a != NULL && c != NULL, FALSE);
  char addr[24];
  if (a->started || c->component < 1 || c->component > 256 || c->addr.addr == 0 ||
      c->addr.port == 0 || c->foundation[0] == '\0' || c->priority == 0) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID,
                "ICE agent %s: remote candidate %s: expected component 1..256, an address and "
                "port, a foundation and a priority > 0, before start",
                a->name, stun_fmt_addr(c->addr, addr));
    return FALSE;
  }
  if (c->component > a->params.components || ice_remote_find(a, c->component, c->addr) != NULL)
    return TRUE; /* a component this stream does not use, or a duplicate */
  IceCandidate *n = g_memdup2(c, sizeof *c);
  n->base = n->addr;
  n->foundation[ICE_FOUNDATION_MAX] = '\0';
  g_ptr_array_add(a->remotes, n);
  trace_candidate(a, "remote", n);
  return TRUE;
}

/* ---- Pairs ------------------------------------------------------------------------------------ */

void
ice_trace_pair(IceAgent *a, IcePair *p, const char *event)
{
  char l[24], r[24];
  sim_trace("ice", "%s %s c=%u %s %s -> %s %s prio=%" G_GUINT64_FORMAT " state=%s", a->name, event,
            p->pub.component, ice_candidate_type_name(p->lcand->type), stun_fmt_addr(p->lcand->addr, l),
            ice_candidate_type_name(p->rcand->type), stun_fmt_addr(p->rcand->addr, r),
            p->pub.priority, ice_pair_state_name(p->pub.state));
}

void
ice_pair_set_state(IceAgent *a, IcePair *p, IcePairState s)
{
  if (p->pub.state == s)
    return;
  p->pub.state = s;
  ice_trace_pair(a, p, "pair");
}

static guint64
pair_priority(IceAgent *a, const IceCandidate *l, const IceCandidate *r)
{
  return a->controlling ? ice_pair_priority(l->priority, r->priority)
                        : ice_pair_priority(r->priority, l->priority);
}

IcePair *
ice_pair_new(IceAgent *a, IceCandidate *l, IceCandidate *r)
{
  IcePair *p = g_new0(IcePair, 1);
  p->lcand = l;
  p->rcand = r;
  p->lbase = ice_local_base_find(a, l->base);
  g_assert(p->lbase != NULL);
  p->pub.local = l;
  p->pub.remote = r;
  p->pub.base = p->lbase;
  p->pub.component = l->component;
  p->pub.priority = pair_priority(a, l, r);
  p->pub.state = ICE_PAIR_FROZEN;
  p->seq = a->next_seq++;
  g_snprintf(p->foundation, sizeof p->foundation, "%s:%s", l->foundation, r->foundation);
  g_ptr_array_add(a->all_pairs, p);
  return p;
}

IcePair *
ice_pair_find(IceAgent *a, GPtrArray *list, const IceCandidate *l, const IceCandidate *r)
{
  (void)a;
  for (guint i = 0; i < list->len; i++) {
    IcePair *p = list->pdata[i];
    if (p->lcand == l && p->rcand == r)
      return p;
  }
  return NULL;
}

static gint
pair_cmp(gconstpointer x, gconstpointer y)
{
  const IcePair *p = *(IcePair *const *)x, *q = *(IcePair *const *)y;
  if (p->pub.priority != q->pub.priority)
    return p->pub.priority > q->pub.priority ? -1 : 1;
  return p->seq < q->seq ? -1 : (p->seq > q->seq);
}

void
ice_checklist_add(IceAgent *a, IcePair *p)
{
  p->on_checklist = TRUE;
  g_ptr_array_add(a->checklist, p);
  g_ptr_array_sort(a->checklist, pair_cmp);
}

void
ice_recompute_priorities(IceAgent *a)
{
  for (guint i = 0; i < a->all_pairs->len; i++) {
    IcePair *p = a->all_pairs->pdata[i];
    p->pub.priority = pair_priority(a, p->lcand, p->rcand);
  }
  g_ptr_array_sort(a->checklist, pair_cmp);
}

static void
form_checklist(IceAgent *a)
{
  for (guint i = 0; i < a->locals->len; i++) {
    IceCandidate *l = a->locals->pdata[i];
    /* RFC 8445 §6.1.2.4: a server-reflexive local candidate is replaced by its base. */
    IceCandidate *lb = l->type == ICE_CAND_SRFLX ? ice_local_base_find(a, l->base) : l;
    for (guint j = 0; j < a->remotes->len; j++) {
      IceCandidate *r = a->remotes->pdata[j];
      if (r->component != l->component || ice_pair_find(a, a->checklist, lb, r) != NULL)
        continue; /* other component, or a redundant pair (same local base and remote) */
      IcePair *p = ice_pair_new(a, lb, r);
      p->on_checklist = TRUE;
      g_ptr_array_add(a->checklist, p);
    }
  }
  g_ptr_array_sort(a->checklist, pair_cmp);
  /* RFC 8445 §6.1.2.5: keep the highest-priority max_checks pairs. */
  while (a->checklist->len > a->params.max_checks) {
    IcePair *p = g_ptr_array_steal_index(a->checklist, a->checklist->len - 1);
    p->on_checklist = FALSE;
    ice_trace_pair(a, p, "pair-pruned");
  }
  /* RFC 8445 §6.1.2.6: per foundation, the pair with the lowest component id and then the
   * highest priority starts Waiting; every other pair starts Frozen. */
  g_autoptr(GPtrArray) first = g_ptr_array_new();
  for (guint i = 0; i < a->checklist->len; i++) {
    IcePair *p = a->checklist->pdata[i];
    guint k;
    for (k = 0; k < first->len; k++)
      if (strcmp(((IcePair *)first->pdata[k])->foundation, p->foundation) == 0)
        break;
    if (k == first->len)
      g_ptr_array_add(first, p);
    else if (p->pub.component < ((IcePair *)first->pdata[k])->pub.component)
      first->pdata[k] = p;
  }
  for (guint k = 0; k < first->len; k++)
    ((IcePair *)first->pdata[k])->pub.state = ICE_PAIR_WAITING;
  for (guint i = 0; i < a->checklist->len; i++)
    ice_trace_pair(a, a->checklist->pdata[i], "pair-added");
}

gboolean
ice_agent_start(IceAgent *a, GError **error)
{
  g_return_val_if_fail(a != NULL, FALSE);
  const char *problem = NULL;
  if (a->started)
    problem = "already started";
  else if (a->rufrag == NULL)
    problem = "the remote ufrag and pwd are not set";
  for (guint c = 1; problem == NULL && c <= a->params.components; c++) {
    gboolean have = FALSE;
    for (guint i = 0; i < a->locals->len; i++)
      have = have || ((IceCandidate *)a->locals->pdata[i])->component == c;
    if (!have)
      problem = "a component has no local candidate";
  }
  if (problem != NULL) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_STATE, "ICE agent %s: cannot start: %s", a->name,
                problem);
    return FALSE;
  }
  a->started = TRUE;
  a->stats.started_at = sim_now();
  sim_trace("ice", "%s start %s remote-ufrag=%s", a->name,
            a->controlling ? "controlling" : "controlled", a->rufrag);
  if (!a->params.lite)
    form_checklist(a);
  ice_set_state(a, ICE_STATE_CHECKING);
  /* Requests answered before the answer arrived now count (RFC 8445 §7.3, §7.3.1.4). */
  for (guint i = 0; i < a->early->len; i++)
    ice_handle_early(a, &g_array_index(a->early, IceEarly, i));
  g_array_set_size(a->early, 0);
  ice_arm_tick(a);
  return TRUE;
}

/* ---- Pacing (RFC 8445 §6.1.4.2) ---------------------------------------------------------------- */

static gboolean
foundation_active(IceAgent *a, const char *foundation)
{
  for (guint i = 0; i < a->checklist->len; i++) {
    IcePair *p = a->checklist->pdata[i];
    if ((p->pub.state == ICE_PAIR_WAITING || p->pub.state == ICE_PAIR_IN_PROGRESS) &&
        strcmp(p->foundation, foundation) == 0)
      return TRUE;
  }
  return FALSE;
}

static IcePair *
first_waiting(IceAgent *a)
{
  for (guint i = 0; i < a->checklist->len; i++) {
    IcePair *p = a->checklist->pdata[i];
    if (p->pub.state == ICE_PAIR_WAITING)
      return p;
  }
  return NULL;
}

static IcePair *
next_ordinary(IceAgent *a)
{
  IcePair *p = first_waiting(a);
  if (p != NULL)
    return p;
  /* No Waiting pair: unfreeze, per foundation with nothing Waiting or In-Progress, its
   * highest-priority Frozen pair. */
  for (guint i = 0; i < a->checklist->len; i++) {
    IcePair *q = a->checklist->pdata[i];
    if (q->pub.state == ICE_PAIR_FROZEN && !foundation_active(a, q->foundation))
      ice_pair_set_state(a, q, ICE_PAIR_WAITING);
  }
  return first_waiting(a);
}

static void
tick_cb(void *data)
{
  IceAgent *a = data;
  a->tick = 0;
  if (a->checklist_done)
    return;
  IcePair *p;
  gboolean triggered = FALSE, use_candidate = FALSE;
  while ((p = g_queue_pop_head(&a->triggered)) != NULL) {
    p->queued = FALSE;
    if (p->nominating && p->txn == NULL && a->controlling) {
      triggered = use_candidate = TRUE;
      break;
    }
    if (p->pub.state == ICE_PAIR_WAITING) {
      triggered = TRUE;
      break;
    }
  }
  if (p == NULL)
    p = next_ordinary(a);
  if (p == NULL) {
    ice_check_done(a); /* idle until a pair becomes Waiting or a check is triggered */
    return;
  }
  a->last_check = sim_now();
  ice_send_check(a, p, use_candidate, FALSE, triggered);
  ice_arm_tick(a);
}

void
ice_arm_tick(IceAgent *a)
{
  if (!a->started || a->params.lite || a->checklist_done || sim_event_pending(a->tick))
    return;
  SimTime when = sim_now();
  if (a->last_check >= 0)
    when = MAX(when, a->last_check + SIM_MS(a->params.ta_ms));
  a->tick = sim_schedule_at(when, tick_cb, a);
}

void
ice_trigger(IceAgent *a, IcePair *p)
{
  if (!p->queued) {
    g_queue_push_tail(&a->triggered, p);
    p->queued = TRUE;
  }
  ice_arm_tick(a);
}

/* ---- Accessors -------------------------------------------------------------------------------- */

IceState
ice_agent_state(const IceAgent *a)
{
  return a->state;
}

const IceCandidatePair *
ice_agent_selected(const IceAgent *a, guint component)
{
  if (component < 1 || component > ICE_MAX_COMPONENTS || a->selected[component] == NULL)
    return NULL;
  return &a->selected[component]->pub;
}

guint
ice_agent_n_pairs(const IceAgent *a)
{
  return a->checklist->len;
}

const IceCandidatePair *
ice_agent_pair(const IceAgent *a, guint i)
{
  return i < a->checklist->len ? &((IcePair *)a->checklist->pdata[i])->pub : NULL;
}

guint
ice_agent_n_valid(const IceAgent *a)
{
  return a->valid->len;
}

const IceCandidatePair *
ice_agent_valid(const IceAgent *a, guint i)
{
  return i < a->valid->len ? &((IcePair *)a->valid->pdata[i])->pub : NULL;
}

const IceStats *
ice_agent_stats(const IceAgent *a)
{
  return &a->stats;
}
