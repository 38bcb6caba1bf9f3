#!/bin/bash
# measure-expiry.sh - the timed side of #39 on the REAL kernel, which real-alg-testbed.sh cannot show
# (it sends its probes right after each step).  Run as root; takes about 100 s.
#
# 1. The testbed records 39-early-media-shadows-expectation with --keep, so the router keeps its
#    conntrack entries (pbx 203.0.113.10:20000/20001 -> 203.0.113.2:4000/4001, [UNREPLIED], 30 s)
#    and the INVITE's expectations (180 s).
# 2. Expiry: from the pbx, 20000 -> 203.0.113.2:4000 every second for 40 s (each refreshes the
#    entry), one datagram 20001 -> :4001 after 39 s of silence, then 20000 -> :4000 after 33 s of
#    silence and once more 8 s later.  The phone (192.168.1.50:4000/4001) logs what arrives.
# 3. Clash: a fresh run; the phone sends from 192.168.1.50:4000 to 203.0.113.10:20000 while the
#    router's entry for 20000 -> :4000 lives; the pbx logs the source port it sees and answers to
#    203.0.113.2:4000 and to that port.
# Output: what each side received, and `conntrack -L` of the router at t = 20, 37, 60, 75, 85 s.
set -u
TESTBED=${TESTBED:-/work/shared/tools/real-alg-testbed.sh}
P=${ALG_NS_PREFIX:-extra-}
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d /tmp/measure-expiry.XXXXXX)
trap 'ALG_NS_PREFIX=$P "$TESTBED" --cleanup; rm -rf "$W"' EXIT
CASE=39-early-media-shadows-expectation
ARGS="-d phone2pbx -t udp -s 5060 --rtp-probe --probe-before-sport 20000 --probe-sport 20000"

cat > "$W/phone.py" <<'PY'
import socket, select, sys, time
t0 = float(sys.argv[1]); ss = []
for p in (4000, 4001):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('192.168.1.50', p)); ss.append(s)
end = time.time() + 90
while time.time() < end:
    for s in select.select(ss, [], [], 1)[0]:
        d, a = s.recvfrom(2000)
        print('%5.1f s phone :%d got %r from %s:%d' % (time.time() - t0, s.getsockname()[1], d, a[0], a[1]), flush=True)
PY
cat > "$W/pbx.py" <<'PY'
import socket, sys, time
t0 = float(sys.argv[1])
def sock(p):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('203.0.113.10', p)); return s
a, b = sock(20000), sock(20001)
def at(t):
    time.sleep(max(0, t0 + t - time.time()))
def send(s, what, port):
    s.sendto(what, ('203.0.113.2', port)); print('%5.1f s pbx sent %r' % (time.time() - t0, what), flush=True)
for i in range(40):
    at(i); send(a, b'RTP %d' % i, 4000)
at(39); send(b, b'RTCP after 39 s of silence', 4001)
at(72); send(a, b'RTP after 33 s of silence', 4000)
at(80); send(a, b'RTP again', 4000)
PY
cat > "$W/clash-phone.py" <<'PY'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('192.168.1.50', 4000)); s.settimeout(0.2)
s.sendto(b'PHONE RTP', ('203.0.113.10', 20000)); print('phone sent from 192.168.1.50:4000', flush=True)
end = time.time() + 4
while time.time() < end:
    try:
        d, a = s.recvfrom(2000); print('phone got %r from %s:%d' % (d, a[0], a[1]), flush=True)
    except socket.timeout:
        pass
PY
cat > "$W/clash-pbx.py" <<'PY'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('203.0.113.10', 20000)); s.settimeout(3)
d, a = s.recvfrom(2000); print('pbx got %r from %s:%d' % (d, a[0], a[1]), flush=True)
s.sendto(b'TO THE SDP PORT 4000', ('203.0.113.2', 4000)); time.sleep(0.5)
s.sendto(b'TO THE PORT SEEN %d' % a[1], a); print('pbx sent to 203.0.113.2:4000 and to %s:%d' % a, flush=True)
PY

cd "$HERE"
echo "== expiry"
ALG_NS_PREFIX=$P "$TESTBED" --keep $ARGS -o "$W/out" -r "$W/rep" $CASE.in 2>/dev/null
T0=$(date +%s.%N)
ip netns exec ${P}phone python3 "$W/phone.py" "$T0" > "$W/phone.log" 2>&1 &
PH=$!
sleep 0.3
ip netns exec ${P}pbx python3 "$W/pbx.py" "$T0" > "$W/pbx.log" 2>&1 &
PB=$!
for t in 20 37 60 75 85; do
    sleep "$(python3 -c "import time; print(max(0, $T0 + $t - time.time()))")"
    echo "-- conntrack at $t s"
    ip netns exec ${P}router conntrack -L 2>/dev/null | grep 'dport=400[01]'
done
wait $PB $PH
sort -n -k1,1 -s "$W/pbx.log" "$W/phone.log" | grep -v 'sent b.RTP [1-9]'
ALG_NS_PREFIX=$P "$TESTBED" --cleanup
echo "== clash"
ALG_NS_PREFIX=$P "$TESTBED" --keep $ARGS -o "$W/out" -r "$W/rep" $CASE.in 2>/dev/null
ip netns exec ${P}pbx python3 "$W/clash-pbx.py" > "$W/cpbx.log" 2>&1 &
PB=$!
sleep 0.3
ip netns exec ${P}phone python3 "$W/clash-phone.py"
wait $PB
cat "$W/cpbx.log"
ip netns exec ${P}router conntrack -L 2>/dev/null | grep 'port=4000 '
