"""The vote function reads the idea's status in its product's own workflow (ideas.WorkflowStatus:
whether that status takes votes), reinstalled from today's voting/sql.py (tests/voting/test_sql.py)."""

from django.db import migrations

from voting import sql


class Migration(migrations.Migration):

    dependencies = [
        ("ideas", "0010_workflow_status"),
        ("voting", "0005_pending_rescore"),
    ]

    # On the way back, the function without the workflow statuses, before their table goes.
    operations = [migrations.RunPython(sql.install, sql.install_without_workflows, elidable=False)]
