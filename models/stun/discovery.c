/* discovery.c — NAT behaviour discovery with STUN (RFC 5780 §4), as a client behind the NAT runs it.
 *
 * The tests run one after another, each a Binding transaction with the normal retransmissions:
 *  - mapping (§4.3), from socket A: test I to the primary address gives mapped address X1 and the
 *    server's OTHER-ADDRESS; if X1 is the local address there is no NAT.  Test II to the
 *    alternate IP and primary port gives X2; X2 = X1 means endpoint-independent mapping.  Test III
 *    to the alternate IP and port gives X3; X3 = X2 means address-dependent, else address and
 *    port-dependent mapping.
 *  - hairpinning (§4.5), from socket A: a Binding request to X1; it is hairpinned if it comes back.
 *  - filtering (§4.4), from a fresh socket B that has talked to the primary address only (socket
 *    A's tests opened the NAT towards the alternate address, which would hide the filtering): a
 *    request with CHANGE-REQUEST "change IP and port" that is answered means endpoint-independent
 *    filtering; otherwise "change port" answered means address-dependent, else address and
 *    port-dependent filtering.
 *  - binding lifetime (§4.6), with sockets X and Y: X refreshes its binding with a request (and
 *    the answer keeps it "replied", as any real client's would), stays idle T seconds, then Y
 *    asks the server, with RESPONSE-PORT set to X's mapped port, to answer to X's binding.  If
 *    the answer reaches X the binding outlived T; T grows by a step until it does not.
 */
#include "discovery.h"

#include <string.h>

#include "stun-private.h"

typedef enum {
  PHASE_MAP_I,
  PHASE_MAP_II,
  PHASE_MAP_III,
  PHASE_HAIRPIN,
  PHASE_FILTER_I,
  PHASE_FILTER_II,
  PHASE_FILTER_III,
  PHASE_LIFE_REFRESH, /* X refreshes its binding */
  PHASE_LIFE_IDLE,    /* waiting T */
  PHASE_LIFE_PROBE,   /* Y's redirected request is out */
  PHASE_DONE,
} Phase;

struct Discovery {
  SimNode host;            /* the client host */
  guint32 local_addr;      /* address the sockets bind to */
  DiscoveryParams params;  /* what to do */
  DiscoveryDoneFn done;    /* completion callback */
  void *done_ctx;          /* its context */
  DiscoveryResult result;  /* filled as tests finish */
  Phase phase;             /* current test */
  StunClient *a;           /* mapping and hairpin socket */
  StunClient *b;           /* filtering socket */
  StunClient *x, *y;       /* lifetime sockets: the binding under test, the prober */
  guint txn;               /* pending transaction of the current phase (hairpin, probe) */
  guint8 watch_tid[STUN_TID_LEN]; /* transaction id whose arrival at A or X is awaited */
  guint idle_s;            /* lifetime: the idle time being tried */
  SimAddr x_mapped;        /* lifetime: X's mapped address after its refresh */
  SimEvent idle_timer;     /* lifetime: end of the idle wait */
};

/* ---- Names ----------------------------------------------------------------------------------- */

const char *
disc_mapping_name(DiscMapping m)
{
  static const char *const names[] = { "unknown", "no NAT", "EIM", "ADM", "APDM" };
  return m <= DISC_MAPPING_APDM ? names[m] : "?";
}

const char *
disc_filtering_name(DiscFiltering f)
{
  static const char *const names[] = { "unknown", "EIF", "ADF", "APDF" };
  return f <= DISC_FILTERING_APDF ? names[f] : "?";
}

const char *
disc_hairpin_name(DiscHairpin h)
{
  static const char *const names[] = { "unknown", "yes", "no" };
  return h <= DISC_HAIRPIN_NO ? names[h] : "?";
}

void
discovery_params_from_config(const Config *cfg, DiscoveryParams *p)
{
  memset(p, 0, sizeof *p);
  stun_client_params_from_config(cfg, &p->client);
  p->lifetime = cfg_bool(cfg, "stun.probe_lifetime");
  p->lifetime_step_s = (guint)cfg_int(cfg, "stun.lifetime_step_s");
  p->lifetime_max_s = (guint)cfg_int(cfg, "stun.lifetime_max_s");
  p->server.port = (guint16)cfg_int(cfg, "stun.port");
}

/* ---- Evidence -------------------------------------------------------------------------------- */

static void G_GNUC_PRINTF(2, 3)
note(Discovery *d, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_string_append_printf(d->result.evidence, "%9.3f s  %s\n", SIM_TIME_TO_S(sim_now()), text);
  sim_trace("stun", "discovery %s", text);
}

