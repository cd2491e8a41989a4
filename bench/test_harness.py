#!/usr/bin/env python3
"""Smoke test of bench/run's pieces that need neither weights nor PyTorch:
the driver's option parsing, statistics, parsers and report, and the
worker's line protocol and its errors. No timing is checked.

    test_harness.py [VGG19-BENCH-WORKER] [unittest arguments]
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

WORKER = None

# torchvision's VGG-19 has 143,667,240 parameters
VGG19_PARAMETERS = 143667240


class Options(unittest.TestCase):

    def parse(self, *extra):
        return harness.parse_args(["--build", "b", "--weights", "w"]
                                  + list(extra))

    def test_defaults(self):
        a = self.parse()
        self.assertEqual(a.runs, 5)
        self.assertEqual(a.warmup, 1)
        self.assertEqual(a.sizes, [(640, 480), (1280, 720)])
        self.assertEqual(a.feature_layers, ["conv4_2", "relu5_4"])
        self.assertEqual(a.groups, harness.GROUPS)
        self.assertEqual((a.peak_fp32, a.peak_bf16, a.peak_threads),
                         (430.0, 877.0, 2))

    def test_quick(self):
        a = self.parse("--quick")
        self.assertEqual(a.runs, 2)
        self.assertEqual(a.sizes, [(320, 240)])
        self.assertNotIn("portable", a.groups)
        a = self.parse("--quick", "--runs", "3", "--sizes", "64x48")
        self.assertEqual((a.runs, a.sizes), (3, [(64, 48)]))

    def test_groups(self):
        a = self.parse("--only", "forward,gst")
        self.assertEqual(a.groups, ["forward", "gst"])
        a = self.parse("--skip", "gst,portable")
        self.assertNotIn("gst", a.groups)
        self.assertIn("forward", a.groups)

    def test_errors(self):
        for bad in (["--runs", "0"], ["--sizes", "640"], ["--sizes", "8x8"],
                    ["--only", "everything"], ["--pause", "-1"],
                    ["--peak-fp32", "0"], ["--frames", "2"]):
            with self.assertRaises(SystemExit) as cm, \
                    open(os.devnull, "w") as devnull:
                stderr, sys.stderr = sys.stderr, devnull
                try:
                    self.parse(*bad)
                finally:
                    sys.stderr = stderr
            self.assertEqual(cm.exception.code, 2, bad)
        with self.assertRaises(SystemExit):
            with open(os.devnull, "w") as devnull:
                stderr, sys.stderr = sys.stderr, devnull
                try:
                    harness.parse_args(["--weights", "w"])
                finally:
                    sys.stderr = stderr


class Helpers(unittest.TestCase):

    def test_statistics(self):
        self.assertEqual(harness.median([3, 1, 2]), 2)
        self.assertEqual(harness.median([4, 1, 2, 3]), 2.5)
        self.assertEqual(harness.summarize([5.0, 1.0, 3.0]),
                         {"median": 3.0, "min": 1.0, "max": 5.0, "n": 3})
        with self.assertRaises(ValueError):
            harness.median([])

    def test_rotate(self):
        self.assertEqual(harness.rotate([1, 2, 3], 0), [1, 2, 3])
        self.assertEqual(harness.rotate([1, 2, 3], 4), [2, 3, 1])
        self.assertEqual(harness.rotate([], 1), [])

    def test_formatting(self):
        self.assertEqual(harness.fmt_num(228.4), "228")
        self.assertEqual(harness.fmt_num(22.84), "22.8")
        self.assertEqual(harness.fmt_num(2.284), "2.28")
        self.assertEqual(harness.fmt_num(0.2284), "0.228")
        self.assertEqual(harness.fmt_stat(harness.summarize([1.0, 2.0, 30.0])),
                         "2.00 (1.00–30.0)")
        self.assertEqual(harness.fmt_stat({"error": "x"}), "not available")
        self.assertEqual(harness.ratio_text(1.0, 4.0), "0.25 (4.0× faster)")
        self.assertEqual(harness.ratio_text(3.0, 2.0), "1.50 (1.5× slower)")
        self.assertEqual(harness.ratio_text(None, 2.0), "–")

    def test_markdown_table(self):
        t = harness.markdown_table(["a", "b|c"], [["x", 1], ["y", 2]])
        self.assertEqual(t.splitlines(), [
            "| a | b\\|c |", "| :--- | ---: |", "| x | 1 |", "| y | 2 |"])
        with self.assertRaises(ValueError):
            harness.markdown_table(["a", "b"], [["only one"]])

    def test_gst_output(self):
        out = ("Setting pipeline to PLAYING ...\n"
               'Got message #49 from element "vgg19-0" (element): vgg19, '
               "frame=(guint64)1, processing-time=(guint64)228000000, "
               "mode=(string)classify;\n"
               'Got message #51 from element "vgg19-0" (element): vgg19, '
               "processing-time=(guint64)1500000;\n"
               "Execution ended after 0:01:02.500000000\n")
        self.assertAlmostEqual(harness.gst_execution_seconds(out), 62.5)
        self.assertEqual(harness.gst_processing_times_ms(out), [228.0, 1.5])
        with self.assertRaises(ValueError):
            harness.gst_execution_seconds("ERROR: pipeline doesn't want to "
                                          "preroll.\n")

    def test_layer_shapes(self):
        s = harness.layer_shapes(224, 224)
        self.assertEqual(s["conv1_1"], (3 * 224 * 224, 64 * 224 * 224,
                                        64 * 3 * 9 + 64))
        self.assertEqual(s["pool5"], (512 * 14 * 14, 512 * 7 * 7, 0))
        self.assertEqual(s["fc6"][2], 25088 * 4096 + 4096)
        self.assertEqual(sum(v[2] for k, v in s.items()), VGG19_PARAMETERS)
        # odd sizes follow torch's floor rule
        self.assertEqual(harness.layer_shapes(97, 131)["pool1"][1],
                         64 * 65 * 48)
        self.assertAlmostEqual(harness.min_traffic_mb("fc8", 224, 224),
                               (4096 + 1000 + 4096 * 1000 + 1000) * 4 / 1e6)
        self.assertIsNone(harness.min_traffic_mb("nothing", 224, 224))

    def test_peaks(self):
        a = harness.parse_args(["--build", "b", "--weights", "w"])
        self.assertEqual(harness.peak_for("fp32", "avx512", 2, a), 430)
        self.assertEqual(harness.peak_for("fp32", "avx512", 1, a), 215)
        self.assertEqual(harness.peak_for("fp32", "avx2", 2, a), 215)
        self.assertEqual(harness.peak_for("bf16", "avx512", 2, a), 877)
        self.assertIsNone(harness.peak_for("fp32", "portable", 2, a))

    def test_layer_medians(self):
        runs = [[["conv1_1", 1.0, 0.17], ["fc8", 4.0, 0.01]],
                [["conv1_1", 3.0, 0.17], ["fc8", 2.0, 0.01]],
                [["conv1_1", 2.0, 0.17], ["fc8", 3.0, 0.01]]]
        self.assertEqual(harness.layer_medians(runs),
                         [("conv1_1", 2.0, 0.17), ("fc8", 3.0, 0.01)])


def fake_results():
    """Results shaped like Bench.run()'s, with a refusal and a missing
    side, for the report."""
    layers = [[n, 2.0, 0.5 if n.startswith("conv") or n.startswith("fc")
               else 0.0] for n in harness.layer_shapes(224, 224)
              if n not in ("relu6", "relu7")]

    def entry(key, label, ms, precision="fp32", threads=2, isa="avx512",
              error=None, with_layers=False):
        return {"key": key, "label": label, "precision": precision,
                "threads": threads, "isa": isa, "size": [224, 224],
                "ms": ms, "layers": [layers] * len(ms) if with_layers else [],
                "error": error, "info": {}}
    return {
        "machine": {"cpu": "Test CPU", "cpus_online": 2,
                    "cores_per_socket": "2", "mhz": "2000", "cache": "1 MB",
                    "flags": ["avx2", "avx512f"], "kernel": "6.1",
                    "openblas_core": "Haswell", "openblas_coretype_env": None,
                    "commit": "abc1234"},
        "torch": {"torch": "1.13", "torchvision": "0.14", "onednn": None,
                  "capability": "AVX2", "parallel": "OpenMP"},
        "settings": {"runs": 3, "warmup": 1, "threads": 2, "pause_s": 0.2,
                     "portable_runs": 2, "frames": 12, "gst_runs": 3,
                     "peaks": {"fp32": 430, "bf16": 877, "avx2": 215,
                               "threads": 2},
                     "weights": "w.pth", "date": "2000-01-01 00:00 UTC",
                     "load_avg_start": [0.1, 0.2, 0.3],
                     "load_avg_end": [0.4, 0.5, 0.6], "duration_s": 60.0,
                     "ours_isa": "avx512",
                     "feature_layers": ["conv4_2", "relu5_4"]},
        "forward-fp32": {"threads": 2, "check": {
            "torch-contiguous": {"max_abs_diff": 1e-5, "max_abs": 3.0}},
            "entries": [
                entry("ours", "ours", [200.0, 210.0, 190.0],
                      with_layers=True),
                entry("torch-contiguous", "PyTorch contiguous",
                      [1000.0, 1100.0, 900.0]),
                entry("torch-channels_last", "PyTorch channels_last", [],
                      error="boom")]},
        "forward-bf16": {"threads": 2, "check": {}, "entries": [
            entry("ours-bf16", "ours", [], "bf16",
                  error="precision bf16 is not available"),
            entry("torch-contiguous-bf16", "PyTorch contiguous", [500.0],
                  "bf16"),
            entry("torch-channels_last-bf16", "PyTorch channels_last",
                  [400.0], "bf16")]},
        "features": [{"size": [640, 480], "tap": "relu5_4",
                      "format": "channels_last", "entries": [
                          entry("o", "ours", [1000.0], with_layers=True),
                          entry("t", "PyTorch channels_last", [3000.0])]}],
        "threads": [entry("ours-t2", "ours, 2 threads", [200.0]),
                    entry("ours-t1", "ours, 1 thread", [380.0], threads=1,
                          with_layers=True),
                    entry("ours-avx2", "ours, AVX2 path", [300.0],
                          isa="avx2", with_layers=True)],
        "portable": [entry("ours-default", "ours, default path", [200.0]),
                     entry("ours-portable", "ours, portable C path",
                           [5000.0], isa="portable")],
        "winograd": [entry("w1", "ours, Winograd (default)", [100.0],
                           with_layers=True),
                     entry("w2", "ours, direct convolutions", [190.0],
                           with_layers=True)],
        "load": {"times": {"ours": [300.0, 320.0],
                           "torch-channels_last": [900.0, 1000.0]},
                 "errors": {}},
        "memory": {"cli": {"max_rss_mb": 600.0}, "ours": {"max_rss_mb": 590},
                   "torch": {"error": "PyTorch is not available"}},
        "gst": {"224x224-fp32": {"fps": [4.0, 5.0, 4.5],
                                 "processing_ms": [200.0, 210.0],
                                 "error": None},
                "224x224-bf16": {"fps": [], "processing_ms": [],
                                 "error": "bf16 refused by the library"}},
    }


class Report(unittest.TestCase):

    def test_report(self):
        text = harness.render_report(fake_results())
        for piece in ("# vgg19 benchmark", "## Machine", "Test CPU",
                      "OPENBLAS_CORETYPE unset", "## Forward pass",
                      "| fp32 | 200 (190–210) | 1000 (900–1100) | "
                      "not available | 0.20 (5.0× faster) | 0.21 | 1e-05 |",
                      "precision bf16 is not available",
                      "## Features", "| 640×480 | relu5_4 | 1000 | 3255 |",
                      "| 0.33 (3.0× faster) | 0.33 |",
                      "speed-up of 2 threads over 1: 1.90×",
                      "25.0× the time of the default path",
                      "## Winograd against direct",
                      "| direct convolutions | 30.0 | 190 |",
                      "1.90× for the whole forward pass",
                      "## Loading and memory", "0.33 (3.0× faster)",
                      "not available: PyTorch is not available",
                      "## GStreamer",
                      "| 224×224 | fp32 | 4.50 (4.00–5.00) |",
                      "bf16 refused by the library",
                      "## Per layer", "### 224×224, up to fc8",
                      "### 640×480, up to relu5_4"):
            self.assertIn(piece, text)
        # 0.5 GFLOP in 2 ms is 250 GFLOP/s: 58% of 430, 116% of 215 (one
        # thread) and of the AVX2 peak
        self.assertIn("| conv1_1 | 0.500 | 13.5 | 37.2 | 2.00 | ", text)
        self.assertIn("| 250 | 58% | ", text)
        self.assertIn("| 2.00 | 116% | 2.00 | 116% |", text)
        # --report-from renders a saved run the same way
        with tempfile.TemporaryDirectory() as tmp:
            raw = os.path.join(tmp, "raw.json")
            out = os.path.join(tmp, "report.md")
            with open(raw, "w") as f:
                json.dump(fake_results(), f)
            with open(os.devnull, "w") as devnull:
                stdout, sys.stdout = sys.stdout, devnull
                try:
                    harness.main(["--report-from", raw, "--out", out])
                finally:
                    sys.stdout = stdout
            with open(out) as f:
                self.assertEqual(f.read(), text)
        # every table row has as many cells as its header
        for block in text.split("\n\n"):
            rows = [l for l in block.splitlines() if l.startswith("| ")]
            if rows:
                n = rows[0].replace("\\|", "").count("|")
                for r in rows:
                    self.assertEqual(r.replace("\\|", "").count("|"), n, r)


class WorkerProtocol(unittest.TestCase):
    """The worker's answers without weights: every mistake is one JSON
    line with ok false and a message, and the process goes on."""

    def setUp(self):
        if WORKER is None:
            self.skipTest("no vgg19-bench-worker given")

    def test_errors(self):
        with tempfile.TemporaryDirectory() as tmp:
            missing = os.path.join(tmp, "no-such-weights.pth")
            commands = ["frobnicate", "run", "save x.f32",
                        "setup 2 fp32 224 224 fc8 in.f32",
                        "load " + missing, "run"]
            p = subprocess.run([WORKER], input="\n".join(commands)
                               + "\nquit\n", capture_output=True,
                               text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        answers = [json.loads(l) for l in p.stdout.splitlines()]
        self.assertEqual(len(answers), len(commands))
        for command, answer in zip(commands, answers):
            self.assertIs(answer["ok"], False, command)
            self.assertTrue(answer["error"], command)
        self.assertIn("unknown command", answers[0]["error"])
        self.assertIn("no session", answers[1]["error"])
        self.assertIn("no model loaded", answers[3]["error"])
        self.assertIn("no-such-weights.pth", answers[4]["error"])

    def test_arguments_refused(self):
        p = subprocess.run([WORKER, "extra"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 2)


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        WORKER = sys.argv.pop(1)
    unittest.main()
