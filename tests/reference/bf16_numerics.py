#!/usr/bin/env python3
"""How far bf16 arithmetic moves VGG's outputs, before any bf16 kernel runs.

Emulates, with torch in float32, the numerics of the ways the library can
compute in bf16 (inputs rounded to bf16, products exact, float32 sums) and
compares each with torchvision's float32 outputs in the reference data
(make_oracle.py's directory) over its classification cases:

  fp32         torch's float32 forward pass (checks this script: it must
               match the reference data to about 1e-5)
  wino-fp32    3x3 convolutions as Winograd F(4x4, 3x3) in float32
  direct-bf16  each convolution's input and weights rounded to bf16
  wino-bf16    Winograd F(4x4, 3x3) with the transformed input V = B^T d B
               and the transformed filter U = G g G^T rounded to bf16
  wino-bf16-v2 the same with V carried as two bf16 values, hi = bf16(V)
               and lo = bf16(V - hi) (twice the products, 16 significant
               bits): what the rounding of V alone costs
  wino-bf16-u2 the same with U carried as two bf16 values instead
  autocast     torch's own bf16 (torch.autocast on the CPU), which also
               stores every activation in bf16: the accuracy PyTorch users
               accept from bf16

conv1_1 (3 input channels) stays float32 in every bf16 variant, where the
library keeps its direct kernel, and Winograd covers the layers with 64 or
more input channels, as in core/kernels/winograd.h. In the bf16 variants
the Linear layers round their input and weights to bf16 (the bf16 Linear
kernels' numerics). Summation order differs from the library's kernels,
which changes results by float32 rounding only, far below the bf16 effects
measured here.

For each case and variant it prints the largest |error| of pool5 and fc8
relative to the largest |reference| value of the tap (the measure
test_reference uses; 0 for pool5 when the case has no pool5 tap), whether the top-1 class matches, and how many of the
reference's top-5 classes are among the variant's top-5 and in the same
place; then the worst over all cases.

Usage: bf16_numerics.py ORACLE_DIR [CASE_ID ...]
(with a Python that has torch, torchvision and numpy).
"""
import hashlib
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

# Winograd F(4x4, 3x3) on the points 0, 1, -1, 2, -2 and infinity.
BT = torch.tensor([
    [4, 0, -5, 0, 1, 0],
    [0, -4, -4, 1, 1, 0],
    [0, 4, -4, -1, 1, 0],
    [0, -2, -1, 2, 1, 0],
    [0, 2, -1, -2, 1, 0],
    [0, 4, 0, -5, 0, 1],
], dtype=torch.float32)
G = torch.tensor([
    [1 / 4, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6],
    [1 / 24, -1 / 12, 1 / 6],
    [0, 0, 1],
], dtype=torch.float32)
AT = torch.tensor([
    [1, 1, 1, 1, 1, 0],
    [0, 1, -1, 2, -2, 0],
    [0, 1, 1, 4, 4, 0],
    [0, 1, -1, 8, -8, 1],
], dtype=torch.float32)

VARIANTS = ["fp32", "wino-fp32", "direct-bf16", "wino-bf16", "wino-bf16-v2",
            "wino-bf16-u2", "autocast"]


def bf16(t):
    """Rounds to the nearest bf16, ties to even, kept as float32."""
    return t.to(torch.bfloat16).to(torch.float32)


def bf16_pair(t):
    """t as the sum of two bf16 values, the second the first's error."""
    hi = bf16(t)
    return hi + bf16(t - hi)


def winograd_conv(x, weight, bias, variant):
    """3x3 convolution, stride 1, padding 1, of x (1, C, H, W) by
    F(4x4, 3x3), with V and U rounded as the variant says."""
    _, c, h, w = x.shape
    ty, tx = (h + 3) // 4, (w + 3) // 4
    # Zero padding: 1 on the top and left, 1 plus the partial tiles' excess
    # on the bottom and right.
    xp = F.pad(x, (1, 4 * tx - w + 1, 1, 4 * ty - h + 1))
    d = xp.unfold(2, 6, 4).unfold(3, 6, 4)[0]           # C, ty, tx, 6, 6
    v = torch.einsum("ij,cyxjk,lk->ilcyx", BT, d, BT)   # 6, 6, C, ty, tx
    u = torch.einsum("ij,ocjk,lk->ilco", G, weight, G)  # 6, 6, C, OC
    if variant.startswith("wino-bf16"):
        v = bf16_pair(v) if variant == "wino-bf16-v2" else bf16(v)
        u = bf16_pair(u) if variant == "wino-bf16-u2" else bf16(u)
    v = v.reshape(36, c, ty * tx)
    u = u.reshape(36, c, -1)
    m = torch.bmm(u.transpose(1, 2), v)                 # 36, OC, T
    m = m.reshape(6, 6, -1, ty, tx)
    y = torch.einsum("ij,jkoyx,lk->oyixl", AT, m, AT)   # OC, ty, 4, tx, 4
    y = y.reshape(1, -1, 4 * ty, 4 * tx)[:, :, :h, :w]
    return y + bias.view(1, -1, 1, 1)


