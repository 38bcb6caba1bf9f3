/* ns3-backend.cc — sim.h implemented on ns-3 3.37: the only C++ file of algsim.
 *
 * The engine keeps its own tables (event slots, nodes, devices, sockets, pcap files) and hands out
 * small integer ids, so that models never hold an ns-3 pointer.  Events are slots with a
 * generation count on top of ns-3's scheduler (which already orders equal times by insertion
 * uid).  Hosts carry ns-3's IPv4 stack with static routing; routers carry no stack and see whole
 * IPv4 packets through a protocol handler for 0x0800.  Links are PointToPointNetDevice pairs on a
 * channel with a delay per direction.  Debian builds ns-3 with its asserts compiled out, so every
 * entry point validates its arguments and returns an error instead of letting ns-3 crash.
 */
#include "engine-private.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "ns3/boolean.h"
#include "ns3/config.h"
#include "ns3/core-module.h"
#include "ns3/drop-tail-queue.h"
#include "ns3/error-model.h"
#include "ns3/inet-socket-address.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-generator.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4-static-routing.h"
#include "ns3/ipv4.h"
#include "ns3/mac48-address.h"
#include "ns3/names.h"
#include "ns3/node.h"
#include "ns3/object-factory.h"
#include "ns3/packet.h"
#include "ns3/point-to-point-channel.h"
#include "ns3/point-to-point-net-device.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/rtt-estimator.h"
#include "ns3/socket.h"
#include "ns3/tcp-congestion-ops.h"
#include "ns3/tcp-cubic.h"
#include "ns3/tcp-header.h"
#include "ns3/tcp-l4-protocol.h"
#include "ns3/tcp-recovery-ops.h"
#include "ns3/tcp-socket-base.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/trace-helper.h"
#include "ns3/udp-socket-factory.h"

using namespace ns3;

namespace
{

/* ---- Tables ------------------------------------------------------------------------------------
 * Ids are indices into these tables and are never reused within a world, so a stale id names a
 * closed entry, never a stranger.  Entries live until sim_reset() (ns-3 objects may still call
 * back into a closed socket; the callbacks carry only the id and check the entry's state). */

/* One C event.  A slot is pending while `impl` is non-NULL; freeing bumps `gen`, so an old id
 * no longer matches.  `impl` is borrowed: ns-3's scheduler holds the reference until the event
 * is popped, and the slot is freed no later than that. */
struct Slot {
  SimEventFn fn;   // callback, NULL when free
  void *data;      // callback argument
  guint32 gen;     // generation, >= 1; part of the SimEvent id
  guint32 next;    // next free slot while free
  EventImpl *impl; // the pending ns-3 event; NULL when free
};

struct NodeEntry {
  Ptr<Node> node;       // the ns-3 node
  std::string name;     // unique name within the world
  bool host;            // true: IPv4 stack; false: stackless router
  SimRouterRecvFn recv; // router: receives every IPv4 packet
  void *ctx;            // router: argument of recv
};

struct DevEntry {
  Ptr<PointToPointNetDevice> dev; // the ns-3 device
  Ptr<Queue<Packet>> queue;       // its DropTail transmit queue
  SimNode node;                   // owning node
  SimDev peer;                    // device at the other end of the link
  guint32 mtu;                    // MTU attribute (not enforced by ns-3)
  guint64 rate;                   // transmit rate, bit/s
  SimDevIdleFn idle_fn;           // called when the queue goes from full to having room
  void *idle_ctx;                 // argument of idle_fn
  bool idle_hooked;               // the queue's Dequeue trace is connected
  bool idle_pending;              // an idle notification is scheduled
};

enum SockKind {
  SOCK_UDP,
  SOCK_TCP_LISTEN,
  SOCK_TCP_CONN,
};

struct SockEntry {
  Ptr<Socket> sock;   // the ns-3 socket (kept until sim_reset, see above)
  SimNode node;       // owning host
  SockKind kind;      // UDP, TCP listener or TCP connection
  bool open;          // false after sim_sock_close(): no more callbacks
  bool want_writable; // a TCP send was short: report the next room in the send buffer
  bool connecting;    // TCP connect not finished: a close means the connect failed
  bool dead;          // TCP: failure or close already reported; no more closed callbacks
  SimSockOps ops;     // C callbacks (copied)
  void *ctx;          // argument of the callbacks
  SimAddr peer;       // TCP: the remote end
  guint8 tos;         // IPv4 TOS for every later packet (sim_sock_set_tos)
};

/* A point-to-point channel with a propagation delay per direction (asymmetric access links).
 * It replaces PointToPointChannel::TransmitStart, which has one delay for both wires. */
class AsymChannel : public PointToPointChannel
{
public:
  Time m_delayAb; // delay from the first attached device to the second
  Time m_delayBa; // delay from the second to the first

