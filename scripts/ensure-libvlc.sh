#!/usr/bin/env bash
# Make sure libvlc is present for the player; install it with apt when allowed, else explain.
set -u
PACKAGES="libvlc5 vlc-plugin-base libvlc-bin"
if ldconfig -p 2>/dev/null | grep -q 'libvlc\.so'; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "libvlc is missing and this is not a Debian/Ubuntu system: install VLC's libvlc to play videos." >&2
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  SUDO=""
elif sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "libvlc is missing; the player stays off until you run:" >&2
  echo "  sudo apt-get install -y --no-install-recommends $PACKAGES" >&2
  exit 0
fi
echo "Installing libvlc ($PACKAGES)..." >&2
$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $PACKAGES \
  || echo "Could not install libvlc; the player stays off. Try: sudo apt-get install -y $PACKAGES" >&2
exit 0
