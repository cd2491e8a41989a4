#!/usr/bin/env python3
"""The driver of bench/run: our forward pass against PyTorch's on the same
weights and inputs, in one run, and the GStreamer element's throughput.

    harness.py --build DIR --weights FILE [options]   (see --help)

Every comparison is a group of "entries" (one configuration of one side),
each on a process of its own that keeps its model loaded: our
vgg19-bench-worker, or bench/torch_worker.py. Each entry is set up and
warmed up, then the group runs in rounds, one forward pass per entry per
round, the order rotating from round to round (A B C, B C A, ...), with a
pause before each pass so that no thread of the previous one (OpenBLAS
spins for a while after its work) is still busy. Medians, minimum and
maximum are over the rounds. Only the forward pass is timed: the input is
in memory, already normalised, and the output stays where the network
wrote it.

The report is Markdown, on stdout and in --out FILE; --json FILE keeps
every raw number.
"""

import argparse
import ctypes
import datetime
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# torchvision's configuration "E": channels of each 3x3 convolution, "M" a
# 2x2 max pooling
VGG19_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
             512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]
CLASSIFIER = [("fc6", 512 * 7 * 7, 4096), ("fc7", 4096, 4096),
              ("fc8", 4096, 1000)]

GROUPS = ["forward", "bf16", "features", "threads", "portable", "winograd",
          "load", "memory", "gst"]

FLAG_SUMMARY = ["sse4_2", "avx", "avx2", "fma", "f16c", "avx512f",
                "avx512dq", "avx512bw", "avx512vl", "avx512_vnni",
                "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16"]


class HarnessError(Exception):
    pass


# --------------------------------------------------------------------------
# Pure functions (tested by test_harness.py)
# --------------------------------------------------------------------------

def parse_size(text):
    """'640x480' -> (640, 480)."""
    m = re.fullmatch(r"(\d+)[xX](\d+)", text.strip())
    if not m:
        raise ValueError("expected WIDTHxHEIGHT, e.g. 640x480, not %r" % text)
    w, h = int(m.group(1)), int(m.group(2))
    if w < 32 or h < 32:
        raise ValueError("%s: each side must be at least 32" % text)
    return w, h


def parse_sizes(text):
    return [parse_size(t) for t in text.split(",") if t.strip()]


def median(values):
    v = sorted(values)
    n = len(v)
    if n == 0:
        raise ValueError("median of nothing")
    return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])


def summarize(values):
    """{median, min, max, n} of a non-empty list."""
    return {"median": median(values), "min": min(values),
            "max": max(values), "n": len(values)}


def fmt_num(x):
    """Three significant digits or so, never scientific."""
    if x is None:
        return "–"
    a = abs(x)
    if a >= 100:
        return "%.0f" % x
    if a >= 10:
        return "%.1f" % x
    if a >= 1:
        return "%.2f" % x
    return "%.3f" % x


def fmt_stat(s):
    """'228 (221–240)' for a summary; the message for a failure."""
    if s is None:
        return "–"
    if "error" in s:
        return "not available"
    if s["n"] == 1:
        return fmt_num(s["median"])
    return "%s (%s–%s)" % (fmt_num(s["median"]), fmt_num(s["min"]),
                           fmt_num(s["max"]))


def ratio_text(ours, theirs):
    """Time ratio ours/theirs and what it means."""
    if ours is None or theirs is None or ours <= 0 or theirs <= 0:
        return "–"
    r = ours / theirs
    if r <= 1:
        return "%.2f (%.1f× faster)" % (r, 1 / r)
    return "%.2f (%.1f× slower)" % (r, r)


def markdown_table(header, rows, align=None):
    """A GitHub Markdown table; @align: 'l' or 'r' per column (text left,
    numbers right by default)."""
    if align is None:
        align = ["l"] + ["r"] * (len(header) - 1)
    for row in rows:
        if len(row) != len(header):
            raise ValueError("row %r has %d cells, expected %d"
                             % (row, len(row), len(header)))
    cells = [[str(c).replace("|", "\\|") for c in row]
             for row in [header] + rows]
    rule = [":---" if a == "l" else "---:" for a in align]
    lines = ["| " + " | ".join(r) + " |" for r in cells[:1]]
    lines.append("| " + " | ".join(rule) + " |")
    lines += ["| " + " | ".join(r) + " |" for r in cells[1:]]
    return "\n".join(lines)


def gst_execution_seconds(output):
    """Seconds from gst-launch-1.0's 'Execution ended after H:MM:SS.ns'."""
    m = re.search(r"Execution ended after (\d+):(\d+):(\d+(?:\.\d+)?)", output)
    if not m:
        raise ValueError("no 'Execution ended after' line in gst-launch "
                         "output")
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))


def gst_processing_times_ms(output):
    """The element's per-frame processing-time (ns) of every 'vgg19'
    element message printed by gst-launch-1.0 -m, in ms."""
    return [int(ns) / 1e6 for ns in
            re.findall(r"processing-time=\(guint64\)(\d+)", output)]


def layer_shapes(width, height):
    """Name -> (FLOP-free) description of each layer of VGG-19 for this
    input: input and output elements and weights (biases included), as
    counts of values. The layer names are those of the library's
    profile."""
    shapes = {}
    c, h, w = 3, height, width
    block, conv = 1, 0
    for v in VGG19_CFG:
        if v == "M":
            oh, ow = h // 2, w // 2
            shapes["pool%d" % block] = (c * h * w, c * oh * ow, 0)
            h, w = oh, ow
            block, conv = block + 1, 0
        else:
            conv += 1
            shapes["conv%d_%d" % (block, conv)] = (
                c * h * w, v * h * w, v * c * 9 + v)
            c = v
    shapes["avgpool"] = (c * h * w, c * 7 * 7, 0)
    for name, n_in, n_out in CLASSIFIER:
        shapes[name] = (n_in, n_out, n_in * n_out + n_out)
    shapes["relu6"] = shapes["relu7"] = (4096, 4096, 0)
    return shapes


def min_traffic_mb(name, width, height, bytes_per_value=4):
    """The least memory a layer must move: its input, its output and its
    weights, once each, in MB (1e6 bytes)."""
    shape = layer_shapes(width, height).get(name)
    if shape is None:
        return None
    return sum(shape) * bytes_per_value / 1e6


def peak_for(precision, isa, threads, args):
    """The machine's peak GFLOP/s for a run, or None (no meaningful
    peak): the peaks are given for args.peak_threads threads."""
    if isa == "portable":
        return None
    if precision == "bf16":
        peak = args.peak_bf16
    elif isa == "avx2":
        peak = args.peak_avx2 if args.peak_avx2 else args.peak_fp32 / 2
    else:
        peak = args.peak_fp32
    return peak * threads / args.peak_threads


