#!/usr/bin/env python3
"""The vgg19 tool checked against the torchvision oracle
(tests/reference/make_oracle.py): classify, features, compare, info and
bench on the oracle's images and weight files, and the tool's failures on
bad input.

    test_cli.py VGG19 ORACLE_DIR [unittest arguments]

Tolerance: a layer's output may differ from torch's by at most 1e-4 times
the largest magnitude of torch's output (float32 sums in another order);
a loss by 1e-4 relative.
"""

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_test_util  # noqa: E402
from cli_test_util import CliTestCase  # noqa: E402

ORACLE = None
MANIFEST = None
TOLERANCE = 1e-4
# Layer names of torchvision's VGG-19 (configuration "E") and VGG-16 ("D").
CONFIG = {
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
              512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M",
              512, 512, 512, "M", 512, 512, 512, "M"],
}


def oracle_path(rel):
    return os.path.join(ORACLE, rel)


def weights(key):
    return oracle_path(MANIFEST["weights"][key])


def labels_file():
    return oracle_path(MANIFEST.get("labels", "labels.txt"))


def case(case_id):
    for c in MANIFEST["cases"]:
        if c["id"] == case_id:
            return c
    raise KeyError("the oracle has no case %s" % case_id)


def tap(c, name):
    return np.load(oracle_path(c["taps"][name]))


def torchvision_tensors(arch, with_classifier=True):
    """name -> shape of torchvision's state dict for @arch."""
    out = {}
    index, channels = 0, 3
    for v in CONFIG[arch]:
        if v == "M":
            index += 1
            continue
        out["features.%d.weight" % index] = (v, channels, 3, 3)
        out["features.%d.bias" % index] = (v,)
        channels = v
        index += 2          # the conv and its ReLU
    if with_classifier:
        for i, (o, n) in zip((0, 3, 6), ((4096, 25088), (4096, 4096),
                                         (1000, 4096))):
            out["classifier.%d.weight" % i] = (o, n)
            out["classifier.%d.bias" % i] = (o,)
    return out


