#!/usr/bin/env python3
"""weights/fetch without network: what it knows of each file, and how it
refuses a file that is not the one expected (size, then SHA-256), in well
under a second.

    test_fetch.py FETCH
"""

import os
import subprocess
import sys
import tempfile
import unittest

FETCH = None

FILES = {
    "vgg19": ("vgg19-dcbb9e9d.pth", "574673361",
              "dcbb9e9dad569fff7a846263a77324fc34978fea2bfb039c012d710e1776ae44"),
    "vgg16": ("vgg16-397923af.pth", "553433881",
              "397923af8e79cdbb6a7127f12361acd7a2f83e06b05044ddf496e83de57a5bf0"),
    "lpips-vgg": ("lpips-v0.1-vgg.pth", "7289",
                  "a78928a0af1e5f0fcb1f3b9e8f8c3a2a5a3de244d830ad5c1feddc79b8432868"),
    "dists": ("dists-weights.pt", "12288",
              "f5e65c96230b7f6ca995691647d482237e4cab8a50c5c4a5784f219ef0748218"),
}


def run(*args):
    return subprocess.run(["bash", FETCH, *args], capture_output=True,
                          text=True, timeout=60)


class Fetch(unittest.TestCase):
    def test_help_names_every_file(self):
        proc = run("--help")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        for name, (file, size, sha) in FILES.items():
            for part in (name, file, size, sha):
                self.assertIn(part, proc.stdout)

    def test_check_refuses_other_files(self):
        with tempfile.TemporaryDirectory() as d:
            # the size of LPIPS' file, other bytes: found by its size,
            # refused by its SHA-256
            path = os.path.join(d, "vgg.pth")
            with open(path, "wb") as f:
                f.write(b"\0" * 7289)
            proc = run("--check", path)
            self.assertEqual(proc.returncode, 1)
            self.assertIn("SHA-256", proc.stderr)
            self.assertIn(FILES["lpips-vgg"][2], proc.stderr)
            # named explicitly: its size is wrong for DISTS
            proc = run("--check", path, "dists")
            self.assertEqual(proc.returncode, 1)
            self.assertIn("expected 12288", proc.stderr)
            proc = run("--check", os.path.join(d, "missing"))
            self.assertEqual(proc.returncode, 1)
            self.assertIn("no such file", proc.stderr)

    def test_unknown_arguments(self):
        proc = run("--bogus")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("--bogus", proc.stderr)
        with tempfile.TemporaryDirectory() as d:
            proc = run(d, os.path.join(d, "other"))
            self.assertEqual(proc.returncode, 1)
            self.assertIn("expected one of: vgg19 vgg16 lpips-vgg dists",
                          proc.stderr)


if __name__ == "__main__":
    FETCH = sys.argv.pop(1)
    unittest.main()
