# Search by input fields (engine/selectors/search.py): a GIN index on the run's input with
# jsonb_path_ops, which serves containment (input @> {"customer": {"email": ...}}) and is about a
# third the size of the default jsonb_ops. Built CONCURRENTLY, outside a transaction, so a large
# runs table keeps taking writes while it builds (a build that fails leaves an INVALID index:
# drop it and migrate again).
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("engine", "0025_definition_archive")]
    operations = [
        AddIndexConcurrently(
            model_name="workflowrun",
            index=GinIndex(fields=["input"], name="run_input_gin", opclasses=["jsonb_path_ops"]),
        ),
    ]
