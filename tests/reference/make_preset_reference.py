#!/usr/bin/env python3
"""The named metrics (presets) of the library, computed with torch and
torchvision from their papers' definitions, for tests/reference/
test_presets.c.

    make_preset_reference.py --oracle DIR --out OUTDIR [--stamp FILE]

Reads DIR/manifest.json (written by make_oracle.py) for its seeded VGG-19
("legacy_v1") and VGG-16 ("vgg16") weights and its network inputs, and
writes to OUTDIR:

    lpips-v0.1-vgg.pth  seeded stand-in for LPIPS' weights/v0.1/vgg.pth:
                        the same keys and shapes (lin0.model.1.weight ...
                        lin4.model.1.weight, [1, C, 1, 1], > 0), saved by
                        torch.save in the legacy format as the original
    dists-weights.pt    seeded stand-in for DISTS' weights.pt (alpha and
                        beta, [1, 1475, 1, 1]), torch.save's zip format
    inputs/*.npy        the network inputs compared (3, H, W), float32,
                        ImageNet-normalised as the library's preprocessing
                        gives them
    presets.json        {"pairs": [{"id", "reference", "distorted"}],
                         "results": [{"preset", "pair", "weights",
                                      "layers": [TAP, ...],
                                      "values": [...], "total",
                                      ["scales": [...]]}]}

DISTS' results also give, per stage, "scales": the stage's share of the
weights, sum(alpha + beta) / w_sum. A stage's value sums alpha (1 - l) +
beta (1 - s) with l, s close to 1, so it can be far smaller than its
terms: an error e in the l and s (from the rounding of the float32
activations) moves it by up to e * scale, however small the value.

Each formula is written here with torch's own operations, independently
of the C code:
  - esrgan, realesrgan, edsr-vgg22/54, srgan-vgg54, pix2pixhd: sum of
    w_l * F.l1_loss / F.mse_loss of the VGG-19 taps (conv outputs cloned
    before torchvision's in-place ReLU); pix2pixhd feeds 2 x - 1 of the
    [0, 1] image, without ImageNet normalisation;
  - gatys-style: 0.2 * sum over relu1_1..relu5_1 of
    ((G - A) ** 2).sum() / (4 C^2 (H W)^2), G = F F^T;
  - lpips-vgg: LPIPS v0.1 as its code computes it: the [-1, 1] image
    through the ScalingLayer (shift -0.030, -0.088, -0.188, scale 0.458,
    0.448, 0.450), VGG-16 slices ending at relu1_2, relu2_2, relu3_3,
    relu4_3, relu5_3, x / (sqrt(sum_c x^2) + 1e-10), squared difference,
    1x1 convolution with the lin weights, spatial mean, sum;
  - dists: DISTS as its code computes it: VGG-16 with the max poolings
    4, 9, 16, 23 replaced by L2 pooling (Hann window [.5, 1, .5] outer
    product / 4, stride 2, padding 1, groups = C, sqrt(. + 1e-12)); stages
    the [0, 1] image and relu1_2 ... relu5_3; 1 - sum(alpha S1 + beta S2)
    / w_sum with S1, S2 from the means, variances and E[xy] - E[x]E[y].
Metrics are computed in float64 from the float32 activations; the
per-layer values are what the library reports per tap (before the layer
weight; DISTS: the stage's share of 1 - similarity).
"""

import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

SEED = 2024
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
LPIPS_SHIFT = (-.030, -.088, -.188)
LPIPS_SCALE = (.458, .448, .450)

FEATURE_PRESETS = {
    # name: (criterion, [(tap, weight)], input)
    "esrgan": ("l1", [("conv5_4", 1.0)], "imagenet"),
    "realesrgan": ("l1", [("conv1_2", 0.1), ("conv2_2", 0.1),
                          ("conv3_4", 1.0), ("conv4_4", 1.0),
                          ("conv5_4", 1.0)], "imagenet"),
    "edsr-vgg22": ("mse", [("conv2_2", 1.0)], "imagenet"),
    "edsr-vgg54": ("mse", [("conv5_4", 1.0)], "imagenet"),
    "srgan-vgg54": ("mse", [("relu5_4", 1.0)], "imagenet"),
    "pix2pixhd": ("l1", [("relu1_1", 1 / 32), ("relu2_1", 1 / 16),
                         ("relu3_1", 1 / 8), ("relu4_1", 1 / 4),
                         ("relu5_1", 1.0)], "signed"),
}
GATYS_LAYERS = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
LPIPS_LAYERS = ["relu1_2", "relu2_2", "relu3_3", "relu4_3", "relu5_3"]
LPIPS_CHANNELS = [64, 128, 256, 512, 512]
DISTS_CHANNELS = [3, 64, 128, 256, 512, 512]

