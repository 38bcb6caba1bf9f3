/* phone-traversal.c — a softphone's NAT traversal for one call: STUN, TURN or ICE.
 *
 * Before the phone sends its offer (or its answer) it gathers candidates (RFC 8445 §5.1.1): the
 * host candidate is the call's RTP socket; the server-reflexive one comes from a STUN Binding
 * request sent FROM that socket to the STUN server (RFC 8489 §6.2.1 retransmissions, the stun.*
 * keys); the relayed one from a TURN allocation over UDP with the provider's turn.username and
 * turn.password (RFC 8656 §7.1).  The offer waits until both answered or phone.gather_timeout_ms
 * passed.  Then, by phone.traversal:
 *   stun  the SDP c=/m= carry the server-reflexive address (classic STUN traversal, RFC 5389 era:
 *         it works only when the NAT maps endpoint-independently, RFC 4787 §4.1);
 *   turn  c=/m= carry the relayed address and every RTP/RTCP packet goes through the TURN client
 *         (a channel to the PBX media address, RFC 8656 §12), data from the relay is injected;
 *   ice   a full ICE agent, controlling when offering (RFC 8445 §6.1.1), with host, srflx and relay
 *         candidates in the SDP (RFC 8839 §5.1); the default candidate in c=/m= is the relayed
 *         one, else the srflx one (RFC 8445 §5.1.4 recommends the relay for the default); checks
 *         share the RTP socket with the media (RFC 8445 §12) and media follows the selected pair.
 * Without ICE in the answer (a=ice-mismatch or a non-ICE peer, RFC 8839 §4.2.5) ICE is dropped and
 * media uses the default candidate, through the relay if that is the relayed one.
 * Once the controlling agent's pair is selected and its local candidate is not the default the SDP
 * named, RFC 8839 §4.3.4 makes it send a subsequent offer (a re-INVITE) whose c=/m= carry that
 * local candidate, with only that candidate and a=remote-candidates naming the selected remote
 * (§4.4.1.2.2), and the same ufrag and pwd, which is not an ICE restart (§4.4.1.1.1).  (RFC 5245
 * §8.1.2 held this rule; RFC 8445 §8.1.2 now only concludes the checklist states.)  Inbound calls
 * gather first too and apply the PBX's offer once gathered; against a lite PBX the phone controls
 * (RFC 8445 §6.1.1).
 */
#include "phone-private.h"

#include <string.h>

#include "sip/sdp.h"

/* A call's traversal state.  Invariant: `gathered` is set once, when both gathering requests
 * ended or the timeout fired; the agent exists from then on (ice) and is started once the peer's
 * ICE parameters are known. */
struct PhoneTraversal {
  Phone *p;                  /* the phone */
  PhoneCall *c;              /* the call */
  PhoneGatherDone done;      /* continuation: send the offer or the answer; NULL if cancelled */
  gboolean gathered;         /* gathering ended */
  SimEvent timeout_ev;       /* phone.gather_timeout_ms */
  /* Server-reflexive candidate (RFC 8489 Binding from the RTP socket). */
  gboolean stun_pending;     /* Binding transaction running */
  guint8 tid[STUN_TID_LEN];  /* its transaction id */
  GBytes *stun_req;          /* the request bytes */
  guint stun_sends;          /* transmissions so far */
  SimEvent stun_ev;          /* retransmission timer */
  SimAddr srflx;             /* the mapped address, {0,0} if none */
  /* Relayed candidate. */
  TurnClient *turn;          /* TURN client (own socket), NULL unless turn or ice */
  gboolean turn_pending;     /* Allocate running */
  SimAddr relay;             /* XOR-RELAYED-ADDRESS, {0,0} if none */
  SimAddr relay_mapped;      /* XOR-MAPPED-ADDRESS of the TURN client */
  GArray *permitted;         /* guint32 peer IPs with a permission requested (ICE checks) */
  SimAddr bound;             /* peer with a channel bound for media, {0,0} if none */
  gboolean relayed;          /* media goes through the relay */
  /* ICE. */
  IceAgent *ice;             /* full agent, NULL unless ice */
  const IceCandidate *host_cand;  /* the host candidate (base of srflx/prflx) */
  const IceCandidate *relay_cand; /* the relayed candidate, NULL if none */
  gboolean ice_started;      /* checks started */
  gboolean ice_dropped;      /* the peer did not do ICE: fell back to the default candidate */
  IceCandidateType sel_local;  /* selected pair's local type */
  IceCandidateType sel_remote; /* selected pair's remote type */
  gboolean selected;         /* a pair was selected */
  SimTime selected_at;       /* when */
  SimAddr sdp_default;       /* what the SDP carried in c=/m= */
  IceCandidate sel_cand;     /* the selected pair's local candidate (a copy) */
  SimAddr sel_peer;          /* the selected pair's remote address */
  gboolean update_owed;      /* a subsequent offer with the selected candidate is due (RFC 8839 §4.3.4) */
  guint update_tries;        /* attempts to send it while the dialog was busy */
  SimEvent update_ev;        /* retry of the subsequent offer */
  gboolean updated;          /* it was sent */
};