def layer_medians(runs_layers):
    """[[name, ms, gflop], ...] per run -> [(name, median ms, gflop)]."""
    if not runs_layers:
        return []
    names = [l[0] for l in runs_layers[0]]
    out = []
    for i, name in enumerate(names):
        times = [run[i][1] for run in runs_layers
                 if i < len(run) and run[i][0] == name]
        out.append((name, median(times), runs_layers[0][i][2]))
    return out


def rotate(items, k):
    k %= max(1, len(items))
    return items[k:] + items[:k]


def build_parser():
    p = argparse.ArgumentParser(
        prog="bench/run",
        description="Our VGG-19 forward pass against PyTorch's, on the same "
        "weights and inputs, interleaved in one run; and the GStreamer "
        "element's throughput. Prints a Markdown report.")
    p.add_argument("--build", help="meson build directory")
    p.add_argument("--weights", help="VGG-19 weight file (.pth, read by "
                   "both sides)")
    p.add_argument("--weights-label", default=None,
                   help="how the report names the weights")
    p.add_argument("--runs", type=int, default=None,
                   help="timed runs per entry, medians over them (default 5; "
                   "2 with --quick)")
    p.add_argument("--warmup", type=int, default=1,
                   help="untimed runs per entry first (default 1)")
    p.add_argument("--portable-runs", type=int, default=None,
                   help="timed runs of the portable C path (default 2: it "
                   "is slow)")
    p.add_argument("--threads", type=int, default=None,
                   help="threads of both sides (default: the number of "
                   "cores)")
    p.add_argument("--pause", type=float, default=0.2,
                   help="seconds of rest before each timed pass (default "
                   "0.2)")
    p.add_argument("--sizes", default=None,
                   help="feature-mode input sizes (default "
                   "640x480,1280x720; 320x240 with --quick)")
    p.add_argument("--feature-layers", default="conv4_2,relu5_4",
                   help="layers the feature mode runs up to")
    p.add_argument("--peak-fp32", type=float, default=430.0,
                   help="peak fp32 GFLOP/s of --peak-threads threads "
                   "(default 430)")
    p.add_argument("--peak-bf16", type=float, default=877.0,
                   help="peak bf16 GFLOP/s of --peak-threads threads "
                   "(default 877)")
    p.add_argument("--peak-avx2", type=float, default=None,
                   help="peak GFLOP/s of the AVX2 path (default: half the "
                   "fp32 peak: 256-bit vectors)")
    p.add_argument("--peak-threads", type=int, default=2,
                   help="threads the peaks are given for (default 2); a "
                   "run on t threads is measured against peak x t / this")
    p.add_argument("--frames", type=int, default=None,
                   help="frames of the long GStreamer runs (default 12; 4 "
                   "with --quick); the short ones have 2")
    p.add_argument("--gst-runs", type=int, default=None,
                   help="pairs of GStreamer runs per pipeline (default 3; 1 "
                   "with --quick)")
    p.add_argument("--only", default=None,
                   help="comma-separated groups to run, of: "
                   + ", ".join(GROUPS))
    p.add_argument("--skip", default="",
                   help="comma-separated groups not to run")
    p.add_argument("--quick", action="store_true",
                   help="a fast sanity run: 2 runs, small feature size, no "
                   "portable path, short GStreamer runs at 224x224 only")
    p.add_argument("--out", default=None, help="also write the report here")
    p.add_argument("--json", default=None,
                   help="write every measurement here as JSON")
    p.add_argument("--report-from", default=None, metavar="JSON",
                   help="measure nothing: print the report of a previous "
                   "run's --json file")
    p.add_argument("--python", default=sys.executable,
                   help="Python with torch and torchvision for PyTorch's "
                   "side (default: this one)")
    return p


def parse_args(argv):
    p = build_parser()
    args = p.parse_args(argv)
    if args.report_from is None and (args.build is None
                                     or args.weights is None):
        p.error("--build and --weights are required")
    q = args.quick
    if args.runs is None:
        args.runs = 2 if q else 5
    if args.portable_runs is None:
        args.portable_runs = 2
    if args.frames is None:
        args.frames = 4 if q else 12
    if args.gst_runs is None:
        args.gst_runs = 1 if q else 3
    if args.threads is None:
        args.threads = os.cpu_count() or 1
    try:
        args.sizes = parse_sizes(args.sizes if args.sizes is not None else
                                 ("320x240" if q else "640x480,1280x720"))
    except ValueError as e:
        p.error("--sizes: %s" % e)
    args.feature_layers = [t.strip() for t in args.feature_layers.split(",")
                           if t.strip()]
    for name, value, low in (("--runs", args.runs, 1),
                             ("--warmup", args.warmup, 0),
                             ("--portable-runs", args.portable_runs, 0),
                             ("--threads", args.threads, 1),
                             ("--frames", args.frames, 3),
                             ("--gst-runs", args.gst_runs, 1),
                             ("--peak-threads", args.peak_threads, 1)):
        if value < low:
            p.error("%s: %d is too small (at least %d)" % (name, value, low))
    if args.pause < 0:
        p.error("--pause: must not be negative")
    for name in ("peak_fp32", "peak_bf16"):
        if getattr(args, name) <= 0:
            p.error("--%s: must be positive" % name.replace("_", "-"))
    groups = GROUPS if args.only is None else \
        [g.strip() for g in args.only.split(",") if g.strip()]
    skip = [g.strip() for g in args.skip.split(",") if g.strip()]
    for g in groups + skip:
        if g not in GROUPS:
            p.error("unknown group '%s' (expected one of %s)"
                    % (g, ", ".join(GROUPS)))
    if q and args.only is None and "portable" not in skip:
        skip.append("portable")
    args.groups = [g for g in groups if g not in skip]
    if args.portable_runs == 0 and "portable" in args.groups:
        args.groups.remove("portable")
    return args


# --------------------------------------------------------------------------
# Workers
# --------------------------------------------------------------------------

