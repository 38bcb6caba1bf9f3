/* nat-timeout.c — binding timeouts, refresh and TCP connection tracking.
 *
 * UDP (RFC 4787 §4.3): a binding that has not yet seen a packet back uses the "unreplied" timeout
 * and one that has uses the established one, as Linux nf_conntrack_proto_udp.c does
 * (UDP_CT_UNREPLIED 30 s, UDP_CT_REPLIED 120 s; newer kernels also wait 2 s before calling it a
 * stream, which is not modelled).  A per-port override replaces both for flows to that port
 * (RFC 4787 REQ-5a allows other values for specific ports; some routers treat SIP's 5060
 * specially).  Outbound packets always refresh (REQ-6); inbound ones only with udp_refresh = both.
 *
 * TCP (RFC 5382 §5, REQ-5): established bindings use the established idle timeout, every other
 * state (opening, closing, closed) the transitory one; a RST keeps the binding for the transitory
 * time (RFC 7857 §2.2) rather than deleting it.  States follow Linux nf_conntrack_proto_tcp.c in
 * simplified form, including its loose pick-up of connections seen mid-stream
 * (nf_conntrack_tcp_loose = 1): a first packet without SYN creates an established binding.
 * ICMP echo uses one timeout (RFC 5508 REQ-1).  Every packet refreshes TCP and ICMP bindings.
 */
#include "nat-private.h"

const char *
nat_tcp_state_name(NatTcpState s)
{
  static const char *const names[] = {
    [NAT_TCP_NONE] = "",
    [NAT_TCP_SYN_SENT] = "SYN_SENT",
    [NAT_TCP_SYN_RECV] = "SYN_RECV",
    [NAT_TCP_ESTABLISHED] = "ESTABLISHED",
    [NAT_TCP_FIN_WAIT] = "FIN_WAIT",
    [NAT_TCP_TIME_WAIT] = "TIME_WAIT",
    [NAT_TCP_CLOSED] = "CLOSED",
  };
  return names[s];
}

SimTime
nat_binding_timeout(const Nat *nat, const NatBinding *b)
{
  if (b->timeout_override > 0)
    return b->timeout_override;
  switch (b->t.proto) {
  case NET_PROTO_UDP: {
    /* The "destination port" of the flow: the remote's for outbound-initiated flows, ours for
     * flows that came in (an inbound call's signalling to the phone's 5060). */
    guint16 port = b->initiator == NAT_DIR_OUT ? b->t.remote.port : b->t.internal.port;
    for (guint i = 0; i < nat->p.n_udp_port_timeouts; i++)
      if (nat->p.udp_port_timeouts[i].port == port)
        return nat->p.udp_port_timeouts[i].timeout;
    return b->replied ? nat->p.udp_timeout : nat->p.udp_unreplied_timeout;
  }
  case NET_PROTO_TCP:
    return b->tcp == NAT_TCP_ESTABLISHED ? nat->p.tcp_established_timeout
                                         : nat->p.tcp_transitory_timeout;
  default:
    return nat->p.icmp_timeout;
  }
}