static gboolean
same_addr(SimAddr a, SimAddr b)
{
  return a.addr == b.addr && a.port == b.port;
}

static const char *
outcome(const StunBindingResult *r)
{
  return r->status == STUN_TXN_SUCCESS ? "answered" : r->status == STUN_TXN_ERROR ? "error" : "no answer";
}

/* ---- The sequence ----------------------------------------------------------------------------- */

static void step(Discovery *d);
static void on_binding(void *ctx, const StunBindingResult *r);

static guint
start_binding(Discovery *d, StunClient *c, SimAddr to, const StunBindingOpts *opts)
{
  d->result.transactions++;
  return stun_client_binding(c, to, opts, on_binding, d);
}

static void
finish(Discovery *d)
{
  d->phase = PHASE_DONE;
  d->result.finished = sim_now();
  note(d, "done: mapping %s, filtering %s, hairpin %s", disc_mapping_name(d->result.mapping),
       disc_filtering_name(d->result.filtering), disc_hairpin_name(d->result.hairpin));
  if (d->done != NULL)
    d->done(d->done_ctx, &d->result);
}

/* Start the test of the current phase. */
static void
step(Discovery *d)
{
  DiscoveryResult *res = &d->result;
  SimAddr primary = d->params.server;
  SimAddr alt_ip = { res->other.addr, primary.port };
  char b[24];
  switch (d->phase) {
  case PHASE_MAP_I:
    start_binding(d, d->a, primary, NULL);
    break;
  case PHASE_MAP_II:
    start_binding(d, d->a, alt_ip, NULL);
    break;
  case PHASE_MAP_III:
    start_binding(d, d->a, res->other, NULL);
    break;
  case PHASE_HAIRPIN:
    note(d, "hairpin test: request from %s to our own mapped address %s",
         stun_fmt_addr(res->local, b), stun_fmt_addr(res->mapped[0], (char[24]){ 0 }));
    d->txn = start_binding(d, d->a, res->mapped[0], NULL);
    stun_client_get_tid(d->a, d->txn, d->watch_tid);
    break;
  case PHASE_FILTER_I:
    start_binding(d, d->b, primary, NULL);
    break;
  case PHASE_FILTER_II: {
    StunBindingOpts o = { .change = STUN_CHANGE_IP | STUN_CHANGE_PORT };
    start_binding(d, d->b, primary, &o);
    break;
  }
  case PHASE_FILTER_III: {
    StunBindingOpts o = { .change = STUN_CHANGE_PORT };
    start_binding(d, d->b, primary, &o);
    break;
  }
  case PHASE_LIFE_REFRESH:
    start_binding(d, d->x, primary, NULL);
    break;
  case PHASE_LIFE_PROBE: {
    StunBindingOpts o = { .response_port = d->x_mapped.port };
    d->txn = start_binding(d, d->y, primary, &o);
    stun_client_get_tid(d->y, d->txn, d->watch_tid);
    break;
  }
  case PHASE_LIFE_IDLE:
  case PHASE_DONE:
    g_assert_not_reached();
  }
}

static void
go(Discovery *d, Phase next)
{
  d->phase = next;
  step(d);
}

/* After mapping and hairpinning: filtering, unless the server cannot change its address. */
static void
after_hairpin(Discovery *d)
{
  go(d, PHASE_FILTER_I);
}

static void
start_lifetime_or_finish(Discovery *d)
{
  DiscoveryResult *res = &d->result;
  if (!d->params.lifetime || res->mapping == DISC_MAPPING_NO_NAT || d->params.lifetime_step_s == 0) {
    finish(d);
    return;
  }
  res->lifetime_tested = TRUE;
  d->idle_s = d->params.lifetime_step_s;
  go(d, PHASE_LIFE_REFRESH);
}

static void
lifetime_verdict(Discovery *d, gboolean alive, const char *why)
{
  DiscoveryResult *res = &d->result;
  note(d, "lifetime: after %u s idle the binding %s (%s)", d->idle_s,
       alive ? "still works" : "is gone", why);
  if (!alive) {
    finish(d);
    return;
  }
  res->lifetime_s = d->idle_s;
  if (d->idle_s + d->params.lifetime_step_s > d->params.lifetime_max_s) {
    res->lifetime_at_max = TRUE;
    finish(d);
    return;
  }
  d->idle_s += d->params.lifetime_step_s;
  go(d, PHASE_LIFE_REFRESH);
}

