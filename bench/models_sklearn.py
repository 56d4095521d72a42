#!/usr/bin/python3
"""Baseline for bench/models.ts on the generated CSV (argv[1]). Prints one JSON line of timings, wall
(perf_counter) and CPU (process_time, every thread) seconds.

- argv[2] 'logistic' (default): LogisticRegression with the design of src/models/classify/design.ts (mean
  imputation + missing indicator, standardised numerics, one-hot with all levels), lbfgs and newton-cholesky.
- argv[2] 'gbt': HistGradientBoostingClassifier with scikit-learn's defaults and early stopping off, the four
  text columns as native categorical features (level codes), numerics as they are (NaN missing): the settings
  of src/models/classify/gbt.ts. OMP_NUM_THREADS, when set, limits its threads."""
import json, os, sys, time
import numpy as np
import pandas as pd
import sklearn
from sklearn.metrics import roc_auc_score


def timed(fn):
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t, time.process_time() - c


mode = sys.argv[2] if len(sys.argv) > 2 else 'logistic'
df, read, readCpu = timed(lambda: pd.read_csv(sys.argv[1], keep_default_na=True))
num = [c for c in df.columns if c.startswith('x')]
cat = ['plan', 'region', 'channel', 'paperless']
y = (df['converted'] == 'yes').astype(int).to_numpy()

if mode == 'gbt':
    from sklearn.ensemble import HistGradientBoostingClassifier

    def design():
        cols = [df[c].astype(float).to_numpy() for c in num]
        for c in cat:
            s = df[c].astype(str)
            levels = sorted(s.unique())
            cols.append(s.map({l: k for k, l in enumerate(levels)}).astype(float).to_numpy())
        return np.column_stack(cols)
    X, designS, designCpu = timed(design)
    mask = [False] * len(num) + [True] * len(cat)
    clf = HistGradientBoostingClassifier(categorical_features=mask, early_stopping=False, random_state=0)
    _, fit, fitCpu = timed(lambda: clf.fit(X, y))
    p, predict, predictCpu = timed(lambda: clf.predict_proba(X)[:, 1])
    print(json.dumps({'version': sklearn.__version__, 'threads': os.environ.get('OMP_NUM_THREADS', 'default'), 'readSeconds': read, 'readCpu': readCpu,
                      'designSeconds': designS, 'designCpu': designCpu, 'fitSeconds': fit, 'fitCpu': fitCpu, 'predictSeconds': predict, 'predictCpu': predictCpu,
                      'trees': int(clf.n_iter_), 'auc': roc_auc_score(y, p)}))
    sys.exit(0)

from sklearn.linear_model import LogisticRegression


def design():
    cols = []
    for c in num:
        v = df[c].astype(float)
        m = v.mean()
        f = v.fillna(m)
        cols.append(((f - m) / f.std(ddof=0)).to_numpy())
        if v.isna().any():
            cols.append(v.isna().astype(float).to_numpy())
    for c in cat:
        s = df[c].astype(str)
        for l in sorted(s.unique()):
            cols.append((s == l).astype(float).to_numpy())
    return np.column_stack(cols)


X, designS, designCpu = timed(design)
a, lbfgs, lbfgsCpu = timed(lambda: LogisticRegression(C=1.0, solver='lbfgs', max_iter=1000).fit(X, y))
b, newton, newtonCpu = timed(lambda: LogisticRegression(C=1.0, solver='newton-cholesky').fit(X, y))
p, predict, predictCpu = timed(lambda: b.predict_proba(X)[:, 1])
print(json.dumps({'version': sklearn.__version__, 'readSeconds': read, 'readCpu': readCpu, 'designSeconds': designS, 'designCpu': designCpu,
                  'lbfgsSeconds': lbfgs, 'lbfgsCpu': lbfgsCpu, 'newtonSeconds': newton, 'newtonCpu': newtonCpu, 'predictSeconds': predict, 'predictCpu': predictCpu,
                  'maxCoefDiffLbfgsNewton': float(np.max(np.abs(a.coef_ - b.coef_))), 'auc': roc_auc_score(y, p)}))
