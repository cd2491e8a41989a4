#!/usr/bin/env python3
"""Writes the reference data the C library is checked against.

Everything here is computed by torch and torchvision, independently of the
C code: seeded random VGG-19 / VGG-16 weights in every file format the
library reads, synthetic test images, torch's preprocessing of those
images, and the output of every layer ("tap") of torchvision's model.

    make_oracle.py --out DIR [--stamp FILE]

DIR/manifest.json describes the files (all paths relative to DIR):

    seed          the seed everything is derived from
    weights       key -> weight file
    weights_info  key -> arch, has_classifier, format, dtype, n_parameters
    labels        the ImageNet class names, one per line
    labels_sha256 sha256 of that file (names joined with "\\n", plus "\\n")
    cases         list of {id, image, rgb, [raw], width, height, resize,
                  weights, input, taps: {name: file}}

Arrays are .npy files: images as uint8 (H, W, 3) ("raw" keeps the PNG's
own channels, (H, W, C)), the network input as float32 (3, h, w), taps as
float32 (C, H, W), fully connected taps as (C, 1, 1).

The output is deterministic: the same torch build writes the same bytes.
"""

import argparse
import collections
import contextlib
import hashlib
import io
import json
import math
import mmap
import os
import pickle
import pickletools
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from PIL import Image, ImageDraw, ImageFilter
from torchvision.transforms import functional as TF

SEED = 1906
CLASSIFIER_SIDE = 224
CROP_RESIZE = 256
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
LABELS_SHA256 = \
    "ee4fa67b1dd46919ef87529b70e25bdd1ec9ebd350de3ad426e6640eb70320a1"

WEIGHT_FILES = collections.OrderedDict([
    ("legacy_v1", "weights/vgg19-legacy-v1.pth"),
    ("legacy_v2", "weights/vgg19-legacy-v2.pth"),
    ("zip", "weights/vgg19-zip.pth"),
    ("safetensors", "weights/vgg19.safetensors"),
    ("safetensors_timm", "weights/vgg19-timm.safetensors"),
    ("safetensors_f16", "weights/vgg19-f16.safetensors"),
    ("safetensors_bf16", "weights/vgg19-bf16.safetensors"),
    ("features_only", "weights/vgg19-features.pth"),
    ("vgg16", "weights/vgg16.pth"),
])

FC_TAPS = ["fc6", "relu6", "fc7", "relu7", "fc8"]


_START = time.monotonic()


def log(msg):
    print("make_oracle: %6.1f s: %s" % (time.monotonic() - _START, msg),
          flush=True)


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------

def conv_tap_names(features):
    """Names of the outputs of model.features, in order (None for none)."""
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
            raise RuntimeError("unexpected module %r in features" % module)
    return names


def all_tap_names(model):
    return conv_tap_names(model.features) + FC_TAPS


def reinitialise(model, generator):
    """Replaces torchvision's init, whose zero biases and tiny classifier
    would let a bias or scaling bug go unnoticed: He-normal weights keep
    the activations of every layer of order one, every bias is non-zero
    with a random sign, and the last layer spreads the logits over several
    units so the top-5 is well separated."""
    with torch.no_grad():
        for module in model.modules():
            if not isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
                continue
            fan_in = module.weight[0].numel()
            gain = math.sqrt(2.0)
            if isinstance(module, torch.nn.Linear) and \
                    module.out_features == 1000:
                gain = 2.0
            w = torch.randn(module.weight.shape, generator=generator)
            module.weight.copy_(w * (gain / math.sqrt(fan_in)))
            shape = module.bias.shape
            magnitude = 0.02 + 0.18 * torch.rand(shape, generator=generator)
            sign = torch.where(torch.rand(shape, generator=generator) < 0.5,
                               -1.0, 1.0)
            module.bias.copy_(magnitude * sign)
            assert bool((module.bias != 0).all())


