#!/usr/bin/env bash
# Builds Scry's real test inputs (container images, layers, distro package
# databases and the oracle files that say what they contain).
#
#   scripts/fixtures.sh [--big] [DIR]
#
# DIR defaults to ${SCRY_FIXTURES:-/var/tmp/scry-fixtures}. Runs as root on
# Debian 12; needs the network only for Debian's mirror and PyPI (and only for
# a fixture that is not built yet). Idempotent: every fixture is built in a temp
# dir and renamed into place with a .stamp file; a fixture whose stamp matches
# (format version + hash of its inputs) is skipped. Bump a FORMAT_* number
# below when you change how a fixture is made. --big also builds big/ (the
# benchmark layer, not needed by tests).
#
# Prints one line per fixture. Each build's full output goes to DIR/.logs/.
# What each fixture is and what its oracle is: scripts/fixtures/README.md.
set -euo pipefail

FORMAT_BOOKWORM=1
FORMAT_MULTILAYER=1
FORMAT_RPM=1
FORMAT_ALPINE=1
FORMAT_BIG=1
FORMAT_RUBY=1

PY_WHEELS=(six==1.16.0 urllib3==1.26.4 idna==2.10 requests==2.25.0 certifi==2020.12.5 chardet==4.0.0)
PY_REMOVED=urllib3          # deleted in the 3rd layer of multilayer/ (whiteouts)
DEB_ADDED=hello             # installed with dpkg in the 3rd layer of multilayer/
DEB_PURGED=tzdata           # purged with dpkg in the 3rd layer of multilayer/
RUBY_DEBS=(ruby-rack ruby-thor ruby-rainbow)   # real gemspecs for the SDK template plugin
BDB_DBS=(centos5-plain centos6-plain centos7-plain centos8-modularitylabel)
BDB_SRC=/usr/share/gocode/src/github.com/knqyf263/go-rpmdb/pkg/testdata
BIG_MIN_BYTES=$((200 * 1000 * 1000))

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }

BIG=0
DIR=
for arg in "$@"; do
  case $arg in
    --big) BIG=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "fixtures.sh: unknown option $arg" >&2; usage >&2; exit 2 ;;
    *) [[ -z $DIR ]] || { echo "fixtures.sh: more than one DIR" >&2; exit 2; }; DIR=$arg ;;
  esac
done
DIR=${DIR:-${SCRY_FIXTURES:-/var/tmp/scry-fixtures}}

if [[ $EUID -ne 0 ]]; then
  echo "fixtures.sh: must run as root (debootstrap, dpkg --root, rpm --root, umoci)" >&2
  exit 1
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$HERE/fixtures
bash "$HERE/deps/fixtures.sh"

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
CACHE=$DIR/.cache
LOGS=$DIR/.logs
mkdir -p "$CACHE/debootstrap" "$CACHE/pip" "$CACHE/debs" "$LOGS"

# One run at a time per DIR (tests may call this concurrently).
exec 9>"$DIR/.lock"
flock 9

export LC_ALL=C TZ=UTC DEBIAN_FRONTEND=noninteractive
export PATH=/usr/local/sbin:/usr/sbin:/sbin:$PATH   # dpkg wants ldconfig/start-stop-daemon
export PIP_CACHE_DIR=$CACHE/pip PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
PY=/usr/bin/python3                                 # Debian's, never a pyenv shim

# --- helpers ---------------------------------------------------------------

