#!/usr/bin/env bash
# `make bundle`: one archive that installs and runs Xueji on a machine with no network (a government intranet).
# dist/xueji-<version>-<git sha>-<platform>-<python tag>.tar.gz holds:
#   - the source: `git archive HEAD` (committed files only), with the compiled translations (.mo) it tracks,
#   - wheels/: a wheel of every runtime package of requirements.lock for this platform and Python, and
#     wheels/requirements.txt, their pins with the sha256 of each wheel (pip --require-hashes on the target),
#   - node_modules/: the built front-end assets Django serves (the dist folders STATICFILES_DIRS names), no npm,
#   - fonts/: Debian's Noto CJK fonts the PDFs are laid out with (SIL Open Font License) and fonts/fonts.conf,
#     which config/settings/base.py hands to fontconfig when the folder is there,
#   - INTEGRITY.sm3.json: the SM3 manifest of its code (README, Trusted verification), verified where it runs,
#   - install.sh: creates .venv from wheels/ with `pip --no-index`; never touches the network.
# Usage: bundle/build.sh PYTHON (the virtualenv's interpreter: its version and platform are the bundle's).
set -euo pipefail
cd "$(dirname "$0")/.."
py=${1:-.venv/bin/python}
fonts_dir=${XUEJI_BUNDLE_FONTS:-/usr/share/fonts/opentype/noto}
fonts=(NotoSansCJK-Regular.ttc NotoSansCJK-Bold.ttc NotoSerifCJK-Regular.ttc NotoSerifCJK-Bold.ttc)
assets=(bootstrap/dist bootstrap-icons/font echarts/dist tom-select/dist)  # config/settings/base.py STATICFILES_DIRS

version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -n 1)
sha=$(git rev-parse --short HEAD)
tag=$("$py" -c 'import sys, sysconfig; print(sysconfig.get_platform().replace("-", "_"), "cp%d%d" % sys.version_info[:2], sep="-")')
name="xueji-$version-$sha-$tag"
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
    echo "note: uncommitted changes are not in the bundle (it is built from HEAD, $sha)" >&2
fi
for f in "${fonts[@]}"; do
    [ -f "$fonts_dir/$f" ] || { echo "$fonts_dir/$f is missing: apt-get install fonts-noto-cjk" >&2; exit 1; }
done
for a in "${assets[@]}"; do
    [ -d "node_modules/$a" ] || { echo "node_modules/$a is missing: make install" >&2; exit 1; }
done

mkdir -p dist
stage=$(mktemp -d "$PWD/dist/.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"
mkdir -p "$root"

echo "[bundle] source of $sha"
git archive --format=tar HEAD | tar -x -C "$root"
echo "$version+$sha" > "$root/VERSION"
echo "[bundle] SM3 manifest of the code, templates, static files, migrations and settings (trusted verification)"
"$py" manage.py manifest write --root "$root"
cp bundle/install.sh "$root/install.sh"
chmod +x "$root/install.sh"

echo "[bundle] runtime packages of requirements.lock (requirements.in resolved within the lock)"
# The runtime set: requirements.in (not the test and lint tools of requirements-dev.in), pinned by the lock.
"$py" -m pip install --dry-run --ignore-installed --quiet --report "$stage/report.json" \
    -r requirements.in -c requirements.lock
"$py" - "$stage/report.json" > "$stage/pins.txt" <<'PY'
import json, sys
for item in json.load(open(sys.argv[1], encoding="utf-8"))["install"]:
    print(f'{item["metadata"]["name"]}=={item["metadata"]["version"]}')
PY
echo "[bundle] wheels of $(wc -l < "$stage/pins.txt") packages for $tag"
"$py" -m pip wheel --quiet --no-deps -w "$root/wheels" -r "$stage/pins.txt"
"$py" - "$root/wheels" "$stage/pins.txt" > "$root/wheels/requirements.txt" <<'PY'
# Every pin with the sha256 of its wheel: the target installs exactly these files (pip --require-hashes).
import hashlib, pathlib, re, sys
norm = lambda s: re.sub(r"[-_.]+", "-", s).lower()
wheels = {norm(p.name.split("-")[0]): p for p in pathlib.Path(sys.argv[1]).glob("*.whl")}
print("# The runtime packages of requirements.lock, each with the sha256 of its wheel in this folder (make bundle).")
for line in pathlib.Path(sys.argv[2]).read_text().split():
    name = line.split("==")[0]
    digest = hashlib.sha256(wheels[norm(name)].read_bytes()).hexdigest()
    print(f"{line} --hash=sha256:{digest}")
PY

echo "[bundle] front-end assets: ${assets[*]}"
for a in "${assets[@]}"; do
    pkg=${a%%/*}
    mkdir -p "$root/node_modules/$a"
    cp -R "node_modules/$a/." "$root/node_modules/$a/"
    cp node_modules/"$pkg"/package.json "$root/node_modules/$pkg/"
    cp node_modules/"$pkg"/LICENSE* "$root/node_modules/$pkg/" 2> /dev/null || true
done
touch "$root/node_modules/.bundled"

echo "[bundle] fonts: ${fonts[*]}"
mkdir -p "$root/fonts"
for f in "${fonts[@]}"; do cp "$fonts_dir/$f" "$root/fonts/"; done
cp /usr/share/doc/fonts-noto-cjk/copyright "$root/fonts/LICENSE" 2> /dev/null ||
    echo "SIL Open Font License 1.1: https://openfontlicense.org" > "$root/fonts/LICENSE"
cat > "$root/fonts/fonts.conf" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<!-- The system's configuration and fonts, then the bundle's Noto CJK fonts in this folder (make bundle). -->
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir prefix="relative">.</dir>
  <cachedir prefix="xdg">fontconfig</cachedir>
</fontconfig>
XML

echo "[bundle] dist/$name.tar.gz"
tar -C "$stage" -czf "dist/$name.tar.gz.part" "$name"
mv "dist/$name.tar.gz.part" "dist/$name.tar.gz"
ls -l "dist/$name.tar.gz"