static void
tcp_track(NatBinding *b, NatDir dir, guint8 flags)
{
  if (flags & TCP_RST) {
    b->tcp = NAT_TCP_CLOSED;
    return;
  }
  if ((flags & TCP_SYN) && !(flags & TCP_ACK)) {
    if (b->tcp == NAT_TCP_NONE) {
      b->tcp = NAT_TCP_SYN_SENT;
    } else if (b->tcp == NAT_TCP_TIME_WAIT || b->tcp == NAT_TCP_CLOSED) {
      /* A new connection on the same tuple (Linux reopens from TIME_WAIT/CLOSE on a SYN). */
      b->tcp = NAT_TCP_SYN_SENT;
      b->initiator = dir;
      b->fin[0] = b->fin[1] = FALSE;
      b->replied = FALSE;
    } else if (b->tcp == NAT_TCP_SYN_SENT && dir != b->initiator) {
      /* Simultaneous open: the SYNs crossed (RFC 9293 §3.5, Figure 8; RFC 5382 REQ-2 requires
       * it; Linux's SYN_SENT2).  The next ACK from either side completes it. */
      b->tcp = NAT_TCP_SYN_RECV;
    }
    return;
  }
  if ((flags & TCP_SYN) && (flags & TCP_ACK)) {
    if (dir != b->initiator && b->tcp == NAT_TCP_SYN_SENT)
      b->tcp = NAT_TCP_SYN_RECV;
    return;
  }
  if (b->tcp == NAT_TCP_NONE)
    b->tcp = NAT_TCP_ESTABLISHED; /* loose pick-up of a connection seen mid-stream */
  /* The handshake's last ACK; after a simultaneous open both sides send one, and either side
   * may be first, so the direction is not checked (a responder never sends a bare ACK in a
   * normal open before the initiator's). */
  if (b->tcp == NAT_TCP_SYN_RECV && (flags & TCP_ACK))
    b->tcp = NAT_TCP_ESTABLISHED;
  if (b->tcp == NAT_TCP_CLOSED)
    return;
  if (flags & TCP_FIN)
    b->fin[dir] = TRUE;
  if (b->fin[0] && b->fin[1])
    b->tcp = NAT_TCP_TIME_WAIT;
  else if ((b->fin[0] || b->fin[1]) && b->tcp == NAT_TCP_ESTABLISHED)
    b->tcp = NAT_TCP_FIN_WAIT;
}

void
nat_binding_touch(Nat *nat, NatBinding *b, NatDir dir, guint8 tcp_flags, SimTime now)
{
  gboolean was_replied = b->replied;
  NatTcpState was_tcp = b->tcp;
  if (b->t.proto == NET_PROTO_TCP)
    tcp_track(b, dir, tcp_flags);
  if (dir != b->initiator)
    b->replied = TRUE;
  gboolean refresh =
      b->t.proto != NET_PROTO_UDP || dir == NAT_DIR_OUT || nat->p.udp_refresh == NAT_REFRESH_BOTH;
  if (refresh)
    b->last_refresh = now;
  b->last_used = now;
  g_queue_unlink(&nat->lru, &b->lru_link);
  g_queue_push_tail_link(&nat->lru, &b->lru_link);
  nat_binding_rearm(nat, b);
  gboolean first = !b->touched; /* the creating packet: the binding-created row says it all */
  b->touched = TRUE;
  if (first)
    return;
  char exp[32];
  nat_fmt_time(b->expires, exp);
  SimTime timeout = nat_binding_timeout(nat, b);
  if (was_replied != b->replied || was_tcp != b->tcp) {
    if (b->t.proto == NET_PROTO_TCP)
      nat_trace_binding(nat, "binding-state", b, " state %s timeout %" G_GINT64_FORMAT " expires %s",
                        nat_tcp_state_name(b->tcp), nat_secs(timeout), exp);
    else
      nat_trace_binding(nat, "binding-state", b, " state replied timeout %" G_GINT64_FORMAT
                        " expires %s", nat_secs(timeout), exp);
  } else if (refresh && nat->p.trace_refresh) {
    nat_trace_binding(nat, "binding-refreshed", b, " dir %s expires %s",
                      dir == NAT_DIR_OUT ? "out" : "in", exp);
  }
}

void
nat_binding_set_timeout(NatBinding *b, SimTime timeout, SimTime now)
{
  g_return_if_fail(b && timeout >= 0);
  Nat *nat = b->nat;
  b->timeout_override = timeout;
  b->last_refresh = now;
  nat_binding_rearm(nat, b);
  char exp[32];
  nat_fmt_time(b->expires, exp);
  nat_trace_binding(nat, "binding-timeout", b, " timeout %" G_GINT64_FORMAT " expires %s",
                    nat_secs(nat_binding_timeout(nat, b)), exp);
}
