#!/usr/bin/env python3
"""make-fixtures.py - regenerate the --no-nat fixtures of this folder with the REAL kernel.

Each case below is run through shared/tools/real-alg-testbed.sh (as root, in network namespaces it
creates and removes) with --no-nat: no masquerade rule, the pbx routes 192.168.1.0/24 via the
router, conntrack and the "sip" helper still run.  The bytes that arrived are saved as <case>.out
and the testbed report goes into <case>.meta, in the layout of shared/corpus/linux-alg.

Usage (from anywhere, as root):  make-fixtures.py [/path/to/real-alg-testbed.sh] [CASE ...]
A case is (name, corpus case it is copied from or None for a case written here, testbed options,
notes).  Messages of corpus cases are copied (<src>.in -> <name>.in, <src>.preK.in -> <name>.preK.in);
the messages of the other cases live in this folder.
"""
import os, sys

HERE = os.path.dirname(os.path.abspath(__file__))

CASES = [
    ('01-register', '01-register', '-d phone2pbx -t udp -s 5060',
     'REGISTER without NAT: nothing rewritten (no :5060 added to From); the helper still makes the\n'
     'inactive registration expectation, for the Contact as written (192.168.1.50:5060).'),
    ('04-invite-sdp', '04-invite-sdp', '-d phone2pbx -t udp -s 5060 --rtp-probe',
     'INVITE with SDP: unchanged (Content-Length 245 kept).  Expectations for 192.168.1.50:4000/4001\n'
     'from the pbx.  The before-probe goes to the router address 203.0.113.2 (nothing there); after\n'
     'the INVITE the pbx saw c=192.168.1.50 and its probes are routed to the phone.'),
    ('04-invite-sdp-probe-third-party', '04-invite-sdp',
     '-d phone2pbx -t udp -s 5060 --rtp-probe --probe-src 203.0.113.20',
     'sip_direct_media=1 limits the expectation to the pbx, but without NAT no rule needs one:\n'
     'media from another WAN host is routed to the phone as well.'),
    ('05-invite-200ok-sdp-reverse', '05-invite-200ok-sdp-reverse',
     '-d pbx2phone -t udp -s 5060 --pre phone2pbx:udp:{pre1} --pre pbx2phone:udp:{pre2} '
     '--pre pbx2phone:udp:{pre3} --rtp-probe',
     'The pbx answers to 203.0.113.2 (the default --to-addr): the router address, which nothing\n'
     'translates any more: 100, 180 and the 200 OK never reach the phone.'),
    ('05-invite-200ok-sdp-reverse-to-phone', '05-invite-200ok-sdp-reverse',
     '-d pbx2phone -t udp -s 5060 --to-addr 192.168.1.50 --pre phone2pbx:udp:{pre1} '
     '--pre pbx2phone:udp:{pre2} --pre pbx2phone:udp:{pre3} --rtp-probe',
     'The same answers sent to the phone itself: delivered unchanged (public addresses in Via/From\n'
     'stay as the pbx wrote them).'),
    ('07-bye-from-pbx-ruri-public-ip-to-phone', '07-bye-from-pbx-ruri-public-ip',
     '-d pbx2phone -t udp -s 5060 --to-addr 192.168.1.50 --pre phone2pbx:udp:{pre1} '
     '--pre pbx2phone:udp:{pre2} --pre phone2pbx:udp:{pre3}',
     'BYE whose Request-URI names 203.0.113.2: delivered unchanged (no mapping back).'),
    ('09-multi-via-multi-contact-route', '09-multi-via-multi-contact-route', '-d phone2pbx -t udp -s 5060',
     'Nothing rewritten.'),
    ('11-two-m-lines-audio-video', '11-two-m-lines-audio-video', '-d phone2pbx -t udp -s 5060 --rtp-probe',
     'Audio and video expectations for the private address; probes routed to the phone.'),
    ('12-sdp-hold-inactive', '12-sdp-hold-inactive',
     '-d phone2pbx -t udp -s 5060 --pre phone2pbx:udp:{pre1} --pre pbx2phone:udp:{pre2} '
     '--pre phone2pbx:udp:{pre3} --rtp-probe',
     'Hold with c=0.0.0.0: unchanged, nothing to probe.'),
    ('14-udp-5080-helper-on-5060-only', '14-udp-5080-helper-on-5060-only',
     '-d phone2pbx -t udp -s 5080 -p 5080 -H 5060 --rtp-probe',
     'No helper on 5080; routed all the same.'),
    ('16-tcp-5060-ephemeral-sport', '16-tcp-5060-ephemeral-sport', '-d phone2pbx -t tcp -s 0 --rtp-probe',
     'TCP from an ephemeral port: unchanged; expectations made; probes routed.'),
    ('19-multipart-sdp', '19-multipart-sdp', '-d phone2pbx -t udp -s 5060 --rtp-probe',
     'Multipart body: Content-Length kept (no nf_nat_sip, no truncation).'),
    ('21-content-length-missing', '21-content-length-missing', '-d phone2pbx -t udp -s 5060',
     'No Content-Length: with NAT silently dropped by nf_nat_sip (mangle_content_len); without NAT\n'
     'nothing needs rewriting and the INVITE is DELIVERED.'),
    ('23-lookalike-addresses', '23-lookalike-addresses', '-d phone2pbx -t udp -s 5060',
     'Nothing rewritten.'),
    ('27-cisco-style-sport-5062-via-5060-to-phone', '27-cisco-style-sport-5062-via-5060',
     '-d pbx2phone -t udp -s 5060 --to-addr 192.168.1.50 --pre phone2pbx:udp:{pre1}:5062: --rtp-probe',
     'Cisco rule (forced destination port from the Via) is nf_nat_sip only: the reply goes to the\n'
     'port the pbx saw, 5062, unchanged.'),
    ('30-tcp-split-segments', '30-tcp-split-segments', '-d phone2pbx -t tcp -s 5060 --split 200',
     'TCP message in two segments: both unchanged.'),
    ('32-incoming-invite-new-flow-after-register-to-phone', '32-incoming-invite-new-flow-after-register',
     '-d pbx2phone -t udp -s 5070 -p 5060 --to-addr 192.168.1.50 --pre phone2pbx:udp:{pre1} '
     '--pre pbx2phone:udp:{pre2}',
     'INVITE from a new pbx port to the phone, delivered unchanged.  The 200 OK (written for the NAT\n'
     'case) names 203.0.113.2 in its Contact, not the phone the reply goes to, so it flushes the\n'
     'registration expectation instead of activating it; the INVITE is a new flow that the nft rule\n'
     'gives the helper (its SDP makes expectations towards the pbx).'),
    ('32-incoming-invite-from-third-party-to-phone', '32-incoming-invite-new-flow-after-register',
     '-d pbx2phone -t udp -s 5070 -p 5060 --to-addr 192.168.1.50 --case-pbx-addr 203.0.113.20 '
     '--pre phone2pbx:udp:{pre1} --pre pbx2phone:udp:{pre2}',
     'INVITE from a host that is not the registrar: no expectation (and nothing) filters it:\n'
     'delivered unchanged (sip_direct_signalling only shapes expectations).'),
    ('x3-incoming-invite-after-private-registration', None,
     '-d pbx2phone -t udp -s 5070 -p 5060 --to-addr 192.168.1.50 --pre phone2pbx:udp:{pre1} '
     '--pre pbx2phone:udp:{pre2}',
     'Registration as a registrar without NAT answers it (Contact 192.168.1.50:5060 in the 200 OK):\n'
     'the registration expectation becomes active (PERMANENT, 3600 s) and admits the INVITE from the\n'
     'new pbx port 5070, delivered unchanged.  Written for this set (pre1 = 01-register.in; pre2 and\n'
     'the INVITE are #32 with the phone\'s own address).'),
    ('40-fragmented-udp-invite', '40-fragmented-udp-invite', '-d phone2pbx -t udp -s 5060 --rtp-probe',
     'Reassembled, parsed, unchanged.'),
    ('47-invite-without-cseq', '47-invite-without-cseq', '-d phone2pbx -t udp -s 5060',
     'No CSeq: the conntrack half (process_sip_request) drops it, NAT or not.'),
    ('50-invite-486-busy-flushes-pinholes-to-phone', '50-invite-486-busy-flushes-pinholes',
     '-d pbx2phone -t udp -s 5060 --to-addr 192.168.1.50 --pre phone2pbx:udp:{pre1} --rtp-probe',
     '486 flushes the media expectations, yet the probes are routed to the phone: without NAT the\n'
     'expectations gate nothing.'),
    ('x1-second-call-same-rtp-port', None,
     '-d phone2pbx -t udp -s 5062 --pre phone2pbx:udp:{pre1} --rtp-probe',
     'A second call from another SIP port offering the same RTP port 4000 to the same pbx.  With NAT\n'
     '(#29) nf_nat_sdp_media finds all ports in use and drops it; without NAT set_expected_rtp_rtcp()\n'
     'finds the identical expectation of the other flow and skips it (or nf_ct_expect_related()\n'
     'answers -EALREADY, taken as done): no new expectation, delivered unchanged.  Written for this\n'
     'set (pre1 = 04-invite-sdp.in).'),
    ('x2-media-port-1000', None, '-d phone2pbx -t udp -s 5060',
     'm=audio 1000: process_sdp() drops ports below 1024 (#45), NAT or not.  Written for this set\n'
     '(04-invite-sdp.in with m=audio 1000).'),
]


if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(HERE))
    from record_fixtures import record
    record(HERE, CASES, ' --no-nat ', 'nonat-',
           'no NAT (--no-nat: route only, conntrack + sip helper; pbx routes 192.168.1.0/24 via 203.0.113.2)')