class Worker:
    """One worker process and its line protocol."""

    def __init__(self, name, argv, env):
        self.name = name
        self.setup_key = None
        self.last = None
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env,
                                     text=True, bufsize=1)
        self.rusage = None

    def send(self, line):
        if self.proc.poll() is not None:
            raise HarnessError("%s worker exited (status %s)"
                               % (self.name, self.proc.returncode))
        self.last = line
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def receive(self):
        answer = self.proc.stdout.readline()
        if not answer:
            raise HarnessError("%s worker died on '%s'"
                               % (self.name, self.last))
        return json.loads(answer)

    def request(self, line):
        self.send(line)
        return self.receive()

    def close(self):
        """Ends the process; returns its resource usage (peak RSS)."""
        if self.rusage is not None:
            return self.rusage
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.stdin.close()
        except OSError:
            pass
        _, status, self.rusage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.proc.stdout.close()
        return self.rusage


class Entry:
    """One configuration of one side in a group."""

    def __init__(self, key, label, worker, setup, precision="fp32",
                 threads=1, isa=None, width=224, height=224):
        self.key = key
        self.label = label
        self.worker = worker
        self.setup = setup
        self.precision = precision
        self.threads = threads
        self.isa = isa
        self.width, self.height = width, height
        self.ms = []
        self.layers = []
        self.error = None
        self.info = {}

    def to_json(self):
        return {"key": self.key, "label": self.label,
                "precision": self.precision, "threads": self.threads,
                "isa": self.isa, "size": [self.width, self.height],
                "ms": self.ms, "layers": self.layers, "error": self.error,
                "info": self.info}


