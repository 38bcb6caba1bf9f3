/* queue.c — the home router's uplink queue: drop-tail FIFO and two-band strict priority, the
 * classifier, the configuration keys, and the dispatch to fq_codel (fq_codel.c).
 *
 * FIFO is Linux pfifo/bfifo (net/sched/sch_fifo.c): accept while the backlog stays within the packet
 * and byte limits, else drop the arriving packet.  Strict priority is Linux prio
 * (net/sched/sch_prio.c) with two bands, each a drop-tail FIFO with the same limits (prio's children
 * are default pfifos), always serving the high band first.  The high band holds DSCP EF (46, RFC 3246)
 * and the class selectors CS5..CS7 (RFC 2474 §4.2.2), or the packets of chosen LAN hosts, as consumer
 * routers' "device priority" does.  Consumer routers keep Linux's default transmit queue of 1000
 * packets (txqueuelen, net/core/dev.c DEFAULT_TX_QUEUE_LEN), which at 1 Mbit/s up is seconds of delay.
 */
#include "queue-private.h"

#include <string.h>

/* ---- Keys ------------------------------------------------------------------------------------ */

const CfgKeyDef queue_keys[] = {
  {"router.uplink_queue", CFG_ENUM, "", "fifo", "fifo|priority|fq_codel",
   "Home router uplink queue: drop-tail FIFO (consumer default, Linux pfifo_fast), two-band strict "
   "priority, or fq_codel (RFC 8290)."},
  {"queue.limit_pkts", CFG_INT, "packets", "1000", "0..1000000",
   "Uplink buffer limit in packets, 0 for none; per band for priority; default Linux txqueuelen "
   "1000 (net/core/dev.c DEFAULT_TX_QUEUE_LEN), which pfifo_fast and pfifo inherit (Linux "
   "fq_codel's own default is 10240)."},
  {"queue.limit_bytes", CFG_INT, "bytes", "0", "0..1000000000",
   "Uplink buffer limit in bytes, 0 for none (as Linux bfifo's limit); per band for priority."},
  {"queue.priority_by", CFG_ENUM, "", "dscp", "dscp|host",
   "Strict priority classifier: DSCP EF/CS5-CS7 go first (RFC 4594 §1.5.2), or packets from the "
   "LAN hosts in queue.priority_hosts (consumer routers' device priority)."},
  {"queue.priority_hosts", CFG_STRING, "", "", NULL,
   "LAN IPv4 addresses whose packets go first when queue.priority_by = host, separated by ';' or "
   "','."},
  {"queue.codel_target_ms", CFG_DOUBLE, "ms", "5", "0.01..10000",
   "CoDel target sojourn time; 5 ms as recommended by RFC 8289 §4.4 and RFC 8290 §4.3."},
  {"queue.codel_interval_ms", CFG_DOUBLE, "ms", "100", "0.1..100000",
   "CoDel interval; 100 ms as recommended by RFC 8289 §4.3 and RFC 8290 §4.3."},
  {"queue.quantum_bytes", CFG_INT, "bytes", "1514", "64..65536",
   "fq_codel DRR quantum; 1514 bytes (an Ethernet MTU frame) as in RFC 8290 §4.3 and Linux."},
  {"queue.flows", CFG_INT, "", "1024", "1..65536",
   "fq_codel flow buckets; 1024 as in RFC 8290 §4.3 and Linux's fq_codel."},
  {NULL},
};

const char *
queue_kind_name(QueueKind kind)
{
  switch (kind) {
  case QUEUE_FIFO: return "fifo";
  case QUEUE_PRIORITY: return "priority";
  case QUEUE_FQ_CODEL: return "fq_codel";
  }
  return "?";
}

/* Parse "a;b,c" into params->prio_hosts, naming the first bad entry. */
static gboolean
parse_prio_hosts(const char *text, QueueParams *params, GError **error)
{
  g_auto(GStrv) parts = g_strsplit_set(text ? text : "", ";,", -1);
  params->n_prio_hosts = 0;
  for (guint i = 0; parts[i]; i++) {
    char *item = g_strstrip(parts[i]);
    guint32 addr;
    if (!*item)
      continue;
    if (!sim_addr_parse(item, &addr) || addr == 0) {
      g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE,
                  "[queue] priority_hosts: '%s' is not an IPv4 address", item);
      return FALSE;
    }
    if (params->n_prio_hosts == QUEUE_MAX_PRIO_HOSTS) {
      g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE,
                  "[queue] priority_hosts: at most %d addresses, '%s' is one too many",
                  QUEUE_MAX_PRIO_HOSTS, item);
      return FALSE;
    }
    params->prio_hosts[params->n_prio_hosts++] = addr;
  }
  return TRUE;
}

