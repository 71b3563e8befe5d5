from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("engine", "0016_run_signals")]

    operations = [
        migrations.AddField(model_name="steprun", name="node", field=models.JSONField(blank=True, null=True)),
    ]
