#!/bin/sh
# Re-creates runtime/internal/_wazero from a pristine wazero release and
# applies the patch series in this directory (see RATIONALE.md, "A patched
# wazero carried in the module"). Run from the repository root:
#
#	make wazero-vendor WAZERO_VERSION=v1.12.0
#
# Steps: fetch the release into the module cache, copy it, drop what we
# neither build nor test (its go.mod, examples, CLI, site, CI files and the
# 70 MB spec-test corpus), rewrite its import paths to this internal
# package, then apply PATCHES/*.patch in order with git apply. A patch that
# no longer applies stops the script: rebase it by hand on the new release.
set -eu
version=${1:?usage: vendor.sh WAZERO_VERSION}
dst=runtime/internal/_wazero
new=github.com/wasmgw/wasmgw/$dst
go mod download github.com/tetratelabs/wazero@"$version"
src=$(go env GOMODCACHE)/github.com/tetratelabs/wazero@"$version"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$dst/PATCHES" "$tmp/PATCHES"
rm -rf "$dst"
cp -r "$src" "$dst"
chmod -R u+w "$dst"
rm -rf "$dst/go.mod" "$dst/go.sum" "$dst/examples" "$dst/cmd" "$dst/site" \
	"$dst/.github" "$dst/packaging" "$dst/netlify.toml" "$dst/codecov.yml" \
	"$dst/CONTRIBUTING.md" "$dst/Makefile" "$dst/example_test.go" "$dst/cache_example_test.go" "$dst/config_example_test.go" "$dst/.gitignore" "$dst/.gitmodules" \
	"$dst/.editorconfig" "$dst/.gitattributes" "$dst/.netlify" \
	"$dst/imports/assemblyscript" "$dst/imports/emscripten" \
	"$dst/internal/integration_test/spectest" "$dst/internal/integration_test/stdlibs" \
	"$dst/internal/integration_test/libsodium" "$dst/internal/integration_test/bench" \
	"$dst/internal/integration_test/filecache" "$dst/internal/integration_test/vs"
# Import paths and string literals naming packages, then the assembly
# symbols the engine links to by full package path.
find "$dst" -name '*.go' -exec sed -i \
	-e "s#\"github.com/tetratelabs/wazero#\"$new#g" \
	-e "s#^//go:linkname \([^ ]*\) github.com/tetratelabs/wazero/#//go:linkname \1 $new/#" {} +
cp -r "$tmp/PATCHES" "$dst/PATCHES"
for p in "$dst"/PATCHES/*.patch; do
	[ -e "$p" ] || continue
	echo "applying $p"
	git apply --directory="$dst" "$p"
done