def make_model(builder, seed):
    # torchvision's own initialisation is overwritten below: skip it, it
    # is a good part of the time to build the model
    names = ["kaiming_normal_", "kaiming_uniform_", "normal_", "uniform_",
             "constant_"]
    saved = {name: getattr(torch.nn.init, name) for name in names}
    try:
        for name in names:
            setattr(torch.nn.init, name, lambda t, *args, **kwargs: t)
        model = builder()
    finally:
        for name in names:
            setattr(torch.nn.init, name, saved[name])
    reinitialise(model, torch.Generator().manual_seed(seed))
    return model.eval()


@contextlib.contextmanager
def rounded(model, dtype, original):
    """Within the block, @model's parameters are those of @original rounded
    to @dtype (and held in float32): what a reader of a file in that dtype
    computes with. Done in place because every copy of 550 MB costs."""
    with torch.no_grad():
        params = dict(model.named_parameters())
        try:
            for name, p in params.items():
                p.copy_(original[name].to(dtype))
            yield model
        finally:
            for name, p in params.items():
                p.copy_(original[name])


@torch.no_grad()
def forward_taps(model, x):
    """Runs @model on @x (3, H, W) module by module and returns every tap,
    each as a float32 numpy array: (C, H, W), or (C, 1, 1) for fc taps.
    The conv output is cloned before torchvision's in-place ReLU."""
    taps = collections.OrderedDict()
    names = conv_tap_names(model.features)
    y = x.unsqueeze(0)
    for name, module in zip(names, model.features):
        y = module(y)
        taps[name] = y[0].clone()
    y = torch.flatten(model.avgpool(y), 1)
    linear = 0
    for module in model.classifier:
        if isinstance(module, torch.nn.Dropout):
            continue        # identity in eval mode
        y = module(y)
        if isinstance(module, torch.nn.Linear):
            name = ["fc6", "fc7", "fc8"][linear]
            linear += 1
        else:
            name = ["relu6", "relu7"][linear - 1]
        taps[name] = y[0].clone()
    assert list(taps) == all_tap_names(model)
    out = collections.OrderedDict()
    for name, t in taps.items():
        a = t.numpy().astype(np.float32)
        if a.ndim == 1:
            a = a.reshape(a.shape[0], 1, 1)
        out[name] = np.ascontiguousarray(a)
    return out


def n_parameters(state):
    return int(sum(t.numel() for t in state.values()))


# --------------------------------------------------------------------------
# Weight files
# --------------------------------------------------------------------------

def _rebuild_tensor_reduce(self, proto):
    """The reduction of a tensor in PyTorch <= 0.3 files (such as
    torchvision's 2017 vgg19-dcbb9e9d.pth): no requires_grad, no hooks."""
    return (torch._utils._rebuild_tensor,
            (self.storage(), self.storage_offset(), tuple(self.size()),
             self.stride()))


def legacy_pickles(blob):
    """Splits a legacy torch file into its five pickles (magic number,
    protocol version, system info, the object, the storage keys). Returns
    the (start, end, opcodes) of each and the offset of the raw storages."""
    f = io.BytesIO(blob)
    pickles = []
    for _ in range(5):
        start = f.tell()
        ops = list(pickletools.genops(f))
        pickles.append((start, f.tell(), ops))
    return pickles, f.tell()


# Storage keys in the rewritten legacy files: address-like numbers, all of
# one length so that sorting them as strings keeps their order.
LEGACY_KEY_BASE = 140230000000000
LEGACY_KEY_STEP = 4096