class Bench:
    def __init__(self, args):
        self.args = args
        self.t0 = time.monotonic()
        self.workers = {}
        self.results = {}
        self.build = os.path.abspath(args.build)
        self.scratch = os.path.join(self.build, "bench-data")
        os.makedirs(self.scratch, exist_ok=True)
        self.worker_exe = os.path.join(self.build, "bench",
                                       "vgg19-bench-worker")
        self.cli_exe = os.path.join(self.build, "tools", "vgg19")
        self.torch_ok = None
        self.torch_info = {}
        self.ours_isa = None
        self.load_avg_start = os.getloadavg()

    # ---- logging and processes

    def log(self, msg):
        sys.stderr.write("bench: %6.1f s: %s\n"
                         % (time.monotonic() - self.t0, msg))
        sys.stderr.flush()

    def ours_env(self, disable=None):
        env = dict(os.environ)
        env.pop("VGG19_DISABLE", None)
        if disable:
            env["VGG19_DISABLE"] = disable
        return env

    def torch_env(self):
        env = dict(os.environ)
        # one pool of N threads for the convolutions (OpenMP) and N for
        # the fully connected layers (OpenBLAS, called between them)
        env["OMP_NUM_THREADS"] = str(self.args.threads)
        env["OPENBLAS_NUM_THREADS"] = str(self.args.threads)
        return env

    def start_workers(self, keys):
        """Starts the workers not yet running, all at once (their start-up
        and first load are not timed), and loads the weights into each.
        Keys: 'ours', 'ours2' (a second one, for entries of the same group),
        'ours-avx2', 'ours-portable', 'ours-direct' (no Winograd),
        'torch-contiguous', 'torch-channels_last'. Returns
        {key: HarnessError} for those that failed."""
        started, failed = {}, {}
        for key in keys:
            if key in self.workers or key in started:
                continue
            if key.startswith("ours"):
                disable = {"ours-avx2": "avx512",
                           "ours-portable": "avx512,avx2",
                           "ours-direct": "winograd"}.get(key)
                env = self.ours_env(disable)
                w = Worker(key, [self.worker_exe], env)
            else:
                if self.torch_ok is False:
                    failed[key] = HarnessError("PyTorch is not available")
                    continue
                w = Worker(key, [self.args.python,
                                 os.path.join(HERE, "torch_worker.py")],
                           self.torch_env())
            w.send("load " + self.args.weights)
            started[key] = w
        if started:
            self.log("started %s, loading the weights"
                     % ", ".join(started))
        for key, w in started.items():
            try:
                answer = w.receive()
            except HarnessError as e:     # e.g. torch cannot be imported
                answer = {"ok": False, "error": str(e)}
            if not answer["ok"]:
                w.close()
                if key.startswith("torch"):
                    self.torch_ok = False
                failed[key] = HarnessError("%s: %s" % (key, answer["error"]))
                continue
            if key.startswith("torch") and not self.torch_info:
                self.torch_ok = True
                info = w.request("info")
                if info.get("ok"):
                    self.torch_info = info
            self.workers[key] = w
        return failed

    def start_worker(self, key):
        failed = self.start_workers([key])
        if key in failed:
            raise failed[key]
        return self.workers[key]

    def stop_worker(self, key):
        w = self.workers.pop(key, None)
        if w is not None:
            w.close()

    def input_file(self, width, height):
        """A seeded normal(0, 1) input (already 'normalised'), the same
        bytes for both sides."""
        import numpy as np
        path = os.path.join(self.scratch, "input-%dx%d.f32" % (width, height))
        if not os.path.exists(path):
            rng = np.random.default_rng(19)
            rng.standard_normal((3, height, width), dtype=np.float32) \
                .tofile(path)
        return path

    def entry(self, key, label, worker_key, precision, width, height, tap,
              threads=None, fmt=None):
        threads = self.args.threads if threads is None else threads
        inp = self.input_file(width, height)
        if worker_key.startswith("ours"):
            setup = "setup %d %s %d %d %s %s" % (threads, precision, width,
                                                 height, tap, inp)
        else:
            setup = "setup %d %s %d %d %s %s %s" % (
                threads, precision, width, height, tap, fmt, inp)
        e = Entry(key, label, None, setup, precision, threads, None, width,
                  height)
        try:
            e.worker = self.start_worker(worker_key)
        except HarnessError as err:
            e.error = str(err)
        return e

    # ---- measuring

    def do_setup(self, e):
        if e.worker.setup_key == e.setup:
            return True
        answer = e.worker.request(e.setup)
        e.worker.setup_key = e.setup if answer["ok"] else None
        if not answer["ok"]:
            e.error = answer["error"]
            return False
        e.isa = answer.get("isa")
        e.info["threads_used"] = answer.get("threads")
        return True

    def run_once(self, e):
        if self.args.pause > 0:
            time.sleep(self.args.pause)
        answer = e.worker.request("run")
        if not answer["ok"]:
            raise HarnessError("%s: %s" % (e.label, answer["error"]))
        return answer

    def interleave(self, title, entries, runs=None):
        """Sets up and warms up every entry, then times them in rotating
        rounds. Entries that cannot be set up keep their error."""
        runs = self.args.runs if runs is None else runs
        workers = [e.worker for e in entries if e.worker is not None]
        if len(set(map(id, workers))) != len(workers):
            raise HarnessError("%s: two entries share a worker" % title)
        live = []
        for e in entries:
            if e.error is None and self.do_setup(e):
                live.append(e)
            else:
                self.log("%s: %s not available: %s" % (title, e.label,
                                                       e.error))
        for e in live:
            for _ in range(self.args.warmup):
                self.run_once(e)
        for r in range(runs):
            self.log("%s: round %d/%d" % (title, r + 1, runs))
            for e in rotate(live, r):
                answer = self.run_once(e)
                e.ms.append(answer["ms"])
                if "layers" in answer:
                    e.layers.append(answer["layers"])
        return entries

    def compare_outputs(self, a, b):
        """Largest absolute difference between the outputs of the last
        runs of two entries, and the largest magnitude of b's."""
        import numpy as np
        if a.error or b.error or not a.ms or not b.ms:
            return None
        files = []
        for e in (a, b):
            path = os.path.join(self.scratch, "output-%s.f32" % e.key)
            answer = e.worker.request("save " + path)
            if not answer["ok"]:
                return None
            files.append(path)
        x, y = (np.fromfile(f, dtype=np.float32) for f in files)
        if x.shape != y.shape:
            return None
        return {"max_abs_diff": float(np.max(np.abs(x - y))),
                "max_abs": float(np.max(np.abs(y)))}

    # ---- groups

    def group_forward(self, precision):
        t = self.args.threads
        suffix = "" if precision == "fp32" else "-bf16"
        ours = self.entry("ours" + suffix, "ours", "ours", precision, 224,
                          224, "fc8")
        tc = self.entry("torch-contiguous" + suffix, "PyTorch contiguous",
                        "torch-contiguous", precision, 224, 224, "fc8",
                        fmt="contiguous")
        tl = self.entry("torch-channels_last" + suffix,
                        "PyTorch channels_last", "torch-channels_last",
                        precision, 224, 224, "fc8", fmt="channels_last")
        self.interleave("%s 224x224" % precision, [ours, tc, tl])
        if ours.isa:
            self.ours_isa = self.ours_isa or ours.isa
        check = {}
        for e in (tc, tl):
            check[e.key] = self.compare_outputs(ours, e)
        self.results["forward-" + precision] = {
            "threads": t, "entries": [e.to_json() for e in (ours, tc, tl)],
            "check": check}
        return ours, tc, tl

    def fastest_torch_format(self):
        r = self.results.get("forward-fp32")
        if not r:
            return "channels_last"
        best = None
        for e in r["entries"][1:]:
            if e["ms"] and (best is None or median(e["ms"]) < best[0]):
                best = (median(e["ms"]), e["label"].split()[-1])
        return best[1] if best else "channels_last"

    def group_features(self, bf16_ok):
        fmt = self.fastest_torch_format()
        out = []
        for (w, h) in self.args.sizes:
            for tap in self.args.feature_layers:
                entries = [
                    self.entry("ours-%s-%dx%d" % (tap, w, h), "ours", "ours",
                               "fp32", w, h, tap),
                    self.entry("torch-%s-%dx%d" % (tap, w, h),
                               "PyTorch " + fmt, "torch-" + fmt, "fp32", w, h,
                               tap, fmt=fmt)]
                if bf16_ok:
                    entries.append(self.entry(
                        "ours-bf16-%s-%dx%d" % (tap, w, h), "ours bf16",
                        "ours2", "bf16", w, h, tap))
                self.interleave("features %dx%d up to %s" % (w, h, tap),
                                entries)
                out.append({"size": [w, h], "tap": tap, "format": fmt,
                            "entries": [e.to_json() for e in entries]})
        self.results["features"] = out

    def group_threads(self):
        t = self.args.threads
        entries = [self.entry("ours-t%d" % t, "ours, %d threads" % t, "ours",
                              "fp32", 224, 224, "fc8")]
        if t > 1:
            entries.append(self.entry("ours-t1", "ours, 1 thread", "ours2",
                                      "fp32", 224, 224, "fc8", threads=1))
        entries.append(self.entry("ours-avx2", "ours, AVX2 path", "ours-avx2",
                                  "fp32", 224, 224, "fc8"))
        self.interleave("threads and AVX2", entries)
        self.stop_worker("ours-avx2")
        self.results["threads"] = [e.to_json() for e in entries]

    def group_portable(self):
        entries = [
            self.entry("ours-default", "ours, default path", "ours", "fp32",
                       224, 224, "fc8"),
            self.entry("ours-portable", "ours, portable C path",
                       "ours-portable", "fp32", 224, 224, "fc8")]
        self.interleave("portable", entries, runs=self.args.portable_runs)
        self.stop_worker("ours-portable")
        self.results["portable"] = [e.to_json() for e in entries]

    def group_winograd(self):
        """Winograd F(4x4, 3x3) against the direct kernels (the library
        with VGG19_DISABLE=winograd), interleaved."""
        entries = [self.entry("ours-winograd", "ours, Winograd (default)",
                              "ours", "fp32", 224, 224, "fc8"),
                   self.entry("ours-direct", "ours, direct convolutions",
                              "ours-direct", "fp32", 224, 224, "fc8")]
        self.interleave("Winograd and direct", entries)
        self.stop_worker("ours-direct")
        self.results["winograd"] = [e.to_json() for e in entries]

    def group_load(self):
        """Reloads the weights in a running process (warm page cache):
        our vgg19_model_load against torch.load + load_state_dict."""
        keys = ["ours"]
        if self.torch_ok is not False:
            keys.append(self.fastest_torch_key())
        times = {k: [] for k in keys}
        errors = {}
        for k in list(keys):
            try:
                self.start_worker(k)
            except HarnessError as e:
                errors[k] = str(e)
                keys.remove(k)
        for r in range(self.args.runs):
            self.log("load: round %d/%d" % (r + 1, self.args.runs))
            for k in rotate(keys, r):
                w = self.workers[k]
                if self.args.pause > 0:
                    time.sleep(self.args.pause)
                answer = w.request("load " + self.args.weights)
                w.setup_key = None
                if not answer["ok"]:
                    raise HarnessError("load %s: %s" % (k, answer["error"]))
                times[k].append(answer["ms"])
        self.results["load"] = {"times": times, "errors": errors}

    def fastest_torch_key(self):
        return "torch-" + self.fastest_torch_format()

    def group_memory(self):
        """Peak RSS: our CLI classifying one picture (load, decode,
        preprocess, forward), and one fresh worker of each side that loads
        the weights and runs one 224x224 forward pass."""
        res = {}
        image = os.path.join(self.scratch, "test-card.png")
        if not os.path.exists(image):
            subprocess.run(["gst-launch-1.0", "-q", "videotestsrc",
                            "num-buffers=1", "pattern=smpte", "!",
                            "video/x-raw,width=640,height=480", "!",
                            "videoconvert", "!", "pngenc", "!", "filesink",
                            "location=" + image], check=True)
        env = self.ours_env()
        env["VGG19_LABELS"] = os.path.join(HERE, "..", "weights",
                                           "imagenet-classes.txt")
        start = time.monotonic()
        proc = subprocess.Popen([self.cli_exe, "classify", "--weights",
                                 self.args.weights, image], env=env,
                                stdout=subprocess.PIPE, text=True)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        if os.waitstatus_to_exitcode(status) != 0:
            res["cli"] = {"error": "vgg19 classify failed"}
        else:
            res["cli"] = {"max_rss_mb": usage.ru_maxrss / 1024.0,
                          "wall_s": wall, "output": out.strip()}
        for side in ("ours", "torch"):
            key = "rss-" + side
            try:
                if side == "ours":
                    w = Worker(key, [self.worker_exe], self.ours_env())
                    setup = "setup %d fp32 224 224 fc8 %s" % (
                        self.args.threads, self.input_file(224, 224))
                else:
                    if self.torch_ok is False:
                        raise HarnessError("PyTorch is not available")
                    w = Worker(key, [self.args.python,
                                     os.path.join(HERE, "torch_worker.py")],
                               self.torch_env())
                    setup = "setup %d fp32 224 224 fc8 contiguous %s" % (
                        self.args.threads, self.input_file(224, 224))
                ok = all(w.request(c)["ok"] for c in
                         ("load " + self.args.weights, setup, "run"))
                usage = w.close()
                res[side] = {"max_rss_mb": usage.ru_maxrss / 1024.0} if ok \
                    else {"error": "the worker failed"}
            except HarnessError as e:
                res[side] = {"error": str(e)}
        self.results["memory"] = res

    def gst_run(self, width, height, precision, frames):
        """One gst-launch-1.0 run: (seconds from PLAYING to EOS, per-frame
        processing times) or raises HarnessError with the element's
        message."""
        env = dict(os.environ)
        env.pop("VGG19_DISABLE", None)
        env["GST_PLUGIN_PATH"] = os.path.join(self.build, "gst")
        env["VGG19_LABELS"] = os.path.join(HERE, "..", "weights",
                                           "imagenet-classes.txt")
        argv = ["gst-launch-1.0", "-m", "videotestsrc",
                "num-buffers=%d" % frames, "!",
                "video/x-raw,format=I420,width=%d,height=%d" % (width, height),
                "!", "vgg19", "weights=" + self.args.weights,
                "threads=%d" % self.args.threads, "precision=" + precision,
                "!", "fakesink"]
        p = subprocess.run(argv, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            lines = [l for l in p.stdout.splitlines() if "ERROR" in l]
            raise HarnessError(lines[0] if lines else
                               "gst-launch-1.0 exited with status %d"
                               % p.returncode)
        return gst_execution_seconds(p.stdout), \
            gst_processing_times_ms(p.stdout)

    def group_gst(self, bf16_ok):
        """Frames per second of the element in a pipeline, from wall time:
        a run of 2 frames and one of --frames frames, the difference of
        their times from PLAYING to EOS divided by the difference of
        frames, so that start-up, the model's load and the preroll cancel
        out."""
        short = 2
        sizes = [(224, 224)] if self.args.quick else [(224, 224), (640, 480)]
        variants = [(w, h, p) for p in ("fp32", "bf16") for (w, h) in sizes]
        res = {}
        for v in variants:
            res["%dx%d-%s" % v] = {"fps": [], "processing_ms": [],
                                   "error": None}
        for v in variants:
            if v[2] == "bf16" and not bf16_ok:
                res["%dx%d-%s" % v]["error"] = "bf16 refused by the library"
        for r in range(self.args.gst_runs):
            self.log("gst: round %d/%d" % (r + 1, self.args.gst_runs))
            for v in rotate(variants, r):
                rv = res["%dx%d-%s" % v]
                if rv["error"]:
                    continue
                try:
                    t_short, _ = self.gst_run(v[0], v[1], v[2], short)
                    t_long, proc = self.gst_run(v[0], v[1], v[2],
                                                self.args.frames)
                except (HarnessError, ValueError) as e:
                    rv["error"] = str(e)
                    continue
                if t_long > t_short:
                    rv["fps"].append((self.args.frames - short)
                                     / (t_long - t_short))
                # the first frame pays for first-touch page faults
                rv["processing_ms"] += proc[1:]
        self.results["gst"] = res

    # ---- machine

    def machine(self):
        info = {}
        try:
            with open("/proc/cpuinfo") as f:
                text = f.read()
        except OSError:
            text = ""
        first = text.split("\n\n")[0]
        fields = {}
        for line in first.splitlines():
            k, _, v = line.partition(":")
            fields[k.strip()] = v.strip()
        flags = fields.get("flags", "").split()
        info["cpu"] = fields.get("model name", "unknown")
        info["cpus_online"] = os.cpu_count()
        info["cores_per_socket"] = fields.get("cpu cores")
        info["mhz"] = fields.get("cpu MHz")
        info["cache"] = fields.get("cache size")
        info["flags"] = [f for f in FLAG_SUMMARY if f in flags]
        info["kernel"] = os.uname().release
        try:
            lib = ctypes.CDLL("libopenblas.so.0")
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            info["openblas_core"] = lib.openblas_get_corename().decode()
            info["openblas_config"] = lib.openblas_get_config().decode()
        except (OSError, AttributeError):
            info["openblas_core"] = "unknown"
        info["openblas_coretype_env"] = os.environ.get("OPENBLAS_CORETYPE")
        try:
            info["commit"] = subprocess.run(
                ["git", "-C", HERE, "describe", "--always", "--dirty"],
                capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            info["commit"] = "unknown"
        return info

    # ---- the whole run

    def run(self):
        a = self.args
        self.log("groups: %s; %d runs after %d warm-up, %d threads"
                 % (", ".join(a.groups), a.runs, a.warmup, a.threads))
        bf16_ok = False
        try:
            # every long-lived worker at once: their start-up overlaps
            keys = ["ours"]
            if set(a.groups) & {"forward", "bf16", "features", "load"}:
                keys += ["torch-contiguous", "torch-channels_last"]
            if "threads" in a.groups and a.threads > 1:
                keys.append("ours2")
            self.start_workers(keys)
            if "forward" in a.groups:
                self.group_forward("fp32")
            if "bf16" in a.groups:
                ours, _, _ = self.group_forward("bf16")
                bf16_ok = ours.error is None
            else:
                bf16_ok = self.probe_bf16()
            if "features" in a.groups:
                self.group_features(bf16_ok)
            if "threads" in a.groups:
                self.group_threads()
            self.stop_worker("ours2")
            if "portable" in a.groups:
                self.group_portable()
            if "winograd" in a.groups:
                self.group_winograd()
            if "load" in a.groups:
                self.group_load()
            for key in list(self.workers):
                self.stop_worker(key)
            if "memory" in a.groups:
                self.group_memory()
            if "gst" in a.groups:
                self.group_gst(bf16_ok)
        finally:
            for key in list(self.workers):
                self.stop_worker(key)
        self.results["machine"] = self.machine()
        self.results["torch"] = self.torch_info
        self.results["settings"] = {
            "runs": a.runs, "warmup": a.warmup, "threads": a.threads,
            "pause_s": a.pause, "portable_runs": a.portable_runs,
            "frames": a.frames, "gst_runs": a.gst_runs,
            "peaks": {"fp32": a.peak_fp32, "bf16": a.peak_bf16,
                      "avx2": a.peak_avx2 or a.peak_fp32 / 2,
                      "threads": a.peak_threads},
            "weights": a.weights_label or os.path.basename(a.weights),
            "date": datetime.datetime.now(datetime.timezone.utc)
            .strftime("%Y-%m-%d %H:%M UTC"),
            "load_avg_start": self.load_avg_start,
            "load_avg_end": os.getloadavg(),
            "duration_s": time.monotonic() - self.t0,
            "ours_isa": self.ours_isa,
            "feature_layers": a.feature_layers}
        return self.results

    def probe_bf16(self):
        """Whether our library accepts bf16 here, without timing it."""
        try:
            w = self.start_worker("ours")
        except HarnessError:
            return False
        answer = w.request("setup %d bf16 224 224 fc8 %s"
                           % (self.args.threads, self.input_file(224, 224)))
        w.setup_key = None
        return bool(answer["ok"])


# --------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------

def stat_of(entry_json):
    if entry_json is None:
        return None
    if entry_json.get("error"):
        return {"error": entry_json["error"]}
    if not entry_json["ms"]:
        return None
    return summarize(entry_json["ms"])


def med(entry_json):
    s = stat_of(entry_json)
    return s["median"] if s and "median" in s else None


def fastest(entry_json):
    s = stat_of(entry_json)
    return s["min"] if s and "min" in s else None


def min_ratio_text(ours, theirs):
    """The ratio of the fastest runs: on a busy machine, the runs least
    disturbed by other processes."""
    if ours is None or theirs is None or ours <= 0 or theirs <= 0:
        return "–"
    return "%.2f" % (ours / theirs)


def na_note(entry_json):
    if entry_json and entry_json.get("error"):
        return entry_json["error"]
    return None


def report_machine(res):
    m = res["machine"]
    s = res["settings"]
    t = res.get("torch") or {}
    core = m.get("openblas_core", "unknown")
    env = m.get("openblas_coretype_env")
    lines = [
        "- CPU: %s, %s logical CPUs (%s cores), %s MHz, cache %s"
        % (m["cpu"], m["cpus_online"], m.get("cores_per_socket") or "?",
           m.get("mhz") or "?", m.get("cache") or "?"),
        "- CPU flags (of interest): %s" % (" ".join(m["flags"]) or "none"),
        "- Linux %s; load average %s at the start, %s at the end"
        % (m["kernel"], " ".join("%.2f" % x for x in s["load_avg_start"]),
           " ".join("%.2f" % x for x in s["load_avg_end"])),
        "- vgg19 %s, kernels: %s; OpenBLAS core: %s (OPENBLAS_CORETYPE%s)"
        % (m.get("commit"), s.get("ours_isa") or "?", core,
           "=" + env if env else " unset"),
    ]
    if t:
        lines.append("- PyTorch %s, torchvision %s, %s, CPU capability %s, "
                     "%s; OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=%d"
                     % (t.get("torch"), t.get("torchvision"),
                        t.get("onednn") or "oneDNN ?",
                        t.get("capability") or "?",
                        t.get("parallel") or "?", s["threads"]))
    else:
        lines.append("- PyTorch: not available")
    lines.append(
        "- Settings: %d threads per side, median of %d runs after %d "
        "warm-up, interleaved, %.2f s pause before each run; weights: %s; "
        "%s; the whole run took %.0f s"
        % (s["threads"], s["runs"], s["warmup"], s["pause_s"], s["weights"],
           s["date"], s["duration_s"]))
    return "\n".join(lines)


def report_forward(res):
    rows = []
    notes = []
    for prec in ("fp32", "bf16"):
        r = res.get("forward-" + prec)
        if not r:
            continue
        ours, tc, tl = r["entries"]
        best = min([x for x in (med(tc), med(tl)) if x is not None],
                   default=None)
        best_min = min([x for x in (fastest(tc), fastest(tl))
                        if x is not None], default=None)
        check = []
        for e in (tc, tl):
            c = r["check"].get(e["key"])
            if c:
                check.append("%.2g" % c["max_abs_diff"])
        rows.append([prec, fmt_stat(stat_of(ours)), fmt_stat(stat_of(tc)),
                     fmt_stat(stat_of(tl)), ratio_text(med(ours), best),
                     min_ratio_text(fastest(ours), best_min),
                     " / ".join(check) if check else "–"])
        for e in (ours, tc, tl):
            if na_note(e):
                notes.append("%s, %s: not available (%s)."
                             % (e["label"], prec, na_note(e)))
    if not rows:
        return None
    text = markdown_table(
        ["precision", "ours ms", "PyTorch contiguous ms",
         "PyTorch channels_last ms", "ours / faster PyTorch",
         "same, fastest runs", "max |Δ logits| (contig. / ch.-last)"], rows)
    if notes:
        text += "\n\n" + "\n".join("- " + n for n in notes)
    return ("## Forward pass, batch 1, 224×224, up to fc8 (logits)\n\n"
            "Milliseconds per image: median (min–max). Ratios are of "
            "times, ours / PyTorch's: of the medians, and of the fastest "
            "runs (the least disturbed on a busy machine). PyTorch bf16 is "
            "`torch.autocast(\"cpu\", dtype=torch.bfloat16)`. The last "
            "column compares the logits of the last run of each side.\n\n"
            + text)


def report_features(res):
    groups = res.get("features")
    if not groups:
        return None
    rows = []
    fmt = groups[0]["format"]
    has_bf16 = any(len(g["entries"]) > 2 for g in groups)
    for g in groups:
        w, h = g["size"]
        mp = w * h / 1e6
        ours, torch_e = g["entries"][0], g["entries"][1]
        row = ["%d×%d" % (w, h), g["tap"], fmt_stat(stat_of(ours)),
               fmt_num(med(ours) / mp) if med(ours) else "–",
               fmt_stat(stat_of(torch_e)),
               fmt_num(med(torch_e) / mp) if med(torch_e) else "–",
               ratio_text(med(ours), med(torch_e)),
               min_ratio_text(fastest(ours), fastest(torch_e))]
        if has_bf16:
            b = g["entries"][2] if len(g["entries"]) > 2 else None
            row += [fmt_stat(stat_of(b)),
                    fmt_num(med(b) / mp) if med(b) else "–"]
        rows.append(row)
    header = ["input", "up to", "ours ms", "ours ms/MP",
              "PyTorch %s ms" % fmt, "PyTorch ms/MP", "ours / PyTorch",
              "same, fastest runs"]
    if has_bf16:
        header += ["ours bf16 ms", "ours bf16 ms/MP"]
    return ("## Features at the native size (fp32)\n\n"
            "The convolutional part only, up to the layer named (PyTorch: "
            "the same truncation of `vgg.features`, in its faster memory "
            "format at 224×224). MP: megapixel of input.\n\n"
            + markdown_table(header, rows))


def report_paths(res):
    rows = []
    th = res.get("threads")
    base = None
    if th:
        base = med(th[0])
        for e in th:
            note = ""
            if e is not th[0] and med(e) and base:
                if e["threads"] == 1:
                    note = "speed-up of %d threads over 1: %.2f×" % (
                        th[0]["threads"], med(e) / base)
                else:
                    note = "%.2f× the time of the default path" % (
                        med(e) / base)
            rows.append([e["label"], e["isa"] or "–", str(e["threads"]),
                         fmt_stat(stat_of(e)), note])
    po = res.get("portable")
    if po:
        b, p = po
        note = ""
        if med(p) and med(b):
            n = len(p["ms"])
            note = "%.1f× the time of the default path (%d run%s)" % (
                med(p) / med(b), n, "" if n == 1 else "s")
        rows.append([p["label"], p["isa"] or "–", str(p["threads"]),
                     fmt_stat(stat_of(p)), note])
    if not rows:
        return None
    return ("## Our paths and threads (fp32, 224×224, up to fc8)\n\n"
            "Each path is the one the library picks with `VGG19_DISABLE` "
            "set (avx512, then avx512,avx2), interleaved with the default "
            "one.\n\n"
            + markdown_table(["run", "kernels", "threads", "ms", "note"], rows,
                             ["l", "l", "r", "r", "l"]))


def report_winograd(res):
    w = res.get("winograd")
    if not w or len(w) != 2:
        return None
    rows = []
    convs = []
    for e in w:
        layers = layer_medians(e["layers"])
        conv_ms = sum(ms for n, ms, _ in layers if n.startswith("conv")
                      and n != "conv1_1")
        convs.append(conv_ms)
        rows.append([e["label"].replace("ours, ", ""), fmt_num(conv_ms),
                     fmt_stat(stat_of(e))])
    note = ""
    if convs[0] and med(w[0]):
        note = ("Direct / Winograd: %.2f× for those convolutions, %.2f× for "
                "the whole forward pass.\n\n"
                % (convs[1] / convs[0], med(w[1]) / med(w[0])))
    return ("## Winograd against direct convolution (fp32, 224×224)\n\n"
            "The same library with `VGG19_DISABLE=winograd` (every 3×3 "
            "convolution on the direct kernels), interleaved with the "
            "default; conv2…conv5 ms: the per-layer medians of the "
            "convolutions that use Winograd by default.\n\n" + note
            + markdown_table(["run", "conv1_2…conv5_4 ms", "whole forward "
                              "ms"], rows, ["l", "r", "r"]))


def report_load_memory(res):
    parts = []
    ld = res.get("load")
    if ld:
        rows = []
        times = ld["times"]
        ours = times.get("ours")
        for k, v in times.items():
            label = "ours: `vgg19_model_load`" if k == "ours" else \
                "PyTorch: `torch.load` + `load_state_dict`"
            rows.append([label, fmt_stat(summarize(v)) if v else "–",
                         ratio_text(median(ours), median(v))
                         if ours and v and k != "ours" else ""])
        for k, err in ld["errors"].items():
            rows.append([k, "not available", err])
        parts.append(markdown_table(["loading the weights", "ms",
                                     "ours / PyTorch"], rows))
    mem = res.get("memory")
    if mem:
        rows = []
        for key, label in (("cli", "ours: `vgg19 classify` of a 640×480 "
                            "PNG (load, decode, forward)"),
                           ("ours", "ours: load + one 224×224 forward"),
                           ("torch", "PyTorch: load + one 224×224 forward "
                            "(whole process)")):
            v = mem.get(key)
            if not v:
                continue
            rows.append([label, "%.0f" % v["max_rss_mb"]
                         if "max_rss_mb" in v else "not available: "
                         + v.get("error", "?")])
        parts.append(markdown_table(["process", "peak RSS MiB"], rows))
    if not parts:
        return None
    return ("## Loading and memory\n\nLoading: the same file read again by "
            "a running process (warm page cache), interleaved. Peak RSS: "
            "`getrusage` of a fresh process.\n\n" + "\n\n".join(parts))


def report_gst(res):
    g = res.get("gst")
    if not g:
        return None
    rows = []
    for key, v in g.items():
        size, prec = key.rsplit("-", 1)
        if v["error"]:
            rows.append([size.replace("x", "×"), prec, "not available", "",
                         v["error"]])
            continue
        rows.append([size.replace("x", "×"), prec,
                     fmt_stat(summarize(v["fps"])) if v["fps"] else "–",
                     fmt_num(median(v["processing_ms"]))
                     if v["processing_ms"] else "–", ""])
    s = res["settings"]
    return ("## GStreamer element throughput\n\n"
            "`videotestsrc num-buffers=N ! video/x-raw,format=I420,width=W,"
            "height=H ! vgg19 threads=%d precision=P ! fakesink`, classify "
            "mode (frames resized to 224×224). Frames per second from wall "
            "time: runs of 2 and %d frames, (%d − 2) / the difference of "
            "their times from PLAYING to EOS, so start-up and the model's "
            "load cancel out; %d pair(s). Processing time: the element's "
            "own per-frame figure (median over the frames after the "
            "first).\n\n" % (s["threads"], s["frames"], s["frames"],
                              s["gst_runs"])
            + markdown_table(["input", "precision", "frames/s",
                              "processing ms/frame", "note"], rows,
                             ["l", "l", "r", "r", "l"]))


def layer_profiles(res, args_like):
    """(title, width, height, [(label, entry_json)]) per layer table."""
    tables = []
    cols = []
    fw = res.get("forward-fp32")
    if fw and fw["entries"][0]["layers"]:
        cols.append(("fp32 %d thr" % fw["entries"][0]["threads"],
                     fw["entries"][0]))
    th = res.get("threads") or []
    for e in th[1:]:
        if e["layers"]:
            cols.append(("fp32 1 thr" if e["threads"] == 1 else
                         "AVX2 %d thr" % e["threads"], e))
    bf = res.get("forward-bf16")
    if bf and bf["entries"][0]["layers"]:
        cols.append(("bf16 %d thr" % bf["entries"][0]["threads"],
                     bf["entries"][0]))
    if cols:
        tables.append(("224×224, up to fc8", 224, 224, cols))
    feats = res.get("features") or []
    big = [g for g in feats if g["tap"] == (args_like["feature_layers"][-1]
                                            if args_like["feature_layers"]
                                            else "relu5_4")]
    if big:
        g = max(big, key=lambda g: g["size"][0] * g["size"][1])
        cols = [("fp32 %d thr" % g["entries"][0]["threads"],
                 g["entries"][0])]
        if len(g["entries"]) > 2 and g["entries"][2]["layers"]:
            cols.append(("bf16 %d thr" % g["entries"][2]["threads"],
                         g["entries"][2]))
        if g["entries"][0]["layers"]:
            tables.append(("%d×%d, up to %s" % (g["size"][0], g["size"][1],
                                                g["tap"]),
                           g["size"][0], g["size"][1], cols))
    return tables


def report_layers(res):
    s = res["settings"]
    peaks = s["peaks"]

    class P:
        pass
    pa = P()
    pa.peak_fp32, pa.peak_bf16 = peaks["fp32"], peaks["bf16"]
    pa.peak_avx2, pa.peak_threads = peaks["avx2"], peaks["threads"]
    out = []
    for title, w, h, cols in layer_profiles(
            res, {"feature_layers": s.get("feature_layers",
                                          ["conv4_2", "relu5_4"])}):
        meds = [(label, e, {n: (ms, gf) for n, ms, gf in
                            layer_medians(e["layers"])})
                for label, e in cols]
        main_label, main_e, main = meds[0]
        names = [n for n, _, _ in layer_medians(main_e["layers"])]
        total_main = sum(ms for ms, _ in main.values())
        header = ["layer", "GFLOP", "min MB", "FLOP/B", main_label + " ms",
                  "share", "GFLOP/s", "% peak", "GB/s"]
        for label, _, _ in meds[1:]:
            header += [label + " ms", "% peak"]
        rows = []
        for n in names:
            ms, gf = main[n]
            mb = min_traffic_mb(n, w, h)
            peak = peak_for(main_e["precision"], main_e["isa"],
                            main_e["threads"], pa)
            row = [n, "%.3f" % gf if gf else "–",
                   fmt_num(mb) if mb else "–",
                   fmt_num(gf * 1e3 / mb) if gf and mb else "–",
                   fmt_num(ms), "%.1f%%" % (100 * ms / total_main)
                   if total_main else "–",
                   fmt_num(gf / ms * 1e3) if gf and ms > 0 else "–",
                   "%.0f%%" % (100 * gf / ms * 1e3 / peak)
                   if gf and ms > 0 and peak else "–",
                   fmt_num(mb / ms) if mb and ms > 0 else "–"]
            for label, e, d in meds[1:]:
                if n in d:
                    ms2, gf2 = d[n]
                    pk = peak_for(e["precision"], e["isa"], e["threads"], pa)
                    row += [fmt_num(ms2),
                            "%.0f%%" % (100 * gf2 / ms2 * 1e3 / pk)
                            if gf2 and ms2 > 0 and pk else "–"]
                else:
                    row += ["–", "–"]
            rows.append(row)
        tot_gf = sum(gf for _, gf in main.values())
        row = ["sum of layers", "%.2f" % tot_gf, "", "", fmt_num(total_main),
               "100%", fmt_num(tot_gf / total_main * 1e3)
               if total_main else "–", "", ""]
        for label, e, d in meds[1:]:
            t = sum(ms for ms, _ in d.values())
            row += [fmt_num(t), ""]
        rows.append(row)
        out.append("### %s\n\n" % title + markdown_table(header, rows))
    if not out:
        return None
    return ("## Per layer (ours)\n\n"
            "Medians of the library's own per-layer profile over the timed "
            "runs above (a convolution includes its ReLU, and the max "
            "pooling after it, when fused: those show 0 ms). "
            "GFLOP: the library's count, 2 per multiply-add of the direct "
            "convolution, so with Winograd the GFLOP/s and %% of peak are "
            "effective figures and may exceed 100%%. Peaks: fp32 %g, bf16 "
            "%g, AVX2 %g GFLOP/s for %d threads, scaled by the threads "
            "used. min MB: input + output + weights read or written once "
            "(fp32), and FLOP/B the arithmetic intensity that leaves; GB/s "
            "that traffic over the time.\n\n"
            % (peaks["fp32"], peaks["bf16"], peaks["avx2"], peaks["threads"])
            + "\n\n".join(out))


def render_report(res):
    s = res["settings"]
    parts = ["# vgg19 benchmark, %s" % s["date"], "## Machine\n\n"
             + report_machine(res)]
    for f in (report_forward, report_features, report_paths, report_winograd,
              report_load_memory, report_gst, report_layers):
        text = f(res)
        if text:
            parts.append(text)
    return "\n\n".join(parts) + "\n"


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.report_from is not None:
        with open(args.report_from) as f:
            text = render_report(json.load(f))
        sys.stdout.write(text)
        if args.out:
            with open(args.out, "w") as f:
                f.write(text)
        return
    if not os.path.exists(args.weights):
        sys.exit("bench: %s: no such weight file" % args.weights)
    bench = Bench(args)
    for exe in (bench.worker_exe,):
        if not os.access(exe, os.X_OK):
            sys.exit("bench: %s is missing: build the project first" % exe)
    try:
        results = bench.run()
    except HarnessError as e:
        sys.exit("bench: %s" % e)
    text = render_report(results)
    sys.stdout.write(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
