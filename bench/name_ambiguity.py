#!/usr/bin/env python3
"""How much a written name says in a generated scenario: the share of person mentions
whose written name (tokens sorted) is carried by two or more, and five or more,
different true people.

Usage: python3 bench/name_ambiguity.py DIR   (DIR holds persons.csv and truth.csv, as
`bench/resolve.py` leaves them in $MOSAIC_BENCH_DIR/sSCALE)
"""
import csv, sys, collections
d = sys.argv[1]
truth = {r['unique_id']: r['truth'] for r in csv.DictReader(open(f'{d}/truth.csv'))}
ents = collections.defaultdict(set); cnt = collections.Counter()
for r in csv.DictReader(open(f'{d}/persons.csv')):
    t = truth.get(r['unique_id'])
    if t is None: continue
    key = ' '.join(sorted(r['full_name'].split()))
    ents[key].add(t); cnt[key] += 1
mentions = sum(cnt.values())
shared = sum(c for k, c in cnt.items() if len(ents[k]) >= 2)
shared5 = sum(c for k, c in cnt.items() if len(ents[k]) >= 5)
print(f"{d}: mentions {mentions}, distinct written names {len(cnt)}, mentions whose written name >=2 people: {shared/mentions:.3f}, >=5 people: {shared5/mentions:.3f}")
