# success-heatmap
# experiment: quickstart
# description: Whether a call gets two-way audio depends on the router's SIP ALG and on the PBX together.
#   With the ALG off, a naive PBX sends its audio to the phone's private address (one-way audio) while
#   a NAT-aware PBX (rport, symmetric RTP latching) works; the Linux ALG rewrites the SDP so that both
#   work; an ALG that rewrites the SDP media port wrongly breaks the naive PBX, and latching rescues
#   the NAT-aware one.
# Written by algsim plot from cells.csv and calls.csv; reads success-heatmap.dat.
# Run `gnuplot success-heatmap.gp` in this directory to redraw success-heatmap.png and success-heatmap.svg.
if (!exists("png")) png = 'success-heatmap.png'
if (!exists("svg")) svg = 'success-heatmap.svg'
dat = 'success-heatmap.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'quickstart: call success by router.alg and pbx.profile' noenhanced
set xlabel 'router.alg' noenhanced
set ylabel 'pbx.profile' noenhanced
set xrange [-0.5:2.5]
set yrange [1.5:-0.5]
set xtics ('off' 0, 'linux' 1, 'wrong-media-port' 2) noenhanced nomirror scale 0
set ytics ('naive' 0, 'nat-aware' 1) noenhanced nomirror scale 0
set cbrange [0:1]
set cbtics ('0' 0, '25' 0.25, '50' 0.5, '75' 0.75, '100' 1)
set cblabel 'call success (%)'
set palette defined (0 '#d73027', 0.5 '#fee08b', 1 '#1a9850')
set style fill solid 1.0 border lc rgb 'white'
unset key

set terminal pngcairo size 638,310 enhanced font "DejaVu Sans,10"
set output png
plot dat using 1:2:(0.5):(0.5):5 with boxxyerror fc palette, \
     dat using ($4 == 0 ? $1 : NaN):2:(0.5):(0.5) with boxxyerror fc rgb '#d9d9d9', \
     dat using 1:2:6 with labels noenhanced

set terminal svg size 638,310 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat using 1:2:(0.5):(0.5):5 with boxxyerror fc palette, \
     dat using ($4 == 0 ? $1 : NaN):2:(0.5):(0.5) with boxxyerror fc rgb '#d9d9d9', \
     dat using 1:2:6 with labels noenhanced
unset output
