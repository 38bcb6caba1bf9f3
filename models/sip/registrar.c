/* registrar.c — REGISTER processing and the location service of the PBX (RFC 3261 §10.3), with
 * digest authentication (RFC 2617 §3.2) and NAT handling as Kamailio's registrar + nathelper do it.
 *
 * Processing follows §10.3: authenticate (step 3), authorise the AOR (step 4), read the Contacts
 * and their expiries (steps 5-7, 423 below Min-Expires), then add, refresh or remove each binding
 * with the Call-ID/CSeq ordering check (step 7) and answer 200 with every current binding and its
 * remaining expiry (step 8).  A binding remembers the flow its REGISTER arrived on: in nat_aware
 * mode lookups and pings use that flow (fix_nated_register's received URI; RFC 5626 §5.3 flow
 * reuse for TCP/TLS), and bindings behind NAT can be given a forced short expiry and pings.
 */
#include "registrar.h"

#include <string.h>

#include "sip-auth.h"

const CfgKeyDef registrar_keys[] = {
  {"pbx.realm", CFG_STRING, "", "pbx.example.net", NULL,
   "Digest realm of the registrar's challenges (RFC 3261 §22.1: usually the SIP domain; an RFC 2606 example name)."},
  {"pbx.nat_aware", CFG_BOOL, "", "false", NULL,
   "Use the REGISTER's source flow instead of the Contact as written for calls, pings and forced expiries "
   "(Kamailio fix_nated_register; off reproduces a plain RFC 3261 registrar)."},
  {"pbx.min_expires_s", CFG_INT, "s", "60", "0..86400",
   "Shortest expiry accepted; shorter requests get 423 with Min-Expires (RFC 3261 §10.3 step 7; Kamailio min_expires and Asterisk minexpiry default 60 s)."},
  {"pbx.max_expires_s", CFG_INT, "s", "3600", "1..",
   "Longest expiry granted; longer requests are cut down (RFC 3261 §10.3 step 7; Asterisk maxexpiry default 3600 s)."},
  {"pbx.forced_expires_s", CFG_INT, "s", "0", "0..86400",
   "With nat_aware, expiry imposed on bindings behind NAT so that re-registrations keep the NAT binding open (an SBC's forced short re-register interval, e.g. 60 s); 0 = off."},
  {"pbx.ping_interval_s", CFG_INT, "s", "0", "0..3600",
   "With nat_aware, interval of keepalive pings to bindings behind NAT; 0 = off (Kamailio nathelper natping_interval default 0; its sample kamailio.cfg uses 30, practice is 10-30 s)."},
  {"pbx.ping_method", CFG_ENUM, "", "options", "options|crlf",
   "Ping with an OPTIONS request (nathelper sipping_method) or an RFC 5626 §3.5.1 CRLF keepalive."},
  {"pbx.ping_timeout_unreachable", CFG_BOOL, "", "false", NULL,
   "An OPTIONS ping that gets no answer (Timer F) marks the binding unreachable until the next REGISTER (OpenSIPS nathelper remove_on_timeout_bflag)."},
  {"pbx.nonce_lifetime_s", CFG_INT, "s", "300", "0..86400",
   "How long a nonce may be reused with a growing nonce-count (RFC 2617 §3.3); 0 = single use. Kamailio auth nonce_expire defaults to 300 s."},
  {NULL},
};

#define DEFAULT_EXPIRES_S 3600 /* no expiry in the request: Kamailio registrar default_expires */

typedef struct {
  SimTime issued;  /* when it was sent in a challenge */
  gboolean used;   /* single-use nonce already accepted */
  guint32 last_nc; /* highest nonce-count accepted (RFC 2617 §3.2.2 replay check) */
} Nonce;

typedef struct Registrar Registrar;

/* A binding: the public part first, then its timers. */
typedef struct {
  RegBinding pub;     /* what lookups see */
  Registrar *reg;     /* owner */
  SimEvent expire_ev; /* lapses at pub.expires_at */
  SimEvent ping_ev;   /* next ping */
  SipTxn *ping_txn;   /* OPTIONS in flight, or NULL */
} Binding;

struct Registrar {
  SipStack *stack;      /* the PBX's stack (borrowed) */
  RegistrarParams p;    /* parameters; realm points at the copy below */
  char *realm;          /* owned realm */
  GHashTable *users;    /* user -> password */
  GHashTable *nonces;   /* nonce -> Nonce */
  GHashTable *aors;     /* aor user -> GPtrArray of Binding (owned) */
  GRand *rand;          /* nonce stream, or NULL: nonces from the stack's stream */
  RegistrarStats stats; /* counters */
};

