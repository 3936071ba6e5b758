"""Fit scikit-learn's LogisticRegression (lbfgs, C) on standardised features,
as the native fit does, and print the weights on the raw features as JSON.
Usage: sklearn_fit.py rows.f64 labels.u8 d C runs"""
import json
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

rows_path, labels_path, d, c, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
x = np.fromfile(rows_path, dtype=np.float64).reshape(-1, d)
y = np.fromfile(labels_path, dtype=np.uint8)
times = []
for _ in range(runs):
    t = time.perf_counter()
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=c, solver="lbfgs", max_iter=1000, tol=1e-8).fit(scaler.transform(x), y)
    times.append(time.perf_counter() - t)
coef = model.coef_[0] / scaler.scale_
intercept = float(model.intercept_[0] - np.sum(model.coef_[0] * scaler.mean_ / scaler.scale_))
print(json.dumps({"times_ms": [t * 1000 for t in times], "weights": coef.tolist(), "bias": intercept,
                  "iterations": int(model.n_iter_[0]), "sklearn": __import__("sklearn").__version__,
                  "numpy": np.__version__, "python": sys.version.split()[0]}))
