# mos
# experiment: router-archetypes
# description: The archetypes differ through their ALG. Those whose ALG is on (TP-Link, ASUS, Netgear,
#   eero) make a PBX that trusts Contact and SDP work over UDP and TCP; the RFC 4787 router, the Linux-based
#   consumer router (no helper assigned) and the symmetric NAT leave that PBX with one-way audio and
#   no inbound call, and behind the symmetric NAT it cannot even register (it answers to the Via port,
#   RFC 3261 §18.2.2 without rport). A NAT-aware PBX works behind every archetype over UDP and TLS;
#   over TCP the ALG routers cost it the inbound call; over TLS no ALG helps the PBX that trusts the
#   SDP.
# Written by algsim plot from cells.csv and calls.csv; reads mos.dat.
# Run `gnuplot mos.gp` in this directory to redraw mos.png and mos.svg.
if (!exists("png")) png = 'mos.png'
if (!exists("svg")) svg = 'mos.svg'
dat = 'mos.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'router-archetypes: MOS per cell (mean; bars: 10th to 90th percentile)' noenhanced
set ylabel 'MOS (E-model, worse direction)'
set yrange [1:4.5]
set ytics 1, 0.5, 4.5
set grid ytics lt 1 lc rgb '#d9d9d9'
set xlabel 'router.profile / pbx.profile / phone.transport' noenhanced
set xtics ('rfc4787 / naive / udp' 0, 'rfc4787 / naive / tcp' 1, 'rfc4787 / naive / tls' 2, 'rfc4787 / nat-aware / udp' 3, 'rfc4787 / nat-aware / tcp' 4, 'rfc4787 / nat-aware / tls' 5, 'linux-consumer / naive / udp' 6, 'linux-consumer / naive / tcp' 7, 'linux-consumer / naive / tls' 8, 'linux-consumer / nat-aware / udp' 9, 'linux-consumer / nat-aware / tcp' 10, 'linux-consumer / nat-aware / tls' 11, 'symmetric / naive / tcp' 12, 'symmetric / naive / tls' 13, 'symmetric / nat-aware / udp' 14, 'symmetric / nat-aware / tcp' 15, 'symmetric / nat-aware / tls' 16, 'tplink-archer / naive / udp' 17, 'tplink-archer / naive / tcp' 18, 'tplink-archer / naive / tls' 19, 'tplink-archer / nat-aware / udp' 20, 'tplink-archer / nat-aware / tcp' 21, 'tplink-archer / nat-aware / tls' 22, 'asus-rt / naive / udp' 23, 'asus-rt / naive / tcp' 24, 'asus-rt / naive / tls' 25, 'asus-rt / nat-aware / udp' 26, 'asus-rt / nat-aware / tcp' 27, 'asus-rt / nat-aware / tls' 28, 'netgear-nighthawk / naive / udp' 29, 'netgear-nighthawk / naive / tcp' 30, 'netgear-nighthawk / naive / tls' 31, 'netgear-nighthawk / nat-aware / udp' 32, 'netgear-nighthawk / nat-aware / tcp' 33, 'netgear-nighthawk / nat-aware / tls' 34, 'eero / naive / udp' 35, 'eero / naive / tcp' 36, 'eero / naive / tls' 37, 'eero / nat-aware / udp' 38, 'eero / nat-aware / tcp' 39, 'eero / nat-aware / tls' 40) noenhanced nomirror scale 0 rotate by 40 right
set xrange [-0.6:40.4]
unset key
set rmargin 3
# A mean below 1 (calls with a direction not heard have MOS 0) is marked at the
# bottom with a red triangle and its value.

set terminal pngcairo size 2636,620 enhanced font "DejaVu Sans,10"
set output png
plot dat using 1:2:3:4 with yerrorbars pt 7 ps 1.2 lw 1.5 lc rgb '#1f77b4' notitle, \
     dat using 1:($2 < 1 ? 1.06 : NaN) with points pt 11 ps 1.5 lc rgb '#d62728' notitle, \
     dat using 1:($2 < 1 ? 1.18 : NaN):(sprintf('%.2f', $2)) with labels tc rgb '#d62728' notitle

set terminal svg size 2636,620 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat using 1:2:3:4 with yerrorbars pt 7 ps 1.2 lw 1.5 lc rgb '#1f77b4' notitle, \
     dat using 1:($2 < 1 ? 1.06 : NaN) with points pt 11 ps 1.5 lc rgb '#d62728' notitle, \
     dat using 1:($2 < 1 ? 1.18 : NaN):(sprintf('%.2f', $2)) with labels tc rgb '#d62728' notitle
unset output