def softmax(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(x - x.max())
    return e / e.sum()


def read_npy_header(path):
    """(major, minor, header dict text, data offset) of an .npy file."""
    with open(path, "rb") as f:
        head = f.read(10)
        if head[:6] != b"\x93NUMPY":
            raise AssertionError("%s: not an .npy file" % path)
        major, minor = head[6], head[7]
        (length,) = struct.unpack("<H", head[8:10])
        text = f.read(length).decode("latin-1")
    return major, minor, text, 10 + length


class OracleTestCase(CliTestCase):

    def assert_close(self, got, expected, what):
        got = np.asarray(got, dtype=np.float32)
        self.assertEqual(got.shape, expected.shape, what)
        scale = float(np.abs(expected).max())
        err = float(np.abs(got.astype(np.float64) - expected).max())
        self.assertLessEqual(err, TOLERANCE * max(scale, 1e-6),
                             "%s: max |err| %g, max |expected| %g"
                             % (what, err, scale))

    def assert_loss_close(self, got, expected, what):
        self.assertLessEqual(abs(got - expected),
                             TOLERANCE * abs(expected) + 1e-12,
                             "%s: %r instead of %r" % (what, got, expected))


class Classify(OracleTestCase):

    labels = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with open(labels_file(), encoding="utf-8") as f:
            cls.labels = f.read().splitlines()

    def classify(self, weights_key, resize, images, *extra):
        args = ["classify", "--weights", weights(weights_key),
                "--labels", labels_file(), "--resize", resize] + \
            list(extra) + list(images)
        out = self.assert_ok(self.run_tool(*args))
        lines = out.splitlines()
        self.assertEqual(len(lines), len(images), out[:2000])
        return [json.loads(line) for line in lines]

    def check_result(self, result, c, k=5):
        """One classify result against the oracle's case @c."""
        what = "%s (%s)" % (c["id"], result["image"])
        self.assertEqual(result["image"], oracle_path(c["image"]))
        self.assertEqual((result["width"], result["height"]),
                         (c["width"], c["height"]), what)
        logits = np.array(result["logits"], dtype=np.float64)
        self.assertEqual(logits.shape, (1000,), what)
        expected = tap(c, "fc8").reshape(1000).astype(np.float64)
        self.assert_close(logits.reshape(1000, 1, 1).astype(np.float32),
                          expected.reshape(1000, 1, 1).astype(np.float32),
                          what + " fc8")

        top = result["top"]
        self.assertEqual(len(top), k, what)
        classes = [t["class"] for t in top]
        # the top-k of the printed logits, ties to the lower index
        order = np.argsort(-logits, kind="stable")
        self.assertEqual(classes, [int(i) for i in order[:k]], what)
        # the same ranks as torch's logits, up to classes whose logits are
        # closer than the tolerance allows telling apart
        tol = TOLERANCE * float(np.abs(expected).max())
        ranked = np.sort(expected)[::-1]
        for rank, cls in enumerate(classes):
            self.assertLessEqual(abs(expected[cls] - ranked[rank]), 2 * tol,
                                 "%s: rank %d is class %d" % (what, rank, cls))
        probs = softmax(logits)
        for t in top:
            self.assertAlmostEqual(t["score"], probs[t["class"]],
                                   delta=1e-6 + 1e-5 * probs[t["class"]],
                                   msg=what)
            self.assertEqual(t["label"], self.labels[t["class"]], what)
        scores = [t["score"] for t in top]
        self.assertEqual(scores, sorted(scores, reverse=True), what)

    def test_each_resize_mode(self):
        """Every legacy_v1 case with fc8, one process per resize mode, so
        the session is reshaped between sizes and reused for equal ones."""
        by_mode = {}
        for c in MANIFEST["cases"]:
            if c["weights"] == "legacy_v1" and "fc8" in c["taps"]:
                by_mode.setdefault(c["resize"], []).append(c)
        self.assertEqual(set(by_mode), {"none", "stretch", "crop"})
        for mode, cases in sorted(by_mode.items()):
            with self.subTest(resize=mode):
                # the first image again at the end: after a reshape to
                # another size, the result must not change
                cases = cases + cases[:1]
                images = [oracle_path(c["image"]) for c in cases]
                results = self.classify("legacy_v1", mode, images, "--logits")
                for result, c in zip(results, cases):
                    self.check_result(result, c)
                # the same input again: the same classes, the same
                # logits up to the summation order of a thread split
                self.assertEqual(results[0]["top"][0]["class"],
                                 results[-1]["top"][0]["class"])
                self.assert_close(np.array(results[-1]["logits"]),
                                  np.array(results[0]["logits"],
                                           dtype=np.float32),
                                  "the first image again")

    def test_other_weight_files(self):
        for c in MANIFEST["cases"]:
            if c["weights"] == "legacy_v1" or "fc8" not in c["taps"]:
                continue
            with self.subTest(weights=c["weights"]):
                (result,) = self.classify(c["weights"], c["resize"],
                                          [oracle_path(c["image"])],
                                          "--logits", "--threads", "1")
                self.check_result(result, c)

    def test_default_output(self):
        """Without --logits: no logits; --top-k sets the length; the
        default resize is stretch."""
        c = case("img640x480_stretch")
        image = oracle_path(c["image"])
        (result,) = self.classify("legacy_v1", "stretch", [image])
        self.assertNotIn("logits", result)
        self.assertEqual(len(result["top"]), 5)
        self.assertEqual(sorted(result), ["height", "image", "top", "width"])
        out = self.assert_ok(self.run_tool(
            "classify", "--weights", weights("legacy_v1"), "--labels",
            labels_file(), "--top-k", "1000", "--logits", image))
        full = json.loads(out)
        self.assertEqual(len(full["top"]), 1000)
        self.assertEqual(full["top"][:5], result["top"])
        self.assertEqual(sorted(t["class"] for t in full["top"]),
                         list(range(1000)))
        self.assertAlmostEqual(sum(t["score"] for t in full["top"]), 1.0,
                               delta=1e-4)
        self.check_result(full, c, k=1000)

    def test_labels_and_paths_are_escaped(self):
        """Labels and file names with quotes, backslashes, control and
        non-ASCII characters come out as valid JSON that reads back to the
        same text."""
        with tempfile.TemporaryDirectory() as d:
            names = ['say "%d" \\ back\tslash é ✓' % i for i in range(1000)]
            labels = os.path.join(d, "labels.txt")
            with open(labels, "w", encoding="utf-8") as f:
                f.write("\n".join(names) + "\n")
            image = os.path.join(d, 'an "odd" näme\\.png')
            shutil.copy(oracle_path(case("img224_stretch")["image"]), image)
            env = self.env(VGG19_LABELS=labels,
                           VGG19_WEIGHTS=weights("legacy_v1"))
            out = self.assert_ok(self.run_tool("classify", "--top-k", "3",
                                               image, env=env))
            result = json.loads(out)
            self.assertEqual(result["image"], image)
            for t in result["top"]:
                self.assertEqual(t["label"], names[t["class"]])


class Features(OracleTestCase):

    def features(self, c, layers, out_dir, weights_key=None, resize=None):
        args = ["features", "--weights", weights(weights_key or c["weights"]),
                "--layers", ",".join(layers), "--out", out_dir]
        if resize is not None:
            args += ["--resize", resize]
        self.assert_ok(self.run_tool(*(args + [oracle_path(c["image"])])))

    def check_npy(self, path, expected, what):
        major, minor, text, offset = read_npy_header(path)
        self.assertEqual((major, minor), (1, 0), what)
        self.assertEqual(offset % 64, 0, what)
        self.assertTrue(text.endswith("\n"), what)
        self.assertIn("'descr': '<f4'", text, what)
        self.assertIn("'fortran_order': False", text, what)
        got = np.load(path, allow_pickle=False)
        self.assertEqual(got.dtype, np.dtype("<f4"), what)
        self.assertTrue(got.flags["C_CONTIGUOUS"], what)
        self.assertEqual(os.path.getsize(path),
                         offset + 4 * int(np.prod(got.shape)), what)
        self.assert_close(got, expected, what)

    def check_case(self, c, layers, resize=None):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "new", "dir")     # created by the tool
            self.features(c, layers, out, resize=resize)
            self.assertEqual(sorted(os.listdir(out)),
                             sorted(name + ".npy" for name in layers),
                             "unexpected files (temporaries left?)")
            for name in layers:
                self.check_npy(os.path.join(out, name + ".npy"), tap(c, name),
                               "%s %s" % (c["id"], name))

    def test_native_size(self):
        """Default resize none: every kind of tap, conv (before its ReLU),
        relu, pool and fc, at 320x240 and at an odd size."""
        layers = ["conv1_1", "relu1_1", "conv1_2", "pool1", "conv2_2",
                  "conv3_4", "relu3_4", "pool3", "conv4_2", "relu4_2",
                  "pool4", "conv5_4", "relu5_4", "pool5", "fc6", "relu6",
                  "fc7", "relu7", "fc8"]
        self.check_case(case("img320x240_none"), layers)
        self.check_case(case("img97x131_none"),
                        ["conv1_1", "pool2", "conv4_4", "pool5", "fc7", "fc8"])

    def test_resize_modes(self):
        self.check_case(case("img640x480_crop"),
                        ["conv1_1", "relu1_2", "pool3", "relu5_4", "fc6"],
                        resize="crop")
        self.check_case(case("img640x480_stretch"),
                        ["relu1_2", "conv3_4", "pool5", "fc8"],
                        resize="stretch")
        self.check_case(case("grey160x120_stretch"), ["conv1_1", "pool5"],
                        resize="stretch")
        self.check_case(case("rgba200x150_crop"), ["conv1_1", "fc8"],
                        resize="crop")

    def test_vgg16_and_features_only(self):
        self.check_case(case("img224_stretch_vgg16"),
                        ["conv1_1", "conv3_3", "relu5_3", "pool5", "relu7"],
                        resize="stretch")
        self.check_case(case("img320x240_none_features_only"),
                        ["relu5_4", "pool5"])

    def test_overwrites_existing_files(self):
        c = case("img320x240_none")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "pool5.npy")
            with open(path, "wb") as f:
                f.write(b"stale" * 1000)
            self.features(c, ["pool5"], d)
            self.check_npy(path, tap(c, "pool5"), "pool5 rewritten")
            self.assertEqual(os.listdir(d), ["pool5.npy"])


