/* engine-private.h — internals shared by the engine's own files (ns3-backend.cc, trace.c,
 * engine-util.c).  Models never include this header; they see only sim.h. */
#pragma once

#include "sim.h"

G_BEGIN_DECLS

/* The parameters of the current world, or NULL outside sim_setup()/sim_reset(). */
const SimWorldParams *sim_world_params_internal(void);

/* Start a new trace: clear the running hash and the line count (called by sim_setup()). */
void sim_trace_begin_internal(void);

/* SHA-256 over (label, seed, cell, replica, stream) as little-endian bytes, into out[32].
 * Both the model random streams and ns-3's own seed derive from this one function. */
void sim_derive_digest_internal(const char *label, const SimWorldParams *world, guint64 stream,
                                guint8 out[32]);

/* Set a SIM_ERROR (if error is not NULL) and return FALSE. */
gboolean sim_fail_internal(GError **error, SimError code, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* Check link parameters that need no engine state (rates, delays, queues, MTU, loss). */
gboolean sim_link_params_check_internal(const SimLinkParams *params, GError **error);

/* The netmask of a prefix length 0..32, host byte order. */
guint32 sim_prefix_mask_internal(guint8 prefix_len);

G_END_DECLS