# (id, reference case, distorted case or None for a quantised copy)
PAIRS = [
    ("stretch", "img640x480_stretch", "img224_stretch"),
    # odd sizes: L2 pooling rounds up where max pooling rounds down
    ("native_odd", "img97x131_none", None),
]


def tap_names(features):
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
def taps(features, x, wanted):
    """The modules' outputs named in @wanted, for the (3, H, W) input @x;
    conv outputs cloned before the in-place ReLU overwrites them."""
    out, y = {}, x.unsqueeze(0)
    for name, module in zip(tap_names(features), features):
        y = module(y)
        if name in wanted:
            out[name] = y[0].clone()
        if len(out) == len(wanted):
            break
    return out


def to_unit(x):
    """The ImageNet-normalised input back to RGB in [0, 1]."""
    mean = torch.tensor(MEAN, dtype=torch.float32).view(3, 1, 1)
    std = torch.tensor(STD, dtype=torch.float32).view(3, 1, 1)
    return x * std + mean


def normalise(rgb):
    x = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)
    x = x.to(torch.float32) / 255.0
    mean = torch.tensor(MEAN, dtype=torch.float32).view(3, 1, 1)
    std = torch.tensor(STD, dtype=torch.float32).view(3, 1, 1)
    return ((x - mean) / std).contiguous()


def feature_preset(vgg19, criterion, layers, scaling, ref, dist):
    def net_input(x):
        return 2.0 * to_unit(x) - 1.0 if scaling == "signed" else x
    wanted = {t for t, _ in layers}
    y = taps(vgg19.features, net_input(ref), wanted)
    x = taps(vgg19.features, net_input(dist), wanted)
    fn = F.l1_loss if criterion == "l1" else F.mse_loss
    values = [float(fn(x[t].double(), y[t].double())) for t, _ in layers]
    total = sum(w * v for (_, w), v in zip(layers, values))
    return [t for t, _ in layers], values, total


def gatys(vgg19, ref, dist):
    y = taps(vgg19.features, ref, set(GATYS_LAYERS))
    x = taps(vgg19.features, dist, set(GATYS_LAYERS))
    values = []
    for t in GATYS_LAYERS:
        c, h, w = x[t].shape
        fx = x[t].double().reshape(c, h * w)
        fy = y[t].double().reshape(c, h * w)
        g, a = fx @ fx.t(), fy @ fy.t()
        values.append(float(((g - a) ** 2).sum() /
                            (4.0 * c * c * (h * w) ** 2)))
    return GATYS_LAYERS, values, sum(0.2 * v for v in values)


@torch.no_grad()
def lpips(vgg16, lin, ref, dist):
    shift = torch.tensor(LPIPS_SHIFT).view(1, 3, 1, 1)
    scale = torch.tensor(LPIPS_SCALE).view(1, 3, 1, 1)
    slices = [(0, 4), (4, 9), (9, 16), (16, 23), (23, 30)]

    def outs(x):
        h = ((2.0 * to_unit(x) - 1.0).unsqueeze(0) - shift) / scale
        res = []
        for a, b in slices:
            for k in range(a, b):
                h = vgg16.features[k](h)
            res.append(h.clone())
        return res

    def unit(t):
        return t / (torch.sqrt(torch.sum(t ** 2, dim=1, keepdim=True)) +
                    1e-10)

    o0, o1 = outs(dist), outs(ref)
    values = []
    for k in range(5):
        d = (unit(o0[k]).double() - unit(o1[k]).double()) ** 2
        r = F.conv2d(d, lin[k].double())
        values.append(float(r.mean()))
    return LPIPS_LAYERS, values, sum(values)


class L2Pool(torch.nn.Module):
    def __init__(self, channels):
        super().__init__()
        a = np.hanning(5)[1:-1]
        g = torch.tensor(a[:, None] * a[None, :], dtype=torch.float32)
        g = g / g.sum()
        self.register_buffer("filt", g[None, None].repeat(channels, 1, 1, 1))

    def forward(self, x):
        out = F.conv2d(x ** 2, self.filt, stride=2, padding=1,
                       groups=x.shape[1])
        return (out + 1e-12).sqrt()