static const char *const method_names[] = {"none", "stun", "turn", "ice"};

/* ---- Media through the relay ------------------------------------------------------------------ */

static gboolean
transmit(void *ctx, MediaStream *ms, guint component, SimAddr to, const guint8 *buf, gsize len)
{
  PhoneTraversal *t = ctx;
  return t->turn && turn_client_send(t->turn, to, buf, len);
}

/* Send media through the relay to `peer` (a channel for the RTP port, RFC 8656 §12). */
static void
use_relay(PhoneTraversal *t, SimAddr peer)
{
  if (t->turn == NULL || turn_client_state(t->turn) != TURN_CLIENT_ALLOCATED || t->c->ms == NULL)
    return;
  if (t->bound.addr != peer.addr || t->bound.port != peer.port) {
    turn_client_bind(t->turn, peer);
    t->bound = peer;
  }
  media_stream_set_transmit(t->c->ms, transmit, t);
  if (!t->relayed) {
    char a[16];
    sim_trace("phone", "%s traversal call%u media via relay to %s:%u", t->p->name, t->c->index,
              sim_addr_format(peer.addr, a), peer.port);
  }
  t->relayed = TRUE;
}

static void
use_direct(PhoneTraversal *t)
{
  if (t->c->ms)
    media_stream_set_transmit(t->c->ms, NULL, NULL);
  t->relayed = FALSE;
}

/* ---- ICE agent ops ---------------------------------------------------------------------------- */

static void
ice_send(void *ctx, const IceCandidate *base, SimAddr to, const guint8 *buf, gsize len)
{
  PhoneTraversal *t = ctx;
  if (base->type == ICE_CAND_RELAY) {
    if (t->turn == NULL)
      return;
    gboolean known = FALSE;
    for (guint i = 0; i < t->permitted->len && !known; i++)
      known = g_array_index(t->permitted, guint32, i) == to.addr;
    if (!known) { /* RFC 8445 §7.2.4: checks from a relayed candidate need a permission */
      turn_client_permit(t->turn, to.addr);
      g_array_append_val(t->permitted, to.addr);
    }
    turn_client_send(t->turn, to, buf, len);
  } else if (t->c->ms) {
    media_stream_send_datagram(t->c->ms, base->component, to, buf, len);
  }
}

/* RFC 8839 §4.3.4: the subsequent offer that aligns c=/m= with the selected pair.  It waits until
 * the INVITE dialog is confirmed and free (no other offer in flight, RFC 3261 §14.1). */
static void
update_offer(void *data)
{
  PhoneTraversal *t = data;
  PhoneCall *c = t->c;
  t->update_ev = 0;
  if (!t->update_owed || c->ss == NULL || sip_session_state(c->ss) == SIP_SESSION_TERMINATED)
    return;
  if (sip_session_state(c->ss) == SIP_SESSION_CONFIRMED) {
    c->sdp_version++;
    g_autoptr(GBytes) sdp = phone_media_sdp(t->p, c);
    if (sip_session_reinvite(c->ss, "application/sdp", sdp)) {
      sip_session_set_local_body(c->ss, "application/sdp", sdp);
      t->update_owed = FALSE;
      t->updated = TRUE;
      char a[16];
      sim_trace("phone", "%s ice call%u update-offer c=%s:%u %s (RFC 8839 §4.4.1.2.2)", t->p->name, c->index,
                sim_addr_format(t->sel_cand.addr.addr, a), t->sel_cand.addr.port,
                ice_candidate_type_name(t->sel_cand.type));
      return;
    }
    c->sdp_version--;
  }
  if (++t->update_tries < 50) /* the dialog is busy: try again shortly */
    t->update_ev = sim_schedule(SIM_MS(200), update_offer, t);
}