static void
on_idle_over(void *data)
{
  Discovery *d = data;
  d->idle_timer = 0;
  go(d, PHASE_LIFE_PROBE);
}

static void
on_binding(void *ctx, const StunBindingResult *r)
{
  Discovery *d = ctx;
  DiscoveryResult *res = &d->result;
  char b1[24], b2[24], b3[24];
  switch (d->phase) {
  case PHASE_MAP_I:
    res->local = r->local;
    if (r->status != STUN_TXN_SUCCESS || !r->has_mapped) {
      note(d, "test I to %s: %s; the server is unreachable", stun_fmt_addr(r->server, b1),
           outcome(r));
      finish(d);
      return;
    }
    res->server_reached = TRUE;
    res->mapped[res->n_mapped++] = r->mapped;
    res->has_other = r->has_other;
    res->other = r->other_address;
    note(d, "test I (mapping) %s -> %s: mapped %s, OTHER-ADDRESS %s", stun_fmt_addr(r->local, b1),
         stun_fmt_addr(r->server, b2), stun_fmt_addr(r->mapped, b3),
         r->has_other ? stun_fmt_addr(r->other_address, (char[24]){ 0 }) : "none");
    if (same_addr(r->mapped, r->local)) {
      res->mapping = DISC_MAPPING_NO_NAT;
      note(d, "mapped address equals the local address: no NAT on the path");
      go(d, PHASE_FILTER_I);
    } else if (!r->has_other) {
      note(d, "the server has no alternate address: mapping and filtering cannot be tested");
      go(d, PHASE_HAIRPIN);
    } else {
      go(d, PHASE_MAP_II);
    }
    return;
  case PHASE_MAP_II:
  case PHASE_MAP_III: {
    const char *name = d->phase == PHASE_MAP_II ? "II" : "III";
    if (r->status != STUN_TXN_SUCCESS || !r->has_mapped) {
      note(d, "test %s to %s: %s; mapping unknown", name, stun_fmt_addr(r->server, b1), outcome(r));
      go(d, PHASE_HAIRPIN);
      return;
    }
    res->mapped[res->n_mapped++] = r->mapped;
    note(d, "test %s (mapping) %s -> %s: mapped %s", name, stun_fmt_addr(r->local, b1),
         stun_fmt_addr(r->server, b2), stun_fmt_addr(r->mapped, b3));
    if (d->phase == PHASE_MAP_II && same_addr(r->mapped, res->mapped[0])) {
      res->mapping = DISC_MAPPING_EIM; /* RFC 5780 §4.3: X1 = X2 */
    } else if (d->phase == PHASE_MAP_II) {
      go(d, PHASE_MAP_III);
      return;
    } else {
      /* RFC 5780 §4.3: X2 = X3 means address-dependent, else address and port-dependent. */
      res->mapping = same_addr(r->mapped, res->mapped[1]) ? DISC_MAPPING_ADM : DISC_MAPPING_APDM;
    }
    go(d, PHASE_HAIRPIN);
    return;
  }
  case PHASE_HAIRPIN:
    /* The transaction ends without the request having come back (it would have been cancelled). */
    res->hairpin = DISC_HAIRPIN_NO;
    note(d, "hairpin: our request to %s never came back (%s)", stun_fmt_addr(r->server, b1),
         outcome(r));
    after_hairpin(d);
    return;
  case PHASE_FILTER_I:
    if (r->status != STUN_TXN_SUCCESS) {
      note(d, "filtering test I: %s; filtering unknown", outcome(r));
      start_lifetime_or_finish(d);
      return;
    }
    note(d, "filtering test I %s -> %s: mapped %s", stun_fmt_addr(r->local, b1),
         stun_fmt_addr(r->server, b2), stun_fmt_addr(r->mapped, b3));
    if (!res->has_other) {
      start_lifetime_or_finish(d);
      return;
    }
    go(d, PHASE_FILTER_II);
    return;
  case PHASE_FILTER_II:
  case PHASE_FILTER_III: {
    gboolean ii = d->phase == PHASE_FILTER_II;
    note(d, "filtering test %s (change %s): %s%s%s", ii ? "II" : "III", ii ? "IP and port" : "port",
         outcome(r), r->status == STUN_TXN_SUCCESS ? " from " : "",
         r->status == STUN_TXN_SUCCESS ? stun_fmt_addr(r->from, b1) : "");
    if (r->status == STUN_TXN_ERROR) {
      res->filtering = DISC_FILTERING_UNKNOWN; /* the server refused CHANGE-REQUEST */
    } else if (r->status == STUN_TXN_SUCCESS) {
      /* RFC 5780 §4.4: answered from another IP and port: EIF; from another port only: ADF. */
      res->filtering = ii ? DISC_FILTERING_EIF : DISC_FILTERING_ADF;
    } else if (ii) {
      go(d, PHASE_FILTER_III);
      return;
    } else {
      res->filtering = DISC_FILTERING_APDF;
    }
    start_lifetime_or_finish(d);
    return;
  }
  case PHASE_LIFE_REFRESH:
    if (r->status != STUN_TXN_SUCCESS || !r->has_mapped) {
      note(d, "lifetime: refresh from %s got %s; search stopped", stun_fmt_addr(r->local, b1),
           outcome(r));
      finish(d);
      return;
    }
    d->x_mapped = r->mapped;
    note(d, "lifetime: %s refreshed, mapped %s; idle %u s", stun_fmt_addr(r->local, b1),
         stun_fmt_addr(r->mapped, b2), d->idle_s);
    d->phase = PHASE_LIFE_IDLE;
    d->idle_timer = sim_schedule(SIM_S(d->idle_s), on_idle_over, d);
    return;
  case PHASE_LIFE_PROBE:
    /* Y's own transaction ended: the answer went to Y (its mapping took X's old port) or
     * nowhere.  Either way X's binding is gone. */
    lifetime_verdict(d, FALSE,
                     r->status == STUN_TXN_SUCCESS ? "the answer reached the prober itself"
                                                   : "the answer never reached it");
    return;
  case PHASE_LIFE_IDLE:
  case PHASE_DONE:
    break;
  }
  g_assert_not_reached();
}

