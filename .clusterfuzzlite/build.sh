#!/bin/bash -eu
# SPDX-License-Identifier: MIT
# ClusterFuzzLite entry point: the real script is fuzz/build.sh.
exec bash "$SRC/lastref/fuzz/build.sh"
