# success-heatmap
# experiment: router-archetypes
# description: The archetypes differ through their ALG. Those whose ALG is on (TP-Link, ASUS, Netgear,
#   eero) make a PBX that trusts Contact and SDP work over UDP and TCP; the RFC 4787 router, the Linux-based
#   consumer router (no helper assigned) and the symmetric NAT leave that PBX with one-way audio and
#   no inbound call, and behind the symmetric NAT it cannot even register (it answers to the Via port,
#   RFC 3261 §18.2.2 without rport). A NAT-aware PBX works behind every archetype over UDP and TLS;
#   over TCP the ALG routers cost it the inbound call; over TLS no ALG helps the PBX that trusts the
#   SDP.
# Written by algsim plot from cells.csv and calls.csv; reads success-heatmap.dat.
# Run `gnuplot success-heatmap.gp` in this directory to redraw success-heatmap.png and success-heatmap.svg.
if (!exists("png")) png = 'success-heatmap.png'
if (!exists("svg")) svg = 'success-heatmap.svg'
dat = 'success-heatmap.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'router-archetypes: call success by router.profile and pbx.profile' noenhanced
set xlabel 'router.profile' noenhanced
set ylabel 'pbx.profile' noenhanced
set xrange [-0.5:6.5]
set yrange [1.5:-0.5]
set xtics ('rfc4787' 0, 'linux-consumer' 1, 'symmetric' 2, 'tplink-archer' 3, 'asus-rt' 4, 'netgear-nighthawk' 5, 'eero' 6) noenhanced nomirror scale 0
set ytics ('naive' 0, 'nat-aware' 1) noenhanced nomirror scale 0
set cbrange [0:1]
set cbtics ('0' 0, '25' 0.25, '50' 0.5, '75' 0.75, '100' 1)
set cblabel 'call success (%)'
set palette defined (0 '#d73027', 0.5 '#fee08b', 1 '#1a9850')
set style fill solid 1.0 border lc rgb 'white'
unset key

set terminal pngcairo size 1164,310 enhanced font "DejaVu Sans,10"
set output png
plot dat using 1:2:(0.5):(0.5):5 with boxxyerror fc palette, \
     dat using ($4 == 0 ? $1 : NaN):2:(0.5):(0.5) with boxxyerror fc rgb '#d9d9d9', \
     dat using 1:2:6 with labels noenhanced

set terminal svg size 1164,310 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat using 1:2:(0.5):(0.5):5 with boxxyerror fc palette, \
     dat using ($4 == 0 ? $1 : NaN):2:(0.5):(0.5) with boxxyerror fc rgb '#d9d9d9', \
     dat using 1:2:6 with labels noenhanced
unset output