  bool
  TransmitStart(Ptr<const Packet> p, Ptr<PointToPointNetDevice> src, Time txTime) override
  {
    uint32_t wire = src == GetSource(0) ? 0 : 1;
    Ptr<PointToPointNetDevice> dst = GetDestination(wire);
    Time delay = wire == 0 ? m_delayAb : m_delayBa;
    Simulator::ScheduleWithContext(dst->GetNode()->GetId(), txTime + delay,
                                   &PointToPointNetDevice::Receive, dst, p->Copy());
    return true;
  }
};

/* A TCP listener whose zero-window persist timer cannot run.
 *
 * ns-3 3.37's TcpSocketBase::DoForwardUp() arms the persist timer whenever its peer window
 * m_rWnd is 0 after a segment, in every state.  A listener's m_rWnd stays 0 until it receives a
 * SYN, so a segment without SYN and ACK (or with a zero window) that reaches a listener which has
 * not seen a SYN arms it.  ProcessListen() then drops the segment, as it should (RFC 9293
 * §3.10.7.2: LISTEN ignores a RST), but the timer stays, and PersistTimeout() dereferences the
 * TcpTxItem that TcpTxBuffer::CopyFromSequence() returns, which is NULL for a socket with nothing
 * to send: a segfault m_persistTimeout (6 s) later, outside any of our callbacks.  Seen with the
 * tls-reporter ALG: it re-ports the phone's SYN to 5061 onto 5060; when the phone gives the
 * attempt up, ns-3 answers Close() in SYN_SENT with a bare RST to 5061, the PBX's TLS listener.
 * A listener has no data and no peer, so it never needs the timer: it is cancelled after every
 * segment that leaves the socket listening.  Fork() copies a listener as a plain TcpSocketBase,
 * so accepted connections keep ns-3's behaviour unchanged. */
class ListenTcpSocket : public TcpSocketBase
{
protected:
  void
  DoForwardUp(Ptr<Packet> packet, const Address &from, const Address &to) override
  {
    TcpSocketBase::DoForwardUp(packet, from, to);
    if (m_state == LISTEN)
      m_persistEvent.Cancel();
  }
};

/* The ns-3 event that runs one slot. */
class SlotEvent : public EventImpl
{
public:
  SlotEvent(guint32 index, guint32 gen) : m_index(index), m_gen(gen)
  {
  }

protected:
  void Notify() override;

private:
  guint32 m_index; // slot index
  guint32 m_gen;   // slot generation when scheduled
};

struct World {
  bool setup = false;              // between sim_setup() and sim_reset()
  bool running = false;            // inside sim_run()
  SimWorldParams params{};         // current world
  guint64 executed = 0;            // C events run since sim_setup()
  std::vector<Slot> slots;         // event slots
  guint32 free_head = G_MAXUINT32; // first free slot, G_MAXUINT32 = none
  std::vector<std::unique_ptr<NodeEntry>> nodes;
  std::vector<std::unique_ptr<DevEntry>> devs;
  std::vector<std::unique_ptr<SockEntry>> socks;
  std::vector<Ptr<PcapFileWrapper>> pcaps;    // open pcap files, closed at sim_reset()
  EventId until_check;                        // the sim_run() horizon check
  std::unique_ptr<InternetStackHelper> stack; // reused for every host
};

World w;
bool g_defaults_done = false; // process-wide ns-3 defaults are set
guint32 g_world_serial = 0;   // worlds set up so far in this process

constexpr gsize STACK_BUF = 2048; // packets up to this size are copied to the stack

/* Short name for the shared error helper of engine-util.c. */
#define fail sim_fail_internal

Time
Ns(SimTime t)
{
  return Time(static_cast<long long>(t));
}

NodeEntry *
GetNode(SimNode n)
{
  if (!w.setup || n < 0 || static_cast<size_t>(n) >= w.nodes.size())
    return nullptr;
  return w.nodes[n].get();
}

DevEntry *
GetDev(SimDev d)
{
  if (!w.setup || d < 0 || static_cast<size_t>(d) >= w.devs.size())
    return nullptr;
  return w.devs[d].get();
}

SockEntry *
GetSock(SimSock s)
{
  if (!w.setup || s < 0 || static_cast<size_t>(s) >= w.socks.size())
    return nullptr;
  SockEntry *e = w.socks[s].get();
  return e->open ? e : nullptr;
}

bool
DevOnHost(const DevEntry *d)
{
  return w.nodes[d->node]->host;
}

SimAddr
ToSimAddr(const Address &a)
{
  SimAddr out{0, 0};
  if (InetSocketAddress::IsMatchingType(a)) {
    InetSocketAddress ia = InetSocketAddress::ConvertFrom(a);
    out.addr = ia.GetIpv4().Get();
    out.port = ia.GetPort();
  }
  return out;
}

InetSocketAddress
ToInet(SimAddr a)
{
  return InetSocketAddress(Ipv4Address(a.addr), a.port);
}

/* Copies a packet out to `stack` if it fits, else to a heap buffer the caller frees. */
guint8 *
CopyOut(Ptr<const Packet> p, guint8 *stack, gsize *len)
{
  *len = p->GetSize();
  guint8 *buf = *len <= STACK_BUF ? stack : static_cast<guint8 *>(g_malloc(*len ? *len : 1));
  p->CopyData(buf, *len);
  return buf;
}

/* ---- Process-wide defaults and seeding ------------------------------------------------------- */

void
SetDefaults()
{
  if (g_defaults_done)
    return;
  g_defaults_done = true;
  /* ns-3 writes zero checksums unless this is set before any stack exists (design.md §2). */
  GlobalValue::Bind("ChecksumEnabled", BooleanValue(true));
  /* TCP like a Linux host: MSS 1448 (1500 MTU with timestamps), 128 KiB buffers, CUBIC
   * (the Linux default since 2.6.19), 200 ms minimum RTO (TCP_RTO_MIN, include/net/tcp.h).
   * Every value is explicit so a change of ns-3 defaults cannot change our results. */
  Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));
  Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(131072));
  Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(131072));
  Config::SetDefault("ns3::TcpSocket::InitialCwnd", UintegerValue(10));
  Config::SetDefault("ns3::TcpSocket::DelAckCount", UintegerValue(2));
  Config::SetDefault("ns3::TcpSocket::ConnCount", UintegerValue(6));
  Config::SetDefault("ns3::TcpSocketBase::MinRto", TimeValue(MilliSeconds(200)));
  Config::SetDefault("ns3::TcpSocketBase::Sack", BooleanValue(true));
  Config::SetDefault("ns3::TcpSocketBase::Timestamp", BooleanValue(true));
  Config::SetDefault("ns3::TcpSocketBase::WindowScaling", BooleanValue(true));
  Config::SetDefault("ns3::TcpL4Protocol::SocketType", TypeIdValue(TcpCubic::GetTypeId()));
  Config::SetDefault("ns3::UdpSocket::RcvBufSize", UintegerValue(131072));
  /* Hosts are not routers unless sim_host_set_forwarding() says so (Linux ip_forward = 0). */
  Config::SetDefault("ns3::Ipv4::IpForward", BooleanValue(false));
}

