"""The models and their migrations agree. `make test-fast` builds its test databases from the
models (`--no-migrations`, 2.9 s less a worker); this test keeps that honest in both tiers, and
`make test` (CI) still migrates every test database."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db  # makemigrations reads which migrations the database has applied
def test_every_model_change_has_its_migration(settings):
    # --no-migrations hides every app's migrations (MIGRATION_MODULES); makemigrations would
    # then see no migrated app, so no change. The migrations on disk are what is checked.
    settings.MIGRATION_MODULES = {}
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit:  # --check exits 1 when a model change has no migration
        pytest.fail(f"a model change has no migration (run `makemigrations`):\n{out.getvalue()}")