void
registrar_params_from_config(const Config *cfg, RegistrarParams *p)
{
  memset(p, 0, sizeof *p);
  p->realm = cfg_str(cfg, "pbx.realm");
  p->nat_aware = cfg_bool(cfg, "pbx.nat_aware");
  p->min_expires_s = (guint32)cfg_int(cfg, "pbx.min_expires_s");
  p->max_expires_s = (guint32)cfg_int(cfg, "pbx.max_expires_s");
  p->forced_expires_s = (guint32)cfg_int(cfg, "pbx.forced_expires_s");
  p->ping_interval = SIM_S(cfg_int(cfg, "pbx.ping_interval_s"));
  p->ping_method = cfg_enum(cfg, "pbx.ping_method") == 1 ? REGISTRAR_PING_CRLF : REGISTRAR_PING_OPTIONS;
  p->ping_unreachable = cfg_bool(cfg, "pbx.ping_timeout_unreachable");
  p->nonce_lifetime = SIM_S(cfg_int(cfg, "pbx.nonce_lifetime_s"));
  p->qop = TRUE;
}

/* ---- Bindings -------------------------------------------------------------------------------- */

static void
binding_free(gpointer data)
{
  Binding *b = data;
  sim_cancel(b->expire_ev);
  sim_cancel(b->ping_ev);
  if (b->ping_txn)
    sip_txn_detach(b->ping_txn);
  g_free(b->pub.aor);
  g_free(b->pub.contact);
  g_free(b->pub.call_id);
  g_free(b);
}

static GPtrArray *
aor_bindings(Registrar *r, const char *aor, gboolean create)
{
  GPtrArray *a = g_hash_table_lookup(r->aors, aor);
  if (!a && create) {
    a = g_ptr_array_new_with_free_func(binding_free);
    g_hash_table_insert(r->aors, g_strdup(aor), a);
  }
  return a;
}

static void
binding_remove(Registrar *r, Binding *b, const char *why)
{
  sim_trace("registrar", "%s binding-removed %s %s %s", sip_stack_name(r->stack), b->pub.aor, b->pub.contact, why);
  GPtrArray *a = aor_bindings(r, b->pub.aor, FALSE);
  if (a)
    g_ptr_array_remove(a, b);
}

static void
expire_fired(void *data)
{
  Binding *b = data;
  b->expire_ev = 0;
  b->reg->stats.expired++;
  binding_remove(b->reg, b, "expired");
}

/* ---- Pings (Kamailio nathelper natping; RFC 5626 §3.5.1 CRLF) -------------------------------- */

static void
ping_response(void *ctx, SipTxn *t, const SipMsg *resp, const SipFlow *flow)
{
  Binding *b = ctx;
  if (t != b->ping_txn || resp->status < 200)
    return;
  b->ping_txn = NULL;
  b->pub.unreachable = FALSE; /* any final answer shows the path works */
}

static void
ping_failed(void *ctx, SipTxn *t, SipTxnFailure why)
{
  Binding *b = ctx;
  if (t != b->ping_txn)
    return;
  b->ping_txn = NULL;
  b->pub.pings_failed++;
  b->reg->stats.ping_timeouts++;
  sim_trace("registrar", "%s ping-failed %s %s %s", sip_stack_name(b->reg->stack), b->pub.aor, b->pub.contact,
            sip_txn_failure_name(why));
  if (b->reg->p.ping_unreachable)
    b->pub.unreachable = TRUE;
}

static const SipClientOps ping_ops = {.response = ping_response, .failed = ping_failed};

