#!/usr/bin/env bash
# Back up the database into DIR and keep the newest KEEP backups (default 14).
#   deploy/backup.sh /var/backups/dailypapers [KEEP]
# Safe while the site runs. Run it with the service's environment (DATABASE_URL, DAILYPAPERS_HOME).
set -euo pipefail
dir=${1:?usage: deploy/backup.sh DIR [KEEP]}
keep=${2:-14}
mkdir -p "$dir"
dailypapers backup "$dir/dailypapers-$(date -u +%Y%m%dT%H%M%S%NZ).backup"
ls -1t "$dir"/dailypapers-*.backup | tail -n +"$((keep + 1))" | xargs -r rm --