def forward(model, x, variant):
    """Returns (pool5, fc8) of the variant."""
    if variant == "autocast":
        with torch.autocast("cpu", dtype=torch.bfloat16):
            pool5 = model.features(x)
            fc8 = model.classifier(torch.flatten(model.avgpool(pool5), 1))
        return pool5[0].float(), fc8[0].float()
    bf = "bf16" in variant
    wino = variant.startswith("wino")
    first_conv = True
    for layer in model.features:
        if isinstance(layer, torch.nn.Conv2d):
            wgt, b = layer.weight, layer.bias
            if first_conv or variant == "fp32":
                x = F.conv2d(x, wgt, b, padding=1)
            elif wino:
                x = winograd_conv(x, wgt, b, variant)
            else:
                x = F.conv2d(bf16(x), bf16(wgt), b, padding=1)
            first_conv = False
        elif isinstance(layer, torch.nn.ReLU):
            x = F.relu(x)
        else:
            x = layer(x)
    pool5 = x
    x = torch.flatten(model.avgpool(x), 1)
    for layer in model.classifier:
        if isinstance(layer, torch.nn.Linear):
            if bf:
                x = F.linear(bf16(x), bf16(layer.weight), layer.bias)
            else:
                x = layer(x)
        elif isinstance(layer, torch.nn.ReLU):
            x = F.relu(x)
        # Dropout: identity in evaluation
    return pool5[0], x[0]


def read_safetensors(path):
    """The tensors of a safetensors file as float32 torch tensors."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = data[begin:end]
        if info["dtype"] == "F32":
            a = np.frombuffer(raw, "<f4")
        elif info["dtype"] == "F16":
            a = np.frombuffer(raw, "<f2").astype(np.float32)
        elif info["dtype"] == "BF16":
            a = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(
                np.float32)
        else:
            raise ValueError(f"{path}: {name}: dtype {info['dtype']}")
        out[name] = torch.from_numpy(a.reshape(info["shape"]).copy())
    return out


def load_model(oracle_dir, manifest, key):
    info = manifest["weights_info"][key]
    path = os.path.join(oracle_dir, manifest["weights"][key])
    model = getattr(torchvision.models, info["arch"])()
    if path.endswith(".safetensors"):
        state = read_safetensors(path)
    else:
        state = torch.load(path)
    model.load_state_dict(state)
    return model.eval()


def top(v, k):
    return list(np.argsort(-v, kind="stable")[:k])


def rel_err(got, ref):
    return float(np.max(np.abs(got - ref)) / np.max(np.abs(ref)))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    oracle_dir = sys.argv[1]
    wanted = set(sys.argv[2:])
    with open(os.path.join(oracle_dir, "manifest.json")) as f:
        manifest = json.load(f)
    torch.set_grad_enabled(False)

    seen = set()
    worst = {v: [0.0, 0.0, 0, 0, 0] for v in VARIANTS}  # pool5, fc8, top1...
    n_cases = 0
    models = {}
    for case in manifest["cases"]:
        taps = case["taps"]
        if "fc8" not in taps:
            continue
        if wanted and case["id"] not in wanted:
            continue
        ref_fc8 = np.load(os.path.join(oracle_dir, taps["fc8"])).reshape(-1)
        ref_pool5 = (np.load(os.path.join(oracle_dir, taps["pool5"]))
                     if "pool5" in taps else None)
        inp = np.load(os.path.join(oracle_dir, case["input"]))
        # The same weights in several file formats give the same numbers:
        # count each computation once.
        key = hashlib.sha256(inp.tobytes() + ref_fc8.tobytes()).hexdigest()
        if key in seen:
            continue
        seen.add(key)
        n_cases += 1
        if case["weights"] not in models:
            models.clear()
            models[case["weights"]] = load_model(oracle_dir, manifest,
                                                 case["weights"])
        model = models[case["weights"]]
        x = torch.from_numpy(inp).unsqueeze(0)
        ref_top5 = top(ref_fc8, 5)
        s = np.sort(ref_fc8)[::-1]
        print(f"{case['id']} ({case['weights']}, {inp.shape[2]}x"
              f"{inp.shape[1]}): reference top-5 {ref_top5}, top-1 margin "
              f"{(s[0] - s[1]) / np.max(np.abs(ref_fc8)):.2e} of max|logit|")
        for variant in VARIANTS:
            pool5, fc8 = forward(model, x, variant)
            pool5, fc8 = pool5.numpy(), fc8.numpy()
            e_pool5 = rel_err(pool5, ref_pool5) if ref_pool5 is not None else 0
            e_fc8 = rel_err(fc8, ref_fc8)
            got_top5 = top(fc8, 5)
            top1 = got_top5[0] == ref_top5[0]
            in_top5 = len(set(got_top5) & set(ref_top5))
            same_place = sum(a == b for a, b in zip(got_top5, ref_top5))
            print(f"  {variant:12s} pool5 {e_pool5:.2e}  fc8 {e_fc8:.2e}  "
                  f"top-1 {'same' if top1 else 'DIFFERENT'}  top-5 "
                  f"{in_top5}/5 shared, {same_place}/5 in place")
            w = worst[variant]
            w[0] = max(w[0], e_pool5)
            w[1] = max(w[1], e_fc8)
            w[2] += top1
            w[3] += in_top5 == 5
            w[4] += same_place == 5
        sys.stdout.flush()

    print(f"\nover {n_cases} distinct cases: largest relative error "
          f"(max|err| / max|reference|), cases with the same top-1, with "
          f"the same top-5 set, with the same top-5 order")
    for variant in VARIANTS:
        w = worst[variant]
        print(f"  {variant:12s} pool5 {w[0]:.2e}  fc8 {w[1]:.2e}  top-1 "
              f"{w[2]}/{n_cases}  top-5 set {w[3]}/{n_cases}  top-5 order "
              f"{w[4]}/{n_cases}")


if __name__ == "__main__":
    main()