static void
send_ping(Registrar *r, Binding *b)
{
  SipFlow flow = r->p.nat_aware ? b->pub.source
                                : (SipFlow){.net = b->pub.contact_net, .remote = b->pub.contact_addr};
  b->pub.pings_sent++;
  r->stats.pings++;
  if (r->p.ping_method == REGISTRAR_PING_CRLF) {
    sip_tl_send_ping(sip_stack_tl(r->stack), &flow);
    return;
  }
  SimAddr local = b->pub.source.local.addr ? b->pub.source.local : sip_tl_udp_local(sip_stack_tl(r->stack));
  char host[16];
  sim_addr_format(local.addr, host);
  g_autofree char *branch = sip_stack_branch(r->stack);
  g_autofree char *tag = sip_stack_tag(r->stack);
  g_autofree char *cid = sip_stack_tag(r->stack);
  SipBuilder *bld = sip_builder_request("OPTIONS", b->pub.contact);
  sip_builder_addf(bld, SIP_HDR_VIA, "SIP/2.0/%s %s:%u;branch=%s", sip_net_name(flow.net), host, local.port, branch);
  sip_builder_add(bld, SIP_HDR_MAX_FORWARDS, "70");
  sip_builder_addf(bld, SIP_HDR_FROM, "<sip:pinger@%s>;tag=%s", r->realm, tag); /* nathelper sipping_from */
  sip_builder_addf(bld, SIP_HDR_TO, "<%s>", b->pub.contact);
  sip_builder_addf(bld, SIP_HDR_CALL_ID, "ping-%s@%s", cid, host);
  sip_builder_add(bld, SIP_HDR_CSEQ, "1 OPTIONS");
  g_autoptr(GBytes) req = sip_builder_finish(bld, NULL, NULL, 0);
  if (b->ping_txn)
    sip_txn_detach(b->ping_txn);
  b->ping_txn = sip_txn_client(r->stack, req, &flow, &ping_ops, b);
}

static void
ping_fired(void *data)
{
  Binding *b = data;
  b->ping_ev = sim_schedule(b->reg->p.ping_interval, ping_fired, b);
  send_ping(b->reg, b);
}

/* ---- Nonces ---------------------------------------------------------------------------------- */

static char *
new_nonce(Registrar *r)
{
  char *n;
  if (r->rand)
    n = g_strdup_printf("%08x%08x%08x%08x", g_rand_int(r->rand), g_rand_int(r->rand), g_rand_int(r->rand),
                        g_rand_int(r->rand));
  else {
    g_autofree char *a = sip_stack_tag(r->stack), *b = sip_stack_tag(r->stack);
    g_autofree char *c = sip_stack_tag(r->stack), *d = sip_stack_tag(r->stack);
    n = g_strconcat(a, b, c, d, NULL);
  }
  SimTime keep = MAX(r->p.nonce_lifetime, SIM_S(32)), now = sim_now();
  if (g_hash_table_size(r->nonces) > 64) {
    /* Forget nonces past their use; one coming back later is answered stale=true. */
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, r->nonces);
    while (g_hash_table_iter_next(&it, NULL, &v))
      if (now - ((Nonce *)v)->issued > keep)
        g_hash_table_iter_remove(&it);
  }
  Nonce *rec = g_new0(Nonce, 1);
  rec->issued = now;
  g_hash_table_replace(r->nonces, g_strdup(n), rec);
  return n;
}

/* Is this nonce still good for nonce-count nc?  Marks it used when it is. */
static gboolean
nonce_take(Registrar *r, const char *nonce, guint32 nc)
{
  Nonce *n = g_hash_table_lookup(r->nonces, nonce);
  if (!n)
    return FALSE;
  SimTime age = sim_now() - n->issued;
  gboolean ok = r->p.nonce_lifetime > 0 ? age <= r->p.nonce_lifetime && (nc == 0 || nc > n->last_nc)
                                        : !n->used && age <= SIM_S(32); /* one transaction's life */
  if (ok) {
    n->used = TRUE;
    n->last_nc = MAX(n->last_nc, nc);
  }
  return ok;
}

/* ---- Responses ------------------------------------------------------------------------------- */

static void
respond(Registrar *r, SipTxn *st, const SipMsg *req, SipBuilder *b)
{
  sip_txn_respond(st, sip_builder_finish(b, NULL, NULL, 0));
}

static SipBuilder *
reply(Registrar *r, const SipMsg *req, guint status)
{
  g_autofree char *tag = sip_stack_tag(r->stack);
  return sip_builder_response_to(req, status, NULL, tag);
}

static void
challenge(Registrar *r, SipTxn *st, const SipMsg *req, gboolean stale, const char *why)
{
  r->stats.challenges++;
  g_autofree char *nonce = new_nonce(r);
  SipBuilder *b = reply(r, req, 401);
  sip_builder_addf(b, SIP_HDR_WWW_AUTHENTICATE, "Digest realm=\"%s\", nonce=\"%s\"%s, algorithm=MD5%s", r->realm,
                   nonce, r->p.qop ? ", qop=\"auth\"" : "", stale ? ", stale=TRUE" : "");
  sim_trace("registrar", "%s challenge %s%s", sip_stack_name(r->stack), why, stale ? " stale" : "");
  respond(r, st, req, b);
}

