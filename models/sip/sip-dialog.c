/* sip-dialog.c — SIP dialog state and requests within a dialog (RFC 3261 §12, §8.1.2, §9.1).
 *
 * Creation follows §12.1.1 (UAS: route set = Record-Route in order, remote target = the request's
 * Contact, remote CSeq = the request's) and §12.1.2 (UAC: route set = Record-Route reversed, remote
 * target = the response's Contact, local CSeq = the request's).  Requests follow §12.2.1.1: with an
 * empty route set or a loose first route (;lr) the Request-URI is the remote target and the Route
 * headers are the route set; with a strict first route the Request-URI is that route's URI and the
 * remote target is appended as the last Route.  Next hops are IPv4 literals only (RFC 3263's DNS
 * steps reduce to the URI's host, port and transport parameter in a simulation).
 */
#include "sip-dialog.h"

#include <string.h>

/* ---- Helpers ---------------------------------------------------------------------------------- */

/* "<uri>" from a name-addr header value (display name and parameters dropped); NULL if malformed. */
static char *
name_addr_uri(const guint8 *buf, SipSpan value)
{
  SipNameAddr na;
  if (sip_name_addr_parse(buf, value, &na) != 1 || na.star)
    return NULL;
  g_autofree char *uri = sip_span_dup(buf, na.uri);
  return g_strdup_printf("<%s>", uri);
}

/* The URI of the nth Contact value, or NULL. */
static char *
contact_uri(const SipMsg *m)
{
  SipNameAddr na;
  if (sip_msg_contact(m, 0, &na) != 1 || na.star)
    return NULL;
  return sip_span_dup(m->buf, na.uri);
}

static char *
tag_dup(const SipMsg *m, SipHdr id)
{
  SipSpan tag;
  return sip_msg_tag(m, id, &tag) == 1 && tag.len ? sip_span_dup(m->buf, tag) : NULL;
}

static char *
call_id_dup(const SipMsg *m)
{
  SipSpan cid;
  return sip_msg_call_id(m, &cid) == 1 ? sip_span_dup(m->buf, cid) : NULL;
}

/* Record-Route values in message order. */
static GPtrArray *
record_route(const SipMsg *m, gboolean reverse)
{
  GPtrArray *rs = g_ptr_array_new_with_free_func(g_free);
  guint n = sip_msg_value_count(m, SIP_HDR_RECORD_ROUTE);
  for (guint i = 0; i < n; i++) {
    SipSpan v;
    if (sip_msg_value(m, SIP_HDR_RECORD_ROUTE, reverse ? n - 1 - i : i, &v) == 1)
      g_ptr_array_add(rs, sip_span_dup(m->buf, v));
  }
  return rs;
}

static gboolean
uri_is_sips(const char *uri)
{
  return g_ascii_strncasecmp(uri, "sips:", 5) == 0;
}

static SipDialog *
dialog_alloc(const SipLocal *local)
{
  SipDialog *d = g_new0(SipDialog, 1);
  d->local = *local;
  d->local.user = NULL; /* not owned: the Contact is built with local->user at the time */
  return d;
}

/* ---- Creation --------------------------------------------------------------------------------- */

SipDialog *
sip_dialog_new_uac(const SipMsg *req, const SipMsg *resp, const SipFlow *resp_flow, SipNet net,
                   const SipLocal *local)
{
  g_return_val_if_fail(req != NULL && resp != NULL && local != NULL, NULL);
  SipNameAddr from, to;
  guint32 cseq;
  SipMethod m;
  SipSpan ms;
  g_autofree char *call_id = call_id_dup(req);
  g_autofree char *ltag = tag_dup(req, SIP_HDR_FROM);
  g_autofree char *rtag = tag_dup(resp, SIP_HDR_TO);
  if (!call_id || !ltag || !rtag || sip_msg_from(req, &from) != 1 || sip_msg_to(resp, &to) != 1 ||
      sip_msg_cseq(req, &cseq, &m, &ms) != 1)
    return NULL;
  SipDialog *d = dialog_alloc(local);
  d->call_id = g_steal_pointer(&call_id);
  d->local_tag = g_steal_pointer(&ltag);
  d->remote_tag = g_steal_pointer(&rtag);
  d->local_uri = name_addr_uri(req->buf, sip_msg_header(req, SIP_HDR_FROM, 0)->value);
  d->remote_uri = name_addr_uri(resp->buf, sip_msg_header(resp, SIP_HDR_TO, 0)->value);
  d->local_cseq = cseq; /* §12.1.2 */
  d->remote_target = contact_uri(resp);
  if (!d->remote_target) /* no Contact: keep sending to the Request-URI */
    d->remote_target = sip_span_dup(req->buf, req->ruri);
  d->route_set = record_route(resp, TRUE); /* §12.1.2: in reverse order */
  g_autofree char *ruri = sip_span_dup(req->buf, req->ruri);
  d->secure = uri_is_sips(ruri) && net == SIP_NET_TLS;
  d->early = resp->status < 200;
  d->uac = TRUE;
  d->net = net;
  if (resp_flow)
    d->peer_flow = *resp_flow;
  return d;
}

