/* ladder.h — a SIP ladder diagram built from a run's trace.
 *
 * Every SIP element traces each message it sends and receives (sip-transport.c: local and remote
 * address, a hash of the bytes, Call-ID, CSeq, start line).  The ladder pairs a message as sent with
 * the same message as received, so it can show what the network did to it: the addresses a NAT
 * translated, the bytes an ALG changed, or that it never arrived (with the router's drop reason
 * when the trace has one).  Calls that traverse NATs add the STUN/TURN server as a column, their
 * STUN and TURN transactions as arrows, ICE connectivity checks summarised per candidate pair and
 * notes for the candidates gathered and the selected pair (ladder-traversal.c).  Output is plain
 * text for terminals and SVG for slides.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a ladder row shows.  SIP rows come first in the enum so a zeroed LadderMsg is a SIP one. */
typedef enum {
  LADDER_SIP,  /* a SIP message */
  LADDER_STUN, /* a STUN Binding request or response (RFC 8489) */
  LADDER_TURN, /* a TURN request or response (RFC 8656) */
  LADDER_ICE,  /* an ICE connectivity check or its answer (RFC 8445 §7.2) */
  LADDER_NOTE, /* an annotation at the `from` column: candidates gathered, selected pair, consent */
} LadderKind;

typedef struct {
  LadderKind kind;    /* what the row shows */
  gint64 t_send;      /* time sent, ns */
  gint64 t_recv;      /* time received, ns; -1 if it never arrived */
  char *from;         /* sending element ("phone0") */
  char *to;           /* receiving element, or the element the sender addressed; NULL if unknown */
  char *net;          /* "UDP", "TCP", "TLS" */
  char *label;        /* start line */
  char *sent_src;     /* "ip:port" as the sender saw it */
  char *sent_dst;     /* "ip:port" the sender addressed */
  char *recv_src;     /* source "ip:port" as the receiver saw it; NULL if lost */
  char *recv_dst;     /* destination "ip:port" as received; NULL if lost */
  gboolean modified;  /* the bytes differ between send and receive (an ALG rewrote them) */
  char *drop_reason;  /* "home drop no-binding ..." from a router row, or NULL */
  char *via;          /* the router that translated it ("home"), or NULL */
  guint seq;          /* trace line it came from: rows at equal times keep the trace's order */
  gboolean in_flight; /* lost only because the trace ended within a second of sending it */
} LadderMsg;

typedef struct {
  GPtrArray *columns;  /* char*: element and router names, left to right */
  GPtrArray *msgs;     /* LadderMsg*, in send order */
} Ladder;

/* Build from trace text ("<ns> <category> <text>" lines).  Never fails: lines it does not know are
 * ignored. */
Ladder *ladder_from_trace(const char *trace, gsize len);
void ladder_free(Ladder *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Ladder, ladder_free)

char *ladder_to_text(const Ladder *l);
char *ladder_to_svg(const Ladder *l);

G_END_DECLS