/* ---- REGISTER -------------------------------------------------------------------------------- */

/* Authenticate (RFC 3261 §10.3 step 3, RFC 2617 §3.2.2).  TRUE with the username when the
 * credentials verify; otherwise the 401 has been sent. */
static gboolean
authenticate(Registrar *r, SipTxn *st, const SipMsg *req, char **user)
{
  SipCredentials cr;
  if (sip_msg_credentials(req, FALSE, r->realm, &cr) != 1) {
    challenge(r, st, req, FALSE, "no-credentials");
    return FALSE;
  }
  const char *password = g_hash_table_lookup(r->users, cr.username);
  g_autofree char *ruri = sip_span_dup(req->buf, req->ruri);
  SipAuthResult res = password ? sip_credentials_verify(&cr, r->realm, password, "REGISTER", ruri)
                               : SIP_AUTH_BAD_RESPONSE;
  if (!password || res != SIP_AUTH_OK) {
    const char *why = password ? sip_auth_result_name(res) : "unknown-user";
    r->stats.auth_failures++;
    if (!password)
      r->stats.unknown_user++;
    else if (res == SIP_AUTH_URI_MISMATCH)
      r->stats.uri_mismatch++;
    else
      r->stats.bad_response++;
    sim_trace("registrar", "%s auth-failed %s %s ruri=%s uri=%s", sip_stack_name(r->stack), cr.username, why, ruri,
              cr.uri);
    sip_credentials_clear(&cr);
    challenge(r, st, req, FALSE, why);
    return FALSE;
  }
  if (!nonce_take(r, cr.nonce, cr.qop ? cr.nc : 0)) {
    r->stats.stale++; /* the digest was right: RFC 2617 §3.2.1 stale=TRUE */
    sip_credentials_clear(&cr);
    challenge(r, st, req, TRUE, "stale-nonce");
    return FALSE;
  }
  *user = g_steal_pointer(&cr.username);
  sip_credentials_clear(&cr);
  return TRUE;
}

/* The Contact's transport and host:port (RFC 3263 §4 defaults 5060, 5061 for TLS). */
static void
contact_target(const guint8 *buf, const SipUri *uri, RegBinding *b)
{
  SipSpan v;
  gboolean hv;
  b->contact_net = SIP_NET_UDP;
  if (sip_param_find(buf, uri->params, "transport", &v, &hv) == 1 && hv)
    sip_net_parse(buf, v, &b->contact_net);
  if (uri->scheme == SIP_URI_SIPS)
    b->contact_net = SIP_NET_TLS;
  guint32 addr = 0;
  sip_host_ipv4(buf, uri->host, &addr);
  b->contact_addr.addr = addr;
  b->contact_addr.port = uri->port ? uri->port : (b->contact_net == SIP_NET_TLS ? 5061 : 5060);
}

static Binding *
find_binding(GPtrArray *a, const char *contact)
{
  for (guint i = 0; a && i < a->len; i++) {
    Binding *b = a->pdata[i];
    if (strcmp(b->pub.contact, contact) == 0)
      return b;
  }
  return NULL;
}

static void
answer_bindings(Registrar *r, SipTxn *st, const SipMsg *req, const char *aor)
{
  r->stats.accepted++;
  SipBuilder *b = reply(r, req, 200);
  GPtrArray *a = aor_bindings(r, aor, FALSE);
  for (guint i = 0; a && i < a->len; i++) {
    const Binding *bd = a->pdata[i];
    guint32 left = (guint32)((bd->pub.expires_at - sim_now() + SIM_S(1) - 1) / SIM_S(1));
    if (r->p.nat_aware && bd->pub.natted) {
      /* fix_nated_register: the source is returned as a received parameter. */
      char ip[16];
      sim_addr_format(bd->pub.source.remote.addr, ip);
      sip_builder_addf(b, SIP_HDR_CONTACT, "<%s>;expires=%u;received=\"sip:%s:%u\"", bd->pub.contact, left, ip,
                       bd->pub.source.remote.port);
    } else {
      sip_builder_addf(b, SIP_HDR_CONTACT, "<%s>;expires=%u", bd->pub.contact, left);
    }
  }
  respond(r, st, req, b);
}

