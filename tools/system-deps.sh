#!/usr/bin/env bash
# System packages the test suite needs (Debian). Idempotent: does nothing when they are present.
# - chromium: the real-browser interview test (Playwright drives Debian's Chromium) and image export.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# - libreoffice (calc): the test that the report workbook converts to PDF
command -v libreoffice >/dev/null 2>&1 || need+=(libreoffice-calc)
# - postgresql: the second test run (tools/pg-test.sh starts a throwaway server) and pg_dump for backups
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != "0" ]; then
    echo "Mangler systempakker: ${need[*]} — kør som root eller: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "Installerer systempakker: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