SipDialog *
sip_dialog_new_uas(const SipMsg *req, const SipFlow *req_flow, const char *local_tag, const SipLocal *local)
{
  g_return_val_if_fail(req != NULL && local_tag != NULL && local != NULL, NULL);
  guint32 cseq;
  SipMethod m;
  SipSpan ms;
  g_autofree char *call_id = call_id_dup(req);
  g_autofree char *rtag = tag_dup(req, SIP_HDR_FROM);
  const SipHeader *from = sip_msg_header(req, SIP_HDR_FROM, 0);
  const SipHeader *to = sip_msg_header(req, SIP_HDR_TO, 0);
  if (!call_id || !rtag || !from || !to || sip_msg_cseq(req, &cseq, &m, &ms) != 1)
    return NULL;
  SipDialog *d = dialog_alloc(local);
  d->call_id = g_steal_pointer(&call_id);
  d->local_tag = g_strdup(local_tag);
  d->remote_tag = g_steal_pointer(&rtag);
  d->local_uri = name_addr_uri(req->buf, to->value);
  d->remote_uri = name_addr_uri(req->buf, from->value);
  d->remote_cseq = cseq; /* §12.1.1; the local sequence number starts empty: our first is 1 */
  d->remote_cseq_set = TRUE;
  d->remote_target = contact_uri(req);
  d->route_set = record_route(req, FALSE); /* §12.1.1: in order */
  g_autofree char *ruri = sip_span_dup(req->buf, req->ruri);
  d->net = req_flow ? req_flow->net : SIP_NET_UDP;
  d->secure = uri_is_sips(ruri) && d->net == SIP_NET_TLS;
  d->early = TRUE;
  if (req_flow)
    d->peer_flow = *req_flow;
  if (!d->remote_target || !d->local_uri || !d->remote_uri) {
    sip_dialog_free(d);
    return NULL;
  }
  return d;
}

void
sip_dialog_free(SipDialog *d)
{
  if (!d)
    return;
  g_free(d->call_id);
  g_free(d->local_tag);
  g_free(d->remote_tag);
  g_free(d->local_uri);
  g_free(d->remote_uri);
  g_free(d->remote_target);
  if (d->route_set)
    g_ptr_array_unref(d->route_set);
  g_free(d);
}

/* ---- Identification --------------------------------------------------------------------------- */

char *
sip_dialog_id(const SipDialog *d)
{
  return g_strdup_printf("%s|%s|%s", d->call_id, d->local_tag, d->remote_tag ? d->remote_tag : "");
}

static char *
id_from(const SipMsg *m, SipHdr local, SipHdr remote)
{
  g_autofree char *cid = call_id_dup(m);
  g_autofree char *lt = tag_dup(m, local);
  g_autofree char *rt = tag_dup(m, remote);
  if (!cid || !lt || !rt)
    return NULL;
  return g_strdup_printf("%s|%s|%s", cid, lt, rt);
}

char *
sip_dialog_id_for_request(const SipMsg *req)
{
  return id_from(req, SIP_HDR_TO, SIP_HDR_FROM);
}

char *
sip_dialog_id_for_response(const SipMsg *resp)
{
  return id_from(resp, SIP_HDR_FROM, SIP_HDR_TO);
}

