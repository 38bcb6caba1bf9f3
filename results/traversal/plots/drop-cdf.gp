# drop-cdf
# experiment: traversal
# description: With address-and-port-dependent mapping (symmetric NAT) the STUN address is not the mapping
#   the PBX's media server meets, so STUN-only media fails while it works behind endpoint-independent
#   mapping; TURN and ICE give two-way audio behind every NAT, TURN at the cost of a longer path (higher
#   one-way delay) and relay load on the TURN server, ICE avoiding the relay where a direct or peer-reflexive
#   pair works; server latching gives two-way audio without any client traversal, with the ALG off as
#   well as on; without any traversal the phone's private SDP gives one-way audio, unless the Linux ALG
#   rewrites it and opens the media pinhole, which rescues the call behind all three NATs.
# Written by algsim plot from cells.csv and calls.csv; reads drop-cdf.dat.
# Run `gnuplot drop-cdf.gp` in this directory to redraw drop-cdf.png and drop-cdf.svg.
if (!exists("png")) png = 'drop-cdf.png'
if (!exists("svg")) svg = 'drop-cdf.svg'
dat = 'drop-cdf.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'traversal: drop times of dropped calls, by phone.traversal+pbx.latching+pbx.ice' noenhanced
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