@torch.no_grad()
def dists(vgg16, alpha, beta, ref, dist):
    feats = vgg16.features
    stages = [(0, 4), (4, 9), (9, 16), (16, 23), (23, 30)]
    pools = {4: 64, 9: 128, 16: 256, 23: 512}

    def forward_once(x):
        res = [to_unit(x).unsqueeze(0)]
        h = x.unsqueeze(0)
        for a, b in stages:
            for k in range(a, b):
                h = L2Pool(pools[k])(h) if k in pools else feats[k](h)
            res.append(h.clone())
        return res

    f0, f1 = forward_once(dist), forward_once(ref)
    c1 = c2 = 1e-6
    w_sum = alpha.sum() + beta.sum()
    a_split = torch.split(alpha / w_sum, DISTS_CHANNELS, dim=1)
    b_split = torch.split(beta / w_sum, DISTS_CHANNELS, dim=1)
    values, scales = [], []
    for k in range(6):
        x, y = f0[k].double(), f1[k].double()
        xm = x.mean([2, 3], keepdim=True)
        ym = y.mean([2, 3], keepdim=True)
        s1 = (2 * xm * ym + c1) / (xm ** 2 + ym ** 2 + c1)
        xv = ((x - xm) ** 2).mean([2, 3], keepdim=True)
        yv = ((y - ym) ** 2).mean([2, 3], keepdim=True)
        cov = (x * y).mean([2, 3], keepdim=True) - xm * ym
        s2 = (2 * cov + c2) / (xv + yv + c2)
        a, b = a_split[k].double(), b_split[k].double()
        # the stage's share of 1 - sum(alpha S1 + beta S2)
        values.append(float((a.sum() + b.sum()) - (a * s1).sum() -
                            (b * s2).sum()))
        scales.append(float(a.sum() + b.sum()))
    return ["input"] + LPIPS_LAYERS, values, sum(values), scales


def load(builder, path):
    model = builder()
    model.load_state_dict(torch.load(path))
    model.eval()
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--oracle", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--stamp")
    args = parser.parse_args()

    torch.set_num_threads(2)
    with open(os.path.join(args.oracle, "manifest.json")) as f:
        manifest = json.load(f)
    cases = {c["id"]: c for c in manifest["cases"]}
    os.makedirs(os.path.join(args.out, "inputs"), exist_ok=True)

    gen = torch.Generator().manual_seed(SEED)
    lin = [torch.rand(1, c, 1, 1, generator=gen) * 1.2 + 0.02
           for c in LPIPS_CHANNELS]
    lin_path = os.path.join(args.out, "lpips-v0.1-vgg.pth")
    torch.save({"lin%d.model.1.weight" % k: lin[k] for k in range(5)},
               lin_path, _use_new_zipfile_serialization=False)
    alpha = torch.rand(1, 1475, 1, 1, generator=gen) * 0.01
    beta = torch.rand(1, 1475, 1, 1, generator=gen) * 0.01
    dists_path = os.path.join(args.out, "dists-weights.pt")
    torch.save({"alpha": alpha, "beta": beta}, dists_path)

    vgg19 = load(torchvision.models.vgg19,
                 os.path.join(args.oracle, manifest["weights"]["legacy_v1"]))
    vgg16 = load(torchvision.models.vgg16,
                 os.path.join(args.oracle, manifest["weights"]["vgg16"]))

    pairs, results = [], []
    for pair_id, ref_id, dist_id in PAIRS:
        ref = torch.from_numpy(np.load(os.path.join(
            args.oracle, cases[ref_id]["input"])))
        if dist_id is None:
            rgb = np.load(os.path.join(args.oracle, cases[ref_id]["rgb"]))
            dist = normalise((rgb & 0xF0) | 8)
        else:
            dist = torch.from_numpy(np.load(os.path.join(
                args.oracle, cases[dist_id]["input"])))
        files = {}
        for role, x in (("reference", ref), ("distorted", dist)):
            rel = "inputs/%s_%s.npy" % (pair_id, role)
            np.save(os.path.join(args.out, rel), x.numpy().astype(np.float32))
            files[role] = rel
        pairs.append({"id": pair_id, **files})

        for name, (crit, layers, scaling) in FEATURE_PRESETS.items():
            t, v, total = feature_preset(vgg19, crit, layers, scaling, ref,
                                         dist)
            results.append({"preset": name, "pair": pair_id,
                            "weights": "legacy_v1", "layers": t,
                            "values": v, "total": total})
        t, v, total = gatys(vgg19, ref, dist)
        results.append({"preset": "gatys-style", "pair": pair_id,
                        "weights": "legacy_v1", "layers": t, "values": v,
                        "total": total})
        t, v, total = lpips(vgg16, lin, ref, dist)
        results.append({"preset": "lpips-vgg", "pair": pair_id,
                        "weights": "vgg16", "layers": t, "values": v,
                        "total": total, "calibration": "lpips-v0.1-vgg.pth"})
        t, v, total, scales = dists(vgg16, alpha, beta, ref, dist)
        results.append({"preset": "dists", "pair": pair_id,
                        "weights": "vgg16", "layers": t, "values": v,
                        "total": total, "calibration": "dists-weights.pt",
                        "scales": scales})

    tmp = os.path.join(args.out, "presets.json.tmp")
    with open(tmp, "w") as f:
        json.dump({"pairs": pairs, "results": results}, f, indent=1)
        f.write("\n")
    os.replace(tmp, os.path.join(args.out, "presets.json"))
    if args.stamp:
        with open(args.stamp, "w") as f:
            f.write("ok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
