from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0002_liveevent"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="urgent",
            field=models.BooleanField(default=False),
        ),
    ]
