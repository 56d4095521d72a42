"""bench/rfm baseline: the same RFM in pandas (Debian's python3-pandas), timed in two parts:
loading the exported lines, and computing recency, frequency, monetary and quintile scores.
Scores use numpy's linear quantiles with a value on an edge going to the lower bin, as Segmint does."""
import json, sys, time
import numpy as np
import pandas as pd

path, as_of = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
df = pd.read_csv(path, dtype={"customer_id": str, "order_id": str}, parse_dates=["ts"])
t1 = time.perf_counter()
asof = pd.Timestamp(as_of)
df = df[df["ts"] < asof]
buy = df[~df["is_return"]]
g = buy.groupby("customer_id")
rfm = pd.DataFrame({
    "last": g["ts"].max(),
    "frequency": g["order_id"].nunique(),
})
rfm["monetary"] = df.groupby("customer_id")["amount"].sum().reindex(rfm.index)
rfm["recency_days"] = (asof.normalize() - rfm["last"].dt.normalize()).dt.days
def score(x, higher_is_better=True, bins=5):
    edges = np.quantile(x.to_numpy(dtype=float), [j / bins for j in range(1, bins)])
    b = 1 + np.searchsorted(edges, x.to_numpy(dtype=float), side="left")
    return b if higher_is_better else bins + 1 - b
rfm["r"] = score(rfm["recency_days"], False)
rfm["f"] = score(rfm["frequency"])
rfm["m"] = score(rfm["monetary"])
rfm["code"] = rfm["r"] * 100 + rfm["f"] * 10 + rfm["m"]
t2 = time.perf_counter()
print(json.dumps({"load_ms": (t1 - t0) * 1000, "compute_ms": (t2 - t1) * 1000, "customers": int(len(rfm)),
                  "code_sum": int(rfm["code"].sum()), "pandas": pd.__version__}))
