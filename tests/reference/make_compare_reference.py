#!/usr/bin/env python3
"""Perceptual and style losses of pictures of the reference data, computed
with torch and torchvision, for the tests of the vgg19compare element.

    make_compare_reference.py --oracle DIR --out FILE

Reads DIR/manifest.json (written by make_oracle.py), runs torchvision's
VGG-19 with the manifest's "legacy_v1" weights on the network inputs torch
made of its pictures (each case's input.npy), and writes FILE, a JSON
object:

    {"weights": "legacy_v1",
     "configs": [{"id", "resize", "reference": CASE, "distorted": CASE,
                  "distortion": null or "quantise16",
                  "metrics": [{"name", "kind": "feature" | "gram",
                               "criterion": "mse" | "l1",
                               "layers": [[TAP, WEIGHT], ...],
                               "values": [PER-LAYER VALUE, ...],
                               "total": SUM OF WEIGHT * VALUE}]}]}

The formulas are those the vgg19compare element documents, written with
torch's own functions, in float64 from the float32 activations:
  feature: F.mse_loss(x, y) or F.l1_loss(x, y) (means over C*H*W values);
  gram:    ((x x^T - y y^T) ** 2).sum() / (4 C^2 (H W)^2) with x, y the
           activations as C x HW matrices (Gatys, Ecker and Bethge 2016).
"x" is the distorted picture's activations, "y" the reference's.

"quantise16" is a distortion made here, which the test makes the same way
from the case's pixels: every 8-bit component v becomes (v & 0xF0) | 8.
"""

import argparse
import collections
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)

# The pictures compared, and what with. The stretch cases differ in size
# (640x480 and 224x224) but meet at 224x224; the native-size one compares a
# picture with a coarser quantisation of itself.
CONFIGS = [
    {
        "id": "stretch_default",
        "resize": "stretch",
        "reference": "img640x480_stretch",
        "distorted": "img224_stretch",
        "distortion": None,
        "metrics": [
            ("perceptual", "feature", "mse", [("conv4_2", 1.0)]),
        ],
    },
    {
        "id": "stretch_weighted",
        "resize": "stretch",
        "reference": "img640x480_stretch",
        "distorted": "img224_stretch",
        "distortion": None,
        "metrics": [
            ("perceptual", "feature", "l1",
             [("relu1_2", 1.0), ("relu2_2", 0.5), ("relu3_4", 0.25),
              ("relu4_4", 2.0), ("relu5_4", 1.0)]),
            ("style", "gram", "mse",
             [("relu1_1", 1.0), ("relu2_1", 0.5), ("relu3_1", 1.0),
              ("relu4_1", 2.0), ("relu5_1", 1.0)]),
        ],
    },
    {
        "id": "native_quantised",
        "resize": "none",
        "reference": "img320x240_none",
        "distorted": "img320x240_none",
        "distortion": "quantise16",
        "metrics": [
            ("perceptual", "feature", "mse",
             [("conv1_2", 1.0), ("relu3_4", 0.5), ("conv4_2", 1.0)]),
            ("style", "gram", "mse", [("relu1_1", 1.0), ("relu2_1", 1.0)]),
        ],
    },
]


def tap_names(features):
    """torchvision's feature modules named as the library names its taps."""
    names, block, conv = [], 1, 0
    for module in features:
        if isinstance(module, torch.nn.Conv2d):
            conv += 1
            names.append("conv%d_%d" % (block, conv))
        elif isinstance(module, torch.nn.ReLU):
            names.append("relu%d_%d" % (block, conv))
        else:
            names.append("pool%d" % block)
            block, conv = block + 1, 0
    return names


@torch.no_grad()
def activations(model, x, wanted):
    """The taps @wanted of @model for the input @x (3, H, W), float32. The
    conv outputs are cloned before torchvision's in-place ReLU."""
    out = {}
    y = x.unsqueeze(0)
    for name, module in zip(tap_names(model.features), model.features):
        y = module(y)
        if name in wanted:
            out[name] = y[0].clone()
        if len(out) == len(wanted):
            break
    return out


def normalise(rgb):
    x = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)
    x = x.to(torch.float32) / 255.0
    mean = torch.tensor(MEAN, dtype=torch.float32).view(3, 1, 1)
    std = torch.tensor(STD, dtype=torch.float32).view(3, 1, 1)
    return ((x - mean) / std).contiguous()


def feature_loss(x, y, criterion):
    x, y = x.double(), y.double()
    if criterion == "mse":
        return float(F.mse_loss(x, y))
    return float(F.l1_loss(x, y))


def gram_loss(x, y):
    c, h, w = x.shape
    fx = x.double().reshape(c, h * w)
    fy = y.double().reshape(c, h * w)
    g = fx @ fx.t()
    a = fy @ fy.t()
    return float(((g - a) ** 2).sum() / (4.0 * c * c * (h * w) ** 2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--oracle", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    with open(os.path.join(args.oracle, "manifest.json")) as f:
        manifest = json.load(f)
    cases = {c["id"]: c for c in manifest["cases"]}

    torch.set_num_threads(2)
    model = torchvision.models.vgg19()
    state = torch.load(os.path.join(args.oracle,
                                    manifest["weights"]["legacy_v1"]))
    model.load_state_dict(state)
    model.eval()

    configs = []
    for config in CONFIGS:
        ref_case = cases[config["reference"]]
        dist_case = cases[config["distorted"]]
        ref_in = torch.from_numpy(np.load(os.path.join(args.oracle,
                                                       ref_case["input"])))
        if config["distortion"] == "quantise16":
            rgb = np.load(os.path.join(args.oracle, dist_case["rgb"]))
            dist_in = normalise((rgb & 0xF0) | 8)
        else:
            dist_in = torch.from_numpy(np.load(
                os.path.join(args.oracle, dist_case["input"])))
        wanted = {tap for m in config["metrics"] for tap, _ in m[3]}
        y = activations(model, ref_in, wanted)
        x = activations(model, dist_in, wanted)

        metrics = []
        for name, kind, criterion, layers in config["metrics"]:
            values = []
            for tap, _ in layers:
                if kind == "feature":
                    values.append(feature_loss(x[tap], y[tap], criterion))
                else:
                    values.append(gram_loss(x[tap], y[tap]))
            total = sum(w * v for (_, w), v in zip(layers, values))
            metrics.append(collections.OrderedDict([
                ("name", name), ("kind", kind), ("criterion", criterion),
                ("layers", [[tap, w] for tap, w in layers]),
                ("values", values), ("total", total)]))
        configs.append(collections.OrderedDict([
            ("id", config["id"]), ("resize", config["resize"]),
            ("reference", config["reference"]),
            ("distorted", config["distorted"]),
            ("distortion", config["distortion"]), ("metrics", metrics)]))

    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"weights": "legacy_v1", "configs": configs}, f, indent=1)
        f.write("\n")
    os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
