from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('matching', '0002_fingerprint_history'),
    ]

    operations = [
        migrations.AddField(
            model_name='fingerprint',
            name='indexed_seq',
            field=models.BigIntegerField(db_index=True, help_text="Order of indexing: each host's index catches up by it.", null=True),
        ),
    ]