static void
ice_selected(void *ctx, guint component, const IceCandidatePair *pair)
{
  PhoneTraversal *t = ctx;
  if (component != 1 || t->c->ms == NULL)
    return;
  t->selected = TRUE;
  t->selected_at = sim_now();
  t->sel_local = pair->local->type;
  t->sel_remote = pair->remote->type;
  t->sel_cand = *pair->local;
  t->sel_peer = pair->remote->addr;
  char a[16];
  sim_trace("phone", "%s ice call%u selected %s -> %s %s:%u", t->p->name, t->c->index,
            ice_candidate_type_name(pair->local->type), ice_candidate_type_name(pair->remote->type),
            sim_addr_format(pair->remote->addr.addr, a), pair->remote->addr.port);
  /* RFC 8445 §12.1: media goes to the selected pair's remote candidate, from its local base. */
  media_stream_set_remote(t->c->ms, pair->remote->addr, (SimAddr){0, 0});
  if (pair->base->type == ICE_CAND_RELAY)
    use_relay(t, pair->remote->addr);
  else
    use_direct(t);
  /* RFC 8839 §4.3.4: only the controlling agent updates, and only when the default differs. */
  if (ice_agent_is_controlling(t->ice) && (pair->local->addr.addr != t->sdp_default.addr ||
                                           pair->local->addr.port != t->sdp_default.port)) {
    char b[16];
    sim_trace("phone", "%s ice call%u default %s:%u is not the selected %s %s:%u: update-offer owed", t->p->name,
              t->c->index, sim_addr_format(t->sdp_default.addr, a), t->sdp_default.port,
              ice_candidate_type_name(pair->local->type), sim_addr_format(pair->local->addr.addr, b),
              pair->local->addr.port);
    t->update_owed = TRUE;
    if (t->update_ev == 0)
      t->update_ev = sim_schedule(0, update_offer, t);
  }
}

static void
ice_state(void *ctx, IceState st)
{
  PhoneTraversal *t = ctx;
  sim_trace("phone", "%s ice call%u state %s", t->p->name, t->c->index, ice_state_name(st));
}

static const IceAgentOps ice_ops = {.send = ice_send, .on_selected = ice_selected, .on_state = ice_state};

/* ---- Gathering -------------------------------------------------------------------------------- */

static void
gather_finish(PhoneTraversal *t)
{
  if (t->gathered)
    return;
  t->gathered = TRUE;
  sim_cancel(t->timeout_ev);
  sim_cancel(t->stun_ev);
  t->timeout_ev = t->stun_ev = 0;
  t->stun_pending = FALSE;
  Phone *p = t->p;
  char a[16], b[16], h[16];
  sim_trace("phone", "%s gathered call%u host=%s:%u srflx=%s:%u relay=%s:%u", p->name, t->c->index,
            sim_addr_format(p->addr, h), t->c->rtp_port, sim_addr_format(t->srflx.addr, a), t->srflx.port,
            sim_addr_format(t->relay.addr, b), t->relay.port);
  if (p->traversal == PHONE_TRAVERSAL_ICE) {
    IceAgentParams ip = p->ice;
    g_autofree char *name = g_strdup_printf("%s-call%u", p->name, t->c->index);
    ip.name = name;
    ip.index = 100 * p->index + t->c->index;
    ip.controlling = !t->c->inbound; /* RFC 8445 §6.1.1: the offerer controls */
    ip.components = 1;
    g_autoptr(GError) error = NULL;
    t->ice = ice_agent_new(&ip, &ice_ops, t, &error);
    IceCandidate hc = {.type = ICE_CAND_HOST, .component = 1, .addr = {p->addr, t->c->rtp_port}};
    t->host_cand = t->ice ? ice_agent_add_local(t->ice, &hc, &error) : NULL;
    if (t->ice && t->srflx.addr) {
      IceCandidate sc = {.type = ICE_CAND_SRFLX, .component = 1, .addr = t->srflx, .base = hc.addr,
                         .related = hc.addr, .server = p->stun_addr};
      ice_agent_add_local(t->ice, &sc, NULL);
    }
    if (t->ice && t->relay.addr) {
      IceCandidate rc = {.type = ICE_CAND_RELAY, .component = 1, .addr = t->relay, .related = t->relay_mapped,
                         .server = p->turn_addr};
      t->relay_cand = ice_agent_add_local(t->ice, &rc, NULL);
    }
    if (t->ice == NULL || t->host_cand == NULL)
      sim_trace("phone", "%s ice call%u agent-failed %s", p->name, t->c->index, error ? error->message : "");
  }
  /* RFC 8445 §5.1.4 (ICE: the relay if any), else the method's own address. */
  SimAddr def = {p->addr, t->c->rtp_port};
  if (p->traversal == PHONE_TRAVERSAL_STUN && t->srflx.addr)
    def = t->srflx;
  else if (p->traversal == PHONE_TRAVERSAL_TURN && t->relay.addr)
    def = t->relay;
  else if (p->traversal == PHONE_TRAVERSAL_ICE)
    def = t->relay.addr ? t->relay : t->srflx.addr ? t->srflx : def;
  t->sdp_default = def;
  if (t->done)
    t->done(p, t->c);
}

