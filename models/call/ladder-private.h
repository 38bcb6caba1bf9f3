/* ladder-private.h — what ladder.c and ladder-traversal.c share: the traversal half of the ladder
 * (STUN, TURN and ICE rows) added to a ladder built from the SIP rows. */
#pragma once

#include "ladder.h"

G_BEGIN_DECLS

/* The column name of the STUN/TURN server host. */
#define LADDER_SERVER_COLUMN "stun/turn"

/* Add the STUN and TURN transactions, the ICE checks and the traversal notes found in `lines`
 * (trace lines, NULL-terminated) to l->msgs.  `where` maps "ip:port" to the SIP element that uses
 * it, so a TURN client's private address finds its phone.  Columns the rows need that are not SIP
 * elements go to `servers` (the STUN/TURN host, shown next to the NAT) and `others` (ICE agents
 * such as the PBX's media server, shown last).  Never fails: unknown lines are skipped. */
void ladder_add_traversal(Ladder *l, char **lines, GHashTable *where, GPtrArray *servers, GPtrArray *others);

/* Free function of l->msgs' elements. */
void ladder_msg_free(gpointer p);

G_END_DECLS
