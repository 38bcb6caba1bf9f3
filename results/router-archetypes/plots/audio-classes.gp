# audio-classes
# experiment: router-archetypes
# description: The archetypes differ through their ALG. Those whose ALG is on (TP-Link, ASUS, Netgear,
#   eero) make a PBX that trusts Contact and SDP work over UDP and TCP; the RFC 4787 router, the Linux-based
#   consumer router (no helper assigned) and the symmetric NAT leave that PBX with one-way audio and
#   no inbound call, and behind the symmetric NAT it cannot even register (it answers to the Via port,
#   RFC 3261 §18.2.2 without rport). A NAT-aware PBX works behind every archetype over UDP and TLS;
#   over TCP the ALG routers cost it the inbound call; over TLS no ALG helps the PBX that trusts the
#   SDP.
# Written by algsim plot from cells.csv and calls.csv; reads audio-classes.dat.
# Run `gnuplot audio-classes.gp` in this directory to redraw audio-classes.png and audio-classes.svg.
if (!exists("png")) png = 'audio-classes.png'
if (!exists("svg")) svg = 'audio-classes.svg'
dat = 'audio-classes.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'router-archetypes: audio of the calls per cell' noenhanced
set xlabel 'router.profile / pbx.profile / phone.transport' noenhanced
set xtics ('rfc4787 / naive / udp' 0, 'rfc4787 / naive / tcp' 1, 'rfc4787 / naive / tls' 2, 'rfc4787 / nat-aware / udp' 3, 'rfc4787 / nat-aware / tcp' 4, 'rfc4787 / nat-aware / tls' 5, 'linux-consumer / naive / udp' 6, 'linux-consumer / naive / tcp' 7, 'linux-consumer / naive / tls' 8, 'linux-consumer / nat-aware / udp' 9, 'linux-consumer / nat-aware / tcp' 10, 'linux-consumer / nat-aware / tls' 11, 'symmetric / naive / udp' 12, 'symmetric / naive / tcp' 13, 'symmetric / naive / tls' 14, 'symmetric / nat-aware / udp' 15, 'symmetric / nat-aware / tcp' 16, 'symmetric / nat-aware / tls' 17, 'tplink-archer / naive / udp' 18, 'tplink-archer / naive / tcp' 19, 'tplink-archer / naive / tls' 20, 'tplink-archer / nat-aware / udp' 21, 'tplink-archer / nat-aware / tcp' 22, 'tplink-archer / nat-aware / tls' 23, 'asus-rt / naive / udp' 24, 'asus-rt / naive / tcp' 25, 'asus-rt / naive / tls' 26, 'asus-rt / nat-aware / udp' 27, 'asus-rt / nat-aware / tcp' 28, 'asus-rt / nat-aware / tls' 29, 'netgear-nighthawk / naive / udp' 30, 'netgear-nighthawk / naive / tcp' 31, 'netgear-nighthawk / naive / tls' 32, 'netgear-nighthawk / nat-aware / udp' 33, 'netgear-nighthawk / nat-aware / tcp' 34, 'netgear-nighthawk / nat-aware / tls' 35, 'eero / naive / udp' 36, 'eero / naive / tcp' 37, 'eero / naive / tls' 38, 'eero / nat-aware / udp' 39, 'eero / nat-aware / tcp' 40, 'eero / nat-aware / tls' 41) noenhanced nomirror scale 0 rotate by 40 right
set xrange [-0.6:41.4]
set ylabel 'share of calls (%)'
set yrange [0:100]
set ytics 0, 20, 100
set grid ytics lt 1 lc rgb '#d9d9d9'
set style data histograms
set style histogram rowstacked
set style fill solid 1.0 border lc rgb 'white'
set boxwidth 0.7
set key outside right top vertical Left reverse title 'audio'

set terminal pngcairo size 2692,620 enhanced font "DejaVu Sans,10"
set output png
plot dat using 2 title 'two-way' lc rgb '#2ca02c', \
     dat using 3 title 'one-way out' lc rgb '#ff7f0e', \
     dat using 4 title 'one-way in' lc rgb '#9467bd', \
     dat using 5 title 'none' lc rgb '#d62728', \
     dat using 6 title 'not set up' lc rgb '#7f7f7f'

set terminal svg size 2692,620 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat using 2 title 'two-way' lc rgb '#2ca02c', \
     dat using 3 title 'one-way out' lc rgb '#ff7f0e', \
     dat using 4 title 'one-way in' lc rgb '#9467bd', \
     dat using 5 title 'none' lc rgb '#d62728', \
     dat using 6 title 'not set up' lc rgb '#7f7f7f'
unset output
