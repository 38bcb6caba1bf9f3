# audio-classes
# experiment: traversal
# description: With address-and-port-dependent mapping (symmetric NAT) the STUN address is not the mapping
#   the PBX's media server meets, so STUN-only media fails while it works behind endpoint-independent
#   mapping; TURN and ICE give two-way audio behind every NAT, TURN at the cost of a longer path (higher
#   one-way delay) and relay load on the TURN server, ICE avoiding the relay where a direct or peer-reflexive
#   pair works; server latching gives two-way audio without any client traversal, with the ALG off as
#   well as on; without any traversal the phone's private SDP gives one-way audio, unless the Linux ALG
#   rewrites it and opens the media pinhole, which rescues the call behind all three NATs.
# Written by algsim plot from cells.csv and calls.csv; reads audio-classes.dat.
# Run `gnuplot audio-classes.gp` in this directory to redraw audio-classes.png and audio-classes.svg.
if (!exists("png")) png = 'audio-classes.png'
if (!exists("svg")) svg = 'audio-classes.svg'
dat = 'audio-classes.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'traversal: audio of the calls per cell' noenhanced
set xlabel 'phone.traversal / pbx.latching / pbx.ice / nat.mapping / nat.filtering / router.alg' noenhanced
set xtics ('none / off / off / eim / eif / off' 0, 'none / off / off / eim / eif / linux' 1, 'none / off / off / eim / apdf / off' 2, 'none / off / off / eim / apdf / linux' 3, 'none / off / off / apdm / apdf / off' 4, 'none / off / off / apdm / apdf / linux' 5, 'stun / off / off / eim / eif / off' 6, 'stun / off / off / eim / eif / linux' 7, 'stun / off / off / eim / apdf / off' 8, 'stun / off / off / eim / apdf / linux' 9, 'stun / off / off / apdm / apdf / off' 10, 'stun / off / off / apdm / apdf / linux' 11, 'turn / off / off / eim / eif / off' 12, 'turn / off / off / eim / eif / linux' 13, 'turn / off / off / eim / apdf / off' 14, 'turn / off / off / eim / apdf / linux' 15, 'turn / off / off / apdm / apdf / off' 16, 'turn / off / off / apdm / apdf / linux' 17, 'ice / off / lite / eim / eif / off' 18, 'ice / off / lite / eim / eif / linux' 19, 'ice / off / lite / eim / apdf / off' 20, 'ice / off / lite / eim / apdf / linux' 21, 'ice / off / lite / apdm / apdf / off' 22, 'ice / off / lite / apdm / apdf / linux' 23, 'none / strict / off / eim / eif / off' 24, 'none / strict / off / eim / eif / linux' 25, 'none / strict / off / eim / apdf / off' 26, 'none / strict / off / eim / apdf / linux' 27, 'none / strict / off / apdm / apdf / off' 28, 'none / strict / off / apdm / apdf / linux' 29) noenhanced nomirror scale 0 rotate by 40 right
set xrange [-0.6:29.4]
set ylabel 'share of calls (%)'
set yrange [0:100]
set ytics 0, 20, 100
set grid ytics lt 1 lc rgb '#d9d9d9'
set style data histograms
set style histogram rowstacked
set style fill solid 1.0 border lc rgb 'white'
set boxwidth 0.7
set key outside right top vertical Left reverse title 'audio'

set terminal pngcairo size 2020,644 enhanced font "DejaVu Sans,10"
set output png
plot dat using 2 title 'two-way' lc rgb '#2ca02c', \
     dat using 3 title 'one-way out' lc rgb '#ff7f0e', \
     dat using 4 title 'one-way in' lc rgb '#9467bd', \
     dat using 5 title 'none' lc rgb '#d62728', \
     dat using 6 title 'not set up' lc rgb '#7f7f7f'

set terminal svg size 2020,644 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat using 2 title 'two-way' lc rgb '#2ca02c', \
     dat using 3 title 'one-way out' lc rgb '#ff7f0e', \
     dat using 4 title 'one-way in' lc rgb '#9467bd', \
     dat using 5 title 'none' lc rgb '#d62728', \
     dat using 6 title 'not set up' lc rgb '#7f7f7f'
unset output
