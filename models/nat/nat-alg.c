/* nat-alg.c — what the NAT offers an ALG: the per-packet hook, payload mangling that may change
 * the packet's length, TCP sequence adjustment, per-binding ALG state and binding timers.
 *
 * Mangling follows Linux nf_nat_helper.c (__nf_nat_mangle_tcp_packet, nf_nat_mangle_udp_packet):
 * replace bytes, fix the IP total length, the UDP length and the checksums.  Sequence adjustment
 * follows nf_nat_seqadj.c: after a TCP payload changes length by delta at original sequence S,
 * later segments in that direction have their sequence number shifted, and segments in the other
 * direction have their acknowledgement number (and SACK blocks, nf_nat_sack_adjust) shifted back.
 * Linux keeps one correction position per direction; here a list of them, so a retransmission of
 * an older segment is also corrected.  One difference on purpose: Linux adds the delta again when
 * the ALG rewrites a retransmitted segment (seq == correction_pos); here a correction is sealed
 * once its segment has left, so a retransmission does not shift the stream twice.
 */
#include "nat-private.h"

#include <string.h>

static inline gboolean
seq_after(guint32 a, guint32 b)
{
  return (gint32)(a - b) > 0;
}

/* ---- The hook ------------------------------------------------------------------------------------ */

void
nat_set_alg_hook(Nat *nat, NatAlgHookFn fn, void *ctx)
{
  g_return_if_fail(nat);
  nat->alg_fn = fn;
  nat->alg_ctx = ctx;
}

/* Fill the offsets of p from its buffer; FALSE if it does not parse as whole UDP/TCP. */
static gboolean
alg_packet_parse(NatAlgPacket *p)
{
  if (ipv4_parse(p->pkt->data, p->pkt->len, 0, &p->ip) != 1 || ipv4_is_fragment(&p->ip))
    return FALSE;
  p->proto = p->ip.proto;
  if (p->proto == NET_PROTO_UDP) {
    UdpInfo u;
    if (udp_parse(p->pkt->data, p->pkt->len, &p->ip, &u) != 1)
      return FALSE;
    p->l4_off = u.off;
    p->payload_off = u.payload_off;
    p->payload_len = u.payload_len;
    return TRUE;
  }
  if (p->proto == NET_PROTO_TCP) {
    TcpInfo t;
    if (tcp_parse(p->pkt->data, p->pkt->len, &p->ip, &t) != 1)
      return FALSE;
    p->l4_off = t.off;
    p->payload_off = t.payload_off;
    p->payload_len = t.payload_len;
    p->tcp_seq = t.seq;
    return TRUE;
  }
  return FALSE;
}

gboolean
nat_alg_run(Nat *nat, NatBinding *b, NatDir dir, gboolean hairpin, NetBuf *pkt, SimTime now)
{
  if (!nat->alg_fn || (b->t.proto != NET_PROTO_UDP && b->t.proto != NET_PROTO_TCP))
    return TRUE;
  NatAlgPacket p = { .nat = nat, .binding = b, .dir = dir, .hairpin = hairpin, .pkt = pkt,
                     .now = now };
  if (!alg_packet_parse(&p))
    return TRUE; /* fragments are not shown to the ALG (Linux reassembles before helpers) */
  return nat->alg_fn(nat->alg_ctx, &p) == NAT_ALG_PASS;
}

/* ---- Mangling ------------------------------------------------------------------------------------ */

static void
seqadj_record(Nat *nat, NatBinding *b, NatDir dir, guint32 seq, gint32 delta)
{
  if (delta == 0)
    return;
  if (!b->seqadj[dir])
    b->seqadj[dir] = g_array_new(FALSE, FALSE, sizeof(NatSeqAdj));
  GArray *a = b->seqadj[dir];
  NatSeqAdj *last = a->len ? &g_array_index(a, NatSeqAdj, a->len - 1) : NULL;
  if (last && seq == last->pos) {
    if (last->sealed)
      return; /* a retransmission of a segment already accounted for */
    last->offset += delta; /* several rewrites in one segment add up */
  } else if (!last || seq_after(seq, last->pos)) {
    NatSeqAdj n = { .pos = seq, .offset = (last ? last->offset : 0) + delta };
    g_array_append_val(a, n);
  } else {
    return; /* an older segment: its change was recorded when it first passed */
  }
  last = &g_array_index(a, NatSeqAdj, a->len - 1);
  nat_trace_binding(nat, "seqadj", b, " dir %s pos %u offset %d", dir == NAT_DIR_OUT ? "out" : "in",
                    last->pos, last->offset);
}

