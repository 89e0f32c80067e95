import re,sys,statistics as st
def parse(L):
    txt=open('%s.txt'%L).read()
    row=re.search(r'^\| nio .*$',txt,re.M).group(0).split('|')
    m=re.search(r'phases \(JVM uptime, ms\): build (\d+), all open (\d+), hold measured (\d+), echo (\d+)-(\d+), close (\d+)-(\d+)',txt)
    b,o,h,e0,e1,c0,c1=[int(x)/1000 for x in m.groups()]
    rows=[r.split('\t') for r in open('%s-table.tsv'%L).read().strip().split('\n')]
    hdr=rows[0]; rows=[dict(zip(hdr,r)) for r in rows[1:]]
    def ph(a,z):
        return [r for r in rows if r['t'] and a<=float(r['t'])<=z and 'Young' in r['type']]
    ramp=ph(b,o); close=ph(c0,c1+0.5)
    med=lambda g,k: st.median([float(r[k] or 0) for r in g]) if g else 0
    mx=lambda g,k: max([float(r[k] or 0) for r in g]) if g else 0
    press=re.search(r'at start: .*avg60=([\d.]+)',txt).group(1)
    return dict(connect=row[4].strip(),rss=row[7].strip(),live=row[8].strip(),close=row[12].strip(),pauses=row[14].strip(),
        rampcopy='%.1f / %.1f'%(med(ramp,'copied')/2**20,mx(ramp,'copied')/2**20), rampn=len(ramp),
        closecards='%d / %d'%(med(close,'cards'),mx(close,'cards')), closecopy='%.1f / %.1f'%(med(close,'copied')/2**20,mx(close,'copied')/2**20),closen=len(close),press=press)
print('| run | connect total | RSS / conn | heap live / conn | close | longest pause ramp / hold / echo / close (ms) | ramp: young pauses, MB copied per pause median / max | close: young pauses, cards per pause median / max, MB copied median / max | CPU pressure at start (avg60) |')
print('|---|---:|---:|---:|---:|---|---|---|---:|')
for L in sys.argv[1:]:
    try: d=parse(L)
    except Exception as e: print('|',L,'|',e); continue
    print('| `%s` | %s | %s | %s | %s | %s | %d, %s | %d, %s, %s | %s %% |'%(L,d['connect'],d['rss'],d['live'],d['close'],d['pauses'],d['rampn'],d['rampcopy'],d['closen'],d['closecards'],d['closecopy'],d['press']))