TMPDIRS=()
# Unmount anything left under $1 (debootstrap mounts proc/sys in its target),
# then delete it without crossing file systems.
remove_tree() {
  local d=$1 m
  [[ -e $d ]] || return 0
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(
    awk -v p="$d/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r)
  rm -rf --one-file-system "$d"
}
cleanup() {
  local d
  for d in "${TMPDIRS[@]}"; do remove_tree "$d"; done
}
trap cleanup EXIT

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
# mark LABEL: log the seconds since the previous mark (per-step times, in DIR/.logs/).
MARK=
mark() { local t; t=$(now); echo "[time] $(secs "$MARK" "$t")s $1"; MARK=$t; }

# Hash of files under $SRC (paths relative to it, so a clone elsewhere matches).
src_hash() { (cd "$SRC" && find "$@" -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }

stamp_key() { [[ -f $1/.stamp ]] && head -n1 "$1/.stamp" || true; }

# fixture NAME KEY BUILD_FN: build DIR/NAME with BUILD_FN TMP unless its stamp
# already says KEY. Prints one line.
fixture() {
  local name=$1 key=$2 fn=$3 dest=$DIR/$1 tmp t0 rc
  if [[ $(stamp_key "$dest") == "$key" ]]; then
    printf '%-11s up to date (%s)\n' "$name:" "$(du -sh "$dest" | cut -f1)"
    return 0
  fi
  tmp=$(mktemp -d "$DIR/.tmp.$name.XXXXXX")
  TMPDIRS+=("$tmp")
  chmod 755 "$tmp"
  t0=$(now)
  MARK=$t0
  set +e
  (set -euo pipefail; cd "$tmp"; "$fn" "$tmp") >"$LOGS/$name.log" 2>&1
  rc=$?
  set -e
  if ((rc != 0)); then
    printf '%-11s FAILED after %ss (exit %d); last lines of %s:\n' "$name:" "$(secs "$t0" "$(now)")" "$rc" "$LOGS/$name.log" >&2
    tail -n 25 "$LOGS/$name.log" >&2
    exit 1
  fi
  remove_tree "$tmp/.work"
  printf '%s\nbuilt %s on %s\n' "$key" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -n)" >"$tmp/.stamp"
  if [[ -e $dest ]]; then
    mv "$dest" "$DIR/.old.$name.$$"
    TMPDIRS+=("$DIR/.old.$name.$$")
  fi
  mv "$tmp" "$dest"
  remove_tree "$DIR/.old.$name.$$"
  printf '%-11s built in %ss (%s)\n' "$name:" "$(secs "$t0" "$(now)")" "$(du -sh "$dest" | cut -f1)"
}

# The Debian mirror apt uses on this machine (SCRY_DEBIAN_MIRROR overrides).
debian_mirror() {
  local m=${SCRY_DEBIAN_MIRROR:-}
  if [[ -z $m ]]; then
    m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
      awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }')
  fi
  if [[ -z $m ]]; then
    m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      sed -E 's/\[[^]]*\]//' | awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }')
  fi
  echo "${m:-http://deb.debian.org/debian}"
}

# name version source source-version arch, installed packages only, sorted.
# ${Package} is the name without ":arch" (${binary:Package} adds it for
# Multi-Arch: same packages).
expected_dpkg() {
  dpkg-query -W --admindir="$1/var/lib/dpkg" \
    -f '${db:Status-Status}\t${Package}\t${Version}\t${source:Package}\t${source:Version}\t${Architecture}\n' |
    awk -F'\t' -v OFS='\t' '$1 == "installed" { print $2, $3, $4, $5, $6 }' | sort
}

# tar a rootfs as a single layer the way image builders do: numeric ids, sorted.
layer_tar() { tar --numeric-owner --sort=name -C "$1" -c .; }

