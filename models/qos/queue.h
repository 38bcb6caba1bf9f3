/* queue.h — the home router's uplink queue: FIFO, strict priority, and fq_codel.
 *
 * The router owns this queue and feeds its WAN device from it whenever the device goes idle
 * (design.md §2: queue discs on stackless ns-3 nodes only work with a 1-packet device queue, and a
 * C-owned queue measured best).  Buffers are limited in packets and/or bytes, so bufferbloat shows.
 * Strict priority classifies by DSCP (EF = 46 and CS5..CS7 go first) or by LAN host, as consumer
 * routers' "device priority" does.  fq_codel follows RFC 8290 (flow queues, DRR, CoDel per flow).
 */
#pragma once

#include "sim.h"
#include "config.h"

G_BEGIN_DECLS

typedef enum {
  QUEUE_FIFO,     /* one drop-tail queue */
  QUEUE_PRIORITY, /* two bands, strict priority, drop-tail each */
  QUEUE_FQ_CODEL, /* RFC 8290 */
} QueueKind;

typedef enum {
  QUEUE_PRIO_BY_DSCP, /* high band: DSCP EF (46), CS5, CS6, CS7 */
  QUEUE_PRIO_BY_HOST, /* high band: packets whose LAN source is in `prio_hosts` */
} QueuePrioBy;

#define QUEUE_MAX_PRIO_HOSTS 16

typedef struct {
  QueueKind kind;                             /* discipline */
  guint32 limit_pkts;                         /* buffer limit in packets, 0 = none */
  guint32 limit_bytes;                        /* buffer limit in bytes, 0 = none */
  QueuePrioBy prio_by;                        /* QUEUE_PRIORITY classifier */
  guint32 prio_hosts[QUEUE_MAX_PRIO_HOSTS];   /* LAN addresses in the high band */
  guint n_prio_hosts;                         /* entries used in prio_hosts */
  SimTime codel_target;                       /* fq_codel target, default 5 ms */
  SimTime codel_interval;                     /* fq_codel interval, default 100 ms */
  guint32 quantum_bytes;                      /* fq_codel DRR quantum, default 1514 */
  guint32 flows;                              /* fq_codel flow buckets, default 1024 */
  guint stream_index;                         /* random stream SIM_STREAM_QUEUE + this (router index) */
} QueueParams;

typedef struct {
  guint64 enqueued;      /* packets accepted */
  guint64 dequeued;      /* packets handed on */
  guint64 dropped_full;  /* dropped because a limit was reached */
  guint64 dropped_codel; /* dropped by CoDel */
  guint32 max_pkts;      /* high-water mark, packets */
  guint32 max_bytes;     /* high-water mark, bytes */
  guint64 malformed;     /* packets too short or not IPv4: queued as best effort / one shared flow */
} QueueStats;

typedef struct Queue Queue;

/* Fill params from the configuration (keys router.uplink_queue and queue.*). */
gboolean queue_params_from_config(const Config *cfg, QueueParams *params, GError **error);

Queue *queue_new(const QueueParams *params);
void queue_free(Queue *q);
/* Take ownership of a whole IPv4 packet (g_malloc'd).  lan_src is the packet's LAN source address
 * before NAT (0 if none), for host priority.  Returns FALSE if the packet was dropped (and freed).
 * fq_codel drops from the head of the fattest flow when over a limit (RFC 8290 §4.1), so other
 * packets may be dropped while this one is kept: count drops from queue_stats(), not from this. */
gboolean queue_enqueue(Queue *q, guint8 *ip, gsize len, guint32 lan_src, SimTime now);
/* Next packet to send, or NULL; the caller owns it (g_free). */
guint8 *queue_dequeue(Queue *q, gsize *len, SimTime now);
guint32 queue_len_pkts(const Queue *q);
guint32 queue_len_bytes(const Queue *q);
const QueueStats *queue_stats(const Queue *q);
void queue_clear(Queue *q); /* drop everything (router reboot) */
const char *queue_kind_name(QueueKind kind); /* "fifo", "priority", "fq_codel" */

G_END_DECLS
