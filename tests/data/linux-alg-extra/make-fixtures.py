#!/usr/bin/env python3
"""make-fixtures.py - record the cases of this folder with the REAL kernel.

Each case below is run through shared/tools/real-alg-testbed.sh (as root, in network namespaces it
creates and removes) with the router masquerading, as shared/corpus/linux-alg was recorded.  The bytes
that arrived are saved as <case>.out and the testbed report goes into <case>.meta, in the layout of
the corpus.  measure-expiry.sh holds the timed measurements the testbed cannot make (README.md).

Usage (from anywhere, as root):  make-fixtures.py [/path/to/real-alg-testbed.sh] [CASE ...]
A case is (name, corpus case its messages come from or None for messages kept here, testbed
options, notes).
"""
import os, sys

HERE = os.path.dirname(os.path.abspath(__file__))

CASES = [
    ('39-early-media-shadows-expectation', '04-invite-sdp',
     '-d phone2pbx -t udp -s 5060 --rtp-probe --probe-before-sport 20000 --probe-sport 20000',
     'RTP from the pbx before the INVITE (#39).  The before-probes 203.0.113.10:20000/20001 ->\n'
     '203.0.113.2:4000/4001 are not delivered and leave [UNREPLIED] conntrack entries for the router\n'
     'itself (not NATed, 30 s).  The INVITE makes the usual expectations for 4000/4001 from the pbx,\n'
     'but the after-probes from the SAME source ports resolve to those entries and are not delivered;\n'
     'the expectations stay (178 s left, nothing admitted).  Compare #04, whose before-probe comes\n'
     'from 21000: the after-probe from 20000 is a new conntrack and is admitted.'),
    ('x4-early-media-expectation-survives', None,
     '-d phone2pbx -t udp -s 5060 --pre phone2pbx:udp:{pre1} --rtp-probe --probe-each '
     '--probe-before-sport 20000 --probe-sport 20000',
     'The same early media, then the INVITE (pre1 = 04-invite-sdp.in) and an ACK.  After the INVITE\n'
     'the probes from 20000/20001 hit the router\'s own entries: not delivered.  After the ACK the\n'
     'probes come from 20100/20101, new conntracks: the expectations, never consumed by the shadowed\n'
     'packets, admit them (DELIVERED).  Written for this set.'),
]


if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(HERE))
    from record_fixtures import record
    record(HERE, CASES, ' ', 'extra-', 'masquerade on wan0 (203.0.113.2)')
