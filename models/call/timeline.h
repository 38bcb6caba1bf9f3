/* timeline.h — a timeline of NAT bindings, pinholes (expectations) and drops built from a run's
 * trace: when each was created, how often and until when it was refreshed, when and how it ended.
 * It answers the educator's question "was the binding still there when the INVITE came?".  Calls
 * that traverse NATs add the candidates gathered, the TURN allocations with their permissions and
 * channels, and the ICE states and selected pairs. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *nat;          /* the NAT's trace name ("home", "cgn") */
  gboolean pinhole;   /* an expectation (ALG pinhole), not a binding */
  guint64 id;         /* binding or expectation id */
  char *flow;         /* "udp 192.168.1.50:5060 -> 203.0.113.2:5060 remote 203.0.113.10:5060" */
  gint64 created;     /* ns */
  gint64 ended;       /* ns; -1 if still open at the end of the trace */
  char *how;          /* "expired", "evicted", "used", "removed", "flushed", ... or "open" */
  GArray *refreshes;  /* gint64 ns of each refresh row (needs nat.trace_refresh for every packet) */
} TimelineItem;

typedef struct {
  gint64 t;           /* ns */
  char *nat;          /* the NAT */
  char *text;         /* "no-binding udp 203.0.113.10:5060 -> 203.0.113.2:5070" */
} TimelineDrop;

/* NAT traversal (timeline-traversal.c): what a call's phone and media server gathered, the TURN
 * server's allocations, and each ICE agent's states, nomination, selection and consent. */
typedef struct {
  gint64 t;           /* ns */
  char *agent;        /* ICE agent or "<phone>-call<N>" */
  char *type;         /* "host", "srflx", "prflx", "relay" */
  char *addr;         /* "ip:port" */
} TimelineCandidate;

typedef struct {
  gint64 t;           /* ns */
  char *text;         /* "permission 203.0.113.20 for 300 s", "channel 0x4000 peer ...", "drop from ..." */
  gboolean bad;       /* a drop */
} TimelineMark;

typedef struct {
  guint id;           /* the server's allocation id */
  char *client;       /* "UDP 203.0.113.2:49153": transport and client address as the server saw it */
  char *relay;        /* relayed address */
  gint64 created;     /* ns */
  gint64 ended;       /* ns; -1 if still allocated at the end of the trace */
  char *how;          /* "open" or the deletion reason */
  GPtrArray *marks;   /* TimelineMark*: permissions, channels, drops, in time order */
} TimelineAlloc;

typedef struct {
  gint64 t;           /* ns */
  char *agent;        /* ICE agent */
  char *event;        /* "state", "nominated", "selected", "consent-lost" */
  char *text;         /* the state name, or the pair "srflx A -> host B" */
} TimelineIce;

typedef struct {
  GPtrArray *items;   /* TimelineItem*, in creation order */
  GPtrArray *drops;   /* TimelineDrop*, in time order */
  gint64 end;         /* time of the last trace row, ns */
  GPtrArray *candidates;  /* TimelineCandidate*, in time order */
  GPtrArray *allocations; /* TimelineAlloc*, in creation order */
  GPtrArray *ice;         /* TimelineIce*, in time order */
} Timeline;

Timeline *timeline_from_trace(const char *trace, gsize len);
void timeline_free(Timeline *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Timeline, timeline_free)

char *timeline_to_text(const Timeline *t);
char *timeline_to_svg(const Timeline *t);

G_END_DECLS