void
SeedNs3(const SimWorldParams *p)
{
  guint8 d[32];
  sim_derive_digest_internal("algsim-ns3", p, 0, d);
  guint32 seed = 0;
  guint64 run = 0;
  for (int i = 0; i < 4; i++)
    seed = seed << 8 | d[i];
  for (int i = 4; i < 12; i++)
    run = run << 8 | d[i];
  /* MRG32k3a seeds must be in 1 .. m2 - 1 (m2 = 4294944443, the smaller modulus). */
  RngSeedManager::SetSeed(1 + seed % 4294944000u);
  RngSeedManager::SetRun(run);
}

/* ---- Events ---------------------------------------------------------------------------------- */

void
FreeSlot(guint32 index)
{
  Slot &s = w.slots[index];
  s.fn = nullptr;
  s.data = nullptr;
  s.impl = nullptr;
  s.gen = s.gen == G_MAXUINT32 ? 1 : s.gen + 1;
  s.next = w.free_head;
  w.free_head = index;
}

bool
DecodeEvent(SimEvent ev, guint32 *index)
{
  guint32 idx = static_cast<guint32>(ev & 0xffffffffu);
  guint32 gen = static_cast<guint32>(ev >> 32);
  if (!w.setup || gen == 0 || idx >= w.slots.size())
    return false;
  const Slot &s = w.slots[idx];
  if (s.gen != gen || s.impl == nullptr)
    return false;
  *index = idx;
  return true;
}

/* sim_run(until): stop once every event at `until` has run, including those scheduled at
 * `until` while running.  The check re-schedules itself at the same time until a round passes
 * in which no other event ran (GetEventCount() advanced by exactly one: the check itself). */
void
UntilCheck(guint64 prev_count)
{
  guint64 count = Simulator::GetEventCount();
  if (prev_count != G_MAXUINT64 && count - prev_count == 1) {
    Simulator::Stop();
    return;
  }
  w.until_check = Simulator::ScheduleNow(&UntilCheck, count);
}

/* ---- Routers and devices --------------------------------------------------------------------- */

void
RouterRecv(SimDev dev, Ptr<NetDevice> nd, Ptr<const Packet> p, uint16_t protocol,
           const Address &from, const Address &to, NetDevice::PacketType type)
{
  DevEntry *d = GetDev(dev);
  if (d == nullptr)
    return;
  NodeEntry *n = w.nodes[d->node].get();
  guint8 stack[STACK_BUF];
  gsize len;
  guint8 *buf = CopyOut(p, stack, &len);
  n->recv(n->ctx, dev, buf, len);
  if (buf != stack)
    g_free(buf);
}

void
IdleFire(SimDev dev)
{
  DevEntry *d = GetDev(dev);
  if (d == nullptr)
    return;
  d->idle_pending = false;
  if (d->idle_fn != nullptr && d->queue->GetNPackets() < d->queue->GetMaxSize().GetValue())
    d->idle_fn(d->idle_ctx, dev);
}

/* Dequeue trace: the queue had been full if it now holds one packet less than its limit.  The
 * callback is deferred to a zero-delay event because the device is still inside
 * TransmitComplete(): sending from here would start a second transmission. */
void
OnDequeue(SimDev dev, Ptr<const Packet> p)
{
  DevEntry *d = GetDev(dev);
  if (d == nullptr || d->idle_fn == nullptr || d->idle_pending)
    return;
  if (d->queue->GetNPackets() + 1 != d->queue->GetMaxSize().GetValue())
    return;
  d->idle_pending = true;
  Simulator::ScheduleNow(&IdleFire, dev);
}

Ptr<PointToPointNetDevice>
MakeDevice(NodeEntry *n, guint64 rate, guint32 mtu, guint32 qlen)
{
  SimDev id = static_cast<SimDev>(w.devs.size());
  Ptr<PointToPointNetDevice> dev = CreateObject<PointToPointNetDevice>();
  /* A locally administered MAC from the device index: PPP never shows it, and ns-3's own
   * allocator is a process-wide counter that would differ after sim_reset(). */
  uint8_t mac[6] = {0x02,
                    0,
                    0,
                    static_cast<uint8_t>(id >> 16),
                    static_cast<uint8_t>(id >> 8),
                    static_cast<uint8_t>(id)};
  Mac48Address addr;
  addr.CopyFrom(mac);
  dev->SetAddress(addr);
  dev->SetDataRate(DataRate(rate));
  dev->SetMtu(static_cast<uint16_t>(mtu));
  Ptr<DropTailQueue<Packet>> q = CreateObject<DropTailQueue<Packet>>();
  q->SetMaxSize(QueueSize(QueueSizeUnit::PACKETS, qlen));
  dev->SetQueue(q);
  n->node->AddDevice(dev);

  auto e = std::make_unique<DevEntry>();
  e->dev = dev;
  e->queue = q;
  e->node = -1;
  e->peer = -1;
  e->mtu = mtu;
  e->rate = rate;
  e->idle_fn = nullptr;
  e->idle_ctx = nullptr;
  e->idle_hooked = false;
  e->idle_pending = false;
  w.devs.push_back(std::move(e));
  return dev;
}

Ptr<ErrorModel>
LossModel(double p, gint64 stream)
{
  Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
  em->SetUnit(RateErrorModel::ERROR_UNIT_PACKET);
  em->SetRate(p);
  em->AssignStreams(stream);
  return em;
}

/* ---- Sockets --------------------------------------------------------------------------------- */

SockEntry *
NewSock(SimNode node, SockKind kind, Ptr<Socket> s, const SimSockOps *ops, void *ctx, SimSock *id)
{
  auto e = std::make_unique<SockEntry>();
  e->sock = s;
  e->node = node;
  e->kind = kind;
  e->open = true;
  e->want_writable = false;
  e->connecting = false;
  e->dead = false;
  e->ops = ops ? *ops : SimSockOps{};
  e->ctx = ctx;
  e->peer = SimAddr{0, 0};
  e->tos = 0;
  *id = static_cast<SimSock>(w.socks.size());
  w.socks.push_back(std::move(e));
  return w.socks.back().get();
}

