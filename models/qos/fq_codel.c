/* fq_codel.c — the FlowQueue-CoDel packet scheduler and AQM of RFC 8290, with CoDel per RFC 8289.
 *
 * Packets are hashed over their 5-tuple with a per-queue random perturbation into `flows` buckets
 * (RFC 8290 §4.1.1).  Each bucket is a FIFO with its own CoDel state.  Buckets with packets sit on
 * the list of new flows or old flows; dequeue serves new flows first by deficit round robin with
 * a byte quantum (§4.2), so a sparse flow such as VoIP jumps ahead of a bulk flow's backlog.  When
 * the queue is over its limit, packets are dropped from the head of the flow with the largest
 * backlog (§4.1).  The code follows Linux net/sched/sch_fq_codel.c and include/net/codel_impl.h.
 */
#include "queue-private.h"

#include <math.h>

/* CoDel per-flow state, RFC 8289 §5 (codel_vars in Linux). */
typedef struct {
  guint32 count;            /* drops since entering the dropping state */
  guint32 lastcount;        /* count when the previous dropping state was entered */
  gboolean dropping;        /* in the dropping state */
  SimTime first_above_time; /* when sojourn has been above target for an interval; 0 = not above */
  SimTime drop_next;        /* when the next drop is due in the dropping state */
} CodelVars;

typedef enum {
  FQ_LIST_NONE, /* empty and on no list */
  FQ_LIST_NEW,  /* on the list of new flows */
  FQ_LIST_OLD,  /* on the list of old flows */
} FqList;

typedef struct FqFlow FqFlow;
struct FqFlow {
  PktList q;       /* this flow's packets */
  gint64 deficit;  /* DRR deficit in bytes (RFC 8290 §4.2) */
  FqList list;     /* which scheduling list holds the flow */
  FqFlow *next;    /* next flow on that list */
  CodelVars cv;    /* CoDel state of this flow */
};

/* A scheduling list: flows are only ever appended at the tail or removed from the head. */
typedef struct {
  FqFlow *head; /* served next */
  FqFlow *tail; /* last appended */
} FlowList;

struct FqCodel {
  FqFlow *flows;      /* `n_flows` buckets */
  guint32 n_flows;    /* bucket count */
  guint32 perturb;    /* hash perturbation drawn from SIM_STREAM_QUEUE + stream_index */
  FlowList new_flows; /* flows that recently became active (RFC 8290 §4.2) */
  FlowList old_flows; /* flows that have used up a quantum */
  guint32 maxpacket;  /* largest packet seen (Linux codel_stats.maxpacket) */
};

/* Linux fq_codel drops at most this many packets per overflow (drop_batch_size). */
#define FQ_DROP_BATCH 64

static void
flow_list_append(FlowList *l, FqFlow *f)
{
  f->next = NULL;
  if (l->tail)
    l->tail->next = f;
  else
    l->head = f;
  l->tail = f;
}

static FqFlow *
flow_list_pop(FlowList *l)
{
  FqFlow *f = l->head;
  if (!f)
    return NULL;
  l->head = f->next;
  if (!l->head)
    l->tail = NULL;
  f->next = NULL;
  return f;
}

FqCodel *
fqc_new(const QueueParams *p)
{
  FqCodel *fq = g_new0(FqCodel, 1);
  fq->n_flows = p->flows ? p->flows : 1024;
  fq->flows = g_new0(FqFlow, fq->n_flows);
  /* RFC 8290 §4.1.1: the hash is perturbed per queue so flows cannot aim at one bucket.  The value
   * comes from the world's seeded stream, never from creation order. */
  if (sim_is_setup()) {
    GRand *r = sim_rand_new(SIM_STREAM_QUEUE + p->stream_index);
    fq->perturb = g_rand_int(r);
    g_rand_free(r);
  }
  return fq;
}

