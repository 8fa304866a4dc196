from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("custody", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="logentry",
            name="salt",
            field=models.CharField(
                blank=True, default="", max_length=64,
                help_text="Random salt committed with the details (version 2 leaves); restricted like them.",
            ),
        ),
    ]