class Compare(OracleTestCase):

    def compare(self, ref, dist, *options, weights_key="legacy_v1"):
        out = self.assert_ok(self.run_tool(
            "compare", "--weights", weights(weights_key), *options,
            ref, dist))
        self.assertEqual(len(out.splitlines()), 1, out)
        return json.loads(out)

    def test_matches_numpy_on_oracle_taps(self):
        a, b = case("img224_stretch"), case("img640x480_stretch")
        layers = ["conv1_1", "conv3_4", "relu5_4", "fc8"]
        for loss in ("mse", "l1"):
            with self.subTest(loss=loss):
                result = self.compare(oracle_path(a["image"]),
                                      oracle_path(b["image"]),
                                      "--layers", ",".join(layers),
                                      "--loss", loss)
                self.assertEqual(list(result["layers"]), layers)
                total = 0.0
                for name in layers:
                    d = tap(a, name).astype(np.float64) - \
                        tap(b, name).astype(np.float64)
                    expected = float(np.mean(d * d if loss == "mse"
                                             else np.abs(d)))
                    self.assert_loss_close(result["layers"][name], expected,
                                           "%s %s" % (loss, name))
                    total += result["layers"][name]
                self.assertAlmostEqual(result["loss"], total,
                                       delta=1e-12 * abs(total))

    def test_default_is_conv4_2_mse_stretch(self):
        a, b = case("img224_stretch"), case("img640x480_stretch")
        result = self.compare(oracle_path(a["image"]),
                              oracle_path(b["image"]))
        self.assertEqual(list(result["layers"]), ["conv4_2"])
        self.assertEqual(result["loss"], result["layers"]["conv4_2"])
        self.assertGreater(result["loss"], 0.0)
        # the same numbers as the explicit options
        explicit = self.compare(oracle_path(a["image"]),
                                oracle_path(b["image"]), "--layers",
                                "conv4_2", "--loss", "mse", "--resize",
                                "stretch")
        self.assertEqual(result, explicit)
        # img640x480 is stretched to 224x224, so its conv4_2 is that of
        # the features command with --resize stretch
        with tempfile.TemporaryDirectory() as d:
            self.assert_ok(self.run_tool(
                "features", "--weights", weights("legacy_v1"), "--layers",
                "conv4_2", "--resize", "stretch", "--out", d,
                oracle_path(b["image"])))
            fb = np.load(os.path.join(d, "conv4_2.npy")).astype(np.float64)
        fa = tap(a, "conv4_2").astype(np.float64)
        self.assert_loss_close(result["loss"], float(np.mean((fa - fb) ** 2)),
                               "conv4_2 mse")

    def test_native_size(self):
        a = case("img320x240_none")
        image = oracle_path(a["image"])
        with tempfile.TemporaryDirectory() as d:
            # a different image of the same size: the colours inverted
            rgb = np.load(oracle_path(a["rgb"]))
            other = os.path.join(d, "other.png")
            write_png(other, 255 - rgb)
            result = self.compare(image, other, "--resize", "none",
                                  "--layers", "relu3_4", "--loss", "l1")
            self.assertGreater(result["loss"], 0.0)
            self.assertEqual(result["loss"], result["layers"]["relu3_4"])

    def test_self_is_exactly_zero(self):
        for c, resize in ((case("img224_stretch"), "stretch"),
                          (case("img97x131_none"), "none")):
            image = oracle_path(c["image"])
            for loss in ("mse", "l1"):
                result = self.compare(image, image, "--resize", resize,
                                      "--loss", loss, "--layers",
                                      "conv1_1,conv4_2,pool5")
                self.assertEqual(result["loss"], 0.0)
                self.assertEqual(set(result["layers"].values()), {0.0})


