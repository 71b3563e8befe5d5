# Webhook starts (engine/models/hooks.py): a definition's signed entry point and its deliveries.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("engine", "0022_schedules")]
    operations = [
        migrations.CreateModel(
            name="WebhookHook",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("enabled", models.BooleanField(default=True)),
                ("secret", models.CharField(max_length=100)),
                ("previous_secret", models.CharField(blank=True, default="", max_length=100)),
                ("previous_secret_expires_at", models.DateTimeField(blank=True, null=True)),
                ("secret_set_at", models.DateTimeField()),
                ("business_key_from", models.CharField(blank=True, default="", max_length=300)),
                ("rate_per_minute", models.PositiveIntegerField(default=60)),
                ("rate_full_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                 related_name="+", to=settings.AUTH_USER_MODEL)),
                ("definition", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="hook",
                                                    to="engine.workflowdefinition")),
            ],
            options={
                "ordering": ["definition__key"],
                "constraints": [models.CheckConstraint(condition=models.Q(rate_per_minute__gte=1),
                                                       name="hook_rate_positive")],
            },
        ),
        migrations.CreateModel(
            name="WebhookDelivery",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("digest", models.CharField(max_length=64)),
                ("received_at", models.DateTimeField()),
                ("business_key", models.CharField(blank=True, max_length=200, null=True)),
                ("outcome", models.CharField(choices=[("started", "started a run"),
                                                      ("existing", "its business key's run already existed"),
                                                      ("refused", "refused (detail says why)")], max_length=16)),
                ("detail", models.CharField(blank=True, default="", max_length=500)),
                ("run", models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True,
                                          on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                          to="engine.workflowrun")),
                ("hook", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                           related_name="deliveries", to="engine.webhookhook")),
            ],
            options={
                "ordering": ["-received_at", "-id"],
                "indexes": [models.Index(fields=["hook", "-received_at"], name="hook_delivery_recent_idx")],
                "constraints": [models.UniqueConstraint(fields=("hook", "digest"), name="hook_delivery_digest_once")],
            },
        ),
    ]
