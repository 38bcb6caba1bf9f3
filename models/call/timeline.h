/* timeline.h — a timeline of NAT bindings, pinholes (expectations) and drops built from a run's
 * trace: when each was created, how often and until when it was refreshed, when and how it ended.
 * It answers the educator's question "was the binding still there when the INVITE came?". */
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

typedef struct {
  GPtrArray *items;   /* TimelineItem*, in creation order */
  GPtrArray *drops;   /* TimelineDrop*, in time order */
  gint64 end;         /* time of the last trace row, ns */
} Timeline;

Timeline *timeline_from_trace(const char *trace, gsize len);
void timeline_free(Timeline *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Timeline, timeline_free)

char *timeline_to_text(const Timeline *t);
char *timeline_to_svg(const Timeline *t);

G_END_DECLS
