#!/usr/bin/env python3
"""The vgg19 tool's help, version and usage errors: everything that needs
neither weights nor the reference data.

    test_cli_usage.py VGG19 [unittest arguments]
"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_test_util  # noqa: E402
from cli_test_util import CliTestCase  # noqa: E402

COMMANDS = ["classify", "features", "compare", "info", "bench"]


class HelpAndVersion(CliTestCase):

    def test_help_lists_every_command(self):
        for flag in ("--help", "-h"):
            out = self.assert_ok(self.run_tool(flag))
            self.assertIn("Usage", out)
            for command in COMMANDS:
                self.assertIn(command, out)

    def test_command_help(self):
        for command in COMMANDS:
            out = self.assert_ok(self.run_tool(command, "--help"))
            self.assertIn("vgg19 " + command, out)
            self.assertIn("--weights", out)
        out = self.assert_ok(self.run_tool("classify", "--help"))
        for option in ("--labels", "--top-k", "--resize", "--precision",
                       "--threads", "--logits"):
            self.assertIn(option, out)
        out = self.assert_ok(self.run_tool("features", "--help"))
        for option in ("--layers", "--out", "--resize"):
            self.assertIn(option, out)
        out = self.assert_ok(self.run_tool("compare", "--help"))
        for option in ("--layers", "--loss", "--resize", "--style-layers",
                       "--log", "--log-format"):
            self.assertIn(option, out)
        out = self.assert_ok(self.run_tool("bench", "--help"))
        for option in ("--size", "--runs", "--layers", "--precision"):
            self.assertIn(option, out)

    def test_version(self):
        out = self.assert_ok(self.run_tool("--version"))
        self.assertRegex(out, r"^vgg19 \d+\.\d+\.\d+\n$")


class UsageErrors(CliTestCase):
    """Mistakes on the command line: exit status 2, one line, before any
    weight file is even looked for."""

    def test_no_command(self):
        self.assert_fails(self.run_tool(), 2)

    def test_unknown_command(self):
        self.assert_fails(self.run_tool("clasify", "x.png"), 2,
                          ["clasify"])

    def test_unknown_option(self):
        for command in COMMANDS:
            self.assert_fails(self.run_tool(command, "--no-such-option"), 2,
                              ["--no-such-option"])

    def test_missing_arguments(self):
        self.assert_fails(self.run_tool("classify"), 2, ["image"])
        self.assert_fails(self.run_tool("features", "--layers", "conv1_1",
                                        "x.png"), 2, ["--out"])
        self.assert_fails(self.run_tool("features", "--out", "d", "x.png"),
                          2, ["--layers"])
        self.assert_fails(self.run_tool("features", "--layers", "conv1_1",
                                        "--out", "d"), 2)
        self.assert_fails(self.run_tool("compare", "a.png"), 2)
        self.assert_fails(self.run_tool("compare", "a.png", "b.png",
                                        "c.png"), 2)
        self.assert_fails(self.run_tool("info", "a.pth", "b.pth"), 2)
        self.assert_fails(self.run_tool("bench", "extra"), 2)

    def test_bad_top_k(self):
        for value in ("0", "-1", "1001", "abc", ""):
            self.assert_fails(self.run_tool("classify", "--top-k", value,
                                            "x.png"), 2, ["top-k"])

    def test_bad_resize(self):
        self.assert_fails(self.run_tool("classify", "--resize", "zoom",
                                        "x.png"), 2, ["zoom"])
        self.assert_fails(self.run_tool("features", "--resize", "big",
                                        "--layers", "conv1_1", "--out", "d",
                                        "x.png"), 2, ["big"])

    def test_bad_precision(self):
        self.assert_fails(self.run_tool("classify", "--precision", "int8",
                                        "x.png"), 2, ["int8"])

    def test_bad_loss(self):
        self.assert_fails(self.run_tool("compare", "--loss", "l3", "a.png",
                                        "b.png"), 2, ["l3"])

    def test_bad_compare_metrics_and_logs(self):
        for options, culprit in (
                (["--layers", "conv4_2:abc"], "abc"),
                (["--layers", "conv4_2,conv4_2"], "conv4_2"),
                (["--style-layers", "relu9_1"], "relu9_1"),
                (["--log-format", "csv"], "--log"),
                (["--log", "x.json", "--log-format", "sub"], "sub"),
                (["--metric", "lpips"], "lpips-vgg"),
                (["--metric", "esrgan,esrgan"], "twice"),
                (["--metric", ""], "no metric"),
                (["--reduction", "avg"], "--reduction"),
                (["--feature-norm", "l2"], "--feature-norm"),
                (["--gram-norm", "nchw"], "--gram-norm"),
                (["--style-reduction", "max"], "--style-reduction"),
                (["--scale", "up"], "--scale"),
                (["--scale-size", "10x10"], "--scale-size"),
                (["--sync-mode", "pts"], "--sync-mode"),
                (["--eof-action", "endall"], "--eof-action")):
            self.assert_fails(self.run_tool("compare", *options, "a.png",
                                            "b.png"), 2, [culprit])

    def test_bad_threads(self):
        self.assert_fails(self.run_tool("classify", "--threads", "-2",
                                        "x.png"), 2, ["--threads"])

    def test_unknown_layer(self):
        for layers in ("conv9_9", "conv1_1,,pool1", "fc9", "conv4_2,relu"):
            self.assert_fails(self.run_tool("features", "--layers", layers,
                                            "--out", "d", "x.png"), 2)
        line = self.assert_fails(self.run_tool("compare", "--layers",
                                               "conv6_1", "a.png", "b.png"),
                                 2)
        self.assertIn("conv6_1", line)

    def test_bad_bench_options(self):
        for size in ("224", "10x10", "224x", "x224", "99999x224", "ax2"):
            self.assert_fails(self.run_tool("bench", "--size", size), 2,
                              ["--size"])
        for runs in ("0", "-3"):
            self.assert_fails(self.run_tool("bench", "--runs", runs), 2,
                              ["--runs"])


class MissingFiles(CliTestCase):

    def test_missing_weights(self):
        """A named weight file that does not exist is never replaced by
        another one, and the message says how to get the weights."""
        with tempfile.TemporaryDirectory() as d:
            missing = os.path.join(d, "nope.pth")
            image = os.path.join(d, "x.png")
            with open(image, "wb") as f:
                f.write(b"not read before the weights are")
            for args in (["classify", "--weights", missing, image],
                         ["info", missing],
                         ["bench", "--weights", missing, "--runs", "1"]):
                line = self.assert_fails(self.run_tool(*args), 1)
                self.assertIn("nope.pth", line)
                self.assertIn("weights", line)
                self.assertIn("fetch", line)
            env = self.env(VGG19_WEIGHTS=missing)
            line = self.assert_fails(self.run_tool("info", env=env), 1)
            self.assertIn("VGG19_WEIGHTS", line)
            self.assertIn("fetch", line)

    def test_no_weights_anywhere(self):
        proc = self.run_tool("info")
        if proc.returncode == 0:
            self.skipTest("weights are installed on this machine")
        line = self.assert_fails(proc, 1)
        self.assertIn("fetch", line)
        self.assertIn(self.cache_dir, line)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    cli_test_util.set_tool(sys.argv[1])
    cli_test_util.run_tests(sys.argv[2:])
