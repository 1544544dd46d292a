#!/usr/bin/env bash
# Builds the local images Hangar's tests, examples and default clone step use,
# with `docker import` from root filesystems assembled from host binaries:
#   hangar/busybox:latest  static busybox with its applets
#   hangar/git:latest      git (with HTTP transport) and the shared libraries ldd lists, plus busybox for sh
# Rebuilt only when missing (or with --force).
set -euo pipefail
FORCE=${1:-}

have() { [ -z "$FORCE" ] && docker image inspect "$1" >/dev/null 2>&1; }

busybox_root() {
  local root=$1
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,dev,proc,sys}
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list-full); do
    [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
}

copy_with_libs() {
  local root=$1
  shift
  for bin in "$@"; do
    mkdir -p "$root$(dirname "$bin")"
    cp -L "$bin" "$root$bin"
    ldd "$bin" 2>/dev/null | grep -oE '/[^ ]+' | while read -r lib; do
      [ -e "$root$lib" ] && continue
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    done
  done
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! have hangar/busybox:latest; then
  echo "[images] building hangar/busybox:latest" >&2
  busybox_root "$tmp/busybox"
  tar -C "$tmp/busybox" -c . | docker import -c 'CMD ["/bin/sh"]' - hangar/busybox:latest >/dev/null
fi

if ! have hangar/git:latest; then
  echo "[images] building hangar/git:latest" >&2
  root="$tmp/git"
  busybox_root "$root"
  core=$(git --exec-path)
  copy_with_libs "$root" "$(command -v git)" "$core/git-remote-http" "$core/git-remote-https"
  mkdir -p "$root$core"
  ln -sf "$(command -v git)" "$root$core/git"
  # git needs its templates dir only optionally; certificates for https remotes:
  if [ -d /etc/ssl/certs ]; then mkdir -p "$root/etc/ssl" && cp -rL /etc/ssl/certs "$root/etc/ssl/"; fi
  tar -C "$root" -c . | docker import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin' - hangar/git:latest >/dev/null
fi
