# mos
# experiment: quickstart
# description: Whether a call gets two-way audio depends on the router's SIP ALG and on the PBX together.
#   With the ALG off, a naive PBX sends its audio to the phone's private address (one-way audio) while
#   a NAT-aware PBX (rport, symmetric RTP latching) works; the Linux ALG rewrites the SDP so that both
#   work; an ALG that rewrites the SDP media port wrongly breaks the naive PBX, and latching rescues
#   the NAT-aware one.
# Written by algsim plot from cells.csv and calls.csv; reads mos.dat.
# Run `gnuplot mos.gp` in this directory to redraw mos.png and mos.svg.
if (!exists("png")) png = 'mos.png'
if (!exists("svg")) svg = 'mos.svg'
dat = 'mos.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'quickstart: MOS per cell (mean; bars: 10th to 90th percentile)' noenhanced
set ylabel 'MOS (E-model, worse direction)'
set yrange [1:4.5]
set ytics 1, 0.5, 4.5
set grid ytics lt 1 lc rgb '#d9d9d9'
set xlabel 'router.alg / pbx.profile' noenhanced
set xtics ('off / naive' 0, 'off / nat-aware' 1, 'linux / naive' 2, 'linux / nat-aware' 3, 'wrong-media-port / naive' 4, 'wrong-media-port / nat-aware' 5) noenhanced nomirror scale 0 rotate by 40 right
set xrange [-0.6:5.4]
unset key
set rmargin 3
# A mean below 1 (calls with a direction not heard have MOS 0) is marked at the
# bottom with a red triangle and its value.

set terminal pngcairo size 676,592 enhanced font "DejaVu Sans,10"
set output png
plot dat using 1:2:3:4 with yerrorbars pt 7 ps 1.2 lw 1.5 lc rgb '#1f77b4' notitle, \
     dat using 1:($2 < 1 ? 1.06 : NaN) with points pt 11 ps 1.5 lc rgb '#d62728' notitle, \
     dat using 1:($2 < 1 ? 1.18 : NaN):(sprintf('%.2f', $2)) with labels tc rgb '#d62728' notitle

set terminal svg size 676,592 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat using 1:2:3:4 with yerrorbars pt 7 ps 1.2 lw 1.5 lc rgb '#1f77b4' notitle, \
     dat using 1:($2 < 1 ? 1.06 : NaN) with points pt 11 ps 1.5 lc rgb '#d62728' notitle, \
     dat using 1:($2 < 1 ? 1.18 : NaN):(sprintf('%.2f', $2)) with labels tc rgb '#d62728' notitle
unset output
