/* cross-private.h — internals shared by cross.c (keys, TCP bulk flows, statistics) and
 * cross-udp.c (UDP streams and the voice probe). */
#pragma once

#include "cross.h"

G_BEGIN_DECLS

typedef struct BulkFlow BulkFlow;
typedef struct UdpPair UdpPair;

struct CrossTraffic {
  CrossFlowStats stats[CROSS_N_FLOWS]; /* one slot per flow, named even when off */
  BulkFlow *bulk[2];                   /* bulk upload and download, NULL when off */
  UdpPair *udp;                        /* UDP stream, NULL when off */
  UdpPair *voice;                      /* voice probe, NULL when off */
};

/* A UDP exchange between a client (on the LAN side, which speaks first so that the NAT opens a
 * binding) and a server that latches onto the client's address as seen after NAT (RFC 4961
 * symmetric RTP).  Either side may send data; a client that sends none keeps the binding open
 * with a small hello once a second. */
typedef struct {
  const char *name;          /* for traces: "udp", "voice" */
  guint flow_index;          /* random stream: SIM_STREAM_CROSS + flow_index */
  SimNode client_node;       /* LAN-side host */
  SimNode server_node;       /* Internet-side host */
  SimAddr server;            /* server address and port to bind and to send to */
  CrossFlowStats *up;        /* stats of client -> server data, NULL if the client sends none */
  CrossFlowStats *down;      /* stats of server -> client data, NULL if the server sends none */
  gsize packet_bytes;        /* IP packet size of data datagrams (IPv4 20 + UDP 8 + payload) */
  SimTime interval;          /* time between data datagrams while on */
  SimTime start;             /* first send */
  SimTime stop;              /* no sends from then on; SIM_TIME_NEVER if none */
  double on_s;               /* on/off: mean or fixed on period, 0 for always on */
  double off_s;              /* on/off: mean or fixed off period, 0 for always on */
  gboolean exponential;      /* on/off periods exponentially distributed (else fixed) */
  guint8 dscp;               /* DSCP of every datagram, both ways */
} UdpPairSetup;

/* The smallest data datagram: IPv4 + UDP headers and the probe header. */
#define CROSS_UDP_MIN_PACKET (20 + 8 + 17)

UdpPair *cross_udp_pair_new(const UdpPairSetup *setup, GError **error);
void cross_udp_pair_free(UdpPair *pair);

/* Seconds from configuration to SimTime; 0 for a stop means "never". */
SimTime cross_stop_time(double stop_s);

G_END_DECLS