/* Delivers everything the socket holds; stops as soon as C closes it. */
void
SockRecv(SimSock id, Ptr<Socket> s)
{
  guint8 stack[STACK_BUF];
  for (;;) {
    SockEntry *e = GetSock(id);
    if (e == nullptr)
      return;
    Address from;
    Ptr<Packet> p = s->RecvFrom(from);
    if (!p)
      return;
    if (e->ops.recv == nullptr || (e->kind != SOCK_UDP && p->GetSize() == 0))
      continue;
    SimAddr src = e->kind == SOCK_UDP ? ToSimAddr(from) : e->peer;
    gsize len;
    guint8 *buf = CopyOut(p, stack, &len);
    e->ops.recv(e->ctx, id, buf, len, src);
    if (buf != stack)
      g_free(buf);
  }
}

void
TcpSendSpace(SimSock id, Ptr<Socket> s, uint32_t avail)
{
  SockEntry *e = GetSock(id);
  if (e == nullptr || !e->want_writable || avail == 0 || e->ops.writable == nullptr)
    return;
  e->want_writable = false;
  e->ops.writable(e->ctx, id, avail);
}

void
TcpConnected(SimSock id, bool ok, Ptr<Socket> s)
{
  SockEntry *e = GetSock(id);
  if (e == nullptr || !e->connecting)
    return;
  e->connecting = false;
  e->dead = !ok;
  if (e->ops.connected != nullptr)
    e->ops.connected(e->ctx, id, ok);
}

void
TcpConnOk(SimSock id, Ptr<Socket> s)
{
  TcpConnected(id, true, s);
}

void
TcpConnFail(SimSock id, Ptr<Socket> s)
{
  TcpConnected(id, false, s);
}

void
TcpClosed(SimSock id, bool error, Ptr<Socket> s)
{
  SockEntry *e = GetSock(id);
  if (e == nullptr || e->dead)
    return;
  if (e->connecting) {
    TcpConnected(id, false, s);
    return;
  }
  e->dead = true;
  if (e->ops.closed != nullptr)
    e->ops.closed(e->ctx, id, error);
}

void
TcpNormalClose(SimSock id, Ptr<Socket> s)
{
  TcpClosed(id, false, s);
}

void
TcpErrorClose(SimSock id, Ptr<Socket> s)
{
  TcpClosed(id, true, s);
}

/* A RST answering our SYN: ns-3 3.37 ignores RST+ACK in SYN_SENT (it keeps retrying the SYN
 * for minutes), while Linux fails connect() at once with ECONNREFUSED (tcp_rcv_synsent_state_
 * process() -> tcp_reset()).  The engine does what Linux does.  Closing the ns-3 socket in
 * SYN_SENT makes it answer with one RST of its own, which the peer ignores (RFC 793 p.37). */
void
TcpRefused(SimSock id)
{
  SockEntry *e = GetSock(id);
  if (e == nullptr || !e->connecting)
    return;
  e->dead = true; /* silence the close notification Close() raises */
  e->sock->Close();
  TcpConnected(id, false, e->sock);
}

void
TcpRxTrace(SimSock id, Ptr<const Packet> p, const TcpHeader &h, Ptr<const TcpSocketBase> s)
{
  SockEntry *e = GetSock(id);
  /* Deferred: the socket is still inside its receive path. */
  if (e != nullptr && e->connecting && (h.GetFlags() & TcpHeader::RST) != 0)
    Simulator::ScheduleNow(&TcpRefused, id);
}

void
HookTcp(SimSock id, Ptr<Socket> s)
{
  s->SetRecvCallback(MakeBoundCallback(&SockRecv, id));
  s->SetSendCallback(MakeBoundCallback(&TcpSendSpace, id));
  s->SetCloseCallbacks(MakeBoundCallback(&TcpNormalClose, id),
                       MakeBoundCallback(&TcpErrorClose, id));
}

bool
AcceptAll(Ptr<Socket> s, const Address &from)
{
  return true;
}

void
TcpNewConn(SimSock listener, Ptr<Socket> s, const Address &from)
{
  SockEntry *l = GetSock(listener);
  if (l == nullptr) {
    /* The listener was closed while the handshake completed: refuse the connection. */
    s->Close();
    return;
  }
  SimSock id;
  SockEntry *e = NewSock(l->node, SOCK_TCP_CONN, s, &l->ops, l->ctx, &id);
  e->peer = ToSimAddr(from);
  SimSockOps ops = l->ops;
  void *ctx = l->ctx;
  HookTcp(id, s);
  if (ops.accepted != nullptr)
    ops.accepted(ctx, listener, id, e->peer);
}

/* A ListenTcpSocket on `node`, set up as TcpL4Protocol::CreateSocket() sets up its sockets: the
 * same RTT estimator, congestion control and recovery types, created in the same order. */
Ptr<Socket>
NewListenSocket(Ptr<Node> node)
{
  Ptr<TcpL4Protocol> tcp = node->GetObject<TcpL4Protocol>();
  TypeIdValue rtt_type, cc_type, recovery_type;
  tcp->GetAttribute("RttEstimatorType", rtt_type);
  tcp->GetAttribute("SocketType", cc_type);
  tcp->GetAttribute("RecoveryType", recovery_type);
  ObjectFactory f;
  f.SetTypeId(rtt_type.Get());
  Ptr<RttEstimator> rtt = f.Create<RttEstimator>();
  Ptr<ListenTcpSocket> s = CreateObject<ListenTcpSocket>();
  f.SetTypeId(cc_type.Get());
  Ptr<TcpCongestionOps> cc = f.Create<TcpCongestionOps>();
  f.SetTypeId(recovery_type.Get());
  Ptr<TcpRecoveryOps> recovery = f.Create<TcpRecoveryOps>();
  s->SetNode(node);
  s->SetTcp(tcp);
  s->SetRtt(rtt);
  s->SetCongestionControlAlgorithm(cc);
  s->SetRecoveryAlgorithm(recovery);
  tcp->AddSocket(s);
  return s;
}

