#!/usr/bin/env python3
"""Writes small weight files in every format the C readers accept, plus
broken ones they must refuse, and a manifest of what each should give.

    make_weight_fixtures.py --out DIR [--stamp FILE]

Run it with a Python that has PyTorch. The PyTorch files are written by
torch.save itself (legacy and zip serialization, pickle protocols 2 and 4),
or, for the formats today's torch no longer writes, by re-creating what old
versions wrote: tensors reduced to torch._utils._rebuild_tensor (torch
<= 0.3, like torchvision's 2017 vgg19-dcbb9e9d.pth), and a whole legacy file
as Python 2 pickled it (str as SHORT_BINSTRING, OrderedDict reduced to a
list of pairs, storage views). Every PyTorch file that should load is read
back with torch.load and compared with what was saved, so the fixtures do
not depend on the code under test. The safetensors files are written from
the format's specification (the Python package is not needed).

DIR/manifest.json:

    {"fixtures": [
        {"id", "file", "format",                      # a file that loads
         "tensors": [{"name", "dtype", "shape", "values"}]},
        {"id", "file", "error", "message"}            # a file that fails
    ]}

"values" are the tensor's elements in C order as float32 would hold them
(what vgg19_raw_tensor_to_f32 must produce); "error" is "format" or
"unsupported" and "message" a piece of the expected message.
"""

import argparse
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import torch

SEED = 20170214
LEGACY_MAGIC = 0x1950a86a20f9469cfc6c
LEGACY_PROTOCOL = 1001

DTYPE_NAMES = {
    torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.float64: "F64", torch.int64: "I64", torch.int32: "I32",
    torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
    torch.bool: "BOOL",
}


# --------------------------------------------------------------------------
# Tensors
# --------------------------------------------------------------------------

def small_state_dict():
    """A state dict like a CNN's: conv, batch norm (with its int64 0-d
    counter) and linear parameters, plus two tensors that share one
    storage at different offsets."""
    torch.manual_seed(SEED)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.BatchNorm2d(4),
        torch.nn.Flatten(), torch.nn.Linear(8, 2))
    with torch.no_grad():
        bn = model[2]
        bn.running_mean.normal_()
        bn.running_var.uniform_(0.5, 2.0)
        bn.num_batches_tracked.fill_(7)
    state = model.state_dict()
    base = torch.randn(20)
    state["shared.a"] = base[0:8]
    state["shared.b"] = base[8:20].view(3, 4)
    return state


def expected_tensors(state):
    out = []
    for name, t in state.items():
        t = t.detach()
        values = t.float() if t.is_floating_point() else t.to(torch.int64)
        out.append({
            "name": name,
            "dtype": DTYPE_NAMES[t.dtype],
            "shape": list(t.shape),
            "values": [float(v) if t.is_floating_point() else int(v)
                       for v in values.reshape(-1).tolist()],
        })
    return out


def check_same(path, loaded, state):
    """torch.load's view of a file must be the state dict saved."""
    if list(loaded.keys()) != list(state.keys()):
        raise RuntimeError("%s: keys %r, expected %r"
                           % (path, list(loaded.keys()), list(state.keys())))
    for name, t in state.items():
        u = loaded[name]
        if u.dtype != t.dtype or u.shape != t.shape or not torch.equal(u, t):
            raise RuntimeError("%s: tensor %s differs" % (path, name))


# --------------------------------------------------------------------------
# PyTorch files
# --------------------------------------------------------------------------

def rebuild_tensor_v1_reduce(self, proto):
    """How torch <= 0.3 reduced a tensor: no requires_grad, no hooks."""
    return (torch._utils._rebuild_tensor,
            (self.storage(), self.storage_offset(), tuple(self.size()),
             self.stride()))


def torch_save_legacy(obj, path, v1=False, protocol=2):
    saved = torch.Tensor.__reduce_ex__
    if v1:
        torch.Tensor.__reduce_ex__ = rebuild_tensor_v1_reduce
    try:
        torch.save(obj, path, _use_new_zipfile_serialization=False,
                   pickle_protocol=protocol)
    finally:
        torch.Tensor.__reduce_ex__ = saved