static void
gather_check(PhoneTraversal *t)
{
  if (!t->stun_pending && !t->turn_pending)
    gather_finish(t);
}

static void
gather_timeout(void *data)
{
  PhoneTraversal *t = data;
  t->timeout_ev = 0;
  sim_trace("phone", "%s gather-timeout call%u", t->p->name, t->c->index);
  gather_finish(t);
}

static void
stun_transmit(void *data)
{
  PhoneTraversal *t = data;
  t->stun_ev = 0;
  if (t->stun_sends >= t->p->stun.max_sends) { /* RFC 8489 §6.2.1: Rm x RTO passed */
    sim_trace("phone", "%s srflx-timeout call%u after %u sends", t->p->name, t->c->index, t->stun_sends);
    t->stun_pending = FALSE;
    gather_check(t);
    return;
  }
  gsize len = 0;
  const guint8 *buf = g_bytes_get_data(t->stun_req, &len);
  media_stream_send_datagram(t->c->ms, 1, (SimAddr){t->p->stun_addr, STUN_DEFAULT_PORT}, buf, len);
  t->stun_sends++;
  sim_trace("phone", "%s srflx-request call%u send %u", t->p->name, t->c->index, t->stun_sends);
  t->stun_ev = sim_schedule(stun_client_wait(&t->p->stun, t->stun_sends), stun_transmit, t);
}

/* The media stream's non-RTP datagrams: ICE first, then our Binding response. */
static gboolean
on_datagram(void *ctx, MediaStream *ms, guint component, const guint8 *buf, gsize len, SimAddr from)
{
  PhoneTraversal *t = ctx;
  if (t->ice && t->host_cand && component == 1 && ice_agent_receive(t->ice, t->host_cand, from, buf, len))
    return TRUE;
  StunMsg m;
  if (!t->stun_pending || stun_msg_parse(buf, len, &m, NULL) != 1 || m.method != STUN_METHOD_BINDING ||
      memcmp(m.tid, t->tid, STUN_TID_LEN) != 0)
    return FALSE;
  StunAddress sa;
  if (m.klass == STUN_CLASS_SUCCESS && (stun_msg_get_address(&m, STUN_ATTR_XOR_MAPPED_ADDRESS, &sa) == 1 ||
                                        stun_msg_get_address(&m, STUN_ATTR_MAPPED_ADDRESS, &sa) == 1) &&
      sa.family == STUN_FAMILY_IPV4)
    t->srflx = (SimAddr){sa.v4, sa.port};
  char a[16];
  sim_trace("phone", "%s srflx call%u %s:%u", t->p->name, t->c->index, sim_addr_format(t->srflx.addr, a),
            t->srflx.port);
  sim_cancel(t->stun_ev);
  t->stun_ev = 0;
  t->stun_pending = FALSE;
  gather_check(t);
  return TRUE;
}

static void
turn_allocated(void *ctx, TurnClient *tc, SimAddr relayed, SimAddr mapped, guint lifetime_s)
{
  PhoneTraversal *t = ctx;
  t->relay = relayed;
  t->relay_mapped = mapped;
  t->turn_pending = FALSE;
  gather_check(t);
}