/* Checks that `host` is a host and `local` is one of its addresses (or 0). */
NodeEntry *
CheckHostLocal(SimNode host, SimAddr local, const char *what, GError **error)
{
  NodeEntry *n = GetNode(host);
  if (n == nullptr) {
    fail(error, w.setup ? SIM_ERROR_INVALID : SIM_ERROR_STATE, "%s: no node %d", what, host);
    return nullptr;
  }
  if (!n->host) {
    fail(error, SIM_ERROR_INVALID, "%s: node %s is a router, not a host", what, n->name.c_str());
    return nullptr;
  }
  if (local.addr != 0 &&
      n->node->GetObject<Ipv4>()->GetInterfaceForAddress(Ipv4Address(local.addr)) < 0) {
    char b[16];
    fail(error, SIM_ERROR_INVALID, "%s: host %s has no address %s", what, n->name.c_str(),
         sim_addr_format(local.addr, b));
    return nullptr;
  }
  return n;
}

gboolean
BindLocal(Ptr<Socket> s, SimAddr local, const char *what, GError **error)
{
  int r = local.addr == 0 && local.port == 0 ? s->Bind() : s->Bind(ToInet(local));
  if (r != 0) {
    char b[16];
    return fail(error, SIM_ERROR_RESOURCE, "%s: %s:%u is already in use", what,
                sim_addr_format(local.addr, b), local.port);
  }
  return TRUE;
}

} // namespace

void
SlotEvent::Notify()
{
  if (!w.setup || m_index >= w.slots.size())
    return;
  Slot &s = w.slots[m_index];
  if (s.gen != m_gen || s.impl == nullptr)
    return;
  SimEventFn fn = s.fn;
  void *data = s.data;
  /* Free first: inside fn the event is no longer pending, and cancelling it is harmless. */
  FreeSlot(m_index);
  w.executed++;
  fn(data);
}

/* ---- Lifecycle ------------------------------------------------------------------------------- */

extern "C" const SimWorldParams *
sim_world_params_internal(void)
{
  return w.setup ? &w.params : nullptr;
}

extern "C" gboolean
sim_setup(const SimWorldParams *params, GError **error)
{
  if (w.setup)
    return fail(error, SIM_ERROR_STATE, "sim_setup: a world already exists (call sim_reset)");
  if (params == nullptr)
    return fail(error, SIM_ERROR_INVALID, "sim_setup: params is NULL");
  SetDefaults();
  SeedNs3(params);
  g_world_serial++;
  w.params = *params;
  w.executed = 0;
  w.setup = true;
  w.stack = std::make_unique<InternetStackHelper>();
  w.stack->SetIpv6StackInstall(false);
  w.stack->SetRoutingHelper(Ipv4StaticRoutingHelper());
  sim_trace_begin_internal();
  return TRUE;
}

extern "C" void
sim_reset(void)
{
  if (!w.setup || w.running)
    return;
  for (auto &f : w.pcaps)
    f->Close();
  Simulator::Destroy();
  w.socks.clear();
  w.devs.clear();
  w.nodes.clear();
  w.slots.clear();
  w.pcaps.clear();
  w.free_head = G_MAXUINT32;
  w.until_check = EventId();
  w.stack.reset();
  w.executed = 0;
  Ipv4AddressGenerator::Reset();
  Names::Clear();
  w.setup = false;
}

extern "C" gboolean
sim_is_setup(void)
{
  return w.setup;
}

extern "C" void
sim_run(SimTime until)
{
  if (!w.setup || w.running || until < sim_now())
    return;
  w.running = true;
  if (until != SIM_TIME_NEVER)
    w.until_check = Simulator::Schedule(Ns(until - sim_now()), &UntilCheck, G_MAXUINT64);
  Simulator::Run();
  Simulator::Cancel(w.until_check);
  w.running = false;
}

extern "C" void
sim_stop(void)
{
  if (w.setup && w.running)
    Simulator::Stop();
}

extern "C" SimTime
sim_now(void)
{
  return w.setup ? Simulator::Now().GetTimeStep() : 0;
}

extern "C" guint64
sim_events_executed(void)
{
  return w.executed;
}

/* ---- Events ---------------------------------------------------------------------------------- */

extern "C" SimEvent
sim_schedule(SimTime delay, SimEventFn fn, void *data)
{
  if (!w.setup || fn == nullptr || delay < 0 || delay > SIM_TIME_NEVER - 1 - sim_now())
    return 0;
  guint32 index;
  if (w.free_head != G_MAXUINT32) {
    index = w.free_head;
    w.free_head = w.slots[index].next;
  } else {
    if (w.slots.size() >= G_MAXUINT32 - 1)
      return 0;
    index = static_cast<guint32>(w.slots.size());
    /* New slots start at a generation derived from the world's serial number, so an event id
     * kept from an earlier world does not match a slot of this one. */
    guint32 gen = g_world_serial << 20 | 1;
    w.slots.push_back(Slot{nullptr, nullptr, gen, G_MAXUINT32, nullptr});
  }
  Slot &s = w.slots[index];
  Ptr<SlotEvent> ev = Create<SlotEvent>(index, s.gen);
  s.fn = fn;
  s.data = data;
  s.impl = PeekPointer(ev);
  Simulator::Schedule(Ns(delay), ev);
  return static_cast<SimEvent>(s.gen) << 32 | index;
}

extern "C" SimEvent
sim_schedule_at(SimTime when, SimEventFn fn, void *data)
{
  if (!w.setup || when < sim_now())
    return 0;
  return sim_schedule(when - sim_now(), fn, data);
}

extern "C" gboolean
sim_cancel(SimEvent ev)
{
  guint32 index;
  if (!DecodeEvent(ev, &index))
    return FALSE;
  /* EventImpl::Cancel() only marks the event: ns-3 skips it when it is popped. O(1). */
  w.slots[index].impl->Cancel();
  FreeSlot(index);
  return TRUE;
}

extern "C" gboolean
sim_event_pending(SimEvent ev)
{
  guint32 index;
  return DecodeEvent(ev, &index);
}

/* ---- Nodes, devices, links ------------------------------------------------------------------- */

