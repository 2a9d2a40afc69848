from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    # The table was made by conversations; this only moves the model's state here.
    dependencies = [
        ("conversations", "0004_liveevent_to_realtime"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="LiveEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("created_at", models.DateTimeField(db_index=True)),
                        ("kind", models.CharField(max_length=32)),
                        ("payload", models.JSONField()),
                    ],
                    options={"db_table": "conversations_liveevent"},
                ),
            ],
            database_operations=[],
        ),
    ]
