#!/usr/bin/env python3
"""Writes seeded random VGG-19 weights for bench/run when no real weight
file is given: torchvision's vgg19() with the reference data's seeded
initialisation, saved in the legacy format of torchvision's official
vgg19-dcbb9e9d.pth (PyTorch <= 0.3 serialization, tensors rebuilt by
torch._utils._rebuild_tensor), so that both sides read the same kind of
file as with the official weights. Timing does not depend on the values.

    make_weights.py OUT.pth

Both functions come from tests/reference/make_oracle.py, so the file is
made exactly like the reference data's legacy_v1 weights.
"""

import collections
import os
import sys

import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "reference"))
import make_oracle  # noqa: E402


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_weights.py OUT.pth")
    out = sys.argv[1]
    model = make_oracle.make_model(torchvision.models.vgg19, make_oracle.SEED)
    tmp = out + ".tmp"
    # a plain OrderedDict, as in the 2017 file (no _metadata attribute)
    state = collections.OrderedDict(model.state_dict().items())
    make_oracle.save_legacy(state, tmp, v1=True)
    os.replace(tmp, out)
    print("make_weights: wrote %s (seeded VGG-19, legacy format)" % out)


if __name__ == "__main__":
    main()
