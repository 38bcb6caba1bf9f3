# audio-classes
# experiment: quickstart
# description: Whether a call gets two-way audio depends on the router's SIP ALG and on the PBX together.
#   With the ALG off, a naive PBX sends its audio to the phone's private address (one-way audio) while
#   a NAT-aware PBX (rport, symmetric RTP latching) works; the Linux ALG rewrites the SDP so that both
#   work; an ALG that rewrites the SDP media port wrongly breaks the naive PBX, and latching rescues
#   the NAT-aware one.
# Written by algsim plot from cells.csv and calls.csv; reads audio-classes.dat.
# Run `gnuplot audio-classes.gp` in this directory to redraw audio-classes.png and audio-classes.svg.
if (!exists("png")) png = 'audio-classes.png'
if (!exists("svg")) svg = 'audio-classes.svg'
dat = 'audio-classes.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'quickstart: audio of the calls per cell' noenhanced
set xlabel 'router.alg / pbx.profile' noenhanced
set xtics ('off / naive' 0, 'off / nat-aware' 1, 'linux / naive' 2, 'linux / nat-aware' 3, 'wrong-media-port / naive' 4, 'wrong-media-port / nat-aware' 5) noenhanced nomirror scale 0 rotate by 40 right
set xrange [-0.6:5.4]
set ylabel 'share of calls (%)'
set yrange [0:100]
set ytics 0, 20, 100
set grid ytics lt 1 lc rgb '#d9d9d9'
set style data histograms
set style histogram rowstacked
set style fill solid 1.0 border lc rgb 'white'
set boxwidth 0.7
set key outside right top vertical Left reverse title 'audio'

set terminal pngcairo size 676,592 enhanced font "DejaVu Sans,10"
set output png
plot dat using 2 title 'two-way' lc rgb '#2ca02c', \
     dat using 3 title 'one-way out' lc rgb '#ff7f0e', \
     dat using 4 title 'one-way in' lc rgb '#9467bd', \
     dat using 5 title 'none' lc rgb '#d62728', \
     dat using 6 title 'not set up' lc rgb '#7f7f7f'

set terminal svg size 676,592 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat using 2 title 'two-way' lc rgb '#2ca02c', \
     dat using 3 title 'one-way out' lc rgb '#ff7f0e', \
     dat using 4 title 'one-way in' lc rgb '#9467bd', \
     dat using 5 title 'none' lc rgb '#d62728', \
     dat using 6 title 'not set up' lc rgb '#7f7f7f'
unset output
