#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh, then bring the schema and search index in line.
#   deploy/restore.sh /var/backups/dailypapers/dailypapers-20261127T030000Z.backup
# Stop the timers (ingest, digests) first; the web service may keep running.
set -euo pipefail
backup=${1:?usage: deploy/restore.sh BACKUP}
dailypapers restore --yes "$backup"
dailypapers migrate --no-input -v0  # a backup from an older release gets today's schema
dailypapers reindex
dailypapers check
echo "restored $backup"