gboolean
sip_dialog_accept_cseq(SipDialog *d, const SipMsg *req, const SipFlow *flow)
{
  guint32 num;
  SipMethod m;
  SipSpan ms;
  if (sip_msg_cseq(req, &num, &m, &ms) != 1)
    return FALSE;
  if (req->method_id != SIP_METHOD_ACK && req->method_id != SIP_METHOD_CANCEL) {
    /* §12.2.2: a lower CSeq than the last one is out of order: 500. */
    if (d->remote_cseq_set && num < d->remote_cseq)
      return FALSE;
    d->remote_cseq = num;
    d->remote_cseq_set = TRUE;
  }
  if (flow)
    d->peer_flow = *flow;
  return TRUE;
}

void
sip_dialog_refresh_target(SipDialog *d, const SipMsg *m)
{
  char *uri = contact_uri(m);
  if (uri) {
    g_free(d->remote_target);
    d->remote_target = uri;
  }
}

/* ---- Building --------------------------------------------------------------------------------- */

char *
sip_local_contact(const SipLocal *local, SipNet net)
{
  char a[16];
  sim_addr_format(local->addr, a);
  guint16 port = net == SIP_NET_TLS ? local->tls_port : local->port;
  const char *tp = net == SIP_NET_TCP ? ";transport=tcp" : net == SIP_NET_TLS ? ";transport=tls" : "";
  return g_strdup_printf("<sip:%s%s%s:%u%s>", local->user ? local->user : "", local->user ? "@" : "", a, port,
                         tp);
}

char *
sip_local_via(const SipLocal *local, SipNet net, const char *branch)
{
  char a[16];
  sim_addr_format(local->addr, a);
  guint16 port = net == SIP_NET_TLS ? local->tls_port : local->port;
  /* §18.1.1 sent-by; RFC 3581 §3: an empty rport asks for the source port. */
  return g_strdup_printf("SIP/2.0/%s %s:%u;branch=%s%s", sip_net_name(net), a, port, branch,
                         local->rport ? ";rport" : "");
}

gboolean
sip_uri_flow(const char *uri, SipNet def_net, SipFlow *flow)
{
  const guint8 *buf = (const guint8 *)uri;
  SipSpan s = {0, (guint)strlen(uri)};
  /* Accept a bare URI or a name-addr ("<sip:...;lr>"). */
  SipNameAddr na;
  if (sip_name_addr_parse(buf, s, &na) == 1 && na.angle)
    s = na.uri;
  SipUri u;
  guint32 addr;
  if (sip_uri_parse(buf, s, &u) != 1 || (u.scheme != SIP_URI_SIP && u.scheme != SIP_URI_SIPS) ||
      sip_host_ipv4(buf, u.host, &addr) != 1)
    return FALSE;
  SipNet net = u.scheme == SIP_URI_SIPS ? SIP_NET_TLS : def_net;
  SipSpan tp;
  gboolean has;
  if (u.params.len && sip_param_find(buf, u.params, "transport", &tp, &has) == 1 && has) {
    SipNet n;
    if (sip_net_parse(buf, tp, &n))
      net = n;
  }
  memset(flow, 0, sizeof *flow);
  flow->net = net;
  flow->remote.addr = addr;
  flow->remote.port = u.port ? u.port : (net == SIP_NET_TLS ? 5061 : 5060);
  return TRUE;
}

/* Does a route value's URI carry ;lr (§16.12.1.1: a loose router)? */
static gboolean
route_is_loose(const char *route)
{
  const guint8 *buf = (const guint8 *)route;
  SipSpan s = {0, (guint)strlen(route)};
  SipNameAddr na;
  SipUri u;
  SipSpan v;
  gboolean has;
  if (sip_name_addr_parse(buf, s, &na) != 1 || sip_uri_parse(buf, na.uri, &u) != 1)
    return FALSE;
  return u.params.len && sip_param_find(buf, u.params, "lr", &v, &has) == 1;
}

/* The URI inside a route value, without the brackets. */
static char *
route_uri(const char *route)
{
  const guint8 *buf = (const guint8 *)route;
  SipSpan s = {0, (guint)strlen(route)};
  SipNameAddr na;
  if (sip_name_addr_parse(buf, s, &na) != 1)
    return g_strdup(route);
  return sip_span_dup(buf, na.uri);
}

gboolean
sip_dialog_next_hop(const SipDialog *d, SipFlow *flow)
{
  if (d->reuse_flow && d->peer_flow.remote.addr) {
    *flow = d->peer_flow; /* the flow the peer's messages come on (NAT-aware element) */
    return TRUE;
  }
  /* §8.1.2: the first Route entry if there is one, else the Request-URI (the remote target). */
  const char *target = d->route_set->len ? d->route_set->pdata[0] : d->remote_target;
  return sip_uri_flow(target, d->net, flow);
}

