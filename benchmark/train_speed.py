"""Training speed: the whole `dawg-ml train` CLI run against LightGBM's fit
of the same rows, alternating, in one run (issue 9: "Training from JSONL
with 30,000 rows x 8 workflows: the whole CLI run is faster than
LightGBM's fit of the same rows").

    benchmark/.venv/bin/python benchmark/train_speed.py [--rows 30000] [--runs 3] [--threads 1]

Worlds: `generator` (benchmark/quality/rows.js) and `recorded`
(benchmark/quality/world.py), the same rows benchmark/quality.py trains on.
Contenders, each run in turn (ours, LightGBM, ours, ...) so both see the
same load:

- ours: `node bin/dawg-ml.js train --data FILE --out DIR --json`, timed from
  outside: process start, JSONL parsing, every workflow's selection,
  cross-validation, evaluation, refit and the files written;
- LightGBM: `LGBMClassifier` with quality.py's settings (learning rate
  0.05, early stopping on a 10 % stratified split, patience 100), the 8
  fits added up, timed in-process from NumPy arrays already built (its
  JSON parsing is not counted). `--threads` sets its `n_jobs` (default 1,
  as quality.py; ours uses rayon's threads, one per core).

Prints a Markdown table of the medians; writes nothing else.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import quality  # noqa: E402  (its data helpers and paths)


def lightgbm_fit(train_by_wf, schema, threads):
    import lightgbm as lgb
    from sklearn.model_selection import train_test_split

    prepared = []
    for w, train in train_by_wf.items():
        fields = [s for s in schema[w] if s["type"] in ("number", "boolean", "enum")]
        cat = [j for j, s in enumerate(fields) if s["type"] == "enum"]
        prepared.append((quality.raw_matrix(train, fields), np.array([r["failed"] for r in train], dtype=int), cat))
    total = 0.0
    for x, y, cat in prepared:
        t = time.perf_counter()
        a, b, ya, yb = train_test_split(x, y, test_size=0.1, stratify=y, random_state=0)
        booster = lgb.LGBMClassifier(n_estimators=5000, learning_rate=0.05, random_state=0, verbose=-1, n_jobs=threads)
        booster.fit(a, ya, eval_X=(b,), eval_y=(yb,), categorical_feature=cat, callbacks=[lgb.early_stopping(100, verbose=False)])
        total += time.perf_counter() - t
    return total


def ours_fit(path, out):
    t = time.perf_counter()
    quality.sh("node", "bin/dawg-ml.js", "train", "--data", path, "--out", out, "--json")
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=30000, help="training rows per workflow")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="LightGBM n_jobs")
    args = ap.parse_args()
    work = os.path.join(quality.WORK, "speed")
    os.makedirs(work, exist_ok=True)
    p = lambda name: os.path.join(work, name)
    schema_json = json.loads(quality.sh("node", "-e", "process.stdout.write(require('./lib/binding').getSchemaJson())").stdout)
    schema = {w["workflowType"]: schema_json["baseFields"] + w["fields"] for w in schema_json["workflows"]}
    quality.sh("node", "benchmark/quality/rows.js", "11", str(args.rows), p("gen.jsonl"))
    quality.sh("node", "benchmark/quality/rows.js", "21", str(args.rows), p("base.jsonl"))
    quality.sh(quality.PY, "benchmark/quality/world.py", p("base.jsonl"), p("rec.jsonl"), "31")
    rows = []
    for world, name in (("generator", "gen"), ("recorded", "rec")):
        by_wf = quality.by_workflow(quality.read_jsonl(p(f"{name}.jsonl")))
        ours, lgbm = [], []
        for run in range(args.runs):
            ours.append(ours_fit(p(f"{name}.jsonl"), p(f"{name}-models")))
            lgbm.append(lightgbm_fit(by_wf, schema, args.threads))
            sys.stderr.write(f"{world} run {run + 1}: ours {ours[-1]:.2f} s, LightGBM {lgbm[-1]:.2f} s\n")
        rows.append((world, ours, lgbm))
    load = os.getloadavg()
    print(f"Command: `benchmark/.venv/bin/python benchmark/train_speed.py --rows {args.rows} --runs {args.runs} --threads {args.threads}`; "
          f"{os.cpu_count()} cores, load average at the end {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}.\n")
    print(f"| world | rows | ours: whole CLI run (median, s) | LightGBM fits, {args.threads} thread(s) (median, s) | ours / LightGBM | runs (ours; LightGBM) |")
    print("|---|---:|---:|---:|---:|---|")
    for world, ours, lgbm in rows:
        mo, ml = statistics.median(ours), statistics.median(lgbm)
        each = ", ".join(f"{x:.2f}" for x in ours) + "; " + ", ".join(f"{x:.2f}" for x in lgbm)
        print(f"| {world} | {args.rows} x 8 | {mo:.2f} | {ml:.2f} | {mo / ml:.2f} | {each} |")


if __name__ == "__main__":
    main()
