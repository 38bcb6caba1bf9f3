# audio-classes
# experiment: seed-remedies
# description: Each remedy fixes its own failure and no other: turning the ALG off restores registration;
#   a NAT-aware PBX (rport, latching) restores the audio; the inbound call behind a 30 s UDP timeout
#   needs the provider's keepalives or a 300 s timeout; a VoIP priority queue restores MOS under the
#   bulk upload; TLS with SRTP hides the signalling from the ALG (registration works) but leaves a naive
#   PBX with a private SDP; only the combination of ALG off, NAT-aware PBX and priority queue gives every
#   call two-way audio with a good MOS; bypassing the router makes the naive PBX work, which diagnoses
#   the router.
# Written by algsim plot from cells.csv and calls.csv; reads audio-classes.dat.
# Run `gnuplot audio-classes.gp` in this directory to redraw audio-classes.png and audio-classes.svg.
if (!exists("png")) png = 'audio-classes.png'
if (!exists("svg")) svg = 'audio-classes.svg'
dat = 'audio-classes.dat'
set datafile separator "\t"
set datafile missing "-"
set title 'seed-remedies: audio of the calls per cell' noenhanced
set xlabel 'router.alg / pbx.profile / pbx.ping_interval_s / pbx.forced_expires_s / nat.udp_timeout_s / router.uplink_queue / phone.transport / phone.srtp / topology.mode' noenhanced
set xtics ('register-mangler / naive / 0 / 0 / 30 / fifo / udp / false / nat' 0, 'register-mangler / naive / 0 / 0 / 30 / fifo / udp / false / bypass' 1, 'register-mangler / naive / 0 / 0 / 30 / fifo / tls / true / nat' 2, 'register-mangler / naive / 0 / 0 / 30 / fifo / tls / true / bypass' 3, 'register-mangler / naive / 0 / 0 / 30 / priority / udp / false / nat' 4, 'register-mangler / naive / 0 / 0 / 30 / priority / tls / true / nat' 5, 'register-mangler / naive / 0 / 0 / 300 / fifo / udp / false / nat' 6, 'register-mangler / naive / 0 / 0 / 300 / fifo / tls / true / nat' 7, 'register-mangler / naive / 0 / 0 / 300 / priority / udp / false / nat' 8, 'register-mangler / naive / 0 / 0 / 300 / priority / tls / true / nat' 9, 'register-mangler / nat-aware / 0 / 0 / 30 / fifo / udp / false / nat' 10, 'register-mangler / nat-aware / 0 / 0 / 30 / fifo / udp / false / bypass' 11, 'register-mangler / nat-aware / 0 / 0 / 30 / fifo / tls / true / nat' 12, 'register-mangler / nat-aware / 0 / 0 / 30 / fifo / tls / true / bypass' 13, 'register-mangler / nat-aware / 0 / 0 / 30 / priority / udp / false / nat' 14, 'register-mangler / nat-aware / 0 / 0 / 30 / priority / tls / true / nat' 15, 'register-mangler / nat-aware / 0 / 0 / 300 / fifo / udp / false / nat' 16, 'register-mangler / nat-aware / 0 / 0 / 300 / fifo / tls / true / nat' 17, 'register-mangler / nat-aware / 0 / 0 / 300 / priority / udp / false / nat' 18, 'register-mangler / nat-aware / 0 / 0 / 300 / priority / tls / true / nat' 19, 'register-mangler / nat-aware / 20 / 60 / 30 / fifo / udp / false / nat' 20, 'register-mangler / nat-aware / 20 / 60 / 30 / fifo / udp / false / bypass' 21, 'register-mangler / nat-aware / 20 / 60 / 30 / fifo / tls / true / nat' 22, 'register-mangler / nat-aware / 20 / 60 / 30 / fifo / tls / true / bypass' 23, 'register-mangler / nat-aware / 20 / 60 / 30 / priority / udp / false / nat' 24, 'register-mangler / nat-aware / 20 / 60 / 30 / priority / tls / true / nat' 25, 'register-mangler / nat-aware / 20 / 60 / 300 / fifo / udp / false / nat' 26, 'register-mangler / nat-aware / 20 / 60 / 300 / fifo / tls / true / nat' 27, 'register-mangler / nat-aware / 20 / 60 / 300 / priority / udp / false / nat' 28, 'register-mangler / nat-aware / 20 / 60 / 300 / priority / tls / true / nat' 29, 'off / naive / 0 / 0 / 30 / fifo / udp / false / nat' 30, 'off / naive / 0 / 0 / 30 / fifo / tls / true / nat' 31, 'off / naive / 0 / 0 / 30 / priority / udp / false / nat' 32, 'off / naive / 0 / 0 / 30 / priority / tls / true / nat' 33, 'off / naive / 0 / 0 / 300 / fifo / udp / false / nat' 34, 'off / naive / 0 / 0 / 300 / fifo / tls / true / nat' 35, 'off / naive / 0 / 0 / 300 / priority / udp / false / nat' 36, 'off / naive / 0 / 0 / 300 / priority / tls / true / nat' 37, 'off / nat-aware / 0 / 0 / 30 / fifo / udp / false / nat' 38, 'off / nat-aware / 0 / 0 / 30 / fifo / tls / true / nat' 39, 'off / nat-aware / 0 / 0 / 30 / priority / udp / false / nat' 40, 'off / nat-aware / 0 / 0 / 30 / priority / tls / true / nat' 41, 'off / nat-aware / 0 / 0 / 300 / fifo / udp / false / nat' 42, 'off / nat-aware / 0 / 0 / 300 / fifo / tls / true / nat' 43, 'off / nat-aware / 0 / 0 / 300 / priority / udp / false / nat' 44, 'off / nat-aware / 0 / 0 / 300 / priority / tls / true / nat' 45, 'off / nat-aware / 20 / 60 / 30 / fifo / udp / false / nat' 46, 'off / nat-aware / 20 / 60 / 30 / fifo / tls / true / nat' 47, 'off / nat-aware / 20 / 60 / 30 / priority / udp / false / nat' 48, 'off / nat-aware / 20 / 60 / 30 / priority / tls / true / nat' 49, 'off / nat-aware / 20 / 60 / 300 / fifo / udp / false / nat' 50, 'off / nat-aware / 20 / 60 / 300 / fifo / tls / true / nat' 51, 'off / nat-aware / 20 / 60 / 300 / priority / udp / false / nat' 52, 'off / nat-aware / 20 / 60 / 300 / priority / tls / true / nat' 53) noenhanced nomirror scale 0 rotate by 40 right
set xrange [-0.6:53.4]
set ylabel 'share of calls (%)'
set yrange [0:100]
set ytics 0, 20, 100
set grid ytics lt 1 lc rgb '#d9d9d9'
set style data histograms
set style histogram rowstacked
set style fill solid 1.0 border lc rgb 'white'
set boxwidth 0.7
set key outside right top vertical Left reverse title 'audio'

set terminal pngcairo size 3364,720 enhanced font "DejaVu Sans,10"
set output png
plot dat using 2 title 'two-way' lc rgb '#2ca02c', \
     dat using 3 title 'one-way out' lc rgb '#ff7f0e', \
     dat using 4 title 'one-way in' lc rgb '#9467bd', \
     dat using 5 title 'none' lc rgb '#d62728', \
     dat using 6 title 'not set up' lc rgb '#7f7f7f'

set terminal svg size 3364,720 dynamic enhanced font "DejaVu Sans,10" background rgb 'white'
set output svg
plot dat using 2 title 'two-way' lc rgb '#2ca02c', \
     dat using 3 title 'one-way out' lc rgb '#ff7f0e', \
     dat using 4 title 'one-way in' lc rgb '#9467bd', \
     dat using 5 title 'none' lc rgb '#d62728', \
     dat using 6 title 'not set up' lc rgb '#7f7f7f'
unset output
