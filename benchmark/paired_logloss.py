"""Paired comparison of two models' held-out log-loss on the same test rows.

Usage: paired_logloss.py DIR A B
Reads DIR/test_y.u8 and the probabilities DIR/test_p_A.f64 and
DIR/test_p_B.f64 (little-endian f64, one per test row, as `gbdt_bench fit`
and `gbdt_peers.py` write them) and prints, as JSON, each log-loss, the
mean per-row difference A - B, its standard error (the per-row differences'
standard deviation over the square root of the row count: the rows are
independent draws, the models fixed), and the difference in standard errors.
"""
import json
import os
import sys

import numpy as np

d, a, b = sys.argv[1:4]
y = np.fromfile(os.path.join(d, "test_y.u8"), dtype=np.uint8).astype(np.float64)


def row_losses(name):
    p = np.clip(np.fromfile(os.path.join(d, f"test_p_{name}.f64"), dtype="<f8"), 1e-15, 1 - 1e-15)
    if p.shape != y.shape:
        raise SystemExit(f"{name}: {p.shape[0]} probabilities for {y.shape[0]} test rows")
    return -(y * np.log(p) + (1 - y) * np.log1p(-p))


la, lb = row_losses(a), row_losses(b)
diff = la - lb
se = float(diff.std(ddof=1) / np.sqrt(diff.size))
print(json.dumps({"rows": int(diff.size), f"log_loss_{a}": float(la.mean()), f"log_loss_{b}": float(lb.mean()),
                  "difference": float(diff.mean()), "standard_error": se,
                  "difference_in_standard_errors": float(diff.mean() / se) if se > 0 else 0.0}))
