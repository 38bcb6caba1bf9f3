/* timeline-private.h — what timeline.c and timeline-traversal.c share: the NAT-traversal half of
 * the timeline (candidates, TURN allocations, ICE states) read from the same trace lines. */
#pragma once

#include "timeline.h"

G_BEGIN_DECLS

/* Read the traversal rows of `lines` (trace lines, NULL-terminated) into tl->candidates,
 * tl->allocations and tl->ice, creating those arrays. */
void timeline_add_traversal(Timeline *tl, char **lines);
/* Append the traversal section of the text view; nothing when the run traversed nothing. */
void timeline_traversal_text(const Timeline *tl, GString *s);
/* Rows the traversal section of the SVG takes. */
guint timeline_traversal_rows(const Timeline *tl);
/* Draw the traversal rows from y0 down, on the time axis x = left + plotw * t / tmax (t in s). */
void timeline_traversal_svg(const Timeline *tl, GString *s, double left, double plotw, double y0, double rowh,
                            double tmax);

G_END_DECLS