gboolean
queue_params_from_config(const Config *cfg, QueueParams *params, GError **error)
{
  g_return_val_if_fail(params != NULL, FALSE);
  memset(params, 0, sizeof *params);
  params->kind = (QueueKind)cfg_enum(cfg, "router.uplink_queue");
  params->limit_pkts = (guint32)cfg_int(cfg, "queue.limit_pkts");
  params->limit_bytes = (guint32)cfg_int(cfg, "queue.limit_bytes");
  params->prio_by = (QueuePrioBy)cfg_enum(cfg, "queue.priority_by");
  params->codel_target = SIM_TIME_FROM_S(cfg_double(cfg, "queue.codel_target_ms") / 1e3);
  params->codel_interval = SIM_TIME_FROM_S(cfg_double(cfg, "queue.codel_interval_ms") / 1e3);
  params->quantum_bytes = (guint32)cfg_int(cfg, "queue.quantum_bytes");
  params->flows = (guint32)cfg_int(cfg, "queue.flows");
  if (!parse_prio_hosts(cfg_str(cfg, "queue.priority_hosts"), params, error))
    return FALSE;
  if (params->kind == QUEUE_PRIORITY && params->prio_by == QUEUE_PRIO_BY_HOST &&
      params->n_prio_hosts == 0) {
    g_set_error(error, CFG_ERROR, CFG_ERROR_BAD_VALUE,
                "[queue] priority_hosts: queue.priority_by = host needs at least one address");
    return FALSE;
  }
  return TRUE;
}

/* ---- Packet lists ---------------------------------------------------------------------------- */

void
qpkt_free(QPkt *p)
{
  if (!p)
    return;
  g_free(p->ip);
  g_free(p);
}

void
pkt_list_push(PktList *l, QPkt *p)
{
  p->next = NULL;
  if (l->tail)
    l->tail->next = p;
  else
    l->head = p;
  l->tail = p;
  l->pkts++;
  l->bytes += p->len;
}

QPkt *
pkt_list_pop(PktList *l)
{
  QPkt *p = l->head;
  if (!p)
    return NULL;
  l->head = p->next;
  if (!l->head)
    l->tail = NULL;
  l->pkts--;
  l->bytes -= p->len;
  p->next = NULL;
  return p;
}

void
pkt_list_clear(PktList *l)
{
  QPkt *p;
  while ((p = pkt_list_pop(l)))
    qpkt_free(p);
}

/* ---- Classification -------------------------------------------------------------------------- */

static guint32
rd32(const guint8 *b)
{
  return (guint32)b[0] << 24 | (guint32)b[1] << 16 | (guint32)b[2] << 8 | b[3];
}

void
pkt_info_parse(const guint8 *ip, gsize len, PktInfo *info)
{
  memset(info, 0, sizeof *info);
  /* RFC 791 §3.1: version 4, IHL in 32-bit words (at least 5), the header inside the packet. */
  if (!ip || len < 20 || (ip[0] >> 4) != 4)
    return;
  gsize ihl = (gsize)(ip[0] & 0x0f) * 4;
  if (ihl < 20 || ihl > len)
    return;
  info->ok = TRUE;
  info->dscp = ip[1] >> 2; /* RFC 2474 §3: DSCP is the upper six bits of the old TOS byte */
  info->proto = ip[9];
  info->src = rd32(ip + 12);
  info->dst = rd32(ip + 16);
  guint16 frag_off = (guint16)((ip[6] << 8 | ip[7]) & 0x1fff);
  /* Only a first fragment carries the ports; later ones hash on the addresses alone, as Linux's
   * flow dissector does. */
  if (frag_off == 0 && (info->proto == 6 || info->proto == 17) && len >= ihl + 4) {
    info->has_ports = TRUE;
    info->sport = (guint16)(ip[ihl] << 8 | ip[ihl + 1]);
    info->dport = (guint16)(ip[ihl + 2] << 8 | ip[ihl + 3]);
  }
}

/* RFC 4594 §1.5.2 / RFC 3246: EF for telephony; CS5 signalling and broadcast video; CS6 network
 * control; CS7 reserved for it.  These are what routers' "VoIP priority" puts first. */
static gboolean
dscp_is_high(guint8 dscp)
{
  return dscp == 46 || dscp == 40 || dscp == 48 || dscp == 56;
}

static guint
classify_band(const Queue *q, const PktInfo *info, guint32 lan_src)
{
  if (q->p.prio_by == QUEUE_PRIO_BY_DSCP)
    return info->ok && dscp_is_high(info->dscp) ? 0 : 1;
  guint32 host = lan_src ? lan_src : info->src;
  for (guint i = 0; i < q->p.n_prio_hosts; i++)
    if (host && q->p.prio_hosts[i] == host)
      return 0;
  return 1;
}

/* ---- Accounting and drops -------------------------------------------------------------------- */

void
queue_account_in(Queue *q, const QPkt *p)
{
  q->pkts++;
  q->bytes += p->len;
  q->stats.enqueued++;
  q->stats.max_pkts = MAX(q->stats.max_pkts, q->pkts);
  q->stats.max_bytes = (guint32)MAX((guint64)q->stats.max_bytes, MIN(q->bytes, G_MAXUINT32));
}