gboolean
nat_alg_mangle(NatAlgPacket *p, gsize off, gsize del, const guint8 *rep, gsize rep_len)
{
  g_return_val_if_fail(p && (rep || rep_len == 0), FALSE);
  if (off > p->payload_len || del > p->payload_len - off)
    return FALSE;
  gssize delta = (gssize)rep_len - (gssize)del;
  if ((gssize)p->ip.total_len + delta > IPV4_MAX_LEN)
    return FALSE;
  gsize udp_len = UDP_HDR_LEN + p->payload_len; /* UDP: the length field before the change */
  netbuf_splice(p->pkt, p->payload_off + off, del, rep, rep_len);
  guint8 *d = p->pkt->data;
  guint16 total = (guint16)((gssize)p->ip.total_len + delta);
  ipv4_set_total_len(d, total);
  /* The UDP length changes by delta too; IP padding after the datagram stays padding. */
  if (p->proto == NET_PROTO_UDP)
    net_put16(d + p->l4_off + 4, (guint16)((gssize)udp_len + delta));
  l4_fix_checksum(d, p->pkt->len);
  if (p->proto == NET_PROTO_TCP)
    seqadj_record(p->nat, p->binding, p->dir, p->tcp_seq, (gint32)delta);
  guint32 seq = p->tcp_seq;
  alg_packet_parse(p);
  p->tcp_seq = seq;
  return TRUE;
}

void
nat_alg_fix_packet(NatAlgPacket *p)
{
  g_return_if_fail(p);
  guint8 *d = p->pkt->data;
  ipv4_set_header_checksum(d);
  Ipv4Info ip;
  if (ipv4_parse(d, p->pkt->len, 0, &ip) != 1)
    return;
  if (ip.proto == NET_PROTO_UDP && ip.total_len >= ip.hdr_len + UDP_HDR_LEN)
    net_put16(d + ip.hdr_len + 4, (guint16)(ip.total_len - ip.hdr_len));
  l4_fix_checksum(d, p->pkt->len);
  guint32 seq = p->tcp_seq;
  alg_packet_parse(p);
  p->tcp_seq = seq;
}

/* ---- Sequence adjustment ------------------------------------------------------------------------- */

static gint32
seq_offset(const GArray *a, guint32 seq)
{
  if (!a)
    return 0;
  for (guint i = a->len; i-- > 0;) {
    const NatSeqAdj *e = &g_array_index(a, NatSeqAdj, i);
    if (seq_after(seq, e->pos))
      return e->offset;
  }
  return 0;
}

/* An acknowledgement is in the adjusted space: compare it shifted by the offset before each
 * correction (Linux: after(ack - offset_before, correction_pos)). */
static gint32
ack_offset(const GArray *a, guint32 ack)
{
  if (!a)
    return 0;
  for (guint i = a->len; i-- > 0;) {
    const NatSeqAdj *e = &g_array_index(a, NatSeqAdj, i);
    gint32 before = i > 0 ? g_array_index(a, NatSeqAdj, i - 1).offset : 0;
    if (seq_after(ack - (guint32)before, e->pos))
      return e->offset;
  }
  return 0;
}

typedef struct {
  guint8 *buf;        /* the packet */
  gsize csum_off;     /* TCP checksum field */
  const GArray *adj;  /* corrections of the other direction */
} SackCtx;

static void
sack_adjust(void *ctx, guint8 kind, gsize off, gsize len)
{
  SackCtx *c = ctx;
  if (kind != 5 || (len - 2) % 8 != 0) /* SACK, RFC 2018 */
    return;
  for (gsize i = off + 2; i + 4 <= off + len; i += 4) {
    guint32 old = net_get32(c->buf + i);
    guint32 nv = old - (guint32)ack_offset(c->adj, old);
    if (nv != old) {
      net_put32(c->buf + i, nv);
      l4_csum_adjust32(c->buf, c->csum_off, FALSE, old, nv);
    }
  }
}