# Digests of the layers of TAG in OCI layout $1, in order.
oci_layers() {
  "$PY" - "$1" "$2" <<'EOF'
import json, sys
layout, tag = sys.argv[1], sys.argv[2]
blob = lambda d: f"{layout}/blobs/{d.replace(':', '/', 1)}"
idx = json.load(open(f"{layout}/index.json"))
m = [m for m in idx["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag][0]
for l in json.load(open(blob(m["digest"])))["layers"]:
    print(blob(l["digest"]), l["mediaType"])
EOF
}

# --- 1. bookworm -------------------------------------------------------------

build_bookworm() {
  local out=$1 r=$1/rootfs mirror
  mirror=$(debian_mirror)
  echo "mirror: $mirror"
  debootstrap --variant=minbase --cache-dir="$CACHE/debootstrap" bookworm "$r" "$mirror"
  # Make it look like a published image: no device nodes, no apt lists or caches.
  find "$r/dev" -mindepth 1 -delete
  rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin "$r"/var/log/bootstrap.log
  find "$r/var/cache/apt/archives" -name '*.deb' -delete
  mkdir -p "$r/var/lib/apt/lists/partial"
  mark debootstrap

  expected_dpkg "$r" >"$out/expected-dpkg.tsv"
  cp -L "$r/etc/os-release" "$out/expected-os-release"

  mkdir -p "$out/.work"
  umoci init --layout "$out/oci"
  umoci new --image "$out/oci:bookworm"
  umoci config --image "$out/oci:bookworm" --config.cmd /bin/bash --no-history
  umoci unpack --image "$out/oci:bookworm" "$out/.work/bundle"
  cp -a "$r/." "$out/.work/bundle/rootfs/"
  umoci repack --image "$out/oci:bookworm" --history.created_by "debootstrap --variant=minbase bookworm" "$out/.work/bundle"
  umoci gc --layout "$out/oci"
  mark "umoci image (1 gzip layer)"
  skopeo copy --quiet --dest-compress --dest-compress-format zstd "oci:$out/oci:bookworm" "oci:$out/oci-zstd:bookworm"
  mark "skopeo zstd copy"
  skopeo copy --quiet "oci:$out/oci:bookworm" "docker-archive:$out/docker-archive.tar:scry/bookworm:latest"
  mark "skopeo docker-archive"

  layer_tar "$r" >"$out/layer.tar"
  gzip -n -6 -c "$out/layer.tar" >"$out/layer.tar.gz"
  zstd -q -T0 -c "$out/layer.tar" >"$out/layer.tar.zst"
  mark "layer.tar{,.gz,.zst}"

  # sanity
  [[ $(oci_layers "$out/oci" bookworm | wc -l) -eq 1 ]]
  oci_layers "$out/oci-zstd" bookworm | grep -q 'tar+zstd$'
  [[ $(wc -l <"$out/expected-dpkg.tsv") -gt 50 ]]
}

# --- 2. multilayer -----------------------------------------------------------

build_multilayer() {
  local out=$1 base=$DIR/bookworm/rootfs img=$1/oci:multi b=$1/.work/bundle
  local sp=usr/local/lib/python3.11/dist-packages deb l3
  mkdir -p "$out/.work"
  umoci init --layout "$out/oci"
  umoci new --image "$img"
  umoci config --image "$img" --config.cmd /bin/bash --no-history
  umoci unpack --image "$img" "$b"

  # layer 1: the bookworm rootfs
  cp -a "$base/." "$b/rootfs/"
  umoci repack --refresh-bundle --image "$img" --history.created_by "debootstrap --variant=minbase bookworm" "$b"
  mark "layer 1"

  # layer 2: pure-Python wheels, installed by pip
  "$PY" -m pip install -q --no-deps --only-binary :all: --no-compile \
    --target "$b/rootfs/$sp" "${PY_WHEELS[@]}"
  mark "pip install"
  umoci repack --refresh-bundle --image "$img" --history.created_by "pip install --target /$sp ${PY_WHEELS[*]}" "$b"

  # layer 3: delete a Python package (whiteouts), install and purge Debian packages
  rm -rf "$b/rootfs/$sp/$PY_REMOVED" "$b/rootfs/$sp/$PY_REMOVED"-*.dist-info
  deb=$(find "$CACHE/debs" -name "${DEB_ADDED}_*.deb" | sort | tail -n1)
  if [[ -z $deb ]]; then
    (cd "$CACHE/debs" && { apt-get download "$DEB_ADDED" || { apt-get update -qq && apt-get download "$DEB_ADDED"; }; })
    deb=$(find "$CACHE/debs" -name "${DEB_ADDED}_*.deb" | sort | tail -n1)
  fi
  dpkg --root="$b/rootfs" --force-all -i "$deb"
  dpkg --root="$b/rootfs" --force-all --purge "$DEB_PURGED"
  umoci repack --image "$img" --history.created_by "rm $PY_REMOVED; dpkg -i $(basename "$deb"); dpkg --purge $DEB_PURGED" "$b"
  umoci gc --layout "$out/oci"
  mark "layers 2+3 (pip, dpkg, umoci)"

  # oracles, from the final rootfs
  expected_dpkg "$b/rootfs" >"$out/expected-dpkg.tsv"
  "$PY" - "$b/rootfs/$sp" <<'EOF' | sort >"$out/expected-python.tsv"
import importlib.metadata as md, sys
for d in md.distributions(path=[sys.argv[1]]):
    print(f"{d.metadata['Name'].lower()}\t{d.version}")
EOF
  l3=$(oci_layers "$out/oci" multi | awk 'END { print $1 }')
  tar -tzf "$l3" | grep -E '(^|/)\.wh\.' | sort >"$out/whiteouts.txt"

  # sanity
  [[ $(oci_layers "$out/oci" multi | wc -l) -eq 3 ]]
  grep -q "^$DEB_ADDED	" "$out/expected-dpkg.tsv"
  if grep -q "^$DEB_PURGED	" "$out/expected-dpkg.tsv"; then echo "$DEB_PURGED still installed"; return 1; fi
  if grep -q "^$PY_REMOVED	" "$out/expected-python.tsv"; then echo "$PY_REMOVED still installed"; return 1; fi
  [[ $(wc -l <"$out/expected-python.tsv") -eq $((${#PY_WHEELS[@]} - 1)) ]]
  grep -q "\.wh\.$PY_REMOVED\$" "$out/whiteouts.txt"
}

# --- 3. rpm ------------------------------------------------------------------

RPM_QF='%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\n'

build_rpm() {
  local out=$1 w=$1/.work r=$1/rootfs s n d
  mkdir -p "$w/build" "$w/tmp" "$r"
  for s in "$SRC"/rpm/*.spec; do
    rpmbuild --quiet --define "_topdir $w/build" --define "_tmppath $w/tmp" --target x86_64 -bb "$s"
  done
  mark rpmbuild
  cp -a "$SRC/rhel/rootfs/." "$r/"
  ln -s ../usr/lib/os-release "$r/etc/os-release"
  ln -s redhat-release "$r/etc/system-release"
  rpm --root "$r" --dbpath /var/lib/rpm --initdb
  rpm --root "$r" --dbpath /var/lib/rpm -i --nodeps --ignorearch --noscripts --notriggers \
    $(find "$w/build/RPMS" -name '*.rpm' | sort)
  [[ -f $r/var/lib/rpm/rpmdb.sqlite ]]
  [[ ! -s $r/var/lib/rpm/rpmdb.sqlite-wal ]]   # everything checkpointed into the main file
  layer_tar "$r" | gzip -n >"$out/layer.tar.gz"
  cp -a "$r/var/lib/rpm" "$w/db"               # query a copy: rpm may touch the db
  rpm --dbpath "$w/db" -qa --qf "$RPM_QF" | sort >"$out/expected-rpm.tsv"
  cp -L "$r/etc/os-release" "$out/expected-os-release"
  [[ $(wc -l <"$out/expected-rpm.tsv") -eq $(find "$SRC/rpm" -name '*.spec' | wc -l) ]]
  mark "sqlite rpmdb rootfs + layer + oracle"

  # real BerkeleyDB rpmdbs from CentOS images
  for n in "${BDB_DBS[@]}"; do
    d=$out/bdb/$n
    mkdir -p "$d/rootfs/var/lib/rpm" "$w/bdb-$n"
    cp "$BDB_SRC/$n/Packages" "$d/rootfs/var/lib/rpm/Packages"
    layer_tar "$d/rootfs" | gzip -n >"$d/layer.tar.gz"
    cp "$BDB_SRC/$n/Packages" "$w/bdb-$n/"
    rpm --dbpath "$w/bdb-$n" --define '_db_backend bdb_ro' -qa --qf "$RPM_QF" | sort >"$d/expected-rpm.tsv"
    [[ $(wc -l <"$d/expected-rpm.tsv") -gt 50 ]]
    rpm --dbpath "$w/bdb-$n" --define '_db_backend bdb_ro' -qa --qf '%{NAME}\t%{MODULARITYLABEL}\n' |
      awk -F'\t' '$2 != "(none)"' | sort >"$d/expected-modularitylabel.tsv"
    [[ -s $d/expected-modularitylabel.tsv ]] || rm "$d/expected-modularitylabel.tsv"
    mark "bdb $n"
  done
}

# --- 4. alpine ---------------------------------------------------------------

build_alpine() {
  local out=$1 r=$1/rootfs
  cp -a "$SRC/alpine/rootfs" "$r"
  find "$r" -type d -exec chmod 755 {} +
  find "$r" -type f -exec chmod 644 {} +
  tar --numeric-owner --owner=0 --group=0 --sort=name --mtime=2023-08-07T00:00:00Z -C "$r" -c . |
    gzip -n >"$out/layer.tar.gz"
  awk -v OFS='\t' '
    /^P:/ { p = substr($0, 3) } /^V:/ { v = substr($0, 3) }
    /^A:/ { a = substr($0, 3) } /^o:/ { o = substr($0, 3) }
    /^$/  { if (p != "") print p, v, a, o; p = v = a = o = "" }
    END   { if (p != "") print p, v, a, o }' "$r/lib/apk/db/installed" | sort >"$out/expected-apk.tsv"
  cp "$r/etc/os-release" "$out/expected-os-release"
  [[ $(wc -l <"$out/expected-apk.tsv") -ge 10 ]]
}

# --- 5. big ------------------------------------------------------------------

# Real gemspecs from Debian's ruby-* packages (unpacked, not installed); the oracle is
# Ruby's own Gem::Specification.load.
build_ruby() {
  local out=$1 r=$1/rootfs debs=$1/debs
  mkdir -p "$r" "$debs"
  (cd "$debs" && apt-get download "${RUBY_DEBS[@]}" >>"$LOGS/ruby.log" 2>&1) ||
    { apt-get update -qq && (cd "$debs" && apt-get download "${RUBY_DEBS[@]}" >>"$LOGS/ruby.log" 2>&1); }
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$r"; done
  rm -rf "$debs"
  layer_tar "$r" | gzip -n >"$out/layer.tar.gz"
  find "$r" -path '*/specifications/*.gemspec' -print0 | sort -z |
    xargs -0 ruby -e 'ARGV.each { |f| s = Gem::Specification.load(f); puts [s.name, s.version].join("\t") }' |
    sort >"$out/expected-gems.tsv"
  [[ $(wc -l <"$out/expected-gems.tsv") -ge ${#RUBY_DEBS[@]} ]]
}

build_big() {
  local out=$1 r=$1/.work/rootfs size
  mkdir -p "$r"
  cp -a "$DIR/bookworm/rootfs/." "$r/"
  mkdir -p "$r/usr/lib"
  cp -a /usr/lib/python3* "$r/usr/lib/"
  mark "copy rootfs + python"
  layer_tar "$r" >"$out/.work/layer.tar"
  size=$(stat -c %s "$out/.work/layer.tar")
  # On a machine with smaller Python trees, pad with more copies of them.
  local i=0
  while ((size < BIG_MIN_BYTES && i < 10)); do
    i=$((i + 1))
    mkdir -p "$r/opt/python-copy-$i"
    cp -a /usr/lib/python3* "$r/opt/python-copy-$i/"
    layer_tar "$r" >"$out/.work/layer.tar"
    size=$(stat -c %s "$out/.work/layer.tar")
  done
  echo "uncompressed layer: $size bytes ($i padding copies)"
  ((size >= BIG_MIN_BYTES))
  echo "$size" >"$out/layer.tar.size"
  mark "layer.tar"
  gzip -n -6 -c "$out/.work/layer.tar" >"$out/layer.tar.gz"
  mark "gzip"
  zstd -q -T0 -c "$out/.work/layer.tar" >"$out/layer.tar.zst"
  mark "zstd"
  cp "$DIR/bookworm/expected-dpkg.tsv" "$out/expected-dpkg.tsv"
}

# --- run ---------------------------------------------------------------------

fixture bookworm "bookworm format=$FORMAT_BOOKWORM suite=bookworm variant=minbase" build_bookworm
BOOKWORM_ID=$(sha256sum "$DIR/bookworm/.stamp" | cut -c1-16)   # a rebuilt rootfs rebuilds its users
fixture multilayer "multilayer format=$FORMAT_MULTILAYER base=$BOOKWORM_ID wheels=${PY_WHEELS[*]} rm=$PY_REMOVED add=$DEB_ADDED purge=$DEB_PURGED" build_multilayer
fixture rpm "rpm format=$FORMAT_RPM inputs=$(src_hash rpm rhel) bdb=${BDB_DBS[*]}" build_rpm
fixture alpine "alpine format=$FORMAT_ALPINE inputs=$(src_hash alpine)" build_alpine
fixture ruby "ruby format=$FORMAT_RUBY debs=${RUBY_DEBS[*]}" build_ruby
bash "$SRC/feeds-distro.sh" "$DIR"   # debian/ubuntu/alpine feed samples (own stamp)
bash "$SRC/feeds-ecosystems.sh" "$DIR"   # osv/rhel-vex/nvd feed samples (own stamp)
if ((BIG)); then
  fixture big "big format=$FORMAT_BIG base=$BOOKWORM_ID python=$(ls -d /usr/lib/python3* | tr '\n' ' ')" build_big
fi
