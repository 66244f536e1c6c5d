from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("digests", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscriber",
            name="for_you",
            field=models.PositiveSmallIntegerField(default=0),
        ),
    ]