static gboolean
CheckNewNode(const char *name, const char *what, GError **error)
{
  if (!w.setup)
    return fail(error, SIM_ERROR_STATE, "%s: no world (call sim_setup first)", what);
  if (name == nullptr || name[0] == '\0')
    return fail(error, SIM_ERROR_INVALID, "%s: a node needs a name", what);
  for (auto &n : w.nodes)
    if (n->name == name)
      return fail(error, SIM_ERROR_RESOURCE, "%s: node name '%s' is already taken", what, name);
  return TRUE;
}

static SimNode
AddNode(const char *name, bool host, SimRouterRecvFn recv, void *ctx)
{
  auto e = std::make_unique<NodeEntry>();
  e->node = CreateObject<Node>();
  e->name = name;
  e->host = host;
  e->recv = recv;
  e->ctx = ctx;
  w.nodes.push_back(std::move(e));
  return static_cast<SimNode>(w.nodes.size() - 1);
}

extern "C" SimNode
sim_host_new(const char *name, GError **error)
{
  if (!CheckNewNode(name, "sim_host_new", error))
    return -1;
  SimNode id = AddNode(name, true, nullptr, nullptr);
  w.stack->Install(w.nodes[id]->node);
  return id;
}

extern "C" SimNode
sim_router_new(const char *name, SimRouterRecvFn recv, void *ctx, GError **error)
{
  if (!CheckNewNode(name, "sim_router_new", error))
    return -1;
  if (recv == nullptr) {
    fail(error, SIM_ERROR_INVALID, "sim_router_new: router '%s' needs a receive callback", name);
    return -1;
  }
  return AddNode(name, false, recv, ctx);
}

extern "C" const char *
sim_node_name(SimNode node)
{
  NodeEntry *n = GetNode(node);
  return n ? n->name.c_str() : nullptr;
}

extern "C" gboolean
sim_node_is_host(SimNode node)
{
  NodeEntry *n = GetNode(node);
  return n != nullptr && n->host;
}

extern "C" guint
sim_node_count(void)
{
  return static_cast<guint>(w.nodes.size());
}

extern "C" gboolean
sim_link_new(SimNode a, SimNode b, const SimLinkParams *p, SimDev *dev_a, SimDev *dev_b,
             GError **error)
{
  const char *what = "sim_link_new";
  if (!w.setup)
    return fail(error, SIM_ERROR_STATE, "%s: no world (call sim_setup first)", what);
  NodeEntry *na = GetNode(a);
  NodeEntry *nb = GetNode(b);
  if (na == nullptr || nb == nullptr)
    return fail(error, SIM_ERROR_INVALID, "%s: no node %d", what, na ? b : a);
  if (a == b)
    return fail(error, SIM_ERROR_INVALID, "%s: a link needs two different nodes", what);
  if (!sim_link_params_check_internal(p, error))
    return FALSE;
  guint32 mtu = p->mtu ? p->mtu : 1500;
  guint32 qa = p->queue_a_pkts ? p->queue_a_pkts : 100;
  guint32 qb = p->queue_b_pkts ? p->queue_b_pkts : 100;
  SimDev ia = static_cast<SimDev>(w.devs.size());
  Ptr<PointToPointNetDevice> da = MakeDevice(na, p->rate_ab_bps, mtu, qa);
  Ptr<PointToPointNetDevice> db = MakeDevice(nb, p->rate_ba_bps, mtu, qb);
  SimDev ib = ia + 1;
  w.devs[ia]->node = a;
  w.devs[ia]->peer = ib;
  w.devs[ib]->node = b;
  w.devs[ib]->peer = ia;

  Ptr<AsymChannel> ch = CreateObject<AsymChannel>();
  ch->m_delayAb = Ns(p->delay);
  ch->m_delayBa = Ns(p->delay_ba ? p->delay_ba : p->delay);
  da->Attach(ch);
  db->Attach(ch);
  if (p->loss_ab > 0.0)
    db->SetReceiveErrorModel(LossModel(p->loss_ab, p->loss_stream));
  if (p->loss_ba > 0.0)
    da->SetReceiveErrorModel(LossModel(p->loss_ba, p->loss_stream + (G_GINT64_CONSTANT(1) << 32)));

  /* Stackless routers get every IPv4 packet of their devices as bytes. */
  if (!na->host)
    na->node->RegisterProtocolHandler(MakeBoundCallback(&RouterRecv, ia), 0x0800, da, false);
  if (!nb->host)
    nb->node->RegisterProtocolHandler(MakeBoundCallback(&RouterRecv, ib), 0x0800, db, false);
  if (dev_a)
    *dev_a = ia;
  if (dev_b)
    *dev_b = ib;
  return TRUE;
}

extern "C" SimNode
sim_dev_node(SimDev dev)
{
  DevEntry *d = GetDev(dev);
  return d ? d->node : -1;
}

extern "C" SimDev
sim_dev_peer(SimDev dev)
{
  DevEntry *d = GetDev(dev);
  return d ? d->peer : -1;
}

extern "C" guint32
sim_dev_mtu(SimDev dev)
{
  DevEntry *d = GetDev(dev);
  return d ? d->mtu : 0;
}

extern "C" guint64
sim_dev_rate_bps(SimDev dev)
{
  DevEntry *d = GetDev(dev);
  return d ? d->rate : 0;
}

extern "C" guint
sim_dev_count(void)
{
  return static_cast<guint>(w.devs.size());
}

extern "C" gboolean
sim_dev_can_send(SimDev dev)
{
  DevEntry *d = GetDev(dev);
  return d != nullptr && d->queue->GetNPackets() < d->queue->GetMaxSize().GetValue();
}

extern "C" gboolean
sim_dev_send_ip(SimDev dev, const guint8 *ip, gsize len)
{
  DevEntry *d = GetDev(dev);
  if (d == nullptr || DevOnHost(d) || ip == nullptr || len < 20 || len > 65535)
    return FALSE;
  if (!sim_dev_can_send(dev))
    return FALSE;
  Ptr<Packet> p = Create<Packet>(ip, static_cast<uint32_t>(len));
  return d->dev->Send(p, d->dev->GetBroadcast(), 0x0800);
}

