# The leaf symbols and the first pool / java.util.concurrent frame of one thread group, from `perf script` output.
import sys, re, collections
exec(open(__file__.replace('perf-frames.py', 'perf-summary.py')).read().split("n=len(samples)")[0])
want=sys.argv[2]; n=len(samples)
c=collections.Counter(); c2=collections.Counter()
for s in samples:
    if re.sub(r'\d+','N',s['comm'])!=want or not s['f']: continue
    c[s['f'][0]]+=1
    # first wspool/jdk-concurrent frame in stack
    for x in s['f']:
        if re.search(r'io\.github\.wspool\.core|java\.util\.concurrent\.locks|CompletableFuture|Lease|java_websocket',x):
            c2[re.sub(r'\(.*','',x)]+=1; break
print('-- leaf'); [print(f'{v*100/n:5.1f}% {k[:150]}') for k,v in c.most_common(22)]
print('-- first pool/jdk-concurrent frame'); [print(f'{v*100/n:5.1f}% {k[:150]}') for k,v in c2.most_common(22)]