void
queue_account_out(Queue *q, const QPkt *p)
{
  g_assert(q->pkts > 0 && q->bytes >= p->len);
  q->pkts--;
  q->bytes -= p->len;
}

void
queue_drop(Queue *q, QPkt *p, const char *reason)
{
  sim_trace("qos", "q%u %s drop reason=%s len=%zu backlog=%u/%" G_GUINT64_FORMAT, q->p.stream_index,
            queue_kind_name(q->p.kind), reason, p->len, q->pkts, q->bytes);
  qpkt_free(p);
}

/* Drop-tail admission (Linux pfifo: qlen < limit; bfifo: backlog + len <= limit). */
static gboolean
fits(const Queue *q, const PktList *l, gsize len)
{
  if (q->p.limit_pkts && l->pkts + 1 > q->p.limit_pkts)
    return FALSE;
  if (q->p.limit_bytes && l->bytes + len > q->p.limit_bytes)
    return FALSE;
  return TRUE;
}

/* ---- The queue ------------------------------------------------------------------------------- */

Queue *
queue_new(const QueueParams *params)
{
  g_return_val_if_fail(params != NULL, NULL);
  Queue *q = g_new0(Queue, 1);
  q->p = *params;
  if (q->p.n_prio_hosts > QUEUE_MAX_PRIO_HOSTS)
    q->p.n_prio_hosts = QUEUE_MAX_PRIO_HOSTS;
  /* Zero means "the documented default", so hand-built params work. */
  if (q->p.codel_target <= 0)
    q->p.codel_target = SIM_MS(5);
  if (q->p.codel_interval <= 0)
    q->p.codel_interval = SIM_MS(100);
  if (q->p.quantum_bytes == 0)
    q->p.quantum_bytes = 1514;
  if (q->p.flows == 0)
    q->p.flows = 1024;
  if (q->p.kind == QUEUE_FQ_CODEL)
    q->fq = fqc_new(&q->p);
  return q;
}

void
queue_free(Queue *q)
{
  if (!q)
    return;
  queue_clear(q);
  fqc_free(q->fq);
  g_free(q);
}

gboolean
queue_enqueue(Queue *q, guint8 *ip, gsize len, guint32 lan_src, SimTime now)
{
  g_return_val_if_fail(q != NULL, FALSE);
  if (!ip || len == 0) {
    g_free(ip);
    q->stats.malformed++;
    q->stats.dropped_full++;
    sim_trace("qos", "q%u %s drop reason=empty-packet", q->p.stream_index,
              queue_kind_name(q->p.kind));
    return FALSE;
  }
  PktInfo info;
  pkt_info_parse(ip, len, &info);
  if (!info.ok)
    q->stats.malformed++;

  QPkt *p = g_new0(QPkt, 1);
  p->ip = ip;
  p->len = len;
  p->enq_time = now;

  if (q->p.kind == QUEUE_FQ_CODEL)
    return fqc_enqueue(q, p, &info);

  PktList *l = &q->band[q->p.kind == QUEUE_PRIORITY ? classify_band(q, &info, lan_src) : 0];
  if (!fits(q, l, len)) {
    q->stats.dropped_full++;
    queue_drop(q, p, "full");
    return FALSE;
  }
  pkt_list_push(l, p);
  queue_account_in(q, p);
  return TRUE;
}

guint8 *
queue_dequeue(Queue *q, gsize *len, SimTime now)
{
  g_return_val_if_fail(q != NULL, NULL);
  QPkt *p = NULL;
  if (q->p.kind == QUEUE_FQ_CODEL)
    p = fqc_dequeue(q, now);
  else if (!(p = pkt_list_pop(&q->band[0])))
    p = pkt_list_pop(&q->band[1]);
  if (!p) {
    if (len)
      *len = 0;
    return NULL;
  }
  if (q->p.kind != QUEUE_FQ_CODEL)
    queue_account_out(q, p);
  q->stats.dequeued++;
  guint8 *ip = p->ip;
  if (len)
    *len = p->len;
  g_free(p);
  return ip;
}

guint32
queue_len_pkts(const Queue *q)
{
  g_return_val_if_fail(q != NULL, 0);
  return q->pkts;
}

guint32
queue_len_bytes(const Queue *q)
{
  g_return_val_if_fail(q != NULL, 0);
  return (guint32)MIN(q->bytes, G_MAXUINT32);
}

const QueueStats *
queue_stats(const Queue *q)
{
  g_return_val_if_fail(q != NULL, NULL);
  return &q->stats;
}

void
queue_clear(Queue *q)
{
  g_return_if_fail(q != NULL);
  pkt_list_clear(&q->band[0]);
  pkt_list_clear(&q->band[1]);
  if (q->fq)
    fqc_clear(q);
  q->pkts = 0;
  q->bytes = 0;
}