void
fqc_free(FqCodel *fq)
{
  if (!fq)
    return;
  g_free(fq->flows);
  g_free(fq);
}

/* A 32-bit avalanche step (the MurmurHash3 finaliser). */
static guint32
mix32(guint32 h)
{
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

static guint32
flow_index(const FqCodel *fq, const PktInfo *info)
{
  guint32 h = mix32(fq->perturb ^ 0x9e3779b9u);
  if (info->ok) {
    h = mix32(h ^ info->src);
    h = mix32(h ^ info->dst);
    h = mix32(h ^ info->proto);
    if (info->has_ports)
      h = mix32(h ^ ((guint32)info->sport << 16 | info->dport));
  }
  /* reciprocal_scale(): map the hash onto [0, n_flows) without a division. */
  return (guint32)(((guint64)h * fq->n_flows) >> 32);
}

/* RFC 8290 §4.1: over the limit, drop from the head of the flow with the largest backlog; Linux
 * drops up to half of that backlog, at most FQ_DROP_BATCH packets.  Returns the flow dropped from. */
static FqFlow *
drop_from_fattest(Queue *q)
{
  FqCodel *fq = q->fq;
  FqFlow *fat = NULL;
  for (guint32 i = 0; i < fq->n_flows; i++)
    if (fq->flows[i].q.bytes > 0 && (!fat || fq->flows[i].q.bytes > fat->q.bytes))
      fat = &fq->flows[i];
  if (!fat)
    return NULL;
  guint64 threshold = fat->q.bytes / 2, dropped = 0;
  guint n = 0;
  do {
    QPkt *p = pkt_list_pop(&fat->q);
    dropped += p->len;
    queue_account_out(q, p);
    q->stats.dropped_full++;
    queue_drop(q, p, "overlimit");
  } while (++n < FQ_DROP_BATCH && dropped < threshold && fat->q.pkts > 0);
  return fat;
}

static gboolean
over_limit(const Queue *q)
{
  return (q->p.limit_pkts && q->pkts > q->p.limit_pkts) ||
         (q->p.limit_bytes && q->bytes > q->p.limit_bytes);
}

gboolean
fqc_enqueue(Queue *q, QPkt *p, const PktInfo *info)
{
  FqCodel *fq = q->fq;
  FqFlow *f = &fq->flows[flow_index(fq, info)];
  pkt_list_push(&f->q, p);
  queue_account_in(q, p);
  fq->maxpacket = MAX(fq->maxpacket, (guint32)MIN(p->len, G_MAXUINT32));
  /* RFC 8290 §4.1: a flow that was not on either list joins the new flows with a full quantum. */
  if (f->list == FQ_LIST_NONE) {
    f->list = FQ_LIST_NEW;
    f->deficit = q->p.quantum_bytes;
    flow_list_append(&fq->new_flows, f);
  }
  gboolean kept = TRUE;
  while (over_limit(q)) {
    FqFlow *fat = drop_from_fattest(q);
    if (!fat)
      break;
    /* Drops come from the head and `p` is this flow's tail: it went only if the flow emptied. */
    if (fat == f && f->q.pkts == 0)
      kept = FALSE;
  }
  return kept;
}

/* CoDel's control law, RFC 8289 §5.5: the next drop comes interval/sqrt(count) later. */
static SimTime
control_law(SimTime t, SimTime interval, guint32 count)
{
  return t + (SimTime)((double)interval / sqrt((double)MAX(count, 1u)));
}

/* Take the head packet of a flow, keeping the queue totals right. */
static QPkt *
flow_pop(Queue *q, FqFlow *f)
{
  QPkt *p = pkt_list_pop(&f->q);
  if (p)
    queue_account_out(q, p);
  return p;
}

/* RFC 8289 §5.3 (Linux codel_should_drop): TRUE once the sojourn time has stayed above target for
 * at least an interval, unless the queue holds no more than one maximum-size packet. */
static gboolean
codel_should_drop(Queue *q, FqFlow *f, const QPkt *p, SimTime now)
{
  if (!p) {
    f->cv.first_above_time = 0;
    return FALSE;
  }
  SimTime sojourn = now - p->enq_time;
  if (sojourn < q->p.codel_target || q->bytes <= q->fq->maxpacket) {
    f->cv.first_above_time = 0;
    return FALSE;
  }
  if (f->cv.first_above_time == 0) {
    f->cv.first_above_time = now + q->p.codel_interval;
    return FALSE;
  }
  return now >= f->cv.first_above_time;
}

static void
codel_drop(Queue *q, QPkt *p)
{
  q->stats.dropped_codel++;
  queue_drop(q, p, "codel");
}

/* RFC 8289 §5.4 (Linux codel_dequeue): dequeue from one flow, dropping as the state machine says. */
static QPkt *
codel_dequeue(Queue *q, FqFlow *f, SimTime now)
{
  CodelVars *cv = &f->cv;
  QPkt *p = flow_pop(q, f);
  if (!p) {
    cv->dropping = FALSE;
    cv->first_above_time = 0;
    return NULL;
  }
  gboolean drop = codel_should_drop(q, f, p, now);
  if (cv->dropping) {
    if (!drop) {
      cv->dropping = FALSE; /* sojourn time fell below target: leave the dropping state */
    } else {
      while (cv->dropping && now >= cv->drop_next) {
        cv->count++;
        codel_drop(q, p);
        p = flow_pop(q, f);
        if (!codel_should_drop(q, f, p, now))
          cv->dropping = FALSE;
        else
          cv->drop_next = control_law(cv->drop_next, q->p.codel_interval, cv->count);
      }
    }
  } else if (drop) {
    codel_drop(q, p);
    p = flow_pop(q, f);
    codel_should_drop(q, f, p, now);
    cv->dropping = TRUE;
    /* §5.4: if we were dropping recently, resume near the drop rate that controlled the queue. */
    guint32 delta = cv->count - cv->lastcount;
    if (delta > 1 && now - cv->drop_next < 16 * q->p.codel_interval)
      cv->count = delta;
    else
      cv->count = 1;
    cv->lastcount = cv->count;
    cv->drop_next = control_law(now, q->p.codel_interval, cv->count);
  }
  return p;
}

/* RFC 8290 §4.2 (Linux fq_codel_dequeue). */
QPkt *
fqc_dequeue(Queue *q, SimTime now)
{
  FqCodel *fq = q->fq;
  for (;;) {
    FlowList *head = fq->new_flows.head ? &fq->new_flows : &fq->old_flows;
    FqFlow *f = head->head;
    if (!f)
      return NULL;
    if (f->deficit <= 0) {
      /* Used its quantum: top up and go to the back of the old flows. */
      f->deficit += q->p.quantum_bytes;
      flow_list_pop(head);
      f->list = FQ_LIST_OLD;
      flow_list_append(&fq->old_flows, f);
      continue;
    }
    QPkt *p = codel_dequeue(q, f, now);
    if (!p) {
      flow_list_pop(head);
      /* An emptied new flow passes through the old list once, so it cannot starve the old flows
       * by re-entering as new (RFC 8290 §4.2). */
      if (head == &fq->new_flows && fq->old_flows.head) {
        f->list = FQ_LIST_OLD;
        flow_list_append(&fq->old_flows, f);
      } else {
        f->list = FQ_LIST_NONE;
      }
      continue;
    }
    f->deficit -= (gint64)p->len;
    return p;
  }
}

void
fqc_clear(Queue *q)
{
  FqCodel *fq = q->fq;
  for (guint32 i = 0; i < fq->n_flows; i++) {
    pkt_list_clear(&fq->flows[i].q);
    fq->flows[i] = (FqFlow){0};
  }
  fq->new_flows = (FlowList){0};
  fq->old_flows = (FlowList){0};
}
