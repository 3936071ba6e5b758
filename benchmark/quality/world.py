"""A recorded-outcome world unlike the engine's generator.

Rows start as the generator's raw objects (so every field is valid), then
some fields are redrawn and every label comes from mechanisms of this
file's own: sharp steps and AND-interactions instead of graded hazards, a
field the normalised vector does not carry (freestyle `bufferSize`),
values far past the vector's `min(x/d, 1)` caps (freestyle
`userConcurrency`: ~98 % of rows above the cap; ai-memory
`databaseLatency`: ~94 %), a maintenance window in the night, label noise
(3 % of labels flipped), 3-10 % failure rates (live-vocal-analysis,
ai-memory, voice-commands), a pure-noise workflow (budget-alerts), omitted
fields (10 % of rows omit one or two), and a covariate shift between train
and test in stem-separation (test machines have less memory).

    python world.py BASE.jsonl OUT.jsonl SEED [--test]

Each output line is `{features, failed, trueFailureProbability, mechanism}`:
the true probability includes the label noise; `mechanism` lists the raw
fields of the mechanism that fired (empty for leaks and flipped labels).
"""
import json
import math
import sys

import numpy as np

FLIP = 0.03
LEAK = 0.01
OMIT_SHARE = 0.10
NEVER_OMIT = {"workflowType", "timestamp"}
# stem-separation: memory required over memory available past this fails.
OOM_RATIO = 0.35


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def mechanisms(w, f):
    """(hazard, fields) of each mechanism of workflow `w` on raw object `f`."""
    if w == "freestyle":
        overload = sigmoid(3.0 * math.log(f["userConcurrency"] / 450.0) + 1.5 * math.log(f["networkLatencyMs"] / 120.0))
        return [
            (0.7 if f["bufferSize"] <= 256 and f["cpuUtilization"] > 0.45 else 0.0, ["bufferSize", "cpuUtilization"]),
            (overload, ["userConcurrency", "networkLatencyMs"]),
            (0.55 if not f["microphonePermission"] else 0.0, ["microphonePermission"]),
        ]
    if w == "melody-to-vocals":
        return [
            (0.6 if 2 <= f["timeOfDay"] < 5 else 0.0, ["timeOfDay"]),
            (0.5 if not f["expertMusicAIAvailable"] else 0.0, ["expertMusicAIAvailable"]),
            (0.6 if f["promptLength"] > 400 and f["expertMusicAILatency"] > 1500 else 0.0, ["promptLength", "expertMusicAILatency"]),
        ]
    if w == "stem-separation":
        ratio = f["estimatedMemoryRequirement"] / f["systemMemoryMB"]
        return [
            (sigmoid(25.0 * (ratio - OOM_RATIO)), ["estimatedMemoryRequirement", "systemMemoryMB"]),
            (0.3 if f["audioDuration"] > 300 else 0.0, ["audioDuration"]),
        ]
    if w == "ai-mastering":
        return [
            (0.8 if f["peakLevel"] > -1.5 and not f["enableLimiter"] else 0.0, ["peakLevel", "enableLimiter"]),
            (0.5 if f["targetLUFS"] >= -11 and f["dynamicRange"] > 14 else 0.0, ["targetLUFS", "dynamicRange"]),
        ]
    if w == "live-vocal-analysis":
        return [
            (0.7 if not f["websocketConnected"] and f["websocketLatency"] > 80 else 0.0, ["websocketConnected", "websocketLatency"]),
            (0.25 if f["averageAnalysisTime"] > 1.5 * f["targetLatency"] else 0.0, ["averageAnalysisTime", "targetLatency"]),
        ]
    if w == "ai-memory":
        return [
            (0.5 if f["databaseLatency"] > 3500 and f["searchQueryComplexity"] > 0.6 else 0.0, ["databaseLatency", "searchQueryComplexity"]),
        ]
    if w == "voice-commands":
        return [
            (0.6 if f["microphoneQuality"] < 0.6 and f["backgroundNoiseLevel"] > 0.4 else 0.0, ["microphoneQuality", "backgroundNoiseLevel"]),
            (0.4 if not f["speechRecognitionSupported"] else 0.0, ["speechRecognitionSupported"]),
        ]
    return []  # budget-alerts: pure noise


NOISE_RATE = {"budget-alerts": 0.2}


def redraw(w, f, rng, test):
    """This world's own distributions for some fields."""
    if w == "freestyle":
        f["userConcurrency"] = round(float(300 * math.exp(0.5 * rng.standard_normal())))
    elif w == "ai-memory":
        f["databaseLatency"] = round(float(2500 * math.exp(0.6 * rng.standard_normal())))
    elif w == "stem-separation":
        choices, weights = [2048, 4096, 8192, 16384], ([0.4, 0.4, 0.15, 0.05] if test else [0.1, 0.25, 0.4, 0.25])
        f["systemMemoryMB"] = int(rng.choice(choices, p=weights))


def main():
    base, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    test = "--test" in sys.argv
    rng = np.random.default_rng(seed)
    last = {}
    with open(base) as src, open(out, "w") as dst:
        for line in src:
            if not line.strip():
                continue
            f = json.loads(line)["features"]
            w = f["workflowType"]
            # The generator omits a field now and then: fill it from the previous row.
            prev = last.get(w, {})
            for k, v in prev.items():
                f.setdefault(k, v)
            last[w] = dict(f)
            redraw(w, f, rng, test)
            if w in NOISE_RATE:
                p, fired = NOISE_RATE[w], []
                failed = bool(rng.random() < p)
            else:
                survive, fired = 1.0 - LEAK, None
                failed = bool(rng.random() < LEAK)
                for h, fields in mechanisms(w, f):
                    survive *= 1.0 - h
                    if rng.random() < h:
                        failed = True
                        fired = fired or fields
                clean = 1.0 - survive
                p = clean * (1 - FLIP) + (1 - clean) * FLIP
                if rng.random() < FLIP:
                    failed = not failed
                fired = fired if failed and fired else []
            if rng.random() < OMIT_SHARE:
                keys = [k for k in f if k not in NEVER_OMIT]
                for k in rng.choice(keys, size=int(rng.integers(1, 3)), replace=False):
                    del f[k]
            dst.write(json.dumps({"features": f, "failed": failed, "trueFailureProbability": p, "mechanism": fired}) + "\n")


if __name__ == "__main__":
    main()