SipBuilder *
sip_dialog_request(SipDialog *d, SipStack *s, const char *method, SipFlow *flow)
{
  g_return_val_if_fail(d != NULL && s != NULL && method != NULL && flow != NULL, NULL);
  gboolean ack = strcmp(method, "ACK") == 0;
  if (!ack)
    d->local_cseq++; /* §12.2.1.1: one higher than the last; ACK reuses its INVITE's (§13.2.2.4) */
  if (!sip_dialog_next_hop(d, flow))
    memset(flow, 0, sizeof *flow);
  /* §12.2.1.1: loose first route (or none): Request-URI = remote target, Route = route set;
   * strict first route: Request-URI = its URI, Route = the rest plus the remote target. */
  gboolean strict = d->route_set->len && !route_is_loose(d->route_set->pdata[0]);
  g_autofree char *ruri = strict ? route_uri(d->route_set->pdata[0]) : g_strdup(d->remote_target);
  SipBuilder *b = sip_builder_request(method, ruri);
  g_autofree char *branch = sip_stack_branch(s);
  g_autofree char *via = sip_local_via(&d->local, flow->net, branch);
  sip_builder_add(b, SIP_HDR_VIA, via);
  sip_builder_add(b, SIP_HDR_MAX_FORWARDS, "70");
  sip_builder_addf(b, SIP_HDR_FROM, "%s;tag=%s", d->local_uri, d->local_tag);
  sip_builder_addf(b, SIP_HDR_TO, "%s;tag=%s", d->remote_uri, d->remote_tag);
  sip_builder_add(b, SIP_HDR_CALL_ID, d->call_id);
  sip_builder_addf(b, SIP_HDR_CSEQ, "%u %s", d->local_cseq, method);
  for (guint i = strict ? 1 : 0; i < d->route_set->len; i++)
    sip_builder_add(b, SIP_HDR_ROUTE, d->route_set->pdata[i]);
  if (strict)
    sip_builder_addf(b, SIP_HDR_ROUTE, "<%s>", d->remote_target);
  return b;
}

GBytes *
sip_build_cancel(const SipMsg *invite)
{
  g_return_val_if_fail(invite != NULL && invite->is_request, NULL);
  guint32 num;
  SipMethod m;
  SipSpan ms;
  if (sip_msg_cseq(invite, &num, &m, &ms) != 1)
    return NULL;
  g_autofree char *ruri = sip_span_dup(invite->buf, invite->ruri);
  SipBuilder *b = sip_builder_request("CANCEL", ruri);
  /* §9.1: one Via, the request's top one (same branch); the same Request-URI, Call-ID, From, To,
   * CSeq number and Route headers. */
  const SipHeader *via = sip_msg_header(invite, SIP_HDR_VIA, 0);
  if (via) {
    SipSpan top;
    if (sip_msg_value(invite, SIP_HDR_VIA, 0, &top) == 1) {
      g_autofree char *v = sip_span_dup(invite->buf, top);
      sip_builder_add(b, SIP_HDR_VIA, v);
    }
  }
  sip_builder_add(b, SIP_HDR_MAX_FORWARDS, "70");
  for (guint i = 0; i < invite->n_headers; i++) {
    const SipHeader *h = &invite->headers[i];
    if (h->id == SIP_HDR_FROM || h->id == SIP_HDR_TO || h->id == SIP_HDR_CALL_ID || h->id == SIP_HDR_ROUTE)
      sip_builder_add_raw(b, invite, h);
  }
  sip_builder_addf(b, SIP_HDR_CSEQ, "%u CANCEL", num);
  return sip_builder_finish(b, NULL, NULL, 0);
}

gboolean
sip_answer_unhandled(SipStack *s, SipTxn *st, const SipMsg *req, const char *allow)
{
  guint status = req->method_id == SIP_METHOD_OPTIONS ? 200 : 405;
  g_autofree char *tag = sip_stack_tag(s);
  SipBuilder *b = sip_builder_response_to(req, status, NULL, tag);
  sip_builder_add(b, SIP_HDR_ALLOW, allow);
  return sip_txn_respond(st, sip_builder_finish(b, NULL, NULL, 0));
}
