/* queue-private.h — internals shared by queue.c (FIFO, strict priority, keys) and fq_codel.c.
 *
 * A queued packet is a QPkt: the whole IPv4 packet, its length and its enqueue time (CoDel needs the
 * sojourn time, RFC 8289 §3.2).  PktList is a singly linked FIFO of them with packet and byte
 * counts kept up to date, so limits and fq_codel's "fattest flow" search never walk a list.
 */
#pragma once

#include "queue.h"

G_BEGIN_DECLS

typedef struct QPkt QPkt;
struct QPkt {
  guint8 *ip;       /* whole IPv4 packet, g_malloc'd, owned */
  gsize len;        /* its length in bytes */
  SimTime enq_time; /* when it was enqueued (CoDel sojourn time) */
  QPkt *next;       /* next packet in the same list */
};

typedef struct {
  QPkt *head;    /* oldest packet, dequeued first */
  QPkt *tail;    /* newest packet */
  guint32 pkts;  /* packets in the list */
  guint64 bytes; /* bytes in the list */
} PktList;

void pkt_list_push(PktList *l, QPkt *p);
QPkt *pkt_list_pop(PktList *l);
void pkt_list_clear(PktList *l);
void qpkt_free(QPkt *p);

/* What the classifier found in a packet's IPv4 header; fields beyond `ok` are 0 when absent. */
typedef struct {
  gboolean ok;       /* a well-formed IPv4 header was found (version 4, IHL >= 5, fits) */
  guint8 dscp;       /* DSCP from the TOS byte (RFC 2474 §3) */
  guint8 proto;      /* IP protocol */
  guint32 src, dst;  /* addresses, host byte order */
  gboolean has_ports; /* UDP/TCP first fragment with the ports present */
  guint16 sport, dport; /* ports, host byte order */
} PktInfo;

/* Parse what the queue needs from a raw IPv4 packet, never reading past len. */
void pkt_info_parse(const guint8 *ip, gsize len, PktInfo *info);

typedef struct FqCodel FqCodel;

/* The queue.  Invariant: pkts/bytes are the sums over every list the discipline holds. */
struct Queue {
  QueueParams p;    /* parameters as given (limits, classifier, CoDel settings) */
  QueueStats stats; /* counters */
  guint32 pkts;     /* packets queued in total */
  guint64 bytes;    /* bytes queued in total */
  PktList band[2];  /* FIFO uses band[0]; priority: band[0] high, band[1] best effort */
  FqCodel *fq;      /* fq_codel state, NULL for the other disciplines */
};

/* Account for an accepted packet in the totals and the high-water marks. */
void queue_account_in(Queue *q, const QPkt *p);
/* Account for a packet leaving (sent or dropped). */
void queue_account_out(Queue *q, const QPkt *p);
/* Emit a trace row for a drop and free the packet. */
void queue_drop(Queue *q, QPkt *p, const char *reason);

/* fq_codel (fq_codel.c).  enqueue takes ownership; FALSE when `p` itself was dropped. */
FqCodel *fqc_new(const QueueParams *p);
void fqc_free(FqCodel *fq);
gboolean fqc_enqueue(Queue *q, QPkt *p, const PktInfo *info);
QPkt *fqc_dequeue(Queue *q, SimTime now);
void fqc_clear(Queue *q);

G_END_DECLS
