"""Check the native trainer against scikit-learn on exactly our split.

For every workflow of the default generated data (seed 42, default counts),
fit StandardScaler + LogisticRegression(C = the C our cross-validation chose)
on exactly our training rows, and compare the held-out log-loss with ours.
Both minimise C * sum(logloss) + 0.5 * ||w||^2 on features standardised with
the training rows' means and population standard deviations (a constant
column is left unscaled), with the intercept unpenalised. The check passes
when every workflow's held-out log-loss differs by less than 1e-3.

Usage (from the repository root):
    python3 benchmark/sklearn_check.py [--seed 42] [--factor 1] [--split FILE]

Without --split the split is exported first with
    cargo run --release --example export_split -- --seed S --factor F --out FILE
Skips (exit 0, with a message) when scikit-learn is not importable; when it
is missing here but benchmark/.venv has it, reruns itself with that Python
(python3 -m venv benchmark/.venv && benchmark/.venv/bin/pip install scikit-learn).
Exit status 1 when a difference exceeds the tolerance.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

TOLERANCE = 1e-3
EPS = 1e-15  # our log-loss clips p to [1e-15, 1 - 1e-15]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def skip(message):
    print(f"sklearn_check: skipped: {message}")
    sys.exit(0)


try:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    import sklearn
except ImportError as e:
    venv_python = os.path.join(ROOT, "benchmark", ".venv", "bin", "python")
    if os.path.exists(venv_python) and not os.environ.get("SKLEARN_CHECK_REEXEC"):
        os.environ["SKLEARN_CHECK_REEXEC"] = "1"
        os.execv(venv_python, [venv_python] + sys.argv)
    skip(f"scikit-learn is not available ({e})")


def log_loss(p, y):
    p = np.clip(np.asarray(p, dtype=float), EPS, 1 - EPS)
    y = np.asarray(y, dtype=float)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def export(seed, factor):
    out = os.path.join(tempfile.mkdtemp(prefix="sklearn-check-"), "split.json")
    cmd = ["cargo", "run", "--quiet", "--release", "--example", "export_split", "--",
           "--seed", str(seed), "--factor", str(factor), "--out", out]
    try:
        subprocess.run(cmd, cwd=ROOT, check=True)
    except FileNotFoundError:
        skip("cargo is not available to export the split (pass --split FILE)")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--factor", type=int, default=1)
    ap.add_argument("--split", help="a JSON file written by the export_split example")
    args = ap.parse_args()
    path = args.split or export(args.seed, args.factor)
    with open(path) as f:
        doc = json.load(f)

    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}; "
          f"seed {doc['seed']}, {doc['factor']}x default counts")
    header = f"{'workflow':<20} {'n_train':>7} {'n_val':>5} {'C':>8} {'ours':>10} {'sklearn':>10} " \
             f"{'|diff|':>9} {'max|dp|':>9}"
    print(header)
    print("-" * len(header))
    worst = 0.0
    failed = []
    for w in doc["workflows"]:
        xt = np.asarray(w["train"]["x"], dtype=float)
        yt = np.asarray(w["train"]["y"], dtype=int)
        xv = np.asarray(w["validation"]["x"], dtype=float)
        yv = np.asarray(w["validation"]["y"], dtype=int)
        scaler = StandardScaler().fit(xt)
        model = LogisticRegression(C=w["C"], solver="lbfgs", tol=1e-10, max_iter=100000)
        model.fit(scaler.transform(xt), yt)
        p_sk = model.predict_proba(scaler.transform(xv))[:, 1]
        p_ours = np.asarray(w["validation"]["ourP"], dtype=float)
        ours = log_loss(p_ours, yv)
        # The exported log-loss is the trainer's own metric; recomputing it
        # here from the exported probabilities checks the definition too.
        assert math.isclose(ours, w["validationLogLoss"], rel_tol=0, abs_tol=1e-12), (ours, w["validationLogLoss"])
        theirs = log_loss(p_sk, yv)
        diff = abs(ours - theirs)
        worst = max(worst, diff)
        if not diff < TOLERANCE:
            failed.append(w["workflowType"])
        print(f"{w['workflowType']:<20} {len(yt):>7} {len(yv):>5} {w['C']:>8.4g} {ours:>10.6f} {theirs:>10.6f} "
              f"{diff:>9.2e} {float(np.max(np.abs(p_ours - p_sk))):>9.2e}")
    print(f"largest held-out log-loss difference {worst:.2e} (tolerance {TOLERANCE:g})")
    if failed:
        print("FAILED: " + ", ".join(failed))
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