def make_legacy_deterministic(blob):
    """torch names storages in legacy files by their address in memory and
    writes them sorted by that name, so two runs give different bytes.
    Renames the storages in the order the object pickle first uses them
    and writes their records in that order: the file torch would write if
    the addresses grew with that order. Returns the new file as a list of
    pieces: the pickles, then one piece per storage."""
    pickles, data_start = legacy_pickles(blob)
    blob = memoryview(blob)
    obj_start, obj_end, obj_ops = pickles[3]
    keys_start, keys_end, _ = pickles[4]
    old_keys = pickle.loads(blob[keys_start:keys_end])
    globals_ = {arg for op, arg, pos in obj_ops if op.name == "GLOBAL"}
    storages = {g for g in globals_ if g.endswith("Storage")}
    if storages != {"torch FloatStorage"}:
        raise RuntimeError("unexpected storage types %r" % sorted(storages))

    # raw records, in the file's order: int64 element count, then data
    records = {}
    pos = data_start
    for key in old_keys:
        count = struct.unpack("<q", blob[pos:pos + 8])[0]
        if count < 0 or pos + 8 + 4 * count > len(blob):
            raise RuntimeError("storage %s overruns the file" % key)
        end = pos + 8 + 4 * count
        records[key] = blob[pos:end]
        pos = end
    if pos != len(blob):
        raise RuntimeError("legacy file has %d trailing bytes"
                           % (len(blob) - pos))

    # rename, in order of first use
    renamed = {}
    out = bytearray(blob[:obj_start])
    copied = obj_start
    for op, arg, op_pos in obj_ops:
        if op.name == "BINUNICODE" and arg in records:
            if arg in renamed:
                raise RuntimeError("storage key %s used twice" % arg)
            new = str(LEGACY_KEY_BASE + LEGACY_KEY_STEP * len(renamed))
            renamed[arg] = new
            out += blob[copied:op_pos]
            out += b"X" + struct.pack("<I", len(new)) + new.encode()
            copied = op_pos + 5 + len(arg.encode())
    if len(renamed) != len(old_keys):
        raise RuntimeError("found %d of %d storage keys"
                           % (len(renamed), len(old_keys)))
    out += blob[copied:obj_end]
    order = sorted(renamed, key=lambda k: renamed[k])
    out += pickle.dumps([renamed[k] for k in order], protocol=2)
    return [bytes(out)] + [records[k] for k in order]


def save_legacy(state, path, v1):
    buf = io.BytesIO()
    if v1:
        saved = torch.Tensor.__reduce_ex__
        torch.Tensor.__reduce_ex__ = _rebuild_tensor_reduce
        try:
            torch.save(state, buf, _use_new_zipfile_serialization=False)
        finally:
            torch.Tensor.__reduce_ex__ = saved
    else:
        torch.save(state, buf, _use_new_zipfile_serialization=False)
    pieces = make_legacy_deterministic(buf.getbuffer())
    with open(path, "wb") as f:
        for piece in pieces:
            f.write(piece)
    return pieces[0]


def check_legacy_v1(head, path, state):
    """The file must look like the 2017 ones: every tensor rebuilt by
    torch._utils._rebuild_tensor, and torch.load must read it back.
    @head: the file's pickles."""
    pickles, _ = legacy_pickles(head)
    globals_ = [arg for op, arg, pos in pickles[3][2]
                if op.name == "GLOBAL"]
    rebuilds = [g for g in globals_ if "_rebuild" in g]
    if set(rebuilds) != {"torch._utils _rebuild_tensor"}:
        raise RuntimeError("%s: unexpected rebuild functions %r"
                           % (path, sorted(set(rebuilds))))
    if any(g.startswith("torch._utils _rebuild_tensor_v2") for g in globals_):
        raise RuntimeError("%s: _rebuild_tensor_v2 in a v1 file" % path)
    check_roundtrip(path, state)


def check_roundtrip(path, state):
    loaded = torch.load(path)
    if list(loaded) != list(state):
        raise RuntimeError("%s: tensor names differ after torch.load" % path)
    for k, v in state.items():
        if loaded[k].dtype != v.dtype or not torch.equal(loaded[k], v):
            raise RuntimeError("%s: %s differs after torch.load" % (path, k))


def stored_array(t, dtype):
    """@t as the little-endian array stored for @dtype (bfloat16 as its
    16-bit patterns, which numpy has no type for)."""
    t = t.detach().contiguous()
    if dtype == "F32":
        return t.to(torch.float32).numpy()
    if dtype == "F16":
        return t.to(torch.float16).numpy()
    if dtype == "BF16":
        return t.to(torch.bfloat16).view(torch.int16).numpy()
    raise ValueError(dtype)