gboolean
registrar_handle(Registrar *r, SipTxn *st, const SipMsg *req, const SipFlow *flow)
{
  g_return_val_if_fail(r != NULL && req != NULL && flow != NULL, FALSE);
  if (!req->is_request || req->method_id != SIP_METHOD_REGISTER || !st)
    return FALSE;
  r->stats.registers++;
  SipNameAddr to;
  SipUri to_uri;
  if (sip_msg_to(req, &to) != 1 || sip_uri_parse(req->buf, to.uri, &to_uri) != 1 || to_uri.user.len == 0) {
    respond(r, st, req, reply(r, req, 400));
    return TRUE;
  }
  g_autofree char *aor = sip_span_dup(req->buf, to_uri.user);
  g_autofree char *user = NULL;
  if (!authenticate(r, st, req, &user))
    return TRUE;
  if (strcmp(user, aor) != 0) { /* §10.3 step 4: this user may not register that AOR */
    respond(r, st, req, reply(r, req, 403));
    return TRUE;
  }
  /* Steps 5-7: the expiry of each Contact; a Contact's expires parameter wins over Expires. */
  guint32 hdr_expires = DEFAULT_EXPIRES_S;
  gboolean has_hdr = sip_msg_expires(req, &hdr_expires) == 1;
  guint n_contacts = sip_msg_value_count(req, SIP_HDR_CONTACT);
  SipNameAddr na;
  for (guint i = 0; i < n_contacts && sip_msg_contact(req, i, &na) == 1; i++) {
    if (na.star) {
      if (n_contacts != 1 || !has_hdr || hdr_expires != 0) { /* step 6 */
        respond(r, st, req, reply(r, req, 400));
        return TRUE;
      }
      GPtrArray *a = aor_bindings(r, aor, FALSE);
      while (a && a->len)
        binding_remove(r, a->pdata[a->len - 1], "unregistered");
      answer_bindings(r, st, req, aor);
      return TRUE;
    }
    SipSpan v;
    gboolean hv;
    guint32 e = hdr_expires;
    if (sip_param_find(req->buf, na.params, "expires", &v, &hv) == 1 && hv)
      sip_span_uint(req->buf, v, G_MAXUINT32, &e);
    if (e != 0 && e < r->p.min_expires_s) {
      r->stats.too_brief++;
      SipBuilder *b = reply(r, req, 423);
      sip_builder_addf(b, SIP_HDR_MIN_EXPIRES, "%u", r->p.min_expires_s); /* §20.23 */
      respond(r, st, req, b);
      return TRUE;
    }
  }
  g_autofree char *call_id = NULL;
  SipSpan cid;
  if (sip_msg_call_id(req, &cid) == 1)
    call_id = sip_span_dup(req->buf, cid);
  guint32 cseq = 0;
  SipMethod m;
  SipSpan ms;
  sip_msg_cseq(req, &cseq, &m, &ms);
  SipVia via;
  gboolean has_via = sip_msg_via(req, 0, &via) == 1;
  GPtrArray *a = aor_bindings(r, aor, TRUE);
  for (guint i = 0; i < n_contacts && sip_msg_contact(req, i, &na) == 1; i++) {
    SipUri uri;
    if (sip_uri_parse(req->buf, na.uri, &uri) != 1)
      continue;
    g_autofree char *contact = sip_span_dup(req->buf, na.uri);
    SipSpan v;
    gboolean hv;
    guint32 e = hdr_expires;
    if (sip_param_find(req->buf, na.params, "expires", &v, &hv) == 1 && hv)
      sip_span_uint(req->buf, v, G_MAXUINT32, &e);
    Binding *b = find_binding(a, contact);
    /* Step 7: the same Call-ID with a CSeq that is not higher is out of order. */
    if (b && call_id && g_strcmp0(b->pub.call_id, call_id) == 0 && cseq <= b->pub.cseq) {
      respond(r, st, req, reply(r, req, 500));
      return TRUE;
    }
    if (e == 0) {
      if (b)
        binding_remove(r, b, "unregistered");
      continue;
    }
    if (!b) {
      b = g_new0(Binding, 1);
      b->reg = r;
      b->pub.aor = g_strdup(aor);
      b->pub.contact = g_steal_pointer(&contact);
      g_ptr_array_add(a, b);
    }
    contact_target(req->buf, &uri, &b->pub);
    b->pub.source = *flow;
    b->pub.received = flow->remote.addr; /* RFC 3581 §4 / RFC 3261 §18.2.1 */
    b->pub.rport = has_via && via.has_rport ? flow->remote.port : 0;
    /* Kamailio nat_uac_test: the Contact (or Via) does not name where the packet came from. */
    b->pub.natted = b->pub.contact_addr.addr != flow->remote.addr || b->pub.contact_addr.port != flow->remote.port;
    g_free(b->pub.call_id);
    b->pub.call_id = g_strdup(call_id);
    b->pub.cseq = cseq;
    guint32 granted = MIN(e, r->p.max_expires_s);
    if (r->p.nat_aware && b->pub.natted && r->p.forced_expires_s)
      granted = MIN(granted, r->p.forced_expires_s);
    b->pub.granted_s = granted;
    b->pub.registered_at = sim_now();
    b->pub.expires_at = sim_now() + SIM_S(granted);
    b->pub.unreachable = FALSE;
    sim_cancel(b->expire_ev);
    b->expire_ev = sim_schedule(SIM_S(granted), expire_fired, b);
    if (r->p.nat_aware && b->pub.natted && r->p.ping_interval > 0 && !b->ping_ev)
      b->ping_ev = sim_schedule(r->p.ping_interval, ping_fired, b);
    char src[16];
    sim_trace("registrar", "%s binding %s %s src=%s/%s:%u conn=%u expires=%u%s", sip_stack_name(r->stack), aor,
              b->pub.contact, sip_net_name(flow->net), sim_addr_format(flow->remote.addr, src), flow->remote.port,
              flow->conn, granted, b->pub.natted ? " natted" : "");
  }
  answer_bindings(r, st, req, aor);
  return TRUE;
}