extern "C" void
sim_dev_set_idle_cb(SimDev dev, SimDevIdleFn fn, void *ctx)
{
  DevEntry *d = GetDev(dev);
  if (d == nullptr)
    return;
  d->idle_fn = fn;
  d->idle_ctx = ctx;
  if (fn != nullptr && !d->idle_hooked) {
    d->queue->TraceConnectWithoutContext("Dequeue", MakeBoundCallback(&OnDequeue, dev));
    d->idle_hooked = true;
  }
}

extern "C" gboolean
sim_pcap_enable(SimDev dev, const char *path, GError **error)
{
  DevEntry *d = GetDev(dev);
  if (d == nullptr)
    return fail(error, w.setup ? SIM_ERROR_INVALID : SIM_ERROR_STATE,
                "sim_pcap_enable: no device %d", dev);
  if (path == nullptr || path[0] == '\0')
    return fail(error, SIM_ERROR_INVALID, "sim_pcap_enable: no path");
  /* PcapHelper aborts the process on an unwritable path: try it first. */
  FILE *probe = fopen(path, "wb");
  if (probe == nullptr)
    return fail(error, SIM_ERROR_RESOURCE, "sim_pcap_enable: cannot write %s: %s", path,
                g_strerror(errno));
  fclose(probe);
  /* As PointToPointHelper::EnablePcapInternal does: PPP link type, the PromiscSniffer trace. */
  PcapHelper helper;
  Ptr<PcapFileWrapper> file = helper.CreateFile(path, std::ios::out, PcapHelper::DLT_PPP);
  helper.HookDefaultSink<PointToPointNetDevice>(d->dev, "PromiscSniffer", file);
  w.pcaps.push_back(file);
  return TRUE;
}

/* ---- Hosts: addresses and routes ------------------------------------------------------------- */

static DevEntry *
HostDev(SimDev dev, const char *what, GError **error)
{
  DevEntry *d = GetDev(dev);
  if (d == nullptr) {
    fail(error, w.setup ? SIM_ERROR_INVALID : SIM_ERROR_STATE, "%s: no device %d", what, dev);
    return nullptr;
  }
  if (!DevOnHost(d)) {
    fail(error, SIM_ERROR_INVALID, "%s: device %d belongs to router %s", what, dev,
         w.nodes[d->node]->name.c_str());
    return nullptr;
  }
  return d;
}

extern "C" gboolean
sim_host_add_address(SimDev dev, guint32 addr, guint8 prefix_len, GError **error)
{
  const char *what = "sim_host_add_address";
  DevEntry *d = HostDev(dev, what, error);
  if (d == nullptr)
    return FALSE;
  if (prefix_len > 32)
    return fail(error, SIM_ERROR_INVALID, "%s: prefix length %u > 32", what, prefix_len);
  guint8 top = addr >> 24;
  if (addr == 0 || addr == G_MAXUINT32 || top == 127 || top >= 224)
    return fail(error, SIM_ERROR_INVALID, "%s: not a unicast address", what);
  Ptr<Ipv4> ipv4 = w.nodes[d->node]->node->GetObject<Ipv4>();
  if (ipv4->GetInterfaceForAddress(Ipv4Address(addr)) >= 0) {
    char b[16];
    return fail(error, SIM_ERROR_RESOURCE, "%s: %s already has address %s", what,
                w.nodes[d->node]->name.c_str(), sim_addr_format(addr, b));
  }
  int32_t iface = ipv4->GetInterfaceForDevice(d->dev);
  if (iface < 0)
    iface = static_cast<int32_t>(ipv4->AddInterface(d->dev));
  ipv4->AddAddress(iface, Ipv4InterfaceAddress(Ipv4Address(addr),
                                               Ipv4Mask(sim_prefix_mask_internal(prefix_len))));
  /* SetUp() adds a network route per address; AddAddress() alone does it once up. */
  if (!ipv4->IsUp(iface))
    ipv4->SetUp(iface);
  return TRUE;
}

extern "C" gboolean
sim_host_add_route(SimNode host, guint32 dest, guint8 prefix_len, guint32 gateway, SimDev dev,
                   GError **error)
{
  const char *what = "sim_host_add_route";
  NodeEntry *n = CheckHostLocal(host, SimAddr{0, 0}, what, error);
  if (n == nullptr)
    return FALSE;
  DevEntry *d = HostDev(dev, what, error);
  if (d == nullptr)
    return FALSE;
  if (d->node != host)
    return fail(error, SIM_ERROR_INVALID, "%s: device %d is not on host %s", what, dev,
                n->name.c_str());
  if (prefix_len > 32)
    return fail(error, SIM_ERROR_INVALID, "%s: prefix length %u > 32", what, prefix_len);
  guint32 mask = sim_prefix_mask_internal(prefix_len);
  if ((dest & ~mask) != 0)
    return fail(error, SIM_ERROR_INVALID, "%s: destination has bits outside /%u", what, prefix_len);
  Ptr<Ipv4> ipv4 = n->node->GetObject<Ipv4>();
  int32_t iface = ipv4->GetInterfaceForDevice(d->dev);
  if (iface < 0)
    return fail(error, SIM_ERROR_STATE, "%s: device %d has no address yet", what, dev);
  Ptr<Ipv4StaticRouting> rt = Ipv4StaticRoutingHelper().GetStaticRouting(ipv4);
  if (!rt)
    return fail(error, SIM_ERROR_STATE, "%s: host %s has no static routing", what, n->name.c_str());
  if (gateway != 0)
    rt->AddNetworkRouteTo(Ipv4Address(dest), Ipv4Mask(mask), Ipv4Address(gateway), iface);
  else
    rt->AddNetworkRouteTo(Ipv4Address(dest), Ipv4Mask(mask), iface);
  return TRUE;
}

extern "C" gboolean
sim_host_set_forwarding(SimNode host, gboolean on, GError **error)
{
  NodeEntry *n = CheckHostLocal(host, SimAddr{0, 0}, "sim_host_set_forwarding", error);
  if (n == nullptr)
    return FALSE;
  n->node->GetObject<Ipv4>()->SetAttribute("IpForward", BooleanValue(on != FALSE));
  return TRUE;
}

/* ---- Sockets --------------------------------------------------------------------------------- */