def gram_loss(x, y):
    """Gatys et al.'s normalised squared Gram difference of two (C, H, W)
    activations, in float64."""
    c, h, w = x.shape
    fx = x.astype(np.float64).reshape(c, h * w)
    fy = y.astype(np.float64).reshape(c, h * w)
    d = fx @ fx.T - fy @ fy.T
    return float((d * d).sum() / (4.0 * c * c * (h * w) ** 2))


class CompareWeightsAndStyle(OracleTestCase):

    def compare(self, ref, dist, *options):
        out = self.assert_ok(self.run_tool(
            "compare", "--weights", weights("legacy_v1"), *options,
            ref, dist))
        self.assertEqual(len(out.splitlines()), 1, out)
        return json.loads(out)

    def test_weighted_layers_and_style_match_numpy(self):
        a, b = case("img224_stretch"), case("img640x480_stretch")
        layers = [("conv1_1", 2.0), ("relu1_2", 1.0), ("conv3_4", 0.25),
                  ("relu5_4", 1.0)]
        style = [("relu1_2", 1.0), ("conv3_4", 0.5), ("pool3", 3.0)]
        spec = ",".join("%s:%g" % lw for lw in layers)
        style_spec = ",".join("%s:%g" % lw for lw in style)
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, "scores.json")
            result = self.compare(oracle_path(b["image"]),
                                  oracle_path(a["image"]), "--layers", spec,
                                  "--loss", "l1", "--style-layers",
                                  style_spec, "--log", log)
            with open(log) as f:
                logged = json.load(f)
        self.assertEqual(list(result["layers"]), [t for t, _ in layers])
        self.assertEqual(list(result["style_layers"]), [t for t, _ in style])
        total = 0.0
        for tap, w in layers:
            d = tap_of(a, tap) - tap_of(b, tap)
            expected = float(np.mean(np.abs(d)))
            self.assert_loss_close(result["layers"][tap], expected,
                                   "l1 " + tap)
            total += w * result["layers"][tap]
        self.assertAlmostEqual(result["loss"], total,
                               delta=1e-12 * abs(total))
        total = 0.0
        for tap, w in style:
            expected = gram_loss(tap_of(a, tap), tap_of(b, tap))
            self.assert_loss_close(result["style_layers"][tap], expected,
                                   "style " + tap)
            total += w * result["style_layers"][tap]
        self.assertAlmostEqual(result["style"], total,
                               delta=1e-12 * abs(total))
        # the log holds the one pair, with the same names as the element's
        self.assertEqual(len(logged["frames"]), 1)
        metrics = logged["frames"][0]["metrics"]
        self.assertAlmostEqual(metrics["perceptual"], result["loss"],
                               delta=0.5e-6)
        self.assertAlmostEqual(metrics["style_pool3"],
                               result["style_layers"]["pool3"], delta=0.5e-6)
        self.assertIn("perceptual_relu5_4", logged["pooled_metrics"])


def tap_of(c, name):
    return tap(c, name).astype(np.float64)


