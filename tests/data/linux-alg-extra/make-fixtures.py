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
import glob, os, re, shutil, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.environ.get('ALG_CORPUS', '/work/shared/corpus/linux-alg')
TESTBED = '/work/shared/tools/real-alg-testbed.sh'

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


def main():
    args = sys.argv[1:]
    testbed = TESTBED
    if args and args[0].endswith('.sh'):
        testbed = args.pop(0)
    only = set(args)
    for name, src, opts, notes in CASES:
        if only and name not in only:
            continue
        pres = []
        if src:
            shutil.copyfile(os.path.join(CORPUS, src + '.in'), os.path.join(HERE, name + '.in'))
            for p in sorted(glob.glob(os.path.join(CORPUS, src + '.pre*.in'))):
                k = re.search(r'\.pre(\d+)\.in$', p).group(1)
                shutil.copyfile(p, os.path.join(HERE, '%s.pre%s.in' % (name, k)))
        for p in sorted(glob.glob(os.path.join(HERE, name + '.pre*.in'))):
            pres.append(os.path.basename(p))
        fmt = {'pre%d' % (i + 1): p for i, p in enumerate(pres)}
        targs = opts.format(**fmt) + ' ' + name + '.in'
        out = os.path.join(HERE, name + '.out')
        rep = os.path.join(HERE, '.report.tmp')
        env = dict(os.environ, ALG_NS_PREFIX=os.environ.get('ALG_NS_PREFIX', 'extra-'))
        r = subprocess.run([testbed] + targs.split() + ['-o', out, '-r', rep], cwd=HERE, env=env)
        if r.returncode not in (0, 3):
            sys.exit('%s: testbed exit %d' % (name, r.returncode))
        report = open(rep).read()
        os.remove(rep)
        data = open(os.path.join(HERE, name + '.in'), 'rb').read()
        got = open(out, 'rb').read()
        d = dict(re.findall(r'(?m)^-(\w) (\S+)', ' ' + targs.replace(' -', '\n-')))
        if got:
            result = 'delivered; %d bytes sent, %d received (%+d)%s' % (
                len(data), len(got), len(got) - len(data), '' if got != data else ', unchanged')
        else:
            result = 'NOT delivered (dropped, or not routed); %d bytes sent' % len(data)
        meta = ['case: ' + name,
                'direction: ' + d.get('d', 'phone2pbx'),
                'transport: ' + d.get('t', 'udp'),
                'helper-ports: ' + d.get('H', '5060'),
                'router: masquerade on wan0 (203.0.113.2)',
                'source: ' + ('shared/corpus/linux-alg/' + src if src else 'written for this set'),
                'pre: ' + ('; '.join(pres) if pres else 'none'),
                'testbed-args: ' + targs,
                'result: ' + result,
                'notes: |']
        meta += ['  ' + l for l in notes.split('\n')]
        meta.append('--- testbed report ---')
        with open(os.path.join(HERE, name + '.meta'), 'w') as f:
            f.write('\n'.join(meta) + '\n' + report)
        print('%-55s %s' % (name, result))


if __name__ == '__main__':
    main()
