from django.db import migrations


class Migration(migrations.Migration):
    # LiveEvent is realtime's now (realtime.0001); its table stays as it is.
    dependencies = [
        ("conversations", "0003_message_urgent"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="LiveEvent")],
            database_operations=[],
        ),
    ]
