# mos
# experiment: traversal
# description: With address-and-port-dependent mapping (symmetric NAT) the STUN address is not the mapping
#   the PBX's media server meets, so STUN-only media fails while it works behind endpoint-independent
#   mapping; TURN and ICE give two-way audio behind every NAT, TURN at the cost of a longer path (higher
#   one-way delay) and relay load on the TURN server, ICE avoiding the relay where a direct or peer-reflexive
#   pair works; server latching gives two-way audio without any client traversal, with the ALG off as
#   well as on; without any traversal the phone's private SDP gives one-way audio, unless the Linux ALG
#   rewrites it and opens the media pinhole, which rescues the call behind all three NATs.
# Written by algsim plot from cells.csv and calls.csv; reads mos.dat.
# Run `gnuplot mos.gp` in this directory to redraw mos.png and mos.svg.
if (!exists("png")) png = 'mos.png'
if (!exists("svg")) svg = 'mos.svg'
dat = 'mos.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'traversal: MOS per cell (mean; bars: 10th to 90th percentile)' noenhanced
set ylabel 'MOS (E-model, worse direction)'
set yrange [1:4.5]
set ytics 1, 0.5, 4.5
set grid ytics lt 1 lc rgb '#d9d9d9'
set xlabel 'phone.traversal / pbx.latching / pbx.ice / nat.mapping / nat.filtering / router.alg' noenhanced
set xtics ('none / off / off / eim / eif / off' 0, 'none / off / off / eim / eif / linux' 1, 'none / off / off / eim / apdf / off' 2, 'none / off / off / eim / apdf / linux' 3, 'none / off / off / apdm / apdf / off' 4, 'none / off / off / apdm / apdf / linux' 5, 'stun / off / off / eim / eif / off' 6, 'stun / off / off / eim / eif / linux' 7, 'stun / off / off / eim / apdf / off' 8, 'stun / off / off / eim / apdf / linux' 9, 'stun / off / off / apdm / apdf / off' 10, 'stun / off / off / apdm / apdf / linux' 11, 'turn / off / off / eim / eif / off' 12, 'turn / off / off / eim / eif / linux' 13, 'turn / off / off / eim / apdf / off' 14, 'turn / off / off / eim / apdf / linux' 15, 'turn / off / off / apdm / apdf / off' 16, 'turn / off / off / apdm / apdf / linux' 17, 'ice / off / lite / eim / eif / off' 18, 'ice / off / lite / eim / eif / linux' 19, 'ice / off / lite / eim / apdf / off' 20, 'ice / off / lite / eim / apdf / linux' 21, 'ice / off / lite / apdm / apdf / off' 22, 'ice / off / lite / apdm / apdf / linux' 23, 'none / strict / off / eim / eif / off' 24, 'none / strict / off / eim / eif / linux' 25, 'none / strict / off / eim / apdf / off' 26, 'none / strict / off / eim / apdf / linux' 27, 'none / strict / off / apdm / apdf / off' 28, 'none / strict / off / apdm / apdf / linux' 29) noenhanced nomirror scale 0 rotate by 40 right
set xrange [-0.6:29.4]
unset key
set rmargin 3
# A mean below 1 (calls with a direction not heard have MOS 0) is marked at the
# bottom with a red triangle and its value.

set terminal pngcairo size 2020,644 enhanced font "DejaVu Sans,10"
set output png
plot dat using 1:2:3:4 with yerrorbars pt 7 ps 1.2 lw 1.5 lc rgb '#1f77b4' notitle, \
     dat using 1:($2 < 1 ? 1.06 : NaN) with points pt 11 ps 1.5 lc rgb '#d62728' notitle, \
     dat using 1:($2 < 1 ? 1.18 : NaN):(sprintf('%.2f', $2)) with labels tc rgb '#d62728' notitle

set terminal svg size 2020,644 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat using 1:2:3:4 with yerrorbars pt 7 ps 1.2 lw 1.5 lc rgb '#1f77b4' notitle, \
     dat using 1:($2 < 1 ? 1.06 : NaN) with points pt 11 ps 1.5 lc rgb '#d62728' notitle, \
     dat using 1:($2 < 1 ? 1.18 : NaN):(sprintf('%.2f', $2)) with labels tc rgb '#d62728' notitle
unset output
