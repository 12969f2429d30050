#!/usr/bin/env bash
# Writes bench/data/ticdata.csv: the CoIL 2000 Insurance Company Benchmark (TIC) as Debian's
# r-cran-kernlab ships it (`data(ticdata)`: 9,822 customers, 85 fields and CARAVAN; rows
# 1–5,822 are the challenge's training set, 5,823–9,822 its test set). Idempotent: does nothing
# when the file is already there and complete. Installs r-cran-kernlab with apt when it is missing
# and this runs as root; otherwise says what to install.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/bench/data/ticdata.csv}"
if [[ -f "$out" ]] && [[ "$(wc -l <"$out")" -eq 9823 ]]; then
  echo "$out is there (9,822 rows)"
  exit 0
fi
have_kernlab() { command -v Rscript >/dev/null 2>&1 && Rscript -e 'quit(status = !requireNamespace("kernlab", quietly = TRUE))' >/dev/null 2>&1; }
if ! have_kernlab; then
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing r-cran-kernlab (Debian) for its ticdata data set …" >&2
    apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq r-cran-kernlab >&2
  else
    echo "needs R's kernlab package: run 'apt-get install r-cran-kernlab' as root (Debian/Ubuntu), or install.packages('kernlab') in R, then run $0 again" >&2
    exit 3
  fi
fi
mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
OUT="$tmp" Rscript -e 'suppressMessages(library(kernlab)); data(ticdata); write.csv(ticdata, Sys.getenv("OUT"), row.names = FALSE)'
if [[ "$(wc -l <"$tmp")" -ne 9823 ]]; then
  rm -f "$tmp"
  echo "kernlab's ticdata did not have the expected 9,822 rows" >&2
  exit 4
fi
mv "$tmp" "$out"
echo "wrote $out (9,822 rows)"
