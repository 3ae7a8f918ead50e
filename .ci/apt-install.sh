# deq_apt_install_missing TAG PACKAGE...: installs, non-interactively, those of
# the Debian packages that are not installed yet, as root or through sudo; does
# nothing when all are. TAG prefixes its messages. Sourced by .ci/setup.sh and
# bench/peers-setup.sh.
deq_apt_install_missing() {
  local tag="$1" p sudo=""
  shift
  local missing=()
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  echo "$tag: installing missing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "$tag: need root (or sudo) to install: ${missing[*]}" >&2
      return 1
    fi
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