def rename_zip_prefix(src, dst, prefix):
    """Rewrites a torch zip archive with another top folder name, as
    Python's zipfile writes archives (no data alignment)."""
    with zipfile.ZipFile(src) as zin, \
            zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            rest = info.filename.split("/", 1)[1]
            zout.writestr(prefix + "/" + rest, zin.read(info))


class StorageRef:
    """A storage of a Python 2 era file: what its persistent id says."""

    def __init__(self, key, storage_type, numel, view=None):
        self.key = key
        self.storage_type = storage_type
        self.numel = numel
        self.view = view


class TensorRef:
    def __init__(self, storage, offset, size, stride):
        self.storage = storage
        self.offset = offset
        self.size = size
        self.stride = stride


class Python2Pickler(pickle._Pickler):
    """Pickles as Python 2.7 did at protocol 2 for the objects of a 2017
    torch file: str as (SHORT_)BINSTRING and OrderedDict reduced to
    (OrderedDict, ([[key, value], ...],))."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_str(self, obj):
        data = obj.encode("utf-8")
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
        self.memoize(obj)

    dispatch[str] = save_py2_str

    def reducer_override(self, obj):
        if isinstance(obj, collections.OrderedDict):
            return (collections.OrderedDict,
                    ([[k, v] for k, v in obj.items()],))
        if isinstance(obj, TensorRef):
            return (torch._utils._rebuild_tensor,
                    (obj.storage, obj.offset, obj.size, obj.stride))
        return NotImplemented

    def persistent_id(self, obj):
        if isinstance(obj, StorageRef):
            return ("storage", obj.storage_type, obj.key, "cuda:0",
                    obj.numel, obj.view)
        return None


def write_python2_legacy(path, state):
    """A legacy file as a 2017 PyTorch on Python 2 wrote it. The float
    tensors are packed into one root storage through storage views (as
    torch < 0.4 did for tensors sharing a storage); the rest get a storage
    of their own."""
    floats = [t for t in state.values() if t.dtype == torch.float32]
    root_numel = sum(t.numel() for t in floats)
    root_key = "94372217880160"
    objects = collections.OrderedDict()
    payload = collections.OrderedDict()
    payload[root_key] = torch.cat([t.reshape(-1) for t in floats])
    offset = 0
    for i, (name, t) in enumerate(state.items()):
        stride = tuple(int(s) for s in t.contiguous().stride())
        if t.dtype == torch.float32:
            view = (str(94372217890000 + 16 * i), offset, t.numel())
            ref = StorageRef(root_key, torch.FloatStorage, root_numel, view)
            offset += t.numel()
        else:
            key = str(94372218000000 + 16 * i)
            storage_type = {torch.int64: torch.LongStorage}[t.dtype]
            ref = StorageRef(key, storage_type, t.numel())
            payload[key] = t.reshape(-1)
        objects[name] = TensorRef(ref, 0, tuple(t.shape), stride)

    buf = io.BytesIO()

    def dump(obj):
        Python2Pickler(buf, protocol=2).dump(obj)

    dump(LEGACY_MAGIC)
    dump(LEGACY_PROTOCOL)
    dump({"protocol_version": LEGACY_PROTOCOL, "little_endian": True,
          "type_sizes": {"short": 2, "int": 4, "long": 8}})
    dump(objects)
    dump(list(payload.keys()))
    for t in payload.values():
        buf.write(struct.pack("<q", t.numel()))
        buf.write(t.contiguous().numpy().tobytes())
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def flip_little_endian(path, dst):
    """The same file, claiming to come from a big-endian machine."""
    blob = bytearray(open(path, "rb").read())
    at = blob.index(b"little_endian")
    true = blob.index(pickle.NEWTRUE, at)
    blob[true] = pickle.NEWFALSE[0]
    open(dst, "wb").write(bytes(blob))


class Forbidden:
    """What a malicious pickle does: reduce to os.system. Only written,
    never loaded."""

    def __reduce__(self):
        return (os.system, ("echo this must never run",))


# --------------------------------------------------------------------------
# safetensors
# --------------------------------------------------------------------------

def tensor_bytes(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def write_safetensors(path, state, metadata=None):
    """safetensors as specified: u64 little-endian header length, a JSON
    header (padded with spaces to a multiple of 8, as the reference writer
    does), then the tensors back to back in header order."""
    header = collections.OrderedDict()
    blobs = []
    offset = 0
    for name, t in state.items():
        data = tensor_bytes(t)
        header[name] = {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--stamp")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    path = lambda name: os.path.join(args.out, name)
    fixtures = []

    def good(fid, name, fmt, state, load=True):
        if load:
            check_same(name, torch.load(path(name), map_location="cpu"),
                       state)
        fixtures.append({"id": fid, "file": name, "format": fmt,
                         "tensors": expected_tensors(state)})

    def bad(fid, name, error, message):
        fixtures.append({"id": fid, "file": name, "error": error,
                         "message": message})

    state = small_state_dict()

    torch_save_legacy(state, path("legacy_v1.pth"), v1=True)
    good("legacy_v1", "legacy_v1.pth", "torch-legacy", state)
    if b"_rebuild_tensor_v2" in open(path("legacy_v1.pth"), "rb").read():
        raise RuntimeError("legacy_v1.pth still uses _rebuild_tensor_v2")

    torch_save_legacy(state, path("legacy_v2.pth"))
    good("legacy_v2", "legacy_v2.pth", "torch-legacy", state)

    torch_save_legacy(state, path("legacy_p4.pth"), protocol=4)
    good("legacy_p4", "legacy_p4.pth", "torch-legacy", state)

    py2_state = collections.OrderedDict(
        (k, v) for k, v in state.items() if not k.startswith("shared."))
    write_python2_legacy(path("legacy_py2.pth"), py2_state)
    good("legacy_py2", "legacy_py2.pth", "torch-legacy", py2_state)

    torch.save(state, path("zip.pth"))
    good("zip", "zip.pth", "torch-zip", state)

    rename_zip_prefix(path("zip.pth"), path("zip_renamed.pth"),
                      "some-other-name")
    good("zip_renamed", "zip_renamed.pth", "torch-zip", state)

    params = collections.OrderedDict(
        (k, torch.nn.Parameter(v, requires_grad=False) if v.is_floating_point()
         else v) for k, v in py2_state.items())
    torch.save(params, path("zip_parameters.pth"))
    good("zip_parameters", "zip_parameters.pth", "torch-zip", py2_state,
         load=False)
    check_same("zip_parameters.pth",
               torch.load(path("zip_parameters.pth"), map_location="cpu"),
               py2_state)

    optimizer_buffer = torch.randn(3, 3)
    checkpoint = {"epoch": 3, "state_dict": state,
                  "optimizer": {"lr": 0.1, "momentum": [0.9, 0.99],
                                "state": {0: {"buf": optimizer_buffer}}},
                  "arch": "tiny"}
    torch_save_legacy(checkpoint, path("checkpoint_legacy.pth"))
    good("checkpoint_legacy", "checkpoint_legacy.pth", "torch-legacy", state,
         load=False)
    check_same("checkpoint_legacy.pth",
               torch.load(path("checkpoint_legacy.pth"),
                          map_location="cpu")["state_dict"], state)

    torch.save({"model_state_dict": state, "epoch": 1},
               path("checkpoint_zip.pth"))
    good("checkpoint_zip", "checkpoint_zip.pth", "torch-zip", state,
         load=False)
    check_same("checkpoint_zip.pth",
               torch.load(path("checkpoint_zip.pth"),
                          map_location="cpu")["model_state_dict"], state)

    f32 = collections.OrderedDict(
        (k, v) for k, v in state.items() if not k.startswith("shared."))
    write_safetensors(path("f32.safetensors"), f32, {"format": "pt"})
    good("safetensors_f32", "f32.safetensors", "safetensors", f32,
         load=False)

    half = collections.OrderedDict(
        (k, v.to(torch.float16) if v.is_floating_point() else v)
        for k, v in f32.items())
    write_safetensors(path("f16.safetensors"), half)
    good("safetensors_f16", "f16.safetensors", "safetensors", half,
         load=False)

    bf16 = collections.OrderedDict(
        (k, v.to(torch.bfloat16) if v.is_floating_point() else v)
        for k, v in f32.items())
    write_safetensors(path("bf16.safetensors"), bf16,
                      {"format": "pt", "note": "caf\u00e9 \"quoted\""})
    good("safetensors_bf16", "bf16.safetensors", "safetensors", bf16,
         load=False)

    torch.manual_seed(SEED + 1)
    mixed = collections.OrderedDict([
        ("f64", torch.randn(2, 3, dtype=torch.float64)),
        ("i32", torch.tensor([-5, 0, 7], dtype=torch.int32)),
        ("i16", torch.tensor([[-300], [300]], dtype=torch.int16)),
        ("i8", torch.tensor([-128, 127], dtype=torch.int8)),
        ("u8", torch.tensor([0, 200, 255], dtype=torch.uint8)),
        ("bool", torch.tensor([True, False, True])),
        ("empty", torch.zeros(0, 4)),
        ("scalar", torch.tensor(2.5)),
        ("half_specials", torch.tensor(
            [0.0, -0.0, 6.0e-8, 65504.0, -1.0e-5, 1.0 / 3.0],
            dtype=torch.float16)),
    ])
    write_safetensors(path("mixed.safetensors"), mixed, {})
    good("safetensors_mixed", "mixed.safetensors", "safetensors", mixed,
         load=False)
    torch.save(mixed, path("mixed_zip.pth"))
    good("zip_mixed", "mixed_zip.pth", "torch-zip", mixed)
    torch_save_legacy(mixed, path("mixed_legacy.pth"))
    good("legacy_mixed", "mixed_legacy.pth", "torch-legacy", mixed)

    # Files that must fail.
    transposed = {"weight": torch.arange(6.0).reshape(2, 3).t()}
    torch_save_legacy(transposed, path("noncontiguous.pth"))
    bad("noncontiguous", "noncontiguous.pth", "unsupported",
        "'weight' is not contiguous")
    torch.save(transposed, path("noncontiguous_zip.pth"))
    bad("noncontiguous_zip", "noncontiguous_zip.pth", "unsupported",
        "'weight' is not contiguous")

    evil = {"weight": torch.ones(2), "payload": Forbidden()}
    torch_save_legacy(evil, path("forbidden_global.pth"))
    bad("forbidden_global", "forbidden_global.pth", "format",
        "forbidden global 'posix.system'")
    torch.save(evil, path("forbidden_global_zip.pth"))
    bad("forbidden_global_zip", "forbidden_global_zip.pth", "format",
        "forbidden global 'posix.system'")

    flip_little_endian(path("legacy_v2.pth"), path("big_endian.pth"))
    bad("big_endian", "big_endian.pth", "unsupported", "big-endian")

    blob = open(path("legacy_v2.pth"), "rb").read()
    open(path("truncated.pth"), "wb").write(blob[:len(blob) - 5])
    bad("truncated", "truncated.pth", "format", "truncated: storage")

    not_a_dict = [torch.ones(2)]
    torch.save(not_a_dict, path("list.pth"))
    bad("list", "list.pth", "format", "holds a list, expected a dict")

    with open(path("manifest.json"), "w") as f:
        json.dump({"seed": SEED, "torch": torch.__version__,
                   "fixtures": fixtures}, f, indent=1)
        f.write("\n")
    if args.stamp:
        with open(args.stamp, "w") as f:
            f.write("%d fixtures\n" % len(fixtures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
