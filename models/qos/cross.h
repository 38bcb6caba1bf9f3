/* cross.h — cross traffic that competes with VoIP for the access link, and a voice probe.
 *
 * Flows run between the LAN cross-traffic host (192.168.1.100) and the cross-traffic server
 * (198.51.100.30): a TCP bulk upload and a TCP bulk download (ns-3 TCP, send buffer kept full), and
 * a constant-rate or on/off UDP stream in either direction.  The voice probe sends G.711-sized
 * packets (200 bytes at IP, every 20 ms, DSCP EF) from a phone to a server and back and measures
 * one-way delay and loss per direction.  Every flow has start and stop times and a DSCP, and is
 * configured by the keys of the "cross" group.  Statistics are per flow and direction.
 */
#pragma once

#include "config.h"
#include "sim.h"
#include "topology.h"

G_BEGIN_DECLS

/* Fixed flow slots: the index is also the flow's random stream offset (SIM_STREAM_CROSS + index). */
typedef enum {
  CROSS_FLOW_BULK_UPLOAD,   /* TCP, LAN host -> server */
  CROSS_FLOW_BULK_DOWNLOAD, /* TCP, server -> LAN host (connection opened from the LAN) */
  CROSS_FLOW_UDP,           /* UDP constant rate or on/off, up or down */
  CROSS_FLOW_VOICE_UP,      /* voice probe, phone -> server */
  CROSS_FLOW_VOICE_DOWN,    /* voice probe, server -> phone */
  CROSS_N_FLOWS,
} CrossFlowId;

/* Well-known server ports (iperf3 uses 5201). */
#define CROSS_PORT_BULK_UPLOAD 5201
#define CROSS_PORT_BULK_DOWNLOAD 5202
#define CROSS_PORT_UDP 5301
#define CROSS_PORT_VOICE 5302

typedef struct {
  const char *name;       /* "bulk_upload", "bulk_download", "udp", "voice_up", "voice_down" */
  gboolean enabled;       /* configured and started (FALSE: off, or no LAN host in bypass mode) */
  gboolean upstream;      /* TRUE: from the home towards the Internet */
  gboolean is_udp;        /* datagram flow with sequence numbers and timestamps */
  guint8 dscp;            /* DSCP of its packets */
  SimTime start;          /* configured start */
  SimTime stop;           /* configured stop, SIM_TIME_NEVER if none */
  guint64 tx_bytes;       /* payload bytes handed to the sending socket */
  guint64 rx_bytes;       /* payload bytes that arrived at the receiver */
  guint64 tx_pkts;        /* UDP: data datagrams sent */
  guint64 rx_pkts;        /* UDP: data datagrams received */
  guint64 rx_malformed;   /* UDP: datagrams that were not the flow's own (too short, bad magic) */
  SimTime first_rx;       /* first arrival, -1 if none */
  SimTime last_rx;        /* last arrival, -1 if none */
  guint32 rx_max_seq;     /* UDP: highest sequence number received */
  SimTime delay_sum;      /* UDP: sum of one-way delays */
  SimTime delay_max;      /* UDP: largest one-way delay */
  /* Derived by cross_stats() at the time of the call: */
  double goodput_bps;     /* rx_bytes * 8 over [start, last_rx] */
  guint64 lost;           /* UDP: expected - received, expected = highest seq + 1 (RFC 3550 A.3) */
  double loss_ratio;      /* UDP: lost / expected, 0 if nothing expected */
  double delay_mean_ms;   /* UDP: mean one-way delay */
  double delay_max_ms;    /* UDP: largest one-way delay */
} CrossFlowStats;

typedef struct CrossTraffic CrossTraffic;

/* Start every flow the configuration enables (keys cross.*), at their start times.  Needs a built
 * topology and a running world.  Errors name the key that is wrong. */
CrossTraffic *cross_start(const Config *cfg, const Topology *topo, GError **error);
/* Close every socket and cancel every event; later packets for the flows are ignored. */
void cross_free(CrossTraffic *ct);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CrossTraffic, cross_free)
/* Statistics of one flow slot, with the derived fields brought up to date. */
const CrossFlowStats *cross_stats(CrossTraffic *ct, CrossFlowId id);
/* The same by name ("bulk_upload", ..., "voice_down"); NULL if no such flow. */
const CrossFlowStats *cross_stats_find(CrossTraffic *ct, const char *name);

G_END_DECLS