static void
turn_failed(void *ctx, TurnClient *tc, guint code, const char *reason)
{
  PhoneTraversal *t = ctx;
  sim_trace("phone", "%s relay-failed call%u %u %s", t->p->name, t->c->index, code, reason ? reason : "");
  t->turn_pending = FALSE;
  gather_check(t);
}

static void
turn_data(void *ctx, TurnClient *tc, SimAddr peer, const guint8 *data, gsize len)
{
  PhoneTraversal *t = ctx;
  if (t->ice && t->relay_cand && ice_agent_receive(t->ice, t->relay_cand, peer, data, len))
    return;
  if (t->c->ms == NULL)
    return;
  SimAddr rtcp = media_stream_remote_rtcp(t->c->ms);
  guint comp = peer.addr == rtcp.addr && peer.port == rtcp.port ? 2 : 1;
  media_stream_inject(t->c->ms, comp, data, len, peer);
}

static const TurnClientOps turn_ops = {.allocated = turn_allocated, .failed = turn_failed, .data = turn_data};

void
phone_traversal_start(Phone *p, PhoneCall *c, PhoneGatherDone done)
{
  g_return_if_fail(p->traversal != PHONE_TRAVERSAL_NONE && c->trav == NULL);
  PhoneTraversal *t = g_new0(PhoneTraversal, 1);
  t->p = p;
  t->c = c;
  t->done = done;
  t->permitted = g_array_new(FALSE, FALSE, sizeof(guint32));
  c->trav = t;
  if (!phone_media_ensure(p, c) || p->stun_addr == 0 || p->turn_addr == 0) {
    t->timeout_ev = sim_schedule(0, gather_timeout, t);
    return;
  }
  media_stream_set_datagram_hook(c->ms, on_datagram, t);
  sim_trace("phone", "%s gather call%u %s", p->name, c->index, method_names[p->traversal]);
  /* Server-reflexive: every method but turn-only (RFC 8445 §5.1.1.1). */
  if (p->traversal != PHONE_TRAVERSAL_TURN) {
    for (int i = 0; i < STUN_TID_LEN; i += 4) {
      guint32 r = g_rand_int(p->rand);
      memcpy(t->tid + i, &r, 4);
    }
    StunBuilder b;
    stun_builder_init(&b, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, t->tid);
    stun_add_fingerprint(&b);
    t->stun_req = stun_builder_steal(&b);
    stun_builder_clear(&b);
    t->stun_pending = TRUE;
    stun_transmit(t);
  }
  /* Relayed: turn and ice (RFC 8445 §5.1.1.2). */
  if (p->traversal == PHONE_TRAVERSAL_TURN || p->traversal == PHONE_TRAVERSAL_ICE) {
    TurnClientSetup ts = p->turn;
    ts.server = (SimAddr){p->turn_addr, ts.transport == TURN_TRANSPORT_TLS ? 5349 : 3478};
    ts.local = (SimAddr){p->addr, 0};
    ts.index = 100 * p->index + c->index;
    g_autoptr(GError) error = NULL;
    t->turn = turn_client_new(p->host, &ts, &turn_ops, t, &error);
    if (t->turn && turn_client_allocate(t->turn))
      t->turn_pending = TRUE;
    else
      sim_trace("phone", "%s relay-failed call%u %s", p->name, c->index, error ? error->message : "allocate");
  }
  t->timeout_ev = sim_schedule(p->gather_timeout, gather_timeout, t);
  gather_check(t);
}

void
phone_traversal_cancel(PhoneCall *c)
{
  if (c->trav)
    c->trav->done = NULL;
}

gboolean
phone_traversal_gathering(const PhoneCall *c)
{
  return c->trav && !c->trav->gathered;
}

SimAddr
phone_traversal_default(const Phone *p, const PhoneCall *c)
{
  if (c->trav && c->trav->selected && c->trav->ice_started) /* RFC 8839 §4.4.1.2.2 */
    return c->trav->sel_cand.addr;
  if (c->trav && c->trav->gathered)
    return c->trav->sdp_default;
  return (SimAddr){p->addr, c->rtp_port};
}