class ComparePresets(OracleTestCase):
    """Named metrics from the command line: the same numbers as torch's
    implementations of their papers (tests/reference/
    make_preset_reference.py, whose "stretch" pair is these two pictures
    through the same preprocessing), the header of their logs, and the
    errors that say what is missing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ref_dir = os.environ.get("VGG19_PRESET_REFERENCE", "")
        path = os.path.join(cls.ref_dir, "presets.json")
        if not os.path.isfile(path):
            # missing reference data is a failure, never a skip
            raise AssertionError("no preset reference at %s (run through "
                                 "meson)" % path)
        with open(path) as f:
            cls.expected = {(r["preset"], r["pair"]): r
                            for r in json.load(f)["results"]}
        cls.a = oracle_path(case("img640x480_stretch")["image"])
        cls.b = oracle_path(case("img224_stretch")["image"])

    def compare(self, *options):
        out = self.assert_ok(self.run_tool("compare", *options, self.a,
                                           self.b))
        return json.loads(out)

    def test_vgg19_presets_match_torch(self):
        result = self.compare("--weights", weights("legacy_v1"), "--metric",
                              "esrgan,edsr-vgg22,srgan-vgg54,gatys-style,"
                              "custom")
        for name in ("esrgan", "edsr-vgg22", "srgan-vgg54", "gatys-style"):
            want = self.expected[(name, "stretch")]
            self.assert_loss_close(result[name], want["total"], name)
            self.assertEqual(list(result[name + "_layers"]), want["layers"])
        # "custom" is the default conv4_2 mse, under its usual keys
        self.assertEqual(list(result["layers"]), ["conv4_2"])

    def test_lpips_with_its_weights(self):
        lpips = os.path.join(self.ref_dir, "lpips-v0.1-vgg.pth")
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, "scores.xml")
            result = self.compare("--weights", weights("vgg16"), "--metric",
                                  "lpips-vgg", "--calibration", lpips,
                                  "--log", log, "--log-format", "xml")
            import xml.etree.ElementTree as ET
            root = ET.parse(log).getroot()
        want = self.expected[("lpips-vgg", "stretch")]
        self.assert_loss_close(result["lpips-vgg"], want["total"], "lpips")
        self.assertEqual(root.tag, "VMAF")
        params = root.find("params").attrib
        import hashlib
        with open(weights("vgg16"), "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        self.assertEqual(params["weights_sha256"], sha)
        with open(lpips, "rb") as f:
            lpips_sha = hashlib.sha256(f.read()).hexdigest()
        self.assertIn("sha256=" + lpips_sha, params["lpips-vgg"])
        self.assertIn("net=vgg16", params["lpips-vgg"])
        frames = root.find("frames").findall("frame")
        self.assertEqual(len(frames), 1)
        self.assertEqual(frames[0].get("frameNum"), "0")
        self.assertAlmostEqual(float(frames[0].get("lpips-vgg")),
                               result["lpips-vgg"], delta=0.5e-6)
        names = [m.get("name") for m in
                 root.find("pooled_metrics").findall("metric")]
        self.assertEqual(names[0], "lpips-vgg")

    def test_missing_or_wrong_weights(self):
        # no learned weights: says how to get them
        self.assert_fails(self.run_tool("compare", "--weights",
                                        weights("vgg16"), "--metric", "dists",
                                        self.a, self.b), 1,
                          ["dists-weights.pt", "weights/fetch dists"])
        # a VGG-16 metric on VGG-19 weights
        self.assert_fails(self.run_tool(
            "compare", "--weights", weights("legacy_v1"), "--metric",
            "lpips-vgg", "--calibration",
            os.path.join(self.ref_dir, "lpips-v0.1-vgg.pth"), self.a,
            self.b), 1, ["vgg16"])
        # presets of two networks
        self.assert_fails(self.run_tool(
            "compare", "--weights", weights("vgg16"), "--metric",
            "esrgan,dists", "--calibration",
            os.path.join(self.ref_dir, "dists-weights.pt"), self.a,
            self.b), 1, ["vgg16", "vgg19"])


def gst_launch(*description):
    """Runs gst-launch-1.0 quietly; fails the test on an error. It needs
    only GStreamer's own elements: without the test's plugin path and
    registry settings, so that a sanitizer build's plugin (which only an
    instrumented process can load) stays out of it."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("GST_PLUGIN_PATH_1_0", "GST_REGISTRY_1_0",
                        "GST_REGISTRY_FORK")}
    proc = subprocess.run(["gst-launch-1.0", "-q"] + list(description),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env, timeout=300)
    if proc.returncode != 0:
        raise AssertionError("gst-launch-1.0 %s: %s"
                             % (" ".join(description),
                                proc.stderr.decode("utf-8", "replace")))


def write_clip(path, frames, quality, pattern="zone-plate"):
    """@frames frames of a textured test card as Motion JPEG in AVI."""
    gst_launch("videotestsrc", "num-buffers=%d" % frames,
               "pattern=%s" % pattern, "kx2=20", "ky2=20", "kt=1", "!",
               "video/x-raw,format=I420,width=96,height=72,framerate=25/1",
               "!", "jpegenc", "quality=%d" % quality, "!", "avimux", "!",
               "filesink", "location=%s" % path)


@unittest.skipUnless(os.environ.get("VGG19_TEST_VIDEOS") == "1",
                     "the GStreamer plugin (vgg19compare) is not built")
