#!/bin/sh
# usher air-gapped installer: checks the bundle against its SHA256SUMS, then installs
# the static binary, the hardened systemd unit, the service user (sysusers.d), the
# commented configuration as /etc/usher/usher.toml and the state directory, and enables
# (but does not start) the service, so the configuration can be read first.
#
#   sudo ./install.sh [--now]                 install (or upgrade); --now also starts it
#   sudo ./install.sh --uninstall [--purge] [--purge-data]
#        --uninstall  stops and removes the service and the binary; keeps the
#                     configuration, the user and /var/lib/usher
#        --purge      also removes /etc/usher and the usher user
#        --purge-data also removes /var/lib/usher (the database and the master key)
#   --root DIR        act on a system image mounted at DIR instead of / (no start)
#
# Safe to run again: an existing user is kept, and so is a configuration you changed
# (a newer shipped default then lands beside it as usher.toml.new).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=""
action=install
now=no
purge=no
purge_data=no

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "install.sh: $*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --root) [ $# -ge 2 ] || die "--root needs a directory"; root=$(cd "$2" && pwd); shift ;;
    --root=*) root=$(cd "${1#--root=}" && pwd) ;;
    --now) now=yes ;;
    --uninstall) action=uninstall ;;
    --purge) purge=yes ;;
    --purge-data) purge_data=yes ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) die "unknown option $1 (try --help)" ;;
  esac
  shift
done
[ "$root" = "/" ] && root=""
[ "$(id -u)" = 0 ] || die "run as root, e.g. sudo $0"

bin=/usr/local/bin/usher
unit=/etc/systemd/system/usher.service
sysusers=/etc/sysusers.d/usher.conf
config=/etc/usher/usher.toml
share=/usr/local/share/usher
docs=/usr/local/share/doc/usher
state=/var/lib/usher

# systemd is running here (not an image under --root, not a container without it).
live_systemd() { [ -z "$root" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }
systemctl_root() { if [ -n "$root" ]; then systemctl --root="$root" "$@"; else systemctl "$@"; fi; }

verify_bundle() {
  command -v sha256sum >/dev/null 2>&1 || die "sha256sum is needed to check the bundle"
  (cd "$here" && sha256sum --quiet --strict -c SHA256SUMS) \
    || die "SHA256SUMS check failed: the bundle is damaged or was changed; nothing was installed"
}

create_user() {
  if command -v systemd-sysusers >/dev/null 2>&1; then
    if [ -n "$root" ]; then systemd-sysusers --root="$root" "$root$sysusers"; else systemd-sysusers "$sysusers"; fi
  elif ! grep -q '^usher:' "$root/etc/passwd" 2>/dev/null; then
    useradd --prefix "${root:-/}" --system --user-group --home-dir "$state" --no-create-home \
      --shell /usr/sbin/nologin --comment "usher embedded-integrations appliance" usher
  fi
  grep -q '^usher:' "$root/etc/passwd" || die "could not create the usher user"
}

# The user's numeric ids from the target's passwd (names resolve only on the host).
owner_ids() { awk -F: '$1 == "usher" { print $3 ":" $4 }' "$root/etc/passwd"; }

install_config() {
  install -d -m 0755 "$root/etc/usher" "$root$share"
  shipped="$here/usher.toml"
  if [ ! -e "$root$config" ]; then
    install -m 0644 "$shipped" "$root$config"
  elif cmp -s "$shipped" "$root$config"; then
    : # unchanged
  elif [ -e "$root$share/usher.toml" ] && cmp -s "$shipped" "$root$share/usher.toml"; then
    say "kept your changes to $config"
  else
    install -m 0644 "$shipped" "$root$config.new"
    say "kept your $config; the new default is beside it as $config.new"
  fi
  # The default as shipped, to tell your changes from a newer default next time.
  install -m 0644 "$shipped" "$root$share/usher.toml"
}

do_install() {
  verify_bundle
  install -d -m 0755 "$root/usr/local/bin" "$root/etc/systemd/system" "$root/etc/sysusers.d" "$root$docs"
  install -m 0644 "$here/usher.sysusers" "$root$sysusers"
  create_user
  install -m 0755 "$here/usher" "$root$bin.new" && mv -f "$root$bin.new" "$root$bin"
  sed -e "s#/usr/bin/usher#$bin#g" -e "s#/usr/share/doc/usher#$docs#g" -e "s#/usr/share/usher#$share#g" \
    "$here/usher.service" > "$root$unit.new"
  chmod 0644 "$root$unit.new" && mv -f "$root$unit.new" "$root$unit"
  install_config
  install -m 0644 "$here/master-key.conf" "$root$share/master-key.conf"
  install -m 0644 "$here/install.md" "$root$docs/install.md"
  install -d -m 0700 "$root$state"
  chown "$(owner_ids)" "$root$state"
  if command -v systemctl >/dev/null 2>&1; then
    live_systemd && systemctl daemon-reload
    systemctl_root enable usher.service
  else
    say "systemctl not found: the unit is installed but not enabled"
  fi
  say "installed $("$root$bin" version)"
  if [ "$now" = yes ] && live_systemd; then
    systemctl restart usher.service
    say "started; systemctl status usher"
  else
    say "next: read $config, then start it: systemctl start usher"
  fi
}

do_uninstall() {
  if command -v systemctl >/dev/null 2>&1 && [ -e "$root$unit" ]; then
    if live_systemd; then systemctl disable --now usher.service || true; else systemctl_root disable usher.service || true; fi
  fi
  rm -f "$root$bin" "$root$unit" "$root$sysusers" "$root$share/master-key.conf" "$root$share/usher.toml"
  rm -rf "$root$docs"
  rmdir "$root$share" 2>/dev/null || true
  live_systemd && systemctl daemon-reload
  if [ "$purge" = yes ]; then
    rm -f "$root$config" "$root$config.new"
    rmdir "$root/etc/usher" 2>/dev/null || true
    if grep -q '^usher:' "$root/etc/passwd" 2>/dev/null; then
      userdel --prefix "${root:-/}" usher 2>/dev/null || userdel usher
    fi
    if grep -q '^usher:' "$root/etc/group" 2>/dev/null; then
      groupdel --prefix "${root:-/}" usher 2>/dev/null || true
    fi
    say "removed the configuration and the usher user"
  else
    say "kept $config and the usher user (--purge removes them)"
  fi
  if [ "$purge_data" = yes ]; then
    rm -rf "$root$state"
    say "removed $state"
  else
    say "kept $state: the database and the master key (--purge-data removes them)"
  fi
}

case "$action" in
  install) do_install ;;
  uninstall) do_uninstall ;;
esac