void
phone_traversal_sdp(const PhoneCall *c, GString *sdp)
{
  const PhoneTraversal *t = c->trav;
  if (t == NULL || t->ice == NULL || t->ice_dropped)
    return;
  if (!t->selected || !t->ice_started) {
    ice_sdp_append_media_attrs(sdp, t->ice);
    return;
  }
  /* RFC 8839 §4.4.1.2.2, after nomination: the same ufrag and pwd (no restart, §4.4.1.1.1), only
   * the selected pair's local candidate, and (controlling) a=remote-candidates with its remote. */
  g_string_append_printf(sdp, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", ice_agent_local_ufrag(t->ice),
                         ice_agent_local_pwd(t->ice));
  ice_sdp_append_candidate(sdp, &t->sel_cand);
  if (ice_agent_is_controlling(t->ice)) {
    char a[16];
    g_string_append_printf(sdp, "a=remote-candidates:1 %s %u\r\n", sim_addr_format(t->sel_peer.addr, a),
                           t->sel_peer.port);
  }
}

void
phone_traversal_remote(Phone *p, PhoneCall *c, const Sdp *sdp, SimAddr rtp)
{
  PhoneTraversal *t = c->trav;
  if (t == NULL || !t->gathered || c->ms == NULL)
    return;
  if (t->ice && !t->ice_started && !t->ice_dropped) {
    IceSdpRemote r = {0};
    const char *reason = NULL;
    int got = ice_sdp_read_remote(sdp, 0, &r, &reason);
    SipSpan v;
    /* RFC 8839 §4.3.3: a=ice-mismatch comes without ufrag and pwd (§5.3), ICE ends for the stream. */
    gboolean mismatch = (got == 1 && r.mismatch) || sdp_attr(sdp, 0, "ice-mismatch", 0, &v) == 1;
    gboolean ok = got == 1 && !mismatch;
    g_autoptr(GError) error = NULL;
    if (ok)
      ok = ice_agent_set_remote(t->ice, r.ufrag, r.pwd, r.lite, &error);
    for (guint i = 0; ok && i < r.candidates->len; i++)
      ice_agent_add_remote_candidate(t->ice, r.candidates->pdata[i], NULL);
    if (ok)
      ok = ice_agent_start(t->ice, &error);
    sim_trace("phone", "%s ice call%u %s", p->name, c->index,
              ok ? "start" : mismatch ? "peer-mismatch fallback" : "no-peer-ice fallback");
    if (got >= 0)
      ice_sdp_remote_clear(&r);
    t->ice_started = ok;
    t->ice_dropped = !ok;
  }
  if (t->ice_started) { /* media follows the selected pair, whatever a later SDP says */
    if (t->selected)
      media_stream_set_remote(c->ms, t->sel_peer, (SimAddr){0, 0});
    return;
  }
  /* Classic traversal, or ICE dropped: media leaves from the default candidate's base. */
  gboolean via_relay = t->relay.addr && t->sdp_default.addr == t->relay.addr && t->sdp_default.port == t->relay.port;
  if (via_relay && rtp.addr && rtp.port)
    use_relay(t, rtp);
}

void
phone_traversal_free(PhoneTraversal *t)
{
  if (t == NULL)
    return;
  sim_cancel(t->timeout_ev);
  sim_cancel(t->stun_ev);
  sim_cancel(t->update_ev);
  ice_agent_free(t->ice);
  turn_client_free(t->turn);
  if (t->stun_req)
    g_bytes_unref(t->stun_req);
  g_array_free(t->permitted, TRUE);
  g_free(t);
}

void
phone_call_traversal(const PhoneCall *c, PhoneTraversalInfo *out)
{
  g_return_if_fail(c && out);
  const PhoneTraversal *t = c->trav;
  *out = (PhoneTraversalInfo){.method = "none", .ice_state = "-", .local_cand = "-", .remote_cand = "-",
                              .ice_time_s = -1};
  if (t == NULL)
    return;
  out->method = method_names[t->p->traversal];
  out->srflx = t->srflx;
  out->relay = t->relay;
  out->sdp_default = t->sdp_default;
  out->relayed = t->relayed;
  if (t->ice && t->ice_started) {
    out->ice_state = ice_state_name(ice_agent_state(t->ice));
    const IceStats *st = ice_agent_stats(t->ice);
    if (t->selected) {
      out->local_cand = ice_candidate_type_name(t->sel_local);
      out->remote_cand = ice_candidate_type_name(t->sel_remote);
      if (st->started_at >= 0)
        out->ice_time_s = SIM_TIME_TO_S(t->selected_at - st->started_at);
    }
  } else if (t->ice) {
    out->ice_state = "failed";
  }
}
