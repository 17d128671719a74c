#!/usr/bin/env bash
# The README's test command: installs what the tests need on a fresh Debian
# machine (as root, or with sudo), then vets, checks formatting and runs every
# test. Set ZBENCH_TEST_SHORT=1 for the quick subset (go test -short).
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
command -v zstd >/dev/null 2>&1 || need_pkgs+=(zstd)
# The reference programs, measured as codecs (zstd above is one of them).
command -v gzip >/dev/null 2>&1 || need_pkgs+=(gzip)
command -v pigz >/dev/null 2>&1 || need_pkgs+=(pigz)
command -v igzip >/dev/null 2>&1 || need_pkgs+=(isal)
command -v libdeflate-gzip >/dev/null 2>&1 || need_pkgs+=(libdeflate-tools)
command -v xz >/dev/null 2>&1 || need_pkgs+=(xz-utils)
command -v gcc >/dev/null 2>&1 || need_pkgs+=(gcc)
command -v docker-registry >/dev/null 2>&1 || need_pkgs+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || need_pkgs+=(skopeo)
# scripts/pull.sh (TestPullScript) writes its OCI layout and reads evidence with jq.
command -v jq >/dev/null 2>&1 || need_pkgs+=(jq)
# The report's browser test (plots) loads it in headless Chromium; its
# Recommends bring fonts-liberation, the charts' typeface.
command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "test.sh: installing ${need_pkgs[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

export PATH="$(go env GOPATH)/bin:$PATH"
if ! command -v benchstat >/dev/null 2>&1; then
  echo "test.sh: installing benchstat"
  go install golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
fi

# actionlint checks the workflows (and, with shellcheck, their shell steps).
actionlint_version=v1.7.12
if ! command -v actionlint >/dev/null 2>&1; then
  echo "test.sh: installing actionlint $actionlint_version"
  go install "github.com/rhysd/actionlint/cmd/actionlint@$actionlint_version" ||
    echo "test.sh: warning: could not install actionlint; workflows not checked"
fi
if command -v actionlint >/dev/null 2>&1; then
  echo "test.sh: actionlint"
  actionlint
fi

echo "test.sh: gofmt and go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
go vet -tags zbench_slowcodec ./bench  # scripts/power.sh's slowed test build

# The registry integration test pushes to a local registry on loopback.
source scripts/registry.sh
start_registry

short=()
[ "${ZBENCH_TEST_SHORT:-}" = 1 ] && short=(-short)
echo "test.sh: go test ${short[*]:-} ./..."
go test "${short[@]}" -timeout 30m ./...

# Every fuzz target of what reads untrusted bytes, for a bounded time each
# (ZBENCH_FUZZTIME, 10s); their seed corpora in testdata/fuzz always run
# with go test above. One entry a target: PACKAGE:TARGET.
fuzz_targets=(
  ./corpus:FuzzSniff
  ./corpus:FuzzLoad
  ./corpus:FuzzParseList
  ./corpus:FuzzManifest
  ./internal/flock:FuzzParseHolder
  ./internal/safetext:FuzzLine
)
if [ "${ZBENCH_TEST_SHORT:-}" != 1 ]; then
  for t in "${fuzz_targets[@]}"; do
    pkg=${t%%:*} target=${t#*:}
    echo "test.sh: fuzzing $target in $pkg for ${ZBENCH_FUZZTIME:-10s}"
    go test -run='^$' -fuzz="^$target\$" -fuzztime="${ZBENCH_FUZZTIME:-10s}" "$pkg"
  done
fi
