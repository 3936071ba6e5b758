"""Fit LightGBM and scikit-learn's HistGradientBoostingClassifier on the data
set written by `gbdt_bench write` (same files our fit reads), with settings
matched to ours, and print one JSON object per peer.

Usage: gbdt_peers.py DIR ROUNDS LEAVES DEPTH LR THREADS RUNS [lightgbm|sklearn|both]
Times cover everything a fit needs from the NumPy arrays (LightGBM's Dataset
construction and binning included), measured with time.perf_counter.
"""
import json
import os
import sys
import time

import numpy as np

d, rounds, leaves, depth, lr, threads, runs = sys.argv[1], *map(int, sys.argv[2:5]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
which = sys.argv[8] if len(sys.argv) > 8 else "both"
cols = json.load(open(os.path.join(d, "meta.json")))["cols"]
x = np.fromfile(os.path.join(d, "train_x.f64"), dtype=np.float64).reshape(-1, cols)
y = np.fromfile(os.path.join(d, "train_y.u8"), dtype=np.uint8)
xt = np.fromfile(os.path.join(d, "test_x.f64"), dtype=np.float64).reshape(-1, cols)
yt = np.fromfile(os.path.join(d, "test_y.u8"), dtype=np.uint8)


def scores(p):
    from sklearn.metrics import log_loss, roc_auc_score
    return float(log_loss(yt, np.clip(p, 1e-15, 1 - 1e-15))), float(roc_auc_score(yt, p))


def median(v):
    return float(np.median(v))


if which in ("lightgbm", "both"):
    import lightgbm as lgb
    params = dict(objective="binary", learning_rate=lr, num_leaves=leaves, max_depth=depth,
                  min_data_in_leaf=20, min_sum_hessian_in_leaf=1e-3, lambda_l2=1.0, max_bin=255,
                  num_threads=threads, verbose=-1, deterministic=True, force_row_wise=True, seed=0)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        booster = lgb.train(params, lgb.Dataset(x, label=y, params={"max_bin": 255, "verbose": -1}), num_boost_round=rounds)
        times.append(time.perf_counter() - t)
    p = booster.predict(xt)
    ll, auc = scores(p)
    # The test probabilities, for a paired comparison with ours (paired_logloss.py).
    p.astype("<f8").tofile(os.path.join(d, "test_p_lightgbm.f64"))
    # Per-row scoring and pred_contrib, one row per call (as predictSync would), on 2,000 rows.
    one = xt[:2000]
    t = time.perf_counter()
    for r in one:
        booster.predict(r.reshape(1, -1), num_threads=1)
    raw_row_us = (time.perf_counter() - t) * 1e6 / len(one)
    t = time.perf_counter()
    for r in one:
        booster.predict(r.reshape(1, -1), pred_contrib=True, num_threads=1)
    contrib_row_us = (time.perf_counter() - t) * 1e6 / len(one)
    t = time.perf_counter()
    booster.predict(xt[:20000], pred_contrib=True, num_threads=1)
    contrib_batch_us = (time.perf_counter() - t) * 1e6 / 20000
    print(json.dumps({"peer": "LightGBM " + lgb.__version__, "threads": threads, "fit_s": times, "fit_s_median": median(times),
                      "log_loss": ll, "auc": auc, "trees": booster.num_trees(),
                      "predict_one_row_us": raw_row_us, "pred_contrib_one_row_us": contrib_row_us,
                      "pred_contrib_batch_us_per_row": contrib_batch_us}))

if which in ("sklearn", "both"):
    import sklearn
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits
    times = []
    with threadpool_limits(limits=threads):
        for _ in range(runs):
            t = time.perf_counter()
            model = HistGradientBoostingClassifier(learning_rate=lr, max_iter=rounds, max_leaf_nodes=leaves, max_depth=depth,
                                                   min_samples_leaf=20, l2_regularization=1.0, max_bins=255,
                                                   early_stopping=False, random_state=0).fit(x, y)
            times.append(time.perf_counter() - t)
        ll, auc = scores(model.predict_proba(xt)[:, 1])
    print(json.dumps({"peer": "scikit-learn HistGradientBoosting " + sklearn.__version__, "threads": threads, "fit_s": times,
                      "fit_s_median": median(times), "log_loss": ll, "auc": auc, "trees": model.n_iter_}))
