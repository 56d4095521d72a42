#!/usr/bin/python3
"""Baseline for bench/trees.ts: scikit-learn's HistGradientBoostingClassifier fitted on all of bank-full with
the encoding of test/fixtures/models/gbt_reference.py (level codes as native categorical features) and
early_stopping=False, other parameters default. Prints one JSON line: the fit seconds of `repeats` fits
(argv[2], default 3) and scikit-learn's version. OMP_NUM_THREADS, when set, limits its threads."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../test/fixtures/models"))
import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from gbt_reference import bank, encode  # noqa: E402

df, y = bank()
X, cat = encode(df)
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
secs, cpu = [], []
for _ in range(repeats):
    clf = HistGradientBoostingClassifier(categorical_features=cat, early_stopping=False, random_state=0)
    t, c = time.perf_counter(), time.process_time()
    clf.fit(X, y)
    secs.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)
print(json.dumps({"version": sklearn.__version__, "threads": os.environ.get("OMP_NUM_THREADS", "default"), "fitSeconds": secs, "cpuSeconds": cpu, "trees": int(clf.n_iter_)}))