class CompareVideos(OracleTestCase):
    """Videos go through the vgg19compare element: frames paired by time,
    pooled scores printed, every frame in the log."""

    STATS = ["min", "max", "mean", "harmonic_mean", "median", "p1", "p5",
             "p10", "p25", "p95", "stddev", "count"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir = tempfile.mkdtemp(prefix="vgg19-cli-videos-")
        cls.ref = os.path.join(cls.dir, "ref.avi")
        cls.dist = os.path.join(cls.dir, "dist.avi")
        cls.short = os.path.join(cls.dir, "short.avi")
        write_clip(cls.ref, 4, 95)
        write_clip(cls.dist, 4, 20)
        write_clip(cls.short, 2, 20)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)
        super().tearDownClass()

    def compare(self, ref, dist, *options):
        proc = self.run_tool("compare", "--weights", weights("features_only"),
                             "--threads", "2", *options, ref, dist)
        out = self.assert_ok(proc)
        self.assertEqual(len(out.splitlines()), 1, out)
        return json.loads(out), proc.stderr.decode("utf-8", "replace")

    def test_pooled_scores_and_json_log(self):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, "out.json")
            result, stderr = self.compare(self.ref, self.dist, "--log", log,
                                          "--style-layers", "relu1_1")
            with open(log) as f:
                logged = json.load(f)
        self.assertEqual(stderr, "")
        self.assertEqual(result["reference"], self.ref)
        self.assertEqual(result["distorted"], self.dist)
        self.assertEqual(result["frames_compared"], 4)
        self.assertEqual(result["distorted_unpaired"], 0)
        self.assertEqual(result["reference_dropped"], 0)
        names = ["perceptual", "perceptual_conv4_2", "style", "style_relu1_1"]
        self.assertEqual(list(result["pooled_metrics"]), names)
        for name in names:
            pooled = result["pooled_metrics"][name]
            self.assertEqual(list(pooled), self.STATS)
            self.assertEqual(pooled["count"], 4)
            self.assertGreater(pooled["min"], 0.0)
            self.assertLessEqual(pooled["min"], pooled["p5"])
            self.assertLessEqual(pooled["p5"], pooled["mean"])
            self.assertLessEqual(pooled["mean"], pooled["p95"])
            self.assertLessEqual(pooled["p95"], pooled["max"])
        # the log: one record per frame, and the same pooled block
        self.assertEqual([f["frameNum"] for f in logged["frames"]],
                         [0, 1, 2, 3])
        for i, frame in enumerate(logged["frames"]):
            self.assertAlmostEqual(frame["pts"], i / 25.0, delta=1e-6)
            self.assertEqual(list(frame["metrics"]), names)
        values = [f["metrics"]["perceptual"] for f in logged["frames"]]
        self.assertAlmostEqual(
            result["pooled_metrics"]["perceptual"]["mean"],
            sum(values) / len(values), delta=1e-6)
        for name in names:
            self.assertAlmostEqual(
                logged["pooled_metrics"][name]["mean"],
                result["pooled_metrics"][name]["mean"], delta=0.5e-6)

    def test_identical_videos_are_zero(self):
        result, _ = self.compare(self.dist, self.dist, "--layers",
                                 "conv1_2,relu3_4:0.5", "--loss", "l1")
        self.assertEqual(result["frames_compared"], 4)
        for pooled in result["pooled_metrics"].values():
            self.assertEqual(pooled["max"], 0.0)

    def test_csv_log(self):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, "out.csv")
            self.compare(self.ref, self.dist, "--log", log, "--log-format",
                         "csv")
            with open(log) as f:
                lines = [line for line in f.read().splitlines()
                         if not line.startswith("#")]
        # libvmaf's columns and trailing commas; the pooled statistics
        # are comment lines
        self.assertEqual(lines[0], "Frame,perceptual,perceptual_conv4_2,pts,")
        self.assertEqual([line.split(",")[0] for line in lines[1:]],
                         ["0", "1", "2", "3"])
        self.assertTrue(all(line.endswith(",") for line in lines))

    def test_shorter_distorted_video(self):
        result, stderr = self.compare(self.ref, self.short)
        self.assertEqual(result["frames_compared"], 2)
        self.assertIn("warning", stderr)
        self.assertIn("sink_1", stderr)

    def test_still_reference_against_a_video(self):
        """A picture lasts for the whole clip: every frame is compared with
        it."""
        with tempfile.TemporaryDirectory() as d:
            still = os.path.join(d, "still.png")
            gst_launch("videotestsrc", "num-buffers=1", "pattern=zone-plate",
                       "kx2=20", "ky2=20", "!",
                       "video/x-raw,width=96,height=72", "!", "pngenc", "!",
                       "filesink", "location=%s" % still)
            result, stderr = self.compare(still, self.dist)
        self.assertEqual(result["frames_compared"], 4)
        self.assertEqual(stderr, "")


def write_png(path, rgb):
    """@rgb (H, W, 3) uint8 as a PNG, with the standard library only."""
    import zlib
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + \
            struct.pack(">I", zlib.crc32(body) & 0xffffffff)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 6)))
        f.write(chunk(b"IEND", b""))


class Info(OracleTestCase):

    def info(self, key):
        return self.assert_ok(self.run_tool("info", weights(key)))

    def listed(self, out):
        """name -> (dtype, shape) of the tensor lines."""
        tensors = {}
        for line in out.splitlines():
            if line.startswith("  "):
                name, dtype, shape = line.split(None, 2)
                tensors[name] = (dtype, tuple(json.loads(
                    "[" + shape.strip("()").rstrip(",") + "]")))
        return tensors

    def fields(self, out):
        return dict(line.split(": ", 1) for line in out.splitlines()
                    if not line.startswith(" ") and ": " in line)

    def check(self, key, arch, with_classifier):
        out = self.info(key)
        info = MANIFEST["weights_info"][key] if "weights_info" in MANIFEST \
            else None
        fields = self.fields(out)
        expected = torchvision_tensors(arch, with_classifier)
        dtype = info["dtype"] if info else "F32"
        self.assertEqual(self.listed(out),
                         {k: (dtype, v) for k, v in expected.items()})
        self.assertEqual(fields["network"], arch)
        self.assertEqual(fields["classify"].split()[0],
                         "yes" if with_classifier else "no")
        self.assertEqual(fields["features/loss"], "yes")
        self.assertEqual(int(fields["parameters"]),
                         sum(int(np.prod(s)) for s in expected.values()))
        self.assertEqual(int(fields["tensors"]), len(expected))
        if info:
            self.assertEqual(fields["format"], info["format"])
            self.assertEqual(int(fields["parameters"]), info["n_parameters"])
        return out

    def test_vgg19(self):
        out = self.check("legacy_v1", "vgg19", True)
        self.assertIn("classify: yes", out)

    def test_features_only(self):
        out = self.check("features_only", "vgg19", False)
        self.assertIn("classify: no", out)

    def test_vgg16(self):
        self.check("vgg16", "vgg16", True)

    def test_other_formats(self):
        for key in ("zip", "safetensors", "safetensors_f16",
                    "safetensors_bf16"):
            with self.subTest(weights=key):
                self.check(key, "vgg19", True)
        out = self.info("safetensors_timm")
        fields = self.fields(out)
        self.assertEqual(fields["network"], "vgg19")
        self.assertIn("head.fc.weight", out)
        self.assertEqual(fields["classify"], "yes")


