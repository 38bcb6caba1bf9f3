"""record_fixtures.py - the recorder both fixture folders use (alg-nonat/, linux-alg-extra/).

Each case is run through shared/tools/real-alg-testbed.sh (as root, in network namespaces it creates
and removes); the bytes that arrived are saved as <case>.out and the testbed report goes into
<case>.meta, in the layout of shared/corpus/linux-alg.  A case is (name, corpus case its messages
are copied from or None for messages kept in the folder, testbed options, notes).
"""
import glob, os, re, shutil, subprocess, sys

CORPUS = os.environ.get('ALG_CORPUS', '/work/shared/corpus/linux-alg')
TESTBED = '/work/shared/tools/real-alg-testbed.sh'


def record(here, cases, extra_args, ns_prefix, router):
    """Record `cases` into folder `here`: extra_args go before the case file (' --no-nat '),
    ns_prefix names the namespaces, router describes the router in the .meta files."""
    args = sys.argv[1:]
    testbed = TESTBED
    if args and args[0].endswith('.sh'):
        testbed = args.pop(0)
    only = set(args)
    for name, src, opts, notes in cases:
        if only and name not in only:
            continue
        pres = []
        if src:
            shutil.copyfile(os.path.join(CORPUS, src + '.in'), os.path.join(here, name + '.in'))
            for p in sorted(glob.glob(os.path.join(CORPUS, src + '.pre*.in'))):
                k = re.search(r'\.pre(\d+)\.in$', p).group(1)
                shutil.copyfile(p, os.path.join(here, '%s.pre%s.in' % (name, k)))
        for p in sorted(glob.glob(os.path.join(here, name + '.pre*.in'))):
            pres.append(os.path.basename(p))
        fmt = {'pre%d' % (i + 1): p for i, p in enumerate(pres)}
        targs = opts.format(**fmt) + extra_args + name + '.in'
        out = os.path.join(here, name + '.out')
        rep = os.path.join(here, '.report.tmp')
        env = dict(os.environ, ALG_NS_PREFIX=os.environ.get('ALG_NS_PREFIX', ns_prefix))
        r = subprocess.run([testbed] + targs.split() + ['-o', out, '-r', rep], cwd=here, env=env)
        if r.returncode not in (0, 3):
            sys.exit('%s: testbed exit %d' % (name, r.returncode))
        report = open(rep).read()
        os.remove(rep)
        data = open(os.path.join(here, name + '.in'), 'rb').read()
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
                'router: ' + router,
                'source: ' + ('shared/corpus/linux-alg/' + src if src else 'written for this set'),
                'pre: ' + ('; '.join(pres) if pres else 'none'),
                'testbed-args: ' + targs,
                'result: ' + result,
                'notes: |']
        meta += ['  ' + l for l in notes.split('\n')]
        meta.append('--- testbed report ---')
        with open(os.path.join(here, name + '.meta'), 'w') as f:
            f.write('\n'.join(meta) + '\n' + report)
        print('%-55s %s' % (name, result))
