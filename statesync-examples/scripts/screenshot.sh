#!/bin/sh
# Takes docs/images/desktop.png, the screenshot of the Swing desktop example
# (dev.statesync.examples.desktop.SwingDesktop): it plays the example's script (two settings
# changes from two JVMs, a live stream) on a virtual X server and captures the three windows at
# the end, with java.awt.Robot.
#
# Needs a JDK 17+ and Xvfb with its xvfb-run wrapper (Debian/Ubuntu: apt-get install -y xvfb).
# Run it from anywhere:  statesync-examples/scripts/screenshot.sh [output.png]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(realpath -m "${1:-$root/docs/images/desktop.png}")
cd "$root"
# -a: the first free display number; the screen is a little larger than the three windows.
xvfb-run -a -s "-screen 0 1280x420x24 -nolisten tcp" \
  ./mvnw -q -pl statesync-examples -am -Pdemo -DskipTests verify \
  -Dexec.args="-cp %classpath dev.statesync.examples.desktop.SwingDesktop --screenshot $out"
echo "wrote $out"
