# drop-cdf
# experiment: router-archetypes
# description: The archetypes differ through their ALG. Those whose ALG is on (TP-Link, ASUS, Netgear,
#   eero) make a PBX that trusts Contact and SDP work over UDP and TCP; the RFC 4787 router, the Linux-based
#   consumer router (no helper assigned) and the symmetric NAT leave that PBX with one-way audio and
#   no inbound call, and behind the symmetric NAT it cannot even register (it answers to the Via port,
#   RFC 3261 §18.2.2 without rport). A NAT-aware PBX works behind every archetype over UDP and TLS;
#   over TCP the ALG routers cost it the inbound call; over TLS no ALG helps the PBX that trusts the
#   SDP.
# Written by algsim plot from cells.csv and calls.csv; reads drop-cdf.dat.
# Run `gnuplot drop-cdf.gp` in this directory to redraw drop-cdf.png and drop-cdf.svg.
if (!exists("png")) png = 'drop-cdf.png'
if (!exists("svg")) svg = 'drop-cdf.svg'
dat = 'drop-cdf.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'router-archetypes: drop times of dropped calls, by router.profile' noenhanced
set xlabel 'drop time after call start (s)'
set ylabel 'fraction of dropped calls'
set yrange [0:1.05]
set ytics 0, 0.2, 1
set grid lt 1 lc rgb '#d9d9d9'
set xrange [0:1]
unset xtics
set label 1 'no call dropped' at graph 0.5, graph 0.5 center font ",14" noenhanced
unset key

set terminal pngcairo size 720,480 enhanced font "DejaVu Sans,10"
set output png
plot NaN notitle

set terminal svg size 720,480 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot NaN notitle
unset output