def save_safetensors(tensors, path, dtype):
    """The safetensors format, written directly: an 8-byte little-endian
    header length, a JSON header (name -> dtype, shape, data_offsets;
    padded with spaces to a multiple of 8), then the data. The header keys
    are sorted while the data follows the model's order, so a reader must
    use the offsets."""
    assert sys.byteorder == "little"
    header = {"__metadata__": {"format": "pt"}}
    arrays = []
    offset = 0
    for name, t in tensors.items():
        a = stored_array(t, dtype)
        header[name] = {"dtype": dtype, "shape": list(t.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        arrays.append(a)
    text = json.dumps(header, sort_keys=True, separators=(",", ":"))
    text = text.encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for a in arrays:
            f.write(memoryview(a).cast("B"))
    check_safetensors(path, tensors, arrays)


def check_safetensors(path, tensors, arrays):
    """Reads the file back as a reader would: through the header's shapes
    and offsets."""
    with open(path, "rb") as f, \
            mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        blob = memoryview(mapped)
        try:
            n = struct.unpack("<Q", blob[:8])[0]
            header = json.loads(bytes(blob[8:8 + n]))
            if n % 8 != 0 or len(header) != len(tensors) + 1:
                raise RuntimeError("%s: bad header" % path)
            for (name, t), a in zip(tensors.items(), arrays):
                info = header[name]
                start, end = info["data_offsets"]
                stored = blob[8 + n + start:8 + n + end]
                same = stored == memoryview(a).cast("B")
                stored.release()
                if info["shape"] != list(t.shape) or not same:
                    raise RuntimeError("%s: %s does not read back"
                                       % (path, name))
        finally:
            blob.release()


def timm_names(state):
    """timm's vgg19.tv_in1k layout: the classifier's first two layers are
    convolutions (7x7 then 1x1) named pre_logits.fc1/fc2, the last one is
    head.fc."""
    out = collections.OrderedDict()
    for k, v in state.items():
        if k.startswith("features."):
            out[k] = v
    c = "classifier."
    out["pre_logits.fc1.weight"] = state[c + "0.weight"].reshape(
        4096, 512, 7, 7)
    out["pre_logits.fc1.bias"] = state[c + "0.bias"]
    out["pre_logits.fc2.weight"] = state[c + "3.weight"].reshape(
        4096, 4096, 1, 1)
    out["pre_logits.fc2.bias"] = state[c + "3.bias"]
    out["head.fc.weight"] = state[c + "6.weight"]
    out["head.fc.bias"] = state[c + "6.bias"]
    return out


# --------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------

def synthetic_photo(width, height, seed):
    """A photo-like RGB image: smooth colour gradients, a few soft-edged
    shapes, fine texture and sensor-like noise, so that resampling and the
    early convolutions see both flat areas and edges."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    u, v = xx / max(width - 1, 1), yy / max(height - 1, 1)
    base = np.zeros((height, width, 3))
    for c in range(3):
        a, b, ph = rng.uniform(0.5, 3.0), rng.uniform(0.5, 3.0), \
            rng.uniform(0, 2 * np.pi)
        base[..., c] = 0.5 + 0.25 * np.sin(2 * np.pi * (a * u + b * v) + ph) \
            + 0.2 * (rng.uniform(-1, 1) * u + rng.uniform(-1, 1) * v)
    img = Image.fromarray(np.clip(base * 255, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(6 + (width * height) // 20000):
        x0, y0 = rng.uniform(-0.2, 1.0) * width, rng.uniform(-0.2, 1.0) * height
        w = rng.uniform(0.1, 0.5) * width
        h = rng.uniform(0.1, 0.5) * height
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        box = [x0, y0, x0 + w, y0 + h]
        if rng.uniform() < 0.5:
            draw.ellipse(box, fill=colour)
        else:
            draw.rectangle(box, fill=colour)
    img = img.filter(ImageFilter.GaussianBlur(radius=0.8))
    a = np.asarray(img).astype(np.float64)
    stripes = 12.0 * np.sin(xx * 0.9 + yy * 0.35)[..., None] * \
        (u[..., None] > 0.6)
    a = a + stripes + rng.normal(0.0, 4.0, a.shape)
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


def save_png(array, mode, path):
    Image.fromarray(array, mode).save(path, optimize=False, compress_level=6)
    back = np.asarray(Image.open(path))
    if back.shape != array.shape or not np.array_equal(back, array):
        raise RuntimeError("%s does not read back" % path)


# --------------------------------------------------------------------------
# Preprocessing, exactly as the library specifies it
# --------------------------------------------------------------------------

def preprocess(rgb, mode):
    x = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)
    x = x.to(torch.float32) / 255.0
    if mode == "stretch":
        x = F.interpolate(x.unsqueeze(0), size=(CLASSIFIER_SIDE,
                          CLASSIFIER_SIDE), mode="bilinear",
                          align_corners=False, antialias=True)[0]
    elif mode == "crop":
        x = TF.resize(x, CROP_RESIZE,
                      interpolation=TF.InterpolationMode.BILINEAR,
                      antialias=True)
        x = TF.center_crop(x, CLASSIFIER_SIDE)
    elif mode != "none":
        raise ValueError(mode)
    x = TF.normalize(x, MEAN, STD)
    return x.contiguous()


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

class Writer:
    def __init__(self, out):
        self.out = out

    def path(self, rel):
        full = os.path.join(self.out, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        return full

    def npy(self, rel, array):
        np.save(self.path(rel), np.ascontiguousarray(array),
                allow_pickle=False)
        return rel


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--stamp", help="file touched when done")
    parser.add_argument("--reuse", action="store_true",
                        help="keep DIR as it is when this same script "
                        "already completed it")
    args = parser.parse_args()

    with open(os.path.abspath(__file__), "rb") as f:
        script_sha = hashlib.sha256(f.read()).hexdigest()
    manifest_path = os.path.join(args.out, "manifest.json")
    if args.reuse and os.path.exists(manifest_path):
        with open(manifest_path) as f:
            if json.load(f).get("script_sha256") == script_sha:
                log("reusing the reference data in %s" % args.out)
                if args.stamp:
                    with open(args.stamp, "w") as st:
                        st.write(script_sha + "\n")
                return 0

    start = time.monotonic()
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    out = Writer(args.out)
    os.makedirs(args.out, exist_ok=True)
    if os.path.exists(manifest_path):
        os.remove(manifest_path)     # never leave a stale, half-valid dir

    # ---- labels
    labels = list(torchvision.models.VGG19_Weights.IMAGENET1K_V1
                  .meta["categories"])
    labels_text = ("\n".join(labels) + "\n").encode("utf-8")
    labels_sha = hashlib.sha256(labels_text).hexdigest()
    if len(labels) != 1000 or labels_sha != LABELS_SHA256:
        raise RuntimeError("torchvision's label list changed: %d names, "
                           "sha256 %s" % (len(labels), labels_sha))
    with open(out.path("labels.txt"), "wb") as f:
        f.write(labels_text)

    # ---- models
    log("building models")
    vgg19 = make_model(torchvision.models.vgg19, SEED)
    vgg16 = make_model(torchvision.models.vgg16, SEED + 1)
    state = collections.OrderedDict(
        (k, v.detach().clone()) for k, v in vgg19.state_dict().items())
    features = collections.OrderedDict(
        (k, v) for k, v in state.items() if k.startswith("features."))

    # ---- weight files
    w = WEIGHT_FILES
    log("writing weights")
    # the 2017 files hold a plain OrderedDict (no _metadata attribute)
    head = save_legacy(collections.OrderedDict(state.items()),
                       out.path(w["legacy_v1"]), v1=True)
    check_legacy_v1(head, out.path(w["legacy_v1"]), state)
    log("legacy_v1 written")
    save_legacy(vgg19.state_dict(), out.path(w["legacy_v2"]), v1=False)
    check_roundtrip(out.path(w["legacy_v2"]), state)
    torch.save(vgg19.state_dict(), out.path(w["zip"]))
    check_roundtrip(out.path(w["zip"]), state)
    log("torch files written")
    save_safetensors(state, out.path(w["safetensors"]), "F32")
    save_safetensors(timm_names(state), out.path(w["safetensors_timm"]),
                     "F32")
    save_safetensors(state, out.path(w["safetensors_f16"]), "F16")
    save_safetensors(state, out.path(w["safetensors_bf16"]), "BF16")
    log("safetensors written")
    save_legacy(features, out.path(w["features_only"]), v1=False)
    save_legacy(vgg16.state_dict(), out.path(w["vgg16"]), v1=False)
    n19, n16 = n_parameters(state), n_parameters(vgg16.state_dict())
    nfeat = n_parameters(features)
    info = collections.OrderedDict()
    for key, fmt, dtype, arch, cls, n in [
            ("legacy_v1", "torch-legacy", "F32", "vgg19", True, n19),
            ("legacy_v2", "torch-legacy", "F32", "vgg19", True, n19),
            ("zip", "torch-zip", "F32", "vgg19", True, n19),
            ("safetensors", "safetensors", "F32", "vgg19", True, n19),
            ("safetensors_timm", "safetensors", "F32", "vgg19", True, n19),
            ("safetensors_f16", "safetensors", "F16", "vgg19", True, n19),
            ("safetensors_bf16", "safetensors", "BF16", "vgg19", True, n19),
            ("features_only", "torch-legacy", "F32", "vgg19", False, nfeat),
            ("vgg16", "torch-legacy", "F32", "vgg16", True, n16)]:
        info[key] = collections.OrderedDict([
            ("arch", arch), ("has_classifier", cls), ("format", fmt),
            ("dtype", dtype), ("n_parameters", n)])
    models = {"legacy_v1": vgg19, "legacy_v2": vgg19, "zip": vgg19,
              "safetensors": vgg19, "safetensors_timm": vgg19,
              "safetensors_f16": vgg19, "safetensors_bf16": vgg19,
              "features_only": vgg19, "vgg16": vgg16}
    dtypes = {"safetensors_f16": torch.float16,
              "safetensors_bf16": torch.bfloat16}

    # ---- images: (name, width, height, PIL mode)
    log("writing images")
    images = collections.OrderedDict()
    specs = [("img224", 224, 224, "RGB"), ("img320x240", 320, 240, "RGB"),
             ("img97x131", 97, 131, "RGB"), ("img640x480", 640, 480, "RGB"),
             ("img50x40", 50, 40, "RGB"), ("grey160x120", 160, 120, "L"),
             ("rgba200x150", 200, 150, "RGBA")]
    for i, (name, width, height, mode) in enumerate(specs):
        rgb = synthetic_photo(width, height, SEED * 100 + i)
        entry = {"image": "images/%s.png" % name,
                 "rgb": "images/%s.rgb.npy" % name,
                 "width": width, "height": height}
        if mode == "L":
            grey = np.rint(rgb.astype(np.float64) @ [0.299, 0.587, 0.114])
            grey = np.clip(grey, 0, 255).astype(np.uint8)
            raw = grey[..., None]
            save_png(grey, "L", out.path(entry["image"]))
            rgb = np.repeat(raw, 3, axis=2)
        elif mode == "RGBA":
            # alpha varies but carries no meaning here: the library takes
            # the colour channels as they are (no compositing)
            yy, xx = np.mgrid[0:height, 0:width]
            alpha = (40 + (215 * (xx + yy)) // (width + height - 2))
            raw = np.concatenate([rgb, alpha.astype(np.uint8)[..., None]],
                                 axis=2)
            save_png(raw, "RGBA", out.path(entry["image"]))
        else:
            raw = None
            save_png(rgb, "RGB", out.path(entry["image"]))
        out.npy(entry["rgb"], rgb)
        if raw is not None:
            entry["raw"] = out.npy("images/%s.raw.npy" % name, raw)
        images[name] = (entry, rgb)

    # ---- cases: (id, image, resize, weights key, taps or None for all)
    every = None
    few = ["conv1_1", "relu1_2", "pool1", "conv3_4", "pool3", "relu5_4",
           "pool5", "fc6", "fc8"]
    vgg16_taps = ["conv1_1", "relu1_2", "pool2", "conv3_3", "relu3_3",
                  "pool3", "conv4_3", "pool4", "conv5_3", "relu5_3",
                  "pool5", "fc6", "relu7", "fc8"]
    cases = [
        ("img224_stretch", "img224", "stretch", "legacy_v1", every),
        ("img320x240_none", "img320x240", "none", "legacy_v1", every),
        ("img97x131_none", "img97x131", "none", "legacy_v1", every),
        # only the poolings: the library then runs each max pooling inside
        # the convolution before it, here on odd sizes (dropped last rows
        # and columns, partial tiles)
        ("img97x131_none_pools", "img97x131", "none", "legacy_v1",
         ["pool1", "pool2", "pool3", "pool4", "pool5"]),
        ("img640x480_crop", "img640x480", "crop", "legacy_v1", few),
        ("img640x480_stretch", "img640x480", "stretch", "legacy_v1", few),
        ("img50x40_stretch", "img50x40", "stretch", "legacy_v1",
         ["conv1_1", "fc8"]),
        ("grey160x120_stretch", "grey160x120", "stretch", "legacy_v1",
         ["conv1_1", "pool5", "fc8"]),
        ("rgba200x150_crop", "rgba200x150", "crop", "legacy_v1",
         ["conv1_1", "pool5", "fc8"]),
    ]
    for key in ["legacy_v2", "zip", "safetensors", "safetensors_timm",
                "safetensors_f16", "safetensors_bf16"]:
        cases.append(("img224_stretch_" + key, "img224", "stretch", key,
                      ["pool5", "fc8"]))
    cases.append(("img224_stretch_vgg16", "img224", "stretch", "vgg16",
                  vgg16_taps))
    cases.append(("img320x240_none_features_only", "img320x240", "none",
                  "features_only", ["relu5_4", "pool5"]))

    log("computing %d cases" % len(cases))
    inputs = {}
    manifest_cases = []
    for case_id, image, resize, key, taps in cases:
        entry, rgb = images[image]
        if (image, resize) not in inputs:
            inputs[(image, resize)] = preprocess(rgb, resize)
        x = inputs[(image, resize)]
        if key in dtypes:
            with rounded(models[key], dtypes[key], state) as model:
                computed = forward_taps(model, x)
        else:
            computed = forward_taps(models[key], x)
        if key == "features_only":
            computed = collections.OrderedDict(
                (k, v) for k, v in computed.items() if k not in FC_TAPS)
        wanted = list(computed) if taps is None else taps
        case = collections.OrderedDict([("id", case_id)])
        case.update(entry)
        case["resize"] = resize
        case["weights"] = key
        case["input"] = out.npy("cases/%s/input.npy" % case_id,
                                x.numpy().astype(np.float32))
        case["taps"] = collections.OrderedDict(
            (name, out.npy("cases/%s/%s.npy" % (case_id, name),
                           computed[name])) for name in wanted)
        manifest_cases.append(case)

    manifest = collections.OrderedDict([
        ("seed", SEED),
        ("torch", torch.__version__),
        ("torchvision", torchvision.__version__),
        ("weights", w),
        ("weights_info", info),
        ("labels", "labels.txt"),
        ("labels_sha256", labels_sha),
        ("script_sha256", script_sha),
        ("cases", manifest_cases),
    ])
    tmp = manifest_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    os.replace(tmp, manifest_path)
    if args.stamp:
        with open(args.stamp, "w") as f:
            f.write(labels_sha + "\n")
    log("done in %.1f s" % (time.monotonic() - start))


if __name__ == "__main__":
    sys.exit(main())