class Bench(OracleTestCase):

    def test_runs_and_reports(self):
        out = self.assert_ok(self.run_tool(
            "bench", "--weights", weights("legacy_v1"), "--size", "64x48",
            "--runs", "3", "--threads", "1"))
        fields = dict(line.split(": ", 1) for line in out.splitlines()
                      if ": " in line)
        self.assertIn(fields["isa"], ("avx512", "avx2", "portable"))
        self.assertEqual(fields["threads"], "1")
        self.assertIn("64x48", out)
        rows = {line.split()[0]: line.split()[1:] for line in
                out.splitlines() if line and line.split()[0] in
                ("conv1_1", "conv5_4", "fc8", "total")}
        self.assertEqual(set(rows), {"conv1_1", "conv5_4", "fc8", "total"})
        for name, values in rows.items():
            ms, gflop, rate = (float(v) for v in values)
            self.assertGreaterEqual(ms, 0.0, name)
            self.assertGreater(gflop, 0.0, name)

    def test_features_only_stops_at_relu5_4(self):
        out = self.assert_ok(self.run_tool(
            "bench", "--weights", weights("features_only"), "--size",
            "32x32", "--runs", "1"))
        self.assertIn("relu5_4", out)
        self.assertNotIn("fc6", out)

    def test_layers(self):
        out = self.assert_ok(self.run_tool(
            "bench", "--weights", weights("legacy_v1"), "--size", "32x32",
            "--runs", "2", "--layers", "pool1"))
        self.assertIn("conv1_2", out)
        self.assertNotIn("conv2_1", out)


