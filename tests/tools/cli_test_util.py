"""What the tests of the vgg19 tool share: running it in a clean
environment and checking the shape of its failures."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

# Set by the test scripts' main() from their command line.
VGG19 = None

# One forward pass of a large image on a slow machine, with room to spare.
TIMEOUT = 900


class CliTestCase(unittest.TestCase):
    """Runs the tool with no weight or label lookup inherited from the
    user's environment, and a private cache directory (so no weights are
    found there, and GStreamer's registry stays out of the user's)."""

    cache_dir = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cache_dir = tempfile.mkdtemp(prefix="vgg19-cli-cache-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.cache_dir, ignore_errors=True)
        super().tearDownClass()

    def env(self, **extra):
        env = dict(os.environ)
        # VGG19_DISABLE is kept: the suite may be run once per ISA
        for name in ("VGG19_WEIGHTS", "VGG19_LABELS"):
            env.pop(name, None)
        env["XDG_CACHE_HOME"] = self.cache_dir
        env.update(extra)
        return env

    def run_tool(self, *args, env=None):
        return subprocess.run([VGG19] + [str(a) for a in args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env if env is not None else self.env(),
                              timeout=TIMEOUT)

    def assert_ok(self, proc):
        self.assertEqual(proc.returncode, 0,
                         "exit %d, stderr: %s" % (proc.returncode,
                                                  proc.stderr.decode(
                                                      "utf-8", "replace")))
        return proc.stdout.decode("utf-8")

    def assert_fails(self, proc, status=None, contains=()):
        """A failure is a non-zero exit (@status when given) and exactly
        one line on stderr, starting with "vgg19: "; returns the line."""
        stderr = proc.stderr.decode("utf-8", "replace")
        self.assertNotEqual(proc.returncode, 0,
                            "succeeded unexpectedly; stdout: %s"
                            % proc.stdout.decode("utf-8", "replace")[:500])
        self.assertGreater(proc.returncode, 0,
                           "killed by signal %d; stderr: %s"
                           % (-proc.returncode, stderr))
        if status is not None:
            self.assertEqual(proc.returncode, status,
                             "exit %d instead of %d; stderr: %s"
                             % (proc.returncode, status, stderr))
        lines = stderr.splitlines()
        self.assertEqual(len(lines), 1,
                         "expected one line on stderr, got %r" % stderr)
        self.assertTrue(lines[0].startswith("vgg19: "), lines[0])
        self.assertGreater(len(lines[0]), len("vgg19: ") + 10, lines[0])
        for text in contains:
            self.assertIn(text, lines[0])
        return lines[0]


def set_tool(path):
    """Points the tests at the vgg19 executable @path."""
    global VGG19
    VGG19 = os.path.abspath(path)
    if not os.access(VGG19, os.X_OK):
        sys.stderr.write("%s is not an executable\n" % VGG19)
        sys.exit(2)


def run_tests(argv):
    """Runs the test cases of __main__ with unittest's command-line
    arguments @argv; exits non-zero when any test fails or errs."""
    program = unittest.main(module="__main__", argv=[sys.argv[0]] + argv,
                            exit=False, verbosity=2)
    result = program.result
    ok = result.wasSuccessful() and result.testsRun > 0
    sys.exit(0 if ok else 1)
