/* discovery.h — an RFC 5780 NAT behaviour discovery client. */
#pragma once

#include "config.h"
#include "sim.h"
#include "stun-client.h"

G_BEGIN_DECLS

/* Mapping behaviour (RFC 4787 §4.1, discovered as in RFC 5780 §4.3). */
typedef enum {
  DISC_MAPPING_UNKNOWN, /* the tests could not be run (no server, no OTHER-ADDRESS) */
  DISC_MAPPING_NO_NAT,  /* the mapped address is the local address */
  DISC_MAPPING_EIM,     /* endpoint-independent */
  DISC_MAPPING_ADM,     /* address-dependent */
  DISC_MAPPING_APDM,    /* address and port-dependent */
} DiscMapping;

/* Filtering behaviour (RFC 4787 §5, discovered as in RFC 5780 §4.4). */
typedef enum {
  DISC_FILTERING_UNKNOWN, /* not determined */
  DISC_FILTERING_EIF,     /* endpoint-independent */
  DISC_FILTERING_ADF,     /* address-dependent */
  DISC_FILTERING_APDF,    /* address and port-dependent */
} DiscFiltering;

typedef enum {
  DISC_HAIRPIN_UNKNOWN, /* not tested */
  DISC_HAIRPIN_YES,     /* a request to our own mapped address came back to us */
  DISC_HAIRPIN_NO,      /* it did not */
} DiscHairpin;

typedef struct {
  SimAddr server;           /* primary address of the STUN server */
  StunClientParams client;  /* retransmission parameters */
  guint32 client_index;     /* first of the 4 random streams the client sockets use */
  gboolean lifetime;        /* run the binding-lifetime search */
  guint lifetime_step_s;    /* idle times tried: step, 2 step, ... */
  guint lifetime_max_s;     /* up to this */
} DiscoveryParams;

/* stun.* keys; the server address is left for the caller. */
void discovery_params_from_config(const Config *cfg, DiscoveryParams *p);

typedef struct {
  gboolean server_reached;   /* test I got a response */
  DiscMapping mapping;       /* discovered mapping behaviour */
  DiscFiltering filtering;   /* discovered filtering behaviour */
  DiscHairpin hairpin;       /* hairpinning */
  gboolean lifetime_tested;  /* the lifetime search ran */
  guint lifetime_s;          /* longest idle time after which the binding still worked */
  gboolean lifetime_at_max;  /* it still worked at lifetime_max_s (the true value may be more) */
  SimAddr local;             /* the mapping tests' local address */
  SimAddr mapped[3];         /* mapped addresses of mapping tests I, II, III */
  guint n_mapped;            /* how many of them were obtained */
  SimAddr other;             /* the server's OTHER-ADDRESS */
  gboolean has_other;        /* other is valid */
  guint transactions;        /* Binding transactions started */
  SimTime finished;          /* simulated time at which discovery ended */
  GString *evidence;         /* one line per observation, for the report */
} DiscoveryResult;

typedef struct Discovery Discovery;
typedef void (*DiscoveryDoneFn)(void *ctx, const DiscoveryResult *result);

/* Start discovery from `host`, whose address `local_addr` the client sockets bind to.  `done`
 * runs once when all tests are over. */
Discovery *discovery_start(SimNode host, guint32 local_addr, const DiscoveryParams *params,
                           DiscoveryDoneFn done, void *ctx, GError **error);
/* Frees everything; not from inside the done callback. */
void discovery_free(Discovery *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Discovery, discovery_free)
const DiscoveryResult *discovery_result(const Discovery *d);
gboolean discovery_finished(const Discovery *d);

/* Short names for reports and traces: "EIM", "APDF", "yes"... */
const char *disc_mapping_name(DiscMapping m);
const char *disc_filtering_name(DiscFiltering f);
const char *disc_hairpin_name(DiscHairpin h);

G_END_DECLS
