"""Durable vote windows: the table of ideas pending a rescore, and the vote function that marks them.

The ideas voted on in a window used to gather in a Redis set that the window's task emptied before
rescoring, so a killed worker or a failed rescore lost them for good. Now the vote's own transaction
inserts a row here (voting/sql.py, ON CONFLICT DO NOTHING) and only the rescore's transaction deletes it
(voting.windows). The function is reinstalled from today's voting/sql.py (tests/voting/test_sql.py).
"""

import django.db.models.deletion
from django.db import migrations, models

from voting import sql


class Migration(migrations.Migration):

    dependencies = [
        ('ideas', '0005_idea_fillfactor'),
        ('voting', '0004_generated_vote_function'),
    ]

    operations = [
        migrations.CreateModel(
            name='PendingRescore',
            fields=[
                ('idea', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='ideas.idea')),
                ('since', models.DateTimeField()),
            ],
            options={
                'verbose_name': 'idea pending rescore',
            },
        ),
        # On the way back, the same function without the mark, before the table goes.
        migrations.RunPython(sql.install, sql.install_without_marks, elidable=False),
    ]
