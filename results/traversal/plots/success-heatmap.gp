# success-heatmap
# experiment: traversal
# description: With address-and-port-dependent mapping (symmetric NAT) the STUN address is not the mapping
#   the PBX's media server meets, so STUN-only media fails while it works behind endpoint-independent
#   mapping; TURN and ICE give two-way audio behind every NAT, TURN at the cost of a longer path (higher
#   one-way delay) and relay load on the TURN server, ICE avoiding the relay where a direct or peer-reflexive
#   pair works; server latching gives two-way audio without any client traversal, with the ALG off as
#   well as on; without any traversal the phone's private SDP gives one-way audio, unless the Linux ALG
#   rewrites it and opens the media pinhole, which rescues the call behind all three NATs.
# Written by algsim plot from cells.csv and calls.csv; reads success-heatmap.dat.
# Run `gnuplot success-heatmap.gp` in this directory to redraw success-heatmap.png and success-heatmap.svg.
if (!exists("png")) png = 'success-heatmap.png'
if (!exists("svg")) svg = 'success-heatmap.svg'
dat = 'success-heatmap.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'traversal: call success by phone.traversal+pbx.latching+pbx.ice and nat.mapping' noenhanced
set xlabel 'phone.traversal+pbx.latching+pbx.ice' noenhanced
set ylabel 'nat.mapping' noenhanced
set xrange [-0.5:4.5]
set yrange [1.5:-0.5]
set xtics ('none+off+off' 0, 'stun+off+off' 1, 'turn+off+off' 2, 'ice+off+lite' 3, 'none+strict+off' 4) noenhanced nomirror scale 0
set ytics ('eim' 0, 'apdm' 1) noenhanced nomirror scale 0
set cbrange [0:1]
set cbtics ('0' 0, '25' 0.25, '50' 0.5, '75' 0.75, '100' 1)
set cblabel 'call success (%)'
set palette defined (0 '#d73027', 0.5 '#fee08b', 1 '#1a9850')
set style fill solid 1.0 border lc rgb 'white'
unset key

set terminal pngcairo size 813,310 enhanced font "DejaVu Sans,10"
set output png
plot dat using 1:2:(0.5):(0.5):5 with boxxyerror fc palette, \
     dat using ($4 == 0 ? $1 : NaN):2:(0.5):(0.5) with boxxyerror fc rgb '#d9d9d9', \
     dat using 1:2:6 with labels noenhanced

set terminal svg size 813,310 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat using 1:2:(0.5):(0.5):5 with boxxyerror fc palette, \
     dat using ($4 == 0 ? $1 : NaN):2:(0.5):(0.5) with boxxyerror fc rgb '#d9d9d9', \
     dat using 1:2:6 with labels noenhanced
unset output
