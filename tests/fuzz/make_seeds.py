#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz targets into corpus/<target>/.

    make_seeds.py [--corpus DIR]      (default: corpus/ beside this script)

Run it with a Python that has PyTorch (Debian's python3-torch); the files
are committed, so this is needed only to change them. The weight files
are genuine: written by torch.save (legacy and zip serialization) with
tiny tensors, by tests/reference/make_weight_fixtures.py and below, and
safetensors written from the format's specification. The other targets'
seeds are pieces of those (pickles, zip archives, JSON headers) or are
built here (label lists, packed images). Every seed is a few KB at most.
Seeds are named seed-*; the inputs fuzzing found are named after what
they showed.
"""

import argparse
import collections
import glob
import io
import os
import pickle
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
import make_weight_fixtures as fixtures  # noqa: E402

N_CLASSES = 1000


def write(corpus, target, name, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def vgg_named_states():
    """State dicts with VGG-19's tensor names, so that the loader gets past
    telling the network apart: one with the first convolution's real shapes
    (read in full), one with wrong shapes everywhere."""
    torch.manual_seed(fixtures.SEED)
    first = collections.OrderedDict([
        ("features.0.weight", torch.randn(64, 3, 3, 3).half()),
        ("features.0.bias", torch.randn(64).half()),
        ("features.34.weight", torch.randn(1).half()),
    ])
    wrong = collections.OrderedDict([
        ("features.0.weight", torch.randn(2, 3, 3, 3)),
        ("features.0.bias", torch.randn(2)),
        ("features.17.weight", torch.randn(1)),
        ("classifier.0.weight", torch.randn(1, 1)),
        ("pre_logits.fc1.weight", torch.randn(1)),
    ])
    return {"vgg19_first_conv": first, "vgg16_wrong_shapes": wrong}


def weights_seeds(corpus, work):
    fixture_dir = os.path.join(work, "fixtures")
    subprocess.run([sys.executable, fixtures.__file__, "--out", fixture_dir],
                   check=True, stdout=subprocess.DEVNULL)
    files = {}
    for path in sorted(glob.glob(os.path.join(fixture_dir, "*"))):
        name = os.path.basename(path)
        if name.endswith((".pth", ".safetensors")):
            files[name] = open(path, "rb").read()
    for stem, state in vgg_named_states().items():
        path = os.path.join(work, stem)
        fixtures.write_safetensors(path + ".safetensors", state)
        fixtures.torch_save_legacy(state, path + "_legacy.pth")
        torch.save(state, path + "_zip.pth")
        for suffix in (".safetensors", "_legacy.pth", "_zip.pth"):
            files[stem + suffix] = open(path + suffix, "rb").read()
    for name, data in files.items():
        write(corpus, "weights", name, data)
    return files


def pickle_seeds(corpus, files):
    for name, data in files.items():
        if name.endswith(".safetensors"):
            continue
        if data.startswith(b"\x80"):
            write(corpus, "pickle", name, data)     # legacy: 5 pickles
        elif data.startswith(b"PK"):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for info in z.infolist():
                    if info.filename.endswith("/data.pkl"):
                        write(corpus, "pickle", name + ".data.pkl",
                              z.read(info))
    values = {
        "scalars": [None, True, False, 0, -1, 255, 65535, 2**31, -2**63,
                    2**64, 1.5, "caf\u00e9", b"\x00\xff", (), (1,), (1, 2),
                    (1, 2, 3), [], {}],
        "nested": {"a": [{"b": (1, [2, {"c": None}])}], 3: "x"},
        "ordered": collections.OrderedDict([("k", 1), ("l", [1, 2])]),
    }
    for stem, value in values.items():
        for protocol in (2, 4, 5):
            write(corpus, "pickle", "%s_p%d.pkl" % (stem, protocol),
                  pickle.dumps(value, protocol=protocol))
    shared = [1, 2]
    write(corpus, "pickle", "memo_p2.pkl",
          pickle.dumps([shared, shared, "s", "s"], protocol=2))


def zip_seeds(corpus, files):
    for name, data in files.items():
        if data.startswith(b"PK"):
            write(corpus, "zip", name, data)
    for stem, kwargs in (("zip64", {"allowZip64": True}), ("comment", {})):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED, **kwargs) as z:
            if stem == "comment":
                z.comment = b"a comment after the end record"
            with z.open("archive/data.pkl", "w", force_zip64=True) as f:
                f.write(pickle.dumps({}, protocol=2))
            z.writestr("archive/version", b"3\n")
            z.writestr("archive/byteorder", b"little")
        write(corpus, "zip", stem + ".zip", buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", b"compressed " * 8)
    write(corpus, "zip", "deflated.zip", buf.getvalue())


def json_seeds(corpus, files):
    for name, data in files.items():
        if name.endswith(".safetensors"):
            (n,) = struct.unpack("<Q", data[:8])
            write(corpus, "json", name + ".json", data[8:8 + n])
    texts = {
        "scalars.json": b'[null, true, false, 0, -0, 1.5e-3, -12E+2, '
                        b'18446744073709551615, 18446744073709551616]',
        "strings.json": b'{"a": "\\"\\\\\\/\\b\\f\\n\\r\\t", '
                        b'"b": "\\u00e9\\ud83d\\ude00", "c": "caf\xc3\xa9"}',
        "nested.json": b'{"x": [[[[{"y": [1, {"z": {}}]}]]]], "w": []}',
    }
    for name, text in texts.items():
        write(corpus, "json", name, text)


def labels_seeds(corpus):
    names = ["class %d" % i for i in range(N_CLASSES)]
    plain = "\n".join(names).encode() + b"\n"
    write(corpus, "labels", "plain.txt", plain)
    write(corpus, "labels", "crlf_bom.txt",
          b"\xef\xbb\xbf" + plain.replace(b"\n", b"\r\n"))
    utf8 = ["n\u00e4me %d \u2014 \u732b" % i for i in range(N_CLASSES)]
    write(corpus, "labels", "utf8_no_final_newline.txt",
          "\n".join(utf8).encode())
    write(corpus, "labels", "short.txt", b"one\ntwo\n")


def preprocess_seeds(corpus):
    def image(name, mode, pixel_stride, offsets, width, height, pad, flags,
              arith):
        header = struct.pack("<BBBBBHHHBII", mode, pixel_stride, *offsets,
                             width, height, pad, flags, *arith)
        assert len(header) == 20
        stride = pad if flags & 1 else width * pixel_stride + pad
        rows = max(width, height) if flags & 2 else height
        n = stride * (rows - 1) + max(width, height) * pixel_stride
        pixels = bytes((i * 37 + i // 7) & 0xff for i in range(n))
        write(corpus, "preprocess", name, header + pixels)

    image("rgb_stretch", 0, 3, (0, 1, 2), 9, 7, 0, 0, (640, 480))
    image("bgrx_crop_transposed", 1, 4, (2, 1, 0), 12, 5, 4, 2, (1, 4000))
    image("grey_none", 2, 1, (0, 0, 0), 33, 40, 3, 0, (32, 32))
    image("raw_stride", 0, 4, (1, 2, 3), 6, 6, 30, 1, (16384, 1))
    image("window", 0, 3, (0, 1, 2), 20, 11, 0, 4, (300 | 0x3277 << 16, 17))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default=os.path.join(HERE, "corpus"))
    args = parser.parse_args()
    for old in glob.glob(os.path.join(args.corpus, "*", "seed-*")):
        os.remove(old)
    with tempfile.TemporaryDirectory() as work:
        files = weights_seeds(args.corpus, work)
        pickle_seeds(args.corpus, files)
        zip_seeds(args.corpus, files)
    json_seeds(args.corpus, files)
    labels_seeds(args.corpus)
    preprocess_seeds(args.corpus)


if __name__ == "__main__":
    main()