class Failures(OracleTestCase):
    """Each failure: a non-zero exit and one line on stderr."""

    def test_missing_image(self):
        w = weights("legacy_v1")
        good = oracle_path(case("img224_stretch")["image"])
        with tempfile.TemporaryDirectory() as d:
            missing = os.path.join(d, "missing.png")
            for args in (["classify", "--labels", labels_file(), missing],
                         ["features", "--layers", "conv1_1", "--out", d,
                          missing],
                         ["compare", good, missing]):
                line = self.assert_fails(self.run_tool(
                    args[0], "--weights", w, *args[1:]), 1)
                self.assertIn("missing.png", line)

    def test_not_an_image(self):
        with tempfile.TemporaryDirectory() as d:
            text = os.path.join(d, "notes.png")
            with open(text, "w") as f:
                f.write("this is plain text, not a picture\n" * 20)
            empty = os.path.join(d, "empty.jpg")
            open(empty, "wb").close()
            with open(oracle_path(case("img224_stretch")["image"]),
                      "rb") as f:
                png = f.read()
            cut = os.path.join(d, "cut.png")
            with open(cut, "wb") as f:
                f.write(png[:len(png) // 3])
            for image in (text, empty, cut, d):
                line = self.assert_fails(self.run_tool(
                    "classify", "--weights", weights("legacy_v1"),
                    "--labels", labels_file(), image), 1)
                self.assertIn(image, line)

    def test_corrupt_weights(self):
        """Truncated copies of a good file: at the start (inside the
        pickles) and in the middle of the tensor data."""
        src = weights("legacy_v1")
        image = oracle_path(case("img224_stretch")["image"])
        with tempfile.TemporaryDirectory() as d:
            for size in (200, 12 << 20):
                path = os.path.join(d, "cut-%d.pth" % size)
                with open(src, "rb") as f, open(path, "wb") as g:
                    g.write(f.read(size))
                for args in (["classify", "--labels", labels_file(),
                              "--weights", path, image],
                             ["info", path],
                             ["features", "--weights", path, "--layers",
                              "conv1_1", "--out", d, image]):
                    with self.subTest(size=size, command=args[0]):
                        line = self.assert_fails(self.run_tool(*args), 1)
                        self.assertIn(path, line)

    def test_unknown_layer(self):
        image = oracle_path(case("img224_stretch")["image"])
        with tempfile.TemporaryDirectory() as d:
            line = self.assert_fails(self.run_tool(
                "features", "--weights", weights("legacy_v1"), "--layers",
                "conv1_1,conv5_9", "--out", d, image), 2)
            self.assertIn("conv5_9", line)
            self.assertEqual(os.listdir(d), [])
            # a VGG-19 layer that VGG-16 does not have
            line = self.assert_fails(self.run_tool(
                "features", "--weights", weights("vgg16"), "--layers",
                "conv5_4", "--out", d, image), 1)
            self.assertIn("conv5_4", line)

    def test_bad_top_k(self):
        image = oracle_path(case("img224_stretch")["image"])
        for k in ("0", "1001", "five"):
            self.assert_fails(self.run_tool(
                "classify", "--weights", weights("legacy_v1"), "--top-k", k,
                image), 2, ["--top-k"])

    def test_bf16(self):
        # bf16 classifies like fp32 here: on this case torch's top-1 leads
        # by far more than bf16's ~2 % logit error (test_accuracy.c).
        image = oracle_path(case("img224_stretch")["image"])
        tops = {}
        for precision in ("fp32", "bf16"):
            r = self.run_tool("classify", "--weights", weights("legacy_v1"),
                              "--labels", labels_file(), "--precision",
                              precision, image)
            self.assert_ok(r)
            tops[precision] = json.loads(r.stdout)["top"]
        self.assertEqual(tops["bf16"][0]["class"], tops["fp32"][0]["class"])
        r = self.run_tool("bench", "--weights", weights("legacy_v1"),
                          "--precision", "bf16", "--runs", "1", "--size",
                          "32x32")
        self.assert_ok(r)
        self.assertIn(b"precision: bf16", r.stdout)

    def test_classify_without_classifier(self):
        image = oracle_path(case("img224_stretch")["image"])
        line = self.assert_fails(self.run_tool(
            "classify", "--weights", weights("features_only"), "--labels",
            labels_file(), image), 1)
        self.assertIn("classifier", line)
        with tempfile.TemporaryDirectory() as d:
            self.assert_fails(self.run_tool(
                "features", "--weights", weights("features_only"),
                "--layers", "fc8", "--out", d, image), 1, ["fc8"])

    def test_image_too_small_for_native_size(self):
        """Below 32 pixels a side the network cannot run at the native
        size; stretched to 224x224 the same image is fine."""
        rgb = np.load(oracle_path(case("img50x40_stretch")["rgb"]))
        with tempfile.TemporaryDirectory() as d:
            small = os.path.join(d, "small.png")
            write_png(small, np.ascontiguousarray(rgb[:31, :40]))
            line = self.assert_fails(self.run_tool(
                "features", "--weights", weights("legacy_v1"), "--layers",
                "conv1_1", "--out", d, small), 1)
            self.assertIn(small, line)
            self.assert_ok(self.run_tool(
                "features", "--weights", weights("legacy_v1"), "--layers",
                "conv1_1", "--resize", "stretch", "--out", d, small))
            self.assertEqual(np.load(os.path.join(d, "conv1_1.npy")).shape,
                             (64, 224, 224))

    def test_compare_sizes_differ(self):
        """At native size, images of different sizes meet as --scale
        says, and the command says so on stderr."""
        a = oracle_path(case("img224_stretch")["image"])
        b = oracle_path(case("img320x240_none")["image"])
        results = {}
        for scale in ("reference", "distorted", "fixed"):
            proc = self.run_tool(
                "compare", "--weights", weights("legacy_v1"), "--resize",
                "none", "--layers", "conv1_1", "--scale", scale,
                "--scale-size", "64x48", a, b)
            out = self.assert_ok(proc)
            results[scale] = json.loads(out)["loss"]
            stderr = proc.stderr.decode("utf-8", "replace")
            if scale == "reference":
                self.assertIn("(320x240) is scaled to the size of", stderr)
                self.assertIn("(224x224)", stderr)
            elif scale == "distorted":
                self.assertIn("(224x224) is scaled to the size of", stderr)
            else:
                self.assertEqual(stderr, "")
            self.assertGreater(results[scale], 0.0)
        # three different comparisons
        self.assertEqual(len(set(results.values())), 3)

    def test_bad_labels(self):
        image = oracle_path(case("img224_stretch")["image"])
        with tempfile.TemporaryDirectory() as d:
            short = os.path.join(d, "labels.txt")
            with open(short, "w") as f:
                f.write("cat\ndog\n")
            self.assert_fails(self.run_tool(
                "classify", "--weights", weights("legacy_v1"), "--labels",
                short, image), 1, ["labels.txt"])

    def test_output_dir_is_a_file(self):
        image = oracle_path(case("img224_stretch")["image"])
        with tempfile.NamedTemporaryFile() as f:
            self.assert_fails(self.run_tool(
                "features", "--weights", weights("legacy_v1"), "--layers",
                "conv1_1", "--out", f.name, image), 1)


def main():
    global ORACLE, MANIFEST
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    cli_test_util.set_tool(sys.argv[1])
    ORACLE = os.path.abspath(sys.argv[2])
    manifest = os.path.join(ORACLE, "manifest.json")
    if not os.path.isfile(manifest):
        # a missing oracle is a failure, never a skip
        sys.stderr.write("test_cli.py: no oracle manifest at %s\n" % manifest)
        sys.exit(1)
    with open(manifest, encoding="utf-8") as f:
        MANIFEST = json.load(f)
    cli_test_util.run_tests(sys.argv[3:])


if __name__ == "__main__":
    main()