/* ---- Location service ------------------------------------------------------------------------ */

static Binding *
latest(Registrar *r, const char *aor)
{
  GPtrArray *a = aor_bindings(r, aor, FALSE);
  Binding *best = NULL;
  for (guint i = 0; a && i < a->len; i++) {
    Binding *b = a->pdata[i];
    if (!b->pub.unreachable && (!best || b->pub.registered_at > best->pub.registered_at))
      best = b;
  }
  return best;
}

const RegBinding *
registrar_binding(Registrar *r, const char *aor)
{
  Binding *b = latest(r, aor);
  return b ? &b->pub : NULL;
}

gboolean
registrar_lookup(Registrar *r, const char *aor, RegTarget *target)
{
  Binding *b = latest(r, aor);
  if (!b)
    return FALSE;
  target->uri = b->pub.contact;
  target->via_source = r->p.nat_aware;
  if (r->p.nat_aware)
    target->flow = b->pub.source; /* same transport, source ip:port and connection */
  else
    target->flow = (SipFlow){.net = b->pub.contact_net, .remote = b->pub.contact_addr};
  return TRUE;
}

guint
registrar_binding_count(const Registrar *r)
{
  guint n = 0;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->aors);
  while (g_hash_table_iter_next(&it, NULL, &v))
    n += ((GPtrArray *)v)->len;
  return n;
}

gboolean
registrar_ping(Registrar *r, const char *aor)
{
  Binding *b = latest(r, aor);
  if (!b)
    return FALSE;
  send_ping(r, b);
  return TRUE;
}

/* ---- Lifecycle ------------------------------------------------------------------------------- */

Registrar *
registrar_new(SipStack *stack, const RegistrarParams *params)
{
  g_return_val_if_fail(stack != NULL && params != NULL && params->realm != NULL, NULL);
  Registrar *r = g_new0(Registrar, 1);
  r->stack = stack;
  r->p = *params;
  r->realm = g_strdup(params->realm);
  r->p.realm = r->realm;
  r->users = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  r->nonces = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  r->aors = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
  if (params->rand_stream)
    r->rand = sim_rand_new(params->rand_stream);
  return r;
}

void
registrar_free(Registrar *r)
{
  if (!r)
    return;
  g_hash_table_destroy(r->aors);
  g_hash_table_destroy(r->nonces);
  g_hash_table_destroy(r->users);
  if (r->rand)
    g_rand_free(r->rand);
  g_free(r->realm);
  g_free(r);
}

void
registrar_add_user(Registrar *r, const char *user, const char *password)
{
  g_return_if_fail(r != NULL && user != NULL && password != NULL);
  g_hash_table_replace(r->users, g_strdup(user), g_strdup(password));
}

const RegistrarStats *
registrar_stats(const Registrar *r)
{
  return &r->stats;
}

const RegistrarParams *
registrar_params(const Registrar *r)
{
  return &r->p;
}
