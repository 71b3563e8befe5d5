# Schedules (docs/operating-schedules.md): a schedule, and one row per fire time (unique: the exactly-once guard).
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("engine", "0021_human_task")]
    operations = [
        migrations.CreateModel(
            name='Schedule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slug', models.SlugField(max_length=100, unique=True)),
                ('name', models.CharField(max_length=200)),
                ('description', models.TextField(blank=True, default='')),
                ('definition_key', models.CharField(max_length=100)),
                ('input', models.JSONField(default=dict)),
                ('cron', models.CharField(blank=True, default='', max_length=200)),
                ('interval_seconds', models.PositiveIntegerField(blank=True, null=True)),
                ('timezone', models.CharField(default='UTC', max_length=64)),
                ('overlap_policy', models.CharField(choices=[('skip', 'skip'), ('buffer_one', 'buffer_one'), ('allow_all', 'allow_all')], default='skip', max_length=16)),
                ('catchup_window_seconds', models.PositiveIntegerField(default=300)),
                ('paused', models.BooleanField(default=False)),
                ('paused_reason', models.TextField(blank=True, default='')),
                ('next_fire_at', models.DateTimeField(blank=True, null=True)),
                ('last_fire_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('created_by', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('last_run', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='engine.workflowrun')),
            ],
            options={
                'ordering': ['slug'],
                'indexes': [models.Index(condition=models.Q(('paused', False)), fields=['next_fire_at'], name='schedule_due_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('cron', ''), ('interval_seconds__isnull', False)), models.Q(models.Q(('cron', ''), _negated=True), ('interval_seconds__isnull', True)), _connector='OR'), name='schedule_timing_one')],
            },
        ),
        migrations.CreateModel(
            name='ScheduleFire',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('fire_at', models.DateTimeField()),
                ('kind', models.CharField(choices=[('scheduled', 'scheduled'), ('trigger', 'trigger')], default='scheduled', max_length=16)),
                ('outcome', models.CharField(choices=[('started', 'started'), ('skipped_overlap', 'skipped_overlap'), ('buffered', 'buffered'), ('missed', 'missed'), ('failed', 'failed')], max_length=24)),
                ('reason', models.TextField(blank=True, default='')),
                ('request_id', models.CharField(blank=True, default='', max_length=100)),
                ('recorded_at', models.DateTimeField()),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('run', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='engine.workflowrun')),
                ('schedule', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='fires', to='engine.schedule')),
                ('user', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(condition=models.Q(('outcome', 'buffered')), fields=['schedule'], name='schedule_fire_buffered_idx')],
                'constraints': [models.UniqueConstraint(fields=('schedule', 'fire_at'), name='schedule_fire_once'), models.UniqueConstraint(condition=models.Q(('request_id', ''), _negated=True), fields=('schedule', 'request_id'), name='schedule_fire_request_once')],
            },
        ),
    ]
