#!/usr/bin/env python3
"""PyTorch's side of bench/run's comparison: torchvision's VGG-19 behind
the same line protocol as vgg19-bench-worker (see bench/bench_worker.c),
so that the driver can alternate single forward passes between the two.

Commands (one per line on stdin; one JSON object per line on stdout):

    load PATH
        torch.load(PATH) + load_state_dict into torchvision's vgg19();
        "ms" is the wall time of those two calls (the module itself is
        built once, untimed, when the process starts).
    setup THREADS PRECISION WIDTH HEIGHT TAP FORMAT INPUT
        torch.set_num_threads(THREADS); PRECISION fp32, or bf16 (the run
        goes under torch.autocast("cpu", dtype=torch.bfloat16)); TAP fc8
        (the whole network) or a layer name of the features part (the run
        stops there, as vgg.features[:k]); FORMAT contiguous or
        channels_last (model and input); INPUT as for our worker.
    run
        one forward pass under torch.inference_mode(): "ms".
    save FILE
        the output of the last run, as raw float32.
    info
        versions and build settings of torch.
    rss
        "max_rss_kb" of this process (getrusage).
    quit
"""

import json
import re
import resource
import sys
import time

import numpy as np
import torch
import torchvision


def feature_tap_names(features):
    """The tap name of each module of vgg.features (conv before ReLU)."""
    names = []
    block, conv = 1, 0
    for module in features:
        if isinstance(module, torch.nn.Conv2d):
            conv += 1
            names.append("conv%d_%d" % (block, conv))
        elif isinstance(module, torch.nn.ReLU):
            names.append("relu%d_%d" % (block, conv))
        elif isinstance(module, torch.nn.MaxPool2d):
            names.append("pool%d" % block)
            block, conv = block + 1, 0
        else:
            names.append(None)
    return names


def build_model():
    # torchvision's random initialisation is replaced by the file's weights
    # anyway: skip it, it costs seconds for 143 M parameters
    names = ["kaiming_normal_", "kaiming_uniform_", "normal_", "uniform_",
             "constant_"]
    saved = {name: getattr(torch.nn.init, name) for name in names}
    try:
        for name in names:
            setattr(torch.nn.init, name, lambda t, *args, **kwargs: t)
        model = torchvision.models.vgg19()
    finally:
        for name in names:
            setattr(torch.nn.init, name, saved[name])
    return model.eval()


class Worker:
    def __init__(self):
        self.model = build_model()
        self.loaded = False
        self.forward = None
        self.input = None
        self.bf16 = False
        self.output = None

    def load(self, path):
        start = time.perf_counter()
        state = torch.load(path)
        self.model.load_state_dict(state)
        ms = (time.perf_counter() - start) * 1e3
        del state
        self.loaded = True
        return {"ms": ms}

    def setup(self, args):
        fields = args.split(" ", 6)
        if len(fields) != 7:
            raise ValueError("setup: expected THREADS PRECISION WIDTH HEIGHT "
                             "TAP FORMAT INPUT")
        threads, precision, width, height, tap, fmt, path = fields
        threads, width, height = int(threads), int(width), int(height)
        if not self.loaded:
            raise ValueError("setup: no model loaded (send 'load PATH' first)")
        if precision not in ("fp32", "bf16"):
            raise ValueError("setup: unknown precision '%s'" % precision)
        if fmt not in ("contiguous", "channels_last"):
            raise ValueError("setup: unknown format '%s'" % fmt)
        if threads > 0:
            torch.set_num_threads(threads)
        memory_format = torch.channels_last if fmt == "channels_last" \
            else torch.contiguous_format
        self.model.to(memory_format=memory_format)
        if tap == "fc8":
            self.forward = self.model
        else:
            names = feature_tap_names(self.model.features)
            if tap not in names:
                raise ValueError("setup: unknown layer '%s'" % tap)
            self.forward = self.model.features[:names.index(tap) + 1]
        data = np.fromfile(path, dtype=np.float32)
        if data.size != 3 * width * height:
            raise ValueError("%s: %d floats, expected 3 x %d x %d"
                             % (path, data.size, height, width))
        self.input = torch.from_numpy(data).reshape(1, 3, height, width) \
            .contiguous(memory_format=memory_format)
        self.bf16 = precision == "bf16"
        self.output = None
        return {"threads": torch.get_num_threads()}

    def run(self):
        if self.forward is None:
            raise ValueError("run: no setup yet")
        with torch.inference_mode(), \
                torch.autocast("cpu", dtype=torch.bfloat16,
                               enabled=self.bf16):
            start = time.perf_counter()
            y = self.forward(self.input)
            ms = (time.perf_counter() - start) * 1e3
        self.output = y
        return {"ms": ms}

    def save(self, path):
        if self.output is None:
            raise ValueError("save: no output yet (send 'run' first)")
        y = self.output.float().contiguous()[0]
        y.numpy().astype(np.float32).tofile(path)
        shape = list(y.shape) + [1] * (3 - y.dim())
        return {"shape": shape}

    @staticmethod
    def info():
        config = torch.__config__.show()
        onednn = re.search(r"(?:MKL-DNN|oneDNN) v([\d.]+)", config)
        capability = re.search(r"CPU capability usage: (\S+)", config)
        backend = re.search(r"ATen parallel backend: (.+)",
                            torch.__config__.parallel_info())
        return {"torch": torch.__version__,
                "torchvision": torchvision.__version__,
                "onednn": "oneDNN " + onednn.group(1) if onednn else None,
                "capability": capability.group(1) if capability else None,
                "parallel": backend.group(1).strip() if backend else None}

    @staticmethod
    def rss():
        return {"max_rss_kb":
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def main():
    worker = Worker()
    for line in sys.stdin:
        line = line.rstrip("\n")
        command, _, args = line.partition(" ")
        try:
            if command == "quit":
                break
            elif command == "load":
                answer = worker.load(args)
            elif command == "setup":
                answer = worker.setup(args)
            elif command == "run":
                answer = worker.run()
            elif command == "save":
                answer = worker.save(args)
            elif command == "info":
                answer = worker.info()
            elif command == "rss":
                answer = worker.rss()
            else:
                raise ValueError("unknown command '%s'" % line)
            answer["ok"] = True
        except Exception as e:      # reported to the driver, which goes on
            answer = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
