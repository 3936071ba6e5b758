"""How often `dawg-ml train` calls a workflow without any signal `ok`.

    benchmark/.venv/bin/python benchmark/noise_verdicts.py --rows 3000 --runs 400

Each run trains one workflow (budget-alerts) on ROWS rows drawn from a pool
of the recorded world's rows (`quality/world.py`: omitted fields included),
with labels drawn anew, independently of the features (failure rate 0.2),
and a seed of its own for the folds. A correct test at the 95 % interval's
level would call about 1 run in 40 `ok`. Prints the verdicts, the
out-of-fold AUC's mean and standard deviation over the runs, and the
standard error of a fixed score's AUC on the same class counts (the
Mann-Whitney null), and writes the runs to --out as JSON.
"""
import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORK = os.path.join(HERE, ".work", "noise")
WORKFLOW = "budget-alerts"
RATE = 0.2


def run(*args):
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True).stdout


def pool_rows(size):
    """`size` recorded-world rows of WORKFLOW (generated once per size)."""
    path = os.path.join(WORK, f"pool-{size}.jsonl")
    if not os.path.exists(path):
        base = os.path.join(WORK, f"base-{size}.jsonl")
        run("node", "benchmark/quality/rows.js", "41", str(size), base)
        run(sys.executable, "benchmark/quality/world.py", base, path, "42")
    rows = [json.loads(line) for line in open(path) if line.strip()]
    return [r["features"] for r in rows if r["features"]["workflowType"] == WORKFLOW]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=3000)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--first", type=int, default=0, help="seed of the first run")
    ap.add_argument("--out", default=None, help="JSON of the runs (default benchmark/.work/noise/runs-ROWS.json)")
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    pool = pool_rows(max(args.rows * 2, 6000))
    data = os.path.join(WORK, f"data-{os.getpid()}.jsonl")
    runs, started = [], time.time()
    for k in range(args.first, args.first + args.runs):
        rng = random.Random(k)
        with open(data, "w") as f:
            for features in rng.sample(pool, args.rows):
                f.write(json.dumps({"features": features, "failed": rng.random() < RATE}) + "\n")
        summary = json.loads(run("node", "bin/dawg-ml.js", "train", "--data", data, "--no-write", "--json", "--seed", str(k)))
        m = next(m for m in summary["models"] if m["workflowType"] == WORKFLOW)
        positives = round(m["failureRate"] * args.rows)
        runs.append({"seed": k, "verdict": m["verdict"], "auc": m["auc"], "aucInterval": m["aucInterval"],
                     "modelType": m["modelType"], "calibration": m["calibration"], "positives": positives})
    os.remove(data)
    out = args.out or os.path.join(WORK, f"runs-{args.rows}.json")
    json.dump(runs, open(out, "w"))
    counts = {v: sum(r["verdict"] == v for r in runs) for v in ("ok", "no-signal", "inconclusive")}
    aucs = [r["auc"] for r in runs]
    p = statistics.mean(r["positives"] for r in runs)
    null_se = math.sqrt((args.rows + 1) / (12 * p * (args.rows - p)))
    print(f"{args.runs} runs of {args.rows} rows ({time.time() - started:.0f} s): "
          + ", ".join(f"{v} {c} ({c / args.runs:.1%})" for v, c in counts.items()))
    print(f"out-of-fold AUC: mean {statistics.mean(aucs):.4f} ± {statistics.stdev(aucs) / math.sqrt(len(aucs)):.4f}, "
          f"standard deviation {statistics.stdev(aucs):.4f}; a fixed score's null standard error {null_se:.4f}")


if __name__ == "__main__":
    main()
