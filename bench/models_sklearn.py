#!/usr/bin/python3
"""Baseline for bench/models.ts: scikit-learn's LogisticRegression on the generated CSV with the design of
src/models/classify/design.ts (mean imputation + missing indicator, standardised numerics, one-hot with all
levels). Prints one JSON line of timings."""
import json, sys, time
import numpy as np
import pandas as pd
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

t = time.perf_counter()
df = pd.read_csv(sys.argv[1], keep_default_na=True)
read = time.perf_counter() - t
t = time.perf_counter()
num = [c for c in df.columns if c.startswith('x')]
cat = ['plan', 'region', 'channel', 'paperless']
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
X = np.column_stack(cols)
y = (df['converted'] == 'yes').astype(int).to_numpy()
design = time.perf_counter() - t
t = time.perf_counter()
a = LogisticRegression(C=1.0, solver='lbfgs', max_iter=1000).fit(X, y)
lbfgs = time.perf_counter() - t
t = time.perf_counter()
b = LogisticRegression(C=1.0, solver='newton-cholesky').fit(X, y)
newton = time.perf_counter() - t
t = time.perf_counter()
p = b.predict_proba(X)[:, 1]
predict = time.perf_counter() - t
print(json.dumps({'version': sklearn.__version__, 'readSeconds': read, 'designSeconds': design, 'lbfgsSeconds': lbfgs, 'newtonSeconds': newton,
                  'predictSeconds': predict, 'maxCoefDiffLbfgsNewton': float(np.max(np.abs(a.coef_ - b.coef_))), 'auc': roc_auc_score(y, p)}))