extern "C" SimSock
sim_udp_open(SimNode host, SimAddr local, const SimSockOps *ops, void *ctx, GError **error)
{
  NodeEntry *n = CheckHostLocal(host, local, "sim_udp_open", error);
  if (n == nullptr)
    return -1;
  Ptr<Socket> s = Socket::CreateSocket(n->node, UdpSocketFactory::GetTypeId());
  if (!BindLocal(s, local, "sim_udp_open", error)) {
    s->Close();
    return -1;
  }
  SimSock id;
  NewSock(host, SOCK_UDP, s, ops, ctx, &id);
  s->SetRecvCallback(MakeBoundCallback(&SockRecv, id));
  return id;
}

extern "C" gboolean
sim_udp_send(SimSock sock, SimAddr to, const guint8 *data, gsize len)
{
  SockEntry *e = GetSock(sock);
  if (e == nullptr || e->kind != SOCK_UDP || (data == nullptr && len > 0) || len > 65507 ||
      to.addr == 0 || to.port == 0)
    return FALSE;
  Ptr<Packet> p = Create<Packet>(data, static_cast<uint32_t>(len));
  /* ns-3's UDP SendTo() takes the TOS from the address, not from the socket option. */
  InetSocketAddress dest = ToInet(to);
  dest.SetTos(e->tos);
  return e->sock->SendTo(p, 0, dest) >= 0;
}

extern "C" SimSock
sim_tcp_listen(SimNode host, SimAddr local, const SimSockOps *ops, void *ctx, GError **error)
{
  NodeEntry *n = CheckHostLocal(host, local, "sim_tcp_listen", error);
  if (n == nullptr)
    return -1;
  if (local.port == 0) {
    fail(error, SIM_ERROR_INVALID, "sim_tcp_listen: a listener needs a port");
    return -1;
  }
  Ptr<Socket> s = NewListenSocket(n->node); /* not TcpSocketFactory: see ListenTcpSocket */
  if (!BindLocal(s, local, "sim_tcp_listen", error))
    return -1;
  if (s->Listen() != 0) {
    fail(error, SIM_ERROR_RESOURCE, "sim_tcp_listen: listen failed");
    return -1;
  }
  SimSock id;
  NewSock(host, SOCK_TCP_LISTEN, s, ops, ctx, &id);
  s->SetAcceptCallback(MakeCallback(&AcceptAll), MakeBoundCallback(&TcpNewConn, id));
  return id;
}

extern "C" SimSock
sim_tcp_connect(SimNode host, SimAddr local, SimAddr remote, const SimSockOps *ops, void *ctx,
                GError **error)
{
  NodeEntry *n = CheckHostLocal(host, local, "sim_tcp_connect", error);
  if (n == nullptr)
    return -1;
  if (remote.addr == 0 || remote.port == 0) {
    fail(error, SIM_ERROR_INVALID, "sim_tcp_connect: remote address and port must be set");
    return -1;
  }
  Ptr<Socket> s = Socket::CreateSocket(n->node, TcpSocketFactory::GetTypeId());
  if (!BindLocal(s, local, "sim_tcp_connect", error))
    return -1;
  /* Callbacks are set after Connect(): a synchronous failure must not reach C before it
   * has the socket id. */
  if (s->Connect(ToInet(remote)) != 0) {
    char b[16];
    fail(error, SIM_ERROR_RESOURCE, "sim_tcp_connect: cannot connect to %s:%u (no route?)",
         sim_addr_format(remote.addr, b), remote.port);
    s->Close();
    return -1;
  }
  SimSock id;
  SockEntry *e = NewSock(host, SOCK_TCP_CONN, s, ops, ctx, &id);
  e->peer = remote;
  e->connecting = true;
  s->SetConnectCallback(MakeBoundCallback(&TcpConnOk, id), MakeBoundCallback(&TcpConnFail, id));
  s->TraceConnectWithoutContext("Rx", MakeBoundCallback(&TcpRxTrace, id));
  HookTcp(id, s);
  return id;
}

extern "C" gsize
sim_tcp_send(SimSock sock, const guint8 *data, gsize len)
{
  SockEntry *e = GetSock(sock);
  if (e == nullptr || e->kind != SOCK_TCP_CONN || data == nullptr || len == 0)
    return 0;
  gsize n = std::min<gsize>(len, e->sock->GetTxAvailable());
  if (n < len)
    e->want_writable = true;
  if (n == 0)
    return 0;
  Ptr<Packet> p = Create<Packet>(data, static_cast<uint32_t>(n));
  int r = e->sock->Send(p, 0);
  return r > 0 ? static_cast<gsize>(r) : 0;
}

extern "C" gsize
sim_tcp_send_space(SimSock sock)
{
  SockEntry *e = GetSock(sock);
  if (e == nullptr || e->kind != SOCK_TCP_CONN)
    return 0;
  return e->sock->GetTxAvailable();
}

extern "C" void
sim_sock_set_ops(SimSock sock, const SimSockOps *ops, void *ctx)
{
  SockEntry *e = GetSock(sock);
  if (e == nullptr)
    return;
  e->ops = ops ? *ops : SimSockOps{};
  e->ctx = ctx;
}

extern "C" gboolean
sim_sock_set_tos(SimSock sock, guint8 tos)
{
  SockEntry *e = GetSock(sock);
  if (e == nullptr)
    return FALSE;
  e->tos = tos;
  e->sock->SetIpTos(tos); /* TCP tags every segment with it */
  return TRUE;
}

extern "C" SimAddr
sim_sock_local(SimSock sock)
{
  SockEntry *e = GetSock(sock);
  Address a;
  if (e == nullptr || e->sock->GetSockName(a) != 0)
    return SimAddr{0, 0};
  return ToSimAddr(a);
}

extern "C" void
sim_sock_close(SimSock sock)
{
  SockEntry *e = GetSock(sock);
  if (e == nullptr)
    return;
  /* Only the flag changes here: this may run inside one of the socket's own ns-3 callbacks,
   * which must not be replaced while they execute.  Callbacks check the flag. */
  e->open = false;
  e->sock->Close();
}