void
nat_seqadj_apply(Nat *nat, NatBinding *b, NatDir dir, NetBuf *pkt)
{
  if (b->t.proto != NET_PROTO_TCP || (!b->seqadj[0] && !b->seqadj[1]))
    return;
  guint8 *d = pkt->data;
  Ipv4Info ip;
  TcpInfo tcp;
  if (ipv4_parse(d, pkt->len, 0, &ip) != 1 || tcp_parse(d, pkt->len, &ip, &tcp) != 1)
    return;
  gsize csum = tcp.off + 16;
  const GArray *mine = b->seqadj[dir], *theirs = b->seqadj[!dir];
  gint32 so = seq_offset(mine, tcp.seq);
  if (so) {
    guint32 nv = tcp.seq + (guint32)so;
    net_put32(d + tcp.off + 4, nv);
    l4_csum_adjust32(d, csum, FALSE, tcp.seq, nv);
  }
  if ((tcp.flags & TCP_ACK) && theirs) {
    gint32 ao = ack_offset(theirs, tcp.ack);
    if (ao) {
      guint32 nv = tcp.ack - (guint32)ao;
      net_put32(d + tcp.off + 8, nv);
      l4_csum_adjust32(d, csum, FALSE, tcp.ack, nv);
    }
    SackCtx c = { d, csum, theirs };
    tcp_options_foreach(d, &tcp, sack_adjust, &c);
  }
  if (mine)
    for (guint i = 0; i < mine->len; i++)
      if (g_array_index(mine, NatSeqAdj, i).pos == tcp.seq)
        g_array_index(mine, NatSeqAdj, i).sealed = TRUE;
}

gint32
nat_binding_seq_offset(const NatBinding *b, NatDir dir)
{
  const GArray *a = b->seqadj[dir];
  return a && a->len ? g_array_index(a, NatSeqAdj, a->len - 1).offset : 0;
}

/* ---- ALG state and timers ------------------------------------------------------------------------ */

void
nat_binding_set_alg_data(NatBinding *b, gpointer data, GDestroyNotify destroy)
{
  g_return_if_fail(b);
  if (b->alg_data && b->alg_destroy && b->alg_data != data)
    b->alg_destroy(b->alg_data);
  b->alg_data = data;
  b->alg_destroy = destroy;
}

gpointer
nat_binding_get_alg_data(const NatBinding *b)
{
  return b->alg_data;
}

void
nat_binding_free_alg(NatBinding *b)
{
  if (b->alg_data && b->alg_destroy)
    b->alg_destroy(b->alg_data);
  b->alg_data = NULL;
  b->alg_destroy = NULL;
}

static void
timer_fire(void *data)
{
  NatTimer *t = data;
  Nat *nat = t->nat;
  NatBinding *b = nat_binding_find(nat, t->binding_id);
  if (b)
    g_queue_delete_link(&b->timers, t->link);
  /* A binding that expired lazily is collected now instead of seeing its timer. */
  nat_expire(nat, sim_now());
  b = nat_binding_find(nat, t->binding_id);
  if (b)
    t->fn(nat, b, t->data);
  g_free(t);
}

SimEvent
nat_binding_add_timer(NatBinding *b, SimTime delay, NatTimerFn fn, gpointer data)
{
  g_return_val_if_fail(b && fn, 0);
  if (delay < 0)
    return 0;
  NatTimer *t = g_new0(NatTimer, 1);
  t->nat = b->nat;
  t->binding_id = b->id;
  t->fn = fn;
  t->data = data;
  t->ev = sim_schedule(delay, timer_fire, t);
  g_queue_push_tail(&b->timers, t);
  t->link = b->timers.tail;
  return t->ev;
}

void
nat_binding_cancel_timers(NatBinding *b)
{
  while (b->timers.head) {
    NatTimer *t = g_queue_pop_head(&b->timers);
    if (sim_is_setup())
      sim_cancel(t->ev);
    g_free(t);
  }
}