/* STUN messages on A or X that belong to no transaction of theirs. */
static void
on_unhandled(void *ctx, const StunMsg *msg, SimAddr from)
{
  Discovery *d = ctx;
  if (memcmp(msg->tid, d->watch_tid, STUN_TID_LEN) != 0)
    return;
  char b[24];
  if (d->phase == PHASE_HAIRPIN && msg->klass == STUN_CLASS_REQUEST) {
    /* RFC 5780 §4.5: our own request came back through the NAT. */
    stun_client_cancel(d->a, d->txn);
    d->result.hairpin = DISC_HAIRPIN_YES;
    note(d, "hairpin: our request came back from %s", stun_fmt_addr(from, b));
    after_hairpin(d);
  } else if (d->phase == PHASE_LIFE_PROBE && msg->klass == STUN_CLASS_SUCCESS) {
    stun_client_cancel(d->y, d->txn);
    lifetime_verdict(d, TRUE, "the redirected answer arrived");
  }
}

/* ---- Lifecycle -------------------------------------------------------------------------------- */

Discovery *
discovery_start(SimNode host, guint32 local_addr, const DiscoveryParams *params,
                DiscoveryDoneFn done, void *ctx, GError **error)
{
  g_return_val_if_fail(params != NULL, NULL);
  if (params->server.addr == 0 || params->server.port == 0) {
    g_set_error(error, SIM_ERROR, SIM_ERROR_INVALID, "discovery needs the STUN server's address");
    return NULL;
  }
  Discovery *d = g_new0(Discovery, 1);
  d->host = host;
  d->local_addr = local_addr;
  d->params = *params;
  d->done = done;
  d->done_ctx = ctx;
  d->result.evidence = g_string_new(NULL);
  StunClient **socks[] = { &d->a, &d->b, &d->x, &d->y };
  for (guint i = 0; i < G_N_ELEMENTS(socks); i++) {
    *socks[i] = stun_client_new(host, (SimAddr){ local_addr, 0 }, &params->client,
                                params->client_index + i, error);
    if (*socks[i] == NULL) {
      discovery_free(d);
      return NULL;
    }
  }
  stun_client_set_unhandled(d->a, on_unhandled, d);
  stun_client_set_unhandled(d->x, on_unhandled, d);
  char b[24];
  note(d, "RFC 5780 discovery against %s", stun_fmt_addr(params->server, b));
  go(d, PHASE_MAP_I);
  return d;
}

void
discovery_free(Discovery *d)
{
  if (d == NULL)
    return;
  sim_cancel(d->idle_timer);
  stun_client_free(d->a);
  stun_client_free(d->b);
  stun_client_free(d->x);
  stun_client_free(d->y);
  g_string_free(d->result.evidence, TRUE);
  g_free(d);
}

const DiscoveryResult *
discovery_result(const Discovery *d)
{
  return &d->result;
}

gboolean
discovery_finished(const Discovery *d)
{
  return d->phase == PHASE_DONE;
}
